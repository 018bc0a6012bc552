// The directive table of src/nginx-directives.ts, computed from
// @nginx/reference-lib (the data behind the directive pages on nginx.org) at
// build time: `npm run build` writes it to dist/nginx-directives.json (see
// src/build-dist.ts), so that a run loads the finished table instead of
// reading about 1,000 syntax lines of HTML at start-up. Everything in it is
// derived from the lib's `contexts`, `isBlock` and `syntax` fields; the few
// corrections are in CORRECTIONS, each with its reason.
import type { Directive as LibDirective } from '@nginx/reference-lib';
import type { Context, Counts } from './nginx-directives.js';

/** Argument counts stop here: MANY stands for itself and every larger count. */
export const MANY = 30;

export const PROTOCOLS: ReadonlySet<string> = new Set(['http', 'stream', 'mail']);

/** One entry of the lib for a name, as JSON: sets become arrays, in their order. */
export interface TableSpec {
  name: string;
  module: string;
  /** Where nginx accepts it; null for anywhere (`include`). */
  contexts: Context[] | null;
  block: boolean;
  /** What its syntax lines allow, or null when one of them cannot be read. */
  counts: number[] | null;
}

/** What dist/nginx-directives.json holds. */
export interface DirectiveTable {
  /** Every context some directive of the lib may stand in. */
  contexts: Context[];
  /** The lib's entries, those of one name together. */
  specs: TableSpec[];
}

/**
 * Where the lib says less than nginx accepts. Each stock one is checked
 * against a real `nginx -t` in test/nginx-directives.test.ts.
 */
export const CORRECTIONS: Record<string, { contexts?: Context[]; counts?: number[]; why: string }> = {
  fastcgi_split_path_info: {
    contexts: ['http', 'http server'],
    why: 'nginx.org says location; the source has NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF',
  },
  secure_link_secret: {
    contexts: ['http', 'http server'],
    why: 'nginx.org says location; the source has NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF',
  },
  status_zone: {
    contexts: ['stream server'],
    why: 'the lib lists it for http modules only; its description says "virtual http or stream server"',
  },
  stub_status: { counts: [0, 1], why: 'NGX_CONF_NOARGS|NGX_CONF_TAKE1: "stub_status on;" from before 1.7.5 still works' },
};

function protocolOf(module: string): string | undefined {
  return /^ngx_(http|stream|mail)_/.exec(module)?.[1];
}

// Reading syntax lines. The lib writes them as HTML: <code>literal</code>,
// <em><code>placeholder</code></em>, [optional], a | b, &hellip; for "one or
// more of the previous", and <code>{...}</code> for a block. Pieces written
// without a space between them make one argument ("address[:port]").

type Token = { kind: 'text' | 'space' | '[' | ']' | '|' | '...' | 'block'; text: string };

const TOKEN = /<code>\{\.\.\.\}<\/code>|<em><code>([^<]*)<\/code><\/em>|<code>([^<]*)<\/code>|&hellip;|\s+|[[\]|]|[^\s<&[\]|()]+/y;

function tokenize(html: string): Token[] {
  const text = html.replace(/^<p>/, '').replace(/<\/p>\s*$/, '');
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) throw new Error(`cannot read ${JSON.stringify(text.slice(at, at + 12))}`);
    const [whole, placeholder, literal] = m;
    const piece = placeholder ?? literal;
    if (piece !== undefined && /\s/.test(piece)) throw new Error(`a space inside ${JSON.stringify(piece)}`);
    if (whole.startsWith('<code>{')) out.push({ kind: 'block', text: whole });
    else if (whole === '&hellip;') out.push({ kind: '...', text: whole });
    else if (/^\s/.test(whole)) out.push({ kind: 'space', text: whole });
    else if (whole === '[' || whole === ']' || whole === '|') out.push({ kind: whole, text: whole });
    // A placeholder in the plural stands for a list: "address [parameters]".
    else if (placeholder === 'parameters') out.push({ kind: 'text', text: whole }, { kind: 'space', text: ' ' }, { kind: '...', text: '' });
    else out.push({ kind: 'text', text: whole });
  }
  return out;
}

const cap = (n: number): number => Math.min(n, MANY);
const union = (a: Counts, b: Counts): Counts => new Set([...a, ...b]);
const sum = (a: Counts, b: Counts): Counts => new Set([...a].flatMap((x) => [...b].map((y) => cap(x + y))));
// "x ..." allows every count from the smallest up (a superset of the sums of repeats).
const openEnded = (a: Counts): Counts => {
  const min = Math.min(...a);
  return new Set(Array.from({ length: MANY - min + 1 }, (_, i) => min + i));
};

class SyntaxReader {
  private i = 0;
  block = false;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  read(): Counts {
    const counts = this.alternatives();
    if (this.i < this.tokens.length) throw new Error(`unexpected ${JSON.stringify(this.peek()!.text)}`);
    return counts;
  }

  // a b | c d: "|" with a space beside it separates whole sequences.
  private alternatives(): Counts {
    let counts = this.sequence();
    while (this.peek()?.kind === '|') {
      this.i++;
      counts = union(counts, this.sequence());
    }
    return counts;
  }

  // Two or more optional parameters side by side ("[ssl] [http2]",
  // "[level] [json]") are a list that nginx reads with NGX_CONF_1MORE and
  // checks name by name, so the docs' count is no upper bound: access_log,
  // error_log (several debug_* levels) and ssl_protocols take more.
  private sequence(): Counts {
    let counts: Counts = new Set([0]);
    let run = 0;
    for (;;) {
      while (this.peek()?.kind === 'space') this.i++;
      const t = this.peek();
      if (!t || t.kind === ']' || t.kind === '|') return counts;
      if (this.block) throw new Error('text after the block');
      if (t.kind === 'block') {
        this.i++;
        this.block = true;
        continue;
      }
      let { counts: word, optional } = this.word();
      const next = this.tokens[this.i + 1];
      if (this.peek()?.kind === 'space' && next?.kind === '...') {
        this.i += 2;
        word = openEnded(word);
      }
      run = optional ? run + 1 : 0;
      counts = sum(counts, word);
      if (run >= 2) counts = openEnded(counts);
    }
  }

  // Pieces glued together: one argument, or an optional one when the whole
  // word is one [...] group.
  private word(): { counts: Counts; optional: boolean } {
    let text = false;
    let groups = 0;
    let only: Counts | undefined;
    for (;;) {
      const t = this.peek();
      const prev = this.tokens[this.i - 1];
      const next = this.tokens[this.i + 1];
      if (!t || t.kind === 'space' || t.kind === ']' || t.kind === 'block') break;
      if (t.kind === '...') throw new Error('"..." glued to a word');
      if (t.kind === '|') {
        // on|off: an alternative inside one argument.
        if (!text && groups === 0) break;
        if (prev?.kind === 'space' || !next || next.kind === 'space') break;
        this.i++;
        continue;
      }
      if (t.kind === 'text') {
        text = true;
        this.i++;
        continue;
      }
      this.i++;
      const inner = this.alternatives();
      if (this.peek()?.kind !== ']') throw new Error('unclosed "["');
      this.i++;
      groups++;
      only = inner;
    }
    if (!text && groups === 1) return { counts: union(only!, new Set([0])), optional: true };
    if (only && [...only].some((n) => n > 1)) throw new Error('a group of several arguments glued to a word');
    if (!text && groups === 0) throw new Error('an empty word');
    return { counts: new Set([text ? 1 : 0, 1]), optional: false };
  }
}

/** Reads one syntax line of the lib: the argument counts it allows and whether it ends with a block. */
export function readSyntax(html: string): { counts: Counts; block: boolean } {
  const reader = new SyntaxReader(tokenize(html));
  const counts = reader.read();
  return { counts: new Set([...counts].sort((a, b) => a - b)), block: reader.block };
}

// Contexts. The lib names them as nginx.org's "Context:" lines do, without the
// protocol: "server" from ngx_stream_* is a stream server. A module outside
// the three protocols (error_log's "Core functionality") means every protocol
// that has a block of that name. "if" is the rewrite module's shorthand for
// both "if in server" and "if in location".

/** The table, from the lib's directives (getDirectives()). */
export function directiveTable(reference: readonly LibDirective[]): DirectiveTable {
  const blockProtocols = new Map<string, Set<string>>();
  for (const d of reference) {
    if (!d.isBlock) continue;
    const protocol = protocolOf(d.module) ?? '';
    blockProtocols.set(d.name, (blockProtocols.get(d.name) ?? new Set()).add(PROTOCOLS.has(d.name) ? '' : protocol));
  }

  function contextsNamed(module: string, place: string): Context[] | null {
    if (place === '' || place === 'any') return null;
    if (place === 'main' || PROTOCOLS.has(place)) return [place];
    if (place === 'if') return ['if in server', 'if in location'].flatMap((p) => contextsNamed(module, p)!);
    const own = protocolOf(module);
    const protocols = own ? [own] : [...(blockProtocols.get(place.replace(/^if in .*/, 'if')) ?? [''])];
    return protocols.map((p) => (p ? `${p} ${place}` : place));
  }

  function specOf(d: LibDirective): TableSpec {
    const places = d.contexts.map((c) => contextsNamed(d.module, c.trim()));
    const fix = CORRECTIONS[d.name];
    const contexts = places.some((p) => p === null) ? null : [...new Set([...places.flatMap((p) => p!), ...(fix?.contexts ?? [])])];
    let counts: Counts | null = new Set(fix?.counts ?? []);
    try {
      for (const line of d.syntax) counts = union(counts, line === '' ? new Set([0]) : readSyntax(line).counts);
    } catch {
      counts = null;
    }
    return { name: d.name, module: d.module, contexts, block: d.isBlock, counts: counts && [...counts] };
  }

  // Grouped by name, names in the lib's order: the order specsOf() and CONTEXTS have always had.
  const byName = new Map<string, TableSpec[]>();
  for (const d of reference) byName.set(d.name, [...(byName.get(d.name) ?? []), specOf(d)]);
  const specs = [...byName.values()].flat();
  return { contexts: [...new Set(specs.flatMap((s) => s.contexts ?? []))], specs };
}
