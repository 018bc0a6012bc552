// A real, running nginx for checking what verblint predicts: one instance per
// config on 127.0.0.1, in a private prefix directory, with an echo backend
// behind it and raw-socket requests in front of it (so lower-case methods,
// unknown tokens, `OPTIONS *` and `CONNECT host:443` reach nginx unchanged).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NGINX } from './nginx.js';
import {
  closeServer, describeWithServer, echoBackend, freePorts, launchServer, readIfThere, sendRequest, stopProcess, unwatch, watch, writeFiles, type Started,
  type RawRequest, type RawResponse,
} from './real-server.js';

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

export type RealRequest = RawRequest;

export interface RealResponse extends Omit<RawResponse, 'allow'> {
  /** Allow headers joined with ", "; null when there is none. */
  allow: string | null;
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
// The start-up probe is connection *1; nginx logs its close at info level.
const withoutProbe = (log: string): string => log.replace(/^.* \[info\] \d+#\d+: \*1 client closed connection while waiting for request,.*\n/m, '');

/** Spawns nginx and waits until its port accepts connections. */
function launch(site: RealSite): Promise<Started> {
  const log = join(site.prefix, 'error.log');
  return launchServer('nginx', NGINX, ['-p', `${site.prefix}/`, '-c', join(site.prefix, 'nginx.conf'), '-e', log], {}, log, site.port);
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
        request: async (r) => {
          const { allow, ...rest } = await sendRequest(port, r, 'nginx');
          return { ...rest, allow: allow === null ? null : allow.join(', ') };
        },
        errorLog: () => withoutProbe(lastLog ?? readIfThere(join(prefix, 'error.log'))),
        stop: () =>
          (stopping ??= (async () => {
            await stopProcess(child);
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
  describeWithServer(nginxInstalled, { test: 'needs nginx', error: `nginx is not installed at ${NGINX} (install Debian's nginx package or set VERBLINT_TEST_NGINX)`, warning: `nginx is not installed (no ${NGINX}; set VERBLINT_TEST_NGINX to use another)` }, name, fn);
}
