// `verblint explain` and `verblint routes`: the built CLI on the configs in
// fixtures/explain/, compared line by line with the golden files in
// fixtures/explain/golden/; then the text formatter on hand-built outcomes.
// After an intended change: UPDATE_GOLDEN=1 npx vitest run test/explain.test.ts
// and read the diff: every answer must agree with nginx-methods.md.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatExplain, formatExplainJson, headline } from '../src/explain.js';
import type { Branch, Outcome, TraceStep } from '../src/outcome.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli.js');
const F = 'test/fixtures/explain';
const GOLDEN = join(ROOT, F, 'golden');
const SITE = `${F}/site.apache.conf`;
const SYSROOT = ['--sysroot', `${F}/apache-sysroot`];

function verblint(args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['NO_COLOR', 'FORCE_COLOR', 'CI'].includes(k)));
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env, timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function expectGolden(actual: string, name: string): void {
  const file = join(GOLDEN, `${name}.out`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
  expect(actual.split('\n')).toEqual(readFileSync(file, 'utf8').split('\n'));
}

// name → arguments. The static cases use --assume-files, or files that exist
// under the fixture root (spa-root/, found through --prefix).
const EXPLAIN: Record<string, string[]> = {
  'api-proxy.post': [`${F}/api-proxy.nginx.conf`, 'POST', 'http://api.example.com/api/users'],
  'api-proxy.head': [`${F}/api-proxy.nginx.conf`, 'HEAD', 'http://api.example.com/api/users'],
  'api-proxy.options': [`${F}/api-proxy.nginx.conf`, 'OPTIONS', 'http://api.example.com/api/users'],
  'api-proxy.delete.json': [`${F}/api-proxy.nginx.conf`, 'DELETE', 'http://api.example.com/api/users', '-f', 'json'],
  'api-proxy.post-no-slash': [`${F}/api-proxy.nginx.conf`, 'POST', 'http://api.example.com/api'],
  'api-proxy.trace': [`${F}/api-proxy.nginx.conf`, 'TRACE', 'http://api.example.com/api/users'],
  'api-proxy.lower-case': [`${F}/api-proxy.nginx.conf`, 'post', 'http://api.example.com/api/users'],
  'spa.get': ['--prefix', F, `${F}/spa.nginx.conf`, 'GET', 'http://www.example.com/dashboard'],
  'spa.post': ['--prefix', F, `${F}/spa.nginx.conf`, 'POST', 'http://www.example.com/dashboard'],
  'spa.put-asset': ['--prefix', F, `${F}/spa.nginx.conf`, 'PUT', 'http://www.example.com/assets/app.js'],
  'spa.post.unknown': ['--assume-files', 'unknown', `${F}/spa.nginx.conf`, 'POST', 'http://www.example.com/dashboard'],
  'spa.post.unknown.json': ['--assume-files', 'unknown', `${F}/spa.nginx.conf`, 'POST', 'http://www.example.com/dashboard', '--format', 'json'],
  'regex-shadow.post.exist': ['--assume-files', 'exist', `${F}/regex-shadow.nginx.conf`, 'POST', 'http://example.com/api/data.json'],
  'regex-shadow.post.missing.json': ['--assume-files', 'missing', `${F}/regex-shadow.nginx.conf`, 'POST', 'http://example.com/api/data.json', '-f', 'json'],
  'regex-shadow.get-api': [`${F}/regex-shadow.nginx.conf`, 'GET', 'http://example.com/api/users?page=2'],
  'auto-redirect.post': [`${F}/auto-redirect.nginx.conf`, 'POST', 'http://example.com:8080/api?x=1'],
  'auto-redirect.put.json': [`${F}/auto-redirect.nginx.conf`, 'PUT', 'http://example.com:8080/api/users/7', '-f', 'json'],
  'auto-redirect.exact': [`${F}/auto-redirect.nginx.conf`, 'POST', 'http://example.com:8080/app'],
  'override.get': [`${F}/override.nginx.conf`, 'GET', 'http://example.com/api/users'],
  'override.header': [`${F}/override.nginx.conf`, 'POST', 'http://example.com/api/users', '--header', 'X-HTTP-Method-Override: DELETE'],
  // Apache: read as Apache by its name; its files (and .htaccess files) under apache-sysroot/,
  // so that no answer depends on what this machine has under /srv.
  'site-apache.post-front-controller': [...SYSROOT, SITE, 'POST', 'http://www.example.com/dashboard'],
  'site-apache.put-api': [...SYSROOT, SITE, 'PUT', 'http://www.example.com/api/users'],
  'site-apache.post-api.json': [...SYSROOT, SITE, 'POST', 'http://www.example.com/api/users', '-f', 'json'],
  'site-apache.host-header': [...SYSROOT, SITE, 'DELETE', '/api/users', '--header', 'Host: example.com'],
  'site-apache.client-inside': [...SYSROOT, '--client', '10.1.2.3', SITE, 'DELETE', 'http://www.example.com/v2/internal/jobs'],
  'site-apache.client-outside': [...SYSROOT, '--client', '192.0.2.1', SITE, 'DELETE', 'http://www.example.com/v2/internal/jobs'],
  'site-apache.htaccess': [...SYSROOT, SITE, 'GET', 'http://www.example.com/private/report'],
  'site-apache.htaccess-broken': [...SYSROOT, SITE, 'GET', 'http://www.example.com/broken/'],
  'site-apache.put-static': [...SYSROOT, SITE, 'PUT', 'http://www.example.com/static/site.css'],
  'site-apache.put.exist': ['--assume-files', 'exist', SITE, 'PUT', 'http://www.example.com/dashboard'],
  'site-apache.post.missing': ['--assume-files', 'missing', SITE, 'POST', 'http://www.example.com/dashboard'],
  'site-apache.post-redirect': [...SYSROOT, SITE, 'POST', 'http://www.example.com/old/page?x=1'],
  'site-apache.trace': [...SYSROOT, SITE, 'TRACE', 'http://www.example.com/'],
  'site-apache.lower-case': [...SYSROOT, SITE, 'get', 'http://www.example.com/'],
};

const ROUTES: Record<string, string[]> = {
  'routes.api-proxy': [`${F}/api-proxy.nginx.conf`],
  'routes.routes': [`${F}/routes.nginx.conf`],
  'routes.routes.json': [`${F}/routes.nginx.conf`, '-f', 'json'],
  'routes.spa.exist': ['--assume-files', 'exist', `${F}/spa.nginx.conf`],
  'routes.regex-shadow': [`${F}/regex-shadow.nginx.conf`],
  'routes.override': [`${F}/override.nginx.conf`],
  'routes.site-apache': [SITE],
  'routes.site-apache.json': [SITE, '-f', 'json'],
  'routes.site-apache.exist': ['--assume-files', 'exist', SITE],
  'routes.vhosts-apache': [`${F}/vhosts.apache.conf`],
};

describe('verblint explain (golden)', () => {
  it.each(Object.entries(EXPLAIN))('%s', (name, args) => {
    const run = verblint(['explain', ...args, ...(name.endsWith('.json') ? [] : ['--no-color'])]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expectGolden(run.stdout, `explain.${name}`);
  });

  it('colours the text only when asked', () => {
    const run = verblint(['explain', '--color', `${F}/api-proxy.nginx.conf`, 'OPTIONS', 'http://api.example.com/api/users']);
    expect(run.stdout).toContain('\u001b[');
    expectGolden(run.stdout, 'explain.api-proxy.options.color');
    const json = verblint(['explain', '--color', '-f', 'json', `${F}/api-proxy.nginx.conf`, 'GET', '/']);
    expect(json.stdout).not.toContain('\u001b');
  });
});

describe('verblint routes (golden)', () => {
  it.each(Object.entries(ROUTES))('%s', (name, args) => {
    const run = verblint(['routes', ...args, ...(name.endsWith('.json') ? [] : ['--no-color'])]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expectGolden(run.stdout, name);
  });

  it('colours the cells only when asked', () => {
    const run = verblint(['routes', '--color', `${F}/routes.nginx.conf`]);
    expectGolden(run.stdout, 'routes.routes.color');
  });
});

describe('explain and routes: the dialect', () => {
  it('reads an nginx config as nginx: a step without a directive is nginx\'s', () => {
    const run = verblint(['explain', '--no-color', `${F}/api-proxy.nginx.conf`, 'TRACE', 'http://api.example.com/api/users']);
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('TRACE http://api.example.com/api/users \u2192 405 (trace-connect)');
    expect(run.stdout).toContain('  2. (nginx)  TRACE is refused with 405');
    expect(run.stdout).not.toContain('(apache)');
  });

  it('reads an Apache config as Apache: TRACE reaches the sections, and <LimitExcept GET POST> refuses it', () => {
    const run = verblint(['explain', '--no-color', ...SYSROOT, SITE, 'TRACE', 'http://www.example.com/api/users']);
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('TRACE http://www.example.com/api/users \u2192 403 (authz)');
    expect(run.stdout).not.toContain('(nginx)');
  });

  it('--dialect nginx reads the Apache config as nginx, which it is not', () => {
    const run = verblint(['explain', '--dialect', 'nginx', SITE, 'GET', '/']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^test\/fixtures\/explain\/site\.apache\.conf:\d+:\d+: error: /m);
  });

  it('reads a .htaccess only where the URL leads on this machine', () => {
    const read = verblint(['explain', '--no-color', ...SYSROOT, SITE, 'GET', 'http://www.example.com/private/report']);
    expect(read.stdout).toContain('/srv/www/private/.htaccess is read (AllowOverride AuthConfig)');
    // Without the sysroot, /srv/www/private/.htaccess is not on this machine.
    const unread = verblint(['explain', '--no-color', '--assume-files', 'exist', SITE, 'GET', 'http://www.example.com/private/report']);
    expect(unread.status).toBe(0);
    expect(unread.stdout.split('\n')[0]).toBe('GET http://www.example.com/private/report \u2192 200 (default-handler)');
    expect(unread.stdout).not.toContain('.htaccess');
  });
});

describe('explain and routes: exit 2', () => {
  it.each([
    ['no URL', ['explain', `${F}/api-proxy.nginx.conf`, 'GET'], /explain takes CONFIG METHOD URL/],
    ['a bad format', ['explain', '-f', 'stylish', `${F}/api-proxy.nginx.conf`, 'GET', '/'], /unknown format "stylish"; choose text or json/],
    ['a bad --assume-files', ['routes', '--assume-files', 'maybe', `${F}/api-proxy.nginx.conf`], /--assume-files takes exist, missing, unknown, not "maybe"/],
    ['a bad --header', ['explain', '--header', 'nocolon', `${F}/api-proxy.nginx.conf`, 'GET', '/'], /--header takes 'Name: value'/],
    ['a missing config', ['explain', `${F}/absent.conf`, 'GET', '/'], /cannot read test\/fixtures\/explain\/absent.conf/],
    ['two configs for routes', ['routes', `${F}/api-proxy.nginx.conf`, `${F}/spa.nginx.conf`], /routes takes one CONFIG/],
    ['--prefix on an Apache config', ['explain', '--prefix', F, SITE, 'GET', '/'], /--prefix is for nginx configs, and test\/fixtures\/explain\/site\.apache\.conf is read as Apache/],
    ['--server-root on an nginx config', ['routes', '--server-root', F, `${F}/api-proxy.nginx.conf`], /--server-root is for Apache configs/],
    ['a .htaccess for CONFIG', ['explain', `${F}/apache-sysroot/srv/www/private/.htaccess`, 'GET', '/'], /private\/\.htaccess is a \.htaccess file: name the server config/],
  ])('for %s', (_name, args, message) => {
    const run = verblint(args);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });

  it('for a syntax error, with its position', () => {
    const run = verblint(['explain', 'test/fixtures/syntax-error/missing-semicolon.nginx.conf', 'GET', '/']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^test\/fixtures\/syntax-error\/missing-semicolon\.nginx\.conf:\d+:\d+: error: /m);
    expect(run.stderr).toMatch(/verblint: .* has a syntax error; fix it first\n$/);
  });
});

describe('help', () => {
  it.each([
    ['explain', 'Usage: verblint explain CONFIG METHOD URL'],
    ['routes', 'Usage: verblint routes CONFIG'],
  ])('verblint %s --help', (command, first) => {
    const run = verblint([command, '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout.startsWith(`${first} [options]\n`)).toBe(true);
  });

  it('the main help names both commands', () => {
    const { stdout } = verblint(['--help']);
    expect(stdout).toContain('verblint explain CONFIG METHOD URL');
    expect(stdout).toContain('verblint routes CONFIG');
  });
});

// ---- the formatter on hand-built outcomes ----

const step = (line: number, directive: string, note: string): TraceStep => ({ file: '/etc/nginx/nginx.conf', line, directive, note });

function branch(over: Partial<Branch>): Branch {
  return { status: 404, producer: 'static', allow: null, location: null, upstream: null, assumptions: [], cannotTell: false, trace: [], ...over };
}

function outcome(branches: Branch[], over: Partial<Outcome> = {}): Outcome {
  const statuses = [...new Set(branches.flatMap((b) => (b.status === null ? [] : [b.status])))].sort((a, b) => a - b);
  const first = branches[0]!;
  return {
    method: 'POST',
    url: 'http://example.com/a',
    status: statuses.length === 1 && branches.every((b) => b.status !== null) ? statuses[0]! : null,
    possibleStatuses: statuses,
    cannotTell: branches.some((b) => b.cannotTell),
    producer: branches.every((b) => b.producer === first.producer) ? first.producer : null,
    allow: first.allow,
    location: first.location,
    upstream: first.upstream,
    trace: first.trace,
    branches,
    ...over,
  };
}

const CHOSEN = [step(3, 'server_name example.com', 'server chosen'), step(5, 'location /', 'longest matching prefix for /a')];
const opts = { color: false, cwd: '/etc/nginx' };

describe('formatExplain', () => {
  it('prints one answer with its headers and numbered steps, paths relative to cwd', () => {
    const o = outcome([branch({ status: 405, allow: 'GET, HEAD', trace: [...CHOSEN, step(9, 'return 405', 'return 405')] })]);
    expect(formatExplain(o, opts).split('\n')).toEqual([
      'POST http://example.com/a \u2192 405 (static)',
      'Allow: GET, HEAD',
      '',
      '  1. nginx.conf:3  server_name example.com  server chosen',
      '  2. nginx.conf:5  location /  longest matching prefix for /a',
      '  3. nginx.conf:9  return 405  return 405',
      '',
    ]);
  });

  it('names the backend, the method and the path it gets', () => {
    const upstream = { module: 'proxy', url: 'http://127.0.0.1:8080', method: 'POST', path: '/a', body: true };
    const o = outcome([branch({ status: null, producer: 'upstream', upstream })]);
    expect(headline(o)).toBe('proxied to http://127.0.0.1:8080 as POST /a');
  });

  it('says which statuses the files decide between, shares the common steps and merges branches that end alike', () => {
    const o = outcome([
      branch({ status: 405, assumptions: ['/srv/a is a file'], trace: [...CHOSEN, step(5, 'location /', '/srv/a exists: 405')] }),
      branch({ status: 404, assumptions: ['/srv/a does not exist'], trace: [...CHOSEN, step(5, 'location /', '/srv/a does not exist: 404')] }),
      branch({ status: 405, assumptions: ['/srv/a is a directory'], trace: [...CHOSEN, step(5, 'location /', '/srv/a exists: 405')] }),
    ]);
    expect(formatExplain(o, opts).split('\n')).toEqual([
      'POST http://example.com/a \u2192 404 or 405, depending on files (static)',
      '',
      '  1. nginx.conf:3  server_name example.com  server chosen',
      '  2. nginx.conf:5  location /  longest matching prefix for /a',
      '',
      'Assuming /srv/a is a file,',
      ' or /srv/a is a directory:',
      '  \u2192 405 (static)',
      '  3. nginx.conf:5  location /  /srv/a exists: 405',
      '',
      'Assuming /srv/a does not exist:',
      '  \u2192 404 (static)',
      '  3. nginx.conf:5  location /  /srv/a does not exist: 404',
      '',
    ]);
  });

  it('says "cannot tell" with the reason when no branch has an answer', () => {
    const o = outcome([branch({ status: null, producer: 'static', cannotTell: true, assumptions: ['the root or alias uses a variable verblint does not know'] })]);
    expect(headline(o)).toBe('cannot tell: the root or alias uses a variable verblint does not know');
    expect(formatExplain(o, opts)).toContain('verblint could not decide every step');
  });

  it('shows a step nginx takes without a directive as (nginx)', () => {
    const o = outcome([branch({ status: 405, producer: 'trace-connect', trace: [{ file: '', line: 0, directive: '', note: 'TRACE is refused' }] })]);
    expect(formatExplain(o, opts)).toContain('  1. (nginx)  TRACE is refused\n');
  });

  it('shows a step Apache takes without a directive as (apache) when told the dialect', () => {
    const o = outcome([branch({ status: 200, producer: 'trace', trace: [{ file: '', line: 0, directive: '', note: 'TRACE is answered by the core' }] })]);
    expect(formatExplain(o, { ...opts, dialect: 'apache' })).toContain('  1. (apache)  TRACE is answered by the core\n');
    expect(formatExplain(o, { ...opts, dialect: 'nginx' })).toContain('  1. (nginx)  TRACE is answered by the core\n');
  });

  it('shows a path outside cwd as it is, not climbing out with ../', () => {
    const o = outcome([branch({ status: 403, producer: 'authz', trace: [{ file: '/srv/www/.htaccess', line: 2, directive: 'Require all denied', note: 'denied' }] })]);
    expect(formatExplain(o, { ...opts, cwd: '/work/site' })).toContain('  1. /srv/www/.htaccess:2  Require all denied  denied\n');
    expect(formatExplain(o, { ...opts, cwd: '/srv' })).toContain('  1. www/.htaccess:2  Require all denied  denied\n');
  });

  it('shows an internal redirection cycle once', () => {
    const loop = [step(5, 'location /', 'prefix'), step(6, 'try_files $uri /i', 'redirect')];
    const trace = [...CHOSEN, ...loop, ...loop, ...loop, ...loop, { file: '', line: 0, directive: '', note: 'cycle: 500' }];
    const text = formatExplain(outcome([branch({ status: 500, producer: 'rewrite', trace })]), opts);
    expect(text.split('\n').slice(2)).toEqual([
      '   1. nginx.conf:3  server_name example.com  server chosen',
      '   2. nginx.conf:5  location /  longest matching prefix for /a',
      '   3. nginx.conf:5  location /  prefix',
      '   4. nginx.conf:6  try_files $uri /i  redirect',
      '      steps 5-10: the same 2 steps 3 more times',
      '  11. (nginx)  cycle: 500',
      '',
    ]);
  });

  it('has ANSI only with colour', () => {
    const o = outcome([branch({ status: 405, trace: CHOSEN })]);
    expect(formatExplain(o, opts)).not.toContain('\u001b');
    expect(formatExplain(o, { ...opts, color: true })).toContain('\u001b[31m');
  });
});

describe('formatExplainJson', () => {
  it('keeps the shape, null for steps without a directive, paths relative to cwd', () => {
    const upstream = { module: 'proxy', url: 'http://b', method: 'GET', path: '/a', body: true };
    const o = outcome([branch({ status: null, producer: 'upstream', upstream, trace: [...CHOSEN, { file: '', line: 0, directive: '', note: 'x' }] })]);
    const text = formatExplainJson(o, { cwd: '/etc' });
    expect(text.endsWith('}\n')).toBe(true);
    const data = JSON.parse(text) as Record<string, unknown> & { trace: unknown[]; branches: Array<Record<string, unknown>> };
    expect(Object.keys(data)).toEqual(['method', 'url', 'status', 'possibleStatuses', 'cannotTell', 'producer', 'allow', 'location', 'upstream', 'trace', 'branches']);
    expect(data.upstream).toEqual({ url: 'http://b', method: 'GET', path: '/a', module: 'proxy', body: true });
    expect(data.trace[0]).toEqual({ file: 'nginx/nginx.conf', line: 3, directive: 'server_name example.com', note: 'server chosen' });
    expect(data.trace[2]).toEqual({ file: null, line: null, directive: null, note: 'x' });
    expect(Object.keys(data.branches[0]!)).toEqual(['status', 'producer', 'allow', 'location', 'upstream', 'assumptions', 'cannotTell', 'trace']);
  });
});
