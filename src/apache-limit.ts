// What the Apache <Limit>/<LimitExcept> rules share: where method names are
// written, which of them Apache knows, and which directives inside <Limit>
// care about its methods (../shared/docs/apache-methods.md, 1.8 and 3).
import { CONDITIONAL_SECTIONS } from './apache-parse.js';
import { APACHE_METHODS, apacheNodes, lowerName, METHOD_SCOPED, type ApacheNode } from './apache-rule-support.js';
import type { Directive, ParseResult } from './model.js';

export const isLimit = (d: Directive): boolean => d.section === true && (lowerName(d) === 'limit' || lowerName(d) === 'limitexcept');

/** `<Limit>` or `<LimitExcept>` as written, for messages. */
export const tag = (d: Directive): string => `<${d.directive} ${d.args.join(' ')}>`;

/** A word Apache sees only after ${VAR} expansion: nothing to say about it. */
const unresolved = (word: string): boolean => word.includes('$');

/** APACHE_METHODS plus every RegisterHttpMethod of the tree (names as written: the registry is case-sensitive). */
export function registeredMethods(tree: ParseResult): Set<string> {
  const known = new Set(APACHE_METHODS);
  for (const node of apacheNodes(tree).nodes) if (!node.section && lowerName(node) === 'registerhttpmethod') for (const a of node.args) known.add(a);
  return known;
}

/**
 * The method names a node hands to Apache's method registry: a <Limit> or
 * <LimitExcept>'s words, AllowMethods' words (not the lone `reset`), and the
 * words after `Require [not] method` (the provider name is case-sensitive).
 * null for any other node.
 */
export function methodNames(node: Directive): { kind: 'limit' | 'allowmethods' | 'require'; names: string[] } | null {
  if (isLimit(node)) return { kind: 'limit', names: node.args.filter((a) => !unresolved(a)) };
  if (node.section) return null;
  const name = lowerName(node);
  if (name === 'allowmethods') {
    if (node.args.length === 1 && node.args[0]!.toLowerCase() === 'reset') return null;
    return { kind: 'allowmethods', names: node.args.filter((a) => !unresolved(a)) };
  }
  if (name === 'require') {
    const at = node.args[0] === 'not' ? 1 : 0;
    if (node.args[at] !== 'method') return null;
    return { kind: 'require', names: node.args.slice(at + 1).filter((a) => !unresolved(a)) };
  }
  return null;
}

/**
 * Authentication setup: it applies to every method, but only matters when a
 * Require asks for a user, and those Require lines are method-scoped.
 */
const isAuthSetup = (lower: string): boolean => lower.startsWith('auth');

/**
 * The directives inside a <Limit>/<LimitExcept> that apply to every method
 * whatever the section says: all but access control (METHOD_SCOPED and its
 * bodies), auth setup, nested <Limit>s and the sections Apache refuses there;
 * conditional sections are read through.
 */
export function nonAccessInside(limit: Directive): Directive[] {
  const out: Directive[] = [];
  const visit = (nodes: readonly Directive[]): void => {
    for (const d of nodes) {
      if (d.directive === '#') continue;
      const lower = lowerName(d);
      if (METHOD_SCOPED.has(lower) || isAuthSetup(lower)) continue;
      if (d.section && (CONDITIONAL_SECTIONS.has(lower) || isLimit(d))) {
        visit(d.block ?? []);
        continue;
      }
      // Apache refuses any other section here (<Files>, <If> ...: "cannot occur within <Limit>").
      if (d.section) continue;
      out.push(d);
    }
  };
  visit(limit.block ?? []);
  return out;
}

/**
 * Whether access directives restrict anyone: a Require other than `all
 * granted` (a <Require*> section with one inside), or a Deny. Conditional
 * sections are read through; nested <Limit>s are not (they have their own methods).
 */
export function restricts(nodes: readonly Directive[]): boolean {
  for (const d of nodes) {
    if (d.directive === '#') continue;
    const lower = lowerName(d);
    if (lower === 'require' && !d.section) {
      if (!(d.args.length === 2 && d.args[0] === 'all' && d.args[1] === 'granted')) return true;
    } else if (lower === 'deny' && !d.section) {
      return true;
    } else if (d.section && (lower === 'requireall' || lower === 'requireany' || lower === 'requirenone' || CONDITIONAL_SECTIONS.has(lower))) {
      if (restricts(d.block ?? [])) return true;
    }
  }
  return false;
}

/** The nodes of a block, reading through conditional sections (not into other sections). */
export function siblings(block: readonly Directive[]): Directive[] {
  const out: Directive[] = [];
  for (const d of block) {
    if (d.directive === '#') continue;
    if (d.section && CONDITIONAL_SECTIONS.has(lowerName(d))) out.push(...siblings(d.block ?? []));
    else out.push(d);
  }
  return out;
}

/** The block a node sits in: its nearest non-conditional parent's, or its file's top level. */
export function containerOf(n: ApacheNode): readonly Directive[] {
  for (let i = n.parents.length - 1; i >= 0; i--) {
    const p = n.parents[i]!;
    if (!CONDITIONAL_SECTIONS.has(lowerName(p))) return p.block ?? [];
  }
  return n.file.parsed;
}
