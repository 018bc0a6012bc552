// The only importer of the generated parsers. Turns their output into the
// located tree of model.ts, resolves nginx includes, and turns syntax errors
// into ParseError records: a bad file never throws.
import { parse as peggyNginx, SyntaxError as PeggySyntaxError } from '#grammar/nginx';
import type { Arg, Directive, ParseError, ParsedFile, ParseResult, ParseWarning } from './model.js';
import { binaryOffset, nodeHost, type Host } from './host.js';
import { boundIncludeNesting } from './model.js';

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

/** Offsets at which each line starts; lines end at LF only, as nginx counts them. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

// Turns offsets into lines and columns. Nodes are located in document order,
// so a cursor that steps from the last answer is cheaper than a search.
export class Locator {
  private line = 0;
  constructor(private readonly starts: readonly number[]) {}

  private seek(offset: number): number {
    const starts = this.starts;
    let i = this.line;
    while (i + 1 < starts.length && starts[i + 1]! <= offset) i++;
    while (starts[i]! > offset) i--;
    this.line = i;
    return i;
  }

  start(span: Arg | Directive): void {
    const i = this.seek(span.offset);
    span.line = i + 1;
    span.column = span.offset - this.starts[i]! + 1;
  }

  end(span: Arg | Directive): void {
    const i = this.seek(span.endOffset);
    span.endLine = i + 1;
    span.endColumn = span.endOffset - this.starts[i]! + 1;
  }

  locate(span: Arg | Directive): void {
    this.start(span);
    this.end(span);
  }

  /** 1-based line and UTF-16 column of an offset. */
  at(offset: number): { line: number; column: number } {
    const i = this.seek(offset);
    return { line: i + 1, column: offset - this.starts[i]! + 1 };
  }
}

// crossplane drops the parentheses around `if` conditions: "(" from the first
// argument and ")" from the last, and any argument they leave empty.
function stripIfParens(d: Directive, text: string): void {
  const { args, argNodes } = d;
  if (args.length === 0 || !args[0]!.startsWith('(') || !args[args.length - 1]!.endsWith(')')) return;
  const first = argNodes[0]!;
  const last = argNodes[argNodes.length - 1]!;
  const head = args[0]!.slice(1);
  first.value = args[0] = head.trimStart();
  if (!first.quoted) first.offset += 1 + head.length - first.value.length;
  const tail = args[args.length - 1]!.slice(0, -1);
  last.value = args[args.length - 1] = tail.trimEnd();
  if (!last.quoted) last.endOffset -= 1 + tail.length - last.value.length;
  for (const a of [first, last]) if (!a.quoted) a.raw = text.slice(a.offset, a.endOffset);
  const from = args[0] === '' ? 1 : 0;
  const to = args.length - (args[args.length - 1] === '' && args.length > from ? 1 : 0);
  d.args = args.slice(from, to);
  d.argNodes = argNodes.slice(from, to);
}

function finish(nodes: Directive[], text: string, at: Locator, comments: boolean): Directive[] {
  const out: Directive[] = [];
  let owner: Directive | undefined;
  for (const node of nodes) {
    if (node.directive === '#' && node.comment !== undefined) {
      at.locate(node);
      if (node.betweenArgs && owner) {
        node.commentLine = node.line;
        node.line = owner.line;
        out.push(node);
      } else if (comments) {
        out.push(node);
      }
      continue;
    }
    owner = node;
    if (node.directive === 'if') stripIfParens(node, text);
    // The start, the arguments, the children, then the end: document order.
    at.start(node);
    for (const a of node.argNodes) at.locate(a);
    if (node.block) node.block = finish(node.block, text, at, comments);
    at.end(node);
    out.push(node);
  }
  return out;
}

function syntaxError(file: string, e: unknown, at: Locator, length: number): ParseError {
  if (e instanceof PeggySyntaxError) {
    const offset = e.location.start.offset;
    const { line, column } = at.at(offset);
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
  const starts = lineStarts(text);
  try {
    const raw = peggyNginx(text, { grammarSource: file, handlerBlocks: HANDLER_BLOCKS, maxDepth: MAX_DEPTH }) as Directive[];
    return { parsed: finish(raw, text, new Locator(starts), comments), errors: [], lines: starts.length };
  } catch (e) {
    return { parsed: [], errors: [syntaxError(file, e, new Locator(starts), text.length)], lines: starts.length };
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
  const { line, column } = new Locator(lineStarts(text)).at(offset);
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
    const { parsed, errors, lines } = parseNginxText(text, entry.file, options.comments ?? false);
    entry.parsed = parsed;
    entry.lines = lines;
    entry.errors.push(...errors);
    if (options.singleFile) continue;
    for (const d of includeDirectives(parsed)) {
      const pattern = d.args[0]!;
      const targets: number[] = [];
      // At the file name, and on the include's line for crossplane's payload.
      const { line, column, endLine, endColumn } = d.argNodes[0]!;
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
      d.includes = targets;
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

function* includeDirectives(nodes: readonly Directive[]): Generator<Directive> {
  for (const d of nodes) {
    if (d.directive === 'include' && d.args.length > 0) yield d;
    if (d.block) yield* includeDirectives(d.block);
  }
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
