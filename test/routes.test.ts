// The pieces of `verblint routes`: sample URIs from location regexes, cell
// text, the table formatter on hand-built data, and the data builders (nginx
// and Apache) on fixtures with the real simulators.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildApacheModel } from '../src/apache-model.js';
import { parseApache } from '../src/apache-parse.js';
import { apacheAssumedFiles, buildApacheRoutes } from '../src/apache-routes.js';
import { simulateApache } from '../src/apache-simulate.js';
import { assumedFiles, diskFiles, type StatKind } from '../src/files.js';
import { buildModel } from '../src/nginx-model.js';
import type { Branch, Outcome } from '../src/outcome.js';
import { parseNginx } from '../src/parse.js';
import { buildRoutes, cellText, encodePath, formatRoutes, formatRoutesJson, regexSample, sampleUris, type ServerRoutes } from '../src/routes.js';
import { simulate } from '../src/simulate.js';

describe('regexSample', () => {
  it.each([
    ['^/api/', '/api/'],
    ['\\.php$', '.php'],
    ['^/(api|v1)/', '/api/'],
    ['^/files/.*$', '/files/x'],
    ['^/files/.+\\.(zip|tar\\.gz)$', '/files/x.zip'],
    ['^/v(\\d+)/users/[^/]+$', '/v1/users/x'],
    ['^/u/\\d{3}$', '/u/111'],
    ['^/[a-z]+/[0-9]*$', '/a/0'],
    ['^/(?:img|css)/', '/img/'],
    ['^/(?<lang>en|fr)/', '/en/'],
    ['(?i)^/Admin', '/Admin'],
    ['^/a(?=b)', '/a'],
    ['^/static/\\w+\\.js$', '/static/a.js'],
    ['^/x/?$', '/x/'],
    ['^/(a)/\\1$', '/a/a'],
    ['^/[^a-z0-9]', '/_'],
    ['^/[\\]x]', '/]'],
    ['^/\\Q.x\\E$', '/.x'],
    ['/\\.', '/.'],
    ['^/api|^/v2', '/api'],
  ])('%s → %s', (pattern, sample) => {
    expect(regexSample(pattern)).toBe(sample);
  });

  it.each(['(', '^/a)', '*x', '[abc', '\\'])('gives up on %s', (pattern) => {
    expect(regexSample(pattern)).toBeNull();
  });
});

describe('sampleUris', () => {
  it('uses a prefix or an exact URI as it is', () => {
    expect(sampleUris('', '/api/')).toEqual(['/api/']);
    expect(sampleUris('^~', '/static/')).toEqual(['/static/']);
    expect(sampleUris('=', '/health')).toEqual(['/health']);
  });

  it('has nothing for a named location', () => {
    expect(sampleUris('@', '@backend')).toEqual([]);
  });

  it('puts a regex sample after a slash, and under the enclosing prefix first', () => {
    expect(sampleUris('~', '\\.php$')).toEqual(['/x.php', '/.php', '/x/.php']);
    expect(sampleUris('~*', '\\.(zip|gz)$', '/files/')).toEqual(['/files/x.zip', '/x.zip', '/.zip', '/x/.zip']);
    expect(sampleUris('~', '^/api/')).toEqual(['/api/', '/api/x']);
  });
});

describe('encodePath', () => {
  it('escapes what cannot stand in a path', () => {
    expect(encodePath('/a b/%?#/é')).toBe('/a%20b/%25%3F%23/%C3%A9');
    expect(encodePath('/api/v1.json')).toBe('/api/v1.json');
  });
});

function outcome(branches: Array<Partial<Branch>>, cannotTell = false): Outcome {
  const full = branches.map((b) => ({ status: null, producer: 'static' as const, allow: null, location: null, upstream: null, assumptions: [], cannotTell, trace: [], ...b }));
  const statuses = [...new Set(full.flatMap((b) => (b.status === null ? [] : [b.status])))].sort((a, b) => a - b);
  return { method: 'GET', url: '/', status: null, possibleStatuses: statuses, cannotTell, producer: null, allow: null, location: null, upstream: null, trace: [], branches: full };
}

describe('cellText', () => {
  const upstream = { module: 'proxy', url: 'http://b', method: 'GET', path: '/', body: true };
  it.each([
    ['one status', outcome([{ status: 405 }]), '405'],
    ['several statuses', outcome([{ status: 405 }, { status: 404 }]), '404|405'],
    ['a backend', outcome([{ producer: 'upstream', upstream }]), '\u2192 proxy'],
    ['a status or a backend', outcome([{ status: 200 }, { producer: 'upstream', upstream }]), '200|\u2192 proxy'],
    ['return 444', outcome([{ producer: 'return' }]), 'close'],
    ['cannot tell, nothing known', outcome([{ producer: 'static' }], true), '?'],
    ['cannot tell, some known', outcome([{ status: 204 }, { status: 403 }], true), '204|403?'],
  ])('%s', (_name, o, text) => {
    expect(cellText(o)).toBe(text);
  });
});

const SAMPLE: ServerRoutes[] = [
  {
    names: ['api.example.com'],
    listen: ['*:80'],
    file: '/etc/nginx/nginx.conf',
    line: 3,
    host: 'api.example.com',
    port: 80,
    routes: [
      {
        location: 'location /api/',
        file: '/etc/nginx/nginx.conf',
        line: 7,
        depth: 0,
        uri: '/api/',
        note: null,
        cells: Object.fromEntries(
          (['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const).map((m) => [
            m,
            { status: m === 'PUT' ? 403 : null, possibleStatuses: m === 'PUT' ? [403] : [], producer: m === 'PUT' ? 'limit-except' : 'upstream', cannotTell: false, upstream: null, text: m === 'PUT' ? '403' : m === 'DELETE' ? '404|405' : '\u2192 proxy' },
          ]),
        ),
      },
      { location: 'location @fallback', file: '/etc/nginx/other.conf', line: 2, depth: 1, uri: null, note: 'named location', cells: {} },
    ],
  },
];

describe('formatRoutes', () => {
  it('lays the table out in columns, with the line (and the file when it differs)', () => {
    expect(formatRoutes(SAMPLE, { color: false, cwd: '/etc/nginx' }).split('\n')).toEqual([
      'server api.example.com  listen *:80  nginx.conf:3  (Host api.example.com, port 80)',
      '  location              line          uri    GET      HEAD     POST     PUT  PATCH    DELETE   OPTIONS',
      '  location /api/        7             /api/  \u2192 proxy  \u2192 proxy  \u2192 proxy  403  \u2192 proxy  404|405  \u2192 proxy',
      '    location @fallback  other.conf:2  (named location)',
      '',
      'Cells: the status nginx sends; "\u2192 proxy": the backend answers; "a|b": either, depending on files or conditions; "close": return 444 closes the connection; "?": verblint cannot tell.',
      '',
    ]);
  });

  it('colours each part of a cell only with colour on', () => {
    const text = formatRoutes(SAMPLE, { color: true, cwd: '/etc/nginx' });
    expect(text).toContain('\u001b[35m403\u001b[39m');
    expect(text).toContain('\u001b[2m404\u001b[22m\u001b[2m|\u001b[22m\u001b[31m405\u001b[39m');
    expect(formatRoutes(SAMPLE, { color: false, cwd: '/etc/nginx' })).not.toContain('\u001b');
  });

  it('JSON has the data without the cell text', () => {
    const data = JSON.parse(formatRoutesJson(SAMPLE, { cwd: '/etc/nginx' })) as { servers: Array<{ file: string; routes: Array<Record<string, unknown>> }> };
    expect(data.servers[0]!.file).toBe('nginx.conf');
    expect(Object.keys(data.servers[0]!.routes[0]!)).toEqual(['location', 'file', 'line', 'uri', 'cells']);
    expect((data.servers[0]!.routes[0]!.cells as Record<string, unknown>).PUT).toEqual({ status: 403, possibleStatuses: [403], producer: 'limit-except', cannotTell: false, upstream: null });
    expect(data.servers[0]!.routes[1]!.note).toBe('named location');
  });
});

describe('buildRoutes', () => {
  const file = fileURLToPath(new URL('fixtures/explain/routes.nginx.conf', import.meta.url));
  const model = buildModel(parseNginx(file));
  const servers = buildRoutes(model, (r) => simulate(model, r), { files: assumedFiles('exist') });

  it('finds a Host for each server, wildcards included', () => {
    expect(servers.map((s) => [s.host, s.port])).toEqual([
      ['_', 80],
      ['www.example.com', 80],
    ]);
  });

  it('gives a location without a reaching sample no URI, and a nested regex one under its parent', () => {
    const byName = Object.fromEntries(servers[1]!.routes.map((r) => [r.location, r]));
    expect(byName['location /admin/']!.uri).toBeNull();
    expect(byName['location ~ \\.(zip|tar\\.gz)$']!.uri).toBe('/files/x.zip');
    expect(byName['location ~ ^/admin']!.cells.POST!.status).toBe(403);
  });
});

describe('formatRoutes for Apache', () => {
  const apache: ServerRoutes[] = [
    { ...SAMPLE[0]!, title: '<VirtualHost *:80> www.example.com', routes: [{ ...SAMPLE[0]!.routes[0]!, location: '<Location /api>', depth: 0 }] },
    { title: 'main server', names: [], listen: ['80'], file: '/etc/apache2/apache2.conf', line: 1, host: null, port: 80, routes: [] },
  ];

  it('heads each table with its title, calls the rows routes and the statuses Apache\'s', () => {
    expect(formatRoutes(apache, { color: false, cwd: '/etc/nginx', dialect: 'apache' }).split('\n')).toEqual([
      '<VirtualHost *:80> www.example.com  nginx.conf:3  (Host api.example.com, port 80)',
      '  route            line  uri    GET      HEAD     POST     PUT  PATCH    DELETE   OPTIONS',
      '  <Location /api>  7     /api/  \u2192 proxy  \u2192 proxy  \u2192 proxy  403  \u2192 proxy  404|405  \u2192 proxy',
      '',
      'main server  /etc/apache2/apache2.conf:1  (no request reaches it)',
      '  (no routes)',
      '',
      'Cells: the status Apache sends; "\u2192 proxy" (or php, cgi): a backend or a program answers; "a|b": either, depending on files or conditions; "?": verblint cannot tell.',
      '',
    ]);
  });

  it('JSON carries the title; nginx tables have none', () => {
    const data = JSON.parse(formatRoutesJson(apache, { cwd: '/etc/nginx' })) as { servers: Array<Record<string, unknown>> };
    expect(Object.keys(data.servers[1]!)).toEqual(['title', 'names', 'listen', 'file', 'line', 'host', 'port', 'routes']);
    expect(data.servers[1]!.title).toBe('main server');
    const nginx = JSON.parse(formatRoutesJson(SAMPLE, { cwd: '/etc/nginx' })) as { servers: Array<Record<string, unknown>> };
    expect(Object.keys(nginx.servers[0]!)).not.toContain('title');
  });
});

describe('buildApacheRoutes', () => {
  const load = (name: string) => buildApacheModel(parseApache(fileURLToPath(new URL(`fixtures/explain/${name}`, import.meta.url))));
  const site = load('site.apache.conf');
  const siteServers = buildApacheRoutes(site, (r) => simulateApache(site, r), { files: (path) => apacheAssumedFiles(site, 'exist', path) });
  const vhosts = load('vhosts.apache.conf');
  const vhostServers = buildApacheRoutes(vhosts, (r) => simulateApache(vhosts, r));

  it('has the main server, then each <VirtualHost>, each reached by a Host and a port it answers', () => {
    expect(siteServers.map((s) => [s.title, s.host, s.port])).toEqual([
      ['main server main.example.com', 'main.example.com', 8080],
      ['<VirtualHost *:80> www.example.com example.com', 'www.example.com', 80],
    ]);
  });

  it('names the rows after the directives, in config order, each with the URL path it names', () => {
    expect(siteServers[1]!.routes.map((r) => [r.location, r.line, r.uri])).toEqual([
      ['DocumentRoot /srv/www', 12, '/'],
      ['<Directory /srv/www>', 15, '/'],
      ['<Location /api>', 27, '/api'],
      ['ProxyPass /api http://127.0.0.1:8081/api', 32, '/api'],
      ['<LocationMatch ^/v\\d+/internal>', 34, '/v1/internal'],
      ['Alias /static /srv/static', 38, '/static'],
      ['<Directory /srv/static>', 39, '/static/'],
      ['Redirect permanent /old /new', 43, '/old'],
    ]);
  });

  it('simulates each method: <LimitExcept GET POST> refuses the others before the proxy', () => {
    const api = siteServers[1]!.routes.find((r) => r.location === '<Location /api>')!;
    expect(Object.fromEntries(Object.entries(api.cells).map(([m, c]) => [m, c.text]))).toEqual({
      GET: '\u2192 proxy',
      HEAD: '\u2192 proxy',
      POST: '\u2192 proxy',
      PUT: '403',
      PATCH: '403',
      DELETE: '403',
      OPTIONS: '403',
    });
    expect(api.cells.PUT!.producer).toBe('authz');
  });

  it('gives the main server no cells when a <VirtualHost> takes each port it listens on', () => {
    const main = vhostServers[0]!;
    expect([main.title, main.host]).toEqual(['main server', null]);
    expect(main.routes.map((r) => [r.uri, r.note])).toEqual([
      [null, 'a <VirtualHost> takes each port the main server listens on'],
      [null, 'a <VirtualHost> takes each port the main server listens on'],
      [null, 'a <VirtualHost> takes each port the main server listens on'],
    ]);
  });

  it('names a virtual host without ServerName by its address, and says when another takes its name', () => {
    expect(vhostServers.slice(1).map((s) => [s.names, s.host])).toEqual([
      [['*:80'], 'localhost'],
      [['a.example.com'], 'a.example.com'],
      [['a.example.com'], null],
    ]);
    expect(vhostServers[3]!.routes.every((r) => r.uri === null && r.note === 'no Host header reaches this virtual host')).toBe(true);
  });

  it('maps a <Directory> back to its URL through an Alias, and leaves out one no URL reaches', () => {
    const rows = vhostServers[1]!.routes.map((r) => [r.location, r.uri]);
    expect(rows).toContainEqual(['<Directory /usr/share/apache2/icons>', '/icons/']);
    expect(rows).toContainEqual(['RedirectMatch 410 ^/gone/', '/gone/']);
    // <Directory /srv/www> is under no DocumentRoot or Alias of this config.
    expect(rows.map(([location]) => location)).not.toContain('<Directory /srv/www>');
  });
});

describe('simulateApache: the virtual host a request reaches', () => {
  const vhosts = buildApacheModel(parseApache(fileURLToPath(new URL('fixtures/explain/vhosts.apache.conf', import.meta.url))));
  const first = (host: string, port = 80, address?: string): [number, string] => {
    const step = simulateApache(vhosts, { method: 'GET', uri: '/gone/x', host, port, ...(address !== undefined && { address }) }).branches[0]!.trace[0]!;
    return [step.line, step.note];
  };

  it('is chosen by Host, port and address, the same each time it is asked (choices are remembered per model)', () => {
    for (let round = 0; round < 2; round++) {
      expect(first('a.example.com')).toEqual([16, 'the virtual host for a.example.com']);
      expect(first('b.example.com')).toEqual([11, 'no ServerName or ServerAlias is b.example.com: the first virtual host for the address answers']);
      expect(first('a.example.com', 80, '10.0.0.1')).toEqual([16, 'the virtual host for a.example.com']);
      expect(first('a.example.com', 8080)).toEqual([0, 'no <VirtualHost> is for port 8080: the main server answers']);
    }
  });
});

describe('apacheAssumedFiles', () => {
  const model = buildApacheModel(parseApache(fileURLToPath(new URL('fixtures/explain/site.apache.conf', import.meta.url))));

  it('exist: the directories above the file the path maps to are directories, the file a file', () => {
    const files = apacheAssumedFiles(model, 'exist', '/assets/app.js');
    expect(['/srv', '/srv/www', '/srv/www/assets', '/srv/www/assets/app.js'].map(files)).toEqual(['dir', 'dir', 'dir', 'file']);
    expect(files('/srv/www/other')).toBe('file');
    expect(files('/srv/www/other/')).toBe('dir');
  });

  it('missing: DocumentRoot, Alias targets and <Directory> paths stay; what the path maps to is missing', () => {
    const files = apacheAssumedFiles(model, 'missing', '/static/a/b.css');
    expect(['/srv/main', '/srv/static', '/srv/static/a', '/srv/static/a/b.css', '/srv/www/index.php'].map(files)).toEqual(['dir', 'dir', 'dir', 'missing', 'missing']);
  });

  it('unknown: nothing is decided', () => {
    expect(apacheAssumedFiles(model, 'unknown', '/x')('/srv/www')).toBeUndefined();
  });
});

describe('diskFiles', () => {
  const tree: Record<string, StatKind> = { '/srv': 'dir', '/srv/www': 'dir', '/srv/www/a.html': 'file', '/srv/www/sock': 'other' };
  const stat = (p: string): StatKind => tree[p] ?? 'none';

  it('answers file, dir, or missing when the parent is there', () => {
    const files = diskFiles(stat);
    expect(files('/srv/www/a.html')).toBe('file');
    expect(files('/srv/www/sock')).toBe('file');
    expect(files('/srv/www')).toBe('dir');
    expect(files('/srv/www/b.html')).toBe('missing');
    expect(files('/srv/www/a.html/x')).toBe('missing');
  });

  it('leaves a path unknown when its directory is not on this machine', () => {
    expect(diskFiles(stat)('/var/www/app/index.html')).toBeUndefined();
  });

  it('looks under the sysroot', () => {
    const files = diskFiles((p) => (p === '/root/etc/x' ? 'file' : p === '/root/etc' ? 'dir' : 'none'), '/root/');
    expect(files('/etc/x')).toBe('file');
    expect(files('/etc/y')).toBe('missing');
  });

  it('assumedFiles: exist, missing, unknown', () => {
    expect(assumedFiles('exist')('/a')).toBe('file');
    expect(assumedFiles('exist')('/a/')).toBe('dir');
    expect(assumedFiles('missing')('/a')).toBe('missing');
    expect(assumedFiles('unknown')('/a')).toBeUndefined();
  });
});
