// The indexes that keep linting linear in servers and locations (issue 9):
// each must answer exactly what the scan it replaces answered. Their speed is
// measured by `npm run bench`, not here.
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyingTo } from '../src/apache-allow.js';
import { scopeOf } from '../src/apache-authz.js';
import { parseApache } from '../src/apache-parse.js';
import { apacheNodes } from '../src/apache-rule-support.js';
import { addHeaders, levels, serversWith } from '../src/header-rules.js';
import { nodeHost, type Host } from '../src/host.js';
import type { Directive, ParseResult } from '../src/model.js';
import {
  buildModel, eachLocation, GET_ONLY_HANDLERS, handlersIn, inherited, named, namedUp, locationsAt, modelOf, nearest, own, PASS_MODULES,
  type Level, type NginxLocation, type NginxModel, type NginxServer,
} from '../src/nginx-model.js';
import { parseNginx, parseNginxText } from '../src/parse.js';
import { probesOf } from '../src/rule-support.js';
import { lintFiles } from '../src/run.js';
import { indexServers, selectServer } from '../src/servers.js';
import { regexUnderPrefix } from '../src/static-writes.js';
import { rules } from '../rules/index.js';
import { NGINX_CORPUS } from './helpers/corpus.js';

/** Files held in memory; `reads` counts readFile per path. */
function memoryHost(files: Record<string, string>): Host & { reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const norm = (p: string) => posix.normalize(p);
  const missing = (p: string) => Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  const isDir = (p: string) => Object.keys(files).some((f) => f.startsWith(`${norm(p)}/`));
  return {
    reads,
    readFile(path) {
      const p = norm(path);
      reads.set(p, (reads.get(p) ?? 0) + 1);
      if (!(p in files)) throw missing(p);
      return files[p]!;
    },
    check: (path) => (norm(path) in files ? 'ok' : isDir(path) ? 'EISDIR' : 'ENOENT'),
    glob(pattern, cwd) {
      const base = cwd === '' || cwd === '.' ? '' : `${norm(cwd)}/`;
      const re = new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
      return Object.keys(files)
        .filter((f) => f.startsWith(base) && re.test(f.slice(base.length)))
        .map((f) => f.slice(base.length))
        .sort();
    },
    listTree: (dir) =>
      Object.keys(files)
        .filter((f) => f.startsWith(`${norm(dir)}/`))
        .map((f) => f.slice(norm(dir).length + 1))
        .sort(),
  };
}

function modelOfText(text: string): NginxModel {
  const { parsed, errors, lines } = parseNginxText(text, 'nginx.conf');
  expect(errors).toEqual([]);
  const tree: ParseResult = { status: 'ok', errors: [], warnings: [], config: [{ file: 'nginx.conf', path: 'nginx.conf', status: 'ok', errors: [], parsed, lines }] };
  return buildModel(tree);
}

const lines = (ds: readonly Directive[] | undefined) => (ds ?? []).map((d) => `${d.directive}@${d.line}`);

describe('named: a level looked up by directive name', () => {
  const model = modelOfText(
    [
      'http {', //                        1
      '    add_header X-A 1;', //         2
      '    allow 10.0.0.1;', //           3
      '    server {', //                  4
      '        listen 80;', //            5
      '        location / {', //          6
      '            deny 10.0.0.2;', //    7
      '            allow all;', //        8
      '            deny all;', //         9
      '        }', //
      '        location /x { }', //       11
      '        location /h { proxy_pass http://a; empty_gif; add_header X-B 2; }', // 12
      '    }', //
      '}', //
    ].join('\n'),
  );
  const server = model.servers[0]!;
  const [root, x, h] = server.locations as [NginxLocation, NginxLocation, NginxLocation];

  it('groups the directives of a level by name, in order', () => {
    expect(lines(named(root, 'deny'))).toEqual(['deny@7', 'deny@9']);
    expect(lines(named(root, 'allow'))).toEqual(['allow@8']);
    expect(named(root, 'add_header')).toBeUndefined();
    expect(lines(named(model.http, 'server'))).toEqual(['server@4']);
  });

  it('answers the same for a level big enough to be indexed (over 64 directives)', () => {
    const big = modelOfText(`http {\n${Array.from({ length: 70 }, (_, i) => `    ${i % 7 === 3 ? 'deny' : 'allow'} 10.0.0.${i};\n`).join('')}}\n`).http;
    expect(big.directives).toHaveLength(70);
    const denies = big.directives.filter((d) => d.directive === 'deny');
    expect(named(big, 'deny')).toEqual(denies);
    expect(lines(named(big, 'deny')).slice(0, 2)).toEqual(['deny@5', 'deny@12']);
    expect(named(big, 'add_header')).toBeUndefined();
    expect(inherited(big, 'deny', 'allow')?.directives).toEqual(big.directives);
  });

  it('inherited: the nearest level with any, several names in the level\'s own order', () => {
    expect(lines(inherited(root, 'allow', 'deny')?.directives)).toEqual(['deny@7', 'allow@8', 'deny@9']);
    expect(inherited(root, 'allow', 'deny')?.level).toBe(root);
    expect(lines(inherited(x, 'allow', 'deny')?.directives)).toEqual(['allow@3']);
    expect(inherited(x, 'allow', 'deny')?.level).toBe(model.http);
    expect(lines(inherited(x, 'deny', 'deny')?.directives)).toEqual([]);
    expect(inherited(x, 'deny')).toBeNull();
    expect(lines(inherited(root, 'deny', 'deny')?.directives)).toEqual(['deny@7', 'deny@9']);
  });

  it('own and nearest: the last one', () => {
    expect(own(root, 'deny')?.line).toBe(9);
    expect(own(x, 'allow')).toBeUndefined();
    expect(nearest(x, 'allow')?.line).toBe(3);
    expect(nearest(root, 'allow')?.line).toBe(8);
    expect(nearest(x, 'satisfy')).toBeUndefined();
  });

  it('gives a new array each time, so a caller cannot change what the next one gets', () => {
    inherited(root, 'deny')!.directives.push(root.directives[0]!);
    inherited(x, 'add_header')!.directives.length = 0;
    expect(lines(inherited(root, 'deny')?.directives)).toEqual(['deny@7', 'deny@9']);
    expect(lines(inherited(x, 'add_header')?.directives)).toEqual(['add_header@2']);
  });

  it('handlersIn: the content handlers written at a level, a new array each time', () => {
    expect(lines(handlersIn(h))).toEqual(['proxy_pass@12', 'empty_gif@12']);
    handlersIn(h).pop();
    expect(lines(handlersIn(h))).toEqual(['proxy_pass@12', 'empty_gif@12']);
    expect(handlersIn(root)).toEqual([]);
  });

  it('addHeaders: the nearest level\'s add_header, none past it', () => {
    expect(lines(addHeaders(h))).toEqual(['add_header@12']);
    expect(lines(addHeaders(x))).toEqual(['add_header@2']);
    expect(addHeaders(null)).toEqual([]);
  });

  it('indexes a level again when its directives change', () => {
    const level = { kind: 'location' as const, node: null, directives: [...x.directives], parent: null };
    expect(own(level, 'deny')).toBeUndefined();
    level.directives.push(root.directives[0]!);
    expect(own(level, 'deny')?.line).toBe(7);
    level.directives = [root.directives[2]!];
    expect(own(level, 'deny')?.line).toBe(9);
  });
});

describe('locationsAt and eachLocation: the locations of a model, listed once', () => {
  const host = memoryHost({
    'nginx.conf': [
      'http {',
      '    server { listen 80; location /a { location /a/b { } } location = /c { } location /d { } location /e { }',
      '        include shared.conf;',
      '    }',
      '    server { listen 81; include shared.conf; }',
      '}',
    ].join('\n'),
    'shared.conf': 'location /s { }\n',
  });
  const model = buildModel(parseNginx('nginx.conf', { host }));
  const [one, two] = model.servers as [NginxServer, NginxServer];
  const names = (ls: readonly NginxLocation[]) => ls.map((l) => l.name);

  it('finds a server\'s locations by the line their block starts on, nested ones too, in file order', () => {
    expect(names(locationsAt(one, 'nginx.conf', 2))).toEqual(['/a', '/a/b', '/c', '/d', '/e']);
    expect(names(locationsAt(one, 'shared.conf', 1))).toEqual(['/s']);
    expect(locationsAt(two, 'shared.conf', 1)[0]?.server).toBe(two);
    expect(locationsAt(one, 'shared.conf', 1)[0]?.server).toBe(one);
    expect(locationsAt(two, 'nginx.conf', 2)).toEqual([]);
    expect(locationsAt(one, 'nginx.conf', 3)).toEqual([]);
  });

  it('lists each location node once, with the first server that has it', () => {
    const all = eachLocation(model);
    expect(all.map((location) => `${location.name}@${model.servers.indexOf(location.server)}`)).toEqual(['/a@0', '/a/b@0', '/c@0', '/d@0', '/e@0', '/s@0']);
    expect(eachLocation(model)).toBe(all);
  });

  it('lists every location when no file is included twice, and still once each when a file is reached twice through another', () => {
    const once = buildModel(parseNginx('nginx.conf', { host: memoryHost({
      'nginx.conf': 'http { server { listen 80; location /a { } include one.conf; } server { listen 81; include two.conf; } }\n',
      'one.conf': 'location /one { location /one/in { include proxy.conf; } include proxy.conf; }\n',
      'two.conf': 'location /two { include proxy.conf; }\n',
      'proxy.conf': 'proxy_set_header Host $host;\n',
    }) }));
    expect(eachLocation(once).map((l) => `${l.name}@${once.servers.indexOf(l.server)}`)).toEqual(['/a@0', '/one@0', '/one/in@0', '/two@1']);
    // inner.conf is spliced in once per include of outer.conf: its location is listed once.
    const nested = buildModel(parseNginx('nginx.conf', { host: memoryHost({
      'nginx.conf': 'http { server { listen 80; include outer.conf; } server { listen 81; include outer.conf; } }\n',
      'outer.conf': 'location /o { include inner.conf; }\n',
      'inner.conf': 'location /o/i { }\n',
    }) }));
    expect(eachLocation(nested).map((l) => `${l.name}@${nested.servers.indexOf(l.server)}`)).toEqual(['/o@0', '/o/i@0']);
  });
});

describe('indexServers: the listen groups and name tables, once per list of servers', () => {
  const model = modelOfText(
    [
      'http {',
      '    server { listen 80; server_name a.test; }',
      '    server { listen 80 default_server; listen 8080; server_name b.test; }',
      '    server { listen 8080; server_name c.test; }',
      '}',
    ].join('\n'),
  );
  const infos = model.servers.map((s) => s.info);
  const regex = () => null;

  it('a new array of the same servers finds the same index; another list gets its own', () => {
    const index = indexServers(infos);
    expect(indexServers([...infos])).toBe(index);
    expect(indexServers(infos.slice(0, 2)).servers).toEqual(infos.slice(0, 2));
    expect(indexServers([...infos]).servers).toEqual(infos);
    expect(indexServers([infos[1]!, infos[0]!, infos[2]!]).servers).toEqual([infos[1], infos[0], infos[2]]);
  });

  it('selects from a list changed at its end as from a new one', () => {
    const list = [infos[0]!, infos[2]!];
    expect(selectServer(list, { host: 'c.test', port: 8080 }, regex)?.server).toBe(infos[2]);
    list[1] = infos[1]!;
    expect(selectServer(list, { host: 'c.test', port: 8080 }, regex)?.server).toBe(infos[1]);
    list.push(infos[2]!);
    expect(selectServer(list, { host: 'c.test', port: 8080 }, regex)?.server).toBe(infos[2]);
  });

  it('answers each port and name as a fresh scan does, and a caller cannot change the next answer', () => {
    const pick = (host: string, port: number) => {
      const s = selectServer([...infos], { host, port }, regex);
      return s && [infos.indexOf(s.server), s.reason];
    };
    expect(pick('a.test', 80)).toEqual([0, 'server_name a.test (exact)']);
    expect(pick('c.test', 80)).toEqual([1, 'default_server for *:80']);
    expect(pick('c.test', 8080)).toEqual([2, 'server_name c.test (exact)']);
    expect(pick('a.test', 8080)).toEqual([1, 'first server for *:8080']);
    expect(pick('a.test', 9090)).toBeNull();
    const first = selectServer(infos, { host: 'x.test', port: 80 }, regex)!;
    first.reason += ' (changed)';
    first.cannotTell = 'changed';
    const again = selectServer(infos, { host: 'x.test', port: 80 }, regex)!;
    expect(again.reason).toBe('default_server for *:80');
    expect(again.cannotTell).toBeUndefined();
  });
});

describe('serversWith: the servers a directive applies to', () => {
  const host = memoryHost({
    'nginx.conf': [
      'http {',
      '    error_page 405 /e.html;',
      '    server { listen 80; error_page 404 /n.html; location / { error_page 500 /s.html; } }',
      '    server { listen 81; include shared.conf; }',
      '    server { listen 82; include shared.conf; }',
      '}',
    ].join('\n'),
    'shared.conf': 'error_page 403 /f.html;\n',
  });
  const tree = parseNginx('nginx.conf', { host });
  const model = buildModel(tree);
  const at = (file: string, line: number): Directive => {
    const found = [model.http, ...model.servers, ...model.servers.flatMap((s) => s.locations)]
      .flatMap((l) => l.directives)
      .find((d) => d.file === file && d.line === line && d.directive === 'error_page');
    if (!found) throw new Error(`no error_page at ${file}:${line}`);
    return found;
  };

  it('every server for the http level, its own server otherwise, each once', () => {
    expect(serversWith(model, at('nginx.conf', 2))).toEqual(model.servers);
    expect(serversWith(model, at('nginx.conf', 3))).toEqual([model.servers[0]]);
    expect(serversWith(model, model.servers[0]!.locations[0]!.directives[0]!)).toEqual([model.servers[0]]);
    expect(serversWith(model, at('shared.conf', 1))).toEqual([model.servers[1], model.servers[2]]);
  });

  it('none for a directive outside the model', () => {
    const other = parseNginxText('error_page 405 /x;', 'other.conf').parsed[0]!;
    expect(serversWith(model, other)).toEqual([]);
  });
});

describe('probesOf: made on first use, once', () => {
  const host = memoryHost({
    'nginx.conf': 'http { server { listen 80; server_name a.test; location /api/ { proxy_pass http://b; } location @named { return 200; } } }\n',
  });
  const tree = parseNginx('nginx.conf', { host });

  it('a location gets a sample URI that reaches it and its server\'s sender; a named one gets none', () => {
    const probes = probesOf(tree);
    expect(probesOf(tree)).toBe(probes);
    const server = modelOf(tree).servers[0]!;
    const [api, named] = server.locations;
    const probe = probes.locations.get(api!)!;
    expect(probe.uri).toBe('/api/');
    expect(probe.server).toBe(server);
    // Only the Host and the URI are kept: the probe and its sender are made again, alike.
    expect(probes.locations.get(api!)).toEqual({ server, uri: '/api/', send: expect.any(Function) });
    expect(probe.send('GET', '/api/users').producer).toBe('upstream');
    expect(probe.send('GET', '/api/users')).toEqual(probes.servers.get(server)!('GET', '/api/users'));
    expect(probe.send('DELETE', '/nothing').status).toBe(405);
    expect(probes.locations.get(named!)).toBeUndefined();
  });
});

describe('regexUnderPrefix: remembered per question', () => {
  it('gives the same witnesses each time, in an array of the caller\'s own', () => {
    const first = regexUnderPrefix('\\.(css|js)$', true, '/api/');
    expect(first).not.toBeNull();
    expect(first!.every((u) => u.startsWith('/api/') && /\.(css|js)$/i.test(u))).toBe(true);
    const copy = [...first!];
    first!.length = 0;
    expect(regexUnderPrefix('\\.(css|js)$', true, '/api/')).toEqual(copy);
    expect(regexUnderPrefix('^/static/', false, '/api/')).toEqual([]);
  });
});

describe('lintFiles: a file another tree includes is parsed once', () => {
  const NGINX = {
    'site/nginx.conf': 'events {}\nhttp {\n    include conf.d/*.conf;\n}\n',
    'site/conf.d/a.conf': 'server {\n    listen 80;\n    location /api/ {\n        include snippets/proxy.conf;\n    }\n}\n',
    'site/snippets/proxy.conf': 'proxy_pass http://127.0.0.1:8080;\nproxy_set_header Host $host;\n',
  };
  const lintAll = (host: Host, files: string[], dialect: 'nginx' | 'apache' = 'nginx') =>
    lintFiles({ files: files.map((path) => ({ path, dialect })), cwd: '/mem', host }, { rules });

  it('reads each file of an nginx tree once, and finds what linting the main file alone finds', () => {
    const host = memoryHost(NGINX);
    const out = lintAll(host, ['site/conf.d/a.conf', 'site/nginx.conf', 'site/snippets/proxy.conf']);
    expect(Object.fromEntries(host.reads)).toEqual({ 'site/nginx.conf': 1, 'site/conf.d/a.conf': 1, 'site/snippets/proxy.conf': 1 });
    expect(out.trees).toBe(1);
    const alone = lintAll(memoryHost(NGINX), ['site/nginx.conf']);
    expect(out.findings).toEqual(alone.findings);
    expect(out.findings.map((f) => `${f.file}:${f.line} ${f.ruleId}`)).toEqual(['site/conf.d/a.conf:3 proxy-pass-slash-redirect']);
  });

  it('parses a fragment on its own when its tree has an include cycle', () => {
    const files = {
      'c/nginx.conf': 'http { server { listen 80; include loc1.conf; } }\n',
      'c/loc1.conf': 'location /a { include loc2.conf; }\n',
      'c/loc2.conf': 'location /b { include loc1.conf; }\n',
    };
    const host = memoryHost(files);
    const out = lintAll(host, ['c/loc1.conf', 'c/loc2.conf', 'c/nginx.conf']);
    expect(host.reads.get('c/loc1.conf')).toBe(3);
    expect(out.trees).toBe(1);
    expect(out.findings.filter((f) => f.ruleId === 'include-missing').map((f) => `${f.file}:${f.line}`)).toEqual(['c/loc2.conf:1']);
  });

  it('parses a fragment after all when the tree that holds it is itself included', () => {
    const files = { ...NGINX, 'site/all.conf': 'include nginx.conf;\n' };
    const host = memoryHost(files);
    const out = lintAll(host, ['site/all.conf', 'site/conf.d/a.conf', 'site/nginx.conf']);
    // nginx.conf's tree, all.conf's tree, then a.conf's own.
    expect(host.reads.get('site/conf.d/a.conf')).toBe(3);
    expect(out.trees).toBe(1);
    expect(out.findings.map((f) => `${f.file}:${f.line} ${f.ruleId}`)).toEqual(['site/conf.d/a.conf:3 proxy-pass-slash-redirect']);
  });

  it('keeps a fragment whose includes resolve elsewhere as a tree of its own', () => {
    // q/x.conf is below no nginx.conf: on its own, its includes resolve beside it, in q/.
    const files = {
      'p/nginx.conf': 'http { include ../q/x.conf; }\n',
      'q/x.conf': 'server { listen 80; include y.conf; }\n',
      'q/y.conf': 'location /api/ { proxy_pass http://127.0.0.1:1; }\n',
      'p/y.conf': 'location /other/ { proxy_pass http://127.0.0.1:1; }\n',
    };
    const host = memoryHost(files);
    const out = lintAll(host, ['p/nginx.conf', 'q/x.conf']);
    expect(host.reads.get('q/x.conf')).toBe(2);
    expect(out.trees).toBe(1);
    expect(out.findings.map((f) => `${f.file}:${f.line} ${f.ruleId}`)).toEqual(['p/y.conf:1 proxy-pass-slash-redirect']);
  });

  it('Apache: a site file without Include or Define is linted in the main config only; one with Define is parsed on its own too', () => {
    const files = {
      'apache2/apache2.conf': 'Listen 80\nInclude sites/*.conf\n',
      'apache2/sites/a.conf': '<VirtualHost *:80>\n    ServerName a.test\n    Redirect 301 /api http://b.test/api\n</VirtualHost>\n',
      'apache2/sites/b.conf': 'Define X 1\n<VirtualHost *:80>\n    ServerName b.test\n</VirtualHost>\n',
    };
    const host = memoryHost(files);
    const out = lintAll(host, ['apache2/apache2.conf', 'apache2/sites/a.conf', 'apache2/sites/b.conf'], 'apache');
    // a.conf: the tree, then the look for Include; b.conf: the tree, the look, its own tree.
    expect(host.reads.get('apache2/sites/a.conf')).toBe(2);
    expect(host.reads.get('apache2/sites/b.conf')).toBe(3);
    expect(out.trees).toBe(1);
    const alone = lintAll(memoryHost(files), ['apache2/apache2.conf'], 'apache');
    expect(out.findings).toEqual(alone.findings);
  });
});

describe('the indexes answer as a scan does, on every file of the shared corpus', () => {
  const NGINX_FILES = join(NGINX_CORPUS, 'files');
  const APACHE_FILES = fileURLToPath(new URL('../../shared/corpus/apache/files/', import.meta.url));
  const NAMES = ['add_header', 'allow', 'deny', 'root', 'alias', 'error_page', 'index', 'proxy_pass', 'try_files', 'listen', 'if'];

  it('nginx: inherited, namedUp, own, nearest and handlersIn at every level', () => {
    let levelsSeen = 0;
    for (const path of nodeHost.listTree(NGINX_FILES)) {
      const model = buildModel(parseNginx(join(NGINX_FILES, path), { comments: true, singleFile: true }));
      const limits = eachLocation(model).flatMap((location) => (location.limitExcept ? [location.limitExcept] : []));
      for (const level of [...levels(model), ...limits]) {
        levelsSeen++;
        const scan = (l: Level | null, names: string[]) => {
          for (let at = l; at; at = at.parent) {
            const found = at.directives.filter((d) => names.includes(d.directive));
            if (found.length > 0) return { level: at, directives: found };
          }
          return null;
        };
        for (const name of NAMES) {
          expect(inherited(level, name)).toEqual(scan(level, [name]));
          expect(namedUp(level, name)).toEqual(scan(level, [name])?.directives);
          expect(own(level, name)).toBe(level.directives.filter((d) => d.directive === name).at(-1));
          expect(nearest(level, name)).toBe(scan(level, [name])?.directives.at(-1));
        }
        expect(inherited(level, 'allow', 'deny')).toEqual(scan(level, ['allow', 'deny']));
        expect(inherited(level, 'root', 'alias')).toEqual(scan(level, ['root', 'alias']));
        expect(handlersIn(level)).toEqual(level.directives.filter((d) => d.directive in PASS_MODULES || GET_ONLY_HANDLERS.has(d.directive)));
      }
    }
    expect(levelsSeen).toBeGreaterThan(3000);
  }, 30_000);

  it('Apache: applyingTo for every node', () => {
    let asked = 0;
    for (const path of nodeHost.listTree(APACHE_FILES)) {
      const nodes = [...apacheNodes(parseApache(join(APACHE_FILES, path), { comments: true, singleFile: true }))];
      for (const at of nodes) {
        const scopes = at.parents.filter((p) => p === scopeOf([p]));
        const want = nodes.filter((n) => {
          if (at.htaccess && n.file === at.file) return true;
          const s = scopeOf(n.parents);
          return s === undefined ? n.file === at.file || !n.htaccess : scopes.includes(s);
        });
        expect(applyingTo(nodes, at)).toEqual(want);
        asked++;
      }
    }
    expect(asked).toBeGreaterThan(6000);
  }, 60_000);
});
