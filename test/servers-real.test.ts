// selectServer against the real nginx: each server answers its own index, so
// the body names the server nginx picked. nginx runs in a private prefix, on
// free ports of 127.0.0.1 only, and is stopped by its own pid.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseNginxText } from '../src/parse.js';
import { type ServerInfo, selectServer, serverInfo } from '../src/servers.js';
import { NGINX } from './helpers/nginx.js';
import { describeReal } from './helpers/real-nginx.js';


// Server blocks without their `return`; PORT_A, PORT_B and PORT_C are filled in.
const SERVERS = [
  'listen 127.0.0.1:PORT_A; server_name example.com www.example.com;',
  'listen 127.0.0.1:PORT_A; server_name *.example.com;',
  'listen 127.0.0.1:PORT_A; server_name *.www.example.com www.*;',
  'listen 127.0.0.1:PORT_A; server_name www.example.*;',
  'listen 127.0.0.1:PORT_A; server_name ~^www\\d+\\.example\\.net$ ~^api;',
  'listen 127.0.0.1:PORT_A; server_name ~^www1\\. .example.org;',
  'listen 127.0.0.1:PORT_A default_server; server_name _;',
  'listen 127.0.0.1:PORT_A; server_name ~^WWW\\.CAPS\\.;',
  'listen 127.0.0.1:PORT_A; server_name "" empty.test;',
  'listen 127.0.0.1:PORT_A; server_name x.test .dot.test;',
  'listen 127.0.0.1:PORT_A; server_name dot.test;',
  'listen 127.0.0.1:PORT_A; server_name *.star.test;',
  'listen 127.0.0.1:PORT_A; server_name .star.test;',
  'listen 127.0.0.1:PORT_B; server_name b;',
  'listen localhost:PORT_B;',
  'listen 127.0.0.1:PORT_B default; server_name c;',
  'listen 127.0.0.1:PORT_C; server_name $hostname;',
  'listen 127.0.0.1:PORT_C; server_name "~^(?P<n>q)$";',
];

const HOSTS: Record<'A' | 'B' | 'C', (string | undefined)[]> = {
  A: [
    'example.com', 'WWW.Example.COM.', 'www.example.com:81', 'mail.example.com', 'a.b.example.com', 'a.www.example.com',
    'www.x.example.com', 'www.foo.net', 'www.example.co.uk', 'www', 'www1.example.net', 'www1.example.com.au',
    'API.example.io', 'example.org', 'a.example.org', 'other.test', '_', 'www.caps.test', 'WWW.CAPS.TEST',
    '', 'a..b', undefined, 'dot.test', 'a.dot.test', 'star.test', 'a.star.test', '[::1]', '127.0.0.1',
  ],
  B: ['zz', 'b', 'B', undefined, ''],
  C: ['zz', hostname(), 'q'],
};

/** JavaScript reads these regexes, except PCRE's `(?P<name>`. */
const compileRegex = (pattern: string, caseless: boolean): RegExp | null =>
  pattern.includes('(?P') ? null : new RegExp(pattern, caseless ? 'i' : '');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

interface Answer {
  status: number;
  body: string;
}

// A raw request: Node's http client replaces an empty Host, and HTTP/1.1
// requires one, so "no Host" is sent as HTTP/1.0.
function ask(port: number, host: string | undefined): Promise<Answer> {
  const request = host === undefined ? 'GET / HTTP/1.0\r\n\r\n' : `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('end', () => resolve({ status: Number(text.split(' ')[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) }));
    socket.on('error', reject);
  });
}

async function waitForPort(port: number, child: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('nginx did not start listening');
}

describeReal('selectServer agrees with nginx', () => {
  const ports = { A: 0, B: 0, C: 0 };
  let servers: ServerInfo[] = [];
  let child: ChildProcess | undefined;
  let prefix = '';

  beforeAll(async () => {
    ports.A = await freePort();
    ports.B = await freePort();
    ports.C = await freePort();
    prefix = mkdtempSync(join(tmpdir(), 'verblint-servers-'));
    const blocks = SERVERS.map((s, i) => `  server { ${s} return 200 "${i}"; error_page 400 @bad; location @bad { return 400 "${i}"; } }`);
    const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${join(prefix, t)};`).join(' ');
    const config = [
      `daemon off; master_process off; pid ${join(prefix, 'nginx.pid')}; error_log ${join(prefix, 'error.log')};`,
      'events {}',
      `http {\n  access_log off; ${temps}\n${blocks.join('\n')}\n}\n`,
    ]
      .join('\n')
      .replace(/PORT_([ABC])/g, (_, p: 'A' | 'B' | 'C') => String(ports[p]));
    writeFileSync(join(prefix, 'nginx.conf'), config);
    const { parsed, errors } = parseNginxText(config, 'nginx.conf');
    expect(errors).toEqual([]);
    const httpBlock = parsed.find((d) => d.directive === 'http')!;
    servers = httpBlock.block!.filter((d) => d.directive === 'server').map((d, i) => serverInfo(d.block ?? [], i));
    const log = join(prefix, 'error.log');
    child = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', log], { stdio: 'ignore' });
    for (const port of Object.values(ports)) await waitForPort(port, child, log);
  }, 20_000);

  afterAll(async () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      await exited;
    }
    if (prefix) rmSync(prefix, { recursive: true, force: true });
  });

  const cases = Object.entries(HOSTS).flatMap(([port, hosts]) => hosts.map((host) => ({ port: port as 'A' | 'B' | 'C', host })));
  it.each(cases)('port $port, Host $host', async ({ port, host }) => {
    const chosen = selectServer(servers, { host, port: ports[port], address: '127.0.0.1' }, compileRegex);
    expect(chosen).not.toBeNull();
    const answer = await ask(ports[port], host);
    if (chosen!.cannotTell !== undefined) {
      // The unreadable regex of server 17 (it matches "q") or what verblint chose.
      expect(['17', String(chosen!.server.index)]).toContain(answer.body);
      expect(answer.body === '17').toBe(host === 'q');
      return;
    }
    expect(answer).toEqual({ status: chosen!.badRequest ? 400 : 200, body: String(chosen!.server.index) });
  });
});
