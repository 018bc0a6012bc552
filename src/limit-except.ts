// What the limit_except rules share: the limit_except blocks of a tree, what
// a block restricts, which methods it catches, and `if ($request_method ...)`
// tests. The facts are in shared/docs/nginx-methods.md, lesson 4.
import type { Directive, ParseResult } from './model.js';
import { eachLocation, modelOf, own as ownDirective, type LimitExcept, type NginxLocation } from './nginx-model.js';
import type { Outcome } from './outcome.js';
import { compilePcre, execPcre, pcreEngine } from './pcre.js';
import { probesOf } from './rule-support.js';
import { authentication, NGINX_METHODS } from './simulate.js';

export { NGINX_METHODS };

export interface Limited {
  location: NginxLocation;
  limit: LimitExcept;
}

/** Every location with a limit_except block, once per block even when an included file is reached twice. */
export function limitedLocations(tree: ParseResult): Limited[] {
  return eachLocation(modelOf(tree)).flatMap((location) => (location.limitExcept ? [{ location, limit: location.limitExcept }] : []));
}

/** `limit_except GET POST` as written, for messages. */
export function limitText(limit: LimitExcept): string {
  return ['limit_except', ...limit.node.args].join(' ');
}

/** The methods a client commonly sends that the block catches (not in its list), then "every other method". */
export function caughtText(limit: LimitExcept): string {
  const common = ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].filter((m) => !limit.allowed.has(m));
  return common.length > 0 ? `${common.join(', ')} and every other method` : 'every method not listed';
}

/** The status a limited method gets from the block itself, and the directive that gives it; null when the block restricts nothing. */
export function restriction(limit: LimitExcept): { status: 401 | 403 | null; by: Directive } | null {
  const own = limit.directives;
  const rules = own.filter((d) => d.directive === 'allow' || d.directive === 'deny');
  const deny = rules.find((d) => d.directive === 'deny');
  // Rules are tried in order: a deny after `allow all` is never reached.
  const allowAll = rules.findIndex((d) => d.directive === 'allow' && d.args[0] === 'all');
  if (deny && (allowAll < 0 || rules.indexOf(deny) < allowAll)) return { status: 403, by: deny };
  // The block's own authentication, read as the simulator reads it.
  const auth = authentication(limit, ownDirective);
  if (!auth) return null;
  return { status: auth.kind === 'auth-request' ? null : 401, by: auth.by };
}

/** For `if ($request_method OP VALUE)`, whether a method makes it true; null for any other condition. */
export function methodTest(node: Directive): ((method: string) => boolean) | null {
  const [left, op = '', right = ''] = node.args;
  if (left !== '$request_method' || node.args.length !== 3) return null;
  if (op === '=' || op === '!=') return (m) => (m === right) === (op === '=');
  if (!/^!?~\*?$/.test(op)) return null;
  const compiled = compilePcre(right, op.endsWith('*'));
  // A regex verblint cannot run in bounded time on some method name: no test either.
  if (!compiled.ok || NGINX_METHODS.some((m) => pcreEngine(compiled, m) === null)) return null;
  return (m) => (execPcre(compiled, m) !== null) === !op.startsWith('!');
}

/** Methods (of nginx's 14) outside the block's list that make the `if` true. */
export function limitedMatches(node: Directive, limit: LimitExcept): string[] | null {
  const test = methodTest(node);
  return test ? NGINX_METHODS.filter((m) => !limit.allowed.has(m) && test(m)) : null;
}

/** Sends `method` to the location's sample URI (see probesOf); null when no sample reaches it. */
export function probe(tree: ParseResult, { location }: Limited, method: string, headers?: Record<string, string>): { uri: string; outcome: Outcome } | null {
  const found = probesOf(tree).locations.get(location);
  return found ? { uri: found.uri, outcome: found.send(method, found.uri, headers) } : null;
}

/** A limit_except that denies every limited method outright: its first access rule is `deny all`. */
export function deniesAll(limit: LimitExcept): boolean {
  const first = limit.directives.find((d) => d.directive === 'allow' || d.directive === 'deny');
  return first?.directive === 'deny' && first.args[0] === 'all';
}

const CORS_HEADER = /^access-control-/i;

/** `add_header` or `more_set_headers` directives among `directives` that set an Access-Control-* header. */
export function corsSetters(directives: readonly Directive[]): Directive[] {
  return directives.filter(
    (d) =>
      (d.directive === 'add_header' && CORS_HEADER.test(d.args[0] ?? '')) ||
      (d.directive === 'more_set_headers' && d.args.some((a) => CORS_HEADER.test(a))),
  );
}

/** An `if` in the location that answers OPTIONS preflights: true for OPTIONS, false for GET, with CORS headers or a 2xx return. */
export function preflightBranch(location: NginxLocation, node: Directive): boolean {
  const test = methodTest(node);
  if (!test || !test('OPTIONS') || test('GET')) return false;
  const body = location.ifs.get(node)?.directives ?? [];
  return corsSetters(body).length > 0 || body.some((d) => d.directive === 'return' && /^2\d\d$/.test(d.args[0] ?? ''));
}

/** True when the block includes a file that could not be read: what it restricts is not known. */
export function unreadInclude(tree: ParseResult, limit: LimitExcept): boolean {
  return (limit.node.block ?? []).some(
    (d) => d.directive === 'include' && tree.errors.some((e) => e.kind === 'include' && e.file === d.file && e.line === d.line),
  );
}
