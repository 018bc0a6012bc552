// Shared by the proxy_pass rules (proxy-settings-without-pass, proxy-pass-*,
// multiple-content-handlers, dav-methods-ignored): which directives hand a
// location to a backend or a handler, where a proxy_pass URI part starts, and
// how to ask the simulator about one server.
import type { Directive, ParseResult } from './model.js';
import { allLocations, modelOf, type Level, type NginxLocation, type NginxServer } from './nginx-model.js';
import type { Outcome, SimRequest } from './outcome.js';
import { encodePath, sampleUris } from './routes.js';
import { simulate } from './simulate.js';

export const PASS_DIRECTIVES = ['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'scgi_pass', 'grpc_pass', 'memcached_pass'];
/** Content handlers that answer GET and HEAD themselves and 405 anything else. */
export const GET_ONLY_HANDLERS = ['memcached_pass', 'empty_gif', 'stub_status', 'flv', 'mp4'];
export const CONTENT_HANDLERS = [...PASS_DIRECTIVES, 'empty_gif', 'stub_status', 'flv', 'mp4'];

/** nginx's own words for a URI part where none is allowed (ngx_http_proxy_module.c). */
export const URI_PART_NOT_ALLOWED =
  '"proxy_pass" cannot have URI part in location given by regular expression, or inside named location, or inside "if" statement, or inside "limit_except" block';

/** What the winning handler does with a method: "go to the backend at 127.0.0.1:9000", "get 405 from empty_gif". */
export function handlerFate(handler: Directive, one = false): string {
  if (GET_ONLY_HANDLERS.includes(handler.directive)) return `${one ? 'gets' : 'get'} 405 from ${handler.directive}`;
  return `${one ? 'goes' : 'go'} to ${handler.directive} ${handler.args[0] ?? ''}`.trimEnd();
}

export interface Located {
  location: NginxLocation;
  server: NginxServer;
}

/** Every location of every server, each location node once (an included file may be reached twice). */
export function* eachLocation(tree: ParseResult): Generator<Located> {
  const seen = new Set<Directive>();
  for (const server of modelOf(tree).servers) {
    for (const location of allLocations(server.locations)) {
      if (seen.has(location.node)) continue;
      seen.add(location.node);
      yield { location, server };
    }
  }
}

/** The content handlers written directly at a level, in order (the last one wins). */
export function handlersIn(level: Level): Directive[] {
  return level.directives.filter((d) => CONTENT_HANDLERS.includes(d.directive));
}

/** `location ~ \.php$`, `location /api/`: the location as written. */
export function locationText(loc: NginxLocation): string {
  return `location ${loc.node.args.join(' ')}`;
}

/** The URI part of a `proxy_pass` target (`/v1/` of `http://b/v1/`), '' when it has none, null when it uses variables. */
export function uriPart(target: string): string | null {
  if (target.includes('$')) return null;
  const rest = target.replace(/^[a-z]+:\/\//i, '');
  if (rest.startsWith('unix:')) {
    const end = rest.indexOf(':', 5);
    return end < 0 ? '' : rest.slice(end + 1);
  }
  const slash = rest.indexOf('/');
  return slash < 0 ? '' : rest.slice(slash);
}

/** Simulates a request on the given server: its first listen port, and a Host that picks it. */
export function simulateOn(tree: ParseResult, server: NginxServer, method: string, uri: string): Outcome | null {
  const model = modelOf(tree);
  const listen = server.info.listens[0];
  const base: SimRequest = { method, uri, port: listen?.port ?? 80, headers: {} };
  if (listen && listen.address !== '*' && listen.address !== '[::]') base.address = listen.address;
  const mine = new Set([server.node, ...server.directives.filter((d) => d.directive === 'listen' || d.directive === 'server_name')]);
  const hosts = server.info.names.filter((n) => n.kind === 'exact' && n.name && !n.name.startsWith('$')).map((n) => n.name);
  for (const host of [...hosts, 'localhost']) {
    const outcome = simulate(model, { ...base, host });
    const first = outcome.trace[0];
    if (first && [...mine].some((d) => d.file === first.file && d.line === first.line)) return outcome;
  }
  return null;
}

/** A request path that reaches the location (checked with a GET), or null. */
export function reachingUri(tree: ParseResult, server: NginxServer, loc: NginxLocation): string | null {
  const parent = loc.parent?.kind === 'location' ? (loc.parent as NginxLocation) : null;
  const within = parent && (parent.modifier === '' || parent.modifier === '^~') ? parent.name : undefined;
  for (const uri of sampleUris(loc.modifier, loc.name, within).map(encodePath)) {
    const outcome = simulateOn(tree, server, 'GET', uri);
    if (outcome?.trace.some((t) => t.file === loc.node.file && t.line === loc.node.line)) return uri;
  }
  return null;
}

/** "404", "404 or 405": every status nginx itself can send. */
export function statusText(outcome: Outcome): string {
  const s = outcome.possibleStatuses;
  if (s.length === 0) return 'the backend\'s answer';
  return s.length === 1 ? String(s[0]) : `${s.slice(0, -1).join(', ')} or ${s[s.length - 1]}`;
}
