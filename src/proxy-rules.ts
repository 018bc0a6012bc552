// Shared by the proxy_pass rules (proxy-settings-without-pass, proxy-pass-*,
// multiple-content-handlers, dav-methods-ignored): which directives hand a
// location to a backend or a handler, where a proxy_pass URI part starts, and
// how to ask the simulator about one server.
import type { Directive } from './model.js';
import { GET_ONLY_HANDLERS, PASS_MODULES, type NginxLocation } from './nginx-model.js';
import type { Outcome } from './outcome.js';

export const PASS_DIRECTIVES = Object.keys(PASS_MODULES);

/** Whether a handler answers only GET and HEAD and refuses the rest with 405 (memcached_pass too). */
export const getOnly = (d: Directive): boolean => GET_ONLY_HANDLERS.has(d.directive) || d.directive === 'memcached_pass';

/** nginx's own words for a URI part where none is allowed (ngx_http_proxy_module.c). */
export const URI_PART_NOT_ALLOWED =
  '"proxy_pass" cannot have URI part in location given by regular expression, or inside named location, or inside "if" statement, or inside "limit_except" block';

/** What the winning handler does with a method: "go to the backend at 127.0.0.1:9000", "get 405 from empty_gif". */
export function handlerFate(handler: Directive, one = false): string {
  if (getOnly(handler)) return `${one ? 'gets' : 'get'} 405 from ${handler.directive}`;
  return `${one ? 'goes' : 'go'} to ${handler.directive} ${handler.args[0] ?? ''}`.trimEnd();
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

/** "404", "404 or 405": every status nginx itself can send. */
export function statusText(outcome: Outcome): string {
  const s = outcome.possibleStatuses;
  if (s.length === 0) return 'the backend\'s answer';
  return s.length === 1 ? String(s[0]) : `${s.slice(0, -1).join(', ')} or ${s[s.length - 1]}`;
}
