// Every row of apache-methods.md §3.1 as a fact: a config, its files and its
// requests with what Apache answers (status, Allow as a set, Location). Each
// fact checks the real Apache against the doc, and the simulator against the
// real Apache (`problem`, vacuous while the simulator cannot tell).
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ECHO_CGI, SITE_FILES, allowSet, checkApacheRequests, describeApacheProblem, siteHead, type ApacheChecked } from '../helpers/apache-agree.js';
import { describeApache, startApache, type ApacheFiles, type ApacheRequest, type ApacheSite } from '../helpers/real-apache.js';

/** What the doc says Apache answers. */
interface Want {
  status: number;
  /** As a set; null: no Allow header; []: an empty `Allow:`. */
  allow: readonly string[] | null;
  /** How many Allow headers (checked only when given). */
  allowHeaders?: number;
  /** Exact; `PORT` stands for the site's port. Unless given: no Location. */
  location?: string;
  /** The method the CGI saw (its X-Cgi-Method); unless given: no CGI answered. */
  cgi?: string;
  /** Response headers (lower-case name → value, null: absent). */
  headers?: Record<string, string | null>;
  body?: RegExp;
  /** Some error.log line written for this request matches. */
  log?: RegExp;
}

interface Case {
  request: ApacheRequest;
  want: Want;
}

interface Fact {
  /** The row's letter in §3.1. */
  row: string;
  gist: string;
  /** What goes after siteHead(site). */
  config: (s: ApacheSite) => string;
  /** Added to SITE_FILES. */
  files?: ApacheFiles;
  /** Runs after the files are written and Apache is up, before the requests. */
  prepare?: (s: ApacheSite) => void;
  cases: Case[];
}

const DEFAULT = ['GET', 'HEAD', 'POST', 'OPTIONS', 'TRACE'];
const TRACE_ONLY = ['TRACE'];

// The doc's requests sent a body with POST, PUT and PATCH (curl --data).
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** `METHOD /target` with the status and Allow the doc gives, plus anything else to check. */
function c(line: string, status: number, allow: readonly string[] | null, more: Omit<Want, 'status' | 'allow'> & { headersIn?: Record<string, string> } = {}): Case {
  const space = line.indexOf(' ');
  const method = line.slice(0, space);
  const request: ApacheRequest = { method, target: line.slice(space + 1) };
  if (WITH_BODY.has(method)) request.body = 'x=1';
  const { headersIn, ...rest } = more;
  if (headersIn) request.headers = headersIn;
  return { request, want: { status, allow, ...rest } };
}

/** The same answer for several methods on one target. */
function each(methods: string[], target: string, status: number, allow: readonly string[] | null, more: Parameters<typeof c>[3] = {}): Case[] {
  return methods.map((m) => c(`${m} ${target}`, status, allow, more));
}

const inRoot = (s: ApacheSite, body: string): string => `<Directory "${s.root}">\n${body}\n</Directory>\n`;
const inDir = (s: ApacheSite, body: string): string => `<Directory "${s.root}/dir">\n${body}\n</Directory>\n`;
/** The docroot reads its .htaccess with this AllowOverride. */
const override = (s: ApacheSite, classes = 'All'): string => inRoot(s, `AllowOverride ${classes}`);
const htaccess = (text: string): ApacheFiles => ({ 'htdocs/.htaccess': `${text}\n` });

const PUT_RULE = 'RewriteEngine On\nRewriteCond %{REQUEST_METHOD} ^PUT$\nRewriteRule ^ - [R=405,L]';

// Front controllers: index.php is a CGI (the echo CGI), run through AddHandler in the docroot.
const PHP_AS_CGI = (s: ApacheSite): string => inRoot(s, 'AllowOverride All\nAddHandler cgi-script .php\nOptions +ExecCGI');

const DAV_METHODS = ['OPTIONS', 'GET', 'HEAD', 'POST', 'DELETE', 'TRACE', 'PROPFIND', 'PROPPATCH', 'COPY', 'MOVE', 'PUT', 'LOCK', 'UNLOCK'];
const DAV_HEADER = '1,2, <http://apache.org/dav/propset/fs/1>';

const WORDPRESS = `# BEGIN WordPress
RewriteEngine On
RewriteBase /
RewriteRule ^index\\.php$ - [L]
RewriteCond %{REQUEST_FILENAME} !-f
RewriteCond %{REQUEST_FILENAME} !-d
RewriteRule . /index.php [L]
# END WordPress`;

const LARAVEL = `<IfModule mod_rewrite.c>
    <IfModule mod_negotiation.c>
        Options -MultiViews -Indexes
    </IfModule>

    RewriteEngine On

    # Handle Authorization Header
    RewriteCond %{HTTP:Authorization} .
    RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]

    # Redirect Trailing Slashes If Not A Folder...
    RewriteCond %{REQUEST_FILENAME} !-d
    RewriteCond %{REQUEST_URI} (.+)/$
    RewriteRule ^ %1 [L,R=301]

    # Send Requests To Front Controller...
    RewriteCond %{REQUEST_FILENAME} !-d
    RewriteCond %{REQUEST_FILENAME} !-f
    RewriteRule ^ index.php [L]
</IfModule>`;

const FACTS: Fact[] = [
  {
    row: 'a',
    gist: 'static docroot: GET/HEAD/POST serve, other registered methods 405, unregistered 501',
    config: () => '',
    cases: [
      c('GET /file.txt', 200, null, { body: /^hello\n$/ }),
      c('HEAD /file.txt', 200, null),
      c('GET /', 200, null, { body: /index/ }),
      c('POST /file.txt', 200, null, { body: /^hello\n$/ }),
      ...each(['PUT', 'DELETE', 'PATCH', 'PROPFIND'], '/file.txt', 405, DEFAULT),
      c('PUT /new.txt', 405, DEFAULT),
      // The doc's AH00128/AH00129 lines are logged at level info; these servers log warn and up.
      c('POST /nope.txt', 404, null),
      c('FOO /file.txt', 501, DEFAULT),
      c('get /file.txt', 501, DEFAULT),
      c('OPTIONS /file.txt', 200, DEFAULT, { headers: { 'content-length': '0' } }),
      c('OPTIONS /dir/', 200, DEFAULT, { headers: { 'content-length': '0' } }),
      c('OPTIONS *', 200, null),
      c('POST /', 200, null, { body: /index/ }),
      c('POST /dir/', 404, null),
      c('PUT /dir/', 405, DEFAULT),
      c('TRACE /file.txt', 200, null, { headers: { 'content-type': 'message/http' } }),
    ],
  },
  {
    row: "a'",
    gist: 'RegisterHttpMethod FOO turns its 501 into 405, BAR stays 501',
    config: () => 'RegisterHttpMethod FOO\n',
    cases: [c('FOO /file.txt', 405, DEFAULT), c('BAR /file.txt', 501, DEFAULT), c('GET /file.txt', 200, null)],
  },
  {
    row: 'b',
    gist: 'Require all granted beside <LimitExcept GET POST> Require all denied: the LimitExcept is dead',
    config: (s) => inRoot(s, 'Require all granted\n<LimitExcept GET POST>\n    Require all denied\n</LimitExcept>'),
    cases: [
      ...each(['PUT', 'DELETE'], '/file.txt', 405, DEFAULT),
      c('OPTIONS /file.txt', 200, DEFAULT),
      c('TRACE /file.txt', 200, null),
      c('GET /file.txt', 200, null),
      c('POST /file.txt', 200, null),
    ],
  },
  {
    row: 'b2',
    gist: '<LimitExcept GET POST> Require all denied alone: 403 for the others, OPTIONS included',
    config: (s) => inRoot(s, '<LimitExcept GET POST>\n    Require all denied\n</LimitExcept>'),
    cases: [
      c('PUT /file.txt', 403, null, { log: /AH01630/ }),
      c('OPTIONS /file.txt', 403, null),
      c('DELETE /file.txt', 403, null),
      c('GET /file.txt', 200, null),
      c('POST /file.txt', 200, null),
    ],
  },
  {
    row: 'b3',
    gist: 'b2 in .htaccess (AllowOverride All): 403',
    config: (s) => override(s),
    files: htaccess('<LimitExcept GET POST>\n    Require all denied\n</LimitExcept>'),
    cases: [...each(['PUT', 'DELETE', 'OPTIONS'], '/file.txt', 403, null), c('GET /file.txt', 200, null), c('POST /file.txt', 200, null)],
  },
  {
    row: 'b4',
    gist: '<LimitExcept GET> Require valid-user with AuthType Basic: 401 for POST and PUT',
    config: (s) => inRoot(s, `AuthType Basic\nAuthName "site"\nAuthUserFile "${s.dir}/htpasswd"\n<LimitExcept GET>\n    Require valid-user\n</LimitExcept>`),
    files: { htpasswd: 'user:$apr1$Hx4YhXvd$PUbIYD1Fey4kBVhGDfeqN0\n' },
    cases: [
      c('POST /file.txt', 401, null, { headers: { 'www-authenticate': 'Basic realm="site"' } }),
      c('PUT /file.txt', 401, null, { headers: { 'www-authenticate': 'Basic realm="site"' } }),
      c('GET /file.txt', 200, null),
    ],
  },
  {
    row: 'c',
    gist: 'Require all granted beside <Limit POST PUT DELETE> Require all denied: the Limit is dead',
    config: (s) => inRoot(s, 'Require all granted\n<Limit POST PUT DELETE>\n    Require all denied\n</Limit>'),
    cases: [c('POST /file.txt', 200, null), ...each(['PUT', 'DELETE', 'PATCH'], '/file.txt', 405, DEFAULT)],
  },
  {
    row: 'c2',
    gist: '<Limit POST PUT DELETE> Require all denied alone: 403 for those, PATCH still 405',
    config: (s) => inRoot(s, '<Limit POST PUT DELETE>\n    Require all denied\n</Limit>'),
    cases: [
      ...each(['POST', 'PUT', 'DELETE'], '/file.txt', 403, null),
      c('PATCH /file.txt', 405, DEFAULT),
      c('GET /file.txt', 200, null),
    ],
  },
  {
    row: 'c3',
    gist: '.htaccess <Limit POST PUT> Order deny,allow / Deny from all: 403',
    config: (s) => override(s),
    files: htaccess('<Limit POST PUT>\n    Order deny,allow\n    Deny from all\n</Limit>'),
    cases: [c('POST /file.txt', 403, null, { log: /AH01797/ }), c('PUT /file.txt', 403, null), c('GET /file.txt', 200, null)],
  },
  {
    row: 'c4',
    gist: 'a Header inside <Limit POST> applies to GET too',
    config: (s) => inRoot(s, '<Limit POST>\n    Header always set X-In-Limit yes\n</Limit>'),
    cases: [c('GET /file.txt', 200, null, { headers: { 'x-in-limit': 'yes' } }), c('POST /file.txt', 200, null, { headers: { 'x-in-limit': 'yes' } })],
  },
  {
    row: 'c5',
    gist: '<Limit post put> in server config registers new lower-case methods and limits nothing real',
    config: (s) => inRoot(s, '<Limit post put>\n    Require all denied\n</Limit>'),
    cases: [c('POST /file.txt', 200, null), c('GET /file.txt', 200, null), c('PUT /file.txt', 405, DEFAULT)],
  },
  {
    row: 's',
    gist: '<LimitExcept get post> in server config denies the real GET and POST',
    config: (s) => inRoot(s, '<LimitExcept get post>\n    Require all denied\n</LimitExcept>'),
    cases: each(['GET', 'POST', 'OPTIONS', 'HEAD'], '/file.txt', 403, null),
  },
  {
    row: 'c6',
    gist: '<Limit post> in .htaccess: 500 for every request',
    config: (s) => override(s),
    files: htaccess('<Limit post>\n    Require all denied\n</Limit>'),
    cases: [
      c('GET /file.txt', 500, null, { log: /Could not register method 'post' for <Limit from \.htaccess configuration/ }),
      c('GET /', 500, null),
      c('GET /dir/a.txt', 500, null),
      c('POST /file.txt', 500, null),
    ],
  },
  {
    row: 'p',
    gist: '<Limit GET> Require all denied also covers HEAD',
    config: (s) => inRoot(s, '<Limit GET>\n    Require all denied\n</Limit>'),
    cases: [c('GET /file.txt', 403, null), c('HEAD /file.txt', 403, null), c('POST /file.txt', 200, null)],
  },
  {
    row: 't',
    gist: '<LimitExcept HEAD> Require all denied also excepts GET',
    config: (s) => inRoot(s, '<LimitExcept HEAD>\n    Require all denied\n</LimitExcept>'),
    cases: [c('GET /file.txt', 200, null), c('HEAD /file.txt', 200, null), c('POST /file.txt', 403, null), c('PUT /file.txt', 403, null)],
  },
  {
    row: 'u',
    gist: 'the Debian userdir pattern (<Limit> granted + <LimitExcept> denied) does restrict',
    config: (s) => inRoot(s, '<Limit GET POST OPTIONS>\n    Require all granted\n</Limit>\n<LimitExcept GET POST OPTIONS>\n    Require all denied\n</LimitExcept>'),
    cases: [
      ...each(['PUT', 'DELETE', 'PROPFIND'], '/file.txt', 403, null),
      c('GET /file.txt', 200, null),
      c('POST /file.txt', 200, null),
      c('OPTIONS /file.txt', 200, DEFAULT),
    ],
  },
  {
    row: 'n',
    gist: '.htaccess Require all granted beside <LimitExcept GET> Require all denied: dead LimitExcept',
    config: (s) => override(s),
    files: htaccess('Require all granted\n<LimitExcept GET>\n    Require all denied\n</LimitExcept>'),
    cases: [c('PUT /file.txt', 405, DEFAULT), c('POST /file.txt', 200, null), c('DELETE /file.txt', 405, DEFAULT)],
  },
  {
    row: 'n2',
    gist: '.htaccess <RequireAll> granted + method GET HEAD: AND works, POST 403',
    config: (s) => override(s),
    files: htaccess('<RequireAll>\n    Require all granted\n    Require method GET HEAD\n</RequireAll>'),
    cases: [c('POST /file.txt', 403, null), c('GET /file.txt', 200, null), c('HEAD /file.txt', 200, null)],
  },
  {
    row: 'c7',
    gist: 'Require method GET POST OPTIONS: PUT 403, OPTIONS 200',
    config: (s) => inRoot(s, 'Require method GET POST OPTIONS'),
    cases: [c('PUT /file.txt', 403, null), c('OPTIONS /file.txt', 200, DEFAULT), c('GET /file.txt', 200, null)],
  },
  {
    row: 'c8',
    gist: '.htaccess <If REQUEST_METHOD in PUT,DELETE> Require all denied: 403',
    config: (s) => override(s),
    files: htaccess(`<If "%{REQUEST_METHOD} in {'PUT','DELETE'}">\n    Require all denied\n</If>`),
    cases: [c('PUT /file.txt', 403, null), c('DELETE /file.txt', 403, null), c('GET /file.txt', 200, null)],
  },
  {
    row: 'd',
    gist: 'AllowMethods GET POST: 405 with Allow: TRACE, even for OPTIONS and FOO; TRACE passes',
    config: (s) => inRoot(s, 'AllowMethods GET POST'),
    cases: [
      c('PUT /file.txt', 405, TRACE_ONLY, { log: /AH01623/ }),
      ...each(['DELETE', 'OPTIONS', 'FOO'], '/file.txt', 405, TRACE_ONLY),
      c('TRACE /file.txt', 200, null),
      c('POST /file.txt', 200, null),
      c('GET /file.txt', 200, null),
    ],
  },
  {
    row: 'd2',
    gist: '<Location /dir> AllowMethods GET POST OPTIONS: 405 Allow TRACE inside, the normal 405 outside',
    config: () => '<Location /dir>\n    AllowMethods GET POST OPTIONS\n</Location>\n',
    cases: [c('PUT /dir/a.txt', 405, TRACE_ONLY), c('OPTIONS /dir/a.txt', 200, DEFAULT), c('PUT /file.txt', 405, DEFAULT)],
  },
  {
    row: 'd3',
    gist: 'AllowMethods in .htaccess: 500',
    config: (s) => override(s),
    files: htaccess('AllowMethods GET POST'),
    cases: [c('GET /file.txt', 500, null, { log: /AllowMethods not allowed here/ }), c('GET /', 500, null), c('GET /dir/a.txt', 500, null)],
  },
  {
    row: 'd4',
    gist: 'AllowMethods reset in a subdirectory undoes the parent AllowMethods',
    config: (s) => inRoot(s, 'AllowMethods GET') + inDir(s, 'AllowMethods reset'),
    cases: [c('PUT /dir/a.txt', 405, DEFAULT), c('POST /dir/a.txt', 200, null), c('PUT /file.txt', 405, TRACE_ONLY), c('POST /file.txt', 405, TRACE_ONLY)],
  },
  {
    row: 'e',
    gist: '.htaccess RewriteRule [R=405] for PUT: 405 with Allow: TRACE',
    config: (s) => override(s),
    files: htaccess(PUT_RULE),
    cases: [c('PUT /file.txt', 405, TRACE_ONLY), c('GET /file.txt', 200, null), c('DELETE /file.txt', 405, DEFAULT)],
  },
  {
    row: 'e2',
    gist: 'RewriteRule in <VirtualHost>: R=405 / F / G per method',
    config: (s) => `<VirtualHost 127.0.0.1:${s.port}>
    ServerName localhost
    ${PUT_RULE.replaceAll('\n', '\n    ')}
    RewriteCond %{REQUEST_METHOD} =DELETE
    RewriteRule ^ - [F]
    RewriteCond %{REQUEST_METHOD} ^(PATCH)$ [NC]
    RewriteRule ^ - [G]
</VirtualHost>
`,
    cases: [
      c('PUT /file.txt', 405, TRACE_ONLY),
      c('DELETE /file.txt', 403, null),
      c('PATCH /file.txt', 410, null),
      c('OPTIONS /file.txt', 200, DEFAULT),
      c('GET /file.txt', 200, null),
    ],
  },
  {
    row: 'e3',
    gist: '.htaccess hardening !^(GET|HEAD|POST)$ → R=405 also blocks OPTIONS',
    config: (s) => override(s),
    files: htaccess('RewriteEngine On\nRewriteCond %{REQUEST_METHOD} !^(GET|HEAD|POST)$\nRewriteRule .* - [R=405,L]'),
    cases: [c('OPTIONS /file.txt', 405, TRACE_ONLY), c('PUT /file.txt', 405, TRACE_ONLY), c('GET /file.txt', 200, null), c('POST /file.txt', 200, null)],
  },
  {
    row: 'f',
    gist: 'TraceEnable off: TRACE 405 with an empty Allow, OPTIONS lists no TRACE',
    config: () => 'TraceEnable off\n',
    cases: [
      c('TRACE /file.txt', 405, []),
      c('TRACE /nope.txt', 405, []),
      c('TRACE /dir/', 405, []),
      c('OPTIONS /file.txt', 200, ['GET', 'HEAD', 'POST', 'OPTIONS']),
      // §3.2: make_allow adds TRACE unless TraceEnable is off.
      c('PUT /file.txt', 405, ['GET', 'HEAD', 'POST', 'OPTIONS']),
    ],
  },
  {
    row: 'f2',
    gist: 'TraceEnable extended: TRACE 200, even on a missing path',
    config: () => 'TraceEnable extended\n',
    cases: [
      c('TRACE /file.txt', 200, null, { headers: { 'content-type': 'message/http' } }),
      c('TRACE /nope.txt', 200, null, { headers: { 'content-type': 'message/http' } }),
    ],
  },
  {
    row: 'g',
    gist: 'ErrorDocument 405 /x.html: the body is x.html and the Allow header is lost',
    config: () => 'ErrorDocument 405 /x.html\n',
    cases: [...each(['PUT', 'DELETE'], '/file.txt', 405, null, { body: /<p>x<\/p>/ }), c('GET /file.txt', 200, null)],
  },
  {
    row: 'g2',
    gist: 'ErrorDocument 405 to a CGI: the CGI runs as GET with REDIRECT_REQUEST_METHOD=PUT, no Allow',
    config: () => 'ErrorDocument 405 /cgi-bin/err.cgi\n',
    files: {
      'cgi-bin/err.cgi':
        '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\nX-Cgi-Method: %s\\r\\nX-Redirect-Method: %s\\r\\n\\r\\nerror page\\n" "$REQUEST_METHOD" "$REDIRECT_REQUEST_METHOD"\n',
    },
    cases: [c('PUT /file.txt', 405, null, { cgi: 'GET', headers: { 'x-redirect-method': 'PUT' } })],
  },
  {
    row: 'g',
    gist: 'an ErrorDocument page that is missing is not sent to the 404 ErrorDocument: Apache sends its own 405 and keeps Allow',
    config: () => 'ErrorDocument 404 /missing-404.html\nErrorDocument 405 /missing-405.html\n',
    cases: [c('PUT /file.txt', 405, ['GET', 'HEAD', 'POST', 'OPTIONS', 'TRACE']), c('GET /nope.txt', 404, null)],
  },
  {
    row: 'g3',
    gist: 'ErrorDocument 405 to a full URL: the 405 becomes a 302',
    config: () => 'ErrorDocument 405 http://example.invalid/405.html\n',
    cases: [c('PUT /file.txt', 302, null, { location: 'http://example.invalid/405.html' }), c('DELETE /file.txt', 302, null, { location: 'http://example.invalid/405.html' })],
  },
  {
    row: 'q',
    gist: '.htaccess ErrorDocument 405 serves both the rewrite 405 and the handler 405, without Allow',
    config: (s) => override(s),
    files: htaccess(`ErrorDocument 405 /x.html\n${PUT_RULE}`),
    cases: [...each(['PUT', 'DELETE'], '/file.txt', 405, null, { body: /<p>x<\/p>/ })],
  },
  {
    row: 'h',
    gist: 'DirectorySlash: 301 to /dir/ whatever the method',
    config: () => '',
    // `curl -L` follow-ups (301→200 as GET, --post301 → 404) are the client's
    // business: only the 301 and its Location are Apache's.
    cases: [...each(['POST', 'PUT', 'GET', 'DELETE'], '/dir', 301, null, { location: 'http://localhost/dir/' })],
  },
  {
    row: 'h2',
    gist: 'redirect-carefully for POST: no DirectorySlash redirect, 404',
    config: () => 'SetEnvIf Request_Method POST redirect-carefully\n',
    cases: [c('POST /dir', 404, null), c('GET /dir', 301, null, { location: 'http://localhost/dir/' })],
  },
  {
    row: 'i',
    gist: 'Script PUT in a directory runs the CGI for PUT, even on a missing file; DELETE still 405',
    config: (s) => inDir(s, 'Script PUT /cgi-bin/put.cgi'),
    files: { 'cgi-bin/put.cgi': ECHO_CGI },
    cases: [
      c('PUT /dir/a.txt', 200, null, { cgi: 'PUT' }),
      c('PUT /dir/new.txt', 200, null, { cgi: 'PUT' }),
      c('DELETE /dir/a.txt', 405, DEFAULT),
      c('PUT /file.txt', 405, DEFAULT),
      c('GET /dir/a.txt', 200, null),
    ],
  },
  {
    row: 'i2',
    gist: 'a ScriptAlias CGI gets every method, unregistered ones included',
    config: () => '',
    cases: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'FOO', 'PATCH', 'PROPFIND'].map((m) => c(`${m} /cgi-bin/echo.cgi`, 200, null, { cgi: m })),
  },
  {
    row: 'j',
    gist: 'Dav On: OPTIONS lists the DAV methods, PUT 201, DELETE 204, PROPFIND 207, POST static',
    // Debian's dav_fs.conf names a DAVLockDB; without one PUT and PROPFIND are 500.
    config: (s) => `DAVLockDB "${s.dir}/davlock/db"\n${inDir(s, 'Dav On')}`,
    files: { 'davlock/': null },
    // The children run as www-data when the tests run as root: they write in dir/ and davlock/.
    prepare: (s) => {
      chmodSync(join(s.root, 'dir'), 0o777);
      chmodSync(join(s.dir, 'davlock'), 0o777);
    },
    cases: [
      // doc says `DAV: 1,2`; Apache 2.4.71 answers `DAV: 1,2, <http://apache.org/dav/propset/fs/1>` (mod_dav_fs adds its propset).
      c('OPTIONS /dir/a.txt', 200, DAV_METHODS, { headers: { dav: DAV_HEADER } }),
      // The doc's Allow is a file's: a collection cannot be PUT, so its list has no PUT.
      c('OPTIONS /dir/', 200, DAV_METHODS.filter((m) => m !== 'PUT'), { headers: { dav: DAV_HEADER } }),
      // 201 Created names the new resource.
      c('PUT /dir/new.txt', 201, null, { location: 'http://localhost/dir/new.txt' }),
      c('DELETE /dir/new.txt', 204, null),
      c('PROPFIND /dir/a.txt', 207, null),
      c('POST /dir/a.txt', 200, null, { body: /^a\n$/ }),
    ],
  },
  {
    row: 'k',
    gist: 'WordPress front controller: missing paths go to index.php, files and dirs do not',
    config: PHP_AS_CGI,
    files: {
      'htdocs/index.php': ECHO_CGI,
      'htdocs/wp-content/uploads/pic.jpg': 'jpeg',
      'htdocs/wp-content/themes/site/style.css': 'body{}',
      ...htaccess(WORDPRESS),
    },
    cases: [
      c('POST /pretty/permalink/', 200, null, { cgi: 'POST' }),
      c('POST /wp-content/uploads/pic.jpg', 200, null, { body: /^jpeg$/ }),
      c('PUT /wp-content/themes/site/style.css', 405, DEFAULT),
      c('POST /wp-content/uploads', 301, null, { location: 'http://localhost/wp-content/uploads/' }),
      c('POST /wp-content/uploads/', 404, null),
      c('DELETE /api/thing', 200, null, { cgi: 'DELETE' }),
      c('OPTIONS /permalink', 200, null, { cgi: 'OPTIONS' }),
    ],
  },
  {
    row: 'k2',
    gist: 'Laravel .htaccess: trailing-slash 301 for POST, files served, the rest to index.php',
    config: PHP_AS_CGI,
    files: { 'htdocs/index.php': ECHO_CGI, 'htdocs/css/app.css': 'body{}', ...htaccess(LARAVEL) },
    cases: [
      c('POST /login/', 301, null, { location: 'http://localhost/login' }),
      c('POST /css/app.css', 200, null, { body: /^body\{\}$/ }),
      c('PUT /api/users/1', 200, null, { cgi: 'PUT' }),
    ],
  },
  {
    row: 'l',
    gist: '<Location /dir> <LimitExcept GET HEAD> Require all denied: POST and OPTIONS 403',
    config: () => '<Location /dir>\n    <LimitExcept GET HEAD>\n        Require all denied\n    </LimitExcept>\n</Location>\n',
    cases: [c('POST /dir/a.txt', 403, null), c('OPTIONS /dir/a.txt', 403, null), c('GET /dir/a.txt', 200, null), c('POST /file.txt', 200, null)],
  },
  {
    row: 'm',
    gist: '.htaccess <Limit PUT> under AllowOverride FileInfo: 500',
    config: (s) => override(s, 'FileInfo'),
    files: htaccess('<Limit PUT>\n    Require all denied\n</Limit>'),
    cases: [c('GET /file.txt', 500, null, { log: /<Limit not allowed here/ }), c('GET /', 500, null), c('PUT /file.txt', 500, null)],
  },
  {
    row: 'm2',
    gist: 'a garbage .htaccess under AllowOverride None is not read',
    config: (s) => override(s, 'None'),
    files: htaccess('this is not a directive\n<Nope\nRequire nobody at all'),
    cases: [c('GET /file.txt', 200, null), c('GET /', 200, null), c('PUT /file.txt', 405, DEFAULT)],
  },
  {
    row: 'm3',
    gist: 'AllowOverride FileInfo Nonfatal=Override: the forbidden <Limit> is logged and ignored',
    config: (s) => override(s, 'FileInfo Nonfatal=Override'),
    files: htaccess('<Limit PUT>\n    Require all denied\n</Limit>'),
    cases: [c('PUT /file.txt', 405, DEFAULT, { log: /AH02295/ }), c('GET /file.txt', 200, null)],
  },
  {
    row: 'o',
    gist: '.htaccess Header always set Allow: a second Allow header beside core\'s',
    config: (s) => override(s),
    files: htaccess('Header always set Allow "GET, HEAD"'),
    cases: [c('OPTIONS /file.txt', 200, DEFAULT, { allowHeaders: 2 }), c('POST /file.txt', 200, ['GET', 'HEAD'], { allowHeaders: 1 })],
  },
  {
    row: 'r',
    gist: "a proxied backend's 405 passes through; the front end's LimitExcept gives 403",
    // The doc's backend was a second vhost on another port; here it is a
    // name-based vhost on the same port: the proxied request's Host is
    // 127.0.0.1:PORT (no ProxyPreserveHost), which only the second vhost names.
    config: (s) => `<VirtualHost 127.0.0.1:${s.port}>
    ServerName localhost
    ProxyPass /p/ http://127.0.0.1:${s.port}/
    <Location /p/>
        <LimitExcept GET POST PUT>
            Require all denied
        </LimitExcept>
    </Location>
</VirtualHost>
<VirtualHost 127.0.0.1:${s.port}>
    ServerName 127.0.0.1
    <Location />
        AllowMethods GET
    </Location>
</VirtualHost>
`,
    cases: [
      c('PUT /p/file.txt', 405, TRACE_ONLY),
      c('DELETE /p/file.txt', 403, null, { log: /AH01630.*proxy:http:/ }),
      c('POST /p/file.txt', 405, TRACE_ONLY),
      c('GET /p/file.txt', 200, null, { body: /^hello\n$/ }),
    ],
  },
];

/** Where the real answer differs from the doc's. */
function mismatches(checked: ApacheChecked, want: Want, port: number): string[] {
  const { real } = checked;
  const out: string[] = [];
  if (real.status !== want.status) out.push(`status ${real.status}, doc says ${want.status}`);
  const allow = allowSet(real.allow);
  const wantAllow = want.allow === null ? null : [...want.allow].sort();
  if (JSON.stringify(allow) !== JSON.stringify(wantAllow)) out.push(`Allow ${JSON.stringify(real.allow)}, doc says ${wantAllow === null ? 'none' : JSON.stringify(wantAllow.join(','))}`);
  if (want.allowHeaders !== undefined && (real.allow?.length ?? 0) !== want.allowHeaders) out.push(`${real.allow?.length ?? 0} Allow headers, doc says ${want.allowHeaders}`);
  const location = want.location?.replace('PORT', String(port)) ?? null;
  if (real.location !== location) out.push(`Location ${JSON.stringify(real.location)}, expected ${JSON.stringify(location)}`);
  const cgi = real.headers['x-cgi-method'] ?? null;
  if (cgi !== (want.cgi ?? null)) out.push(want.cgi === undefined ? `the CGI answered (${cgi}), expected Apache to` : `CGI method ${JSON.stringify(cgi)}, expected ${want.cgi}`);
  if (real.backend) out.push(`the echo backend answered (${real.backend.method} ${real.backend.path})`);
  for (const [name, value] of Object.entries(want.headers ?? {})) {
    if ((real.headers[name] ?? null) !== value) out.push(`${name}: ${JSON.stringify(real.headers[name] ?? null)}, expected ${JSON.stringify(value)}`);
  }
  if (want.body && !want.body.test(real.body)) out.push(`body ${JSON.stringify(real.body.slice(0, 200))} does not match ${want.body}`);
  if (want.log && !real.errorLog.some((l) => want.log!.test(l))) out.push(`no error.log line matches ${want.log}`);
  return out;
}

const ROWS = ['a', "a'", 'b', 'b2', 'b3', 'b4', 'c', 'c2', 'c3', 'c4', 'c5', 's', 'c6', 'p', 't', 'u', 'n', 'n2', 'c7', 'c8', 'd', 'd2', 'd3', 'd4', 'e', 'e2', 'e3', 'f', 'f2', 'g', 'g2', 'g3', 'q', 'h', 'h2', 'i', 'i2', 'j', 'k', 'k2', 'l', 'm', 'm2', 'm3', 'o', 'r'];

describeApache('real Apache and the simulator on every row of apache-methods.md §3.1', () => {
  it('has a fact for each row of the table, in order, and at least 150 requests', () => {
    // A row may have a second fact when its config differs (row g: a missing ErrorDocument page).
    expect([...new Set(FACTS.map((f) => f.row))]).toEqual(ROWS);
    expect(FACTS.reduce((n, f) => n + f.cases.length, 0)).toBeGreaterThanOrEqual(150);
  });

  for (const fact of FACTS) {
    it(`${fact.row}: ${fact.gist}`, async () => {
      const apache = await startApache((s) => `${siteHead(s)}${fact.config(s)}`, { ...SITE_FILES, ...fact.files });
      let checked: ApacheChecked[];
      try {
        fact.prepare?.(apache.site);
        checked = await checkApacheRequests(
          apache,
          fact.cases.map((k) => k.request),
        );
      } finally {
        await apache.stop();
      }
      const problems: string[] = [];
      checked.forEach((k, i) => {
        const wrong = mismatches(k, fact.cases[i]!.want, apache.site.port);
        if (wrong.length > 0) problems.push(describeApacheProblem({ ...k, problem: `real Apache differs from the doc: ${wrong.join('; ')}` }));
        if (k.problem !== null) problems.push(describeApacheProblem(k));
        else if (k.outcome.cannotTell) problems.push(describeApacheProblem({ ...k, problem: 'the simulator cannot tell: every behaviour of the doc must be predicted' }));
      });
      expect(problems.join('\n\n'), `config:\n${apache.config}`).toBe('');
    }, 30_000);
  }
});
