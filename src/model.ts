// The syntax tree both dialects share, and queries over it.
//
// A Directive keeps crossplane's fields (directive, line, args, includes?,
// block?, comment?) so that tools written for crossplane can read it, and
// adds exact positions. Lines and columns are 1-based; columns count UTF-16
// code units (what JavaScript strings and SARIF count); offsets are 0-based.
// End positions point just past the last character.
//
// The parsers build nodes of src/tree.ts, which compute most positions and
// `argNodes` on demand and share frozen `args` arrays: copy a node with
// copyNode(), not a spread, and never change an `args` array in place.

export type Dialect = 'nginx' | 'apache';

export interface Span {
  /** The file, named as in ParsedFile.file. */
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  offset: number;
  endOffset: number;
}

export interface Arg extends Span {
  /** crossplane's value: quotes removed, `\` kept except before the enclosing quote. */
  value: string;
  /** The source text, quotes included. */
  raw: string;
  quoted: boolean;
}

export interface Directive extends Span {
  directive: string;
  args: string[];
  includes?: number[];
  block?: Directive[];
  /** Comment text after `#`, for `directive: "#"`. */
  comment?: string;
  /** The same arguments as `args`, with positions. */
  argNodes: Arg[];
  /**
   * Set on a comment that stood between a directive's arguments. crossplane
   * lists such comments after the directive, with the directive's `line`;
   * `commentLine` is where the `#` really is.
   */
  betweenArgs?: boolean;
  commentLine?: number;
  /** Apache: the name lower-cased; Apache looks directives and sections up case-insensitively. */
  lower?: string;
  /** Apache: a section `<Name args>` ... `</Name>`; `directive` is the name without `<`, the children are in `block`. */
  section?: boolean | undefined;
  /**
   * Apache: the line Apache names in its own messages about this directive (or
   * this section's opening tag): the last physical line of a continued line.
   */
  reportLine?: number;
  /** Apache: text Apache reads past and drops (after an opening tag's `>`, after a closing tag, after RewriteRule's third word). */
  ignored?: IgnoredText[];
}

export interface IgnoredText {
  text: string;
  line: number;
  column: number;
  /** Where it stands: after the opening tag, after the closing tag, or after the last argument Apache reads. */
  after: 'open' | 'close' | 'args';
}

export interface ParseError {
  /** syntax: the text; include: an include names a file that cannot be opened; read: this file cannot be read. */
  kind: 'syntax' | 'include' | 'read';
  file: string;
  message: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  /** How crossplane words it in its payload, when that differs from `message`. */
  crossplaneMessage?: string;
}

export interface ParsedFile {
  /** The name as the config (or the command line) spelled it. */
  file: string;
  /** Where it was read from, when that differs (see `sysroot`). */
  path: string;
  status: 'ok' | 'failed';
  errors: ParseError[];
  parsed: Directive[];
  /** How many lines the file has (0 when it could not be read). */
  lines: number;
}

export interface ParseWarning {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface ParseResult {
  status: 'ok' | 'failed';
  errors: ParseError[];
  config: ParsedFile[];
  /** Problems that are not errors for nginx or crossplane, such as include cycles. */
  warnings: ParseWarning[];
}

/** Every node (comments too) in document order, depth first, with its enclosing blocks, without following includes. */
export function* walk(nodes: readonly Directive[], parents: Directive[] = []): Generator<[Directive, Directive[]]> {
  for (const node of nodes) {
    yield [node, parents];
    if (node.block) yield* walk(node.block, [...parents, node]);
  }
}

/** Every directive (no comments) in document order, without following includes. */
export function* directives(nodes: readonly Directive[]): Generator<Directive> {
  // One generator with a stack: nested ones pass each node up through every level (a tenth of a second at 160k lines).
  const lists = [nodes];
  const next = [0];
  while (lists.length > 0) {
    const top = lists.length - 1;
    const list = lists[top]!;
    const i = next[top]!;
    if (i === list.length) {
      lists.pop();
      next.pop();
      continue;
    }
    next[top] = i + 1;
    const node = list[i]!;
    if (node.directive === '#') continue;
    yield node;
    if (node.block) {
      lists.push(node.block);
      next.push(0);
    }
  }
}

export function directivesNamed(nodes: readonly Directive[], name: string): Directive[] {
  const out: Directive[] = [];
  for (const d of directives(nodes)) if (d.directive === name) out.push(d);
  return out;
}

/**
 * Bounds nesting across files. An include inside L blocks puts the included
 * file's blocks L levels deeper; the parsers bound each file's own nesting,
 * and this bounds the sum along every chain of includes, so that code walking
 * the tree through includes a level at a time stays within the stack. An
 * include that would nest past `max` loses that file from its `includes`, and
 * an error at the include says why. Without recursion: a chain may be long.
 */
export function boundIncludeNesting(config: ParsedFile[], max: number, message: (included: string) => string): void {
  // Each file's own depth, and its includes as [directive, blocks around it, file included].
  const own = config.map(() => 0);
  const edges = config.map((c, i) => {
    const found: Array<[Directive, number, number]> = [];
    const todo: Array<[readonly Directive[], number]> = [[c.parsed, 0]];
    while (todo.length > 0) {
      const [nodes, level] = todo.pop()!;
      for (const d of nodes) {
        const includes = d.includes;
        if (includes !== undefined) for (const t of includes) found.push([d, level, t]);
        if (d.block) {
          own[i] = Math.max(own[i]!, level + 1);
          todo.push([d.block, level + 1]);
        }
      }
    }
    return found.sort((a, b) => a[0].offset - b[0].offset);
  });

  // Depth first from the main file, then from each file it does not reach
  // (rules walk those from their own top). A file reached again no deeper
  // than before has nothing new to check; one on the current chain is a
  // cycle, which the parser reports and the walkers do not follow.
  const deepest = config.map(() => -1);
  const onChain = new Uint8Array(config.length);
  for (let root = 0; root < config.length; root++) {
    if (deepest[root]! >= 0) continue;
    deepest[root] = 0;
    onChain[root] = 1;
    const chain = [{ file: root, base: 0, next: 0 }];
    while (chain.length > 0) {
      const top = chain[chain.length - 1]!;
      const edge = edges[top.file]![top.next++];
      if (edge === undefined) {
        onChain[top.file] = 0;
        chain.pop();
        continue;
      }
      const [d, level, t] = edge;
      const base = top.base + level;
      // Cut already, on a deeper way to the same include.
      if (!d.includes!.includes(t)) continue;
      if (onChain[t] || base <= deepest[t]!) continue;
      if (base + own[t]! > max) {
        d.includes = d.includes!.filter((i) => i !== t);
        const from = config[top.file]!;
        from.errors.push({ kind: 'syntax', file: from.file, message: message(config[t]!.file), line: d.line, column: d.column });
        continue;
      }
      deepest[t] = base;
      onChain[t] = 1;
      chain.push({ file: t, base, next: 0 });
    }
  }
}
