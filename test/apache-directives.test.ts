// src/apache-directives.ts: its generated block is what the installed apache2
// prints with every Debian module loaded (`apache2 -L`, `apache2 -l`, `-v`),
// its lookup agrees with apache-methods.md §1.9–1.10, and `apache2 -t`
// accepts or refuses directives exactly where the table says.
// After an Apache upgrade: UPDATE_GOLDEN=1 npx vitest run test/apache-directives.test.ts
// rewrites the generated block; read the diff.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  APACHE_DIRECTIVES,
  APACHE_DIRECTIVES_SOURCE,
  APACHE_STATIC_MODULES,
  type ApacheDirectiveInfo,
  type ApachePlace,
  apacheDirective,
  OVERRIDE_CLASSES,
  type OverrideClass,
} from '../src/apache-directives.js';
import { APACHE2, describeApache } from './helpers/real-apache.js';

const APACHE = APACHE2;
const MODULES_DIR = '/usr/lib/apache2/modules';
const MODS_AVAILABLE = '/etc/apache2/mods-available';
const SRC = fileURLToPath(new URL('../src/apache-directives.ts', import.meta.url));
const BEGIN = '// <generated> by test/apache-directives.test.ts; do not edit';
const END = '// </generated>';

interface Load {
  id: string;
  file: string;
  /** No .load file names it: the id comes from the file name (mod_x.so → x_module). */
  guessed: boolean;
}

/** Every module file Debian ships, with the id its .load file gives it. */
function debianModules(): Load[] {
  const byFile = new Map<string, Load>();
  for (const name of readdirSync(MODS_AVAILABLE).filter((f) => f.endsWith('.load')).sort()) {
    for (const m of readFileSync(join(MODS_AVAILABLE, name), 'utf8').matchAll(/^\s*LoadModule\s+(\S+)\s+(\S+)\s*$/gm)) {
      byFile.set(m[2]!, { id: m[1]!, file: m[2]!, guessed: false });
    }
  }
  for (const so of readdirSync(MODULES_DIR).filter((f) => f.endsWith('.so')).sort()) {
    const file = join(MODULES_DIR, so);
    if (!byFile.has(file)) byFile.set(file, { id: `${so.replace(/^mod_/, '').replace(/\.so$/, '')}_module`, file, guessed: true });
  }
  return [...byFile.values()];
}

interface Run {
  status: number | null;
  output: string;
}

function apache2(args: string[]): Run {
  const run = spawnSync(APACHE, args, { encoding: 'utf8', timeout: 30_000 });
  if (run.error) throw new Error(`cannot run ${APACHE}: ${run.error.message}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** A config whose every path is inside `dir`, so no envvars and no /var/run are needed. */
function configHead(dir: string): string[] {
  return [
    `ServerRoot "${dir}"`,
    'ServerName localhost',
    `PidFile "${dir}/apache2.pid"`,
    `ErrorLog "${dir}/error.log"`,
    `DefaultRuntimeDir "${dir}"`,
    `Mutex file:${dir} default`,
  ];
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'verblint-apache-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `apache2 -L` with these modules; a module Apache cannot load is dropped and noted. */
function listDirectives(loads: Load[]): { text: string; failed: string[] } {
  return withTempDir((dir) => {
    const failed: string[] = [];
    let todo = [...loads];
    for (;;) {
      const head = configHead(dir);
      const file = join(dir, 'apache2.conf');
      writeFileSync(file, [...head, ...todo.map((l) => `LoadModule ${l.id} "${l.file}"`), ''].join('\n'));
      const run = apache2(['-f', file, '-L']);
      if (run.status === 0) return { text: run.output, failed };
      const m = /Syntax error on line (\d+) of [^\n]*?:\s*(.+)/.exec(run.output);
      const bad = m ? todo[Number(m[1]) - head.length - 1] : undefined;
      if (!bad) throw new Error(`apache2 -L failed:\n${run.output}`);
      failed.push(`${basename(bad.file)}: ${m![2]}`);
      todo = todo.filter((l) => l !== bad);
    }
  });
}

interface Row {
  name: string;
  module: string;
  place: ApachePlace;
  htaccess: readonly OverrideClass[];
}

const PLACES: Record<string, ApachePlace> = {
  anywhere: 'anywhere',
  'only outside <Directory>, <Files>, <Location>, or <If>': 'outside',
  'only inside <Directory>, <Files>, <Location>, or <If>': 'inside',
};

/**
 * Reads `apache2 -L`: "Name (module.c)", its description (any number of
 * lines, some not indented), then "\tAllowed in *.conf PLACE[ [no per-dir
 * config]][ and in .htaccess" and "\twhen AllowOverride isn't None|includes A or B]".
 */
function parseDirectiveList(text: string): Row[] {
  const lines = text.split('\n');
  const rows: Row[] = [];
  let i = 0;
  while (i < lines.length) {
    if (lines[i] === '' && i === lines.length - 1) break;
    const head = /^(\S+) \(([\w.]+\.c)\)$/.exec(lines[i]!);
    if (!head) throw new Error(`apache2 -L line ${i + 1}: expected "Name (module.c)", got ${JSON.stringify(lines[i])}`);
    i++;
    while (i < lines.length && !lines[i]!.startsWith('\tAllowed in *.conf ')) i++;
    const allowed = /^\tAllowed in \*\.conf (.+?)( \[no per-dir config\])?( and in \.htaccess)?$/.exec(lines[i] ?? '');
    const place = allowed ? PLACES[allowed[1]!] : undefined;
    if (!allowed || !place) throw new Error(`apache2 -L: no "Allowed in" line for ${head[1]}`);
    i++;
    let htaccess: OverrideClass[] = [];
    if (allowed[3]) {
      const when = /^\twhen AllowOverride (?:(isn't None)|includes (.+))$/.exec(lines[i] ?? '');
      if (!when) throw new Error(`apache2 -L: no "when AllowOverride" line for ${head[1]}`);
      i++;
      const named = when[1] ? OVERRIDE_CLASSES : when[2]!.split(' or ');
      for (const c of named) if (!OVERRIDE_CLASSES.includes(c as OverrideClass)) throw new Error(`apache2 -L: unknown class ${c} for ${head[1]}`);
      htaccess = OVERRIDE_CLASSES.filter((c) => named.includes(c));
    }
    if (place === 'outside' && htaccess.length > 0) throw new Error(`apache2 -L: ${head[1]} is outside-only yet allowed in .htaccess`);
    rows.push({ name: head[1]!, module: head[2]!, place, htaccess });
  }
  return rows;
}

interface Generated {
  block: string;
  failed: string[];
  guessed: string[];
  rows: Row[];
}

const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function renderClasses(classes: readonly OverrideClass[]): string {
  return classes.length === OVERRIDE_CLASSES.length ? 'ANY' : `[${classes.map(quote).join(', ')}]`;
}

function renderBlock(source: string, staticModules: string[], rows: Row[]): string {
  return [
    BEGIN,
    `export const APACHE_DIRECTIVES_SOURCE =\n  ${quote(source)};`,
    `export const APACHE_STATIC_MODULES: readonly string[] = [${staticModules.map(quote).join(', ')}];`,
    'const GENERATED: readonly Row[] = [',
    ...rows.map((r) => `  [${quote(r.name)}, ${quote(r.module)}, ${quote(r.place)}, ${renderClasses(r.htaccess)}],`),
    '];',
    END,
  ].join('\n');
}

let cached: Generated | undefined;

/** The generated block as the installed apache2 gives it: every module, each MPM in turn. */
function generate(): Generated {
  if (cached) return cached;
  const version = apache2(['-v']).output;
  const server = /^Server version: (.+)$/m.exec(version)?.[1];
  const built = /^Server built: +(.+)$/m.exec(version)?.[1];
  if (!server || !built) throw new Error(`apache2 -v: ${version}`);
  const compiled = apache2(['-l']).output.split('\n');
  const staticModules = compiled.slice(compiled.indexOf('Compiled in modules:') + 1).map((l) => l.trim()).filter(Boolean);

  const loads = debianModules();
  const mpms = loads.filter((l) => l.id.startsWith('mpm_'));
  const others = loads.filter((l) => !mpms.includes(l));
  const byKey = new Map<string, Row>();
  const failed = new Set<string>();
  for (const mpm of mpms) {
    const listed = listDirectives([...others, mpm]);
    for (const f of listed.failed) failed.add(f);
    for (const row of parseDirectiveList(listed.text)) {
      const key = `${row.module} ${row.name}`;
      const seen = byKey.get(key);
      if (seen && JSON.stringify(seen) !== JSON.stringify(row)) throw new Error(`${key} differs between MPMs`);
      byKey.set(key, row);
    }
  }
  // Modules sorted, directives in Apache's own order within each: the file
  // does not depend on the order of LoadModule lines.
  const modules = [...new Set([...byKey.values()].map((r) => r.module))].sort();
  const rows = modules.flatMap((m) => [...byKey.values()].filter((r) => r.module === m));
  const source =
    `apache2 -L of ${server} built ${built}, with all ${loads.length} modules in ${MODULES_DIR} loaded ` +
    `(${mpms.length} MPMs in turn) and the static ones of apache2 -l`;
  cached = {
    block: renderBlock(source, staticModules, rows),
    failed: [...failed],
    guessed: loads.filter((l) => l.guessed).map((l) => basename(l.file)),
    rows,
  };
  return cached;
}

function committedBlock(text: string): string {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END, start);
  if (start < 0 || end < 0) throw new Error(`${SRC} has no generated block between "${BEGIN}" and "${END}"`);
  return text.slice(start, end + END.length);
}

describe('reading apache2 -L', () => {
  it('reads places, classes, unindented description lines and the per-dir note', () => {
    const text = [
      '<Limit (core.c)',
      '\tContainer for authentication directives',
      '\tAllowed in *.conf only inside <Directory>, <Files>, <Location>, or <If> and in .htaccess',
      '\twhen AllowOverride includes AuthConfig or Limit',
      'AuthLDAPURL (mod_authnz_ldap.c)',
      '\tURL of the form ldap://host',
      '<ul>',
      '<li>Host is the name of the LDAP server.',
      '</ul>',
      '\tAllowed in *.conf only inside <Directory>, <Files>, <Location>, or <If> and in .htaccess',
      '\twhen AllowOverride includes AuthConfig',
      'Use (mod_macro.c)',
      '\tAllowed in *.conf anywhere [no per-dir config] and in .htaccess',
      "\twhen AllowOverride isn't None",
      'TraceEnable (core.c)',
      '\tAllowed in *.conf only outside <Directory>, <Files>, <Location>, or <If>',
      '',
    ].join('\n');
    expect(parseDirectiveList(text)).toEqual([
      { name: '<Limit', module: 'core.c', place: 'inside', htaccess: ['AuthConfig', 'Limit'] },
      { name: 'AuthLDAPURL', module: 'mod_authnz_ldap.c', place: 'inside', htaccess: ['AuthConfig'] },
      { name: 'Use', module: 'mod_macro.c', place: 'anywhere', htaccess: OVERRIDE_CLASSES },
      { name: 'TraceEnable', module: 'core.c', place: 'outside', htaccess: [] },
    ]);
  });

  it('refuses what it cannot read', () => {
    expect(() => parseDirectiveList('Junk\n')).toThrow('apache2 -L line 1: expected "Name (module.c)", got "Junk"');
    expect(() => parseDirectiveList('X (core.c)\n\tAllowed in *.conf somewhere\n')).toThrow('no "Allowed in" line for X');
    expect(() => parseDirectiveList('X (core.c)\n\tAllowed in *.conf anywhere and in .htaccess\n')).toThrow(
      'no "when AllowOverride" line for X',
    );
    expect(() =>
      parseDirectiveList('X (core.c)\n\tAllowed in *.conf anywhere and in .htaccess\n\twhen AllowOverride includes Nonsense\n'),
    ).toThrow('unknown class Nonsense for X');
  });
});

describeApache('the generated table and the installed apache2', () => {
  it('loads every module file Debian ships, one MPM at a time, and none fails', () => {
    const g = generate();
    expect(g.failed).toEqual([]);
    // Example modules without a .load file; their ids follow the file names.
    expect(g.guessed).toEqual(['mod_bucketeer.so', 'mod_case_filter.so', 'mod_case_filter_in.so']);
  });

  it('is what apache2 -L, -l and -v print now', () => {
    const g = generate();
    const text = readFileSync(SRC, 'utf8');
    if (process.env.UPDATE_GOLDEN) writeFileSync(SRC, text.replace(committedBlock(text), () => g.block));
    expect(committedBlock(readFileSync(SRC, 'utf8')).split('\n')).toEqual(g.block.split('\n'));
  });

  it('gives the same placement wherever two modules define one name', () => {
    const { rows } = generate();
    const shared = new Map<string, Row[]>();
    for (const r of rows) shared.set(r.name.toLowerCase(), [...(shared.get(r.name.toLowerCase()) ?? []), r]);
    const names = [...shared].filter(([, rs]) => rs.length > 1);
    expect(names.map(([, rs]) => rs.map((r) => `${r.name} (${r.module})`).join(' = '))).toEqual([
      'ListenBacklog (event.c) = ListenBacklog (prefork.c) = ListenBacklog (worker.c)',
      'ListenCoresBucketsRatio (event.c) = ListenCoresBucketsRatio (prefork.c) = ListenCoresBucketsRatio (worker.c)',
      'Listen (event.c) = Listen (prefork.c) = Listen (worker.c)',
      'SendBufferSize (event.c) = SendBufferSize (prefork.c) = SendBufferSize (worker.c)',
      'ReceiveBufferSize (event.c) = ReceiveBufferSize (prefork.c) = ReceiveBufferSize (worker.c)',
      'ListenTCPDeferAccept (event.c) = ListenTCPDeferAccept (prefork.c) = ListenTCPDeferAccept (worker.c)',
      'StartServers (event.c) = StartServers (prefork.c) = StartServers (worker.c)',
      'ServerLimit (event.c) = ServerLimit (prefork.c) = ServerLimit (worker.c)',
      'MinSpareThreads (event.c) = MinSpareThreads (worker.c)',
      'MaxSpareThreads (event.c) = MaxSpareThreads (worker.c)',
      'MaxClients (event.c) = MaxClients (prefork.c) = MaxClients (worker.c)',
      'MaxRequestWorkers (event.c) = MaxRequestWorkers (prefork.c) = MaxRequestWorkers (worker.c)',
      'ThreadsPerChild (event.c) = ThreadsPerChild (worker.c)',
      'ThreadLimit (event.c) = ThreadLimit (worker.c)',
      'GracefulShutdownTimeout (event.c) = GracefulShutdownTimeout (prefork.c) = GracefulShutdownTimeout (worker.c)',
      'ScriptLog (mod_cgi.c) = ScriptLog (mod_cgid.c)',
      'ScriptLogLength (mod_cgi.c) = ScriptLogLength (mod_cgid.c)',
      'ScriptLogBuffer (mod_cgi.c) = ScriptLogBuffer (mod_cgid.c)',
      'HeartbeatStorage (mod_heartmonitor.c) = HeartbeatStorage (mod_lbmethod_heartbeat.c)',
    ]);
    for (const [, rs] of names) {
      for (const r of rs) expect([r.place, r.htaccess]).toEqual([rs[0]!.place, rs[0]!.htaccess]);
    }
  });
});

const info = (name: string, module: string, server: boolean, section: boolean, htaccess: OverrideClass[]): ApacheDirectiveInfo => ({
  name,
  module,
  server,
  section,
  htaccess,
});

describe('apacheDirective, against apache-methods.md §1.9 and §1.10', () => {
  it.each([
    // Never in .htaccess.
    ['AllowMethods', info('AllowMethods', 'mod_allowmethods.c', false, true, [])],
    ['TraceEnable', info('TraceEnable', 'core.c', true, false, [])],
    ['RegisterHttpMethod', info('RegisterHttpMethod', 'core.c', true, false, [])],
    ['Script', info('Script', 'mod_actions.c', true, true, [])],
    ['Dav', info('DAV', 'mod_dav.c', false, true, [])],
    ['RewriteMap', info('RewriteMap', 'mod_rewrite.c', true, false, [])],
    ['Define', info('Define', 'core.c', true, true, [])],
    ['UnDefine', info('UnDefine', 'core.c', true, true, [])],
    ['Include', info('Include', 'core.c', true, true, [])],
    ['IncludeOptional', info('IncludeOptional', 'core.c', true, true, [])],
    ['ProxyPass', info('ProxyPass', 'mod_proxy.c', true, true, [])],
    ['ProxyPassMatch', info('ProxyPassMatch', 'mod_proxy.c', true, true, [])],
    ['Alias', info('Alias', 'mod_alias.c', true, true, [])],
    ['ScriptAlias', info('ScriptAlias', 'mod_alias.c', true, true, [])],
    ['DocumentRoot', info('DocumentRoot', 'core.c', true, false, [])],
    ['AllowOverride', info('AllowOverride', 'core.c', false, true, [])],
    ['AccessFileName', info('AccessFileName', 'core.c', true, false, [])],
    ['<Directory', info('<Directory', 'core.c', true, false, [])],
    ['<DirectoryMatch', info('<DirectoryMatch', 'core.c', true, false, [])],
    ['<Location', info('<Location', 'core.c', true, false, [])],
    ['<LocationMatch', info('<LocationMatch', 'core.c', true, false, [])],
    ['<VirtualHost', info('<VirtualHost', 'core.c', true, false, [])],
    ['<Proxy', info('<Proxy', 'mod_proxy.c', true, false, [])],
    ['<ProxyMatch', info('<ProxyMatch', 'mod_proxy.c', true, false, [])],
    // AuthConfig and Limit.
    ['<Limit', info('<Limit', 'core.c', false, true, ['AuthConfig', 'Limit'])],
    ['<LimitExcept', info('<LimitExcept', 'core.c', false, true, ['AuthConfig', 'Limit'])],
    ['Require', info('Require', 'mod_authz_core.c', false, true, ['AuthConfig'])],
    ['<RequireAll', info('<RequireAll', 'mod_authz_core.c', false, true, ['AuthConfig'])],
    ['<RequireAny', info('<RequireAny', 'mod_authz_core.c', false, true, ['AuthConfig'])],
    ['<RequireNone', info('<RequireNone', 'mod_authz_core.c', false, true, ['AuthConfig'])],
    ['Satisfy', info('Satisfy', 'mod_access_compat.c', false, true, ['AuthConfig'])],
    ['AuthMerging', info('AuthMerging', 'mod_authz_core.c', false, true, ['AuthConfig'])],
    // mod_access_compat spells these in lower case.
    ['Order', info('order', 'mod_access_compat.c', false, true, ['Limit'])],
    ['Allow', info('allow', 'mod_access_compat.c', false, true, ['Limit'])],
    ['Deny', info('deny', 'mod_access_compat.c', false, true, ['Limit'])],
    // FileInfo, allowed at top level too.
    ['RewriteEngine', info('RewriteEngine', 'mod_rewrite.c', true, true, ['FileInfo'])],
    ['RewriteRule', info('RewriteRule', 'mod_rewrite.c', true, true, ['FileInfo'])],
    ['RewriteCond', info('RewriteCond', 'mod_rewrite.c', true, true, ['FileInfo'])],
    ['RewriteBase', info('RewriteBase', 'mod_rewrite.c', true, true, ['FileInfo'])],
    ['RewriteOptions', info('RewriteOptions', 'mod_rewrite.c', true, true, ['FileInfo'])],
    ['ErrorDocument', info('ErrorDocument', 'core.c', true, true, ['FileInfo'])],
    ['Header', info('Header', 'mod_headers.c', true, true, ['FileInfo'])],
    ['RequestHeader', info('RequestHeader', 'mod_headers.c', true, true, ['FileInfo'])],
    ['Redirect', info('Redirect', 'mod_alias.c', true, true, ['FileInfo'])],
    ['RedirectMatch', info('RedirectMatch', 'mod_alias.c', true, true, ['FileInfo'])],
    ['SetEnvIf', info('SetEnvIf', 'mod_setenvif.c', true, true, ['FileInfo'])],
    ['BrowserMatch', info('BrowserMatch', 'mod_setenvif.c', true, true, ['FileInfo'])],
    ['Action', info('Action', 'mod_actions.c', true, true, ['FileInfo'])],
    ['SetHandler', info('SetHandler', 'core.c', true, true, ['FileInfo'])],
    ['AddHandler', info('AddHandler', 'mod_mime.c', true, true, ['FileInfo'])],
    ['DirectoryIndex', info('DirectoryIndex', 'mod_dir.c', true, true, ['Indexes'])],
    ['DirectorySlash', info('DirectorySlash', 'mod_dir.c', true, true, ['Indexes'])],
    ['Options', info('Options', 'core.c', true, true, ['Options'])],
    // Any class will do.
    ['<Files', info('<Files', 'core.c', true, true, [...OVERRIDE_CLASSES])],
    ['<FilesMatch', info('<FilesMatch', 'core.c', true, true, [...OVERRIDE_CLASSES])],
    ['<If', info('<If', 'core.c', true, true, [...OVERRIDE_CLASSES])],
    ['<ElseIf', info('<ElseIf', 'core.c', true, true, [...OVERRIDE_CLASSES])],
    ['<Else', info('<Else', 'core.c', true, true, [...OVERRIDE_CLASSES])],
    ['<IfModule', info('<IfModule', 'core.c', true, true, [...OVERRIDE_CLASSES])],
    ['<IfDefine', info('<IfDefine', 'core.c', true, true, [...OVERRIDE_CLASSES])],
    ['<IfVersion', info('<IfVersion', 'mod_version.c', true, true, [...OVERRIDE_CLASSES])],
    // Not server config only, as §1.9 says: mod_macro's mask is OR_ALL.
    ['<Macro', info('<Macro', 'mod_macro.c', true, true, [...OVERRIDE_CLASSES])],
  ])('%s', (name, want) => {
    expect(apacheDirective(name)).toEqual(want);
  });

  it('ignores case, as Apache does', () => {
    const want = apacheDirective('AllowMethods');
    expect(want).toBeDefined();
    expect(apacheDirective('allowmethods')).toBe(want);
    expect(apacheDirective('ALLOWMETHODS')).toBe(want);
    expect(apacheDirective('<directory')).toBe(apacheDirective('<Directory'));
    expect(apacheDirective('<LIMITEXCEPT')?.name).toBe('<LimitExcept');
    expect(apacheDirective('ORDER')?.name).toBe('order');
  });

  it('knows sections only with their "<" and only as openers', () => {
    expect(apacheDirective('Directory')).toBeUndefined();
    expect(apacheDirective('<Directory>')).toBeUndefined();
    expect(apacheDirective('</Directory')).toBeUndefined();
    expect(apacheDirective('Limit')).toBeUndefined();
    expect(apacheDirective('NoSuchDirective')).toBeUndefined();
    expect(apacheDirective('')).toBeUndefined();
    // nginx names are not Apache's.
    expect(apacheDirective('limit_except')).toBeUndefined();
  });

  it('answers for the first module where several define a name', () => {
    expect(apacheDirective('Listen')).toEqual(info('Listen', 'event.c', true, false, []));
    expect(apacheDirective('ScriptLog')).toEqual(info('ScriptLog', 'mod_cgi.c', true, false, []));
    expect(apacheDirective('MaxSpareServers')).toEqual(info('MaxSpareServers', 'prefork.c', true, false, []));
  });
});

describe('the committed table', () => {
  const generated = APACHE_DIRECTIVES.filter((d) => d.doc === undefined);
  const supplement = APACHE_DIRECTIVES.filter((d) => d.doc !== undefined);

  it('names its source and the static modules', () => {
    expect(APACHE_DIRECTIVES_SOURCE).toMatch(/^apache2 -L of Apache\/2\.4\.\d+ \(Debian\) built \S+, with all \d+ modules in \/usr\/lib\/apache2\/modules loaded/);
    expect(APACHE_STATIC_MODULES).toEqual(['core.c', 'mod_so.c', 'mod_watchdog.c', 'http_core.c', 'mod_log_config.c', 'mod_logio.c', 'mod_version.c', 'mod_unixd.c']);
    const modules = new Set(generated.map((d) => d.module));
    for (const m of APACHE_STATIC_MODULES) expect(modules.has(m), m).toBe(true);
  });

  it('places every directive somewhere, and nothing outside-only in .htaccess', () => {
    expect(generated.filter((d) => !d.server && !d.section)).toEqual([]);
    expect(generated.filter((d) => !d.section && d.htaccess.length > 0)).toEqual([]);
    expect(new Set(generated.map((d) => `${d.module} ${d.name}`)).size).toBe(generated.length);
    for (const d of generated) expect(d.htaccess).toEqual(OVERRIDE_CLASSES.filter((c) => d.htaccess.includes(c)));
  });

  it('keeps the supplement apart: third-party names only, each with its documentation', () => {
    const apacheNames = new Set(generated.map((d) => d.name.toLowerCase()));
    expect(supplement.map((d) => [d.name, d.module])).toEqual([
      ['php_value', 'mod_php.c'],
      ['php_flag', 'mod_php.c'],
      ['php_admin_value', 'mod_php.c'],
      ['php_admin_flag', 'mod_php.c'],
      ['SecRuleEngine', 'mod_security2.c'],
      ['WSGIScriptAlias', 'mod_wsgi.c'],
      ['WSGIProcessGroup', 'mod_wsgi.c'],
      ['WSGIPassAuthorization', 'mod_wsgi.c'],
      ['PassengerEnabled', 'mod_passenger.c'],
    ]);
    for (const d of supplement) {
      expect(apacheNames.has(d.name.toLowerCase()), d.name).toBe(false);
      expect(d.doc, d.name).toMatch(/^https:\/\/\S+$/);
    }
    expect(apacheDirective('PHP_VALUE')).toEqual({ ...info('php_value', 'mod_php.c', true, true, ['Options']), doc: supplement[0]!.doc });
    expect(apacheDirective('php_admin_flag')?.htaccess).toEqual([]);
    expect(apacheDirective('SecRuleEngine')?.htaccess).toEqual([]);
    expect(apacheDirective('WSGIScriptAlias')).toMatchObject({ server: true, section: false, htaccess: [] });
    expect(apacheDirective('PassengerEnabled')?.htaccess).toEqual([...OVERRIDE_CLASSES]);
  });
});

// Places a directive where the table says it may or may not stand and asks
// `apache2 -t`. A refusal by the override mask reads "X not allowed here" at
// top level and "X not allowed in <Directory> context" inside a section.
const PLACEMENT_CASES: [lines: string, modules: string[]][] = [
  ['TraceEnable off', []],
  ['AllowMethods GET', ['allowmethods_module']],
  ['RewriteRule ^ -', ['rewrite_module']],
  ['RewriteMap m int:tolower', ['rewrite_module']],
  ['DocumentRoot "${DIR}"', []],
  ['Require all granted', ['authz_core_module']],
  ['order allow,deny', ['access_compat_module']],
  ['<Limit GET>\n</Limit>', []],
  ['<Directory "${DIR}">\n</Directory>', []],
  ['<Files x>\n</Files>', []],
  ['<Proxy "http://backend/">\n</Proxy>', ['proxy_module']],
  ['Header set X-A b', ['headers_module']],
  ['Define X', []],
  ['DAV On', ['dav_module', 'dav_fs_module']],
  ['Options -Indexes', []],
  ['DirectoryIndex index.html', ['dir_module']],
  ['ErrorDocument 405 /x', []],
  ['Script PUT /cgi-bin/x', ['actions_module']],
  ['AllowOverride None', []],
];

const WRAPPERS: Record<string, (body: string, dir: string) => string> = {
  'top level': (body) => body,
  '<VirtualHost>': (body) => `<VirtualHost 127.0.0.1:80>\n${body}\n</VirtualHost>`,
  '<Directory>': (body, dir) => `<Directory "${dir}/d">\n${body}\n</Directory>`,
  '<Location>': (body) => `<Location /x>\n${body}\n</Location>`,
};

/** `apache2 -t` on the config head, the modules (with event MPM) and the body: null when accepted, else Apache's message. */
function apacheTest(body: (dir: string) => string, modules: string[]): string | null {
  const ids = new Map(debianModules().map((l) => [l.id, l.file]));
  return withTempDir((dir) => {
    mkdirSync(join(dir, 'd'));
    const loads = ['mpm_event_module', ...modules].map((id) => {
      const file = ids.get(id);
      if (!file) throw new Error(`no module ${id}`);
      return `LoadModule ${id} "${file}"`;
    });
    const file = join(dir, 'apache2.conf');
    writeFileSync(file, [...configHead(dir), ...loads, body(dir), ''].join('\n'));
    const run = apache2(['-t', '-f', file]);
    if (run.status === 0 && /Syntax OK/.test(run.output)) return null;
    const m = /Syntax error on line \d+ of [^\n]*?:\s*(.+)/.exec(run.output);
    if (!m) throw new Error(`apache2 -t failed without a syntax error:\n${run.output}`);
    return m[1]!;
  });
}

describeApache('apache2 -t accepts or refuses each directive where the table says', () => {
  it.each(PLACEMENT_CASES)('%s', (lines, modules) => {
    const name = /^(\S+)/.exec(lines)![1]!;
    const d = apacheDirective(name);
    expect(d, name).toBeDefined();
    const got: Record<string, string | null> = {};
    const want: Record<string, string | null> = {};
    for (const where of ['top level', '<VirtualHost>', '<Directory>']) {
      const wrap = WRAPPERS[where]!;
      got[where] = apacheTest((dir) => wrap(lines.replaceAll('${DIR}', dir), dir), modules);
      const allowed = where === '<Directory>' ? d!.section : d!.server;
      const parent = where === 'top level' ? null : where;
      want[where] = allowed ? null : parent ? `${d!.name} not allowed in ${parent} context` : `${d!.name} not allowed here`;
    }
    expect(got).toEqual(want);
  });

  // What the req_override mask allows but a directive's own context check
  // refuses; the table follows the mask, so it says "allowed" for each.
  it.each([
    ['Listen 127.0.0.1:9', '<VirtualHost>', 'server', 'Listen cannot occur within <VirtualHost> section', []],
    ['RegisterHttpMethod FOO', '<VirtualHost>', 'server', 'RegisterHttpMethod cannot occur within <VirtualHost> section', []],
    ['ProxyPass /x http://127.0.0.1:9/', '<Directory>', 'section', 'ProxyPass cannot occur within <Directory> section', ['proxy_module']],
    ['<Files x>\n</Files>', '<Location>', 'section', '<Files> cannot occur within <Location> section', []],
  ] as const)('%s in %s: beyond the table', (lines, where, field, message, modules) => {
    const d = apacheDirective(/^(\S+)/.exec(lines)![1]!)!;
    expect(d[field]).toBe(true);
    expect(apacheTest((dir) => WRAPPERS[where]!(lines, dir), [...modules])).toBe(message);
  });
});
