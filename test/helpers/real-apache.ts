// A real Apache httpd for checking what verblint claims about it: `apache2 -t`
// on a config in a private temp directory (which is also ServerRoot), and a
// running server on 127.0.0.1 with an echo backend behind it and raw-socket
// requests in front of it (so lower-case and unknown methods reach Apache unchanged).
import { execFile } from 'node:child_process';
import { chmodSync, closeSync, existsSync, fstatSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import {
  closeServer, describeWithServer, echoBackend, freePorts, launchServer, readIfThere, sendRequest, stopProcess, unwatch, watch, writeFiles, type Started,
  type RawRequest, type RawResponse, type ServerFiles,
} from './real-server.js';

export const APACHE2 = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';

export const apacheInstalled: boolean = existsSync(APACHE2);

/** Path (relative to the temp dir) → content; null makes an empty directory. Content starting with `#!` is made executable. */
export type ApacheFiles = ServerFiles;

// mod_version is compiled into Debian's binary (`apache2 -l`), so it has no LoadModule line.
const SHARED_MODULES = [
  'mpm_prefork',
  'authz_core',
  'authz_host',
  'authz_user',
  'authn_core',
  'authn_file',
  'auth_basic',
  'access_compat',
  'mime',
  'dir',
  'alias',
  'rewrite',
  'actions',
  'cgi',
  'allowmethods',
  'headers',
  'env',
  'setenvif',
  'dav',
  'dav_fs',
  'macro',
  'proxy',
  'proxy_http',
];

/**
 * The lines every test config needs first: every runtime path inside `dir`,
 * one Listen on 127.0.0.1, the modules the rules care about, a small prefork
 * pool, and DocumentRoot `dir`/htdocs. No access policy and no AllowOverride
 * (Apache's defaults: granted, None). `apache2 -t` never binds the port, so
 * the default 80 does there; startApache insists on the site's port.
 */
export function baseConfig(dir: string, port = 80): string {
  const p = (name: string): string => `"${join(dir, name)}"`;
  // As root, prefork children must drop to a user (Apache refuses to serve as root).
  const asRoot = process.getuid?.() === 0;
  return [
    `PidFile ${p('apache.pid')}`,
    `ErrorLog ${p('error.log')}`,
    'LogLevel warn',
    `DefaultRuntimeDir ${p('run')}`,
    `Mutex file:${join(dir, 'run')} default`,
    `Listen 127.0.0.1:${port}`,
    ...SHARED_MODULES.map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`),
    ...(asRoot ? ['User www-data', 'Group www-data'] : []),
    'StartServers 2',
    'MinSpareServers 1',
    'MaxSpareServers 4',
    'MaxRequestWorkers 16',
    // /etc/mime.types differs between machines; these few types are enough.
    'TypesConfig /dev/null',
    'AddType text/html .html',
    'AddType text/plain .txt',
    'AddType application/json .json',
    'ServerName localhost',
    `DocumentRoot ${p('htdocs')}`,
    '',
  ].join('\n');
}

/** A fresh temp dir with `run/` and `htdocs/`, which baseConfig names. */
function makeDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, 'run'));
  mkdirSync(join(dir, 'htdocs'));
  return dir;
}

// ${VAR} falls back to the process environment: a fixed one keeps verdicts the same everywhere.
const APACHE_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C' };

/** Distinct ports that were free a moment ago (the kernel may hand them out again, hence the start-up retry). */
export interface ApacheVerdict {
  ok: boolean;
  /** Relative to the temp dir when inside it. For "<X> was not closed." and "Expected </X> before end …", the opening line's file. */
  file?: string;
  line?: number;
  /** Apache's message without the "Syntax error on line N of F:" prefixes. */
  message?: string;
  /** Other stderr lines (log prefix removed), such as "AH00111: Config variable ${X} is not defined". */
  warnings: string[];
  /** stdout and stderr as printed. */
  output: string;
  /** The temp dir used (already removed), for reading absolute paths in messages. */
  dir: string;
}

// "[Sun Nov 22 03:46:02.150434 2026] [core:warn] [pid 1:tid 1] AH00111: …" → "AH00111: …"
const stripLogPrefix = (line: string): string => line.replace(/^\[[^\]]*\] \[[^\]]*\] \[pid [^\]]*\] (?:\[client [^\]]*\] )?/, '');

/**
 * Reads `apache2 -t` output. Three shapes:
 *   "AH00526: Syntax error on line N of F:" then the message on the next line (errors found after reading);
 *   "apache2: Syntax error on line N of F: Syntax error on line M of G: message" (errors while reading, one
 *   prefix per Include level; the innermost names the place);
 *   the message itself may start "G:L: " ("<Directory> was not closed."), naming the opening line.
 */
export function parseApacheOutput(stdout: string, stderr: string, status: number | null, dir: string): ApacheVerdict {
  const rel = (file: string): string => {
    const r = relative(dir, file);
    return r.startsWith('..') || isAbsolute(r) ? file : r;
  };
  const output = `${stdout}${stderr}`;
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  const warnings: string[] = [];
  let found: { file?: string; line?: number; message: string } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const multi = /^AH00526: Syntax error on line (\d+) of (.+):$/.exec(line);
    if (multi && !found) {
      found = { file: rel(multi[2]!), line: Number(multi[1]), message: lines[i + 1] ?? '' };
      i++;
      continue;
    }
    const chain = /^\S+: (Syntax error on line \d+ of .*)$/.exec(line);
    if (chain && !found) {
      let rest = chain[1]!;
      let file = '';
      let at = 0;
      for (let m; (m = /^Syntax error on line (\d+) of (.+?): /.exec(rest)); rest = rest.slice(m[0].length)) {
        file = m[2]!;
        at = Number(m[1]);
      }
      const opened = /^(\/.+?):(\d+): (.*)$/.exec(rest);
      found = opened ? { file: rel(opened[1]!), line: Number(opened[2]), message: opened[3]! } : { file: rel(file), line: at, message: rest };
      continue;
    }
    if (line !== 'Syntax OK') warnings.push(stripLogPrefix(line));
  }
  if (status === 0 && !found) return { ok: true, warnings, output, dir };
  if (!found) {
    // Failures outside the parser (missing MPM, bad module path …): the last line says why.
    const message = warnings.pop() ?? `apache2 -t exited with ${status}`;
    return { ok: false, message, warnings, output, dir };
  }
  const verdict: ApacheVerdict = { ok: false, message: found.message, warnings, output, dir };
  if (found.file !== undefined) verdict.file = found.file;
  if (found.line !== undefined) verdict.line = found.line;
  return verdict;
}

/**
 * Runs `apache2 -t -f DIR/main -d DIR` on `files` written into a fresh temp
 * dir, then removes it. `main` is the whole config: start it with
 * baseConfig(dir, port), which is why `files` may be a function of them.
 */
export async function checkApacheConfig(
  files: ApacheFiles | ((site: { dir: string; port: number }) => ApacheFiles),
  main: string,
  opts: { defines?: string[] } = {},
): Promise<ApacheVerdict> {
  const dir = makeDir('verblint-apache-t-');
  try {
    const [port] = (await freePorts(1)) as [number];
    writeFiles(dir, typeof files === 'function' ? files({ dir, port }) : files);
    const args = ['-t', '-f', join(dir, main), '-d', dir, ...(opts.defines ?? []).flatMap((d) => ['-D', d])];
    const run = await new Promise<{ stdout: string; stderr: string; status: number | null }>((resolve, reject) => {
      execFile(APACHE2, args, { env: APACHE_ENV, timeout: 20_000, encoding: 'utf8' }, (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(new Error(`cannot run ${APACHE2}: ${error.message}`));
        else resolve({ stdout, stderr, status: error ? (error.code as number) : 0 });
      });
    });
    return parseApacheOutput(run.stdout, run.stderr, run.status, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ApacheSite {
  /** Where Apache listens: baseConfig(dir, port) has `Listen 127.0.0.1:${port}`. */
  port: number;
  /** The echo backend: `ProxyPass /api/ http://127.0.0.1:${backend}/`. */
  backend: number;
  /** DIR/htdocs, absolute: baseConfig's DocumentRoot. */
  root: string;
  /** The temp dir: ServerRoot, where `files` are written. */
  dir: string;
}

export type ApacheRequest = RawRequest;

export interface ApacheResponse extends RawResponse {
  /**
   * RawResponse's allow: Apache may send several Allow headers, or an empty
   * one, and lists methods in an order that changes from one start to the
   * next (TRACE last): compare them as a set.
   */
  allow: string[] | null;
  /** error.log lines written since the previous request ended (send requests one at a time to keep them apart). */
  errorLog: string[];
}

export interface RealApache {
  site: ApacheSite;
  /** The whole config as written. */
  config: string;
  /** The Apache parent process (prefork), which stop() ends. */
  pid: number;
  request(r: ApacheRequest): Promise<ApacheResponse>;
  /** error.log so far, kept after stop(). */
  errorLog(): string;
  /** Ends Apache and the echo backend and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

const START_ATTEMPTS = 5;

/** Refuses a config that would listen anywhere but 127.0.0.1, or not on the site's port. */
function checkListens(config: string, port: number): void {
  const listens = [...config.matchAll(/^\s*listen\s+(\S+)/gim)].map((m) => m[1]!);
  for (const l of listens) if (!l.startsWith('127.0.0.1:')) throw new Error(`real Apache listens on 127.0.0.1 only; got "Listen ${l}"`);
  if (!listens.includes(`127.0.0.1:${port}`)) throw new Error(`the config must Listen on 127.0.0.1:${port} (start it with baseConfig(site.dir, site.port))`);
}

// The parent logs these two notices at start-up, possibly after the port already accepts.
const STARTUP_NOTICE = /\] AH0(?:0163|0094): /;

/** Complete lines appended to `path` since `from` (a byte offset), and the offset after them. */
function readNewLines(path: string, from: number): { lines: string[]; next: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { lines: [], next: from };
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= from) return { lines: [], next: from };
    const buf = Buffer.alloc(size - from);
    const n = readSync(fd, buf, 0, buf.length, from);
    const text = buf.subarray(0, n).toString('utf8');
    const end = text.lastIndexOf('\n') + 1;
    const lines = text.slice(0, end).split('\n').filter((l) => l !== '' && !STARTUP_NOTICE.test(l));
    return { lines, next: from + Buffer.byteLength(text.slice(0, end)) };
  } finally {
    closeSync(fd);
  }
}

/** Spawns Apache in the foreground and waits until its port accepts connections. */
function launch(site: ApacheSite): Promise<Started> {
  // Its own process group: on SIGTERM the prefork parent signals its whole
  // group (killpg), which would otherwise include this test process.
  const args = ['-DFOREGROUND', '-f', join(site.dir, 'apache.conf'), '-d', site.dir];
  return launchServer('apache2', APACHE2, args, { env: APACHE_ENV, detached: true }, join(site.dir, 'error.log'), site.port);
}

/**
 * Starts Apache on `config(site)`, the whole config (begin it with
 * baseConfig(site.dir, site.port)), with `files` written relative to
 * site.dir (so `htdocs/.htaccess` is in the docroot).
 */
export async function startApache(config: (site: ApacheSite) => string, files: ApacheFiles = {}): Promise<RealApache> {
  const dir = makeDir('verblint-apache-');
  const root = join(dir, 'htdocs');
  const log = join(dir, 'error.log');
  let backend: Server | undefined;
  try {
    // Children may run as www-data, and must reach the docroot.
    chmodSync(dir, 0o755);
    writeFiles(dir, files);
    backend = await echoBackend();
    const backendPort = (backend.address() as AddressInfo).port;
    let why = '';
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      const [port] = (await freePorts(1)) as [number];
      const site: ApacheSite = { port, backend: backendPort, root, dir };
      const text = config(site);
      checkListens(text, port);
      writeFileSync(join(dir, 'apache.conf'), text);
      rmSync(log, { force: true });
      const started = await launch(site);
      if (!started.ok) {
        why = started.why;
        if (started.portTaken) continue;
        throw new Error(why);
      }
      const { child } = started;
      watch(child, dir);
      const echo = backend;
      let offset = readNewLines(log, 0).next;
      let lastLog: string | undefined;
      let stopping: Promise<void> | undefined;
      return {
        site,
        config: text,
        pid: child.pid!,
        request: async (r) => {
          const answer = await sendRequest(port, r, 'Apache');
          const fresh = readNewLines(log, offset);
          offset = fresh.next;
          return { ...answer, errorLog: fresh.lines };
        },
        errorLog: () => lastLog ?? readIfThere(log),
        stop: () =>
          (stopping ??= (async () => {
            await stopProcess(child);
            unwatch(child);
            lastLog = readIfThere(log);
            await closeServer(echo);
            rmSync(dir, { recursive: true, force: true });
          })()),
      };
    }
    throw new Error(`apache2 could not bind a free port in ${START_ATTEMPTS} attempts:\n${why}`);
  } catch (e) {
    if (backend) await closeServer(backend);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * `describe` for suites that need a real Apache. Without apache2 the suite is
 * skipped with a warning, except under CI, where it fails.
 */
export function describeApache(name: string, fn: () => void): void {
  describeWithServer(apacheInstalled, { test: 'needs apache2', error: `Apache is not installed at ${APACHE2} (install Debian's apache2 package)`, warning: `Apache is not installed (no ${APACHE2})` }, name, fn);
}
