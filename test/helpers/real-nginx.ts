// A real, running nginx for checking what verblint predicts: one instance per
// config on 127.0.0.1, in a private prefix directory, with an echo backend
// behind it and raw-socket requests in front of it (so lower-case methods,
// unknown tokens, `OPTIONS *` and `CONNECT host:443` reach nginx unchanged).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { describe, it } from 'vitest';
import { NGINX } from './nginx.js';

export const nginxInstalled: boolean = existsSync(NGINX);

/** Values a config body may use. */
export interface RealSite {
  /** Where nginx listens: `listen 127.0.0.1:${port};`. */
  port: number;
  /** The echo backend: `proxy_pass http://127.0.0.1:${backend};`. */
  backend: number;
  /** A free port nobody listens on, for a `*_pass` that must fail with 502. */
  dead: number;
  /** PREFIX/html, absolute; the files given to startNginx live here. */
  root: string;
  prefix: string;
}

export interface RealRequest {
  method: string;
  /** The request target exactly as sent: `/a?b`, `*`, `host:443`, `http://x/y`. */
  target: string;
  /** The Host header; `localhost` when omitted. */
  host?: string;
  headers?: Record<string, string>;
  /** Sent as is, with a Content-Length whatever the method (unless `headers` give Content-Length or Transfer-Encoding). */
  body?: string;
  /** Milliseconds before the request fails; 5000 when omitted. */
  timeout?: number;
}

export interface RealResponse {
  /** null when nginx closed (or reset) the connection without answering, as `return 444` does. */
  status: number | null;
  allow: string | null;
  location: string | null;
  wwwAuthenticate: string | null;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Chunked bodies are decoded. */
  body: string;
  /** What the echo backend saw, when it produced the answer. */
  backend: { method: string; path: string; bodyLength: number } | null;
}

export interface RealNginx {
  site: RealSite;
  /** The whole nginx.conf as written. */
  config: string;
  /** The nginx process, for checking that stop() ended it. */
  pid: number;
  request(r: RealRequest): Promise<RealResponse>;
  /**
   * error.log so far, kept after stop(), without the line the start-up probe
   * caused. The level is `info`, so client errors such as "client sent invalid
   * method" appear.
   */
  errorLog(): string;
  /** Ends nginx and the echo backend and removes the prefix. Safe to call twice. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 5_000;
const STOP_TIMEOUT_MS = 3_000;
const REQUEST_TIMEOUT_MS = 5_000;
const START_ATTEMPTS = 5;

/** The whole nginx.conf around an `http {}` body: single process, no daemon, every path inside the prefix. */
export function wholeConfig(httpBody: string, site: RealSite): string {
  const p = (name: string): string => join(site.prefix, name);
  return [
    'daemon off;',
    'master_process off;',
    `pid ${p('nginx.pid')};`,
    `lock_file ${p('nginx.lock')};`,
    `error_log ${p('error.log')} info;`,
    'events {',
    '    worker_connections 256;',
    '}',
    'http {',
    `    client_body_temp_path ${p('client_body_temp')};`,
    `    proxy_temp_path ${p('proxy_temp')};`,
    `    fastcgi_temp_path ${p('fastcgi_temp')};`,
    `    uwsgi_temp_path ${p('uwsgi_temp')};`,
    `    scgi_temp_path ${p('scgi_temp')};`,
    '    access_log off;',
    httpBody,
    '}',
    '',
  ].join('\n');
}

/** Refuses a config that would listen anywhere but 127.0.0.1. */
function checkListens(config: string): void {
  for (const m of config.matchAll(/(?:^|[\s;{}])listen\s+([^\s;]+)/g)) {
    if (!m[1]!.startsWith('127.0.0.1:')) throw new Error(`real nginx listens on 127.0.0.1 only; got "listen ${m[1]}"`);
  }
}

/** Distinct ports that were free a moment ago (the kernel may hand them out again, hence the start-up retry). */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function writeFiles(root: string, files: Record<string, string | null>): void {
  for (const [name, content] of Object.entries(files)) {
    const rel = normalize(name);
    if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) throw new Error(`file outside the root: ${name}`);
    const path = join(root, rel);
    if (content === null) {
      mkdirSync(path, { recursive: true });
    } else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
  }
}

// Chunked transfer coding: the decoded bytes, and whether the last chunk was seen.
function decodeChunked(data: Buffer): { body: Buffer; complete: boolean } {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = Number.parseInt(data.subarray(at, eol).toString('latin1').split(';')[0]!.trim(), 16);
    if (Number.isNaN(size)) break;
    if (size === 0) return { body: Buffer.concat(parts), complete: data.indexOf('\r\n\r\n', eol) >= 0 };
    if (data.length < eol + 2 + size + 2) {
      parts.push(data.subarray(eol + 2, Math.min(data.length, eol + 2 + size)));
      break;
    }
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return { body: Buffer.concat(parts), complete: false };
}

interface Head {
  startLine: string;
  headers: Record<string, string>;
}

function parseHead(text: string): Head {
  const [startLine = '', ...lines] = text.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { startLine, headers };
}

// The echo backend speaks HTTP over `net` because Node's `http` parser answers
// unknown methods such as FOO with its own 400, and nginx forwards those.
// One request per connection (nginx proxies with HTTP/1.0 by default).
function echoBackend(): Promise<Server> {
  const server = createServer((socket) => {
    socket.on('error', () => {});
    let data = Buffer.alloc(0);
    let head: Head | null = null;
    let answered = false;
    socket.on('data', (chunk: Buffer) => {
      if (answered) return;
      data = Buffer.concat([data, chunk]);
      if (!head) {
        const end = data.indexOf('\r\n\r\n');
        if (end < 0) {
          if (data.length > 65_536) socket.destroy();
          return;
        }
        head = parseHead(data.subarray(0, end).toString('latin1'));
        data = data.subarray(end + 4);
      }
      let bodyLength: number;
      if (/\bchunked\b/i.test(head.headers['transfer-encoding'] ?? '')) {
        const chunked = decodeChunked(data);
        if (!chunked.complete) return;
        bodyLength = chunked.body.length;
      } else {
        const expected = Number(head.headers['content-length'] ?? 0);
        if (data.length < expected) return;
        bodyLength = expected;
      }
      answered = true;
      const [method = '', path = ''] = head.startLine.split(' ');
      const asked = head.headers['x-echo-status'];
      const status = asked && /^[1-5]\d\d$/.test(asked) ? Number(asked) : 200;
      const json = `${JSON.stringify({ method, path, bodyLength })}\n`;
      const withBody = method !== 'HEAD' && status >= 200 && status !== 204 && status !== 304;
      const lines = [
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Status'}`,
        `X-Echo-Method: ${method}`,
        `X-Echo-Path: ${path}`,
        `X-Echo-Body-Length: ${bodyLength}`,
        ...(head.headers['x-echo-allow'] !== undefined ? [`Allow: ${head.headers['x-echo-allow']}`] : []),
        'Content-Type: application/json',
        ...(withBody ? [`Content-Length: ${Buffer.byteLength(json)}`] : []),
        'Connection: close',
      ];
      socket.end(`${lines.join('\r\n')}\r\n\r\n${withBody ? json : ''}`);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function parseResponse(data: Buffer): RealResponse {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`incomplete response from nginx: ${JSON.stringify(data.toString('latin1').slice(0, 200))}`);
  const { startLine, headers } = parseHead(data.subarray(0, end).toString('latin1'));
  const m = /^HTTP\/\d\.\d (\d{3})\b/.exec(startLine);
  if (!m) throw new Error(`not an HTTP status line: ${JSON.stringify(startLine)}`);
  let raw = data.subarray(end + 4);
  if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) raw = decodeChunked(raw).body;
  else if (headers['content-length'] !== undefined) raw = raw.subarray(0, Number(headers['content-length']));
  const echoed = headers['x-echo-method'];
  return {
    status: Number(m[1]),
    allow: headers['allow'] ?? null,
    location: headers['location'] ?? null,
    wwwAuthenticate: headers['www-authenticate'] ?? null,
    headers,
    body: raw.toString('utf8'),
    backend:
      echoed === undefined
        ? null
        : { method: echoed, path: headers['x-echo-path'] ?? '', bodyLength: Number(headers['x-echo-body-length'] ?? NaN) },
  };
}

function noCrLf(what: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`${what} contains CR or LF: ${JSON.stringify(value)}`);
  return value;
}

/** Sends exactly `METHOD TARGET HTTP/1.1` over a fresh connection and reads until nginx closes it. */
function sendRequest(port: number, r: RealRequest): Promise<RealResponse> {
  const body = r.body === undefined ? undefined : Buffer.from(r.body, 'utf8');
  const given = Object.entries(r.headers ?? {});
  const has = (name: string): boolean => given.some(([k]) => k.toLowerCase() === name);
  const lines = [`${noCrLf('method', r.method)} ${noCrLf('target', r.target)} HTTP/1.1`];
  if (!has('host')) lines.push(`Host: ${noCrLf('host', r.host ?? 'localhost')}`);
  for (const [k, v] of given) lines.push(`${noCrLf('header name', k)}: ${noCrLf(`header ${k}`, v)}`);
  if (!has('connection')) lines.push('Connection: close');
  if (body && !has('content-length') && !has('transfer-encoding')) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  const what = `${r.method} ${r.target}`;
  const timeout = r.timeout ?? REQUEST_TIMEOUT_MS;

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let error: NodeJS.ErrnoException | undefined;
    let timedOut = false;
    const socket: Socket = connect({ host: '127.0.0.1', port }, () => {
      socket.write(body ? Buffer.concat([head, body]) : head);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeout);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const data = Buffer.concat(chunks);
      if (timedOut) {
        reject(new Error(`${what}: nginx did not close the connection within ${timeout} ms (got ${data.length} bytes)`));
      } else if (error && error.code !== 'ECONNRESET' && error.code !== 'EPIPE') {
        reject(new Error(`${what}: ${error.message}`));
      } else if (data.length === 0) {
        resolve({ status: null, allow: null, location: null, wwwAuthenticate: null, headers: {}, body: '', backend: null });
      } else {
        try {
          resolve(parseResponse(data));
        } catch (e) {
          reject(new Error(`${what}: ${(e as Error).message}`));
        }
      }
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// The start-up probe is connection *1; nginx logs its close at info level.
const withoutProbe = (log: string): string => log.replace(/^.* \[info\] \d+#\d+: \*1 client closed connection while waiting for request,.*\n/m, '');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function readIfThere(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, STOP_TIMEOUT_MS)) return;
  child.kill('SIGKILL');
  await waitForExit(child, STOP_TIMEOUT_MS);
}

// Instances a test forgot to stop are killed when the test process ends:
// vitest ends its workers with SIGTERM, which skips 'exit' handlers.
const running = new Map<ChildProcess, string>();

function killRunning(): void {
  for (const [child, prefix] of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(prefix, { recursive: true, force: true });
  }
  running.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killRunning();
  unwatchAll();
  // Nobody else handles it: die of it as if we had not been listening.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function unwatchAll(): void {
  process.off('exit', killRunning);
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
}

function watch(child: ChildProcess, prefix: string): void {
  if (running.size === 0) {
    process.on('exit', killRunning);
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  running.set(child, prefix);
}

function unwatch(child: ChildProcess): void {
  if (running.delete(child) && running.size === 0) unwatchAll();
}

type Started = { ok: true; child: ChildProcess } | { ok: false; portTaken: boolean; why: string };

/** Spawns nginx and waits until its port accepts connections, or until it exits or times out. */
async function launch(site: RealSite): Promise<Started> {
  const log = join(site.prefix, 'error.log');
  const child = spawn(NGINX, ['-p', `${site.prefix}/`, '-c', join(site.prefix, 'nginx.conf'), '-e', log], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (spawnError) return { ok: false, portTaken: false, why: `cannot run ${NGINX}: ${spawnError.message}` };
    const text = `${output}${readIfThere(log)}`;
    const exited = child.exitCode !== null || child.signalCode !== null;
    if (/Address already in use/.test(text)) {
      await kill(child);
      return { ok: false, portTaken: true, why: text };
    }
    if (exited) return { ok: false, portTaken: false, why: `nginx exited (${child.exitCode ?? child.signalCode}):\n${text}` };
    if (await canConnect(site.port)) return { ok: true, child };
    if (Date.now() > deadline) {
      await kill(child);
      return { ok: false, portTaken: false, why: `nginx did not accept connections on 127.0.0.1:${site.port} within ${START_TIMEOUT_MS} ms:\n${text}` };
    }
    await sleep(5);
  }
}

/**
 * Starts nginx on `wholeConfig(httpBody(site))`, with `files` under site.root
 * (path relative to the root → content, or null for an empty directory).
 */
export async function startNginx(httpBody: (site: RealSite) => string, files: Record<string, string | null> = {}): Promise<RealNginx> {
  const prefix = mkdtempSync(join(tmpdir(), 'verblint-real-'));
  const root = join(prefix, 'html');
  let backend: Server | undefined;
  try {
    mkdirSync(root);
    writeFiles(root, files);
    backend = await echoBackend();
    const backendPort = (backend.address() as AddressInfo).port;
    let why = '';
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      const [port, dead] = (await freePorts(2)) as [number, number];
      const site: RealSite = { port, backend: backendPort, dead, root, prefix };
      const config = wholeConfig(httpBody(site), site);
      checkListens(config);
      writeFileSync(join(prefix, 'nginx.conf'), config);
      rmSync(join(prefix, 'error.log'), { force: true });
      const started = await launch(site);
      if (!started.ok) {
        why = started.why;
        if (started.portTaken) continue;
        throw new Error(why);
      }
      const { child } = started;
      watch(child, prefix);
      const echo = backend;
      let lastLog: string | undefined;
      let stopping: Promise<void> | undefined;
      return {
        site,
        config,
        pid: child.pid!,
        request: (r) => sendRequest(port, r),
        errorLog: () => withoutProbe(lastLog ?? readIfThere(join(prefix, 'error.log'))),
        stop: () =>
          (stopping ??= (async () => {
            await kill(child);
            unwatch(child);
            lastLog = readIfThere(join(prefix, 'error.log'));
            await closeServer(echo);
            rmSync(prefix, { recursive: true, force: true });
          })()),
      };
    }
    throw new Error(`nginx could not bind a free port in ${START_ATTEMPTS} attempts:\n${why}`);
  } catch (e) {
    if (backend) await closeServer(backend);
    rmSync(prefix, { recursive: true, force: true });
    throw e;
  }
}

/**
 * `describe` for suites that need a real nginx. Without nginx the suite is
 * skipped with a warning, except under CI, where it fails.
 */
export function describeReal(name: string, fn: () => void): void {
  if (nginxInstalled) {
    describe(name, fn);
    return;
  }
  const ci = process.env.CI;
  if (ci && ci !== 'false' && ci !== '0') {
    describe(name, () => {
      it('needs nginx', () => {
        throw new Error(`nginx is not installed at ${NGINX} (install Debian's nginx package or set VERBLINT_TEST_NGINX)`);
      });
    });
    return;
  }
  console.warn(`nginx is not installed: skipping "${name}" (no ${NGINX}; set VERBLINT_TEST_NGINX to use another)`);
  describe.skip(name, fn);
}
