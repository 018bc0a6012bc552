// Method restrictions that refuse OPTIONS where CORS headers are set: the
// browser's preflight then fails and the real request is never sent
// (../shared/docs/apache-methods.md, 3.1 rows c7, d, e3, l). Used by
// rules/cors-preflight-blocked.ts.
import { applyingTo, headerSet, rewriteRefusal } from './apache-allow.js';
import { authzScopes, deadLimits, hasMethod, scopeOf, type AuthzGroup } from './apache-authz.js';
import { apacheNodes, lowerName, type ApacheNode } from './apache-rule-support.js';
import type { Directive, ParsedFile, ParseResult } from './model.js';
import { compilePcre, execPcre } from './pcre.js';

export interface PreflightBlock {
  /** The restriction: a RewriteRule, AllowMethods, a <Limit>/<LimitExcept>, or a Require line. */
  node: Directive;
  kind: 'rewrite' | 'allowmethods' | 'limit' | 'require';
  /** What a preflight gets: 403, 405, 401/403... */
  status: string;
  /** The CORS header line that applies there. */
  cors: Directive;
}

const CORS_HEADER = /^access-control-allow-(origin|methods)$/;

/** Whether one RewriteCond holds for an OPTIONS request: true, false, or undefined when it tests something else. */
function condForOptions(cond: Directive): boolean | undefined {
  const [test, pattern = '', flags = ''] = cond.args;
  if (test !== '%{REQUEST_METHOD}') return undefined;
  const nc = /\b(nc|nocase)\b/i.test(flags);
  const negate = pattern.startsWith('!');
  const p = negate ? pattern.slice(1) : pattern;
  let hit: boolean;
  if (p.startsWith('=')) hit = nc ? p.slice(1).toUpperCase() === 'OPTIONS' : p.slice(1) === 'OPTIONS';
  else if (/^[<>-]/.test(p)) return undefined;
  else {
    const re = compilePcre(p, nc);
    const m = re.ok ? execPcre(re, 'OPTIONS') : undefined;
    if (m === undefined) return undefined;
    hit = m !== null;
  }
  return hit !== negate;
}

/**
 * Whether RewriteConds before a rule can all hold for OPTIONS: conditions
 * flagged [OR] join the next one; the groups are AND-ed (mod_rewrite's
 * apply_rewrite_rule). Conditions on anything but the method may hold.
 */
function chainRefusesOptions(conds: readonly Directive[]): boolean {
  const values = conds.map(condForOptions);
  if (!values.includes(true)) return false;
  let group: Array<boolean | undefined> = [];
  for (const [i, c] of conds.entries()) {
    group.push(values[i]);
    if (/\b(or|ornext)\b/i.test(c.args[2] ?? '')) continue;
    if (!group.some((v) => v !== false)) return false;
    group = [];
  }
  return group.length === 0 || group.some((v) => v !== false);
}

/** RewriteRules that refuse OPTIONS, with their status. */
function rewriteBlocks(nodes: Iterable<ApacheNode>): Array<{ at: ApacheNode; status: number }> {
  const out: Array<{ at: ApacheNode; status: number }> = [];
  const pending = new Map<Directive | ParsedFile, Directive[]>();
  for (const n of nodes) {
    const name = lowerName(n.node);
    if (n.node.section || (name !== 'rewritecond' && name !== 'rewriterule')) continue;
    const key = scopeOf(n.parents) ?? n.file;
    const conds = pending.get(key) ?? [];
    if (name === 'rewritecond') {
      pending.set(key, [...conds, n.node]);
      continue;
    }
    pending.delete(key);
    const status = rewriteRefusal(n.node);
    if (status !== undefined && chainRefusesOptions(conds)) out.push({ at: n, status });
  }
  return out;
}

/** <Limit>s and Require lines that refuse OPTIONS: with nothing beside them that lets it in. */
function authzBlocks(tree: ParseResult): Array<{ node: Directive; kind: 'limit' | 'require'; status: string }> {
  const dead = new Set(deadLimits(tree).flatMap((d) => (hasMethod(d.methods, 'OPTIONS') ? [d.limit] : [])));
  const out: Array<{ node: Directive; kind: 'limit' | 'require'; status: string }> = [];
  const added = new Set<Directive>();
  const add = (node: Directive, kind: 'limit' | 'require', status: string): void => {
    if (added.has(node) || dead.has(node)) return;
    added.add(node);
    out.push({ node, kind, status });
  };
  const visit = (group: AuthzGroup): void => {
    // In an OR, a member that admits someone for OPTIONS (outside any <Limit>) lets preflights in.
    const openBeside = (item: AuthzGroup['items'][number]): boolean =>
      group.op === 'any' && group.items.some((g) => g !== item && !g.limit && g.admits !== 'none' && hasMethod(g.methods, 'OPTIONS'));
    for (const item of group.items) {
      if (item.group) visit(item.group);
      const d = item.node;
      if (!hasMethod(item.methods, 'OPTIONS')) continue;
      if (item.limit && item.admits !== 'all' && !openBeside(item)) {
        add(item.limit, 'limit', item.admits === 'none' ? '403' : '401 or 403');
      }
      const args = d.args;
      const method = !d.section && lowerName(d) === 'require' && args[0] === 'method' && !args.includes('OPTIONS');
      const notMethod = !d.section && lowerName(d) === 'require' && args[0] === 'not' && args[1] === 'method' && args.includes('OPTIONS');
      if ((method && !openBeside(item)) || (notMethod && group.op === 'all')) add(d, 'require', '403');
    }
  };
  for (const scope of authzScopes(tree)) {
    visit(scope.top);
    const fromAll = (d: Directive): boolean => d.args.join(' ').toLowerCase() === 'from all';
    for (const c of scope.compat) {
      if (c.name === 'deny' && c.limit && fromAll(c.node) && hasMethod(c.methods, 'OPTIONS')) add(c.limit, 'limit', '403');
    }
  }
  return out;
}

export function preflightBlocks(tree: ParseResult): PreflightBlock[] {
  const nodes = apacheNodes(tree);
  const cors = [...nodes.where((d) => CORS_HEADER.test(headerSet(d)?.name ?? ''))];
  if (cors.length === 0) return [];
  const out: PreflightBlock[] = [];
  const push = (at: ApacheNode, kind: PreflightBlock['kind'], status: string): void => {
    const c = applyingTo(cors, at)[0]?.node;
    if (c) out.push({ node: at.node, kind, status, cors: c });
  };
  for (const { at, status } of rewriteBlocks(nodes)) push(at, 'rewrite', String(status));
  for (const n of nodes) {
    const d = n.node;
    // In .htaccess AllowMethods is a 500 for every method (directive-context reports it).
    if (d.section || lowerName(d) !== 'allowmethods' || n.htaccess || d.args.length === 0) continue;
    if (d.args[0]!.toLowerCase() !== 'reset' && !d.args.includes('OPTIONS')) push(n, 'allowmethods', '405');
  }
  const blocks = authzBlocks(tree);
  if (blocks.length > 0) {
    // Where each blocking node stands: a map of those few, not of every node.
    const wanted = new Set(blocks.map((b) => b.node));
    const where = new Map<Directive, ApacheNode>();
    for (const n of nodes) if (wanted.has(n.node)) where.set(n.node, n);
    for (const b of blocks) {
      const at = where.get(b.node);
      if (at) push(at, b.kind, b.status);
    }
  }
  return out.sort((a, b) => (a.node.file === b.node.file ? a.node.offset - b.node.offset : 0));
}
