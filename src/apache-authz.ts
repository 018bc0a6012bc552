// Who a per-directory section lets in, method by method, as mod_authz_core
// and mod_access_compat decide it (../shared/docs/apache-methods.md, 1.8 and
// 3.1 rows b, c, n, u). Used by rules/limit-no-effect.ts and
// rules/cors-preflight-blocked.ts.
//
// A merge scope is one <Directory>, <Location>, <Files>, <Proxy>, <If>...
// section, or the top of a file nothing includes (an .htaccess file). Its
// Require lines are read through conditional sections, <Limit>/<LimitExcept>
// and Include: <Limit> only tags a Require with methods, so a section's
// Require lines and <Limit>s are all members of one implicit <RequireAny>.
import { CONDITIONAL_SECTIONS } from './apache-parse.js';
import { APACHE_METHODS, apacheNodes, lowerName, rootFiles, unreadBy24 } from './apache-rule-support.js';
import type { Directive, ParsedFile, ParseResult } from './model.js';

/** Sections that start a merge scope of their own. */
export const SCOPE_SECTIONS: ReadonlySet<string> = new Set([
  'directory', 'directorymatch', 'location', 'locationmatch', 'files', 'filesmatch',
  'proxy', 'proxymatch', 'if', 'elseif', 'else', 'virtualhost',
]);

/** The innermost enclosing merge-scope section, or undefined at a file's top. */
export function scopeOf(parents: readonly Directive[]): Directive | undefined {
  return parents.findLast((p) => SCOPE_SECTIONS.has(lowerName(p)));
}

/**
 * A set of methods: the ones listed, or every one but those listed.
 * HEAD is kept as GET: they share one method number.
 */
export interface MethodSet {
  except: boolean;
  names: ReadonlySet<string>;
}

export const ALL_METHODS: MethodSet = { except: true, names: new Set() };

const methodKey = (m: string): string => (m === 'HEAD' ? 'GET' : m);

export function limitMethods(limit: Directive): MethodSet {
  return { except: lowerName(limit) === 'limitexcept', names: new Set(limit.args.map(methodKey)) };
}

export function hasMethod(set: MethodSet, method: string): boolean {
  return set.names.has(methodKey(method)) !== set.except;
}

export function intersect(a: MethodSet, b: MethodSet): MethodSet {
  if (a.except && b.except) return { except: true, names: new Set([...a.names, ...b.names]) };
  if (!a.except && !b.except) return { except: false, names: new Set([...a.names].filter((m) => b.names.has(m))) };
  const [only, except] = a.except ? [b, a] : [a, b];
  return { except: false, names: new Set([...only.names].filter((m) => !except.names.has(m))) };
}

export function isEmpty(set: MethodSet): boolean {
  return !set.except && set.names.size === 0;
}

/** The set in words: "PUT and DELETE", "methods other than GET and POST" ("GET" stands for HEAD too). */
export function methodsText(set: MethodSet): string {
  const list = (names: string[]): string => (names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);
  const names = [...set.names];
  if (!set.except) return list(names);
  return names.length === 0 ? 'every method' : `methods other than ${list(names)}`;
}

/** Methods of a set, as a list to test one by one: an except-set stands for Apache's registered methods. */
function members(set: MethodSet): string[] {
  return set.except ? [...APACHE_METHODS].filter((m) => m !== 'HEAD' && hasMethod(set, m)) : [...set.names];
}

/** Who an authz item lets in: nobody, some clients (an ip, a user...), or everyone. */
export type Admits = 'none' | 'some' | 'all';

export interface AuthzItem {
  node: Directive;
  /** The methods it applies to (the enclosing <Limit>s narrow it). */
  methods: MethodSet;
  /** The innermost enclosing <Limit> or <LimitExcept> inside the scope. */
  limit: Directive | undefined;
  /** Every enclosing <Limit>/<LimitExcept> inside the scope. */
  limits: Directive[];
  admits: Admits;
  /** For <RequireAll|Any|None>: its own members. */
  group?: AuthzGroup;
}

export interface AuthzGroup {
  /** any: a section's top or <RequireAny> (OR); all: <RequireAll> (AND); none: <RequireNone>. */
  op: 'any' | 'all' | 'none';
  items: AuthzItem[];
}

export interface CompatItem {
  node: Directive;
  name: 'order' | 'allow' | 'deny';
  methods: MethodSet;
  limit: Directive | undefined;
  limits: Directive[];
}

export interface AuthzScope {
  /** The section, or undefined for a file's top. */
  section: Directive | undefined;
  file: ParsedFile;
  top: AuthzGroup;
  compat: CompatItem[];
}

function requireAdmits(d: Directive): Admits {
  const [first, second] = d.args;
  if (first === 'all') return second === 'granted' ? 'all' : 'none';
  // A negated Require never grants by itself (Apache refuses it outside <RequireAll>/<RequireNone>).
  if (first === 'not') return 'none';
  return 'some';
}

function groupAdmits(group: AuthzGroup): Admits {
  const a = group.items.map((i) => i.admits);
  if (group.op === 'none') return 'none';
  if (group.op === 'any') return a.includes('all') ? 'all' : a.includes('some') ? 'some' : 'none';
  if (a.length === 0 || a.includes('none')) return 'none';
  return a.every((x) => x === 'all') ? 'all' : 'some';
}

const GROUP_OPS: Record<string, AuthzGroup['op']> = { requireany: 'any', requireall: 'all', requirenone: 'none' };

/** Reads one scope's members: through conditional sections, <Limit>s and Include, not into nested scopes. */
function readScope(tree: ParseResult, nodes: readonly Directive[], scope: AuthzScope): void {
  const walk = (list: readonly Directive[], group: AuthzGroup, methods: MethodSet, limits: Directive[], reading: number[]): void => {
    for (const d of list) {
      if (d.directive === '#') continue;
      const name = lowerName(d);
      const limit = limits.at(-1);
      if (d.section && CONDITIONAL_SECTIONS.has(name)) {
        if (!unreadBy24(d)) walk(d.block ?? [], group, methods, limits, reading);
      } else if (d.section && (name === 'limit' || name === 'limitexcept')) {
        walk(d.block ?? [], group, intersect(methods, limitMethods(d)), limits.concat([d]), reading);
      } else if (d.section && name in GROUP_OPS) {
        const inner: AuthzGroup = { op: GROUP_OPS[name]!, items: [] };
        walk(d.block ?? [], inner, methods, limits, reading);
        group.items.push({ node: d, methods, limit, limits, admits: groupAdmits(inner), group: inner });
      } else if (!d.section && name === 'require') {
        group.items.push({ node: d, methods, limit, limits, admits: requireAdmits(d) });
      } else if (!d.section && (name === 'order' || name === 'allow' || name === 'deny')) {
        scope.compat.push({ node: d, name, methods, limit, limits });
      }
      for (const i of d.includes ?? []) {
        const inc = tree.config[i];
        if (inc && !reading.includes(i)) walk(inc.parsed, group, methods, limits, [...reading, i]);
      }
    }
  };
  walk(nodes, scope.top, ALL_METHODS, [], []);
}

/**
 * Every merge scope of the tree with its authz members, one at a time: the
 * callers look at each once, and a list of them all would take some 25 MB for
 * a config of 640,000 lines.
 */
export function* authzScopes(tree: ParseResult): Generator<AuthzScope> {
  for (const file of rootFiles(tree)) {
    const scope: AuthzScope = { section: undefined, file, top: { op: 'any', items: [] }, compat: [] };
    readScope(tree, file.parsed, scope);
    yield scope;
  }
  for (const { node, file } of apacheNodes(tree).where((d) => d.section === true && SCOPE_SECTIONS.has(lowerName(d)))) {
    const scope: AuthzScope = { section: node, file, top: { op: 'any', items: [] }, compat: [] };
    readScope(tree, node.block ?? [], scope);
    yield scope;
  }
}

/** A <Limit>/<LimitExcept> refusal that another member of the same OR lets through anyway. */
export interface DeadLimit {
  limit: Directive;
  /** The refusing line inside the <Limit>. */
  denial: Directive;
  /** What lets the refused requests in. */
  by: Directive;
  /** The methods that still get in. */
  methods: MethodSet;
  kind: 'authz' | 'compat';
}

/** Each item of an OR group whose refusal another member undoes, first finding per <Limit> (`found` holds their limits). */
function deadInGroup(group: AuthzGroup, out: DeadLimit[], found: Set<Directive>): void {
  for (const item of group.items) if (item.group) deadInGroup(item.group, out, found);
  if (group.op !== 'any') return;
  for (const d of group.items) {
    if (!d.limit || d.admits === 'all' || found.has(d.limit)) continue;
    for (const g of group.items) {
      // Only a grant for every method, or one in a <Limit> around this one, undoes it: a grant in
      // its own or a sibling <Limit> is an exception written on purpose (Debian's userdir.conf).
      if (g === d || g.admits === 'none' || (g.limit && (g.limit === d.limit || !d.limits.includes(g.limit)))) continue;
      // "Require all denied" is undone by anything that admits someone; a narrower refusal only by "all granted".
      if (d.admits === 'some' && g.admits !== 'all') continue;
      const methods = intersect(d.methods, g.methods);
      if (isEmpty(methods)) continue;
      out.push({ limit: d.limit, denial: d.node, by: g.node, methods, kind: 'authz' });
      found.add(d.limit);
      break;
    }
  }
}

/** mod_access_compat: "Deny from all" in a <Limit> that "Allow from all" overrides under Order deny,allow (the default). */
function deadCompat(scope: AuthzScope, out: DeadLimit[], found: Set<Directive>): void {
  const orderFor = (method: string): string => {
    let order = 'deny,allow';
    for (const c of scope.compat) if (c.name === 'order' && hasMethod(c.methods, method)) order = c.node.args.join('').toLowerCase();
    return order;
  };
  const fromAll = (c: CompatItem): boolean => c.node.args.length === 2 && c.node.args[0]!.toLowerCase() === 'from' && c.node.args[1]!.toLowerCase() === 'all';
  for (const deny of scope.compat) {
    if (deny.name !== 'deny' || !deny.limit || !fromAll(deny) || found.has(deny.limit)) continue;
    for (const allow of scope.compat) {
      if (allow.name !== 'allow' || !fromAll(allow) || (allow.limit && (allow.limit === deny.limit || !deny.limits.includes(allow.limit)))) continue;
      const both = intersect(deny.methods, allow.methods);
      const open = members(both).filter((m) => orderFor(m) === 'deny,allow');
      if (open.length === 0) continue;
      const methods = both.except && open.length === members(both).length ? both : { except: false, names: new Set(open) };
      out.push({ limit: deny.limit, denial: deny.node, by: allow.node, methods, kind: 'compat' });
      found.add(deny.limit);
      break;
    }
  }
}

/** Every <Limit>/<LimitExcept> whose refusal is undone in its own merge scope. */
export function deadLimits(tree: ParseResult): DeadLimit[] {
  const out: DeadLimit[] = [];
  // The limits already in `out`: looked up for every item of every scope.
  const found = new Set<Directive>();
  for (const scope of authzScopes(tree)) {
    deadInGroup(scope.top, out, found);
    deadCompat(scope, out, found);
  }
  return out;
}
