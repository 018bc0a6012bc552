// The nginx request simulator: what nginx 1.22 does with METHOD on URI,
// phase by phase, with the directives that decided. The facts it follows are
// in ../shared/docs/nginx-methods.md; test/real checks them against nginx.
//
// Things the config cannot decide (does a file exist, does $http_origin
// match, is the client allowed) fork the run: every branch is followed to
// its end and comes back with the assumptions it made.
import type { Directive } from './model.js';
import {
  GET_ONLY_HANDLERS,
  handlersIn,
  inherited,
  nearest,
  own,
  PASS_MODULES,
  serverInfos,
  type Level,
  type NginxLocation,
  type NginxModel,
  type NginxServer,
} from './nginx-model.js';
import { escapeUri, interpolate, normalizePath, parseTarget } from './nginx-vars.js';
import type { FileKind, Outcome, Producer, SimRequest, Upstream } from './outcome.js';
import { compilePcre, execPcre, UNBOUNDED } from './pcre.js';
import { selectServer } from './servers.js';
import { Done, exploreBranches, ForkingRun } from './branches.js';

export interface SimulateOptions {
  /** nginx's prefix, for relative `root`/`alias` (Debian: /usr/share/nginx). */
  prefix?: string;
  /** At most this many branches are followed (64); past it the answer is "cannot tell". */
  maxBranches?: number;
}

/** The 14 methods nginx knows by name (ngx_http_core_module.c); others are "unknown" but valid. */
export const NGINX_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'MKCOL', 'COPY', 'MOVE', 'OPTIONS', 'PROPFIND', 'PROPPATCH', 'LOCK', 'UNLOCK', 'PATCH'];

/** `*_pass` directives a `limit_except` block inherits from its location (their merge has the lmt_excpt case). */
const LIMIT_EXCEPT_INHERITS = new Set(['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'scgi_pass', 'grpc_pass']);
/** Statuses `add_header` adds to without `always` (ngx_http_headers_filter_module.c). */
const ADD_HEADER_STATUSES = new Set([200, 201, 204, 206, 301, 302, 303, 304, 307, 308]);
const MAX_URI_CHANGES = 10;

/** An answer nginx itself produced that error_page may still catch. */
class HttpError {
  constructor(
    readonly status: number,
    readonly producer: Producer,
    readonly location: string | null = null,
  ) {}
}

export function simulate(model: NginxModel, request: SimRequest, options: SimulateOptions = {}): Outcome {
  return exploreBranches(request, options.maxBranches ?? 64, (prefix) => {
    const run = new Run(model, request, options, prefix);
    return { branch: run.execute(), choices: run.choices };
  });
}

function select(model: NginxModel, host: string, port: number, address: string | undefined): ReturnType<typeof selectServer> {
  return selectServer(serverInfos(model), { host, port, ...(address !== undefined && { address }) }, regexFor);
}

/**
 * The server a request goes to, chosen as simulate() chooses it (null when
 * none listens, or the target is one nginx refuses), without running it.
 */
export function chosenServer(model: NginxModel, request: Pick<SimRequest, 'uri' | 'host' | 'port' | 'address'>): NginxServer | null {
  const target = parseTarget(request.uri);
  if (!target || normalizePath(target.rawPath) === null) return null;
  const selection = select(model, target.host ?? request.host ?? 'localhost', request.port ?? target.port ?? 80, request.address);
  return selection ? model.servers[selection.server.index]! : null;
}

const staticLists = new WeakMap<readonly NginxLocation[], readonly NginxLocation[]>();

/** The exact and prefix locations of a list, in order: every request looks them up at every level it goes through. */
function staticsOf(locations: readonly NginxLocation[]): readonly NginxLocation[] {
  let statics = staticLists.get(locations);
  if (statics === undefined) {
    statics = locations.filter((l) => l.modifier === '' || l.modifier === '^~' || l.modifier === '=');
    staticLists.set(locations, statics);
  }
  return statics;
}

/** A request's state, as ngx_http_request_t keeps it. */
interface State {
  method: string;
  uri: string;
  args: string;
  /** The request line's target, for $request_uri and proxy_pass without a URI part. */
  requestUri: string;
  /** False once the URI was changed: upstreams then get the normalised URI. */
  validUnparsedUri: boolean;
  /** False after `rewrite ... break`: proxy_pass then sends the whole changed URI. */
  validLocation: boolean;
  internal: boolean;
  errorPage: boolean;
  /** The status error_page set (`=code`, or the original status); 0 for "the page's own". */
  errStatus: number;
  uriChanges: number;
  host: string;
  port: number;
  server: NginxServer | null;
  /** The level whose configuration applies now: a location, its `if` or `limit_except`, or the server. */
  level: Level | null;
  /** The location the request is in, or null for the server's own level. */
  location: NginxLocation | null;
  captures: (string | undefined)[];
  named: Record<string, string | undefined>;
  vars: Map<string, string | undefined>;
  /** The content handler chosen so far: nginx keeps it when an `if` block without one matches. */
  handler: Directive | null;
}

class Run extends ForkingRun {
  private readonly files = new Map<string, FileKind>();
  private state!: State;

  constructor(
    private readonly model: NginxModel,
    private readonly request: SimRequest,
    private readonly options: SimulateOptions,
    prefix: readonly number[],
  ) {
    super(prefix);
  }

  // ---- forks, trace, endings ----

  private step(at: Directive | null, note: string): void {
    if (!at) {
      this.trace.push({ file: '', line: 0, directive: '', note });
      return;
    }
    this.trace.push({ file: at.file, line: at.line, directive: show(at), note });
  }

  /**
   * Ends the branch with an answer. While an error page is being served, the
   * status error_page chose replaces the page's own (ngx_http_send_header), unless `final` says
   * this status is already the last word.
   */
  private end(status: number | null, producer: Producer, extra: { location?: string | null; upstream?: Upstream | null; allow?: string | null; final?: boolean } = {}): never {
    const st = this.state as State | undefined;
    if (!extra.final && st?.errorPage && st.errStatus > 0 && !(status === null && producer === 'return')) status = st.errStatus;
    const allow = extra.allow !== undefined ? extra.allow : status === null ? null : this.allowHeader(status);
    throw new Done({ status, producer, allow, location: extra.location ?? null, upstream: extra.upstream ?? null });
  }

  /** The Allow header from `add_header` at the level in force (inherited as nginx does). */
  private allowHeader(status: number): string | null {
    const headers = inherited(this.state?.level ?? null, 'add_header');
    if (!headers) return null;
    for (const d of headers.directives) {
      if ((d.args[0] ?? '').toLowerCase() !== 'allow') continue;
      const always = d.args[2] === 'always';
      if (!always && !ADD_HEADER_STATUSES.has(status)) {
        this.step(d, `not sent with ${status}: add_header without "always" only adds to 2xx and 3xx answers`);
        continue;
      }
      const value = this.eval(d.args[1] ?? '');
      return value ?? d.args[1] ?? '';
    }
    return null;
  }

  // ---- the request line and the server ----

  protected start(): void {
    const req = this.request;
    if (!/^[A-Z_-]+$/.test(req.method)) {
      this.step(null, `the request-line parser accepts only methods made of A-Z, "_" and "-"; "${req.method}" gets 400`);
      this.end(400, 'request-line', { allow: null });
    }
    const target = parseTarget(req.uri);
    const path = target ? normalizePath(target.rawPath) : null;
    if (!target || path === null) {
      this.step(null, `nginx refuses the request target "${req.uri}" with 400 (only origin form /path and absolute form http://host/path are accepted)`);
      this.end(400, 'request-line', { allow: null });
    }
    const port = req.port ?? target.port ?? 80;
    const hostHeader = target.host ?? req.host ?? 'localhost';
    const host = hostHeader.replace(/:\d*$/, '').replace(/\.$/, '').toLowerCase();
    this.state = {
      method: req.method,
      uri: path,
      args: target.args,
      requestUri: req.uri.replace(/^https?:\/\/[^/?#]*/i, '') || '/',
      validUnparsedUri: true,
      validLocation: true,
      internal: false,
      errorPage: false,
      errStatus: 0,
      uriChanges: MAX_URI_CHANGES + 1,
      host,
      port,
      server: null,
      level: null,
      location: null,
      captures: [],
      named: {},
      vars: new Map(),
      handler: null,
    };
    const selection = select(this.model, hostHeader, port, req.address);
    if (!selection) {
      this.step(null, `no server listens on port ${port}`);
      this.end(null, 'no-server', { allow: null });
    }
    if (selection.cannotTell) {
      this.cannotTell = true;
      this.assumptions.push(selection.cannotTell);
    }
    const server = this.model.servers[selection.server.index]!;
    this.state.server = server;
    this.state.level = server;
    this.step(selection.by ?? server.node, `server chosen: ${selection.reason}`);
    if (selection.badRequest) {
      this.step(null, selection.badRequest);
      this.finish(() => {
        throw new HttpError(400, 'request-line');
      });
    }

    if (req.method === 'TRACE' || req.method === 'CONNECT') {
      this.step(null, `${req.method} is refused with 405 while the headers are read, before any location is chosen`);
      this.finish(() => {
        throw new HttpError(405, 'trace-connect');
      });
    }
    this.finish(() => this.serverRewrite());
  }

  /** Runs a phase sequence; an error nginx produced goes through error_page. */
  private finish(phases: () => void): never {
    try {
      phases();
      throw new Error('unreachable: phases ended without an answer');
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      this.errorPage(e);
    }
  }

  // ---- phases ----

  private serverRewrite(): never {
    const server = this.state.server!;
    const flow = this.rewriteCodes(server, server.directives, true);
    if (flow === 'stop-server') this.step(null, 'server-level rewrite processing stopped');
    this.findConfig();
  }

  private findConfig(): never {
    const st = this.state;
    const server = st.server!;
    st.uriChanges--;
    if (st.uriChanges === 0) {
      this.step(null, 'rewrite or internal redirection cycle: nginx gives 500');
      throw new HttpError(500, 'rewrite');
    }
    const found = this.findLocation(server.locations, st.uri);
    st.location = found.location;
    st.level = found.location ?? server;
    st.handler = found.location ? handlerIn(found.location) : null;
    if (!found.location) this.step(server.node, `no location matches ${st.uri}; the server's own settings apply`);
    const loc = found.location;
    // `internal` is merged into nested locations (ngx_conf_merge_value).
    if (loc && !st.internal && nearest(loc, 'internal')) {
      this.step(loc.node, '"internal" location reached by a client request: 404');
      throw new HttpError(404, 'internal');
    }
    const limited = loc?.limitExcept && !loc.limitExcept.allowed.has(st.method) ? loc.limitExcept : null;
    if (limited) {
      st.level = limited;
      this.selectLimitHandler(loc!);
    }
    const max = parseSize(nearest(st.level, 'client_max_body_size')?.args[0] ?? '1m');
    if ((this.request.bodyLength ?? 0) > max && max > 0) {
      this.step(nearest(st.level, 'client_max_body_size') ?? null, `the body (${this.request.bodyLength} bytes) is larger than client_max_body_size: 413`);
      throw new HttpError(413, 'body-size');
    }
    if (found.redirect && loc) {
      const target = loc.name + (st.args ? `?${st.args}` : '');
      this.step(loc.node, `${st.uri} lacks the trailing slash of a location with ${passOf(loc)?.directive ?? 'a *_pass'}: 301 to ${loc.name} for every method (browsers then send POST as GET)`);
      throw new HttpError(301, 'auto-redirect', this.absolute(target));
    }
    if (limited) {
      this.step(limited.node, `${st.method} is not in the list: the limit_except block applies, and the location's rewrite directives (return, rewrite, if, set) are skipped`);
    } else if (loc?.limitExcept) {
      this.step(loc.limitExcept.node, `${st.method} is allowed by limit_except`);
    }
    if (loc && !limited) {
      const flow = this.rewriteCodes(st.level!, loc.directives, false);
      if (flow === 'changed' || flow === 'last') return this.findConfig();
    }
    this.access();
    this.content();
  }

  /** ngx_http_core_find_location: exact, longest prefix (nested first), then regexes in order. */
  private findLocation(locations: readonly NginxLocation[], uri: string): { location: NginxLocation | null; redirect: boolean } {
    const statics = staticsOf(locations);
    const exact = statics.find((l) => l.modifier === '=' && l.name === uri);
    if (exact) {
      this.step(exact.node, `exact match for ${uri}`);
      return { location: exact, redirect: false };
    }
    if (!statics.some((l) => l.name === uri)) {
      const slash = statics.find((l) => l.name.length === uri.length + 1 && l.name.endsWith('/') && l.name.startsWith(uri) && autoRedirects(l));
      if (slash) return { location: slash, redirect: true };
    }
    let best: NginxLocation | null = null;
    for (const l of statics) {
      if (l.modifier !== '=' && uri.startsWith(l.name) && (!best || l.name.length > best.name.length)) best = l;
    }
    let result: NginxLocation | null = null;
    if (best) {
      this.step(best.node, `longest matching prefix for ${uri}${best.modifier === '^~' ? ' (^~: regex locations are not checked)' : ''}`);
      const nested = this.findLocation(best.locations, uri);
      if (nested.location && (nested.redirect || isExactOrRegex(nested.location))) return nested;
      result = nested.location ?? best;
      if (best.modifier === '^~') return { location: result, redirect: false };
    }
    for (const l of locations) {
      if (l.modifier !== '~' && l.modifier !== '~*') continue;
      if (this.regexMatches(l, uri)) {
        this.step(l.node, `regex matches ${uri}${best ? ` and wins over the prefix location at line ${best.node.line}` : ''}`);
        const nested = this.findLocation(l.locations, uri);
        return { location: nested.location ?? l, redirect: false };
      }
    }
    return { location: result, redirect: false };
  }

  private regexMatches(l: NginxLocation, uri: string): boolean {
    const compiled = compilePcre(l.name, l.modifier === '~*');
    const m = compiled.ok ? execPcre(compiled, uri) : undefined;
    if (m === undefined) {
      const why = compiled.ok ? `verblint cannot tell: ${UNBOUNDED}` : `verblint cannot read this regex: ${compiled.reason}`;
      const taken = this.choose(2, (t) => `location ${l.modifier} ${l.name} ${t === 0 ? 'matches' : 'does not match'} ${uri} (${why})`, true);
      return taken === 0;
    }
    if (m) {
      this.state.captures = m.captures;
      this.state.named = m.named;
    }
    return m !== null;
  }

  // ---- rewrite module ----

  /**
   * Runs rewrite directives in order. `server` is true in the server rewrite
   * phase. Returns how processing ended: 'done' (ran to the end), 'break',
   * 'last', 'changed' (the URI changed without a flag), 'stop-server'.
   */
  private rewriteCodes(level: Level, directives: readonly Directive[], server: boolean): 'done' | 'break' | 'last' | 'changed' | 'stop-server' {
    let changed = false;
    for (const d of directives) {
      switch (d.directive) {
        case 'return':
          this.doReturn(d);
          break;
        case 'set': {
          const value = this.eval(d.args[1] ?? '');
          this.state.vars.set((d.args[0] ?? '').replace(/^\$/, ''), value);
          break;
        }
        case 'break':
          this.step(d, 'break: no more rewrite directives here');
          return 'break';
        case 'rewrite': {
          const flow = this.doRewrite(d, server);
          if (flow === 'last' || flow === 'break') {
            return server ? 'stop-server' : flow;
          }
          if (flow === 'changed') changed = true;
          break;
        }
        case 'if': {
          if (!this.condition(d)) break;
          const block = (level as { ifs?: Map<Directive, Level> }).ifs?.get(d);
          if (!block) break;
          if (!server) {
            this.state.level = block;
            const handler = handlerIn(block);
            if (handler) this.state.handler = handler;
          }
          const flow = this.rewriteCodes(block, block.directives, server);
          if (flow === 'changed') changed = true;
          else if (flow !== 'done') return flow;
          break;
        }
        default:
      }
    }
    if (changed && !server) return 'changed';
    if (changed && server) this.step(null, `the URI is now ${this.state.uri}`);
    return 'done';
  }

  private doReturn(d: Directive): never {
    const [first = '', second] = d.args;
    if (!/^\d+$/.test(first)) {
      const url = this.eval(first) ?? first;
      this.step(d, `return: 302 to ${url}`);
      throw new HttpError(302, 'return', this.absolute(url));
    }
    const code = Number(first);
    if (code === 444) {
      this.step(d, 'return 444: nginx closes the connection without an answer');
      this.end(null, 'return', { allow: null });
    }
    if ([301, 302, 303, 307, 308].includes(code)) {
      const url = second === undefined ? null : this.eval(second) ?? second;
      this.step(d, `return ${code}${url ? ` to ${url}` : ''}${code === 301 || code === 302 || code === 303 ? ' (browsers resend POST as GET)' : ' (the method and body are kept)'}`);
      // Redirects end through ngx_http_finalize_request, as errors do: error_page sees them, and they keep their status.
      throw new HttpError(code, 'return', url === null ? null : this.absolute(url));
    }
    this.step(d, `return ${code}${second !== undefined ? ' with a body: error_page does not apply' : ''}`);
    if (code >= 400 && second === undefined) throw new HttpError(code, 'return');
    this.end(code, 'return');
  }

  private doRewrite(d: Directive, server: boolean): 'last' | 'break' | 'changed' | 'nomatch' {
    const [pattern = '', replacement = '', flag] = d.args;
    const compiled = compilePcre(pattern, false);
    const m = compiled.ok ? execPcre(compiled, this.state.uri) : undefined;
    if (m === undefined) {
      const why = compiled.ok ? `verblint cannot tell: ${UNBOUNDED}` : `verblint cannot read this regex: ${compiled.reason}`;
      const taken = this.choose(2, (t) => `rewrite ${pattern} ${t === 0 ? 'matches' : 'does not match'} (${why})`, true);
      if (taken === 1) return 'nomatch';
    } else {
      if (!m) return 'nomatch';
      this.state.captures = m.captures;
      this.state.named = m.named;
    }
    const value = this.eval(replacement);
    if (value === undefined) {
      this.cannotTell = true;
      this.assumptions.push(`the replacement "${replacement}" uses a variable verblint does not know`);
    }
    const target = value ?? replacement;
    const isRedirect = /^(https?:\/\/|\$scheme)/.test(replacement) || flag === 'redirect' || flag === 'permanent';
    if (isRedirect) {
      const code = flag === 'permanent' ? 301 : 302;
      this.step(d, `rewrite redirects with ${code} to ${target} (browsers resend POST as GET)`);
      throw new HttpError(code, 'return', this.absolute(this.withArgs(target)));
    }
    const q = target.indexOf('?');
    const st = this.state;
    if (q >= 0) {
      const newArgs = target.slice(q + 1);
      st.args = target.endsWith('?') ? newArgs.slice(0, -1) : st.args !== '' ? `${newArgs}&${st.args}` : newArgs;
      st.uri = target.slice(0, q);
    } else st.uri = target;
    st.validUnparsedUri = false;
    st.internal = true;
    if (flag === 'break') st.validLocation = false;
    this.step(d, `rewrite changes the URI to ${st.uri}${flag ? ` (${flag})` : ''}${flag === 'last' || (!flag && !server) ? '; the location is searched again' : ''}`);
    if (flag === 'last') return 'last';
    if (flag === 'break') return 'break';
    return 'changed';
  }

  private withArgs(url: string): string {
    if (url.endsWith('?')) return url.slice(0, -1);
    if (!this.state.args) return url;
    return `${url}${url.includes('?') ? '&' : '?'}${this.state.args}`;
  }

  /** Evaluates an `if` condition; undecidable ones fork. */
  private condition(d: Directive): boolean {
    const args = d.args;
    const text = `if (${args.join(' ')})`;
    const fork = (why: string): boolean => {
      const taken = this.choose(2, (t) => `${text} is ${t === 0 ? 'true' : 'false'} (${why})`, true);
      this.step(d, `cannot tell whether ${text} holds: ${why}; both ways are followed`);
      return taken === 0;
    };
    if (args.length === 1) {
      const v = this.eval(args[0]!);
      if (v === undefined) return fork(`${args[0]} is not known from the config`);
      const ok = v !== '' && v !== '0';
      this.step(d, `${text} is ${ok}`);
      return ok;
    }
    const [a = '', op = '', b = ''] = args;
    if (/^!?-[fdex]$/.test(a)) {
      const path = this.eval(op);
      if (path === undefined) return fork(`${op} is not known`);
      const kind = this.fileKind(path);
      const negate = a.startsWith('!');
      const test = a.replace('!', '');
      const holds = test === '-f' ? kind === 'file' : test === '-d' ? kind === 'dir' : kind !== 'missing';
      const result = negate ? !holds : holds;
      this.step(d, `${text} is ${result}`);
      return result;
    }
    const left = this.eval(a);
    if (left === undefined) return fork(`${a} is not known from the config`);
    let result: boolean;
    if (op === '=' || op === '!=') {
      const right = this.eval(b);
      if (right === undefined) return fork(`${b} is not known`);
      result = (left === right) === (op === '=');
    } else if (/^!?~\*?$/.test(op)) {
      const compiled = compilePcre(b, op.endsWith('*'));
      if (!compiled.ok) return fork(`verblint cannot read the regex: ${compiled.reason}`);
      const m = execPcre(compiled, left);
      if (m === undefined) return fork(`verblint cannot tell: ${UNBOUNDED}`);
      if (m) {
        this.state.captures = m.captures;
        this.state.named = m.named;
      }
      result = (m !== null) === !op.startsWith('!');
    } else return fork(`operator "${op}" is not understood`);
    this.step(d, `${text} is ${result}${a === '$request_method' ? ` for ${this.state.method}` : ''}`);
    return result;
  }

  // ---- access phase ----

  private access(): void {
    const st = this.state;
    const level = st.level!;
    const satisfyAny = nearest(level, 'satisfy')?.args[0] === 'any';
    const denied = this.accessRules(level);
    const auth = this.authResult(level);
    const inLimit = level.kind === 'limit_except';
    if (satisfyAny) {
      if (!denied.denied || auth === null) return;
      if (auth.status === 401 || denied.denied) {
        this.step(denied.by, 'satisfy any: neither the address rules nor authentication let the request in');
        throw new HttpError(auth.status, auth.producer);
      }
      return;
    }
    if (denied.denied) {
      this.step(denied.by, `${st.method} ${inLimit ? 'is limited and ' : ''}denied: 403${inLimit ? ' from limit_except; the backend never sees it' : ''}`);
      throw new HttpError(403, inLimit ? 'limit-except' : 'access');
    }
    if (auth) {
      this.step(auth.by, `${auth.status} from ${auth.by.directive}${inLimit ? ' inside limit_except' : ''} (without credentials)`);
      throw new HttpError(auth.status, auth.producer);
    }
  }

  private accessRules(level: Level): { denied: boolean; by: Directive | null } {
    const rules = inherited(level, 'allow', 'deny');
    if (!rules) return { denied: false, by: null };
    const client = this.request.client;
    for (const d of rules.directives) {
      const what = d.args[0] ?? '';
      let matches: boolean;
      if (what === 'all') matches = true;
      else if (client !== undefined) matches = addressMatches(client, what);
      else {
        matches = this.choose(2, (t) => `the client address ${t === 0 ? 'matches' : 'does not match'} ${d.directive} ${what}`, false) === 0;
      }
      if (matches) return { denied: d.directive === 'deny', by: d };
    }
    return { denied: false, by: null };
  }

  private authResult(level: Level): { status: number; producer: Producer; by: Directive } | null {
    const auth = authentication(level);
    if (!auth) return null;
    if (auth.kind !== 'auth-request') return { status: 401, producer: auth.kind, by: auth.by };
    const taken = this.choose(3, (t) => `the auth_request subrequest ${['allows', 'answers 401', 'answers 403'][t]}`, true);
    if (taken === 0) return null;
    return { status: taken === 1 ? 401 : 403, producer: 'auth-request', by: auth.by };
  }

  // ---- content ----

  private selectLimitHandler(loc: NginxLocation): void {
    const block = loc.limitExcept!;
    const own = handlerIn(block);
    const outer = handlerIn(loc);
    this.state.handler = own ?? (outer && LIMIT_EXCEPT_INHERITS.has(outer.directive) ? outer : null);
  }

  private content(): never {
    const foreign = unknownHandler(this.state.level!);
    if (foreign) {
      this.cannotTell = true;
      this.assumptions.push(`${foreign.directive} decides the answer`);
      this.step(foreign, `${foreign.directive} is a module verblint does not model: cannot tell what it answers`);
      this.end(null, 'handler', { allow: null });
    }
    // try_files is not merged into nested levels: an `if` block that matched, or a limit_except block, has none.
    const tryFiles = own(this.state.level!, 'try_files');
    if (tryFiles) this.tryFiles(tryFiles);
    this.contentHandler();
  }

  private contentHandler(): never {
    const st = this.state;
    const handler = st.handler;
    if (handler) {
      if (GET_ONLY_HANDLERS.has(handler.directive) || handler.directive === 'memcached_pass') {
        if (st.method !== 'GET' && st.method !== 'HEAD') {
          this.step(handler, `${handler.directive} answers only GET and HEAD: ${st.method} gets 405`);
          throw new HttpError(405, 'handler');
        }
        if (handler.directive === 'empty_gif' || handler.directive === 'stub_status') {
          this.step(handler, `${handler.directive} answers 200`);
          this.end(200, 'handler');
        }
        if (handler.directive === 'flv' || handler.directive === 'mp4') return this.staticFile(handler);
      }
      return this.upstream(handler);
    }
    const dav = nearest(st.level, 'dav_methods');
    if (dav && dav.args[0] !== 'off' && dav.args.map((m) => m.toUpperCase()).includes(st.method)) return this.dav(dav);
    return this.staticFile(null);
  }

  private upstream(pass: Directive): never {
    const st = this.state;
    const module = PASS_MODULES[pass.directive]!;
    const raw = pass.args[0] ?? '';
    const url = this.eval(raw);
    const scheme = /^[a-z]+:\/\//i.exec(raw)?.[0] ?? '';
    const afterHost = raw.slice(scheme.length);
    const hostEnd = afterHost.startsWith('unix:') ? afterHost.indexOf(':/', 5) : afterHost.indexOf('/');
    const hasVariables = raw.includes('$');
    let path: string | undefined;
    const changedUri = `${escapeUri(st.uri)}${st.args ? `?${st.args}` : ''}`;
    if (module !== 'proxy' && module !== 'grpc') {
      path = st.validUnparsedUri ? st.requestUri : changedUri;
    } else if (hasVariables) {
      const evaluated = url;
      if (evaluated === undefined) path = undefined;
      else {
        const rest = evaluated.slice(scheme.length);
        const slash = rest.indexOf('/');
        path = slash >= 0 ? rest.slice(slash) : st.validUnparsedUri ? st.requestUri : changedUri;
      }
    } else if (hostEnd < 0) {
      path = st.validUnparsedUri ? st.requestUri : changedUri;
    } else {
      const uriPart = afterHost.slice(afterHost.startsWith('unix:') ? hostEnd + 1 : hostEnd);
      const owner = enclosingLocation(st.level!);
      const cut = st.validLocation && owner && (owner.modifier === '' || owner.modifier === '^~' || owner.modifier === '=') ? owner.name.length : 0;
      path = `${uriPart}${escapeUri(st.uri.slice(Math.min(cut, st.uri.length)))}${st.args ? `?${st.args}` : ''}`;
    }
    if (path === undefined) {
      this.cannotTell = true;
      this.assumptions.push(`${raw} uses a variable verblint does not know`);
    }
    let method = st.method;
    const proxyMethod = module === 'proxy' ? nearest(st.level, 'proxy_method') : undefined;
    if (proxyMethod) method = this.eval(proxyMethod.args[0] ?? '') ?? method;
    else if (module === 'proxy' && method === 'HEAD' && nearest(st.level, 'proxy_cache') && nearest(st.level, 'proxy_cache')!.args[0] !== 'off' && nearest(st.level, 'proxy_cache_convert_head')?.args[0] !== 'off') {
      method = 'GET';
    }
    this.step(pass, `${module === 'memcached' ? 'memcached' : 'the backend'} gets ${method} ${path ?? '(cannot tell)'}${method !== st.method ? ` (the client sent ${st.method})` : ''}`);
    if (module === 'fastcgi') {
      const params = inherited(st.level, 'fastcgi_param');
      if (!params?.directives.some((p) => p.args[0] === 'REQUEST_METHOD')) {
        this.step(pass, 'no fastcgi_param REQUEST_METHOD: the application never learns the method');
      }
    }
    const upstream: Upstream = { module, url: url ?? raw, method, path: path ?? '', body: module !== 'memcached' };
    // Under error_page with a fixed status, end() puts that status on the backend's answer.
    this.end(null, 'upstream', { upstream, allow: null });
  }

  /** The path a URI maps to under root or alias. */
  private filePath(uri: string): string | undefined {
    const st = this.state;
    const found = inherited(st.level, 'root', 'alias');
    const prefix = this.options.prefix ?? '/usr/share/nginx';
    if (!found) return `${prefix}/html${uri}`;
    const d = found.directives[found.directives.length - 1]!;
    let base = this.eval(d.args[0] ?? '');
    if (base === undefined) return undefined;
    if (!base.startsWith('/')) base = `${prefix}/${base}`;
    if (d.directive === 'root') return `${base.replace(/\/$/, '')}${uri}`;
    // alias: replaces the location's prefix; in a regex location it is the whole path.
    const owner = found.level.kind === 'location' ? (found.level as NginxLocation) : st.location;
    if (!owner || owner.modifier === '~' || owner.modifier === '~*') return base;
    return `${base}${uri.slice(owner.name.length)}`;
  }

  private fileKind(path: string): FileKind {
    const known = this.files.get(path);
    if (known) return known;
    let kind = this.request.files?.(path);
    if (kind === undefined) {
      const kinds: FileKind[] = ['file', 'missing', 'dir'];
      kind = kinds[this.choose(3, (t) => `${path} ${['is a file', 'does not exist', 'is a directory'][t]}`, false)]!;
    }
    this.files.set(path, kind);
    return kind;
  }

  private tryFiles(d: Directive): void {
    const st = this.state;
    const args = d.args;
    for (const arg of args.slice(0, -1)) {
      // A trailing "/" as written asks for a directory; nginx drops it before evaluating.
      const dir = arg.endsWith('/');
      const value = this.eval(dir ? arg.slice(0, -1) : arg);
      if (value === undefined) {
        this.cannotTell = true;
        this.assumptions.push(`try_files ${arg} uses a variable verblint does not know`);
        continue;
      }
      const path = this.filePath(value);
      if (path === undefined) continue;
      const kind = this.fileKind(path);
      if ((dir && kind === 'dir') || (!dir && kind === 'file')) {
        this.step(d, `try_files finds ${value}`);
        if (value !== st.uri) {
          st.uri = value;
          st.validUnparsedUri = false;
        }
        return;
      }
    }
    const last = args[args.length - 1] ?? '';
    if (/^=\d+$/.test(last)) {
      this.step(d, `try_files found nothing: ${last.slice(1)} for every method`);
      throw new HttpError(Number(last.slice(1)), 'try-files');
    }
    if (last.startsWith('@')) {
      this.step(d, `try_files found nothing: on to ${last}, method and body kept`);
      this.namedLocation(last);
    }
    const target = this.eval(last);
    if (target === undefined) {
      this.cannotTell = true;
      this.assumptions.push(`try_files ${last} uses a variable verblint does not know`);
      this.end(null, 'try-files', { allow: null });
    }
    this.step(d, `try_files found nothing: internal redirect to ${target}, ${st.method} kept`);
    this.internalRedirect(target);
  }

  private internalRedirect(target: string): never {
    const st = this.state;
    const q = target.indexOf('?');
    if (q >= 0) {
      st.uri = target.slice(0, q);
      st.args = target.slice(q + 1);
    } else st.uri = target;
    st.internal = true;
    st.validUnparsedUri = false;
    st.validLocation = true;
    st.vars = new Map();
    this.serverRewrite();
  }

  private namedLocation(name: string): never {
    const st = this.state;
    const loc = st.server!.locations.find((l) => l.modifier === '@' && l.name === name);
    if (!loc) {
      this.step(null, `no location ${name}: 500`);
      throw new HttpError(500, 'rewrite');
    }
    st.uriChanges--;
    st.internal = true;
    st.location = loc;
    st.level = loc;
    this.step(loc.node, `named location ${name}`);
    st.handler = handlerIn(loc);
    if (loc.limitExcept && !loc.limitExcept.allowed.has(st.method)) {
      st.level = loc.limitExcept;
      this.step(loc.limitExcept.node, `${st.method} is not in the list: the limit_except block applies`);
      this.selectLimitHandler(loc);
    } else {
      const flow = this.rewriteCodes(loc, loc.directives, false);
      if (flow === 'changed' || flow === 'last') this.findConfig();
    }
    this.access();
    this.content();
  }

  /** The index, autoindex and static modules, in the order nginx runs them. */
  private staticFile(handler: Directive | null): never {
    const st = this.state;
    const method = st.method;
    const readable = method === 'GET' || method === 'HEAD' || method === 'POST';
    const where = st.level?.node ?? null;
    if (st.uri.endsWith('/') && !handler) {
      if (readable) this.index();
      const autoindex = nearest(st.level, 'autoindex');
      if (autoindex?.args[0] === 'on' && (method === 'GET' || method === 'HEAD')) {
        this.step(autoindex, 'autoindex lists the directory: 200');
        this.end(200, 'autoindex');
      }
      if (!readable) {
        this.step(where, `static content: ${method} gets 405 (the static module serves only GET, HEAD and POST), without an Allow header`);
        throw new HttpError(405, 'static');
      }
      this.step(where, `no index file in ${st.uri} and no autoindex: 403`);
      throw new HttpError(403, 'static');
    }
    if (handler ? method !== 'GET' && method !== 'HEAD' : !readable) {
      this.step(handler ?? where, `static content: ${method} gets 405 whether or not the file exists, without an Allow header`);
      throw new HttpError(405, handler ? 'handler' : 'static');
    }
    const path = this.filePath(st.uri);
    if (path === undefined) {
      this.cannotTell = true;
      this.assumptions.push('the root or alias uses a variable verblint does not know');
      this.end(null, 'static', { allow: null });
    }
    const kind = this.fileKind(path);
    if (kind === 'missing') {
      this.step(where, `${path} does not exist: 404`);
      throw new HttpError(404, handler ? 'handler' : 'static');
    }
    if (kind === 'dir') {
      this.step(where, `${path} is a directory: 301 to ${st.uri}/`);
      throw new HttpError(301, 'static', this.absolute(`${escapeUri(st.uri)}/${st.args ? `?${st.args}` : ''}`));
    }
    if (method === 'POST') {
      this.step(where, `${path} exists: POST to a static file gets 405, without an Allow header`);
      throw new HttpError(405, 'static');
    }
    this.step(where, `${path} is served: 200`);
    this.end(200, handler ? 'handler' : 'static');
  }

  private index(): void {
    const st = this.state;
    const found = inherited(st.level, 'index');
    const names = found ? found.directives.flatMap((d) => d.args) : ['index.html'];
    const dir = this.filePath(st.uri);
    if (dir === undefined) return;
    for (const name of names) {
      const value = this.eval(name);
      if (value === undefined) continue;
      if (value.startsWith('/')) {
        this.step(found?.directives[0] ?? null, `index falls back to ${value}: internal redirect, ${st.method} kept`);
        this.internalRedirect(value);
      }
      if (this.fileKind(`${dir}${value}`) === 'file') {
        this.step(found?.directives[0] ?? null, `index file ${st.uri}${value} found: internal redirect, ${st.method} kept`);
        this.internalRedirect(`${st.uri}${value}${st.args ? `?${st.args}` : ''}`);
      }
    }
    if (this.fileKind(dir.replace(/\/$/, '') || '/') !== 'dir') {
      this.step(found?.directives[0] ?? st.level?.node ?? null, `${dir} does not exist: 404`);
      throw new HttpError(404, 'index');
    }
  }

  private dav(d: Directive): never {
    const st = this.state;
    const path = this.filePath(st.uri);
    if (path === undefined) this.end(null, 'dav', { allow: null });
    const slash = st.uri.endsWith('/');
    const say = (status: number, why: string): never => {
      this.step(d, `dav ${st.method}: ${why}: ${status}`);
      if (status >= 400) throw new HttpError(status, 'dav');
      this.end(status, 'dav');
    };
    switch (st.method) {
      case 'PUT': {
        if (slash) return say(409, 'PUT to a collection');
        const kind = this.fileKind(path);
        if (kind === 'dir') return say(409, `${path} is a directory`);
        const parent = path.slice(0, path.lastIndexOf('/')) || '/';
        if (kind === 'missing' && nearest(st.level, 'create_full_put_path')?.args[0] !== 'on' && this.fileKind(parent) !== 'dir') {
          return say(500, `the directory ${parent} does not exist and create_full_put_path is off`);
        }
        return kind === 'file' ? say(204, 'overwrites the file') : say(201, 'creates the file');
      }
      case 'DELETE': {
        const kind = this.fileKind(slash ? path.replace(/\/$/, '') || '/' : path);
        if (kind === 'missing') return say(404, 'nothing to delete');
        if (kind === 'dir' && !slash) return say(409, 'a collection needs the trailing slash');
        return say(204, 'deleted');
      }
      case 'MKCOL': {
        if (!slash) return say(409, 'MKCOL needs a trailing slash');
        const kind = this.fileKind(path.replace(/\/$/, ''));
        if (kind !== 'missing') return say(405, 'the collection already exists');
        return say(201, 'created');
      }
      default: {
        if (!this.request.headers?.destination) return say(400, 'no Destination header');
        const kind = this.fileKind(slash ? path.replace(/\/$/, '') : path);
        if (kind === 'missing') return say(404, 'the source does not exist');
        return kind === 'dir' ? say(201, 'collection copied') : say(204, 'file copied');
      }
    }
  }

  // ---- error_page ----

  private errorPage(error: HttpError): never {
    const st = this.state;
    const pages = st.errorPage ? null : inherited(st.level, 'error_page');
    const page = pages?.directives.find((d) => d.args.slice(0, -1).some((a) => a === String(error.status)));
    // An error while serving an error page is final: recursive_error_pages is off.
    if (!page) this.end(error.status, error.producer, { location: error.location, final: true });
    st.errorPage = true;
    const args = page.args;
    const target = args[args.length - 1]!;
    const eq = args.find((a) => a.startsWith('='));
    const overwrite = eq === undefined ? -1 : eq === '=' ? 0 : Number(eq.slice(1));
    st.errStatus = overwrite >= 0 ? overwrite : error.status;
    const uri = this.eval(target) ?? target;
    if (uri.startsWith('@')) {
      this.step(page, `error_page ${error.status}: on to ${uri}, ${st.method} and the body kept`);
      this.finish(() => this.namedLocation(uri));
    }
    if (uri.startsWith('/')) {
      const was = st.method;
      if (st.method !== 'HEAD') st.method = 'GET';
      this.step(page, `error_page ${error.status}: internal redirect to ${uri}${was !== st.method ? ` as GET (the client sent ${was})` : ''}${overwrite > 0 ? `, answered with ${overwrite}` : overwrite === 0 ? ', with the status of the page' : `, status stays ${error.status}`}`);
      this.finish(() => this.internalRedirect(uri));
    }
    const code = [301, 302, 303, 307, 308].includes(overwrite) ? overwrite : 302;
    this.step(page, `error_page ${error.status}: redirect ${code} to ${uri}`);
    this.end(code, 'error-page', { location: uri, final: true });
  }

  // ---- variables ----

  private eval(text: string): string | undefined {
    return interpolate(text, (name) => this.variable(name));
  }

  private variable(name: string): string | undefined {
    const st = this.state;
    if (/^\d$/.test(name)) return st.captures[Number(name)] ?? '';
    if (name in st.named) return st.named[name] ?? '';
    if (st.vars.has(name)) return st.vars.get(name);
    const headers = this.request.headers ?? {};
    switch (name) {
      case 'uri':
      case 'document_uri':
        return st.uri;
      case 'request_uri':
        return st.requestUri;
      case 'args':
      case 'query_string':
        return st.args;
      case 'is_args':
        return st.args !== '' ? '?' : '';
      case 'request_method':
        return st.method;
      case 'scheme':
        return 'http';
      case 'host':
        return st.host || (st.server?.info.names[0]?.name ?? '');
      case 'server_port':
        return String(st.port);
      case 'server_name':
        return st.server?.info.names[0]?.name ?? '';
      case 'remote_addr':
        return this.request.client;
      case 'content_length':
        return this.request.bodyLength ? String(this.request.bodyLength) : '';
      case 'document_root': {
        const root = inherited(st.level, 'root');
        return root ? this.eval(root.directives[0]!.args[0] ?? '') : `${this.options.prefix ?? '/usr/share/nginx'}/html`;
      }
      case 'request_filename':
        return this.filePath(st.uri);
      default:
    }
    if (name.startsWith('arg_')) {
      const key = name.slice(4).toLowerCase();
      for (const pair of st.args.split('&')) {
        const eq = pair.indexOf('=');
        if ((eq < 0 ? pair : pair.slice(0, eq)).toLowerCase() === key) return eq < 0 ? '' : pair.slice(eq + 1);
      }
      return '';
    }
    if (name.startsWith('http_')) {
      // With the headers given, one not listed is absent (empty); without them, unknown.
      const header = name.slice(5).replace(/_/g, '-');
      return this.request.headers ? (headers[header] ?? '') : undefined;
    }
    return undefined;
  }

  /** Makes a redirect target absolute as nginx does (absolute_redirect on, port_in_redirect on). */
  private absolute(url: string): string {
    if (!url.startsWith('/')) return url;
    const st = this.state;
    const host = st.host || (st.server?.info.names[0]?.name ?? 'localhost');
    return `http://${host}${st.port === 80 ? '' : `:${st.port}`}${url}`;
  }
}

/**
 * Handlers of modules the simulator does not model (NGINX Plus `api`, njs,
 * Lua, Perl, echo, Passenger, the upload module...): where one is written,
 * the request may never reach the static module or a `*_pass`.
 */
const FOREIGN_HANDLERS = /^(api|status|perl|passenger_enabled|upload_pass|js_content|echo(_\w+)?|\w+_by_lua(_block|_file)?|push_stream_\w+|rtmp_stat|vod|xslt_stylesheet)$/;

/** The first directive of an unmodelled module at this level or the location around it. */
export function unknownHandler(level: Level): Directive | null {
  for (let l: Level | null = level; l && l.kind !== 'server' && l.kind !== 'http'; l = l.parent) {
    const found = l.directives.find((d) => FOREIGN_HANDLERS.test(d.directive) && d.args[0] !== 'off');
    if (found) return found;
    if (l.kind === 'location') break;
  }
  return null;
}

/** server_name regexes, run in bounded time: test() is undefined when verblint cannot tell. */
function regexFor(pattern: string, caseless: boolean): { test(host: string): boolean | undefined } | null {
  const c = compilePcre(pattern, caseless);
  if (!c.ok) return null;
  return {
    test: (host) => {
      const m = execPcre(c, host);
      return m === undefined ? undefined : m !== null;
    },
  };
}

/**
 * The authentication a client without credentials meets at a level:
 * auth_basic (only with a user file: without one the module declines,
 * ngx_http_auth_basic_handler), auth_jwt (401), or auth_request (its
 * subrequest decides). `find` reads the auth directives: inherited by default.
 */
export function authentication(
  level: Level,
  find: (level: Level, name: string) => Directive | undefined = nearest,
): { kind: 'auth-basic' | 'auth-jwt' | 'auth-request'; by: Directive } | null {
  const on = (name: string): Directive | undefined => {
    const d = find(level, name);
    return d && d.args[0] !== 'off' ? d : undefined;
  };
  const basic = on('auth_basic');
  if (basic && nearest(level, 'auth_basic_user_file')) return { kind: 'auth-basic', by: basic };
  const jwt = on('auth_jwt');
  if (jwt) return { kind: 'auth-jwt', by: jwt };
  const sub = on('auth_request');
  return sub ? { kind: 'auth-request', by: sub } : null;
}

/** The content handler written directly at a level: the last one wins. */
function handlerIn(level: Level): Directive | null {
  return handlersIn(level).pop() ?? null;
}

function passOf(loc: NginxLocation): Directive | null {
  const h = handlerIn(loc);
  return h && Object.hasOwn(PASS_MODULES, h.directive) ? h : null;
}

/** nginx sets auto_redirect when a `*_pass` is written in a location whose name ends with "/". */
function autoRedirects(loc: NginxLocation): boolean {
  return loc.name.endsWith('/') && passOf(loc) !== null;
}

function isExactOrRegex(loc: NginxLocation): boolean {
  return loc.modifier === '=' || loc.modifier === '~' || loc.modifier === '~*';
}

/** The location a level belongs to (a limit_except or if block uses its location's name for proxy_pass). */
function enclosingLocation(level: Level): NginxLocation | null {
  for (let l: Level | null = level; l; l = l.parent) if (l.kind === 'location') return l as NginxLocation;
  return null;
}

function parseSize(text: string): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(text);
  if (!m) return 1024 * 1024;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * unit;
}

function addressMatches(client: string, rule: string): boolean {
  if (rule === client) return true;
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(rule);
  const toInt = (ip: string): number | null => {
    const parts = ip.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) return null;
    return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  };
  if (!m) return false;
  const a = toInt(client);
  const b = toInt(m[1]!);
  const bits = Number(m[2]);
  if (a === null || b === null) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (a & mask) === (b & mask);
}

/** A directive as a short label for the trace. */
const shown = new WeakMap<Directive, string>();

/** A directive as trace steps name it, made once per directive: every request that passes it has a step. */
function show(d: Directive): string {
  let text = shown.get(d);
  if (text === undefined) {
    text = [d.directive, ...d.args].join(' ');
    if (text.length > 80) text = `${text.slice(0, 77)}...`;
    shown.set(d, text);
  }
  return text;
}

export type { Outcome, SimRequest } from './outcome.js';
