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
  inherited,
  isContentHandler,
  named,
  namedUp,
  nearest,
  own,
  PASS_MODULES,
  serverInfos,
  type Level,
  type NginxLocation,
  type NginxModel,
  type NginxServer,
} from './nginx-model.js';
import { escapeUri, interpolate, normalizePath, parseTarget, type Target } from './nginx-vars.js';
import type { FileKind, Outcome, Producer, SimRequest, Upstream } from './outcome.js';
import { compilePcre, execPcre, UNBOUNDED, type Compiled } from './pcre.js';
import { selectServer, type Selection } from './servers.js';
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
/** The alternatives of a file nobody told us about, in the order a fork follows them. */
const FILE_KINDS: readonly FileKind[] = ['file', 'missing', 'dir'];

export function simulate(model: NginxModel, request: SimRequest, options: SimulateOptions = {}): Outcome {
  // Every branch replays the request from its start: what the request line and the server choice come to is worked out once.
  const line = requestLine(model, request);
  return exploreBranches(request, options.maxBranches ?? 64, (prefix) => {
    const run = new Run(model, request, options, prefix, line);
    return { branch: run.execute(), choices: run.choices };
  });
}

/** The request line as nginx reads it, and the server it picks; `refused` when nginx answers 400 at once. */
type RequestLine =
  | { refused: 'method' | 'target' }
  | { refused: null; target: Target; path: string; port: number; host: string; requestUri: string; selection: Selection | null };

function requestLine(model: NginxModel, req: SimRequest): RequestLine {
  if (!/^[A-Z_-]+$/.test(req.method)) return { refused: 'method' };
  const target = parseTarget(req.uri);
  const path = target ? normalizePath(target.rawPath) : null;
  if (!target || path === null) return { refused: 'target' };
  const port = req.port ?? target.port ?? 80;
  const chosen = select(model, target.host ?? req.host ?? 'localhost', port, req.address);
  return {
    refused: null,
    target,
    path,
    port,
    host: chosen.host,
    // Only an absolute-form target has a scheme and host to drop.
    requestUri: req.uri.startsWith('/') ? req.uri : req.uri.replace(/^https?:\/\/[^/?#]*/i, '') || '/',
    selection: chosen.selection,
  };
}

/** A server choice, with the Host as $host gives it. */
interface Chosen {
  selection: Selection | null;
  host: string;
}

/**
 * Server choices per model, by local address (undefined when not known),
 * port and Host header: the rules send many requests to each server with the
 * same Host. Shared answers: never changed.
 */
const selections = new WeakMap<NginxModel, { size: number; byAddress: Map<string | undefined, Map<number, Map<string, Chosen>>> }>();
/** Past this many choices a model's are forgotten: a caller trying random Hosts must not grow the cache without end. */
const MAX_SELECTIONS = 100_000;

function select(model: NginxModel, hostHeader: string, port: number, address: string | undefined): Chosen {
  let known = selections.get(model);
  if (!known) selections.set(model, (known = { size: 0, byAddress: new Map() }));
  let byPort = known.byAddress.get(address);
  if (!byPort) known.byAddress.set(address, (byPort = new Map()));
  let byHost = byPort.get(port);
  if (!byHost) byPort.set(port, (byHost = new Map()));
  let chosen = byHost.get(hostHeader);
  if (chosen === undefined) {
    chosen = {
      selection: selectServer(serverInfos(model), { host: hostHeader, port, ...(address !== undefined && { address }) }, regexFor),
      host: hostHeader.replace(/:\d*$/, '').replace(/\.$/, '').toLowerCase(),
    };
    if (++known.size > MAX_SELECTIONS) {
      known.size = 1;
      known.byAddress.clear();
      known.byAddress.set(address, (byPort = new Map([[port, (byHost = new Map())]])));
    }
    byHost.set(hostHeader, chosen);
  }
  return chosen;
}

/**
 * The server a request goes to, chosen as simulate() chooses it (null when
 * none listens, or the target is one nginx refuses), without running it.
 */
export function chosenServer(model: NginxModel, request: Omit<SimRequest, 'method'>): NginxServer | null {
  const line = requestLine(model, { ...request, method: 'GET' });
  return line.refused === null && line.selection ? model.servers[line.selection.server.index]! : null;
}

interface Found {
  location: NginxLocation | null;
  /** nginx answers with a 301 to the location's name (its auto_redirect). */
  redirect: boolean;
}

/** No location matches: shared, never changed. */
const NOT_FOUND: Found = { location: null, redirect: false };

/** An exact or prefix location (not a regex or named one). */
function isStatic(l: NginxLocation): boolean {
  return l.modifier === '' || l.modifier === '^~' || l.modifier === '=';
}

/** What a request without regex captures has: shared, never changed (a match brings its own). */
const NO_CAPTURES: readonly (string | undefined)[] = [];
const NO_NAMES: Readonly<Record<string, string | undefined>> = {};

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
  captures: readonly (string | undefined)[];
  named: Readonly<Record<string, string | undefined>>;
  /** The variables `set` gave values; null until the first. */
  vars: Map<string, string | undefined> | null;
  /** The content handler chosen so far: nginx keeps it when an `if` block without one matches. */
  handler: Directive | null;
}

class Run extends ForkingRun {
  /** What the branch found on disk, made on its first question. */
  private files: Map<string, FileKind> | null = null;
  private state!: State;
  private answered = false;
  /** interpolate()'s lookup, made once per run rather than at every evaluation. */
  private readonly lookup = (name: string): string | undefined => this.variable(name);

  constructor(
    private readonly model: NginxModel,
    private readonly request: SimRequest,
    private readonly options: SimulateOptions,
    prefix: readonly number[],
    private readonly line: RequestLine,
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
   *
   * Every phase returns the answer up to start() (see ForkingRun): a phase
   * that gets a Done from the one it called returns it at once.
   */
  private end(status: number | null, producer: Producer, extra: { location?: string | null; upstream?: Upstream | null; allow?: string | null; final?: boolean } = {}): Done {
    // A Done dropped on the way up would let the branch run on to a second answer.
    if (this.answered) throw new Error('a branch answered twice');
    this.answered = true;
    const st = this.state as State | undefined;
    if (!extra.final && st?.errorPage && st.errStatus > 0 && !(status === null && producer === 'return')) status = st.errStatus;
    const allow = extra.allow !== undefined ? extra.allow : status === null ? null : this.allowHeader(status);
    return new Done({ status, producer, allow, location: extra.location ?? null, upstream: extra.upstream ?? null });
  }

  /** The Allow header from `add_header` at the level in force (inherited as nginx does). */
  private allowHeader(status: number): string | null {
    const headers = namedUp(this.state?.level ?? null, 'add_header');
    if (!headers) return null;
    for (const d of headers) {
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

  protected start(): Done {
    const req = this.request;
    const line = this.line;
    if (line.refused) {
      this.step(
        null,
        line.refused === 'method'
          ? `the request-line parser accepts only methods made of A-Z, "_" and "-"; "${req.method}" gets 400`
          : `nginx refuses the request target "${req.uri}" with 400 (only origin form /path and absolute form http://host/path are accepted)`,
      );
      return this.end(400, 'request-line', { allow: null });
    }
    const port = line.port;
    this.state = {
      method: req.method,
      uri: line.path,
      args: line.target.args,
      requestUri: line.requestUri,
      validUnparsedUri: true,
      validLocation: true,
      internal: false,
      errorPage: false,
      errStatus: 0,
      uriChanges: MAX_URI_CHANGES + 1,
      host: line.host,
      port,
      server: null,
      level: null,
      location: null,
      captures: NO_CAPTURES,
      named: NO_NAMES,
      vars: null,
      handler: null,
    };
    const selection = line.selection;
    if (!selection) {
      this.step(null, `no server listens on port ${port}`);
      return this.end(null, 'no-server', { allow: null });
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
      return this.fail(400, 'request-line');
    }

    if (req.method === 'TRACE' || req.method === 'CONNECT') {
      this.step(null, `${req.method} is refused with 405 while the headers are read, before any location is chosen`);
      return this.fail(405, 'trace-connect');
    }
    return this.serverRewrite();
  }

  // ---- phases ----

  private serverRewrite(): Done {
    const server = this.state.server!;
    const flow = this.rewriteCodes(server, server.directives, true);
    if (flow instanceof Done) return flow;
    if (flow === 'stop-server') this.step(null, 'server-level rewrite processing stopped');
    return this.findConfig();
  }

  private findConfig(): Done {
    const st = this.state;
    const server = st.server!;
    st.uriChanges--;
    if (st.uriChanges === 0) {
      this.step(null, 'rewrite or internal redirection cycle: nginx gives 500');
      return this.fail(500, 'rewrite');
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
      return this.fail(404, 'internal');
    }
    const limited = loc?.limitExcept && !loc.limitExcept.allowed.has(st.method) ? loc.limitExcept : null;
    if (limited) {
      st.level = limited;
      this.selectLimitHandler(loc!);
    }
    // Without a body no limit is exceeded: the lookup is left out.
    const body = this.request.bodyLength ?? 0;
    if (body > 0) {
      const max = parseSize(nearest(st.level, 'client_max_body_size')?.args[0] ?? '1m');
      if (body > max && max > 0) {
        this.step(nearest(st.level, 'client_max_body_size') ?? null, `the body (${this.request.bodyLength} bytes) is larger than client_max_body_size: 413`);
        return this.fail(413, 'body-size');
      }
    }
    if (found.redirect && loc) {
      const target = loc.name + (st.args ? `?${st.args}` : '');
      this.step(loc.node, `${st.uri} lacks the trailing slash of a location with ${passOf(loc)?.directive ?? 'a *_pass'}: 301 to ${loc.name} for every method (browsers then send POST as GET)`);
      return this.fail(301, 'auto-redirect', this.absolute(target));
    }
    if (limited) {
      this.step(limited.node, `${st.method} is not in the list: the limit_except block applies, and the location's rewrite directives (return, rewrite, if, set) are skipped`);
    } else if (loc?.limitExcept) {
      this.step(loc.limitExcept.node, `${st.method} is allowed by limit_except`);
    }
    if (loc && !limited) {
      const flow = this.rewriteCodes(st.level!, loc.directives, false);
      if (flow instanceof Done) return flow;
      if (flow === 'changed' || flow === 'last') return this.findConfig();
    }
    // access() answers only when it refuses the request.
    return this.access() ?? this.content();
  }

  /** ngx_http_core_find_location: exact, longest prefix (nested first), then regexes in order. */
  private findLocation(locations: readonly NginxLocation[], uri: string): Found {
    if (locations.length === 0) return NOT_FOUND;
    // One pass over the exact and prefix locations: the first exact match, whether some location has this very name, the longest prefix.
    let exact: NginxLocation | null = null;
    let sameName = false;
    let best: NginxLocation | null = null;
    for (const l of locations) {
      if (!isStatic(l)) continue;
      if (l.name === uri) {
        if (l.modifier === '=') {
          exact = l;
          break;
        }
        sameName = true;
      }
      if (l.modifier !== '=' && uri.startsWith(l.name) && (!best || l.name.length > best.name.length)) best = l;
    }
    if (exact) {
      this.step(exact.node, `exact match for ${uri}`);
      return { location: exact, redirect: false };
    }
    if (!sameName) {
      for (const l of locations) {
        // `uri` plus a slash, in a location that redirects there.
        if (isStatic(l) && l.name.length === uri.length + 1 && l.name.endsWith('/') && l.name.startsWith(uri) && autoRedirects(l)) return { location: l, redirect: true };
      }
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
    return result ? { location: result, redirect: false } : NOT_FOUND;
  }

  private regexMatches(l: NginxLocation, uri: string): boolean {
    const compiled = compiledRegex(l.name, l.modifier === '~*');
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
   * 'last', 'changed' (the URI changed without a flag), 'stop-server'; or
   * the answer, when a directive gave one.
   */
  private rewriteCodes(level: Level, directives: readonly Directive[], server: boolean): 'done' | 'break' | 'last' | 'changed' | 'stop-server' | Done {
    let changed = false;
    for (const d of directives) {
      switch (d.directive) {
        case 'return':
          return this.doReturn(d);
        case 'set': {
          const value = this.eval(d.args[1] ?? '');
          (this.state.vars ??= new Map()).set((d.args[0] ?? '').replace(/^\$/, ''), value);
          break;
        }
        case 'break':
          this.step(d, 'break: no more rewrite directives here');
          return 'break';
        case 'rewrite': {
          const flow = this.doRewrite(d, server);
          if (flow instanceof Done) return flow;
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
          // 'break', 'last', 'stop-server' or the answer.
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

  private doReturn(d: Directive): Done {
    const [first = '', second] = d.args;
    if (!/^\d+$/.test(first)) {
      const url = this.eval(first) ?? first;
      this.step(d, `return: 302 to ${url}`);
      return this.fail(302, 'return', this.absolute(url));
    }
    const code = Number(first);
    if (code === 444) {
      this.step(d, 'return 444: nginx closes the connection without an answer');
      return this.end(null, 'return', { allow: null });
    }
    if ([301, 302, 303, 307, 308].includes(code)) {
      const url = second === undefined ? null : this.eval(second) ?? second;
      this.step(d, `return ${code}${url ? ` to ${url}` : ''}${code === 301 || code === 302 || code === 303 ? ' (browsers resend POST as GET)' : ' (the method and body are kept)'}`);
      // Redirects end through ngx_http_finalize_request, as errors do: error_page sees them, and they keep their status.
      return this.fail(code, 'return', url === null ? null : this.absolute(url));
    }
    this.step(d, `return ${code}${second !== undefined ? ' with a body: error_page does not apply' : ''}`);
    if (code >= 400 && second === undefined) return this.fail(code, 'return');
    return this.end(code, 'return');
  }

  private doRewrite(d: Directive, server: boolean): 'last' | 'break' | 'changed' | 'nomatch' | Done {
    const [pattern = '', replacement = '', flag] = d.args;
    const compiled = compiledRegex(pattern, false);
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
      return this.fail(code, 'return', this.absolute(this.withArgs(target)));
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
      const compiled = compiledRegex(b, op.endsWith('*'));
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

  /** The access phase: the answer when it refuses the request, else undefined. */
  private access(): Done | undefined {
    const st = this.state;
    const level = st.level!;
    const satisfyAny = nearest(level, 'satisfy')?.args[0] === 'any';
    const denied = this.accessRules(level);
    const auth = this.authResult(level);
    const inLimit = level.kind === 'limit_except';
    if (satisfyAny) {
      if (!denied.denied || auth === null) return undefined;
      if (auth.status === 401 || denied.denied) {
        this.step(denied.by, 'satisfy any: neither the address rules nor authentication let the request in');
        return this.fail(auth.status, auth.producer);
      }
      return undefined;
    }
    if (denied.denied) {
      this.step(denied.by, `${st.method} ${inLimit ? 'is limited and ' : ''}denied: 403${inLimit ? ' from limit_except; the backend never sees it' : ''}`);
      return this.fail(403, inLimit ? 'limit-except' : 'access');
    }
    if (auth) {
      this.step(auth.by, `${auth.status} from ${auth.by.directive}${inLimit ? ' inside limit_except' : ''} (without credentials)`);
      return this.fail(auth.status, auth.producer);
    }
    return undefined;
  }

  private accessRules(level: Level): { denied: boolean; by: Directive | null } {
    const rules = inherited(level, 'allow', 'deny');
    if (!rules) return NOT_DENIED;
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
    return NOT_DENIED;
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

  private content(): Done {
    const foreign = unknownHandler(this.state.level!);
    if (foreign) {
      this.cannotTell = true;
      this.assumptions.push(`${foreign.directive} decides the answer`);
      this.step(foreign, `${foreign.directive} is a module verblint does not model: cannot tell what it answers`);
      return this.end(null, 'handler', { allow: null });
    }
    // try_files is not merged into nested levels: an `if` block that matched, or a limit_except block, has none.
    const tryFiles = own(this.state.level!, 'try_files');
    if (tryFiles) {
      const answer = this.tryFiles(tryFiles);
      if (answer) return answer;
    }
    return this.contentHandler();
  }

  private contentHandler(): Done {
    const st = this.state;
    const handler = st.handler;
    if (handler) {
      if (GET_ONLY_HANDLERS.has(handler.directive) || handler.directive === 'memcached_pass') {
        if (st.method !== 'GET' && st.method !== 'HEAD') {
          this.step(handler, `${handler.directive} answers only GET and HEAD: ${st.method} gets 405`);
          return this.fail(405, 'handler');
        }
        if (handler.directive === 'empty_gif' || handler.directive === 'stub_status') {
          this.step(handler, `${handler.directive} answers 200`);
          return this.end(200, 'handler');
        }
        if (handler.directive === 'flv' || handler.directive === 'mp4') return this.staticFile(handler);
      }
      return this.upstream(handler);
    }
    const dav = nearest(st.level, 'dav_methods');
    if (dav && dav.args[0] !== 'off' && dav.args.map((m) => m.toUpperCase()).includes(st.method)) return this.dav(dav);
    return this.staticFile(null);
  }

  private upstream(pass: Directive): Done {
    const st = this.state;
    const module = PASS_MODULES[pass.directive]!;
    const raw = pass.args[0] ?? '';
    const url = this.eval(raw);
    const scheme = /^[a-z]+:\/\//i.exec(raw)?.[0] ?? '';
    const afterHost = raw.slice(scheme.length);
    const hostEnd = afterHost.startsWith('unix:') ? afterHost.indexOf(':/', 5) : afterHost.indexOf('/');
    const hasVariables = raw.includes('$');
    let path: string | undefined;
    // The request line as the client sent it, or the URI as it is now; escaped only when asked for.
    const whole = (): string => (st.validUnparsedUri ? st.requestUri : `${escapeUri(st.uri)}${st.args ? `?${st.args}` : ''}`);
    if (module !== 'proxy' && module !== 'grpc') {
      path = whole();
    } else if (hasVariables) {
      const evaluated = url;
      if (evaluated === undefined) path = undefined;
      else {
        const rest = evaluated.slice(scheme.length);
        const slash = rest.indexOf('/');
        path = slash >= 0 ? rest.slice(slash) : whole();
      }
    } else if (hostEnd < 0) {
      path = whole();
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
      const params = namedUp(st.level, 'fastcgi_param');
      if (!params?.some((p) => p.args[0] === 'REQUEST_METHOD')) {
        this.step(pass, 'no fastcgi_param REQUEST_METHOD: the application never learns the method');
      }
    }
    const upstream: Upstream = { module, url: url ?? raw, method, path: path ?? '', body: module !== 'memcached' };
    // Under error_page with a fixed status, end() puts that status on the backend's answer.
    return this.end(null, 'upstream', { upstream, allow: null });
  }

  /** The path a URI maps to under root or alias. */
  private filePath(uri: string): string | undefined {
    const st = this.state;
    const found = lastEither(st.level, 'root', 'alias');
    const prefix = this.options.prefix ?? '/usr/share/nginx';
    if (!found) return `${prefix}/html${uri}`;
    const d = found.directive;
    let base = this.eval(d.args[0] ?? '');
    if (base === undefined) return undefined;
    if (!base.startsWith('/')) base = `${prefix}/${base}`;
    if (d.directive === 'root') return `${base.endsWith('/') ? base.slice(0, -1) : base}${uri}`;
    // alias: replaces the location's prefix; in a regex location it is the whole path.
    const owner = found.level.kind === 'location' ? (found.level as NginxLocation) : st.location;
    if (!owner || owner.modifier === '~' || owner.modifier === '~*') return base;
    return `${base}${uri.slice(owner.name.length)}`;
  }

  private fileKind(path: string): FileKind {
    const known = this.files?.get(path);
    if (known) return known;
    let kind = this.request.files?.(path);
    if (kind === undefined) {
      kind = FILE_KINDS[this.choose(3, (t) => `${path} ${['is a file', 'does not exist', 'is a directory'][t]}`, false)]!;
    }
    (this.files ??= new Map()).set(path, kind);
    return kind;
  }

  /** try_files: the answer when it finds nothing, undefined when it found a file (the URI may have changed). */
  private tryFiles(d: Directive): Done | undefined {
    const st = this.state;
    const args = d.args;
    for (let i = 0; i < args.length - 1; i++) {
      const arg = args[i]!;
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
        return undefined;
      }
    }
    const last = args[args.length - 1] ?? '';
    if (/^=\d+$/.test(last)) {
      this.step(d, `try_files found nothing: ${last.slice(1)} for every method`);
      return this.fail(Number(last.slice(1)), 'try-files');
    }
    if (last.startsWith('@')) {
      this.step(d, `try_files found nothing: on to ${last}, method and body kept`);
      return this.namedLocation(last);
    }
    const target = this.eval(last);
    if (target === undefined) {
      this.cannotTell = true;
      this.assumptions.push(`try_files ${last} uses a variable verblint does not know`);
      return this.end(null, 'try-files', { allow: null });
    }
    this.step(d, `try_files found nothing: internal redirect to ${target}, ${st.method} kept`);
    return this.internalRedirect(target);
  }

  private internalRedirect(target: string): Done {
    const st = this.state;
    const q = target.indexOf('?');
    if (q >= 0) {
      st.uri = target.slice(0, q);
      st.args = target.slice(q + 1);
    } else st.uri = target;
    st.internal = true;
    st.validUnparsedUri = false;
    st.validLocation = true;
    st.vars = null;
    return this.serverRewrite();
  }

  private namedLocation(name: string): Done {
    const st = this.state;
    const loc = st.server!.locations.find((l) => l.modifier === '@' && l.name === name);
    if (!loc) {
      this.step(null, `no location ${name}: 500`);
      return this.fail(500, 'rewrite');
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
      if (flow instanceof Done) return flow;
      if (flow === 'changed' || flow === 'last') return this.findConfig();
    }
    // access() answers only when it refuses the request.
    return this.access() ?? this.content();
  }

  /** The index, autoindex and static modules, in the order nginx runs them. */
  private staticFile(handler: Directive | null): Done {
    const st = this.state;
    const method = st.method;
    const readable = method === 'GET' || method === 'HEAD' || method === 'POST';
    const where = st.level?.node ?? null;
    if (st.uri.endsWith('/') && !handler) {
      if (readable) {
        const answer = this.index();
        if (answer) return answer;
      }
      const autoindex = nearest(st.level, 'autoindex');
      if (autoindex?.args[0] === 'on' && (method === 'GET' || method === 'HEAD')) {
        this.step(autoindex, 'autoindex lists the directory: 200');
        return this.end(200, 'autoindex');
      }
      if (!readable) {
        this.step(where, `static content: ${method} gets 405 (the static module serves only GET, HEAD and POST), without an Allow header`);
        return this.fail(405, 'static');
      }
      this.step(where, `no index file in ${st.uri} and no autoindex: 403`);
      return this.fail(403, 'static');
    }
    if (handler ? method !== 'GET' && method !== 'HEAD' : !readable) {
      this.step(handler ?? where, `static content: ${method} gets 405 whether or not the file exists, without an Allow header`);
      return this.fail(405, handler ? 'handler' : 'static');
    }
    const path = this.filePath(st.uri);
    if (path === undefined) {
      this.cannotTell = true;
      this.assumptions.push('the root or alias uses a variable verblint does not know');
      return this.end(null, 'static', { allow: null });
    }
    const kind = this.fileKind(path);
    if (kind === 'missing') {
      this.step(where, `${path} does not exist: 404`);
      return this.fail(404, handler ? 'handler' : 'static');
    }
    if (kind === 'dir') {
      this.step(where, `${path} is a directory: 301 to ${st.uri}/`);
      return this.fail(301, 'static', this.absolute(`${escapeUri(st.uri)}/${st.args ? `?${st.args}` : ''}`));
    }
    if (method === 'POST') {
      this.step(where, `${path} exists: POST to a static file gets 405, without an Allow header`);
      return this.fail(405, 'static');
    }
    this.step(where, `${path} is served: 200`);
    return this.end(200, handler ? 'handler' : 'static');
  }

  /** The index module: the answer when it redirects or finds no directory, else undefined (autoindex and static come next). */
  private index(): Done | undefined {
    const st = this.state;
    const found = namedUp(st.level, 'index');
    const names = found ? found.flatMap((d) => d.args) : ['index.html'];
    const dir = this.filePath(st.uri);
    if (dir === undefined) return undefined;
    for (const name of names) {
      const value = this.eval(name);
      if (value === undefined) continue;
      if (value.startsWith('/')) {
        this.step(found?.[0] ?? null, `index falls back to ${value}: internal redirect, ${st.method} kept`);
        return this.internalRedirect(value);
      }
      if (this.fileKind(`${dir}${value}`) === 'file') {
        this.step(found?.[0] ?? null, `index file ${st.uri}${value} found: internal redirect, ${st.method} kept`);
        return this.internalRedirect(`${st.uri}${value}${st.args ? `?${st.args}` : ''}`);
      }
    }
    if (this.fileKind(dir.replace(/\/$/, '') || '/') !== 'dir') {
      this.step(found?.[0] ?? st.level?.node ?? null, `${dir} does not exist: 404`);
      return this.fail(404, 'index');
    }
    return undefined;
  }

  private dav(d: Directive): Done {
    const st = this.state;
    const path = this.filePath(st.uri);
    if (path === undefined) return this.end(null, 'dav', { allow: null });
    const slash = st.uri.endsWith('/');
    const say = (status: number, why: string): Done => {
      this.step(d, `dav ${st.method}: ${why}: ${status}`);
      if (status >= 400) return this.fail(status, 'dav');
      return this.end(status, 'dav');
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

  /**
   * An answer nginx itself produced (it finalizes the request with this
   * status): error_page may still catch it. A call rather than a throw to
   * the phase runner: a throw costs a stack capture in Node.
   */
  private fail(status: number, producer: Producer, location: string | null = null): Done {
    const st = this.state;
    const page = st.errorPage ? undefined : errorPageFor(st.level, status);
    // An error while serving an error page is final: recursive_error_pages is off.
    if (!page) return this.end(status, producer, { location, final: true });
    st.errorPage = true;
    const args = page.args;
    const target = args[args.length - 1]!;
    const eq = args.find((a) => a.startsWith('='));
    const overwrite = eq === undefined ? -1 : eq === '=' ? 0 : Number(eq.slice(1));
    st.errStatus = overwrite >= 0 ? overwrite : status;
    const uri = this.eval(target) ?? target;
    if (uri.startsWith('@')) {
      this.step(page, `error_page ${status}: on to ${uri}, ${st.method} and the body kept`);
      return this.namedLocation(uri);
    }
    if (uri.startsWith('/')) {
      const was = st.method;
      if (st.method !== 'HEAD') st.method = 'GET';
      this.step(page, `error_page ${status}: internal redirect to ${uri}${was !== st.method ? ` as GET (the client sent ${was})` : ''}${overwrite > 0 ? `, answered with ${overwrite}` : overwrite === 0 ? ', with the status of the page' : `, status stays ${status}`}`);
      return this.internalRedirect(uri);
    }
    const code = [301, 302, 303, 307, 308].includes(overwrite) ? overwrite : 302;
    this.step(page, `error_page ${status}: redirect ${code} to ${uri}`);
    return this.end(code, 'error-page', { location: uri, final: true });
  }

  // ---- variables ----

  private eval(text: string): string | undefined {
    return interpolate(text, this.lookup);
  }

  private variable(name: string): string | undefined {
    const st = this.state;
    if (/^\d$/.test(name)) return st.captures[Number(name)] ?? '';
    // Own names only: `$constructor` is no capture (nor any other Object.prototype name).
    if (Object.hasOwn(st.named, name)) return st.named[name] ?? '';
    if (st.vars?.has(name)) return st.vars.get(name);
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
        const root = namedUp(st.level, 'root');
        return root ? this.eval(root[0]!.args[0] ?? '') : `${this.options.prefix ?? '/usr/share/nginx'}/html`;
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
      return this.request.headers ? ((Object.hasOwn(headers, header) ? headers[header] : undefined) ?? '') : undefined;
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

/** FOREIGN_HANDLERS by directive name: every request tests every directive of its location. */
const foreignNames = new Map<string, boolean>();

function isForeign(name: string): boolean {
  let foreign = foreignNames.get(name);
  if (foreign === undefined) {
    foreign = FOREIGN_HANDLERS.test(name);
    // Names come from configs: a bounded cache, whatever they hold.
    if (foreignNames.size >= 10_000) foreignNames.clear();
    foreignNames.set(name, foreign);
  }
  return foreign;
}

/** The first directive of an unmodelled module at this level or the location around it. */
export function unknownHandler(level: Level): Directive | null {
  for (let l: Level | null = level; l && l.kind !== 'server' && l.kind !== 'http'; l = l.parent) {
    const found = l.directives.find((d) => isForeign(d.directive) && d.args[0] !== 'off');
    if (found) return found;
    if (l.kind === 'location') break;
  }
  return null;
}

/**
 * compilePcre's answers by the pattern as the config holds it: compilePcre
 * keys its cache by a new string (flag and pattern) that must be hashed anew
 * at every location regex of every request; the config's own string keeps its hash.
 */
const regexCache = { caseless: new Map<string, Compiled>(), exact: new Map<string, Compiled>() };

function compiledRegex(pattern: string, caseless: boolean): Compiled {
  const cache = caseless ? regexCache.caseless : regexCache.exact;
  let compiled = cache.get(pattern);
  if (compiled === undefined) {
    compiled = compilePcre(pattern, caseless);
    // One entry per pattern read, as in compilePcre's own cache, which holds the same answers.
    cache.set(pattern, compiled);
  }
  return compiled;
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
  // Every request asks: written out, without a closure per call.
  const basic = find(level, 'auth_basic');
  if (basic && basic.args[0] !== 'off' && nearest(level, 'auth_basic_user_file')) return { kind: 'auth-basic', by: basic };
  const jwt = find(level, 'auth_jwt');
  if (jwt && jwt.args[0] !== 'off') return { kind: 'auth-jwt', by: jwt };
  const sub = find(level, 'auth_request');
  return sub && sub.args[0] !== 'off' ? { kind: 'auth-request', by: sub } : null;
}

/** The content handler written directly at a level: the last one wins. Read from the end, without handlersIn's copy. */
function handlerIn(level: Level): Directive | null {
  const ds = level.directives;
  for (let i = ds.length - 1; i >= 0; i--) if (isContentHandler(ds[i]!)) return ds[i]!;
  return null;
}

/** The last directive named `a` or `b` at the nearest level that has either (root or alias: the last one written wins). */
function lastEither(level: Level | null, a: string, b: string): { level: Level; directive: Directive } | null {
  for (let l = level; l; l = l.parent) {
    const as = named(l, a);
    const bs = named(l, b);
    if (!as && !bs) continue;
    if (!as || !bs) return { level: l, directive: (as ?? bs)![(as ?? bs)!.length - 1]! };
    const ds = l.directives;
    for (let i = ds.length - 1; ; i--) if (ds[i]!.directive === a || ds[i]!.directive === b) return { level: l, directive: ds[i]! };
  }
  return null;
}

/** The error_page directive that catches `status` at the level in force. */
function errorPageFor(level: Level | null, status: number): Directive | undefined {
  const pages = namedUp(level, 'error_page');
  if (!pages) return undefined;
  const code = String(status);
  for (const d of pages) {
    // Every argument but the last (the page) is a status or "=code".
    for (let i = 0; i < d.args.length - 1; i++) if (d.args[i] === code) return d;
  }
  return undefined;
}

const NOT_DENIED: { denied: boolean; by: Directive | null } = { denied: false, by: null };

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

const SIZE_UNITS = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

function parseSize(text: string): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(text);
  if (!m) return 1024 * 1024;
  return Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
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

/**
 * A directive as trace steps name it. Made at each step rather than cached:
 * a lint passes most directives once or twice, and a cache per directive cost
 * more to fill than it saved (and held a string for each).
 */
function show(d: Directive): string {
  // Concatenated, not joined: half the time of join() here.
  let text = d.directive;
  for (const arg of d.args) text += ` ${arg}`;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export type { Outcome, SimRequest } from './outcome.js';
