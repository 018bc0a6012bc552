// Server selection: which server block answers, and why, for host, port and
// local address. servers-real.test.ts checks the same rules against nginx.
import { describe, expect, it } from 'vitest';
import { parseNginxText } from '../src/parse.js';
import { type SelectRequest, type ServerInfo, selectServer, serverInfo } from '../src/servers.js';

/** The server blocks of the first http block of a config text. */
function serversOf(config: string): ServerInfo[] {
  const { parsed, errors } = parseNginxText(config, 'nginx.conf');
  expect(errors).toEqual([]);
  const http = parsed.find((d) => d.directive === 'http');
  const blocks = (http?.block ?? []).filter((d) => d.directive === 'server');
  return blocks.map((d, i) => serverInfo(d.block ?? [], i));
}

/** JavaScript reads these regexes; a pattern with `(?P` stands for one it cannot. */
const compileRegex = (pattern: string, caseless: boolean): RegExp | null =>
  pattern.includes('(?P') ? null : new RegExp(pattern, caseless ? 'i' : '');

interface Case {
  name: string;
  servers: string;
  req: SelectRequest;
  /** [server index, reason], or null when nothing listens. */
  want: [number, string] | null;
  line?: number;
  cannotTell?: RegExp;
  badRequest?: boolean;
}

const NAMES = `
  server { listen 80; server_name example.com www.example.com; }
  server { listen 80; server_name *.example.com; }
  server { listen 80; server_name *.www.example.com www.*; }
  server { listen 80; server_name www.example.*; }
  server { listen 80; server_name ~^www\\d+\\.example\\.net$ ~^api; }
  server { listen 80; server_name ~^www1\\. .example.org; }
  server { listen 80 default_server; server_name _; }
`;

const CASES: Case[] = [
  { name: 'exact name', servers: NAMES, req: { host: 'www.example.com', port: 80 }, want: [0, 'server_name www.example.com (exact)'], line: 3 },
  { name: 'exact name in another case, with a port and a trailing dot', servers: NAMES, req: { host: 'WWW.Example.COM.:8080', port: 80 }, want: [0, 'server_name www.example.com (exact)'] },
  { name: 'leading wildcard', servers: NAMES, req: { host: 'mail.example.com', port: 80 }, want: [1, 'server_name *.example.com (leading-wildcard)'] },
  { name: 'leading wildcard over several labels', servers: NAMES, req: { host: 'a.b.example.com', port: 80 }, want: [1, 'server_name *.example.com (leading-wildcard)'] },
  { name: 'longest leading wildcard', servers: NAMES, req: { host: 'a.www.example.com', port: 80 }, want: [2, 'server_name *.www.example.com (leading-wildcard)'] },
  { name: 'leading wildcard before trailing wildcard', servers: NAMES, req: { host: 'www.x.example.com', port: 80 }, want: [1, 'server_name *.example.com (leading-wildcard)'] },
  { name: 'trailing wildcard', servers: NAMES, req: { host: 'www.foo.net', port: 80 }, want: [2, 'server_name www.* (trailing-wildcard)'] },
  { name: 'longest trailing wildcard', servers: NAMES, req: { host: 'www.example.co.uk', port: 80 }, want: [3, 'server_name www.example.* (trailing-wildcard)'] },
  { name: 'a trailing wildcard needs a label after the dot', servers: NAMES, req: { host: 'www', port: 80 }, want: [6, 'default_server for *:80'] },
  { name: 'first regex in file order', servers: NAMES, req: { host: 'www1.example.net', port: 80 }, want: [4, 'server_name ~^www\\d+\\.example\\.net$ (regex)'] },
  { name: 'regex in a later server', servers: NAMES, req: { host: 'www1.example.com.au', port: 80 }, want: [5, 'server_name ~^www1\\. (regex)'] },
  { name: 'lower-case regex matches the lower-cased host', servers: NAMES, req: { host: 'API.example.io', port: 80 }, want: [4, 'server_name ~^api (regex)'] },
  { name: '.name matches the name itself', servers: NAMES, req: { host: 'example.org', port: 80 }, want: [5, 'server_name .example.org (leading-wildcard)'] },
  { name: '.name matches subdomains', servers: NAMES, req: { host: 'a.example.org', port: 80 }, want: [5, 'server_name .example.org (leading-wildcard)'] },
  { name: 'no match: default_server', servers: NAMES, req: { host: 'other.test', port: 80 }, want: [6, 'default_server for *:80'] },
  { name: '_ is just a name', servers: NAMES, req: { host: '_', port: 80 }, want: [6, 'server_name _ (exact)'] },
  { name: 'no server on the port', servers: NAMES, req: { host: 'example.com', port: 8080 }, want: null },
  {
    name: 'no match and no default_server: the first server',
    servers: 'server { listen 8080; server_name a; } server { listen 8080; server_name b; }',
    req: { host: 'c', port: 8080 },
    want: [0, 'first server for *:8080'],
  },
  {
    name: 'the old "default" parameter',
    servers: 'server { listen 8080; server_name a; } server { listen 8080 default; server_name b; }',
    req: { host: 'c', port: 8080 },
    want: [1, 'default_server for *:8080'],
  },
  {
    name: 'no listen means *:80, and no server_name means ""',
    servers: 'server { server_name a; } server { listen 80; }',
    req: { host: undefined, port: 80 },
    want: [1, 'server_name "" (exact)'],
  },
  {
    name: 'a server without listen counts in file order',
    servers: 'server { server_name a; } server { listen 80; server_name b; }',
    req: { host: 'c', port: 80 },
    want: [0, 'first server for *:80'],
  },
  {
    name: 'no Host, server_name ""',
    servers: 'server { listen 80; server_name a; } server { listen 80; server_name b ""; }',
    req: { host: undefined, port: 80 },
    want: [1, 'server_name "" (exact)'],
  },
  {
    name: 'an empty Host is a 400 from the default server',
    servers: 'server { listen 80; server_name a; } server { listen 80; server_name ""; }',
    req: { host: '', port: 80 },
    want: [0, 'first server for *:80'],
    badRequest: true,
  },
  {
    name: 'a Host with ".." is a 400',
    servers: 'server { listen 80; server_name a; } server { listen 80 default_server; server_name b; }',
    req: { host: 'a..b', port: 80 },
    want: [1, 'default_server for *:80'],
    badRequest: true,
  },
  {
    name: 'a regex with capitals is caseless',
    servers: 'server { listen 80; server_name a; } server { listen 80; server_name ~^WWW\\.; }',
    req: { host: 'www.a', port: 80 },
    want: [1, 'server_name ~^WWW\\. (regex)'],
  },
  {
    name: 'a conflicting name is ignored: the first server keeps it',
    servers: 'server { listen 80; server_name a; } server { listen 80; server_name x .example.com; } server { listen 80; server_name example.com; }',
    req: { host: 'example.com', port: 80 },
    want: [1, 'server_name .example.com (leading-wildcard)'],
  },
  {
    name: 'a .name that conflicts is ignored whole',
    servers: 'server { listen 80; server_name *.example.com; } server { listen 80; server_name .example.com; }',
    req: { host: 'example.com', port: 80 },
    want: [0, 'first server for *:80'],
  },
  {
    name: 'the specific address wins over the wildcard',
    servers: 'server { listen 8080; server_name a; } server { listen 127.0.0.1:8080; server_name b; }',
    req: { host: 'a', port: 8080, address: '127.0.0.1' },
    want: [1, 'first server for 127.0.0.1:8080'],
  },
  {
    name: 'other addresses go to the wildcard',
    servers: 'server { listen 8080; server_name a; } server { listen 127.0.0.1:8080; server_name b; }',
    req: { host: 'b', port: 8080, address: '10.0.0.1' },
    want: [0, 'first server for *:8080'],
  },
  {
    name: 'unknown local address: as if the wildcard, but cannot tell',
    servers: 'server { listen 8080; server_name a; } server { listen 127.0.0.1:8080; server_name b; }',
    req: { host: 'a', port: 8080 },
    want: [0, 'server_name a (exact)'],
    cannotTell: /^depends on which local address the client connects to \(servers listen on \*:8080, 127\.0\.0\.1:8080\)$/,
  },
  {
    name: 'unknown local address, but every address gives the same server',
    servers: 'server { listen 8080; listen 127.0.0.1:8080; server_name a; } server { listen 8080; server_name b; }',
    req: { host: 'c', port: 8080 },
    want: [0, 'first server for *:8080'],
  },
  {
    name: 'localhost and 0.0.0.0 in listen',
    servers: 'server { listen 0.0.0.0:8080; server_name a; } server { listen *:8080 default_server; } server { listen localhost:8080; } server { listen 127.0.0.1:8080 default_server; }',
    req: { host: 'a', port: 8080, address: '127.0.0.1' },
    want: [3, 'default_server for 127.0.0.1:8080'],
  },
  {
    name: 'an address without a port is port 80',
    servers: 'server { listen 127.0.0.1; server_name a; }',
    req: { host: 'a', port: 80, address: '127.0.0.1' },
    want: [0, 'server_name a (exact)'],
  },
  {
    name: 'IPv6 goes to [::], not *',
    servers: 'server { listen 80; } server { listen [::]:80 ipv6only=on; } server { listen [::1]:8080 ssl http2; }',
    req: { host: 'x', port: 80, address: '[::1]' },
    want: [1, 'first server for [::]:80'],
  },
  {
    name: 'IPv4 does not go to [::]',
    servers: 'server { listen [::]:80; }',
    req: { host: 'x', port: 80, address: '127.0.0.1' },
    want: null,
  },
  {
    name: 'UNIX-domain socket',
    servers: 'server { listen unix:/run/a.sock; server_name a; } server { listen unix:/run/b.sock; }',
    req: { host: 'x', port: 80, address: 'unix:/run/b.sock' },
    want: [1, 'first server for unix:/run/b.sock'],
  },
  {
    name: 'a regex verblint cannot read that might have matched',
    servers: 'server { listen 80; server_name a; } server { listen 80; server_name "~^(?P<n>x)"; } server { listen 80; server_name ~^x; }',
    req: { host: 'xy', port: 80 },
    want: [2, 'server_name ~^x (regex)'],
    cannotTell: /^verblint cannot read server_name ~\^\(\?P<n>x\) \(nginx\.conf:2\), which might match "xy"$/,
  },
  {
    name: 'an unreadable regex after the matching one does not matter',
    servers: 'server { listen 80; server_name ~^x; } server { listen 80; server_name "~^(?P<n>x)"; }',
    req: { host: 'xy', port: 80 },
    want: [0, 'server_name ~^x (regex)'],
  },
  {
    name: 'an exact match does not look at regexes',
    servers: 'server { listen 80; server_name "~^(?P<n>x)"; } server { listen 80; server_name xy; }',
    req: { host: 'xy', port: 80 },
    want: [1, 'server_name xy (exact)'],
  },
  {
    name: '$hostname is taken as not matching',
    servers: 'server { listen 80; server_name a; } server { listen 80; server_name $hostname; }',
    req: { host: 'myhost', port: 80 },
    want: [0, "first server for *:80; server_name $hostname of server 1 taken as not matching (the machine's host name is not known)"],
  },
];

describe('selectServer', () => {
  it.each(CASES)('$name', ({ servers, req, want, line, cannotTell, badRequest }) => {
    const got = selectServer(serversOf(`http {\n${servers}\n}\n`), req, compileRegex);
    if (want === null) {
      expect(got).toBeNull();
      return;
    }
    expect(got).not.toBeNull();
    expect([got!.server.index, got!.reason]).toEqual(want);
    if (line !== undefined) expect(got!.by?.line).toBe(line);
    if (cannotTell) expect(got!.cannotTell).toMatch(cannotTell);
    else expect(got!.cannotTell).toBeUndefined();
    expect(got!.badRequest !== undefined).toBe(badRequest === true);
  });
});

describe('serverInfo', () => {
  it('reads listen parameters and name kinds', () => {
    const [s] = serversOf('http { server { listen [::1]:8443 ssl default_server; listen unix:/x.sock; listen localhost; server_name a *.b c.* ~d .e; } }');
    expect(s!.listens.map(({ address, port, defaultServer, ssl }) => [address, port, defaultServer, ssl])).toEqual([
      ['[::1]', 8443, true, true],
      ['unix:/x.sock', 0, false, false],
      ['127.0.0.1', 80, false, false],
    ]);
    expect(s!.names.map((n) => [n.name, n.kind])).toEqual([
      ['a', 'exact'],
      ['*.b', 'leading-wildcard'],
      ['c.*', 'trailing-wildcard'],
      ['~d', 'regex'],
      ['.e', 'leading-wildcard'],
    ]);
  });

  it('gives a server without listen the implicit *:80', () => {
    const [s] = serversOf('http { server { } }');
    expect(s!.listens).toEqual([{ address: '*', port: 80, defaultServer: false, directive: null, ssl: false }]);
  });
});
