// What nginx knows about its directives, from @nginx/reference-lib (the data
// behind the directive pages on nginx.org): where each directive may stand,
// whether it takes a block, and how many arguments it takes. The table is
// worked out from the lib at build time (src/build-directives.ts) and loaded
// here as it was written, dist/nginx-directives.json.
import { createRequire } from 'node:module';
import type { Directive, ParseResult } from './model.js';
import { type DirectiveTable, PROTOCOLS } from './build-directives.js';

// Reading the lib moved to the build; what it exports is still found here.
export { CORRECTIONS, MANY, readSyntax } from './build-directives.js';

/**
 * A place in a config: a protocol and the block the directive stands in, as
 * "main", "events", "http", "http server", "http location", "http if in
 * server", "http if in location", "http limit_except", "http upstream",
 * "stream server", "mail server" and so on.
 */
export type Context = string;

/** Argument counts; MANY stands for itself and every larger count. */
export type Counts = ReadonlySet<number>;

export interface DirectiveSpec {
  name: string;
  module: string;
  /** Where nginx accepts it; null for anywhere (`include`). */
  contexts: ReadonlySet<Context> | null;
  block: boolean;
  /** What its syntax lines allow, or null when one of them cannot be read. */
  counts: Counts | null;
}

// Built by src/build-dist.ts; resolved through "imports" in package.json, so
// that dist/src, dist/bundle and the sources under test all find it.
const TABLE = createRequire(import.meta.url)('#nginx-directives') as DirectiveTable;

const SPECS = new Map<string, DirectiveSpec[]>();
for (const s of TABLE.specs) {
  const spec = { ...s, contexts: s.contexts && new Set(s.contexts), counts: s.counts && new Set(s.counts) };
  SPECS.set(s.name, [...(SPECS.get(s.name) ?? []), spec]);
}

/** Every context some directive of the lib may stand in. */
export const CONTEXTS: ReadonlySet<Context> = new Set(TABLE.contexts);

/** The lib's entries for a name (one per module that has it); empty for a directive nginx.org does not document. */
export function specsOf(name: string): readonly DirectiveSpec[] {
  return SPECS.get(name) ?? [];
}

// Context sets are shared: every set that walkPlacements hands out is the one
// object for its members, so what is worked out for a set can be kept on it.
const specsInCache = new WeakMap<ReadonlySet<Context>, Map<string, DirectiveSpec[]>>();

/** The entries of a directive that nginx accepts in one of the contexts. */
export function specsIn(name: string, contexts: ReadonlySet<Context>): readonly DirectiveSpec[] {
  let byName = specsInCache.get(contexts);
  if (byName === undefined) specsInCache.set(contexts, (byName = new Map()));
  let specs = byName.get(name);
  if (specs === undefined) {
    specs = specsOf(name).filter((s) => s.contexts === null || [...contexts].some((c) => s.contexts!.has(c)));
    byName.set(name, specs);
  }
  return specs;
}

const singletons = new Map<Context, ReadonlySet<Context>>();

function acceptsAsUsed(d: Directive, context: Context): boolean {
  let set = singletons.get(context);
  if (set === undefined) singletons.set(context, (set = new Set([context])));
  return specsIn(d.directive, set).some((s) => s.block === (d.block !== undefined));
}

// The one set object for each list of contexts, by its sorted members.
const sharedSets = new Map<string, ReadonlySet<Context>>();

function shared(contexts: ReadonlySet<Context>): ReadonlySet<Context> {
  const key = [...contexts].sort().join(',');
  let set = sharedSets.get(key);
  if (set === undefined) sharedSets.set(key, (set = contexts));
  return set;
}

// The context a block opens: "location" in "http server" opens "http
// location", "if" opens "if in" its parent's block. Blocks whose contents are
// not directives of the lib (map, types, third-party blocks) open none.
function computeChildContexts(d: Directive, parents: ReadonlySet<Context>): ReadonlySet<Context> | null {
  const out = new Set<Context>();
  for (const parent of parents) {
    if (!acceptsAsUsed(d, parent)) continue;
    const protocol = parent.split(' ')[0]!;
    const inner = d.directive === 'if' ? `if in ${parent.split(' ').at(-1)}` : d.directive;
    const child = PROTOCOLS.has(d.directive) ? d.directive : PROTOCOLS.has(protocol) ? `${protocol} ${inner}` : inner;
    if (!CONTEXTS.has(child)) return null;
    out.add(child);
  }
  return out.size > 0 ? shared(out) : null;
}

const childCache = new WeakMap<ReadonlySet<Context>, Map<string, ReadonlySet<Context> | null>>();

/** computeChildContexts, once per directive name and set (only blocks get here). */
function childContexts(d: Directive, parents: ReadonlySet<Context>): ReadonlySet<Context> | null {
  let byName = childCache.get(parents);
  if (byName === undefined) childCache.set(parents, (byName = new Map()));
  let child = byName.get(d.directive);
  if (child === undefined) byName.set(d.directive, (child = computeChildContexts(d, parents)));
  return child;
}

/**
 * The contexts a fragment (a snippet linted on its own, with no http, events,
 * stream or mail at its top) may be written for: those that accept the most
 * of its top-level directives as they are used, with or without a block. When
 * one context accepts them all, it is among these, so a directive that none
 * of them accepts fails wherever the snippet is included.
 */
export function fragmentContexts(nodes: readonly Directive[]): ReadonlySet<Context> {
  const known = nodes.filter((d) => d.directive !== '#' && specsOf(d.directive).some((s) => s.contexts !== null));
  let best: Context[] = [];
  let score = 0;
  for (const context of CONTEXTS) {
    const n = known.filter((d) => acceptsAsUsed(d, context)).length;
    if (n > score) [best, score] = [[], n];
    if (n === score) best.push(context);
  }
  return new Set(best);
}

const MAIN: ReadonlySet<Context> = shared(new Set(['main']));

/** Whether a main file is a whole config: it has http, events, stream or mail at its top. */
export function isWholeConfig(nodes: readonly Directive[]): boolean {
  return nodes.some((d) => d.directive === 'events' || PROTOCOLS.has(d.directive));
}

/**
 * Every directive with the contexts it stands in, following includes from
 * the include site (a file included from two places is seen in both). The
 * main file is read in "main" when it is a whole config, and as a fragment
 * otherwise. Directives inside blocks that open no known context are skipped.
 * Walked for each rule that asks (two do), handing each placement to `visit`:
 * kept as lists, they were 13 MB for the 640k config, and even built and
 * dropped per rule their 27 MB of garbage raised the peak memory.
 */
function walkPlacements(tree: ParseResult, visit: (d: Directive, contexts: ReadonlySet<Context>) => void): void {
  const done = new Set<string>();
  const onStack = new Set<number>();
  const file = (i: number, contexts: ReadonlySet<Context>): void => {
    const key = `${i} ${[...contexts].sort().join(',')}`;
    if (onStack.has(i) || done.has(key)) return;
    done.add(key);
    onStack.add(i);
    nodes(tree.config[i]?.parsed ?? [], contexts);
    onStack.delete(i);
  };
  const nodes = (list: readonly Directive[], contexts: ReadonlySet<Context>): void => {
    for (const d of list) {
      if (d.directive === '#') continue;
      visit(d, contexts);
      if (d.includes) for (const i of d.includes) file(i, contexts);
      const inner = d.block && childContexts(d, contexts);
      if (inner) nodes(d.block!, inner);
    }
  };
  const main = tree.config[0]?.parsed ?? [];
  file(0, isWholeConfig(main) ? MAIN : shared(fragmentContexts(main)));
}

/** Each directive once, with what `judge` says of its first placement that has a problem. */
export function problems(tree: ParseResult, judge: (d: Directive, contexts: ReadonlySet<Context>) => string | undefined): Array<[Directive, string]> {
  const found: Array<[Directive, string]> = [];
  const reported = new Set<Directive>();
  walkPlacements(tree, (d, contexts) => {
    if (reported.has(d)) return;
    const message = judge(d, contexts);
    if (message === undefined) return;
    reported.add(d);
    found.push([d, message]);
  });
  return found;
}

/** Where a finding about a directive points: its name. */
export function nameOf(d: Directive): Pick<Directive, 'file' | 'line' | 'column' | 'endLine' | 'endColumn'> {
  return { file: d.file, line: d.line, column: d.column, endLine: d.line, endColumn: d.column + d.directive.length };
}
