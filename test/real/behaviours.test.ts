// Every behaviour in ../shared/docs/nginx-methods.md, as (config, request,
// what nginx answers): each case checks the real nginx against the doc, and
// the simulator against the real nginx.
import { expect, it } from 'vitest';
import { checkConfig, describeProblem, expectationProblems, type Expect } from '../helpers/agree.js';
import { describeReal, type RealRequest, type RealSite } from '../helpers/real-nginx.js';

interface Fact {
  name: string;
  /** The server block's inside; `listen` and `server_name` are added. */
  server: (s: RealSite) => string;
  /** Extra http-level lines. */
  http?: (s: RealSite) => string;
  files?: Record<string, string | null>;
  cases: Array<[RealRequest | string, Expect]>;
}

const B = (s: RealSite): string => `http://127.0.0.1:${s.backend}`;

const FACTS: Fact[] = [
  {
    name: '1. static files, per method (root)',
    server: (s) => `root ${s.root};`,
    files: { 'a.txt': 'a', 'dir/': null, 'withindex/index.html': 'i' },
    cases: [
      ['GET /a.txt', 200],
      ['HEAD /a.txt', 200],
      ['POST /a.txt', 405],
      ['POST /missing', 404],
      ['POST /dir', { status: 301, location: 'http://localhost:PORT/dir/' }],
      ['POST /withindex/', 405],
      ['POST /dir/', 403],
      ['GET /dir/', 403],
      ['PUT /a.txt', 405],
      ['PUT /missing', 405],
      ['DELETE /', 405],
      ['PATCH /dir/', 405],
      ['OPTIONS /missing', 405],
      ['PROPFIND /a.txt', 405],
      ['MKCOL /nodir/', 405],
      ['FOO /a.txt', 405],
      ['M-SEARCH /a.txt', 405],
    ],
  },
  {
    name: '1. static files: alias, autoindex',
    server: (s) => `root ${s.root};\nlocation /files/ { alias ${s.root}/store/; }\nlocation /list/ { autoindex on; }`,
    files: { 'store/b.txt': 'b', 'list/x.txt': 'x' },
    cases: [
      ['GET /files/b.txt', 200],
      ['POST /files/b.txt', 405],
      ['PUT /files/none', 405],
      ['POST /files/none', 404],
      ['GET /list/', 200],
      ['POST /list/', 403],
      ['PUT /list/', 405],
    ],
  },
  {
    name: '2. Allow only through add_header, and only with always on errors',
    server: (s) => `root ${s.root};
add_header Allow "GET, HEAD, POST" always;
location /plain/ { add_header Allow "GET, HEAD"; }
location /always/ { add_header Allow "GET, HEAD" always; }
location /other/ { add_header X-Other 1 always; }
location /err/ { add_header Allow "GET" always; error_page 405 /e405.html; }
location /ret/ { return 405; }`,
    files: { 'plain/a.txt': 'a', 'always/a.txt': 'a', 'e405.html': 'e', 'err/a.txt': 'a' },
    cases: [
      ['GET /plain/a.txt', { status: 200, allow: 'GET, HEAD' }],
      ['PUT /plain/a.txt', { status: 405, allow: null }],
      ['PUT /always/a.txt', { status: 405, allow: 'GET, HEAD' }],
      ['PUT /other/a.txt', { status: 405, allow: null }],
      ['PUT /top.txt', { status: 405, allow: 'GET, HEAD, POST' }],
      ['PUT /err/a.txt', { status: 405, allow: 'GET, HEAD, POST' }],
      ['GET /ret/', { status: 405, allow: 'GET, HEAD, POST' }],
    ],
  },
  {
    name: '3-4. limit_except: denial is 403 or 401, GET brings HEAD, unknown methods are limited',
    server: (s) => `root ${s.root};
location /api/ { limit_except GET { deny all; } proxy_pass ${B(s)}; }
location /head/ { limit_except HEAD { deny all; } proxy_pass ${B(s)}; }
location /auth/ { limit_except GET { auth_basic "x"; auth_basic_user_file ${s.root}/htpasswd; } proxy_pass ${B(s)}; }
location /noauthfile/ { limit_except GET { auth_basic "x"; } proxy_pass ${B(s)}; }`,
    files: { htpasswd: 'u:x' },
    cases: [
      ['GET /api/x', 'upstream'],
      ['HEAD /api/x', 'upstream'],
      ['POST /api/x', 403],
      ['DELETE /api/x', 403],
      ['FOO /api/x', 403],
      ['HEAD /head/x', 'upstream'],
      ['GET /head/x', 403],
      ['POST /auth/x', 401],
      ['GET /auth/x', 'upstream'],
      ['POST /noauthfile/x', 'upstream'],
    ],
  },
  {
    name: '4. limit_except: allow-only and empty blocks do nothing; nested locations are not covered',
    server: (s) => `root ${s.root};
location /allowonly/ { limit_except GET { allow 127.0.0.1; } proxy_pass ${B(s)}; }
location /empty/ { limit_except GET { } proxy_pass ${B(s)}; }
location /a/ { limit_except GET { deny all; } proxy_pass ${B(s)}; location /a/b/ { proxy_pass ${B(s)}; } }`,
    cases: [
      ['POST /allowonly/x', 'upstream'],
      ['POST /empty/x', 'upstream'],
      ['POST /a/x', 403],
      ['POST /a/b/x', 'upstream'],
      ['DELETE /a/b/x', 'upstream'],
    ],
  },
  {
    name: '4. limit_except replaces the rewrite phase for the limited methods',
    server: (s) => `root ${s.root};
if ($request_method = DELETE) { return 418; }
location /r1/ { limit_except GET { deny all; } return 200 "r1"; }
location /r2/ { limit_except GET { allow all; } return 200 "r2"; }
location /cors/ { limit_except GET POST { deny all; } if ($request_method = OPTIONS) { return 204; } proxy_pass ${B(s)}; }
location /cors2/ { limit_except GET POST OPTIONS { deny all; } if ($request_method = OPTIONS) { return 204; } proxy_pass ${B(s)}; }
location /lp/ { limit_except GET { proxy_pass ${B(s)}; } }
location /big/ { client_max_body_size 10; limit_except GET { deny all; } proxy_pass ${B(s)}; }`,
    files: { 'lp/a.txt': 'a' },
    cases: [
      ['GET /r1/', 200],
      ['POST /r1/', 403],
      ['POST /r2/x', 404],
      ['PUT /r2/x', 405],
      ['OPTIONS /cors/x', 403],
      ['POST /cors/x', 'upstream'],
      ['OPTIONS /cors2/x', 204],
      ['DELETE /r1/', 418],
      ['GET /lp/a.txt', 200],
      ['POST /lp/a.txt', 'upstream'],
      [{ method: 'POST', target: '/big/x', body: 'x'.repeat(100) }, 413],
      [{ method: 'POST', target: '/big/x', body: 'x'.repeat(5) }, 403],
    ],
  },
  {
    name: '5. return runs before access and content, for any method',
    server: (s) => `root ${s.root};
location /ret/ { return 405; proxy_pass ${B(s)}; }
location /after-if/ { if ($request_method = POST) { set $x 1; } return 200 "ok"; }
location /close/ { return 444; }
location /text/ { error_page 405 /e.html; return 405 "no"; }
location /code/ { error_page 405 /e.html; return 405; }`,
    files: { 'e.html': 'e' },
    cases: [
      ['GET /ret/', 405],
      ['POST /ret/', 405],
      ['POST /after-if/', 200],
      ['GET /close/', null],
      ['GET /text/', 405],
      ['GET /code/', 405],
      ['PUT /code/', 405],
    ],
  },
  {
    name: '6. TRACE and CONNECT get 405 before any location; the request line wants [A-Z_-]+',
    server: (s) => `root ${s.root};
error_page 405 /e405.html;
location /p/ { proxy_pass ${B(s)}; }
location /r/ { return 200; }`,
    files: { 'e405.html': 'e' },
    cases: [
      ['TRACE /p/x', 405],
      ['TRACE /r/', 405],
      ['CONNECT /p/x', 405],
      ['get /p/x', 400],
      ['Get /p/x', 400],
      ['GET1 /p/x', 400],
      ['GET.X /p/x', 400],
      ['OPTIONS *', 400],
      ['CONNECT example.com:443', 400],
      ['FOO /p/x', { status: 'upstream', method: 'FOO' }],
      ['M-SEARCH /p/x', { status: 'upstream', method: 'M-SEARCH' }],
      ['_X-Y_ /p/x', { status: 'upstream', method: '_X-Y_' }],
      ['FOO /r/', 200],
    ],
  },
  {
    name: '7. the trailing-slash auto-redirect: 301 for every method, before regexes',
    server: (s) => `root ${s.root};
location /api/ { proxy_pass ${B(s)}; }
location ~ ^/api8$ { return 200 "regex"; }
location /api8/ { proxy_pass ${B(s)}; }
location = /api9 { return 200 "exact"; }
location /api9/ { proxy_pass ${B(s)}; }
location ^~ /api10/ { proxy_pass ${B(s)}; }
location = /api11/ { proxy_pass ${B(s)}; }
location /static/ { }
location /fcgi/ { fastcgi_pass 127.0.0.1:${s.dead}; }`,
    cases: [
      ['POST /api', { status: 301, location: 'http://localhost:PORT/api/' }],
      ['PUT /api', 301],
      ['DELETE /api', 301],
      ['OPTIONS /api', 301],
      ['GET /api?a=1', { status: 301, location: 'http://localhost:PORT/api/?a=1' }],
      ['POST /api/', 'upstream'],
      ['GET /api8', 301],
      ['GET /api9', 200],
      ['POST /api10', 301],
      ['POST /api11', 301],
      ['POST /static', 404],
      ['POST /fcgi', 301],
    ],
  },
  {
    name: '8. proxy_pass path mapping',
    server: (s) => `root ${s.root};
location /api1/ { proxy_pass ${B(s)}; }
location /api2/ { proxy_pass ${B(s)}/; }
location /api5/ { proxy_pass ${B(s)}/v1/; }
location /api6/ { proxy_pass ${B(s)}/v1; }
location /api4 { proxy_pass ${B(s)}/; }
location /api3 { proxy_pass ${B(s)}; }`,
    cases: [
      ['GET /api1/users?x=1', { status: 'upstream', path: '/api1/users?x=1' }],
      ['GET /api1//a/../users', { status: 'upstream', path: '/api1//a/../users' }],
      ['POST /api2/users', { status: 'upstream', path: '/users', method: 'POST' }],
      ['GET /api5/users', { status: 'upstream', path: '/v1/users' }],
      ['GET /api6/users', { status: 'upstream', path: '/v1users' }],
      ['GET /api4/users', { status: 'upstream', path: '//users' }],
      ['GET /api3x/y', { status: 'upstream', path: '/api3x/y' }],
    ],
  },
  {
    name: '9. location precedence decides static or proxy',
    server: (s) => `root ${s.root};
location /api/ { proxy_pass ${B(s)}; }
location ~* \\.(json|xml)$ { }
location ^~ /p/ { proxy_pass ${B(s)}; }
location /p/q/ { proxy_pass ${B(s)}; }
location ~ \\.data$ { return 418; }
location = /e { return 201; }
location ~ ^/e { return 202; }
location /n/ { location ~ \\.txt$ { return 203; } proxy_pass ${B(s)}; }
location ~ \\.txt$ { return 204; }
location ~ \\.txt { return 205; }`,
    files: { 'api/data.json': '{}' },
    cases: [
      ['POST /api/data.json', 405],
      ['GET /api/data.json', 200],
      ['POST /api/other.json', 404],
      ['PUT /api/other.json', 405],
      ['GET /api/users', 'upstream'],
      ['GET /p/x.data', 'upstream'],
      ['GET /p/q/x.data', 418],
      ['GET /e', 201],
      ['GET /ex', 202],
      ['GET /n/a.txt', 203],
      ['GET /o.txt', 204],
    ],
  },
  {
    name: '10. SPA fallbacks',
    server: (s) => `root ${s.root};
location / { try_files $uri $uri/ /index.html; }
location /strict/ { try_files $uri =404; }
location /ep/ { error_page 404 =200 /index.html; }
location /named/ { try_files $uri @backend; }
location @backend { proxy_pass ${B(s)}; }
location /api/ { proxy_pass ${B(s)}; }`,
    files: { 'index.html': 'spa', 'app.js': 'js' },
    cases: [
      ['GET /route', 200],
      ['HEAD /route', 200],
      ['POST /route', 405],
      ['PUT /route', 405],
      ['DELETE /route', 405],
      ['PATCH /route', 405],
      ['OPTIONS /route', 405],
      ['GET /app.js', 200],
      ['POST /app.js', 405],
      ['PUT /strict/x', 404],
      ['POST /strict/x', 404],
      ['POST /ep/missing', 200],
      ['PUT /ep/missing', 405],
      [{ method: 'POST', target: '/named/x', body: 'hello' }, { status: 'upstream', method: 'POST', path: '/named/x' }],
      ['POST /api/login', 'upstream'],
      ['POST /api', 301],
    ],
  },
  {
    name: '11. error_page rescues of static 405s',
    server: (s) => `root ${s.root};
location /uri/ { error_page 405 =200 $uri; }
location /named/ { error_page 405 = @backend; }
location /tourl/ { error_page 405 = /proxied/x; }
location /proxied/ { proxy_pass ${B(s)}; }
location /custom/ { error_page 405 /custom.html; }
location /nopage/ { error_page 405 /nothere.html; }
location /abs/ { error_page 405 http://example.com/sorry; }
location /abs301/ { error_page 405 =301 http://example.com/sorry; }
location @backend { proxy_pass ${B(s)}; }
location /deniedpass/ { deny all; error_page 403 @static; proxy_pass ${B(s)}; }
location @static { }`,
    files: { 'uri/a.txt': 'a', 'named/a.txt': 'a', 'custom.html': 'c', 'custom/a.txt': 'a', 'tourl/a.txt': 'a', 'deniedpass/a.txt': 'a' },
    cases: [
      ['PUT /uri/a.txt', 200],
      ['POST /uri/a.txt', 200],
      ['DELETE /uri/a.txt', 200],
      ['PUT /uri/missing', 404],
      [{ method: 'PUT', target: '/named/a.txt', body: 'x'.repeat(64) }, { status: 'upstream', method: 'PUT', path: '/named/a.txt' }],
      [{ method: 'PUT', target: '/tourl/a.txt', body: 'abc' }, { status: 'upstream', method: 'GET', path: '/proxied/x' }],
      ['PUT /custom/a.txt', { status: 405, allow: null }],
      ['PUT /nopage/a.txt', 404],
      ['PUT /abs/a.txt', { status: 302, location: 'http://example.com/sorry' }],
      ['PUT /abs301/a.txt', { status: 301, location: 'http://example.com/sorry' }],
      // A proxied location's own error page, in a named location, keeps PUT for the static module.
      ['PUT /deniedpass/a.txt', 405],
      ['GET /deniedpass/a.txt', 403],
    ],
  },
  {
    name: '12. WebDAV',
    server: (s) => `root ${s.root};
location /dav/ { dav_methods PUT DELETE MKCOL COPY MOVE; }
location /davp/ { dav_methods PUT; proxy_pass ${B(s)}; }
location /davl/ { limit_except GET { deny all; } dav_methods PUT; }`,
    files: { 'dav/f.txt': 'f', 'dav/g.txt': 'g', 'dav/sub/': null },
    cases: [
      [{ method: 'PUT', target: '/dav/new.txt', body: 'n' }, 201],
      [{ method: 'PUT', target: '/dav/f.txt', body: 'n' }, 204],
      [{ method: 'PUT', target: '/dav/', body: 'n' }, 409],
      [{ method: 'PUT', target: '/dav/nodir/x.txt', body: 'n' }, 500],
      ['DELETE /dav/g.txt', 204],
      ['DELETE /dav/missing', 404],
      ['DELETE /dav/sub', 409],
      ['MKCOL /dav/c/', 201],
      ['MKCOL /dav/c/', 405],
      ['MKCOL /dav/d', 409],
      ['COPY /dav/f.txt', 400],
      [{ method: 'COPY', target: '/dav/f.txt', headers: { Destination: 'http://localhost/dav/copy.txt' } }, 204],
      ['POST /dav/f.txt', 405],
      ['PATCH /dav/f.txt', 405],
      ['OPTIONS /dav/f.txt', 405],
      ['PROPFIND /dav/f.txt', 405],
      [{ method: 'PUT', target: '/davp/x', body: 'n' }, 'upstream'],
      [{ method: 'PUT', target: '/davl/x', body: 'n' }, 403],
    ],
  },
  {
    name: '13. handlers that 405 everything but GET and HEAD',
    server: (s) => `root ${s.root};
location = /gif { empty_gif; }
location = /status { stub_status; }
location /mc/ { set $memcached_key $uri; memcached_pass 127.0.0.1:${s.dead}; }`,
    cases: [
      ['GET /gif', 200],
      ['POST /gif', 405],
      ['GET /status', 200],
      ['PUT /status', 405],
      ['POST /mc/k', 405],
      ['GET /mc/k', 'upstream'],
    ],
  },
  {
    name: '14. dead upstreams give 502; a backend 405 comes with its own Allow',
    server: (s) => `root ${s.root};
location /dead/ { limit_except GET { deny all; } proxy_pass http://127.0.0.1:${s.dead}; }
location /uw/ { uwsgi_pass 127.0.0.1:${s.dead}; }
location /sc/ { scgi_pass 127.0.0.1:${s.dead}; }
location /live/ { proxy_pass ${B(s)}; }`,
    cases: [
      ['GET /dead/x', 'upstream'],
      ['POST /dead/x', 403],
      ['DELETE /uw/x', 'upstream'],
      ['PATCH /sc/x', 'upstream'],
      [{ method: 'DELETE', target: '/live/x', headers: { 'X-Echo-Status': '405', 'X-Echo-Allow': 'GET, HEAD' } }, 'upstream'],
    ],
  },
  {
    name: '15. proxy_method, internal, deny, the index module in front controllers, rewrite last',
    server: (s) => `root ${s.root};
location /pm/ { proxy_method POST; proxy_pass ${B(s)}; }
location /int/ { internal; }
location /denied/ { deny all; proxy_pass ${B(s)}; }
location / { index index.php; try_files $uri $uri/ /index.php?$query_string; }
location ~ \\.php$ { proxy_pass ${B(s)}; }
location /old/ { rewrite ^/old/(.*)$ /new/$1 last; }
location /new/ { proxy_pass ${B(s)}; }`,
    files: { 'index.php': '<?php' },
    cases: [
      ['GET /pm/x', { status: 'upstream', method: 'POST' }],
      ['PUT /pm/x', { status: 'upstream', method: 'POST' }],
      ['GET /int/x', 404],
      ['POST /int/x', 404],
      ['GET /denied/x', 403],
      ['DELETE /denied/x', 403],
      ['PUT /', 405],
      ['DELETE /', 405],
      ['PUT /x', { status: 'upstream', method: 'PUT', path: '/index.php' }],
      ['GET /', { status: 'upstream', method: 'GET', path: '/index.php' }],
      [{ method: 'POST', target: '/old/a', body: 'b' }, { status: 'upstream', method: 'POST', path: '/new/a' }],
    ],
  },
];

function request(r: RealRequest | string): RealRequest {
  if (typeof r !== 'string') return r;
  const space = r.indexOf(' ');
  return { method: r.slice(0, space), target: r.slice(space + 1) };
}

describeReal('the simulator agrees with nginx on every behaviour in nginx-methods.md', () => {
  for (const fact of FACTS) {
    it(fact.name, async () => {
      const requests = fact.cases.map(([r]) => request(r));
      const checked = await checkConfig(
        (s) => `${fact.http?.(s) ?? ''}\nserver {\nlisten 127.0.0.1:${s.port};\nserver_name localhost;\n${fact.server(s)}\n}\n`,
        fact.files ?? {},
        requests,
      );
      const problems: string[] = [];
      checked.forEach((c, i) => {
        problems.push(...expectationProblems(c, fact.cases[i]![1]));
        if (c.outcome.cannotTell) problems.push(`${c.request.method} ${c.request.target}: the simulator cannot tell (${c.outcome.branches.flatMap((b) => b.assumptions).join('; ')})`);
        else if (c.problem) problems.push(describeProblem(c));
      });
      expect(problems).toEqual([]);
    });
  }
});
