// Extreme inputs, for nginx and Apache: nesting 10,000 deep, a 50 MB file,
// 100,000-character lines, files of nothing but "{" or "<Directory>". Each is
// run through the CLI (exit code as documented, never "internal error") and
// in-process (the parse and the rules, as the CLI runs them), each under a
// generous time limit: a located error or a result, never a crash or a hang.
//
// The in-process runs happen in a worker thread, so that a hang can be stopped
// and the CLI can run beside it; the worker's stack is no larger than the CLI's
// main thread's, so a recursion that would overflow there overflows here too.
// Both use the built code (`npm test` builds it first).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_LINE_MAX, HTACCESS_LINE_MAX, parseApacheText } from '../src/apache-parse.js';
import type { Finding } from '../src/finding.js';
import type { Dialect, ParseError } from '../src/model.js';
import { MAX_DEPTH, parseNginxText } from '../src/parse.js';
import { ROUTES_MAX_DEPTH } from '../src/routes.js';
import { CLI } from './helpers/cli.js';
import { nginxTest } from './helpers/nginx.js';

const DIST = new URL('../dist/', import.meta.url).href;
/** For the small inputs; each takes a few seconds at most. */
const LIMIT_MS = 20_000;
/** For the 50 MB files: a parse and lint takes some 10 s (nginx) to 25 s (Apache) on a 2-core machine. */
const BIG_LIMIT_MS = 150_000;

const NGINX_TOO_DEEP = `blocks nested too deeply: verblint reads at most ${MAX_DEPTH} levels (nginx has no limit of its own; it crashes when its stack runs out, some 13,000 levels deep with an 8 MB stack)`;
const apacheTooDeep = (name: string) =>
  `<${name}> nested too deeply: verblint reads sections at most ${MAX_DEPTH} levels deep (Apache has no limit of its own; httpd 2.4 crashes when its stack runs out, some 8,400 levels deep with an 8 MB stack)`;

interface Outcome {
  errors: Array<Pick<ParseError, 'kind' | 'message' | 'line' | 'column'>>;
  /** [ruleId, line, column, message] of each finding, in order. */
  findings: Array<[string, number, number, string]>;
  /** The first levels of the tree: directive names, down the first block that has any. */
  spine: string[];
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { parseNginx } = await import(workerData.dist + 'src/parse.js');
  const { parseApache } = await import(workerData.dist + 'src/apache-parse.js');
  const { nodeHost } = await import(workerData.dist + 'src/host.js');
  const { lint } = await import(workerData.dist + 'src/engine.js');
  const { rules } = await import(workerData.dist + 'rules/index.js');
  const { dialect, path } = workerData;
  const tree = dialect === 'nginx'
    ? parseNginx(path, { comments: true, host: nodeHost })
    : parseApache(path, { comments: true, host: nodeHost });
  const findings = lint([{ dialect, tree }], { rules });
  const spine = [];
  for (let nodes = tree.config[0].parsed; nodes.length > 0 && spine.length < 3; nodes = nodes.find((n) => n.block && n.block.length > 0)?.block ?? []) {
    spine.push(nodes.map((n) => n.directive).join(','));
  }
  parentPort.postMessage({
    errors: tree.errors.map(({ kind, message, line, column }) => ({ kind, message, line, column })),
    findings: findings.map((f) => [f.ruleId, f.line, f.column, f.message]),
    spine,
  });
})().catch((e) => parentPort.postMessage({ thrown: String((e && e.stack) || e) }));
`;

/** Parses and lints one file in a worker; fails when it throws, overflows or takes longer than `limitMs`. */
async function inProcess(dialect: Dialect, path: string, limitMs = LIMIT_MS): Promise<Outcome> {
  // As small a stack as the CLI's main thread (Node's default, 984 KB).
  const worker = new Worker(WORKER, { eval: true, workerData: { dist: DIST, dialect, path }, resourceLimits: { stackSizeMb: 1 } });
  try {
    const answer = await new Promise<Outcome & { thrown?: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`in-process run of ${path} took more than ${limitMs} ms`)), limitMs);
      worker.once('message', (m: Outcome & { thrown?: string }) => {
        clearTimeout(timer);
        resolve(m);
      });
      worker.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    if (answer.thrown) throw new Error(`in-process run of ${path} threw: ${answer.thrown}`);
    // Files named as the CLI names them, run in their folder.
    const local = (message: string) => message.replaceAll(`${dirname(path)}/`, '');
    return {
      errors: answer.errors.map((e) => ({ ...e, message: local(e.message) })),
      findings: answer.findings.map(([rule, line, column, message]) => [rule, line, column, local(message)]),
      spine: answer.spine,
    };
  } finally {
    await worker.terminate();
  }
}

interface CliOutcome {
  status: number | null;
  findings: Array<[string, number, number, string]>;
  severities: string[];
  stderr: string;
}

/** Runs the built CLI; fails when it takes longer than `limitMs`. */
function runCli(args: readonly string[], cwd: string, limitMs: number): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`verblint ${args.join(' ')} took more than ${limitMs} ms`));
    }, limitMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

/** `verblint -f json FILE` in FILE's folder. */
async function viaCli(path: string, limitMs = LIMIT_MS): Promise<CliOutcome> {
  const { status, stdout, stderr } = await runCli(['-f', 'json', basename(path)], dirname(path), limitMs);
  let findings: Finding[];
  try {
    findings = JSON.parse(stdout) as Finding[];
  } catch {
    throw new Error(`verblint ${path} exited ${status} without a JSON report: ${stdout.slice(0, 200)} ${stderr.slice(0, 500)}`);
  }
  return {
    status,
    findings: findings.map((f) => [f.ruleId, f.line, f.column, f.message]),
    severities: findings.map((f) => f.severity),
    stderr,
  };
}

/** The CLI and the in-process run side by side: they must agree, and the exit code must follow the findings. */
async function both(dialect: Dialect, path: string, limitMs = LIMIT_MS): Promise<Outcome> {
  const [cli, own] = await Promise.all([viaCli(path, limitMs), inProcess(dialect, path, limitMs)]);
  // Nothing on stderr: no "internal error", no note about the run.
  expect(cli.stderr).toBe('');
  expect(cli.findings).toEqual(own.findings);
  // As documented: 1 for an error-severity finding, else 0 (2 is for a run that could not be done).
  expect(cli.status).toBe(cli.severities.includes('error') ? 1 : 0);
  return own;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'verblint-extreme-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `text` as `name` in a folder of its own, with `beside` (name → text) next to it. */
function file(name: string, text: string | Buffer, beside: Record<string, string> = {}): string {
  const folder = mkdtempSync(join(dir, 'case-'));
  for (const [other, content] of Object.entries(beside)) writeFileSync(join(folder, other), content);
  const path = join(folder, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const nginxNest = (locations: number, inner = 'return 200;') =>
  `events {}\nhttp {\n    server {\n        listen 80;\n${'location / {\n'.repeat(locations)}${inner}\n${'}\n'.repeat(locations)}    }\n}\n`;
const apacheNest = (sections: number, open: string, close: string, inner: string) =>
  `ServerName www.example.com\n${`${open}\n`.repeat(sections)}${inner}\n${`${close}\n`.repeat(sections)}`;

describe('nesting', { timeout: 2 * LIMIT_MS }, () => {
  it('nginx: 10,000 locations deep is a located error at the first block past the limit', async () => {
    const path = file('nginx.conf', nginxNest(10_000));
    // http and server are the first two levels: location 999 is level 1001, on line 4 + 999.
    const at = { line: 1003, column: 12 };
    const own = await both('nginx', path);
    expect(own.errors).toEqual([{ kind: 'syntax', message: NGINX_TOO_DEEP, ...at }]);
    expect(own.findings).toEqual([['syntax-error', at.line, at.column, NGINX_TOO_DEEP]]);
    // The limit is verblint's, as the message says: nginx reads this config.
    expect(nginxTest(nginxNest(10_000))).toEqual({ ok: true });
  });

  it(`nginx: ${MAX_DEPTH} levels deep is read, linted and printed`, async () => {
    const path = file('nginx.conf', nginxNest(MAX_DEPTH - 2));
    const own = await both('nginx', path);
    expect(own).toEqual({ errors: [], findings: [], spine: ['events,http', 'server', 'listen,location'] });
    // The crossplane payload of a tree this deep.
    const parse = await runCli(['parse', basename(path)], dirname(path), LIMIT_MS);
    expect(parse.status).toBe(0);
    expect(parse.stderr).toBe('');
    let depth = 0;
    type Node = { block?: Node[] };
    for (let nodes: Node[] = (JSON.parse(parse.stdout) as { config: Array<{ parsed: Node[] }> }).config[0]!.parsed; nodes.length > 0; depth++) {
      nodes = nodes.find((n) => n.block && n.block.length > 0)?.block ?? [];
    }
    expect(depth).toBe(MAX_DEPTH + 1);
  });

  // Each routes cell keeps every step through the levels above it: the work
  // grows with the cube of the depth, so routes stops at its own limit.
  it(`nginx: routes tabulates locations ${ROUTES_MAX_DEPTH} deep, and names the first location deeper than that`, async () => {
    const ok = await runCli(['routes', 'nginx.conf'], dirname(file('nginx.conf', nginxNest(ROUTES_MAX_DEPTH))), LIMIT_MS);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout.match(/location \//g)).toHaveLength(ROUTES_MAX_DEPTH);
    const deep = await runCli(['routes', 'nginx.conf'], dirname(file('nginx.conf', nginxNest(MAX_DEPTH - 2))), LIMIT_MS);
    // The first location is on line 5; the one with ROUTES_MAX_DEPTH locations around it ROUTES_MAX_DEPTH lines further.
    expect(deep.stderr).toBe(
      `verblint: nginx.conf:${5 + ROUTES_MAX_DEPTH}: locations nest more than ${ROUTES_MAX_DEPTH} levels deep here; verblint routes tabulates at most ${ROUTES_MAX_DEPTH} (linting and explain have no such limit)\n`,
    );
    expect(deep.status).toBe(2);
    expect(deep.stdout).toBe('');
  });

  it.each([
    ['IfModule', '<IfModule mod_headers.c>', '</IfModule>'],
    ['Directory', '<Directory /srv/www>', '</Directory>'],
  ])('Apache: <%s> 10,000 deep is a located error at the first section past the limit', async (name, open, close) => {
    const path = file('apache2.conf', apacheNest(10_000, open, close, 'Require all granted'));
    const message = apacheTooDeep(name);
    const own = await both('apache', path);
    expect(own.errors).toEqual([{ kind: 'syntax', message, line: MAX_DEPTH + 2, column: 1 }]);
    expect(own.findings).toEqual([['syntax-error', MAX_DEPTH + 2, 1, message]]);
  });

  it('nginx: braces 10,000 deep in a Lua block are a located error past the limit', () => {
    const lua = (n: number) => `content_by_lua_block {${'{'.repeat(n)}${'}'.repeat(n)}}\n`;
    const ok = parseNginxText(lua(MAX_DEPTH), 'nginx.conf');
    expect(ok.errors).toEqual([]);
    expect(ok.parsed[0]!.args).toEqual([`${'{'.repeat(MAX_DEPTH)}${'}'.repeat(MAX_DEPTH)}`]);
    // The directive's own "{" is at column 22; the one past the limit 1001 further.
    const message = `braces in a Lua block nested too deeply: verblint reads at most ${MAX_DEPTH} levels`;
    expect(parseNginxText(lua(10_000), 'nginx.conf').errors).toEqual([{ kind: 'syntax', file: 'nginx.conf', message, line: 1, column: 22 + MAX_DEPTH + 1 }]);
  });

  // The blocks around an include count for the included file's blocks: the
  // rules walk through includes a level at a time.
  it('nginx: an include that nests blocks past the limit is cut there, with a located error', async () => {
    const deep = (n: number) => `${'location / {\n'.repeat(n)}return 200;\n${'}\n'.repeat(n)}`;
    // The include stands inside 2 + 500 blocks, on line 4 + 500 + 1.
    const main = nginxNest(500, 'include deep.conf;');
    const message = `blocks nested too deeply: with the blocks in deep.conf, this include nests them more than ${MAX_DEPTH} levels deep, and verblint reads at most ${MAX_DEPTH} (nginx has no limit of its own; it crashes when its stack runs out, some 13,000 levels deep with an 8 MB stack)`;
    const over = await both('nginx', file('nginx.conf', main, { 'deep.conf': deep(MAX_DEPTH - 501) }));
    expect(over.errors).toEqual([{ kind: 'syntax', message, line: 505, column: 1 }]);
    const within = await both('nginx', file('nginx.conf', main, { 'deep.conf': deep(MAX_DEPTH - 502) }));
    expect(within).toEqual({ errors: [], findings: [], spine: ['events,http', 'server', 'listen,location'] });
  });

  it('Apache: an Include that nests sections past the limit is cut there, with a located error', async () => {
    const deep = (n: number) => apacheNest(n, '<IfModule mod_headers.c>', '</IfModule>', 'ServerAdmin webmaster@example.com');
    const main = apacheNest(500, '<IfModule mod_headers.c>', '</IfModule>', 'Include deep.conf');
    const message = `sections nested too deeply: with the sections in deep.conf, this Include nests them more than ${MAX_DEPTH} levels deep, and verblint reads at most ${MAX_DEPTH} (Apache has no limit of its own; httpd 2.4 crashes when its stack runs out, some 8,400 levels deep with an 8 MB stack)`;
    const over = await both('apache', file('apache2.conf', main, { 'deep.conf': deep(MAX_DEPTH - 499) }));
    expect(over.errors).toEqual([{ kind: 'syntax', message, line: 502, column: 1 }]);
    const within = await both('apache', file('apache2.conf', main, { 'deep.conf': deep(MAX_DEPTH - 500) }));
    expect(within.errors).toEqual([]);
    expect(within.findings).toEqual([]);
  });

  it(`Apache: <IfModule> ${MAX_DEPTH} deep is read and linted`, async () => {
    const path = file('apache2.conf', apacheNest(MAX_DEPTH, '<IfModule mod_headers.c>', '</IfModule>', 'ServerAdmin webmaster@example.com'));
    const own = await both('apache', path);
    expect(own).toEqual({ errors: [], findings: [], spine: ['ServerName,IfModule', 'IfModule', 'IfModule'] });
  });
});

// Realistic lines: a multi-tenant front (servers, proxied and static
// locations) with the bulk in what grows large in real configs: an nginx
// redirect map and geo block list, Apache's address block list and SetEnvIf
// rules.
function fiftyMegabytes(dialect: Dialect): string {
  const target = 50 * 1024 * 1024;
  const out: string[] = [];
  let size = 0;
  const add = (line: string) => {
    out.push(line);
    size += line.length + 1;
  };
  const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  if (dialect === 'nginx') {
    add('events {}');
    add('http {');
    for (let i = 0; i < 300; i++) {
      add(`    server {\n        listen 80;\n        server_name site${i}.example.com;\n        root /srv/www/site${i};`);
      add(`        location / {\n            try_files $uri $uri/ /index.html;\n        }`);
      add(`        location /api/ {\n            proxy_pass http://127.0.0.1:${8000 + i};\n            limit_except GET POST { deny all; }\n        }\n    }`);
    }
    add('    geo $blocked {\n        default 0;');
    for (let i = 0; size < target / 10; i++) add(`        ${ip(i)}/32 1;`);
    add('    }\n    map $request_uri $redirect_uri {\n        default "";');
    for (let i = 0; size < target; i++) add(`        /old/catalog/item-${String(i).padStart(7, '0')}.html /new/catalog/items/${String(i).padStart(7, '0')};`);
    add('    }\n}');
  } else {
    add('Listen 80');
    for (let i = 0; i < 300; i++) {
      add(`<VirtualHost *:80>\n    ServerName site${i}.example.com\n    DocumentRoot /srv/www/site${i}`);
      add(`    <Directory /srv/www/site${i}>\n        Require all granted\n    </Directory>\n    ProxyPass /api http://127.0.0.1:${8000 + i}/api\n</VirtualHost>`);
    }
    add('<Location />\n    <RequireAll>\n        Require all granted');
    for (let i = 0; size < target / 10; i++) add(`        Require not ip ${ip(i)}`);
    add('    </RequireAll>\n</Location>');
    for (let i = 0; size < target; i++) add(`SetEnvIf Request_URI "^/old/catalog/item-${String(i).padStart(7, '0')}\\.html$" legacy_item=${i}`);
  }
  return `${out.join('\n')}\n`;
}

describe('a 50 MB file', { timeout: 2 * BIG_LIMIT_MS }, () => {
  it.each(['nginx', 'apache'] as const)('%s: read and linted in bounded time', async (dialect) => {
    const path = file(dialect === 'nginx' ? 'nginx.conf' : 'apache2.conf', fiftyMegabytes(dialect));
    expect(statSync(path).size).toBeGreaterThanOrEqual(50 * 1024 * 1024);
    const own = await both(dialect, path, BIG_LIMIT_MS);
    expect(own.errors).toEqual([]);
    // The 300 /api/ locations each get their 301 warning; the rest is clean.
    const rules = new Set(own.findings.map(([rule]) => rule));
    expect([...rules]).toEqual(dialect === 'nginx' ? ['proxy-pass-slash-redirect'] : []);
  });
});

describe('long lines', { timeout: 2 * LIMIT_MS }, () => {
  it('nginx: a 100,000-character line of short arguments is read', async () => {
    const names = Array.from({ length: 7000 }, (_, i) => `host${i}.example.com`).join(' ');
    expect(names.length).toBeGreaterThan(100_000);
    const path = file('nginx.conf', `events {}\nhttp {\n    server {\n        listen 80;\n        server_name ${names};\n    }\n}\n`);
    expect(await both('nginx', path)).toEqual({ errors: [], findings: [], spine: ['events,http', 'server', 'listen,server_name'] });
  });

  it('nginx: one 100,000-character argument is the error nginx gives, where it starts', async () => {
    const text = `events {}\nhttp {\n    add_header X-Long ${'a'.repeat(100_000)};\n}\n`;
    const message = 'too long parameter "aaaaaaaaaa..." started';
    const own = await both('nginx', file('nginx.conf', text));
    expect(own.errors).toEqual([{ kind: 'syntax', message, line: 3, column: 23 }]);
    expect(nginxTest(text)).toEqual({ ok: false, message, line: 3 });
  });

  it.each([
    ['a bare argument of 4095 bytes', `add_header X ${'a'.repeat(4095)};`, null],
    ['a bare argument of 4096 bytes', `add_header X ${'a'.repeat(4096)};`, 'too long parameter "aaaaaaaaaa..." started'],
    ['4096 bytes of two-byte characters', `add_header X ${'é'.repeat(2048)};`, 'too long parameter "ééééé..." started'],
    ['a quoted argument of 4094 bytes', `add_header X "${'a'.repeat(4094)}";`, null],
    ['a quoted argument of 4095 bytes', `add_header X "${'a'.repeat(4095)}";`, 'too long parameter "aaaaaaaaaa..." started'],
    ['a quoted argument of 5000 bytes', `add_header X '${'a'.repeat(5000)}';`, 'too long parameter, probably missing terminating "\'" character'],
    ['a comment of 4095 bytes', `#${'c'.repeat(4094)}`, null],
    ['a comment of 4096 bytes', `#${'c'.repeat(4095)}`, 'too long parameter "#ccccccccc..." started'],
  ])('nginx: %s reads as nginx reads it (a 4096-byte buffer)', (_, line, message) => {
    const text = `events {}\nhttp {\n${line}\n}\n`;
    const { errors } = parseNginxText(text, 'nginx.conf');
    expect(errors).toEqual(message === null ? [] : [{ kind: 'syntax', file: 'nginx.conf', message, line: 3, column: line.startsWith('#') ? 1 : 14 }]);
    expect(nginxTest(text)).toEqual(message === null ? { ok: true } : { ok: false, message, line: 3 });
  });

  it('Apache: 100,000-character lines in server config are read', async () => {
    const aliases = Array.from({ length: 7000 }, (_, i) => `host${i}.example.com`).join(' ');
    const text = `<VirtualHost *:80>\n    ServerName www.example.com\n    ServerAlias ${aliases}\n    Header set X-Long "${'a'.repeat(100_000)}"\n</VirtualHost>\n`;
    expect(await both('apache', file('apache2.conf', text))).toEqual({ errors: [], findings: [], spine: ['VirtualHost', 'ServerName,ServerAlias,Header'] });
  });

  it('Apache: a 100,000-character line in .htaccess is the 500 Apache answers, on its line', async () => {
    const message = `line too long: Apache reads at most ${HTACCESS_LINE_MAX} bytes per line in .htaccess and answers 500 ("Line too long")`;
    const own = await both('apache', file('.htaccess', `RewriteEngine On\nHeader set X-Long "${'a'.repeat(100_000)}"\n`));
    expect(own.errors).toEqual([{ kind: 'syntax', message, line: 2, column: 1 }]);
  });

  it('Apache: a server config line of 16 MiB is "Line too long", one byte less is read', () => {
    const line = (bytes: number) => `Header set X-Long ${'a'.repeat(bytes - 'Header set X-Long '.length)}`;
    const message = `line too long: Apache reads at most ${CONFIG_LINE_MAX - 1} bytes in one configuration line and fails with "Line too long"`;
    expect(parseApacheText(`ServerName x\n${line(CONFIG_LINE_MAX)}\n`, 'apache2.conf').errors).toEqual([
      { kind: 'syntax', file: 'apache2.conf', message, line: 2, column: 1 },
    ]);
    // Continued lines count together; Apache names the last.
    const half = 'a'.repeat(CONFIG_LINE_MAX / 2);
    expect(parseApacheText(`ServerName x\nHeader set X ${half}\\\n${half}\n`, 'apache2.conf').errors).toEqual([
      { kind: 'syntax', file: 'apache2.conf', message, line: 3, column: 1 },
    ]);
    const fits = parseApacheText(`ServerName x\n${line(CONFIG_LINE_MAX - 1)}\n`, 'apache2.conf');
    expect(fits.errors).toEqual([]);
    expect(fits.parsed.map((d) => d.directive)).toEqual(['ServerName', 'Header']);
  });
});

describe('files of nothing but braces or section tags', { timeout: 2 * LIMIT_MS }, () => {
  it.each([
    ['one "{"', '{'],
    ['100,000 "{"', '{'.repeat(100_000)],
  ])('nginx: %s is "unexpected {" at 1:1', async (_, text) => {
    const own = await both('nginx', file('nginx.conf', text));
    expect(own.errors).toEqual([{ kind: 'syntax', message: 'unexpected "{"', line: 1, column: 1 }]);
    expect(nginxTest(text)).toEqual({ ok: false, message: 'unexpected "{"', line: 1 });
  });

  it.each([
    ['one "{"', '{'],
    ['100,000 "{"', '{'.repeat(100_000)],
  ])('Apache: %s is one command named by the braces', async (_, text) => {
    // Apache stops at it ("Invalid command"); verblint has no check for
    // unknown commands, so the run is clean: a result, not a crash.
    expect(await both('apache', file('apache2.conf', text))).toEqual({ errors: [], findings: [], spine: [text] });
  });

  it('nginx: "<Directory>" is a directive cut off by the end of the file', async () => {
    const own = await both('nginx', file('nginx.conf', '<Directory>'));
    expect(own.errors).toEqual([{ kind: 'syntax', message: 'unexpected end of file, expecting ";" or "}"', line: 1, column: 12 }]);
    const many = await both('nginx', file('nginx.conf', '<Directory>\n'.repeat(100_000)));
    expect(many.errors).toEqual([{ kind: 'syntax', message: 'unexpected end of file, expecting ";" or "}"', line: 100_001, column: 1 }]);
  });

  it('Apache: "<Directory>" is a section never closed, and 100,000 of them nest too deeply', async () => {
    const own = await both('apache', file('apache2.conf', '<Directory>'));
    expect(own.errors).toEqual([{ kind: 'syntax', message: '<Directory> was not closed.', line: 1, column: 1 }]);
    const many = await both('apache', file('apache2.conf', '<Directory>\n'.repeat(100_000)));
    expect(many.errors).toEqual([{ kind: 'syntax', message: apacheTooDeep('Directory'), line: MAX_DEPTH + 1, column: 1 }]);
  });
});
