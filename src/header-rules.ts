// Shared logic for the header, error_page and CORS method rules: the
// configuration levels, add_header inheritance, sample requests per
// location, and what an `error_page 405` does with the request.
import type { Directive, ParseResult } from './model.js';
import { allLocations, isProxied, locationsAt, named, namedUp, modelOf, type Level, type NginxLocation, type NginxModel, type NginxServer } from './nginx-model.js';
import type { Outcome } from './outcome.js';
import { probesOf } from './rule-support.js';

/** Every level that can hold add_header, error_page or return: http, servers, locations and their `if` blocks. */
export function* levels(model: NginxModel): Generator<Level> {
  yield model.http;
  for (const server of model.servers) {
    yield server;
    yield* server.ifs.values();
    for (const loc of allLocations(server.locations)) {
      yield loc;
      yield* loc.ifs.values();
    }
  }
}

/** The add_header directives in force at a level, as nginx inherits them (the nearest level with any). */
export function addHeaders(level: Level | null): readonly Directive[] {
  return namedUp(level, 'add_header') ?? [];
}

export const headerName = (d: Directive): string => (d.args[0] ?? '').toLowerCase();
export const isAlways = (d: Directive): boolean => d.args[2] === 'always';

/** The CORS preflight the rules send. */
export const PREFLIGHT = { origin: 'https://example.com', 'access-control-request-method': 'PUT' };

/** True when every way the request goes ends in a 405 from the static module. */
export const every405Static = (o: Outcome): boolean => o.branches.length > 0 && o.branches.every((b) => b.status === 405 && b.producer === 'static');

export type ErrorPage405 =
  | { kind: 'masks'; why: string }
  | { kind: 'drops-method'; why: string }
  | { kind: 'fine' };

/**
 * What `error_page ... 405 ...` does to a refused write: masks it (a 2xx, a
 * redirect, or a static page with the page's status), sends it on as GET to
 * a backend, or keeps it (405 kept, or a named location). Null when 405 is
 * not among the codes or verblint cannot tell.
 */
export function errorPage405(tree: ParseResult, page: Directive): ErrorPage405 | null {
  const codes = page.args.slice(0, -1);
  const target = page.args[page.args.length - 1] ?? '';
  if (!codes.includes('405')) return null;
  const eq = codes.find((a) => a.startsWith('='));
  if (target.startsWith('@')) return { kind: 'fine' };
  if (!target.startsWith('/') && !/^\$(uri|document_uri|request_uri)\b/.test(target)) {
    if (/^[a-z$][\w$]*:\/\/|^\$scheme/i.test(target)) return { kind: 'masks', why: `the client gets a redirect (${eq && /^=30[1278]$/.test(eq) ? eq.slice(1) : '302'}) to "${target}"` };
    return null;
  }
  if (eq && /^=2\d\d$/.test(eq)) return { kind: 'masks', why: `the client gets ${eq.slice(1)} from "${target}" as a GET` };
  if (eq !== '=') return { kind: 'fine' };
  if (target.includes('$')) return null;
  const served = servedBy(tree, page, target);
  if (served === 'upstream') return { kind: 'drops-method', why: `"${target}" is proxied` };
  if (served === 'static') return { kind: 'masks', why: `"${target}" is served statically, so the client gets 200 from a GET` };
  return null;
}

/** Who answers a GET for `uri` in the server(s) the directive applies to: a backend, the static module, or unknown. */
function servedBy(tree: ParseResult, at: Directive, uri: string): 'upstream' | 'static' | null {
  const model = modelOf(tree);
  const { servers } = probesOf(tree);
  const kinds = new Set<string>();
  for (const server of serversWith(model, at)) {
    const send = servers.get(server);
    if (!send) continue;
    for (const b of send('GET', uri).branches) {
      if (b.producer === 'upstream') kinds.add('upstream');
      // An `internal` location cannot be reached by a GET from outside: ask the location itself.
      else if (b.producer === 'internal' && lastLocationProxies(server, b.trace)) kinds.add('upstream');
      else if (b.producer === 'static' || b.producer === 'internal') kinds.add('static');
      else kinds.add('other');
    }
  }
  return kinds.size === 1 ? ([...kinds][0] === 'other' ? null : ([...kinds][0] as 'upstream' | 'static')) : null;
}

const holders = new WeakMap<NginxModel, { http: Set<Directive>; own: Map<Directive, NginxServer[]> }>();

/**
 * The servers a directive applies to, in order: every server for one at the
 * http level, else those with it at one of their own levels. Indexed once per
 * model: asking each error_page's servers is then not quadratic in servers.
 */
export function serversWith(model: NginxModel, at: Directive): readonly NginxServer[] {
  let index = holders.get(model);
  if (!index) {
    index = { http: new Set(model.http.directives), own: new Map() };
    for (const server of model.servers) {
      for (const level of levels({ http: model.http, servers: [server] })) {
        if (level === model.http) continue;
        for (const d of level.directives) {
          const list = index.own.get(d);
          if (!list) index.own.set(d, [server]);
          else if (list[list.length - 1] !== server) list.push(server);
        }
      }
    }
    holders.set(model, index);
  }
  return index.http.has(at) ? model.servers : (index.own.get(at) ?? []);
}

/** Whether the last location in a trace hands requests to a backend. */
function lastLocationProxies(server: NginxServer, trace: Outcome['trace']): boolean {
  const step = [...trace].reverse().find((t) => t.directive.startsWith('location '));
  const loc = step && locationsAt(server, step.file, step.line)[0];
  return !!loc && isProxied(loc);
}

/** Every error_page directive of the config, once each. */
export function errorPages(tree: ParseResult): Directive[] {
  const seen = new Set<Directive>();
  for (const level of levels(modelOf(tree))) for (const d of named(level, 'error_page') ?? []) seen.add(d);
  return [...seen];
}

/** The CORS add_header directives (Access-Control-*) a location sends in any of its branches: its own level and its `if` blocks. */
export function corsHeaders(loc: NginxLocation): readonly Directive[] {
  let found = corsByLocation.get(loc);
  if (found === undefined) {
    const all = loc.ifs.size === 0 ? addHeaders(loc) : [loc, ...loc.ifs.values()].flatMap((l) => addHeaders(l));
    found = [...new Set(all)].filter((d) => headerName(d).startsWith('access-control-'));
    // Only the few locations with some are remembered: an entry and an empty list for each of 170,000 locations cost 10 MB.
    if (found.length === 0) return NO_DIRECTIVES;
    corsByLocation.set(loc, found);
  }
  return found;
}

const corsByLocation = new WeakMap<NginxLocation, readonly Directive[]>();

const NO_DIRECTIVES: readonly Directive[] = Object.freeze([]);

/** Who refused, for a message: `405 from the static module`, `403 from limit_except (line 9)`. */
export function refusal(o: Outcome, loc: NginxLocation): string | null {
  const b = o.branches;
  if (b.length === 0) return null;
  if (b.every((x) => x.status === 405)) return `405 from ${b[0]!.producer === 'static' ? 'the static module' : b[0]!.producer === 'return' ? '"return 405"' : `the ${b[0]!.producer} stage`}`;
  if (b.every((x) => x.producer === 'limit-except' || x.producer === 'auth-basic' || x.producer === 'auth-jwt') && loc.limitExcept) {
    return `${b[0]!.status} from limit_except (line ${loc.limitExcept.node.line})`;
  }
  return null;
}

/**
 * The lower-case letters a case-sensitive regex needs literally, outside
 * escapes, classes, group names and flags, as words; none when it sets `(?i)`.
 */
export function lowerLiterals(regex: string): string[] {
  if (/\(\?[a-zA-Z-]*i/.test(regex)) return [];
  const bare = regex
    .replace(/\\[pP]\{[^}]*\}|\\./g, '')
    .replace(/\[(?:\\.|[^\]\\])+\]/g, '')
    .replace(/\(\?P?<[A-Za-z_]\w*>|\(\?'[A-Za-z_]\w*'|\(\?P[=>][A-Za-z_]\w*\)?|\(\?[a-zA-Z^-]*[:)]/g, '');
  return bare.match(/[a-zA-Z]*[a-z][a-zA-Z]*/g) ?? [];
}
