// Config text from the crossplane-style tree (directive, args, block,
// comment): the inverse of the parsers, so that a printed tree reads back as
// the same tree. Each value gets the plainest spelling that reads back as
// itself: bare when it can be, else quoted. The quoting rules are the readers'
// own (grammar/nginx.peggy; grammar/apache.peggy and src/apache-parse.ts).
// A value that no spelling can give back is an error, never a silent change.

/** A node of the tree as the parsers give it; positions are not needed. */
export interface PrintNode {
  directive: string;
  args: readonly string[];
  /** nginx: a block; Apache: a section's children (a node with a block is a section). */
  block?: readonly PrintNode[];
  /** Comment text after `#`, for `directive: "#"`. */
  comment?: string;
}

export class PrintError extends Error {}

const INDENT = '    ';

function isComment(n: PrintNode): boolean {
  return n.directive === '#' && n.comment !== undefined;
}

function show(value: string): string {
  return JSON.stringify(value);
}

// nginx

const NGINX_SPACE = ' \t\r\n';
const LUA_BLOCK = /_by_lua_block$/;

/** Whether a value read bare is itself: `\` takes the next character whatever it is, `${` does not open a block. */
function nginxBare(v: string): boolean {
  if (v === '' || '}#"\''.includes(v[0]!)) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === '\\') {
      if (i + 1 >= v.length) return false;
      i++;
    } else if (c === '$') {
      while (v[i + 1] === '{') i++;
    } else if (NGINX_SPACE.includes(c) || c === ';' || c === '{') {
      return false;
    }
  }
  return true;
}

// In quotes nginx's reader takes `\` with the next character; crossplane's
// value drops the backslash only before the enclosing quote. So a value's `\x`
// pair is written as it is, a lone quote as `\q`, and a `\q` pair or a
// trailing `\` cannot be written inside q quotes at all.
function nginxQuoted(v: string, q: '"' | "'"): string | null {
  let out = q;
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === '\\') {
      const next = v[i + 1];
      if (next === undefined || next === q) return null;
      out += c + next;
      i++;
    } else {
      out += c === q ? `\\${q}` : c;
    }
  }
  return out + q;
}

// nginx reads through a 4096-byte buffer that must hold a whole token (from
// after an opening quote) and the byte after it (grammar/nginx.peggy).
const CONF_BUFFER = 4096;

function tooLong(token: string): PrintError | null {
  return Buffer.byteLength(token) >= CONF_BUFFER ? new PrintError(`nginx reads at most ${CONF_BUFFER - 1} bytes in one token: ${show(token.slice(0, 20))}... is longer`) : null;
}

/** A value as nginx config text that reads back as the same crossplane value. */
export function nginxWord(value: string): string {
  if (nginxBare(value)) {
    const error = tooLong(value);
    if (error) throw error;
    return value;
  }
  const spelled = nginxQuoted(value, '"') ?? nginxQuoted(value, "'");
  if (spelled === null) throw new PrintError(`nginx cannot read ${show(value)} back as one argument: it needs quotes and holds both \\" and \\'`);
  const error = tooLong(spelled.slice(1));
  if (error) throw error;
  return spelled;
}

function nginxStatement(n: PrintNode, depth: number, out: string[]): void {
  const pad = INDENT.repeat(depth);
  if (isComment(n)) {
    if (n.comment!.includes('\n')) throw new PrintError(`an nginx comment ends at the line's end: ${show(n.comment!)}`);
    const error = tooLong(`#${n.comment}`);
    if (error) throw error;
    out.push(`${pad}#${n.comment}`);
    return;
  }
  let args = n.args.map(nginxWord);
  // The reader drops the parentheses around an if condition, as crossplane
  // does; spaced apart, they leave no empty argument behind.
  if (n.directive === 'if') args = ['(', ...args, ')'];
  const head = [nginxWord(n.directive), ...args].join(' ');
  if (n.block === undefined) {
    out.push(`${pad}${head};`);
    return;
  }
  if (LUA_BLOCK.test(n.directive)) throw new PrintError(`${n.directive} holds Lua text, not directives: its block cannot be printed`);
  out.push(`${pad}${head} {`);
  for (const child of n.block) nginxStatement(child, depth + 1, out);
  out.push(`${pad}}`);
}

/** nginx config text for a tree; throws PrintError for what nginx cannot read back. */
export function printNginx(nodes: readonly PrintNode[]): string {
  const out: string[] = [];
  for (const n of nodes) nginxStatement(n, 0, out);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

// Apache

const APACHE_SPACE = ' \t\n\v\f\r';

function hasSpace(v: string): boolean {
  for (const c of v) if (APACHE_SPACE.includes(c)) return true;
  return false;
}

// ap_getword_conf turns `\\` into `\` (and `\q` into q inside q quotes); any
// other backslash stays. So a backslash is doubled only where the reader
// would pair it: before another backslash, before the quote, or last.
function apacheEscaped(v: string, quote: '"' | null): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    const next = v[i + 1];
    if (c === '\\') out += next === undefined || next === '\\' || (quote !== null && next === quote) ? '\\\\' : '\\';
    else out += quote !== null && c === quote ? `\\${c}` : c;
  }
  return out;
}

/** A value as an Apache argument that ap_getword_conf reads back as itself. */
export function apacheWord(value: string): string {
  if (value.includes('\n')) throw new PrintError(`an Apache argument cannot hold a line break: ${show(value)}`);
  // Bare unless it is empty, holds a space, starts like a quoted word, or ends
  // with a backslash (which, last on the line, would join the next line).
  const bare = value !== '' && !hasSpace(value) && value[0] !== '"' && value[0] !== "'" && !value.endsWith('\\');
  return bare ? apacheEscaped(value, null) : `"${apacheEscaped(value, '"')}"`;
}

/** A RewriteRule or RewriteCond argument as mod_rewrite's parseargline reads it: no escapes, `\ ` keeps a space. */
export function rewriteWord(value: string): string {
  if (value.includes('\n')) throw new PrintError(`an Apache argument cannot hold a line break: ${show(value)}`);
  let bare = value !== '' && value[0] !== '"' && value[0] !== "'" && !value.endsWith('\\') && !hasSpace(value.slice(-1));
  for (let i = 0; bare && i < value.length; i++) {
    if (APACHE_SPACE.includes(value[i]!) && value[i - 1] !== '\\') bare = false;
  }
  if (bare) return value;
  if (!value.includes('"')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  throw new PrintError(`mod_rewrite cannot read ${show(value)} back as one argument: it needs quotes and holds both kinds`);
}

const REWRITE = new Set(['rewriterule', 'rewritecond']);

function apacheStatement(n: PrintNode, depth: number, out: string[]): void {
  const pad = INDENT.repeat(depth);
  if (isComment(n)) {
    const c = n.comment!;
    // The line is trimmed, and a backslash before its end joins the next line.
    if (c.includes('\n') || hasSpace(c.slice(-1)) || c.endsWith('\\')) {
      throw new PrintError(`Apache cannot read the comment ${show(c)} back: it must be one line that ends in neither a space nor a backslash`);
    }
    out.push(`${pad}#${c}`);
    return;
  }
  const name = n.directive;
  if (n.block === undefined) {
    if (name.startsWith('<')) throw new PrintError(`a directive named ${show(name)} reads back as a section tag`);
    if (name === '') throw new PrintError('Apache skips a line whose first word is empty: a directive needs a name');
    const lower = name.toLowerCase();
    if (REWRITE.has(lower) && n.args.length > 3) throw new PrintError(`${name} reads at most three arguments; Apache drops the rest`);
    const word = REWRITE.has(lower) ? rewriteWord : apacheWord;
    // A first word that starts with "#" is a comment unless it is quoted.
    const head = name.startsWith('#') ? `"${apacheEscaped(name, '"')}"` : apacheWord(name);
    out.push(pad + [head, ...n.args.map(word)].join(' '));
    return;
  }
  // The tag is one bare word that does not end with ">", and "</" would close a section.
  if (name === '' || hasSpace(name) || name.endsWith('>') || name.startsWith('/') || name.endsWith('\\')) {
    throw new PrintError(`${show(name)} cannot be written as a section name`);
  }
  const tag = apacheEscaped(name, null);
  out.push(`${pad}<${[tag, ...n.args.map(apacheWord)].join(' ')}>`);
  for (const child of n.block) apacheStatement(child, depth + 1, out);
  out.push(`${pad}</${tag}>`);
}

/** Apache config text for a tree (nodes with a block are sections); throws PrintError for what Apache cannot read back. */
export function printApache(nodes: readonly PrintNode[]): string {
  const out: string[] = [];
  for (const n of nodes) apacheStatement(n, 0, out);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
