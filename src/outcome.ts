// What a simulated request comes to: the simulator's answer, shared by the
// nginx simulator, `verblint explain`, `verblint routes` and the rules.

/** What is at a path on disk: a regular file, a directory, or nothing. */
export type FileKind = 'file' | 'dir' | 'missing';

/**
 * Answers what is at an absolute filesystem path, or `undefined` when it
 * cannot tell; the simulator then follows every possibility.
 */
export type FileOracle = (path: string) => FileKind | undefined;

export interface SimRequest {
  /** As sent on the request line, case kept: `POST`, `get`, `FOO`. */
  method: string;
  /** Origin form `/path?query`, absolute form `http://host:port/path?query`, `*`, or authority form `host:443`. */
  uri: string;
  /** The Host header; by default the host of an absolute `uri`. */
  host?: string;
  /** The port the client connected to; by default the port of an absolute `uri`, else 80. */
  port?: number;
  /** The local address the client connected to; unknown by default. */
  address?: string;
  /** The client's address, for `allow`/`deny`; unknown by default. */
  client?: string;
  /** Request headers, names in lower case, for `$http_*` variables: a header not listed is absent. Omit to leave every header unknown. */
  headers?: Record<string, string>;
  /** Content-Length of the body (0 by default). */
  bodyLength?: number;
  /** What exists on disk; unknown paths are followed both ways. */
  files?: FileOracle;
}

/** Who produced the answer. */
export type Producer =
  | 'request-line' // the request-line parser: 400
  | 'trace-connect' // TRACE and CONNECT: 405 before any location is chosen
  | 'no-server' // no server listens on the port
  | 'internal' // `internal` location reached from outside: 404
  | 'body-size' // client_max_body_size: 413
  | 'auto-redirect' // `/x` to `/x/` for a `*_pass` location: 301
  | 'return' // `return` (or `rewrite ... redirect|permanent`)
  | 'rewrite' // a rewrite loop or a rewrite that cannot be followed
  | 'limit-except' // `deny` inside `limit_except`: 403
  | 'access' // allow/deny outside limit_except: 403
  | 'auth-basic' // 401
  | 'auth-jwt' // 401 (NGINX Plus)
  | 'auth-request' // the auth subrequest decides
  | 'try-files' // `try_files ... =code`
  | 'static' // root/alias serving: 200, 301, 403, 404, 405
  | 'index' // the index module: 404 for a missing directory
  | 'autoindex'
  | 'dav' // dav_methods
  | 'handler' // empty_gif, stub_status, memcached_pass, flv, mp4
  | 'upstream' // proxy_pass & co.: the backend answers
  | 'error-page' // error_page pointing at a URL (nginx), ErrorDocument with a full URL (Apache): a redirect
  // Apache only:
  | 'htaccess' // a .htaccess Apache cannot read: 500 for everything under it
  | 'trace' // TRACE, answered before any section is read (TraceEnable)
  | 'options' // OPTIONS *: 200 without Allow
  | 'alias-redirect' // mod_alias Redirect / RedirectMatch
  | 'allowmethods' // mod_allowmethods: 405 with Allow: TRACE
  | 'authz' // Require / <Limit> / Order-Deny (mod_authz_core, mod_access_compat): 403 or 401
  | 'dir-slash' // mod_dir's DirectorySlash: 301 to the URL with a slash
  | 'default-handler'; // core's default handler: static files (GET/HEAD/POST 200), OPTIONS, 404, 405, 501

export interface TraceStep {
  file: string;
  line: number;
  /** The directive as written, shortened: `location ~* \.json$`, `limit_except GET`. */
  directive: string;
  note: string;
}

export interface Upstream {
  /** The `*_pass` module: proxy, fastcgi, uwsgi, scgi, grpc or memcached; for Apache also cgi (a CGI program, `Script`) and php. */
  module: string;
  /** The `*_pass` target as written, variables evaluated where known: `http://127.0.0.1:8080/v1/`. */
  url: string;
  /** The method the backend receives. */
  method: string;
  /** The request target the backend receives (path and query), when the module sends one. */
  path: string;
  /** Whether the body reaches the backend. */
  body: boolean;
}

/** One way the request can go, under the assumptions listed. */
export interface Branch {
  /** The status nginx sends; null when a backend answers (`producer: 'upstream'`) or the connection is closed (`return 444`). */
  status: number | null;
  producer: Producer;
  /** The Allow header sent with the answer, if any. */
  allow: string | null;
  /** The Location header, for redirects. */
  location: string | null;
  upstream: Upstream | null;
  /** What this branch assumed: "/srv/www/a.json exists", "($http_origin) is true". */
  assumptions: string[];
  /** True when a step could not be decided from the config (an unknown variable, a regex verblint cannot read). */
  cannotTell: boolean;
  trace: TraceStep[];
}

export interface Outcome {
  method: string;
  url: string;
  /** Set when every branch gives the same status; null otherwise, or when a backend answers. */
  status: number | null;
  /** Every status nginx itself can send, sorted; a backend's answer adds none. */
  possibleStatuses: number[];
  cannotTell: boolean;
  /** The producer when every branch has the same one. */
  producer: Producer | null;
  /** From the first branch: the whole story is in `branches`. */
  allow: string | null;
  location: string | null;
  upstream: Upstream | null;
  trace: TraceStep[];
  branches: Branch[];
}
