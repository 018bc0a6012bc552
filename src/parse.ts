// The only importer of the generated parsers. Turns their output into the
// located tree of model.ts, resolves nginx includes, and turns syntax errors
// into ParseError records: a bad file never throws.
import { parse as peggyNginx, SyntaxError as PeggySyntaxError } from '#grammar/nginx';
import type { Directive, ParseError, ParsedFile, ParseResult, ParseWarning } from './model.js';
import { binaryOffset, nodeHost, type Host } from './host.js';
import { boundIncludeNesting } from './model.js';
import { CommentNode, Interner, lineStarts, moveToLine, Node, ownCopy, SourceText } from './tree.js';

export interface NginxParseOptions {
  /** Keep `#` comments as `{directive: "#"}` nodes (crossplane --include-comments). */
  comments?: boolean;
  /** Do not follow `include` (crossplane --single-file). */
  singleFile?: boolean;
  /** Directory that relative include paths resolve against (nginx -p); default: the main file's directory. */
  prefix?: string;
  /** Directory that absolute include paths are looked up under, e.g. a checked-out /etc. */
  sysroot?: string;
  host?: Host;
}

/**
 * What the grammar's actions call (options.tree): makes the nodes of one
 * file. Values are interned, and arguments' offsets go to the file's record.
 */
class NginxBuilder {
  /** Comments read between a statement's words, until the statement takes them. */
  private readonly pending: CommentNode[] = [];
  /** The `include` directives with an argument, in the order they end. */
  readonly includes: Node[] = [];

  constructor(
    private readonly src: SourceText,
    private readonly comments: boolean,
    private readonly strings: Interner,
  ) {}

  argCount(): number {
    return this.src.argCount;
  }

  word(value: string, offset: number, endOffset: number, quoted: boolean): string {
    this.src.addArg(offset, endOffset, quoted);
    return this.strings.get(value);
  }

  argComment(text: string, offset: number, endOffset: number): void {
    this.pending.push(new CommentNode(this.src, ownCopy(text), offset, endOffset));
  }

  /** A comment that stands on its own: kept only when comments are asked for. */
  comment(text: string, offset: number, endOffset: number): CommentNode | null {
    return this.comments ? new CommentNode(this.src, ownCopy(text), offset, endOffset) : null;
  }

  /** `end`: null after ";", the children of a block, or a Lua block's text. */
  statement(name: string, words: string[], argAt: number, end: Directive[] | string | null, offset: number, endOffset: number): Node | Directive[] {
    const strings = this.strings;
    // The grammar's array has room to grow; the node keeps one of its size.
    let args: string[];
    if (typeof end === 'string') {
      args = new Array<string>(words.length + 1);
      for (let i = 0; i < words.length; i++) args[i] = words[i]!;
      args[words.length] = end;
    } else {
      args = words.slice();
    }
    const directive = strings.get(name);
    if (directive === 'if' && args.length > 0) {
      argAt += stripIfParens(args, argAt, this.src);
      for (let i = 0; i < args.length; i++) args[i] = strings.get(args[i]!);
    }
    args = strings.args(args);
    const block = end === null || typeof end === 'string' ? undefined : end;
    const node = new Node(this.src, directive, args, argAt, block, offset, endOffset);
    if (directive === 'include' && args.length > 0) this.includes.push(node);
    // Comments between the words follow the statement, on its line, as
    // crossplane emits them; `commentLine` is where the `#` is.
    const pending = this.pending;
    if (pending.length === 0 || pending[pending.length - 1]!.offset < offset) return node;
    let from = pending.length;
    while (from > 0 && pending[from - 1]!.offset > offset) from--;
    const out: Directive[] = [node];
    for (const c of pending.splice(from)) {
      c.betweenArgs = true;
      c.commentLine = c.line;
      moveToLine(c, node.line);
      out.push(c);
    }
    return out;
  }
}

/**
 * crossplane drops the parentheses around `if` conditions: "(" from the first
 * argument and ")" from the last, and any argument they leave empty. Changes
 * `args` and the spans from `argAt` on; returns how many it dropped in front.
 */
function stripIfParens(args: string[], argAt: number, src: SourceText): number {
  if (!args[0]!.startsWith('(') || !args[args.length - 1]!.endsWith(')')) return 0;
  const first = argAt;
  const last = argAt + args.length - 1;
  const head = args[0]!.slice(1);
  args[0] = head.trimStart();
  if (src.argQuoted(first)) src.keepRaw(first);
  else src.moveArg(first, src.argOffset(first) + 1 + head.length - args[0].length, src.argEnd(first));
  const tail = args[args.length - 1]!.slice(0, -1);
  args[args.length - 1] = tail.trimEnd();
  if (src.argQuoted(last)) src.keepRaw(last);
  else src.moveArg(last, src.argOffset(last), src.argEnd(last) - (1 + tail.length - args[args.length - 1]!.length));
  const from = args[0] === '' ? 1 : 0;
  const to = args.length - (args[args.length - 1] === '' && args.length > from ? 1 : 0);
  args.length = to;
  if (from > 0) args.shift();
  return from;
}

function syntaxError(file: string, e: unknown, src: SourceText, length: number): ParseError {
  if (e instanceof PeggySyntaxError) {
    const offset = e.location.start.offset;
    const line = src.lineAt(offset);
    const column = src.columnAt(offset);
    // error() in the grammar words every message; a bare Peggy failure should
    // not happen, but if it does it still gets nginx's shape.
    const message = e.expected === null ? e.message : offset >= length
      ? 'unexpected end of file, expecting ";" or "}"'
      : `unexpected ${JSON.stringify(e.found)}`;
    return { kind: 'syntax', file, message, line, column };
  }
  if (e instanceof RangeError) {
    // The grammar bounds nesting (MAX_DEPTH), so this should not happen; if
    // the stack runs out all the same, the file still gets an error, not a crash.
    return { kind: 'syntax', file, message: 'too deeply nested to parse', line: 1, column: 1 };
  }
  throw e;
}

// Directives whose blocks nginx reads with the directive's own handler
// (cf->handler in ngx_conf_parse): a "{" inside them is `unexpected "{"`.
const HANDLER_BLOCKS = new Set(['types', 'map', 'geo', 'split_clients', 'charset_map']);

/**
 * How deep nginx blocks (and braces in Lua blocks) and Apache sections may
 * nest before the parser stops with a located error. The servers have no such
 * limit, only their stacks; the parsers and the code that walks the tree
 * recurse once a level, and this keeps them well inside Node's stack.
 */
export const MAX_DEPTH = 1000;

/** Parses one file's text. Never throws for bad input: errors come back as records. */
export function parseNginxText(
  text: string,
  file: string,
  comments = false,
): { parsed: Directive[]; errors: ParseError[]; lines: number } {
  const { parsed, errors, lines } = readNginx(text, file, comments, new Interner(true));
  return { parsed, errors, lines };
}

function readNginx(text: string, file: string, comments: boolean, strings: Interner): { parsed: Directive[]; errors: ParseError[]; lines: number; includes: Node[] } {
  const src = new SourceText(file, text);
  const tree = new NginxBuilder(src, comments, strings);
  try {
    const parsed = peggyNginx(text, { grammarSource: file, handlerBlocks: HANDLER_BLOCKS, maxDepth: MAX_DEPTH, tree }) as Directive[];
    src.seal();
    // The text is a fifth of a parsed tree; raw texts come from the values (the
    // strings kept are copies, not slices of it).
    src.forgetText();
    // Statements end children first; includes are followed in document order.
    const includes = tree.includes.sort((a, b) => a.offset - b.offset);
    return { parsed, errors: [], lines: src.lines, includes };
  } catch (e) {
    return { parsed: [], errors: [syntaxError(file, e, src, text.length)], lines: src.lines, includes: [] };
  }
}

const ERRNO: Record<string, [number, string]> = {
  ENOENT: [2, 'No such file or directory'],
  EACCES: [13, 'Permission denied'],
  EISDIR: [21, 'Is a directory'],
  ENOTDIR: [20, 'Not a directory'],
  ELOOP: [40, 'Too many levels of symbolic links'],
};

type At = Pick<ParseError, 'file' | 'line' | 'column' | 'endLine' | 'endColumn'>;

function openError(kind: 'include' | 'read', at: At, name: string, code: string): ParseError {
  if (code === 'ENOTREG') {
    // A FIFO would block nginx, and a device never ends: neither is read.
    return { kind, ...at, message: `"${name}" is not a regular file (a FIFO, socket or device), so it is not read`, crossplaneMessage: `Not a regular file: '${name}'` };
  }
  const [errno, text] = ERRNO[code] ?? [5, 'Input/output error'];
  return {
    kind,
    ...at,
    // nginx opens a directory, then fails to read it.
    message: `${code === 'EISDIR' ? 'pread()' : 'open()'} "${name}" failed (${errno}: ${text})`,
    crossplaneMessage: `[Errno ${errno}] ${text}: '${name}'`,
  };
}

/** A syntax error for a file that is not text, at its first NUL byte; undefined for text. */
export function binaryError(text: string, file: string, server: 'nginx' | 'Apache'): ParseError | undefined {
  const offset = binaryOffset(text);
  if (offset === undefined) return undefined;
  const src = new SourceText(file, text);
  const line = src.lineAt(offset);
  const column = src.columnAt(offset);
  const what = text[offset] === '\0' ? 'a NUL byte here' : 'most of its first 8 KB is not text';
  return { kind: 'syntax', file, line, column, message: `binary file, not a config (${what}): ${server} would read its bytes as directives; is the path right?` };
}

export const INCLUDE_CYCLE = 'include cycle: ';

/** Whether a warning of a parse is an include cycle (a finding of include-missing). */
export function isIncludeCycle(w: ParseWarning): boolean {
  return w.message.startsWith(INCLUDE_CYCLE);
}

/** os.path.join, which crossplane uses to name included files. */
export function joinPath(dir: string, name: string): string {
  if (name.startsWith('/') || dir === '') return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

function dirname(file: string): string {
  const i = file.lastIndexOf('/');
  return i < 0 ? '' : i === 0 ? '/' : file.slice(0, i);
}

const GLOB_MAGIC = /[*?[]/;

/**
 * Parses a main config and, unless `singleFile`, every file it includes, in
 * crossplane's order: each file once, in the order first included, with
 * `includes` holding indexes into `config`.
 */
export function parseNginx(file: string, options: NginxParseOptions = {}): ParseResult {
  const host = options.host ?? nodeHost;
  const configDir = options.prefix ?? dirname(file);
  const sysroot = options.sysroot;
  const config: ParsedFile[] = [];
  const indexOf = new Map<string, number>();
  const edges: Array<Array<[Directive, number]>> = [];
  const strings = new Interner(true);
  // Thousands of servers include the same snippet: one frozen list for each file.
  const single = new Map<number, number[]>();
  const onlyFile = (i: number): number[] => {
    let list = single.get(i);
    if (!list) single.set(i, (list = Object.freeze([i]) as number[]));
    return list;
  };

  // Where a name is read from: an absolute path written in the config is
  // looked up under sysroot; everything else is where it says.
  const diskPath = (pattern: string, name: string): string =>
    sysroot !== undefined && pattern.startsWith('/') ? joinPath(sysroot, name.replace(/^\/+/, '')) : name;
  const add = (name: string, path: string): number => {
    let i = indexOf.get(name);
    if (i === undefined) {
      i = config.length;
      indexOf.set(name, i);
      config.push({ file: name, path, status: 'ok', errors: [], parsed: [], lines: 0 });
      edges.push([]);
    }
    return i;
  };

  // A directory the glob cannot read is this machine's problem, not the
  // config's: a read error, named by the directory.
  const resolve = (pattern: string, entry: ParsedFile): string[] => {
    const absolute = pattern.startsWith('/');
    const dir = absolute ? (sysroot ?? '/') : configDir === '' ? '.' : configDir;
    const rel = absolute ? pattern.replace(/^\/+/, '') : pattern;
    const unreadable = (path: string, code: string): void => {
      const [errno, text] = ERRNO[code] ?? [5, 'Input/output error'];
      const name = joinPath(configDir, pattern);
      entry.errors.push({
        kind: 'read', file: path, line: 1, column: 1,
        message: `glob() "${name}" failed (${errno}: ${text}): cannot list ${path}`,
        crossplaneMessage: `[Errno ${errno}] ${text}: '${path}'`,
      });
    };
    return host.glob(rel, dir, unreadable).map((m) => (absolute ? `/${m}` : joinPath(configDir, m)));
  };

  // The main file is where the caller says; sysroot is for what it includes.
  add(file, file);
  for (let i = 0; i < config.length; i++) {
    const entry = config[i]!;
    let text: string;
    try {
      text = host.readFile(entry.path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      entry.errors.push(openError('read', { file: entry.file, line: 1, column: 1 }, entry.file, code));
      entry.status = 'failed';
      continue;
    }
    const binary = binaryError(text, entry.file, 'nginx');
    if (binary) {
      entry.errors.push(binary);
      entry.lines = lineStarts(text).length;
      continue;
    }
    const { parsed, errors, lines, includes } = readNginx(text, entry.file, options.comments ?? false, strings);
    entry.parsed = parsed;
    entry.lines = lines;
    entry.errors.push(...errors);
    if (options.singleFile) continue;
    for (const d of includes) {
      const pattern = d.args[0]!;
      const targets: number[] = [];
      // At the file name, and on the include's line for crossplane's payload.
      // Not d.argNodes: kept, those would cost some 200 bytes an include.
      const { line, column, endLine, endColumn } = d.argNode(0)!;
      const at = { file: entry.file, line, column, endLine, endColumn };
      // nginx fails on a match it cannot open (a dangling link, a link loop)
      // or read (a directory), as on a literal name; EACCES is for the reader.
      const follow = (name: string, path: string, status: string): void => {
        if (status === 'ok' || status === 'EACCES') targets.push(add(name, path));
        else entry.errors.push(openError('include', at, name, status));
      };
      if (GLOB_MAGIC.test(pattern)) {
        for (const name of resolve(pattern, entry)) {
          const path = diskPath(pattern, name);
          follow(name, path, host.check(path));
        }
      } else {
        const name = joinPath(configDir, pattern);
        const path = diskPath(pattern, name);
        follow(name, path, host.check(path));
      }
      // One shared array per included file when there is one (the common case); else exactly as long as it is.
      d.includes = targets.length === 1 ? onlyFile(targets[0]!) : targets.slice();
      for (const t of targets) edges[i]!.push([d, t]);
    }
  }

  if (!options.singleFile) boundIncludeNesting(config, MAX_DEPTH, (name) => `blocks nested too deeply: with the blocks in ${name}, this include nests them more than ${MAX_DEPTH} levels deep, and verblint reads at most ${MAX_DEPTH} (nginx has no limit of its own; it crashes when its stack runs out, some 13,000 levels deep with an 8 MB stack)`);
  for (const entry of config) if (entry.errors.length > 0) entry.status = 'failed';
  const errors = config.flatMap((c) => c.errors);
  return {
    status: errors.length > 0 ? 'failed' : 'ok',
    errors,
    config,
    warnings: options.singleFile ? [] : includeCycles(config, edges),
  };
}

// An include that reaches a file already being included is a cycle: nginx
// would read the files again and again, until it runs out of file
// descriptors or stack. Each such include is reported once. Depth first
// without recursion: a chain of includes may be thousands of files long.
function includeCycles(config: ParsedFile[], edges: Array<Array<[Directive, number]>>): ParseWarning[] {
  const warnings: ParseWarning[] = [];
  if (config.length === 0) return warnings;
  const state = new Uint8Array(config.length); // 0 new, 1 on the stack, 2 done
  const stack = [0];
  const nextEdge = [0];
  state[0] = 1;
  while (stack.length > 0) {
    const top = stack.length - 1;
    const i = stack[top]!;
    const edge = edges[i]![nextEdge[top]!++];
    if (edge === undefined) {
      state[i] = 2;
      stack.pop();
      nextEdge.pop();
      continue;
    }
    const [d, t] = edge;
    if (state[t] === 1) {
      const loop = [...stack.slice(stack.indexOf(t)), t].map((k) => config[k]!.file);
      warnings.push({
        file: config[i]!.file,
        line: d.line,
        column: d.column,
        message: `${INCLUDE_CYCLE}${loop.join(' -> ')}; nginx would include these files without end`,
      });
    } else if (state[t] === 0) {
      state[t] = 1;
      stack.push(t);
      nextEdge.push(0);
    }
  }
  return warnings;
}
