// Which files a run lints, and in which dialect. A file named on the command
// line is always linted. A directory is walked for nginx and Apache configs,
// minus what .gitignore files and the config's `ignores` exclude.
//
// The config's ignore patterns and override `files` use .gitignore syntax
// (the `ignore` package), relative to `base` (the config file's directory;
// `cwd` by default): `*.conf` matches at any depth, `/x` and `a/b` are
// anchored, `dir/` matches a directory, `!` re-includes. They apply only to
// files under `base`.
import { accessSync, closeSync, constants, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import fg from 'fast-glob';
import ignore from 'ignore';
import { byCodePoint } from './host.js';
import type { Dialect } from './model.js';
import { apacheDirective } from './apache-directives.js';
import { isHtaccessName } from './apache-parse.js';

export interface DialectOverride {
  files: string[];
  dialect: Dialect;
}

export interface DiscoverOptions {
  cwd: string;
  /** What `ignores` and `overrides` are relative to: the config file's directory. Default: `cwd`. */
  base?: string;
  /** .gitignore-style patterns from the config, relative to `base`. */
  ignores?: string[];
  /** `--dialect`: files named get this dialect; walks keep only files of it. */
  dialect?: Dialect;
  /** The last override whose `files` match a file decides its dialect. */
  overrides?: DialectOverride[];
}

export interface DiscoveredFile {
  /** As given, or joined to the directory given; relative when that was. */
  path: string;
  dialect: Dialect;
  /** Set for a directory the walk could not list: why. Such an entry is reported, not linted. */
  unreadable?: string;
}

export interface Discovery {
  /** Sorted by path, each file once. */
  files: DiscoveredFile[];
  /** Paths given that do not exist, as given. */
  missing: string[];
}

/** Sniffing reads no more than this much of a file. */
export const SNIFF_BYTES = 64 * 1024;

// Apache: sections and directives nginx does not have, at the start of a line,
// any case. A directive line must not end like an nginx statement, so that
// `listen 80;` or `allow all;` count for nginx only.
const APACHE_SECTION =
  /^<(VirtualHost|Directory|DirectoryMatch|IfModule|IfDefine|Location|LocationMatch|Files|FilesMatch|Limit|LimitExcept|RequireAll|RequireAny|RequireNone)\b/i;
const APACHE_DIRECTIVE =
  /^(RewriteEngine|RewriteRule|RewriteCond|RewriteBase|Require|DocumentRoot|AllowOverride|Options|ServerName|ServerAlias|ServerAdmin|ServerRoot|LoadModule|Listen|DirectoryIndex|ErrorDocument|Header|Redirect|RedirectMatch|Alias|ScriptAlias|ProxyPass|ProxyPassReverse|CustomLog|ErrorLog|AuthType|AuthName|AuthUserFile|Order|Allow|Deny|SetHandler|AddHandler|AddType|Script)\s+\S/i;
// nginx: blocks and common directives, lower-case as nginx requires, ending
// in `{` or `;`. `include` is left out: BIND's named.conf has it too.
const NGINX_BLOCK = /^(?:(?:http|events|server|stream|mail|types)\s*\{|(?:location|upstream|limit_except|map|geo|split_clients|if)\s+[^;{]+\{)/;
const NGINX_DIRECTIVE =
  /^(listen|server_name|root|alias|index|proxy_pass|proxy_set_header|fastcgi_pass|uwsgi_pass|grpc_pass|try_files|return|rewrite|add_header|error_page|allow|deny|access_log|error_log|ssl_certificate|ssl_certificate_key|client_max_body_size|worker_processes|worker_connections|keepalive_timeout|sendfile|gzip|dav_methods)\s+[^;]*;\s*(#.*)?$/;

// Any lower-case name with arguments ending in ";" or "{" has nginx's shape
// (Lua's `require "x"` in a *_by_lua_block must not make a file Apache).
const NGINX_STATEMENT = /^[a-z_][a-z0-9_]*(?:\s[^#]*)?[;{]\s*(?:#.*)?$/;
// "};" closes a block in BIND, ISC dhcpd and C-like configs; nginx refuses it.
const C_LIKE_CLOSE = /^\}\s*;$/;

// ModSecurity rules (SecRule, SecAction...) are written in Apache's syntax,
// even where nginx's connector loads them.
const MODSECURITY = /^Sec[A-Z][A-Za-z]+\s+\S/;

/** A line that starts with the name of a directive Apache knows (apache2 -L) and does not end like an nginx statement. */
function apacheDirectiveLine(line: string): boolean {
  if (/[;{]$/.test(line)) return false;
  const m = /^([A-Za-z][\w-]*)\s+\S/.exec(line);
  if (!m) return false;
  const info = apacheDirective(m[1]!);
  // Lower-case names shared with nginx (listen, allow, deny, include...) say nothing on their own.
  return info !== undefined && m[1] !== m[1]!.toLowerCase();
}

/** The dialect a config's text is written in, judged from its first 64 KB; undefined when it does not tell. */
export function sniffDialect(text: string): Dialect | undefined {
  let apache = 0;
  let nginx = 0;
  for (const raw of text.slice(0, SNIFF_BYTES).split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (C_LIKE_CLOSE.test(line)) return apache > 0 ? 'apache' : undefined;
    if (APACHE_SECTION.test(line)) apache++;
    else if (APACHE_DIRECTIVE.test(line) && !/[;{]$/.test(line)) apache++;
    else if (apacheDirectiveLine(line) || MODSECURITY.test(line)) apache++;
    else if (NGINX_BLOCK.test(line) || NGINX_DIRECTIVE.test(line) || NGINX_STATEMENT.test(line)) nginx++;
  }
  return apache > nginx ? 'apache' : nginx > apache ? 'nginx' : undefined;
}

/** Files that only make sense included from another config; walks skip them. */
function includedOnly(name: string): boolean {
  return (
    name === 'mime.types' ||
    name.endsWith('.types') ||
    name.endsWith('_params') ||
    name.endsWith('.params') ||
    name.startsWith('koi-') ||
    name === 'win-utf'
  );
}

interface NameHint {
  dialect: Dialect;
  /** A weak hint gives way to what the content says. */
  strong: boolean;
}

const SITES = new Set(['sites-available', 'sites-enabled']);
const WEAK_NGINX_DIRS = new Set(['conf.d', 'snippets', ...SITES]);
const APACHE_DIRS = new Set(['conf-available', 'conf-enabled']);

/**
 * What a file's name and the directories around it say. `dirs` are directory
 * names, nearest first. Returns 'sniff' for a `*.conf` that only its content
 * can place, undefined for a file walks do not look at.
 */
function nameHint(name: string, dirs: readonly string[]): NameHint | 'sniff' | undefined {
  if (name.endsWith('.htaccess') || name === 'httpd.conf' || name === 'apache2.conf') return { dialect: 'apache', strong: true };
  if (name === 'nginx.conf' || name.endsWith('.nginx') || name.endsWith('.nginx.conf')) return { dialect: 'nginx', strong: true };
  if (name.endsWith('.apache.conf')) return { dialect: 'apache', strong: true };
  if (name.endsWith('.vhost')) return { dialect: 'nginx', strong: false };
  const debianSite = !name.includes('.') && !name.endsWith('~') && dirs[0] !== undefined && SITES.has(dirs[0]);
  if (!name.endsWith('.conf') && !debianSite) return undefined;
  for (const dir of dirs) {
    if (dir === 'nginx') return { dialect: 'nginx', strong: true };
    if (dir === 'apache2' || dir === 'apache' || dir === 'httpd') return { dialect: 'apache', strong: true };
  }
  if (dirs.some((d) => APACHE_DIRS.has(d) || d.startsWith('mods-'))) return { dialect: 'apache', strong: true };
  if (dirs.some((d) => WEAK_NGINX_DIRS.has(d))) return { dialect: 'nginx', strong: false };
  return 'sniff';
}

/** Directory names of a path as spelled, nearest first. */
function spelledDirs(path: string): string[] {
  return normalize(dirname(path))
    .split(/[\\/]/)
    .filter((d) => d !== '' && d !== '.' && d !== '..')
    .reverse();
}

/** The first 64 KB of a regular file; undefined when it cannot be read (or is a FIFO or device, which could block). */
function readHead(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) return undefined;
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const n = readSync(fd, buffer, 0, SNIFF_BYTES, 0);
    return buffer.toString('utf8', 0, n);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** `path` relative to `dir` with forward slashes, or undefined when it is not inside `dir`. */
function inside(dir: string, path: string): string | undefined {
  const rel = relative(dir, path);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return toPosix(rel);
}

function escapeGlob(text: string): string {
  return text.replace(/[\\*?[\]]/g, '\\$&').replace(/^[!#]/, '\\$&');
}

/**
 * A line of the .gitignore in `dir` (relative to the base, with slashes),
 * rewritten to mean the same relative to the base: anchored patterns get the
 * directory in front, the others `dir/**\/` so they still match at any depth.
 */
export function rebaseGitignoreLine(line: string, dir: string): string | undefined {
  if (line.trim() === '' || line.startsWith('#')) return undefined;
  if (dir === '') return line;
  const negative = line.startsWith('!');
  let body = negative ? line.slice(1) : line;
  body = body.replace(/(?<!\\) +$/, '');
  if (body === '' || body === '/') return undefined;
  const anchored = body.replace(/\/$/, '').includes('/');
  body = body.replace(/^\//, '');
  return `${negative ? '!' : ''}${escapeGlob(dir)}${anchored ? '/' : '/**/'}${body}`;
}

/** Case-sensitive, as git is on Linux; odd names such as `.../x` are tested, not thrown on. */
function matcher(): ignore.Ignore {
  return ignore({ ignorecase: false, allowRelativePaths: true });
}

interface Matchers {
  cwd: string;
  base: string;
  ignores: ignore.Ignore | undefined;
  overrides: Array<{ match: ignore.Ignore; dialect: Dialect }>;
  dialect: Dialect | undefined;
}

function overrideFor(path: string, m: Matchers): Dialect | undefined {
  const rel = inside(m.base, path);
  if (rel === undefined) return undefined;
  let found: Dialect | undefined;
  for (const o of m.overrides) if (o.match.ignores(rel)) found = o.dialect;
  return found;
}

/** The dialect of a file named on the command line: it is always linted. */
function explicitDialect(given: string, path: string, m: Matchers): Dialect {
  const forced = m.dialect ?? overrideFor(path, m);
  if (forced) return forced;
  const dirs = [basename(dirname(path)), ...spelledDirs(given)];
  if (!isAbsolute(given)) dirs.push(basename(m.cwd));
  // Named on the command line, any name with "htaccess" in it is read as one (.htaccess.dist, htaccess.txt).
  if (isHtaccessName(path)) return 'apache';
  const hint = nameHint(basename(path), dirs);
  if (typeof hint === 'object' && hint.strong) return hint.dialect;
  return sniffDialect(readHead(path) ?? '') ?? (typeof hint === 'object' ? hint.dialect : 'nginx');
}

/**
 * The dialect of a file found in a walk, or undefined to leave it out. With
 * `--dialect`, a walk keeps only the files of that dialect.
 */
function walkedDialect(display: string, path: string, root: string, m: Matchers): Dialect | undefined {
  const name = basename(path);
  if (includedOnly(name)) return undefined;
  let dialect = overrideFor(path, m);
  if (dialect === undefined) {
    const hint = nameHint(name, [...spelledDirs(display), basename(root)]);
    if (hint === undefined) return undefined;
    if (hint !== 'sniff' && hint.strong) dialect = hint.dialect;
    else {
      const head = readHead(path);
      // A file that cannot be read is kept, so that the reader says why, not skipped unseen.
      if (head === undefined) dialect = hint === 'sniff' ? (m.dialect ?? 'nginx') : hint.dialect;
      else dialect = sniffDialect(head) ?? (hint === 'sniff' ? undefined : hint.dialect);
    }
  }
  return m.dialect === undefined || m.dialect === dialect ? dialect : undefined;
}

/** The .gitignore rules that apply in a walk of `root`, as one matcher over paths relative to the returned base. */
function gitignores(root: string, cwd: string, nested: readonly string[]): { base: string; rules: ignore.Ignore } {
  const base = root === cwd || inside(cwd, root) !== undefined ? cwd : root;
  const dirs: string[] = [];
  for (let dir = root; dir !== base; ) {
    dir = dirname(dir);
    dirs.unshift(dir);
  }
  // Shallow first, so that a deeper file's rules come later and win.
  const depth = (p: string) => p.split('/').length;
  dirs.push(...nested.map((rel) => join(root, dirname(rel))).sort((a, b) => depth(toPosix(a)) - depth(toPosix(b))));
  const rules = matcher();
  for (const dir of dirs) {
    const text = readText(join(dir, '.gitignore'));
    if (text === undefined) continue;
    const prefix = dir === base ? '' : (inside(base, dir) ?? '');
    const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
    rules.add(lines.flatMap((line) => rebaseGitignoreLine(line, prefix) ?? []));
  }
  return { base, rules };
}

/** Why a directory cannot be walked (no permission to list or enter it); undefined when it can. */
function unlistable(path: string): string | undefined {
  try {
    accessSync(path, constants.R_OK | constants.X_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    const text = code === 'EACCES' ? 'Permission denied' : code;
    return `${text} (${code}): no config in this directory is linted`;
  }
}

function walk(given: string, root: string, m: Matchers, found: Map<string, DiscoveredFile>): void {
  // A directory the walk cannot list is reported where it would otherwise be skipped unseen.
  const rootProblem = unlistable(root);
  if (rootProblem !== undefined) {
    found.set(root, { path: normalize(given), dialect: m.dialect ?? 'nginx', unreadable: rootProblem });
    return;
  }
  const entries = fg.sync('**', {
    cwd: root,
    dot: true,
    onlyFiles: false,
    objectMode: true,
    followSymbolicLinks: false,
    suppressErrors: true,
    ignore: ['**/.git', '**/.git/**', '**/node_modules', '**/node_modules/**'],
  });
  const files: string[] = [];
  const nested: string[] = [];
  const closed: Array<[string, string]> = [];
  for (const entry of entries) {
    const { dirent } = entry;
    let isFile = dirent.isFile();
    // Symbolic links to files count (Debian's sites-enabled); links to directories are not followed.
    // A dangling link is skipped; a link loop is kept, for the reader to report.
    if (dirent.isSymbolicLink()) {
      try {
        isFile = statSync(join(root, entry.path)).isFile();
      } catch (e) {
        isFile = (e as NodeJS.ErrnoException).code === 'ELOOP';
      }
    } else if (dirent.isDirectory()) {
      const problem = unlistable(join(root, entry.path));
      if (problem !== undefined) closed.push([entry.path, problem]);
    }
    if (!isFile) continue;
    files.push(entry.path);
    if (entry.name === '.gitignore') nested.push(entry.path);
  }
  const git = gitignores(root, m.cwd, nested);
  for (const rel of files) {
    const path = join(root, rel);
    if (found.has(path)) continue;
    const fromBase = inside(git.base, path);
    if (fromBase !== undefined && git.rules.ignores(fromBase)) continue;
    const fromConfig = inside(m.base, path);
    if (fromConfig !== undefined && m.ignores?.ignores(fromConfig)) continue;
    const display = join(given, rel);
    const dialect = walkedDialect(display, path, root, m);
    if (dialect) found.set(path, { path: display, dialect });
  }
  for (const [rel, problem] of closed) {
    const path = join(root, rel);
    const fromBase = inside(git.base, path);
    if (fromBase !== undefined && git.rules.ignores(`${fromBase}/`)) continue;
    const fromConfig = inside(m.base, path);
    if (fromConfig !== undefined && m.ignores?.ignores(`${fromConfig}/`)) continue;
    found.set(path, { path: join(given, rel), dialect: m.dialect ?? 'nginx', unreadable: problem });
  }
}

type Kind = 'file' | 'directory' | 'missing';

function kindOf(path: string): Kind {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'file';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Anything else (EACCES, ELOOP) is left for the reader to report.
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'file';
  }
}

export function discover(paths: string[], options: DiscoverOptions): Discovery {
  const cwd = resolve(options.cwd);
  const m: Matchers = {
    cwd,
    base: resolve(cwd, options.base ?? '.'),
    ignores: options.ignores && options.ignores.length > 0 ? matcher().add(options.ignores) : undefined,
    overrides: (options.overrides ?? []).map((o) => ({ match: matcher().add(o.files), dialect: o.dialect })),
    dialect: options.dialect,
  };
  const found = new Map<string, DiscoveredFile>();
  const missing: string[] = [];
  const directories: Array<[string, string]> = [];
  // Files first: a file named on the command line keeps its spelling when a walk finds it too.
  for (const given of paths) {
    const path = resolve(cwd, given);
    const kind = kindOf(path);
    if (kind === 'missing') {
      if (!missing.includes(given)) missing.push(given);
    } else if (kind === 'directory') {
      directories.push([given, path]);
    } else if (!found.has(path)) {
      found.set(path, { path: normalize(given), dialect: explicitDialect(given, path, m) });
    }
  }
  for (const [given, path] of directories) walk(given, path, m, found);
  const files = [...found.values()].sort((a, b) => byCodePoint(a.path, b.path));
  return { files, missing };
}
