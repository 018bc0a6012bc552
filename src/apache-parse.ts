// Apache configuration to the shared tree of model.ts, read the way httpd 2.4
// reads it (../shared/docs/apache-methods.md, section 1):
//   1. physical lines join into logical lines at a backslash right before LF
//      (or CR LF), before anything else, comments included;
//   2. each logical line is trimmed, then is blank, a comment (`#` first), or
//      a statement; ${VAR} is expanded over the whole statement first;
//   3. grammar/apache.peggy reads the words of one line; this module keeps
//      the stack of open sections, as Apache's tree builder does;
//   4. Define/UnDefine and Include/IncludeOptional act while the file is read,
//      so included files are parsed depth first, where they are included.
// Every node keeps its file, line and column through continuations and
// expansions. Nothing here throws for bad input: errors come back as records.
import { parse as peggyApache } from '#grammar/apache';
import type { Directive, IgnoredText, ParseError, ParsedFile, ParseResult, ParseWarning } from './model.js';
import { nodeHost, type Host } from './host.js';
import { boundIncludeNesting } from './model.js';
import { binaryError, INCLUDE_CYCLE, joinPath, MAX_DEPTH } from './parse.js';
import { ApacheNode, CommentNode, Interner, lineStarts, moveEnd, SourceText } from './tree.js';

export interface ApacheParseOptions {
  /** Keep `#` comments as `{directive: "#"}` nodes. */
  comments?: boolean;
  /** Do not follow Include/IncludeOptional. */
  singleFile?: boolean;
  /** What relative Include paths resolve against (Apache's ServerRoot, `-d`); default: see serverRootFor(). */
  serverRoot?: string;
  /** Directory that absolute Include paths are looked up under, e.g. a checked-out /etc. */
  sysroot?: string;
  /** Variables defined before the file is read (`-D NAME` gives NAME with no value). */
  defines?: Readonly<Record<string, string | null>>;
  host?: Host;
}

/** Sections that Apache evaluates while reading; they make no node in Apache's own tree, but keep one here. */
export const CONDITIONAL_SECTIONS: ReadonlySet<string> = new Set([
  'ifmodule', 'ifdefine', 'iffile', 'ifdirective', 'ifsection', 'ifversion',
]);

/** A logical line may be this long in .htaccess (HUGE_STRING_LEN less the newline and NUL). */
export const HTACCESS_LINE_MAX = 8190;

/** A logical line of server config must be shorter than this many bytes (VARBUF_MAX_LEN, 16 MiB). */
export const CONFIG_LINE_MAX = 16 * 1024 * 1024;

/** Whether a file is read as .htaccess (per-directory) rather than server config. */
export function isHtaccessName(file: string): boolean {
  return /htaccess/i.test(file.slice(file.lastIndexOf('/') + 1));
}

/** A word as grammar/apache.peggy returns it: offsets into the text given. */
interface Word {
  value: string;
  quote: '"' | "'" | null;
  closed: boolean;
  start: number;
  end: number;
}

/** What the grammar's Statement rule returns. */
type Statement =
  | { type: 'open' | 'close'; first: Word; rest: number }
  | { type: 'directive'; first: Word; words: Word[]; dropped: { text: string; start: number; end: number } | null };

/** Variables as Apache holds them while reading: Define'd names, and the values of those given one. */
export interface ApacheVars {
  defined: Set<string>;
  values: Map<string, string>;
}

export function newVars(defines: Readonly<Record<string, string | null>> = {}): ApacheVars {
  const vars: ApacheVars = { defined: new Set(), values: new Map() };
  for (const [name, value] of Object.entries(defines)) {
    vars.defined.add(name);
    if (value !== null) vars.values.set(name, value);
  }
  return vars;
}

const NO_SWAPS: readonly number[] = Object.freeze([]);

// One logical line: its text and where each piece of it came from. One
// object serves every line of a file in turn.
class LogicalLine {
  /** Pairs of (offset in text, offset in the file) where each physical piece starts. */
  readonly pieces: number[] = [];
  text = '';
  startLine = 1;
  endLine = 1;
  // The statement read from the text: it starts at `s`, and reads `ex` once ${VAR}s are expanded.
  s = 0;
  ex = '';
  swaps: readonly number[] = NO_SWAPS;

  reset(lineNo: number): void {
    this.pieces.length = 0;
    this.text = '';
    this.startLine = lineNo;
    this.endLine = lineNo;
  }

  add(fileOffset: number, piece: string): void {
    this.pieces.push(this.text.length, fileOffset);
    this.text += piece;
  }

  /** The file offset of a character of the text: in the last piece that starts at or before it. */
  fileOffset(i: number): number {
    const p = this.pieces;
    // A binary search: a line continued thousands of times has as many pieces.
    let lo = 0;
    let hi = (p.length >> 1) - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (p[2 * mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return p[2 * lo + 1]! + (i - p[2 * lo]!);
  }

  /** The file offset just past a range of the text that ends (exclusive) at `end`. */
  fileEnd(end: number, start: number): number {
    return end <= start ? this.fileOffset(start) : this.fileOffset(end - 1) + 1;
  }

  /** File offset of the first character of the last physical line in this logical line. */
  lastPhysicalStart(): number {
    return this.pieces[this.pieces.length - 1]!;
  }

  /** The file offset of a character of `ex`. */
  at(i: number): number {
    return this.fileOffset(this.s + unexpand(this.swaps, i, false));
  }

  /** The file offset just past a range of `ex`. */
  endAt(end: number, start: number): number {
    return this.fileEnd(this.s + unexpand(this.swaps, end, true), this.s + unexpand(this.swaps, start, false));
  }
}

// ${VAR} expansion over a statement, keeping a map back to the text before it.
interface Expanded {
  text: string;
  /** Pairs of (start in expanded text, start in original, length in expanded, length in original) per expansion. */
  swaps: number[];
}

/** ap_resolve_env: `${NAME}` replaced by its Define'd value; unknown names stay as they are. No nesting, no escape. */
export function expandVars(text: string, vars: ApacheVars): Expanded {
  const swaps: number[] = [];
  let out = '';
  let from = 0;
  // The first `}` after a `${`, kept while it stays ahead: `${${${…}` is read in linear time.
  let close = -1;
  for (let i = text.indexOf('${'); i >= 0; i = text.indexOf('${', i + 2)) {
    if (close < i + 2) close = text.indexOf('}', i + 2);
    if (close < 0) break;
    const name = text.slice(i + 2, close);
    const value = vars.values.get(name);
    if (value === undefined) continue;
    out += text.slice(from, i);
    swaps.push(out.length, i, value.length, close + 1 - i);
    out += value;
    from = close + 1;
    i = close - 1;
  }
  if (swaps.length === 0) return { text, swaps };
  return { text: out + text.slice(from), swaps };
}

/** Maps an offset in the expanded text back to the original; `end` maps an exclusive end. */
function unexpand(s: readonly number[], i: number, end: boolean): number {
  // The last expansion that starts before `i` (at or before, unless `end`), found by halving: a line may hold thousands.
  let lo = -1;
  let hi = (s.length >> 2) - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    const at = s[4 * mid]!;
    if (at < i || (!end && at === i)) lo = mid;
    else hi = mid - 1;
  }
  if (lo < 0) return i;
  const k = 4 * lo;
  const at = s[k]!;
  const len = s[k + 2]!;
  if (i < at + len || (end && i === at + len)) return end ? s[k + 1]! + s[k + 3]! : s[k + 1]!;
  return i + s[k + 1]! + s[k + 3]! - (at + len);
}

/** [ \t\n\v\f\r]: char codes 9 to 13, and 32. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

export interface ApacheTextResult {
  parsed: Directive[];
  errors: ParseError[];
  lines: number;
}

export interface ApacheTextOptions {
  comments?: boolean;
  /** Read as .htaccess: shorter lines, and Define does not act. Default: by the file's name. */
  htaccess?: boolean;
  /** Shared across the files of one tree, in reading order. */
  vars?: ApacheVars;
  /** Called for each directive as it is read in server config (not .htaccess), so Include and ServerRoot act in order. */
  onRead?: (d: Directive) => void;
  /** One string for each distinct name and value; by default, the file's own. */
  strings?: Interner;
}

interface Open {
  node: ApacheNode;
  lower: string;
  conditional: boolean;
}

class Stop extends Error {}

/** Parses one file's text. Never throws for bad input. */
export function parseApacheText(text: string, file: string, options: ApacheTextOptions = {}): ApacheTextResult {
  const starts = lineStarts(text);
  const bom = text.charCodeAt(0) === 0xfeff;
  // Columns are counted after a byte order mark, as editors show them.
  if (bom) starts[0] = 1;
  const src = new SourceText(file, text, starts);
  const strings = options.strings ?? new Interner();
  // Each name's lower case, once.
  const lowers = new Map<string, string>();
  const lowerOf = (name: string): string => {
    let lower = lowers.get(name);
    if (lower === undefined) lowers.set(name, (lower = strings.get(name.toLowerCase())));
    return lower;
  };
  const htaccess = options.htaccess ?? isHtaccessName(file);
  const vars = options.vars ?? newVars();
  const comments = options.comments ?? false;
  const root: Directive[] = [];
  const stack: Open[] = [];
  const errors: ParseError[] = [];
  const ignoredCloses: Array<{ ignored: IgnoredText; after: Directive }> = [];

  const fail = (message: string, line: number, column: number): never => {
    errors.push({ kind: 'syntax', file, message, line, column });
    throw new Stop();
  };
  const here = (): Directive[] => (stack.length > 0 ? stack[stack.length - 1]!.node.block! : root);

  if (bom) {
    // Linux builds of Apache do not strip it: the first word starts with it.
    errors.push({
      kind: 'syntax',
      file,
      message: 'the file starts with a UTF-8 byte order mark: Apache reads it as part of the first word ("Invalid command \'\\xef\\xbb\\xbf…\'"); save the file without it',
      line: 1,
      column: 1,
    });
  }

  try {
    let pos = bom ? 1 : 0;
    let lineNo = 1;
    const line = new LogicalLine();
    while (pos < text.length) {
      line.reset(lineNo);
      for (;;) {
        const nl = text.indexOf('\n', pos);
        const end = nl < 0 ? text.length : nl;
        let cut = end;
        if (nl >= 0 && text[end - 1] === '\\') cut = end - 1;
        else if (nl >= 0 && text[end - 1] === '\r' && text[end - 2] === '\\') cut = end - 2;
        line.add(pos, text.slice(pos, cut));
        pos = nl < 0 ? text.length : nl + 1;
        if (cut === end || pos >= text.length) break;
        lineNo++;
        line.endLine = lineNo;
      }
      lineNo++;
      readLine(line);
    }
    if (stack.length > 0) unclosed(stack[stack.length - 1]!);
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    return { parsed: [], errors, lines: starts.length };
  }
  src.seal();
  return { parsed: errors.length > 0 ? [] : root, errors, lines: starts.length };

  function readLine(line: LogicalLine): void {
    const t = line.text;
    // httpd fails while reading the line, before it looks at what it holds.
    if (!htaccess && t.length * 3 >= CONFIG_LINE_MAX && Buffer.byteLength(t, 'utf8') >= CONFIG_LINE_MAX) {
      fail(`line too long: Apache reads at most ${CONFIG_LINE_MAX - 1} bytes in one configuration line and fails with "Line too long"`, line.endLine, 1);
    }
    let s = 0;
    let e = t.length;
    while (s < e && isSpace(t.charCodeAt(s))) s++;
    while (e > s && isSpace(t.charCodeAt(e - 1))) e--;
    if (s === e) return;
    // A UTF-16 unit is at most 3 bytes of UTF-8: most lines need no count.
    if (htaccess && t.length * 3 > HTACCESS_LINE_MAX && Buffer.byteLength(t, 'utf8') > HTACCESS_LINE_MAX) {
      const l = src.lineAt(line.fileOffset(s));
      fail(`line too long: Apache reads at most ${HTACCESS_LINE_MAX} bytes per line in .htaccess and answers 500 ("Line too long")`, l, 1);
    }
    const raw = t.slice(s, e);
    if (raw[0] === '#') {
      if (comments) here().push(commentNode(line, s, e, raw.slice(1)));
      return;
    }
    if (raw.includes('${')) {
      const expanded = expandVars(raw, vars);
      line.ex = expanded.text;
      line.swaps = expanded.swaps;
    } else {
      line.ex = raw;
      line.swaps = NO_SWAPS;
    }
    line.s = s;
    const ex = line.ex;
    // A value may be all of the line: a line with no first word is a blank one.
    let lead = 0;
    while (lead < ex.length && isSpace(ex.charCodeAt(lead))) lead++;
    if (lead === ex.length) return;
    const st = peggyApache(ex, { startRule: 'Statement' }) as Statement;
    // ap_build_config_sub: a first word that reads as empty ("" or '') makes no directive; the line is skipped.
    if (st.type === 'directive' && st.first.value === '') return;
    const reportLine = line.endLine;
    // The words' offsets go to `src` from index `argAt` on.
    const argAt = src.argCount;
    const name = st.first.value;

    if (st.type === 'directive') {
      const d = node(line, st, name, args(line, st.words, 0), argAt, ex.length, reportLine);
      if (st.dropped) d.ignored = [ignore(line, st.dropped.start, st.dropped.end, 'args')];
      here().push(d);
      if (!htaccess) define(d);
      if (!htaccess) options.onRead?.(d);
      return;
    }

    if (st.type === 'open') {
      // The name is the first word less its `<` and a trailing `>`; the
      // arguments end at the LAST `>` on the line and the rest is dropped.
      let sectionName = name.slice(1);
      let rest = ex.slice(st.rest);
      let restStart = st.rest;
      if (sectionName.endsWith('>')) sectionName = sectionName.slice(0, -1);
      if (rest === '') {
        rest = '>';
        restStart = ex.length;
      }
      const gt = rest.lastIndexOf('>');
      if (gt < 0) fail(`<${sectionName}> directive missing closing '>'`, reportLine, reportColumn(line));
      // Code that walks the tree recurses once a level: a bound, said to be verblint's.
      if (stack.length >= MAX_DEPTH) {
        fail(
          `<${sectionName}> nested too deeply: verblint reads sections at most ${MAX_DEPTH} levels deep (Apache has no limit of its own; httpd 2.4 crashes when its stack runs out, some 8,400 levels deep with an 8 MB stack)`,
          reportLine,
          reportColumn(line),
        );
      }
      const inner = rest.slice(0, gt);
      const words = args(line, peggyApache(inner, { startRule: 'Words' }) as Word[], restStart);
      const d = node(line, st, sectionName, words, argAt, Math.min(ex.length, restStart + gt + 1), reportLine, []);
      const after = rest.slice(gt + 1);
      const trailing = after.length - after.trimStart().length;
      if (after.trim() !== '') d.ignored = [ignore(line, restStart + gt + 1 + trailing, ex.length, 'open')];
      here().push(d);
      stack.push({ node: d, lower: d.lower, conditional: CONDITIONAL_SECTIONS.has(d.lower) });
      return;
    }

    // A closing tag: its first word must end with `>`, and must name the innermost open section.
    if (!name.endsWith('>')) fail(`</${name.slice(2)}> directive missing closing '>'`, reportLine, reportColumn(line));
    const closing = name.slice(2, -1);
    const top = stack[stack.length - 1];
    if (top === undefined) fail(`</${closing}> without matching <${closing}> section`, reportLine, reportColumn(line));
    if (closing.toLowerCase() !== top!.lower) {
      fail(`Expected </${top!.node.directive}> but saw </${closing}>`, reportLine, reportColumn(line));
    }
    const rest = ex.slice(st.rest);
    const open = top!.node;
    if (rest !== '') {
      if (top!.conditional) {
        fail(
          `text after </${closing}>: where its condition holds, Apache does not take this line as the end of <${open.directive}> (line ${open.line}) and fails with "</${closing}> without matching <${closing}> section"; put the closing tag on a line of its own`,
          reportLine,
          reportColumn(line),
        );
      }
      const ignored = ignore(line, st.rest, ex.length, 'close');
      (open.ignored ??= []).push(ignored);
      ignoredCloses.push({ ignored, after: open });
    }
    moveEnd(open, line.endAt(st.first.end, st.first.start));
    // Exactly as long as it is: a pushed array keeps room for more (three children take 184 bytes instead of 72).
    open.block = open.block!.slice();
    stack.pop();
  }

  /** The words' values, interned; their offsets in the file go to `src`. */
  function args(line: LogicalLine, words: Word[], base: number): string[] {
    const values = new Array<string>(words.length);
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      src.addArg(line.at(base + w.start), line.endAt(base + w.end, base + w.start), w.quote !== null);
      values[i] = strings.get(w.value);
    }
    return strings.args(values);
  }

  function node(line: LogicalLine, st: Statement, name: string, values: string[], argAt: number, restEnd: number, reportLine: number, block?: Directive[]): ApacheNode {
    const directive = strings.get(name);
    const offset = line.at(st.first.start);
    return new ApacheNode(src, directive, lowerOf(directive), values, argAt, block, offset, line.endAt(restEnd, st.first.start), reportLine);
  }

  function ignore(line: LogicalLine, from: number, to: number, after: IgnoredText['after']): IgnoredText {
    const offset = line.at(from);
    return { text: line.ex.slice(from, to), line: src.lineAt(offset), column: src.columnAt(offset), after };
  }

  function reportColumn(line: LogicalLine): number {
    return src.columnAt(Math.max(line.lastPhysicalStart(), line.at(0)));
  }

  function commentNode(line: LogicalLine, s: number, e: number, comment: string): Directive {
    return new CommentNode(src, comment, line.fileOffset(s), line.fileEnd(e, s));
  }

  function define(d: Directive): void {
    const name = d.args[0];
    if (name === undefined || name.includes(':')) return;
    if (d.lower === 'define') {
      vars.defined.add(name);
      if (d.args.length > 1) vars.values.set(name, d.args[1]!);
    } else if (d.lower === 'undefine') {
      vars.defined.delete(name);
      vars.values.delete(name);
    }
  }

  function unclosed(open: Open): never {
    const d = open.node;
    const line = d.reportLine ?? d.line;
    // `</VirtualHost> </IfModule>`: the second tag was dropped with the text after the first.
    const lost = ignoredCloses.find((c) => c.ignored.text.toLowerCase().startsWith(`</${open.lower}>`));
    const hint = lost
      ? `; the </${d.directive}> after the closing tag on line ${lost.ignored.line} is ignored, because a closing tag must start its own line`
      : '';
    if (open.conditional) {
      return fail(
        `<${d.directive}> was not closed: Apache fails with "Expected </${d.directive}> before end of configuration" when its condition is false${hint}`,
        line,
        d.column,
      );
    }
    return fail(`<${d.directive}> was not closed.${hint}`, line, d.column);
  }
}

const GLOB_MAGIC = /[*?[]/;

function dirname(file: string): string {
  const i = file.lastIndexOf('/');
  return i < 0 ? '' : i === 0 ? '/' : file.slice(0, i);
}

/**
 * Where relative Include paths resolve: `--server-root`; else, when the config
 * names a ServerRoot whose last part is a folder above the main file (a checked-out
 * /etc/httpd with conf/httpd.conf in it), that folder; else the main file's folder.
 */
export function serverRootFor(main: string, serverRootDirective: string | undefined): string {
  const mainDir = dirname(main);
  if (serverRootDirective === undefined) return mainDir;
  const want = serverRootDirective.replace(/\/+$/, '');
  const base = want.slice(want.lastIndexOf('/') + 1);
  if (base === '') return mainDir;
  for (let dir = mainDir; dir !== '' && dir !== '/' && dir !== '.'; dir = dirname(dir)) {
    if (dir === base || dir.endsWith(`/${base}`)) return dir;
  }
  return mainDir;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  EISDIR: 'Is a directory',
  ENOTREG: 'Not a regular file (a FIFO, socket or device), so it is not read',
};

/** Apache's maximum include depth (AP_MAX_INCLUDE_DEPTH): files below the main one. */
export const MAX_INCLUDE_DEPTH = 128;

const TOO_DEEP = `Exceeded maximum include depth of ${MAX_INCLUDE_DEPTH}, There appears to be a recursion.`;

/**
 * Parses a main config and, unless `singleFile`, every file it includes, as
 * Apache reads them: depth first, each included file where it is included, so
 * that Define acts in reading order. Each file appears once in `config`, in
 * the order first included; an Include's `includes` holds indexes into it.
 */
export function parseApache(file: string, options: ApacheParseOptions = {}): ParseResult {
  const host = options.host ?? nodeHost;
  const sysroot = options.sysroot;
  const config: ParsedFile[] = [];
  const indexOf = new Map<string, number>();
  const warnings: ParseWarning[] = [];
  const vars = newVars(options.defines);
  let serverRoot = options.serverRoot;
  const reading: number[] = [];

  const diskPath = (name: string): string =>
    sysroot !== undefined && name.startsWith('/') ? joinPath(sysroot, name.replace(/^\/+/, '')) : name;

  const read = (name: string, path: string): number => {
    const known = indexOf.get(name);
    if (known !== undefined) return known;
    const i = config.length;
    indexOf.set(name, i);
    const entry: ParsedFile = { file: name, path, status: 'ok', errors: [], parsed: [], lines: 0 };
    config.push(entry);
    let text: string;
    try {
      text = host.readFile(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      entry.errors.push({ kind: 'read', file: name, line: 1, column: 1, message: `Could not open configuration file ${name}: ${ERRNO_TEXT[code] ?? code}` });
      entry.status = 'failed';
      return i;
    }
    const binary = binaryError(text, name, 'Apache');
    if (binary) {
      entry.errors.push(binary);
      entry.lines = lineStarts(text).length;
      entry.status = 'failed';
      return i;
    }
    reading.push(i);
    // Each file interns its own strings: the tables of one interner for a
    // whole large tree outlive several collections and are left, some 12 MB
    // for 640,000 lines, to the next full one; a file's die young. What files
    // share (directive names, common values) is small.
    const result = parseApacheText(text, name, {
      comments: options.comments ?? false,
      vars,
      ...(!options.singleFile && { onRead: (d: Directive) => onRead(d, entry) }),
    });
    reading.pop();
    entry.parsed = result.parsed;
    entry.lines = result.lines;
    entry.errors.push(...result.errors);
    if (entry.errors.length > 0) entry.status = 'failed';
    return i;
  };

  const onRead = (d: Directive, from: ParsedFile): void => {
    if (d.lower === 'include' || d.lower === 'includeoptional') include(d, from);
    // ServerRoot acts where it is read: Includes before it resolve as if it were absent.
    else if (d.lower === 'serverroot' && options.serverRoot === undefined && d.args[0] !== undefined) {
      serverRoot = serverRootFor(file, d.args[0]);
    }
  };

  const include = (d: Directive, from: ParsedFile): void => {
    const arg = d.argNodes[0];
    if (arg === undefined) return;
    serverRoot ??= serverRootFor(file, undefined);
    const optional = d.lower === 'includeoptional';
    const problem = (message: string): void => {
      if (!optional) from.errors.push({ kind: 'include', file: from.file, line: arg.line, column: arg.column, endLine: arg.endLine, endColumn: arg.endColumn, message });
    };
    // A directory this machine does not let verblint read says nothing about
    // the config (Apache starts as root): a read error, named by the directory.
    const unreadable = (dir: string, code: string): void => {
      from.errors.push({ kind: 'read', file: dir, line: 1, column: 1, message: `Could not open config directory ${dir}: ${ERRNO_TEXT[code] ?? code}` });
    };
    const pattern = arg.value;
    const name = joinPath(serverRoot, pattern);
    const targets: number[] = [];
    // Apache fails on a name it cannot open (a dangling link, a link loop), as
    // on a missing file; EACCES is left for the reader.
    const openFile = (target: string, path: string, status: string): void => {
      if (status !== 'ok' && status !== 'EACCES') return problem(`Could not open configuration file ${target}: ${ERRNO_TEXT[status] ?? status}`);
      const i = enter(target, path, d, from);
      if (i !== undefined) targets.push(i);
    };
    const take = (target: string): void => {
      const path = diskPath(target);
      const status = host.check(path);
      if (status !== 'EISDIR') return openFile(target, path, status);
      // A directory: every file in it, recursively, dotfiles included, sorted.
      const shown = (p: string): string => target + p.slice(path.length);
      const listed = host.listTree(path, (p, code) => {
        // Apache follows a link back up until the path is too long to open.
        if (code === 'ELOOP') problem(`Could not open configuration file ${shown(p)}: it links back to a directory above it, which Apache follows until "Too many levels of symbolic links"`);
        else unreadable(shown(p), code);
      });
      for (const f of listed) openFile(joinPath(target, f), joinPath(path, f), host.check(joinPath(path, f)));
    };
    if (!GLOB_MAGIC.test(pattern)) {
      const status = host.check(diskPath(name));
      if (status === 'ok' || status === 'EISDIR' || status === 'EACCES') take(name);
      else problem(`Could not open configuration file ${name}: ${ERRNO_TEXT[status] ?? status}`);
    } else {
      for (const m of expandWildcards(name, host, diskPath, problem, unreadable)) take(m);
    }
    d.includes = targets;
  };

  /** The index of the file in `config`; undefined when Apache would stop before reading it. */
  const enter = (name: string, path: string, d: Directive, from: ParsedFile): number | undefined => {
    const known = indexOf.get(name);
    if (known !== undefined && reading.includes(known)) {
      const loop = [...reading.slice(reading.indexOf(known)).map((k) => config[k]!.file), name];
      from.errors.push({
        kind: 'include', file: from.file, line: d.line, column: d.column,
        message: `${INCLUDE_CYCLE}${loop.join(' -> ')}; Apache stops after ${MAX_INCLUDE_DEPTH} nested includes with "${TOO_DEEP}"`,
      });
      return known;
    }
    // `reading` holds the main file too: the new file would be this deep below it.
    if (known === undefined && reading.length > MAX_INCLUDE_DEPTH) {
      from.errors.push({ kind: 'include', file: from.file, line: d.line, column: d.column, message: TOO_DEEP });
      return undefined;
    }
    return read(name, path);
  };

  read(file, file);
  if (!options.singleFile) boundIncludeNesting(config, MAX_DEPTH, (name) => `sections nested too deeply: with the sections in ${name}, this Include nests them more than ${MAX_DEPTH} levels deep, and verblint reads at most ${MAX_DEPTH} (Apache has no limit of its own; httpd 2.4 crashes when its stack runs out, some 8,400 levels deep with an 8 MB stack)`);
  const errors = config.flatMap((c) => c.errors);
  for (const c of config) c.status = c.errors.length > 0 ? 'failed' : 'ok';
  return { status: errors.length > 0 ? 'failed' : 'ok', errors, config, warnings };
}

/**
 * Include with wildcards (ap_dir_fnmatch): any path component may hold `*`,
 * `?` or `[...]`; each level is matched in its own directory and sorted, and
 * `*` never matches a leading dot. Reports what Apache reports for Include.
 */
function expandWildcards(
  pattern: string,
  host: Host,
  diskPath: (name: string) => string,
  problem: (message: string) => void,
  unreadable: (dir: string, code: string) => void,
): string[] {
  const absolute = pattern.startsWith('/');
  const rest = pattern.split('/').filter((p) => p !== '');
  let dirs = [absolute ? '/' : ''];
  for (let k = 0; k < rest.length; k++) {
    const part = rest[k]!;
    const last = k === rest.length - 1;
    const next: string[] = [];
    for (const dir of dirs) {
      if (!GLOB_MAGIC.test(part)) {
        next.push(joinPath(dir, part));
        continue;
      }
      const shown = dir === '' ? '.' : dir;
      const status = host.check(diskPath(shown));
      if (status !== 'EISDIR') {
        problem(`Could not open directory ${shown}: ${ERRNO_TEXT[status] ?? 'Not a directory'}`);
        continue;
      }
      let listed = true;
      const found = host.glob(part, diskPath(shown), (_, code) => {
        listed = false;
        unreadable(shown, code);
      });
      const matches = last ? found : found.filter((m) => host.check(diskPath(joinPath(dir, m))) === 'EISDIR');
      // A folder verblint could not list may well hold matches.
      if (matches.length === 0 && last && listed) problem(`No matches for the wildcard '${part}' in '${shown}', failing`);
      for (const m of matches) next.push(joinPath(dir, m));
    }
    dirs = next;
  }
  return dirs;
}
