// The nodes the parsers build. A big config has hundreds of thousands of
// directives and arguments, so a node holds only its name, arguments, block,
// file record (SourceText) and its index there. Its line and offsets are
// packed in one typed array per file, as are its arguments' offsets; the rest
// is computed from them: column, end line and column, file name, and the
// argument nodes, built on first use. To consumers a node is a model.ts Directive.
//
// A node is a class instance: spreading one (`{ ...d }`) loses the computed
// fields; copy it with copyNode(). JSON.stringify gives the plain fields.
import type { Arg, Directive, IgnoredText } from './model.js';

/** Offsets at which each line starts; lines end at LF only, as nginx counts them. */
export function lineStarts(text: string): Int32Array {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  const starts = new Int32Array(n);
  n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts[n++] = i + 1;
  return starts;
}

/**
 * A string with no tie to the text it was cut from: V8 keeps a whole file's
 * text alive for a slice of 13 characters or more. JSON.parse makes a new string.
 */
export function ownCopy(text: string): string {
  return text.length < 13 ? text : (JSON.parse(JSON.stringify(text)) as string);
}

/**
 * Arrays to write a file's spans and node records in while it is read. Files
 * are read one at a time, and seal() copies out what a file used: the arrays
 * grow once, to the largest file, instead of leaving the copies each file's
 * doubling makes (13 MB of them outlived the reading of the 640k Apache tree).
 * A file never sealed keeps its own.
 */
const scratch: Int32Array[] = [];

/** One file as its nodes see it: its name, text and line starts, and its arguments' offsets. */
export class SourceText {
  readonly starts: Int32Array;
  /** The file's text; undefined after forgetText(). */
  text: string | undefined;
  /** Two ints an argument, in the order the parser read them: offset (~offset when in single quotes), then endOffset (~endOffset when quoted). */
  private spans = scratch.pop() ?? new Int32Array(256);
  private used = 0;
  /** The line index last found, where the next search starts. */
  private hint = 0;
  /** Four ints a node, in the order made: offset, endOffset, line, the index of its first argument's span. */
  private nodes = scratch.pop() ?? new Int32Array(256);
  private nodesUsed = 0;
  /** The argument nodes built (Node.argNodes), by node index. */
  private built: Map<number, Arg[]> | undefined;
  /** Raw texts that the values do not give back once the text is forgotten (keepRaw), by argument index. */
  private raws: Map<number, string> | undefined;

  /** `starts` may be given, e.g. with a byte order mark skipped. */
  constructor(
    readonly file: string,
    text: string,
    starts?: Int32Array,
  ) {
    this.text = text;
    this.starts = starts ?? lineStarts(text);
  }

  get lines(): number {
    return this.starts.length;
  }

  /** The 0-based index of the line an offset is on. */
  lineIndex(offset: number): number {
    const s = this.starts;
    const n = s.length;
    let i = this.hint;
    // Nodes are mostly made in document order: a few lines on, usually.
    if (s[i]! <= offset) {
      for (let k = 0; k < 4 && i + 1 < n && s[i + 1]! <= offset; k++) i++;
      if (i + 1 >= n || s[i + 1]! > offset) return (this.hint = i);
    }
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return (this.hint = lo);
  }

  /** 1-based line of an offset. */
  lineAt(offset: number): number {
    return this.lineIndex(offset) + 1;
  }

  /** 1-based UTF-16 column of an offset. */
  columnAt(offset: number): number {
    return offset - this.starts[this.lineIndex(offset)]! + 1;
  }

  /** Records an argument's span; returns its index. */
  addArg(offset: number, endOffset: number, quoted: boolean): number {
    if (this.used === this.spans.length) {
      const grown = new Int32Array(this.spans.length * 2);
      grown.set(this.spans);
      this.spans = grown;
    }
    this.spans[this.used] = quoted && this.text?.charCodeAt(offset) === 39 ? ~offset : offset;
    this.spans[this.used + 1] = quoted ? ~endOffset : endOffset;
    this.used += 2;
    return (this.used >> 1) - 1;
  }

  /** How many arguments are recorded: the index the next one gets. */
  get argCount(): number {
    return this.used >> 1;
  }

  argOffset(i: number): number {
    const o = this.spans[2 * i]!;
    return o < 0 ? ~o : o;
  }

  argEnd(i: number): number {
    const e = this.spans[2 * i + 1]!;
    return e < 0 ? ~e : e;
  }

  argQuoted(i: number): boolean {
    return this.spans[2 * i + 1]! < 0;
  }

  /** Moves an argument's span (crossplane trims the parentheses of `if`). */
  moveArg(i: number, offset: number, endOffset: number): void {
    this.spans[2 * i] = this.spans[2 * i]! < 0 ? ~offset : offset;
    this.spans[2 * i + 1] = this.argQuoted(i) ? ~endOffset : endOffset;
  }

  /** Records a node's positions; returns its index. */
  addNode(offset: number, endOffset: number, argAt: number): number {
    if (this.nodesUsed === this.nodes.length) {
      const grown = new Int32Array(this.nodes.length * 2);
      grown.set(this.nodes);
      this.nodes = grown;
    }
    const n = this.nodes;
    const k = this.nodesUsed;
    n[k] = offset;
    n[k + 1] = endOffset;
    n[k + 2] = this.lineIndex(offset);
    n[k + 3] = argAt;
    this.nodesUsed += 4;
    return k >> 2;
  }

  nodeOffset(i: number): number {
    return this.nodes[4 * i]!;
  }

  nodeEnd(i: number): number {
    return this.nodes[4 * i + 1]!;
  }

  nodeLine(i: number): number {
    return this.nodes[4 * i + 2]!;
  }

  /** Moves a node to another line (a comment between arguments, to its statement's), while the file is read. */
  setNodeLine(i: number, line: number): void {
    this.nodes[4 * i + 2] = line;
  }

  /** Moves a node's end (an Apache section's, to its closing tag), while the file is read. */
  setNodeEnd(i: number, endOffset: number): void {
    this.nodes[4 * i + 1] = endOffset;
  }

  /** Argument nodes of node `i`, once built; `build` makes them the first time. */
  argNodesOf(i: number, build: (argAt: number) => Arg[]): Arg[] {
    let nodes = this.built?.get(i);
    if (nodes === undefined) (this.built ??= new Map()).set(i, (nodes = build(this.nodes[4 * i + 3]!)));
    return nodes;
  }

  /** The index of node `i`'s first argument span, when its argument nodes are not built. */
  nodeArgAt(i: number): number {
    return this.nodes[4 * i + 3]!;
  }

  /** The argument nodes of node `i` if built. */
  builtArgNodes(i: number): Arg[] | undefined {
    return this.built?.get(i);
  }

  /**
   * Once the file is read: keeps copies of exactly the spans and node records
   * used, and gives the arrays they were written in back for the next file.
   */
  seal(): void {
    const spans = this.spans;
    const nodes = this.nodes;
    this.spans = spans.slice(0, this.used);
    this.nodes = nodes.slice(0, this.nodesUsed);
    // Pushed so that the next file pops each for the same use (spans first).
    if (scratch.length < 4) scratch.push(nodes, spans);
  }

  /**
   * Drops the text, the largest part of a file's record (nginx only): an
   * nginx argument's raw text follows from its value, bare words are their
   * value, and quoted ones escape only their quote. keepRaw() keeps the rest.
   */
  forgetText(): void {
    this.text = undefined;
  }

  /** Keeps argument `i`'s raw text, when its value no longer gives it back. */
  keepRaw(i: number): void {
    if (this.text !== undefined) (this.raws ??= new Map()).set(i, ownCopy(this.text.slice(this.argOffset(i), this.argEnd(i))));
  }

  private rawOf(i: number, value: string): string {
    const kept = this.raws?.get(i);
    if (kept !== undefined) return kept;
    if (!this.argQuoted(i)) return value;
    const quote = this.spans[2 * i]! < 0 ? "'" : '"';
    return quote + value.replaceAll(quote, `\\${quote}`) + quote;
  }

  /** The node of argument `i`, whose value is `value`. */
  arg(i: number, value: string): Arg {
    const offset = this.argOffset(i);
    const endOffset = this.argEnd(i);
    const line = this.lineIndex(offset);
    const endLine = this.lineIndex(endOffset);
    return {
      value,
      raw: this.text !== undefined ? this.text.slice(offset, endOffset) : this.rawOf(i, value),
      quoted: this.argQuoted(i),
      file: this.file,
      offset,
      endOffset,
      line: line + 1,
      column: offset - this.starts[line]! + 1,
      endLine: endLine + 1,
      endColumn: endOffset - this.starts[endLine]! + 1,
    };
  }
}

/** The arguments of every node that has none: frozen, as all argument lists are. */
const NO_VALUES: string[] = Object.freeze([]) as unknown as string[];

// A computed field that is assigned becomes the node's own plain field.
function shadow(node: object, key: string, value: unknown): void {
  Object.defineProperty(node, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A directive or comment of either dialect. */
export class Node implements Directive {
  directive: string;
  args: string[];
  /** Own on every node (undefined without a block), so that all nodes share one shape. */
  block?: Directive[];
  /** The file's record. */
  src: SourceText;
  /** This node's index in `src`, where its line, offsets and argument spans are. */
  readonly at: number;
  declare includes?: number[];
  declare comment?: string;
  declare betweenArgs?: boolean;
  declare commentLine?: number;
  declare ignored?: IgnoredText[];

  constructor(src: SourceText, directive: string, args: string[], argAt: number, block: Directive[] | undefined, offset: number, endOffset: number) {
    this.directive = directive;
    this.args = args;
    if (block !== undefined) this.block = block;
    this.src = src;
    this.at = src.addNode(offset, endOffset, argAt);
  }

  // An assigned position becomes the node's own plain field: a copy (copyNode)
  // shares the original's record, which must not change under it.
  get line(): number {
    return this.src.nodeLine(this.at) + 1;
  }

  set line(value: number) {
    shadow(this, 'line', value);
  }

  get offset(): number {
    return this.src.nodeOffset(this.at);
  }

  set offset(value: number) {
    shadow(this, 'offset', value);
  }

  get endOffset(): number {
    return this.src.nodeEnd(this.at);
  }

  set endOffset(value: number) {
    shadow(this, 'endOffset', value);
  }

  get file(): string {
    return this.src.file;
  }

  set file(value: string) {
    shadow(this, 'file', value);
  }

  get column(): number {
    const s = this.src.starts;
    const i = this.line - 1;
    const offset = this.offset;
    // `line` is where the node starts, except on a comment moved to its directive's line.
    if (s[i]! <= offset && (i + 1 >= s.length || offset < s[i + 1]!)) return offset - s[i]! + 1;
    return this.src.columnAt(offset);
  }

  set column(value: number) {
    shadow(this, 'column', value);
  }

  get endLine(): number {
    return this.src.lineAt(this.endOffset);
  }

  set endLine(value: number) {
    shadow(this, 'endLine', value);
  }

  get endColumn(): number {
    return this.src.columnAt(this.endOffset);
  }

  set endColumn(value: number) {
    shadow(this, 'endColumn', value);
  }

  /** The arguments with positions, built on first use and kept in `src`. */
  get argNodes(): Arg[] {
    return this.src.argNodesOf(this.at, (data) => {
      const n = this.args.length;
      const nodes = new Array<Arg>(n);
      for (let i = 0; i < n; i++) nodes[i] = this.src.arg(data + i, this.args[i]!);
      return nodes;
    });
  }

  /** Argument `i`'s node, without building and keeping the others. */
  argNode(i: number): Arg | undefined {
    const built = this.src.builtArgNodes(this.at);
    if (built !== undefined) return built[i];
    return i < this.args.length ? this.src.arg(this.src.nodeArgAt(this.at) + i, this.args[i]!) : undefined;
  }

  set argNodes(value: Arg[]) {
    shadow(this, 'argNodes', value);
  }

  /** The plain fields, as a Directive literal has them. */
  toJSON(): Record<string, unknown> {
    const self = this as Directive;
    const out: Record<string, unknown> = { directive: this.directive, line: this.line, args: this.args };
    for (const key of ['includes', 'block', 'comment'] as const) if (self[key] !== undefined) out[key] = self[key];
    out.file = this.file;
    out.column = this.column;
    out.endLine = this.endLine;
    out.endColumn = this.endColumn;
    out.offset = this.offset;
    out.endOffset = this.endOffset;
    out.argNodes = this.argNodes;
    for (const key of ['betweenArgs', 'commentLine', 'lower', 'section', 'reportLine', 'ignored'] as const) {
      if (self[key] !== undefined) out[key] = self[key];
    }
    return out;
  }
}

/** A `#` comment: `directive` is "#", the text after it is `comment`. */
export class CommentNode extends Node {
  override comment: string;

  constructor(src: SourceText, comment: string, offset: number, endOffset: number) {
    super(src, '#', NO_VALUES, 0, undefined, offset, endOffset);
    this.comment = comment;
  }
}

/**
 * The report lines of the Apache nodes that differ from their line (those
 * written on continued lines), by file record and node index: a field on
 * every node would take 8 bytes each for the few that need it.
 */
const continuedLines = new WeakMap<SourceText, Map<number, number>>();

/** An Apache directive, or a section: one with a block. */
export class ApacheNode extends Node {
  lower: string;

  constructor(src: SourceText, directive: string, lower: string, args: string[], argAt: number, block: Directive[] | undefined, offset: number, endOffset: number, reportLine: number) {
    super(src, directive, args, argAt, block, offset, endOffset);
    this.lower = lower;
    if (reportLine !== this.line) {
      let lines = continuedLines.get(src);
      if (!lines) continuedLines.set(src, (lines = new Map()));
      lines.set(this.at, reportLine);
    }
  }

  /** The line Apache names: its own, or the last physical one of a continued line. */
  get reportLine(): number {
    return continuedLines.get(this.src)?.get(this.at) ?? this.line;
  }

  set reportLine(value: number) {
    shadow(this, 'reportLine', value);
  }

  get section(): true | undefined {
    return this.block !== undefined ? true : undefined;
  }

  set section(value: boolean | undefined) {
    shadow(this, 'section', value);
  }
}

/** Moves a node to another line while its file is read, before any copy of it exists. */
export function moveToLine(node: Node, line: number): void {
  node.src.setNodeLine(node.at, line - 1);
}

/**
 * Moves a node's end while its file is read, before any copy of it exists:
 * assigning `endOffset` would give each section an own field, and a property
 * store of its own (40 bytes).
 */
export function moveEnd(node: Node, endOffset: number): void {
  node.src.setNodeEnd(node.at, endOffset);
}

/**
 * A copy of a node with some fields changed, that keeps the computed fields
 * (a spread would drop them). The copy shares the original's argument nodes.
 */
export function copyNode(node: Directive, changes: Partial<Directive>): Directive {
  if (!(node instanceof Node)) return { ...node, ...changes } as Directive;
  void node.argNodes;
  // Own fields are copied; positions stay in the shared record, and a changed one becomes the copy's own field (the setters).
  return Object.assign(Object.create(Object.getPrototypeOf(node) as object) as Directive, node, changes);
}

/**
 * One string for each distinct text, and one array for each distinct list of
 * arguments: a config repeats its names and values thousands of times. The
 * arrays are shared, so they are frozen.
 */
export class Interner {
  private readonly strings = new Map<string, string>();
  /** Lists of one value by the value; longer ones by their values joined with NUL. */
  private readonly singles = new Map<string, string[]>();
  private readonly lists = new Map<string, string[]>();

  /** With `copy`, each new text is kept as an ownCopy, so that the file's text can go. */
  constructor(private readonly copy = false) {}

  get(text: string): string {
    const known = this.strings.get(text);
    if (known !== undefined) return known;
    const own = this.copy ? ownCopy(text) : text;
    this.strings.set(own, own);
    return own;
  }

  /** `values` (interned strings, an array no one else holds), or the equal list met before. */
  args(values: string[]): string[] {
    const n = values.length;
    if (n === 0) return NO_VALUES;
    const map = n === 1 ? this.singles : this.lists;
    const key = n === 1 ? values[0]! : values.join('\0');
    const known = map.get(key);
    if (known !== undefined && known.length === n) {
      let same = true;
      for (let i = 0; i < n && same; i++) same = known[i] === values[i];
      if (same) return known;
    }
    Object.freeze(values);
    if (known === undefined) map.set(key, values);
    return values;
  }
}
