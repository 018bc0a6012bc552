// What the real-server harnesses (real-nginx.ts, real-apache.ts) share: free
// ports, test files, an echo backend, a raw-socket HTTP client (so lower-case
// and unknown methods, `OPTIONS *` and `CONNECT host:443` reach the server
// unchanged), and stopping a server's process tree by its PID.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { describe, it } from 'vitest';

/** Paths relative to a temp dir: text or bytes to write, or null for an empty directory. */
export type ServerFiles = Record<string, string | Buffer | null>;

const STOP_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 5_000;

export interface RawRequest {
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

export interface RawResponse {
  /** null when the server closed (or reset) the connection without answering. */
  status: number | null;
  /** Every Allow header in order; null when there is none. */
  allow: string[] | null;
  location: string | null;
  wwwAuthenticate: string | null;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Chunked bodies are decoded. */
  body: string;
  /** What the echo backend saw, when it produced the answer. */
  backend: { method: string; path: string; bodyLength: number } | null;
}

/** Ports nobody listens on now. */
export async function freePorts(count: number): Promise<number[]> {
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

export function writeFiles(root: string, files: ServerFiles): void {
  for (const [name, content] of Object.entries(files)) {
    const rel = normalize(name);
    if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) throw new Error(`file outside the temp dir: ${name}`);
    const path = join(root, rel);
    if (content === null) {
      mkdirSync(path, { recursive: true });
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    if (content.slice(0, 2).toString() === '#!') chmodSync(path, 0o755);
  }
}

// Chunked transfer coding: the decoded bytes, and whether the last chunk was seen.
export function decodeChunked(data: Buffer): { body: Buffer; complete: boolean } {
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

export interface Head {
  startLine: string;
  headers: Record<string, string>;
  allow: string[];
}

export function parseHead(text: string): Head {
  const [startLine = '', ...lines] = text.split('\r\n');
  const headers: Record<string, string> = {};
  const allow: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'allow') allow.push(value);
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { startLine, headers, allow };
}

// The echo backend speaks HTTP over `net` because Node's `http` parser answers
// unknown methods such as FOO with its own 400. One request per connection.
export function echoBackend(): Promise<Server> {
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

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function parseResponse(data: Buffer, server: string): RawResponse {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`incomplete response from ${server}: ${JSON.stringify(data.toString('latin1').slice(0, 200))}`);
  const { startLine, headers, allow } = parseHead(data.subarray(0, end).toString('latin1'));
  const m = /^HTTP\/\d\.\d (\d{3})\b/.exec(startLine);
  if (!m) throw new Error(`not an HTTP status line: ${JSON.stringify(startLine)}`);
  let raw = data.subarray(end + 4);
  if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) raw = decodeChunked(raw).body;
  else if (headers['content-length'] !== undefined) raw = raw.subarray(0, Number(headers['content-length']));
  const echoed = headers['x-echo-method'];
  return {
    status: Number(m[1]),
    allow: allow.length > 0 ? allow : null,
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

/** Sends exactly `METHOD TARGET HTTP/1.1` over a fresh connection and reads until the server closes it. */
export function sendRequest(port: number, r: RawRequest, server: string): Promise<RawResponse> {
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
        reject(new Error(`${what}: ${server} did not close the connection within ${timeout} ms (got ${data.length} bytes)`));
      } else if (error && error.code !== 'ECONNRESET' && error.code !== 'EPIPE') {
        reject(new Error(`${what}: ${error.message}`));
      } else if (data.length === 0) {
        resolve({ status: null, allow: null, location: null, wwwAuthenticate: null, headers: {}, body: '', backend: null });
      } else {
        try {
          resolve(parseResponse(data, server));
        } catch (e) {
          reject(new Error(`${what}: ${(e as Error).message}`));
        }
      }
    });
  });
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function readIfThere(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** The children of `pid` (nginx workers, Apache prefork children), read from /proc (Linux). */
function childPids(pid: number): number[] {
  const text = readIfThere(`/proc/${pid}/task/${pid}/children`);
  return text.split(/\s+/).filter(Boolean).map(Number);
}

// SIGTERM makes a server's parent (nginx master, Apache prefork parent) end
// its children and exit. If it hangs, SIGKILL it and the children it had, each by PID.
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, STOP_TIMEOUT_MS)) return;
  const orphans = child.pid === undefined ? [] : childPids(child.pid);
  child.kill('SIGKILL');
  for (const pid of orphans) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await waitForExit(child, STOP_TIMEOUT_MS);
}

// Instances a test forgot to stop are killed when the test process ends:
// vitest ends its workers with SIGTERM, which skips 'exit' handlers.
const running = new Map<ChildProcess, string>();

function killRunning(): void {
  for (const [child, dir] of running) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      for (const pid of [child.pid, ...childPids(child.pid)]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
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

/** Kills `child` (and removes `dir`) if the test process ends before it is stopped. */
export function watch(child: ChildProcess, dir: string): void {
  if (running.size === 0) {
    process.on('exit', killRunning);
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  running.set(child, dir);
}

export function unwatch(child: ChildProcess): void {
  if (running.delete(child) && running.size === 0) unwatchAll();
}

/**
 * `describe` for suites that need a real server binary. Without it the suite
 * is skipped with a warning, except under CI, where it fails.
 */
export function describeWithServer(installed: boolean, missing: { test: string; error: string; warning: string }, name: string, fn: () => void): void {
  if (installed) {
    describe(name, fn);
    return;
  }
  const ci = process.env.CI;
  if (ci && ci !== 'false' && ci !== '0') {
    describe(name, () => {
      it(missing.test, () => {
        throw new Error(missing.error);
      });
    });
    return;
  }
  console.warn(`${missing.warning}: skipping "${name}"`);
  describe.skip(name, fn);
}

export type Started = { ok: true; child: ChildProcess } | { ok: false; portTaken: boolean; why: string };

const START_TIMEOUT_MS = 5_000;

/**
 * Spawns a server (`name` for messages) and polls until `port` accepts
 * connections, or until it exits, finds its port taken (the caller retries
 * on other ports) or times out. Its output and `log` are read for the reason.
 */
export async function launchServer(name: string, command: string, args: readonly string[], options: SpawnOptions, log: string, port: number): Promise<Started> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (spawnError) return { ok: false, portTaken: false, why: `cannot run ${command}: ${spawnError.message}` };
    const text = `${output}${readIfThere(log)}`;
    const exited = child.exitCode !== null || child.signalCode !== null;
    if (/Address already in use/.test(text)) {
      await stopProcess(child);
      return { ok: false, portTaken: true, why: text };
    }
    if (exited) return { ok: false, portTaken: false, why: `${name} exited (${child.exitCode ?? child.signalCode}):\n${text}` };
    if (await canConnect(port)) return { ok: true, child };
    if (Date.now() > deadline) {
      await stopProcess(child);
      return { ok: false, portTaken: false, why: `${name} did not accept connections on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms:\n${text}` };
    }
    await sleep(5);
  }
}
