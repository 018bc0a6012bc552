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
};

const ROUTES: Record<string, string[]> = {
  'routes.api-proxy': [`${F}/api-proxy.nginx.conf`],
  'routes.routes': [`${F}/routes.nginx.conf`],
  'routes.routes.json': [`${F}/routes.nginx.conf`, '-f', 'json'],
  'routes.spa.exist': ['--assume-files', 'exist', `${F}/spa.nginx.conf`],
  'routes.regex-shadow': [`${F}/regex-shadow.nginx.conf`],
  'routes.override': [`${F}/override.nginx.conf`],
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

describe('explain and routes: exit 2', () => {
  it.each([
    ['no URL', ['explain', `${F}/api-proxy.nginx.conf`, 'GET'], /explain takes CONFIG METHOD URL/],
    ['a bad format', ['explain', '-f', 'stylish', `${F}/api-proxy.nginx.conf`, 'GET', '/'], /unknown format "stylish"; choose text or json/],
    ['a bad --assume-files', ['routes', '--assume-files', 'maybe', `${F}/api-proxy.nginx.conf`], /--assume-files takes exist, missing, unknown, not "maybe"/],
    ['a bad --header', ['explain', '--header', 'nocolon', `${F}/api-proxy.nginx.conf`, 'GET', '/'], /--header takes 'Name: value'/],
    ['a missing config', ['explain', `${F}/absent.conf`, 'GET', '/'], /cannot read test\/fixtures\/explain\/absent.conf/],
    ['two configs for routes', ['routes', `${F}/api-proxy.nginx.conf`, `${F}/spa.nginx.conf`], /routes takes one CONFIG/],
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
