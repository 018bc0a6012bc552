// 405s whose Allow header Apache gets wrong, and the pieces other Apache
// rules share to find them: RewriteRule flags, ErrorDocument targets, and
// `Header` lines that apply to a place (../shared/docs/apache-methods.md,
// 3.1 rows d, e, f, g, g3, o; 3.2). Used by rules/missing-allow-header.ts,
// rules/error-page-405-masks.ts and src/apache-cors.ts.
import { scopeOf } from './apache-authz.js';
import { apacheNodes, lowerName, type ApacheNode } from './apache-rule-support.js';
import type { Directive, ParsedFile, ParseResult } from './model.js';

/** The status a RewriteRule answers with when it refuses ([F], [G], [R=4xx|5xx]), else undefined. */
export function rewriteRefusal(rule: Directive): number | undefined {
  const flags = rule.args[2];
  if (!flags?.startsWith('[') || !flags.endsWith(']')) return undefined;
  for (const flag of flags.slice(1, -1).split(',')) {
    const [name = '', value] = flag.trim().split('=');
    const n = name.toLowerCase();
    if (n === 'f' || n === 'forbidden') return 403;
    if (n === 'g' || n === 'gone') return 410;
    if ((n === 'r' || n === 'redirect') && value !== undefined && /^[45]\d\d$/.test(value)) return Number(value);
  }
  return undefined;
}

/**
 * What `ErrorDocument <code> <target>` does with its target, as core.c
 * set_error_document decides: text with a space is a message, `/...` a local
 * path (an internal GET), and a word with a scheme (ap_is_url: letters, digits,
 * `+-.` then `:`) an external redirect.
 */
export function errorDocumentKind(d: Directive): 'local' | 'url' | 'message' | 'default' | undefined {
  const target = d.args[1];
  if (d.args.length !== 2 || target === undefined) return undefined;
  if (target.includes(' ')) return 'message';
  if (target.startsWith('/')) return 'local';
  if (/^[A-Za-z0-9+.-]+:/.test(target)) return 'url';
  return target.toLowerCase() === 'default' ? 'default' : 'message';
}

/** `Header [always|onsuccess] set|add|append|merge|setifempty NAME ...`: the header it sets, lower-case, and whether on error responses too. */
export function headerSet(d: Directive): { name: string; always: boolean } | undefined {
  if (d.section || lowerName(d) !== 'header') return undefined;
  let args = d.args;
  const cond = args[0]?.toLowerCase();
  const always = cond === 'always';
  if (cond === 'always' || cond === 'onsuccess') args = args.slice(1);
  if (!['set', 'add', 'append', 'merge', 'setifempty'].includes(args[0]?.toLowerCase() ?? '')) return undefined;
  const name = args[1]?.toLowerCase();
  return name === undefined ? undefined : { name, always };
}

/**
 * The nodes of the tree that apply where `at` stands: those in the same merge
 * scope or an enclosing one (across Include), and anything in the same .htaccess file.
 */
export function applyingTo(nodes: readonly ApacheNode[], at: ApacheNode): ApacheNode[] {
  const index = scopeIndex(nodes);
  const scopes = at.parents.filter((p) => p === scopeOf([p]));
  // The positions of: the whole .htaccess file; a file's top in server config, or this file's top; the enclosing scopes.
  const found = new Set<number>([
    ...(at.htaccess ? (index.inFile.get(at.file) ?? []) : []),
    ...index.serverTop,
    ...(index.topOfFile.get(at.file) ?? []),
    ...scopes.flatMap((s) => index.inScope.get(s) ?? []),
  ]);
  return [...found].sort((a, b) => a - b).map((i) => nodes[i]!);
}

interface ScopeIndex {
  inFile: Map<ParsedFile, number[]>;
  /** Nodes at a file's top (no merge scope around them), outside .htaccess. */
  serverTop: number[];
  /** Nodes at a file's top, by file. */
  topOfFile: Map<ParsedFile, number[]>;
  /** Nodes by their innermost merge scope. */
  inScope: Map<Directive, number[]>;
}

const scopeIndexes = new WeakMap<readonly ApacheNode[], ScopeIndex>();

/** Positions of `nodes` by file and by merge scope, once per list: asking applyingTo for each node of a large config stays linear. */
function scopeIndex(nodes: readonly ApacheNode[]): ScopeIndex {
  let index = scopeIndexes.get(nodes);
  if (index) return index;
  index = { inFile: new Map(), serverTop: [], topOfFile: new Map(), inScope: new Map() };
  const add = <K>(map: Map<K, number[]>, key: K, i: number): void => {
    const list = map.get(key);
    if (list) list.push(i);
    else map.set(key, [i]);
  };
  nodes.forEach((n, i) => {
    add(index.inFile, n.file, i);
    const s = scopeOf(n.parents);
    if (s !== undefined) add(index.inScope, s, i);
    else {
      add(index.topOfFile, n.file, i);
      if (!n.htaccess) index.serverTop.push(i);
    }
  });
  scopeIndexes.set(nodes, index);
  return index;
}

export interface AllowProblem {
  node: Directive;
  kind: 'rewrite' | 'allowmethods' | 'errordocument';
}

/**
 * A 405 sent with "Allow: TRACE" (or an empty one), or with no Allow at all. A
 * `Header always set Allow` that applies fixes it; under a local ErrorDocument a plain `Header set` does too.
 */
export function missingAllow(tree: ParseResult): AllowProblem[] {
  const nodes = apacheNodes(tree);
  // What can fix a 405's Allow: Header and ErrorDocument lines.
  const fixers = [...nodes.where((d) => (!d.section && lowerName(d) === 'header') || lowerName(d) === 'errordocument')];
  const out: AllowProblem[] = [];
  for (const n of nodes) {
    const d = n.node;
    if (d.section) continue;
    const name = lowerName(d);
    let kind: AllowProblem['kind'] | undefined;
    if (name === 'rewriterule' && rewriteRefusal(d) === 405) kind = 'rewrite';
    // In .htaccess AllowMethods is a 500 (directive-context reports that), not a 405.
    else if (name === 'allowmethods' && !n.htaccess && d.args.length > 0 && d.args[0]!.toLowerCase() !== 'reset') kind = 'allowmethods';
    else if (name === 'errordocument' && d.args[0] === '405' && errorDocumentKind(d) === 'local') kind = 'errordocument';
    if (!kind) continue;
    const here = applyingTo(fixers, n);
    const allow = here.map((o) => headerSet(o.node)).filter((h) => h?.name === 'allow');
    const errorDoc = here.some((o) => lowerName(o.node) === 'errordocument' && o.node.args[0] === '405' && errorDocumentKind(o.node) === 'local');
    // A local ErrorDocument answers through an internal GET that succeeds, so a plain `Header set` reaches it;
    // it also drops Apache's own Allow, and its own finding says so.
    const fixed = allow.some((h) => h!.always) || ((kind === 'errordocument' || errorDoc) && allow.length > 0);
    if (kind !== 'errordocument' && errorDoc && !fixed) continue;
    if (!fixed) out.push({ node: d, kind });
  }
  return out;
}

/** Whether the tree turns TRACE off somewhere (then Apache's early 405s carry an empty Allow). */
export function traceOff(tree: ParseResult): boolean {
  for (const node of apacheNodes(tree).nodes) if (lowerName(node) === 'traceenable' && node.args[0]?.toLowerCase() === 'off') return true;
  return false;
}
