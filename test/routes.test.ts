// The pieces of `verblint routes`: sample URIs from location regexes, cell
// text, the table formatter on hand-built data, and the data builder on a
// fixture with the real simulator.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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
