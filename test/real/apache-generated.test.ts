// Random Apache configs and requests, seeded and reproducible: the simulator
// must agree with a real Apache on every (config, request) pair, or say it
// cannot tell, and must tell on most of them. VERBLINT_APACHE_SEED picks
// another seed; the default one runs in CI. Each config is siteHead plus a
// random mix of the method features of apache-methods.md §3, placed at server
// level, in <Directory> / <Location> sections or in .htaccess files.
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { checkApacheRequests, describeApacheProblem, ECHO_CGI, SITE_FILES, siteHead, type ApacheChecked } from '../helpers/apache-agree.js';
import { describeApache, startApache, type ApacheFiles, type ApacheRequest, type ApacheSite, type RealApache } from '../helpers/real-apache.js';
import { chance, generator, pick, some, type Random } from '../helpers/random.js';

const SEED = Number(process.env.VERBLINT_APACHE_SEED ?? 20261123);
const CONFIGS = 40;
const REQUESTS_PER_CONFIG = 10;
const MIN_TOLD = 380;
/** VERBLINT_APACHE_DUMP=1 prints every config with what the real Apache answered, for reading the cannot-tell pairs. */
const DUMP = Boolean(process.env.VERBLINT_APACHE_DUMP);


/** Where a piece of config goes: server level, a section, or a .htaccess file. */
type Place = 'server' | 'root' | 'dir' | 'locApi' | 'locDir' | 'htRoot' | 'htDir';
const PLACES: readonly Place[] = ['server', 'root', 'dir', 'locApi', 'locDir', 'htRoot', 'htDir'];
const isHtaccess = (p: Place): boolean => p === 'htRoot' || p === 'htDir';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'FOO', 'post', 'PROPFIND'];
// TRACE in <Limit> is fatal; the rest are registered methods.
const LIMIT_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND'];
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'post']);
const URIS = [
  '/', '/file.txt', '/index.html', '/x.html', '/dir', '/dir/', '/dir/a.txt', '/dir/nope.txt', '/nope.txt', '/api/users', '/api/x.txt',
  '/files/a.txt', '/old', '/dav/new.txt', '/pretty/link', '/pretty/link/', '/file.txt?x=1',
];
const DIR_URIS = ['/dir', '/dir/', '/dir/a.txt', '/dir/nope.txt', '/files/a.txt'];
/** The URIs a piece in each place governs (root and server govern everything). */
const PLACE_URIS: Record<Place, readonly string[]> = {
  server: URIS,
  root: URIS,
  htRoot: URIS,
  dir: DIR_URIS,
  htDir: DIR_URIS,
  locApi: ['/api/users', '/api/x.txt'],
  locDir: ['/dir', '/dir/', '/dir/a.txt', '/dir/nope.txt'],
};

/** One config, decided before the ports are known: @ROOT@, @DIR@ and @B@ (backend port) are filled in at start. */
interface Shape {
  body: Record<Place, string[]>;
  /** RewriteCond/RewriteRule lines per place; `RewriteEngine On` comes before them. */
  rewrite: Record<Place, string[]>;
  /** AllowOverride in <Directory "root"> and <Directory "root/dir">. */
  override: { root?: string; dir?: string };
  /** `AddHandler cgi-script .php` + `Options +ExecCGI` on the docroot, so index.php is the echo CGI. */
  php: boolean;
  dav: boolean;
  features: string[];
  /** What the requests aim at, so most pairs touch the configured features. */
  uris: Set<string>;
  methods: Set<string>;
}

function emptyShape(): Shape {
  const perPlace = (): Record<Place, string[]> => Object.fromEntries(PLACES.map((p) => [p, []])) as unknown as Record<Place, string[]>;
  return { body: perPlace(), rewrite: perPlace(), override: {}, php: false, dav: false, features: [], uris: new Set(), methods: new Set() };
}

function aim(s: Shape, uris: readonly string[], methods: readonly string[] = []): void {
  for (const u of uris) s.uris.add(u);
  for (const m of methods) s.methods.add(m);
}

function methodList(r: Random): string[] {
  const ms = some(r, LIMIT_METHODS, 0.3);
  if (ms.length === 0) ms.push(pick(r, LIMIT_METHODS));
  return ms;
}

type Feature = (r: Random, s: Shape) => void;

/** Require, <Limit>/<LimitExcept>, <RequireAll>, Order/Deny: anywhere Require may stand. */
const access: Feature = (r, s) => {
  const place = pick(r, ['root', 'dir', 'locApi', 'locDir', 'htRoot', 'htDir'] as const);
  const list = methodList(r);
  const ms = list.join(' ');
  const verdict = chance(r, 0.8) ? 'denied' : 'granted';
  const options: string[][] = [
    [`Require all ${pick(r, ['granted', 'denied'])}`],
    [`Require method ${ms}`],
    [`<Limit ${ms}>`, `    Require all ${verdict}`, '</Limit>'],
    [`<LimitExcept ${ms}>`, `    Require all ${verdict}`, '</LimitExcept>'],
    // apache-methods.md §3 b: the granted line makes the LimitExcept dead.
    ['Require all granted', `<LimitExcept ${ms}>`, '    Require all denied', '</LimitExcept>'],
    ['<RequireAll>', '    Require all granted', `    Require method ${ms}`, '</RequireAll>'],
    [`<Limit ${ms}>`, '    Order deny,allow', '    Deny from all', '</Limit>'],
    // The Debian userdir pattern (§3 u).
    [`<Limit ${ms}>`, '    Require all granted', '</Limit>', `<LimitExcept ${ms}>`, '    Require all denied', '</LimitExcept>'],
  ];
  // Lower-case names register new methods in server config (§3 s); in .htaccess they are a 500.
  if (!isHtaccess(place)) options.push([`<LimitExcept ${ms.toLowerCase()}>`, '    Require all denied', '</LimitExcept>']);
  s.body[place].push(...pick(r, options));
  s.features.push(`access@${place}`);
  aim(s, PLACE_URIS[place], list);
};

/** AllowMethods only in <Directory>/<Location> (in .htaccess it is a 500, which we want now and then). */
const allowMethods: Feature = (r, s) => {
  const place = chance(r, 0.04) ? pick(r, ['htRoot', 'htDir'] as const) : pick(r, ['root', 'dir', 'locApi', 'locDir'] as const);
  const ms = some(r, ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'], 0.4);
  if (!ms.includes('GET')) ms.unshift('GET');
  s.body[place].push(`AllowMethods ${ms.join(' ')}`);
  if (place === 'root' && chance(r, 0.4)) s.body.dir.push('AllowMethods reset');
  s.features.push(`allowmethods@${place}`);
  aim(s, PLACE_URIS[place], ['PUT', 'DELETE', 'OPTIONS', 'FOO', 'TRACE']);
};

const REWRITE_PLACES = ['server', 'root', 'dir', 'locApi', 'locDir', 'htRoot', 'htDir'] as const;

/** RewriteCond on the method, then a 405, 403 or 410 (§3 e, e2, e3). */
const rewriteMethod: Feature = (r, s) => {
  const place = pick(r, REWRITE_PLACES);
  const cond = pick(r, ['^(PUT|DELETE)$', '!^(GET|HEAD|POST)$', '=PATCH', '^(patch)$ [NC]']);
  const action = pick(r, ['[R=405,L]', '[R=405,L]', '[F]', '[G]']);
  s.rewrite[place].push(`RewriteCond %{REQUEST_METHOD} ${cond}`, `RewriteRule ^ - ${action}`);
  s.features.push(`rewrite-method@${place}`);
  aim(s, PLACE_URIS[place], ['PUT', 'DELETE', 'PATCH', 'OPTIONS']);
};

/** Laravel's trailing-slash redirect (§3 k2). Server-level patterns see the leading slash. */
const slashRedirect: Feature = (r, s) => {
  const place = pick(r, ['server', 'root', 'htRoot'] as const);
  const code = pick(r, [301, 302, 307, 308]);
  if (place === 'server') s.rewrite.server.push(`RewriteRule ^/(.+)/$ /$1 [R=${code},L]`);
  else {
    if (chance(r, 0.4)) s.rewrite[place].push('RewriteCond %{REQUEST_FILENAME} !-d');
    s.rewrite[place].push(`RewriteRule ^(.*)/$ /$1 [R=${code},L]`);
  }
  s.features.push(`slash-redirect@${place}`);
  aim(s, ['/pretty/link/', '/dir/', '/', '/pretty/link'], ['POST', 'PUT']);
};

/** The WordPress front controller (§3 k): what is not a file or directory goes to index.php or the echo CGI. */
const frontController: Feature = (r, s) => {
  const place = pick(r, ['server', 'root', 'root', 'htRoot', 'htRoot', 'dir', 'htDir'] as const);
  if (place === 'server') {
    // At server level REQUEST_FILENAME is still the URL path, so !-f holds for every URL.
    const v = pick(r, ['%{REQUEST_FILENAME}', '%{DOCUMENT_ROOT}%{REQUEST_URI}']);
    const target = pick(r, ['/index.php [L]', '/cgi-bin/echo.cgi [PT,L]', '/cgi-bin/echo.cgi [L]']);
    s.rewrite.server.push(`RewriteCond ${v} !-f`, `RewriteCond ${v} !-d`, `RewriteRule ^ ${target}`);
    if (target.startsWith('/index.php')) s.php = true;
  } else {
    const target = pick(r, ['index.php', '/index.php', '/cgi-bin/echo.cgi']);
    s.rewrite[place].push('RewriteCond %{REQUEST_FILENAME} !-f');
    if (chance(r, 0.8)) s.rewrite[place].push('RewriteCond %{REQUEST_FILENAME} !-d');
    s.rewrite[place].push(`RewriteRule ^ ${target} [L]`);
    if (target.endsWith('.php')) s.php = true;
  }
  s.features.push(`front-controller@${place}`);
  const dirOnly = place === 'dir' || place === 'htDir';
  aim(s, dirOnly ? DIR_URIS : ['/pretty/link', '/pretty/link/', '/nope.txt', '/file.txt', '/dir', '/api/users'], ['POST', 'PUT', 'DELETE', 'OPTIONS', 'FOO']);
};

const errorDocument: Feature = (r, s) => {
  const place = pick(r, PLACES);
  s.body[place].push(pick(r, ['ErrorDocument 405 /x.html', 'ErrorDocument 405 /x.html', 'ErrorDocument 405 http://example.invalid/405.html', 'ErrorDocument 403 /x.html']));
  s.features.push(`error-document@${place}`);
  aim(s, PLACE_URIS[place], ['PUT', 'DELETE', 'PATCH']);
};

const traceEnable: Feature = (r, s) => {
  s.body.server.push(`TraceEnable ${pick(r, ['off', 'extended'])}`);
  s.features.push('trace-enable');
  aim(s, [], ['TRACE', 'OPTIONS']);
};

const registerMethod: Feature = (_r, s) => {
  s.body.server.push('RegisterHttpMethod FOO');
  s.features.push('register-method');
  aim(s, [], ['FOO']);
};

const directorySlash: Feature = (r, s) => {
  const place = pick(r, ['root', 'dir', 'htRoot', 'htDir'] as const);
  s.body[place].push('DirectorySlash Off');
  s.features.push(`directory-slash@${place}`);
  aim(s, ['/dir', '/dir/'], ['POST', 'GET']);
};

const redirectCarefully: Feature = (r, s) => {
  const place = pick(r, ['server', 'root', 'dir', 'htRoot'] as const);
  s.body[place].push('SetEnvIf Request_Method POST redirect-carefully');
  s.features.push(`redirect-carefully@${place}`);
  aim(s, ['/dir'], ['POST', 'GET']);
};

const script: Feature = (r, s) => {
  const place = pick(r, ['root', 'dir'] as const);
  s.body[place].push(`Script ${pick(r, ['PUT', 'PUT', 'DELETE'])} /cgi-bin/echo.cgi`);
  s.features.push(`script@${place}`);
  aim(s, PLACE_URIS[place], ['PUT', 'DELETE']);
};

// The lock DB and the dav dir are made writable for the www-data children after start.
const dav: Feature = (_r, s) => {
  s.dav = true;
  s.body.server.push('DavLockDB "@DIR@/davlock/lockdb"');
  s.features.push('dav');
  aim(s, ['/dav/new.txt'], ['PUT', 'GET', 'DELETE', 'PROPFIND', 'OPTIONS']);
};

const proxy: Feature = (r, s) => {
  const b = 'http://127.0.0.1:@B@';
  const line = pick(r, [
    `ProxyPass /api/ ${b}/`,
    `ProxyPass /api/ ${b}/`,
    `ProxyPass /api/ ${b}/`,
    `ProxyPass /api ${b}`,
    `ProxyPass /api ${b}/`,
    `ProxyPass /api/ ${b}`,
    `ProxyPass /api/ ${b}/backend/`,
    'location',
  ]);
  if (line === 'location') s.body.locApi.push(`ProxyPass ${b}/v1`);
  else s.body.server.push(line);
  s.features.push(`proxy(${line === 'location' ? '<Location /api>' : line.replace(b, 'B')})`);
  aim(s, ['/api/users', '/api/x.txt'], ['PUT', 'DELETE', 'FOO', 'PATCH']);
};

const alias: Feature = (_r, s) => {
  s.body.server.push('Alias /files/ "@ROOT@/dir/"');
  s.features.push('alias');
  aim(s, ['/files/a.txt'], []);
};

const redirect: Feature = (r, s) => {
  const place = pick(r, ['server', 'root', 'htRoot'] as const);
  s.body[place].push(`Redirect ${pick(r, [301, 307])} /old /new`);
  s.features.push(`redirect@${place}`);
  aim(s, ['/old'], ['POST', 'PUT']);
};

// Weighted: the access and rewrite features are where most method answers come from.
const FEATURES: Feature[] = [
  access, access, access, allowMethods, allowMethods, rewriteMethod, rewriteMethod, slashRedirect, frontController, frontController,
  errorDocument, traceEnable, registerMethod, directorySlash, redirectCarefully, script, dav, proxy, proxy, alias, redirect,
];

function shape(r: Random): Shape {
  const s = emptyShape();
  const count = 2 + Math.floor(r() * 4);
  const chosen = new Set<Feature>();
  while (chosen.size < count) chosen.add(pick(r, FEATURES));
  for (const f of chosen) f(r, s);
  // AllowOverride where a .htaccess exists: mostly All; None (file ignored) or FileInfo (auth lines are a 500) now and then.
  const override = (): string => pick(r, ['All', 'All', 'All', 'All', 'None', 'FileInfo']);
  if (s.body.htRoot.length + s.rewrite.htRoot.length > 0) s.override.root = override();
  if (s.body.htDir.length + s.rewrite.htDir.length > 0) s.override.dir = override();
  if (!s.php && chance(r, 0.3)) s.php = true;
  return s;
}

function lines(s: Shape, place: Place): string[] {
  const rewrite = s.rewrite[place];
  return [...s.body[place], ...(rewrite.length > 0 ? ['RewriteEngine On', ...rewrite] : [])];
}

function section(open: string, close: string, body: readonly string[]): string {
  return body.length === 0 ? '' : `${open}\n${body.map((l) => `    ${l}`).join('\n')}\n${close}\n`;
}

function render(s: Shape, site: ApacheSite): string {
  const root = [
    ...(s.override.root ? [`AllowOverride ${s.override.root}`] : []),
    ...(s.php ? ['Options +ExecCGI', 'AddHandler cgi-script .php'] : []),
    ...lines(s, 'root'),
  ];
  const dir = [...(s.override.dir ? [`AllowOverride ${s.override.dir}`] : []), ...lines(s, 'dir')];
  const text = [
    siteHead(site),
    lines(s, 'server').map((l) => `${l}\n`).join(''),
    section(`<Directory "@ROOT@">`, '</Directory>', root),
    section(`<Directory "@ROOT@/dir">`, '</Directory>', dir),
    s.dav ? section(`<Directory "@ROOT@/dav">`, '</Directory>', ['Dav On']) : '',
    section('<Location /api>', '</Location>', lines(s, 'locApi')),
    section('<Location /dir>', '</Location>', lines(s, 'locDir')),
  ].join('');
  return text.replaceAll('@ROOT@', site.root).replaceAll('@DIR@', site.dir).replaceAll('@B@', String(site.backend));
}

function files(s: Shape): ApacheFiles {
  const out: ApacheFiles = { ...SITE_FILES, 'htdocs/index.php': ECHO_CGI, 'htdocs/dav/': null };
  if (s.dav) out['davlock/'] = null;
  const htRoot = lines(s, 'htRoot');
  const htDir = lines(s, 'htDir');
  if (htRoot.length > 0) out['htdocs/.htaccess'] = `${htRoot.join('\n')}\n`;
  if (htDir.length > 0) out['htdocs/dir/.htaccess'] = `${htDir.join('\n')}\n`;
  return out;
}

function requests(r: Random, s: Shape): ApacheRequest[] {
  const uris = [...s.uris];
  const methods = [...s.methods];
  return Array.from({ length: REQUESTS_PER_CONFIG }, () => {
    if (chance(r, 0.04)) return { method: 'OPTIONS', target: '*' };
    const method = methods.length > 0 && chance(r, 0.4) ? pick(r, methods) : pick(r, METHODS);
    const target = uris.length > 0 && chance(r, 0.75) ? pick(r, uris) : pick(r, URIS);
    const req: ApacheRequest = { method, target };
    if (WITH_BODY.has(method)) req.body = 'data';
    return req;
  });
}

/** The config as a person reads it: apache.conf, then each .htaccess. */
function describeConfig(config: string, f: ApacheFiles): string {
  const ht = Object.entries(f)
    .filter(([name]) => name.endsWith('.htaccess'))
    .map(([name, text]) => `--- ${name}\n${String(text)}`)
    .join('');
  return `${config}${ht}`;
}

function dump(i: number, s: Shape, config: string, checked: readonly ApacheChecked[]): string {
  const answers = checked.map((c) => {
    const r = c.real;
    // "[date] [module:level] [pid …] [client …] AH01630: …" → "AH01630: …"
    const log = r.errorLog.length > 0 ? ` log: ${r.errorLog.map((l) => l.replace(/^(?:\[[^\]]*\] )+/, '')).join(' | ')}` : '';
    const by = r.backend ? ` backend=${r.backend.method} ${r.backend.path}` : r.headers['x-cgi-method'] ? ` cgi=${r.headers['x-cgi-method']}` : '';
    return `${c.request.method} ${c.request.target} -> ${r.status} allow=${JSON.stringify(r.allow)} location=${r.location}${by}${c.outcome.cannotTell ? '' : ` (told ${c.outcome.status})`}${log}`;
  });
  return `=== config ${i} (${s.features.join(', ')})\n${config}\n${answers.join('\n')}`;
}

const count = (m: Map<string, number>, key: string): void => void m.set(key, (m.get(key) ?? 0) + 1);
const spread = (m: Map<string, number>): string => [...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${n}`).join(', ');

describeApache(`the simulator agrees with Apache on ${CONFIGS * REQUESTS_PER_CONFIG} generated pairs (seed ${SEED})`, () => {
  it('every prediction matches or says it cannot tell, and most are told', async () => {
    const r = generator(SEED);
    const all: ApacheChecked[] = [];
    const problems: string[] = [];
    const broken: string[] = [];
    const unanswered: string[] = [];
    for (let i = 0; i < CONFIGS; i++) {
      const s = shape(r);
      const reqs = requests(r, s);
      const f = files(s);
      let text = '';
      let apache: RealApache;
      try {
        apache = await startApache((site) => (text = render(s, site)), f);
      } catch (e) {
        broken.push(`config ${i} (${s.features.join(', ')}) does not start: ${(e as Error).message}\n${describeConfig(text, f)}`);
        continue;
      }
      try {
        if (s.dav) for (const d of ['htdocs/dav', 'davlock']) chmodSync(join(apache.site.dir, d), 0o777);
        const checked = await checkApacheRequests(apache, reqs);
        for (const c of checked) {
          if (c.problem) problems.push(`config ${i} (${s.features.join(', ')}): ${describeApacheProblem(c, describeConfig(text, f))}`);
          if (c.real.status === null) unanswered.push(`config ${i}: ${c.request.method} ${c.request.target}\n${describeConfig(text, f)}`);
        }
        all.push(...checked);
        if (DUMP) console.info(dump(i, s, describeConfig(text, f), checked));
      } finally {
        await apache.stop();
      }
    }

    const told = all.filter((c) => !c.outcome.cannotTell).length;
    const statuses = new Map<string, number>();
    const producers = new Map<string, number>();
    let cgi = 0;
    let backend = 0;
    for (const c of all) {
      count(statuses, String(c.real.status));
      if (c.real.headers['x-cgi-method'] !== undefined) cgi++;
      if (c.real.backend) backend++;
      if (!c.outcome.cannotTell) count(producers, c.outcome.producer ?? 'none');
    }
    console.info(
      [
        `generated Apache pairs (seed ${SEED}): ${all.length} from ${CONFIGS - broken.length}/${CONFIGS} configs`,
        `real answers: ${spread(statuses)}; the echo CGI answered ${cgi}, the backend ${backend}`,
        `simulator: told ${told}, cannot tell ${all.length - told}, disagreements ${problems.length}${told > 0 ? `; told by ${spread(producers)}` : ''}`,
      ].join('\n'),
    );
    for (const p of [...broken, ...unanswered, ...problems]) console.error(p);

    expect(broken).toEqual([]);
    expect(unanswered).toEqual([]);
    expect(all.length).toBe(CONFIGS * REQUESTS_PER_CONFIG);
    expect(problems).toEqual([]);
    expect(told, `the simulator told only ${told} of ${all.length} pairs`).toBeGreaterThanOrEqual(MIN_TOLD);
  }, 150_000);
});
