// PCRE2 patterns, read as nginx reads them, run as JavaScript RegExps.
//
// nginx 1.22 (Debian 12) links libpcre2-8 10.42 and compiles every regex with
// no option but PCRE2_CASELESS (for `~*`): no UTF, so a pattern and a subject
// are bytes, classified by PCRE2's default C-locale tables (only A-Z and a-z
// have a case). This module reads a pattern with a recursive-descent parser
// over PCRE2 syntax into a small tree, checks the tree for the places where
// PCRE2 and JavaScript backtracking give different answers, and prints a
// JavaScript source with no flags:
// - caseless letters become classes such as [Aa] (the JS `i` flag would also
//   fold Latin-1 letters), so (?i), (?-i) and (?i:...) need no flag;
// - every class is worked out as a set of the 256 bytes and printed in full,
//   so \s, \h, \v, [[:alpha:]], `.`, `$` and \Z mean what they mean in PCRE2;
// - atomic groups and possessive quantifiers become (?=(X))\N, a helper group
//   that `slots` maps away;
// - X? that can match empty becomes (?:X|): JS refuses an optional iteration
//   that matches empty, PCRE2 takes it;
// - \G is \A, since nginx always matches from offset 0;
// - groups are printed unnamed (JS names must be unique identifiers), so
//   names and capture numbers are kept here.
// Patterns and subjects are text: they are matched as their UTF-8 bytes, as
// nginx sees a UTF-8 config and a decoded URI. The test checks all this
// against pcre2test.
//
// Limitations, each a `{ok: false, reason}` (see REASONS): recursion and
// subroutine calls, conditionals, callouts, (*VERB)s, branch reset, \C, \K,
// \X, \p names other than general categories, scripts and Xan/Xsp/Xps/Xwd,
// duplicate names under (?J), quantified assertions, back-references that may
// be unset, caseless or inside a lookbehind, captures a repeated group may skip
// (PCRE2 keeps an earlier iteration's value, JS resets it), repeated groups
// that can match the empty string (PCRE2 stops, JS backtracks into the group),
// and captures repeated inside a lookbehind (JS matches lookbehinds backwards).
//
// Running in bounded time: a backtracking RegExp can take ages on a pattern
// such as ^(a+)+$. Each pattern gets a static bound on the steps the RegExp
// may take (see runSteps), so `re` runs only on subjects short enough to stay
// under STEP_BUDGET; a longer subject goes to re2js (linear time), which takes
// every pattern here but those with back-references, lookaround, atomic groups,
// possessive quantifiers or counts over 1000. For those, re2js runs a superset
// of the pattern: where it does not match, neither does the pattern; else
// execPcre answers "cannot tell". The RegExp stays first choice: it is many
// times faster than re2js, and a lint runs it hundreds of thousands of times.

import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';

export interface Translated {
  ok: true;
  re: RegExp;
  /** Capture names by group number (names[1] is $1's); names[0] is always undefined. */
  names: (string | undefined)[];
  /** How many capture groups the pattern has. */
  groups: number;
  /** The JavaScript group holding each PCRE group (slots[n] for $n), past helper groups. */
  slots: number[];
  /** The longest subject, in UTF-8 bytes, `re` is run on (-1 for none): beyond it, it might backtrack too long. */
  maxSubject: number;
  /**
   * The pattern in re2js's syntax, or null when re2js has no such construct;
   * `lastNewline` is false when its $, \Z or (?m)^ would read a subject
   * ending in a newline differently from PCRE2 (such a subject then needs `re`).
   */
  linear: { source: string; lastNewline: boolean } | null;
  /** A wider pattern in re2js's syntax (see re2Sources): where it does not match, neither does this one. */
  superset: string;
}
/** `ok: false` means "cannot tell": verblint cannot read this pattern the way PCRE2 does. */
export type Compiled = Translated | { ok: false; reason: string };

export const REASONS = {
  recursion: 'recursion and subroutine calls',
  conditional: 'conditional groups',
  callout: 'callouts',
  verb: '(*VERB)s and (*...) options',
  branchReset: 'branch reset groups (?|...)',
  oneByte: '\\C (one code unit)',
  keep: '\\K (reset match start)',
  grapheme: '\\X (extended grapheme cluster)',
  duplicateNames: 'duplicate capture names',
  quantifiedAssertion: 'quantified assertion',
  unsetRef: 'back-reference to a group that may be unset',
  caselessRef: 'caseless back-reference',
  refInLookbehind: 'back-reference in a lookbehind',
  skippedCapture: 'capture in a repeated group that may skip it',
  emptyRepeat: 'repeated group that can match the empty string',
  lookbehindRepeat: 'repeated capture in a lookbehind',
} as const;

/** Why execPcre could not answer (it returned undefined), for the "cannot tell" messages. */
export const UNBOUNDED = 'the regex might backtrack too long on this subject, and re2js cannot run it';

/** A set of bytes: bytes[b] is 1 for a member. */
type Bytes = Uint8Array;
type GroupKind = 'capture' | 'plain' | 'atomic' | 'ahead' | 'notAhead' | 'behind' | 'notBehind';
type Node =
  /** One byte out of `bytes`; `negated` prints it as [^...] of the others. */
  | { t: 'set'; bytes: Bytes; negated: boolean }
  /** A zero-width assertion, already in JavaScript. */
  | { t: 'assert'; js: string }
  | { t: 'group'; kind: GroupKind; index: number; alts: Node[][]; frame: Frame }
  | { t: 'quant'; atom: Node; min: number; max: number; greedy: boolean; possessive: boolean }
  | { t: 'ref'; index: number }
  /** Stands in for a construct already given a reason. */
  | { t: 'none' };
type GroupNode = Extract<Node, { t: 'group' }>;

/** A group as seen from inside: where it sits and how it is repeated. */
interface Frame {
  parent: Frame | null;
  /** Which alternative of the parent holds this group. */
  branch: number;
  /** How many `|` the group has at top level. */
  bars: number;
  min: number;
  max: number;
  kind: GroupKind | 'top';
}
interface Capture { frame: Frame; closed: number; node: GroupNode | undefined }
interface Ref { target: number | string; node: { t: 'ref'; index: number }; frame: Frame; branch: number; at: number; caseless: boolean; behind: boolean }
interface Options { i: boolean; m: boolean; s: boolean; x: boolean; xx: boolean; n: boolean; U: boolean; J: boolean }
type ClassItem = number | { bytes: Bytes; negated: boolean };

class Invalid extends Error {}

function bytesWhere(pred: (b: number) => boolean): Bytes {
  const bytes = new Uint8Array(256);
  for (let b = 0; b < 256; b++) if (pred(b)) bytes[b] = 1;
  return bytes;
}
const complement = (s: Bytes): Bytes => s.map((v) => 1 - v);
const isUpper = (b: number) => b >= 0x41 && b <= 0x5a;
const isLower = (b: number) => b >= 0x61 && b <= 0x7a;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const isAlnum = (b: number) => isUpper(b) || isLower(b) || isDigit(b);
const isSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);
const otherCase = (b: number) => (isUpper(b) ? b + 32 : isLower(b) ? b - 32 : b);

/** PCRE2's POSIX classes and escapes, from its default (C locale) tables. */
const POSIX: Record<string, (b: number) => boolean> = {
  alpha: (b) => isUpper(b) || isLower(b),
  digit: isDigit,
  alnum: isAlnum,
  upper: isUpper,
  lower: isLower,
  space: isSpace,
  blank: (b) => b === 0x20 || b === 0x09,
  cntrl: (b) => b < 0x20 || b === 0x7f,
  graph: (b) => b > 0x20 && b < 0x7f,
  print: (b) => b >= 0x20 && b < 0x7f,
  punct: (b) => b > 0x20 && b < 0x7f && !isAlnum(b),
  xdigit: (b) => isDigit(b) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66),
  word: (b) => isAlnum(b) || b === 0x5f,
  ascii: (b) => b < 0x80,
};
const ESCAPES: Record<string, Bytes> = {
  d: bytesWhere(isDigit),
  s: bytesWhere(isSpace),
  w: bytesWhere(POSIX.word!),
  h: bytesWhere((b) => b === 0x09 || b === 0x20 || b === 0xa0),
  v: bytesWhere((b) => (b >= 0x0a && b <= 0x0d) || b === 0x85),
};
const NOT_NEWLINE: Node = { t: 'set', bytes: bytesWhere((b) => b !== 0x0a), negated: true };
const ANY: Node = { t: 'set', bytes: bytesWhere(() => true), negated: false };
const NONE: Node = { t: 'none' };
const assert = (js: string): Node => ({ t: 'assert', js });

const GENERAL_CATEGORIES = 'C Cc Cf Cn Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' ');

/** The bytes a \p{name} matches (PCRE2 reads bytes as U+0000-U+00FF), or undefined if not translated. */
function propertyBytes(name: string): Bytes | undefined {
  const key = name.replace(/[\s_-]/g, '').toLowerCase();
  const unicode = (props: string[], extra: (b: number) => boolean = () => false) => {
    const res = props.map((p) => new RegExp(`^\\p{${p}}$`, 'u'));
    return bytesWhere((b) => extra(b) || res.some((re) => re.test(String.fromCharCode(b))));
  };
  const gc = GENERAL_CATEGORIES.find((g) => g.toLowerCase() === key);
  const script = /^(?:(?:sc|script)[:=])?([a-z]+)$/.exec(key)?.[1];
  try {
    if (key === 'any') return bytesWhere(() => true);
    if (gc) return unicode([gc]);
    if (key === 'l&' || key === 'lc') return unicode(['LC']);
    if (key === 'xan') return unicode(['L', 'N']);
    if (key === 'xwd') return unicode(['L', 'N'], (b) => b === 0x5f);
    if (key === 'xsp' || key === 'xps') return unicode(['Z'], isSpace);
    // A bare script name is the Script property in PCRE2 10.42 (\p{Latin} does not match U+00B7);
    // Script_Extensions (scx:) differ between its Unicode 14 and Node's tables.
    if (script) return unicode([`Script=${script[0]!.toUpperCase()}${script.slice(1)}`]);
  } catch {
    // JavaScript does not know the name either.
  }
  return undefined;
}

/** Reads one PCRE2 pattern (a byte string) into a tree, throwing Invalid for what PCRE2 refuses. */
class Parser {
  private pos = 0;
  /** Inside \Q...\E. */
  private quote = false;
  private opts: Options;
  private behind = 0;
  readonly top: Frame = { parent: null, branch: 0, bars: 0, min: 1, max: 1, kind: 'top' };
  readonly captures: Capture[] = [];
  readonly names = new Map<string, number>();
  readonly refs: Ref[] = [];
  /** Group numbers and names that recursion or conditions mention: they must exist. */
  private readonly mentioned: (number | string)[] = [];
  reason: string | undefined;

  constructor(private readonly src: string, caseless: boolean) {
    this.opts = { i: caseless, m: false, s: false, x: false, xx: false, n: false, U: false, J: false };
  }

  parse(): Node[][] {
    const alts = this.alternation(this.top);
    if (this.pos < this.src.length) throw new Invalid('unmatched closing parenthesis');
    for (const m of this.mentioned) this.resolve(m);
    for (const r of this.refs) r.node.index = this.resolve(r.target);
    return alts;
  }

  /** Records the first reason this pattern cannot be translated; parsing goes on, to find invalid ones. */
  private cannot(reason: string): void {
    this.reason ??= reason;
  }

  private resolve(target: number | string): number {
    const index = typeof target === 'number' ? target : (this.names.get(target) ?? 0);
    if (index < 1 || index > this.captures.length) throw new Invalid('reference to non-existent subpattern');
    return index;
  }

  /** Skips what PCRE2 ignores between items: \E, empty \Q\E, (?#...), and under (?x) white space and # comments. */
  private skip(): void {
    const s = this.src;
    for (;;) {
      if (this.quote) {
        if (!s.startsWith('\\E', this.pos)) return;
        this.quote = false;
        this.pos += 2;
      } else if (s.startsWith('\\Q', this.pos) || s.startsWith('\\E', this.pos)) {
        this.quote = s[this.pos + 1] === 'Q';
        this.pos += 2;
      } else if (s.startsWith('(?#', this.pos)) {
        const end = s.indexOf(')', this.pos);
        if (end < 0) throw new Invalid('missing ) after (?# comment');
        this.pos = end + 1;
      } else if (this.opts.x && (isSpace(s.charCodeAt(this.pos)) || s.charCodeAt(this.pos) === 0x85)) {
        this.pos++;
      } else if (this.opts.x && s[this.pos] === '#') {
        const nl = s.indexOf('\n', this.pos);
        this.pos = nl < 0 ? s.length : nl + 1;
      } else {
        return;
      }
    }
  }

  /** Alternatives up to an unquoted `)` or the end; option changes last to the end of the group. */
  private alternation(frame: Frame): Node[][] {
    let seq: Node[] = [];
    const alts = [seq];
    let repeatable = false;
    for (;;) {
      this.skip();
      if (this.pos >= this.src.length) return alts;
      const c = this.src[this.pos];
      if (!this.quote && c === ')') return alts;
      if (!this.quote && c === '|') {
        this.pos++;
        frame.bars++;
        alts.push((seq = []));
        repeatable = false;
        continue;
      }
      const q = this.quote ? undefined : this.quantifier();
      if (q) {
        const atom = seq.pop();
        if (!repeatable || !atom) throw new Invalid('quantifier does not follow a repeatable item');
        seq.push(this.quantify(atom, q));
        repeatable = false;
        continue;
      }
      const node = this.atom(frame);
      if (node) seq.push(node);
      repeatable = node !== undefined && node.t !== 'assert';
    }
  }

  /** `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` (not `{,m}`: literal in 10.42), then `?` (lazy) or `+` (possessive). */
  private quantifier(): { min: number; max: number; greedy: boolean; possessive: boolean } | undefined {
    const s = this.src;
    const c = s[this.pos];
    let min = 0;
    let max = Infinity;
    if (c === '+') min = 1;
    else if (c === '?') max = 1;
    else if (c === '{') {
      const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(s.slice(this.pos, this.pos + 40));
      if (!m) return undefined;
      min = Number(m[1]);
      max = m[2] ? (m[3] ? Number(m[3]) : Infinity) : min;
      if (min > 65535 || (max !== Infinity && max > 65535)) throw new Invalid('number too big in {} quantifier');
      if (max < min) throw new Invalid('numbers out of order in {} quantifier');
      this.pos += m[0].length - 1;
    } else if (c !== '*') return undefined;
    this.pos++;
    this.skip();
    const next = this.quote ? '' : s[this.pos];
    if (next === '+') {
      this.pos++;
      return { min, max, greedy: true, possessive: true };
    }
    if (next === '?') this.pos++;
    return { min, max, greedy: (next === '?') === this.opts.U, possessive: false };
  }

  private quantify(atom: Node, q: { min: number; max: number; greedy: boolean; possessive: boolean }): Node {
    if (atom.t === 'group') {
      if (atom.kind !== 'capture' && atom.kind !== 'plain' && atom.kind !== 'atomic') this.cannot(REASONS.quantifiedAssertion);
      atom.frame.min = q.min;
      atom.frame.max = q.max;
    }
    if (q.max > 1 && q.max > q.min && minLength(atom) === 0 && (hasCapture(atom) || emptyFirst(atom))) this.cannot(REASONS.emptyRepeat);
    return { t: 'quant', atom, ...q };
  }

  /** One item after skip(); undefined for an option setting. */
  private atom(frame: Frame): Node | undefined {
    const c = this.src.charCodeAt(this.pos++);
    if (this.quote) return this.char(c);
    switch (String.fromCharCode(c)) {
      case '(': return this.group(frame);
      case '[': return this.klass();
      case '\\': return this.escape(frame);
      case '.': return this.opts.s ? ANY : NOT_NEWLINE;
      // PCRE2's ^ in multiline mode does not match after a final newline; its $ matches before one.
      case '^': return assert(this.opts.m ? '(?:^|(?<=\\n)(?!$))' : '^');
      case '$': return assert(this.opts.m ? '(?=\\n|$)' : '(?=\\n?$)');
      default: return this.char(c);
    }
  }

  private char(b: number): Node {
    const bytes = new Uint8Array(256);
    bytes[b] = 1;
    if (this.opts.i) bytes[otherCase(b)] = 1;
    return { t: 'set', bytes, negated: false };
  }

  private group(parent: Frame): Node | undefined {
    const s = this.src;
    const saved = this.opts;
    let kind: GroupKind = this.opts.n ? 'plain' : 'capture';
    let name: string | undefined;
    if (s[this.pos] === '*' && /[A-Za-z:]/.test(s[this.pos + 1] ?? '')) return this.verb(parent);
    if (s[this.pos] === '?') {
      const c = s[++this.pos];
      const after = s[this.pos + 1] ?? '';
      this.pos++;
      if (c === ':') kind = 'plain';
      else if (c === '|') { this.cannot(REASONS.branchReset); kind = 'plain'; }
      else if (c === '>') kind = 'atomic';
      else if (c === '=') kind = 'ahead';
      else if (c === '!') kind = 'notAhead';
      else if (c === '<' && (after === '=' || after === '!')) { kind = after === '=' ? 'behind' : 'notBehind'; this.pos++; }
      else if (c === '<' || c === "'") { kind = 'capture'; name = this.name(c === '<' ? '>' : "'"); }
      else if (c === 'P' && after === '<') { this.pos++; kind = 'capture'; name = this.name('>'); }
      else if (c === 'P' && after === '=') { this.pos++; return this.ref(this.name(')'), parent); }
      else if (c === 'P' && after === '>') { this.pos++; this.cannot(REASONS.recursion); this.mentioned.push(this.name(')')); return NONE; }
      else if (c === 'P') throw new Invalid('unrecognized character after (?P');
      else if (c === '&') { this.cannot(REASONS.recursion); this.mentioned.push(this.name(')')); return NONE; }
      else if (c === 'R' || /\d/.test(c ?? '') || ((c === '+' || c === '-') && /\d/.test(after))) return this.call(c!);
      else if (c === 'C') { this.cannot(REASONS.callout); return this.skipTo(')', 'missing closing parenthesis'); }
      else if (c === '(') { this.cannot(REASONS.conditional); this.condition(parent); kind = 'plain'; }
      else if (c !== undefined && /[-imnsxJU^]/.test(c)) {
        this.pos--;
        const opts = this.options();
        if (s[this.pos - 1] === ')') { this.opts = opts; return undefined; }
        this.opts = opts;
        kind = 'plain';
      } else throw new Invalid('unrecognized character after (? or (?-');
    }
    const frame: Frame = { parent, branch: parent.bars, bars: 0, min: 1, max: 1, kind };
    let capture: Capture | undefined;
    let index = 0;
    if (kind === 'capture') {
      capture = { frame, closed: Infinity, node: undefined };
      index = this.captures.push(capture);
      if (name !== undefined && this.names.has(name)) {
        if (!this.opts.J) throw new Invalid('two named subpatterns have the same name (PCRE2_DUPNAMES not set)');
        this.cannot(REASONS.duplicateNames);
      } else if (name !== undefined) this.names.set(name, index);
    }
    const behind = kind === 'behind' || kind === 'notBehind';
    if (behind) this.behind++;
    const alts = this.alternation(frame);
    if (this.pos >= s.length) throw new Invalid('missing closing parenthesis');
    this.pos++;
    this.opts = saved;
    if (behind) {
      this.behind--;
      if (alts.some((seq) => fixedLength(seq) === undefined)) throw new Invalid('lookbehind assertion is not fixed length');
    }
    const node: GroupNode = { t: 'group', kind, index, alts, frame };
    if (capture) Object.assign(capture, { closed: this.pos, node });
    return node;
  }

  /** Option letters after `(?`, up to `)` (kept) or `:` (a group): i m n s x xx U J, `-` to unset, `^` to reset. */
  private options(): Options {
    const s = this.src;
    const o = { ...this.opts };
    let on = true;
    if (s[this.pos] === '^') {
      Object.assign(o, { i: false, m: false, n: false, s: false, x: false, xx: false });
      this.pos++;
    }
    for (;;) {
      const c = s[this.pos++];
      if (c === ')' || c === ':') return o;
      if (c === '-' && on) on = false;
      else if (c === 'x') {
        o.xx = s[this.pos] === 'x' ? (this.pos++, on) : on && o.xx;
        o.x = on;
      } else if (c === 'i' || c === 'm' || c === 'n' || c === 's' || c === 'U' || c === 'J') o[c] = on;
      else throw new Invalid('unrecognized character after (? or (?-');
    }
  }

  /** A group name up to `end`: [A-Za-z_]\w*, at most 32 bytes. */
  private name(end: string): string {
    const m = /^\w*/.exec(this.src.slice(this.pos))![0];
    if (m === '') throw new Invalid('subpattern name expected');
    if (/^\d/.test(m)) throw new Invalid('subpattern name must start with a non-digit');
    if (m.length > 32) throw new Invalid('subpattern name is too long (maximum 32 code units)');
    this.pos += m.length;
    if (this.src[this.pos++] !== end) throw new Invalid('syntax error in subpattern name (missing terminator?)');
    return m;
  }

  private ref(target: number | string, frame: Frame): Node {
    const node = { t: 'ref' as const, index: 0 };
    this.refs.push({ target, node, frame, branch: frame.bars, at: this.pos, caseless: this.opts.i, behind: this.behind > 0 });
    return node;
  }

  /** (?R), (?1), (?+1), (?-1): read, checked, and given a reason. */
  private call(c: string): Node {
    const m = /^([+-]?)(\d*)\)/.exec(this.src.slice(this.pos - 1));
    if (c !== 'R' && !m) throw new Invalid('digit expected after (?+ or (?-');
    if (c === 'R') this.skipTo(')', 'missing closing parenthesis');
    else {
      const n = Number(m![2]);
      if (m![1] !== '' || n > 0) this.mentioned.push(m![1] === '-' ? this.captures.length + 1 - n : m![1] === '+' ? this.captures.length + n : n);
      this.pos += m![0].length - 1;
    }
    this.cannot(REASONS.recursion);
    return NONE;
  }

  /** The condition of (?(...)yes|no): an assertion group, or anything up to `)`. */
  private condition(parent: Frame): void {
    const number = /^(\d+)\)/.exec(this.src.slice(this.pos));
    if (number) this.mentioned.push(Number(number[1]));
    if (this.src[this.pos] === '?' || this.src[this.pos] === '*') this.group(parent);
    else this.skipTo(')', 'missing closing parenthesis');
  }

  /** (*VERB), (*VERB:NAME) and (*alpha_assertion:...). */
  private verb(parent: Frame): Node {
    this.cannot(REASONS.verb);
    const m = /^\*[a-z_]+:/.exec(this.src.slice(this.pos));
    if (!m) return this.skipTo(')', '(*VERB) not terminated');
    this.pos += m[0].length;
    this.alternation({ parent, branch: parent.bars, bars: 0, min: 1, max: 1, kind: 'plain' });
    if (this.pos++ >= this.src.length) throw new Invalid('missing closing parenthesis');
    return NONE;
  }

  private skipTo(end: string, error: string): Node {
    const at = this.src.indexOf(end, this.pos);
    if (at < 0) throw new Invalid(error);
    this.pos = at + 1;
    return NONE;
  }

  /** After a `\` outside a class. */
  private escape(frame: Frame): Node {
    const s = this.src;
    if (this.pos >= s.length) throw new Invalid('\\ at end of pattern');
    const c = s[this.pos++]!;
    switch (c) {
      // nginx always matches from offset 0, so \G is \A.
      case 'A': case 'G': return assert('^');
      case 'z': return assert('$');
      case 'Z': return assert('(?=\\n?$)');
      case 'b': return assert('\\b');
      case 'B': return assert('\\B');
      case 'K': this.cannot(REASONS.keep); return NONE;
      case 'C': this.cannot(REASONS.oneByte); return NONE;
      case 'X': this.cannot(REASONS.grapheme); return NONE;
      case 'R': return this.newline(frame);
      case 'g': return this.gref(frame);
      case 'N':
        if (s[this.pos] === '{' && !/^\{\d+(,\d*)?\}/.test(s.slice(this.pos))) {
          throw new Invalid(s.startsWith('{U+', this.pos) ? '\\N{U+dddd} is supported only in Unicode (UTF) mode' : 'PCRE2 does not support \\F, \\L, \\l, \\N{name}, \\U, or \\u');
        }
        return NOT_NEWLINE;
      case 'k': {
        const end = { '<': '>', "'": "'", '{': '}' }[s[this.pos] ?? ''];
        if (!end) throw new Invalid('\\k is not followed by a braced, angle-bracketed, or quoted name');
        this.pos++;
        return this.ref(this.name(end), frame);
      }
    }
    if (c >= '1' && c <= '9') {
      // A number is a back-reference if below 10, starting with 8 or 9, or not above the groups so far; else octal.
      const digits = /^\d+/.exec(s.slice(this.pos - 1))![0];
      const n = Number(digits);
      if (n < 10 || c >= '8' || n <= this.captures.length) {
        this.pos += digits.length - 1;
        return this.ref(n, frame);
      }
      return this.char(this.octal(/^[0-7]{1,3}/.exec(s.slice(this.pos - 1))![0]));
    }
    const item = this.common(c);
    return typeof item === 'number' ? this.char(item) : { t: 'set', ...item };
  }

  private octal(digits: string): number {
    this.pos += digits.length - 1;
    const v = parseInt(digits, 8);
    if (v > 0xff) throw new Invalid('octal value is greater than \\377 in 8-bit non-UTF-8 mode');
    return v;
  }

  /** \R: (?>\r\n|[\n\v\f\r\x85]). */
  private newline(parent: Frame): Node {
    const frame: Frame = { parent, branch: parent.bars, bars: 1, min: 1, max: 1, kind: 'atomic' };
    const alts = [[this.char(0x0d), this.char(0x0a)], [{ t: 'set' as const, bytes: ESCAPES.v!, negated: false }]];
    return { t: 'group', kind: 'atomic', index: 0, alts, frame };
  }

  /** \g1, \g{1}, \g{-1}, \g-1, \g{name}; \g<...> and \g'...' are subroutine calls. */
  private gref(frame: Frame): Node {
    const s = this.src;
    if (s[this.pos] === '<' || s[this.pos] === "'") {
      this.cannot(REASONS.recursion);
      this.pos++;
      return this.skipTo(s[this.pos - 1] === '<' ? '>' : "'", '\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number');
    }
    const m = /^(?:\{([+-]?\d+|\w+)\}|([+-]?\d+))/.exec(s.slice(this.pos));
    if (!m) throw new Invalid('\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number');
    const body = m[1] ?? m[2]!;
    if (!/^[+-]?\d+$/.test(body)) {
      this.pos++;
      return this.ref(this.name('}'), frame);
    }
    this.pos += m[0].length;
    const n = Number(body);
    return this.ref(body[0] === '-' ? this.captures.length + 1 + n : body[0] === '+' ? this.captures.length + n : n, frame);
  }

  /** Escapes that mean the same inside and outside a class: a byte, or a set. */
  private common(c: string): ClassItem {
    const s = this.src;
    const code = { a: 7, e: 0x1b, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09 }[c];
    if (code !== undefined) return code;
    const lower = c.toLowerCase();
    const escape = ESCAPES[lower];
    if (escape) return c === lower ? { bytes: escape, negated: false } : { bytes: complement(escape), negated: true };
    switch (c) {
      case '0': return this.octal(/^0[0-7]{0,2}/.exec(s.slice(this.pos - 1))![0]);
      case 'o':
      case 'x': {
        if (c === 'o' && s[this.pos] !== '{') throw new Invalid('missing opening brace after \\o');
        const braced = c === 'o' ? /^\{([0-7]*)\}/ : /^\{([0-9A-Fa-f]*)\}/;
        const m = s[this.pos] === '{' ? braced.exec(s.slice(this.pos)) : /^()([0-9A-Fa-f]{0,2})/.exec(s.slice(this.pos));
        if (!m) throw new Invalid(c === 'o' ? 'non-octal character in \\o{} (closing brace missing?)' : 'non-hex character in \\x{} (closing brace missing?)');
        this.pos += m[0].length;
        if (m[0] === '{}') throw new Invalid('digits missing in \\x{} or \\o{} or \\N{U+}');
        const v = m[2] !== undefined ? parseInt(m[2] || '0', 16) : parseInt(m[1]!, c === 'o' ? 8 : 16);
        if (v > 0xff) throw new Invalid('character code point value in \\x{} or \\o{} is too large');
        return v;
      }
      case 'c': {
        const b = s.charCodeAt(this.pos++);
        if (Number.isNaN(b)) throw new Invalid('\\c at end of pattern');
        if (b < 0x20 || b > 0x7e) throw new Invalid('\\c must be followed by a printable ASCII character');
        return (isLower(b) ? b - 32 : b) ^ 0x40;
      }
      case 'p':
      case 'P': return this.property(c === 'P');
      case 'F': case 'L': case 'l': case 'U': case 'u':
        throw new Invalid('PCRE2 does not support \\F, \\L, \\l, \\N{name}, \\U, or \\u');
    }
    if (/[A-Za-z0-9]/.test(c)) throw new Invalid('unrecognized character follows \\');
    return c.charCodeAt(0);
  }

  /** \pL, \p{Lu}, \p{^Lu}, \P{...}; caseless matching leaves these alone. */
  private property(negated: boolean): ClassItem {
    const s = this.src;
    let name = s[this.pos] ?? '';
    if (name === '{') {
      const end = s.indexOf('}', this.pos);
      if (end < 0) throw new Invalid('malformed \\P or \\p sequence');
      name = s.slice(this.pos + 1, end);
      this.pos = end + 1;
    } else if (name === '') throw new Invalid('malformed \\P or \\p sequence');
    else this.pos++;
    if (name.startsWith('^')) [negated, name] = [!negated, name.slice(1)];
    const bytes = propertyBytes(name);
    if (!bytes) {
      this.cannot(`\\p{${name}} is not translated`);
      return { bytes: new Uint8Array(256), negated: false };
    }
    return negated ? { bytes: complement(bytes), negated: true } : { bytes, negated: false };
  }

  /** After `[`: a class, worked out as a set of bytes. */
  private klass(): Node {
    const s = this.src;
    if (this.posix() !== undefined) throw new Invalid('POSIX named classes are supported only within a class');
    const negated = s[this.pos] === '^';
    if (negated) this.pos++;
    const members = new Uint8Array(256);
    for (let first = true; ; first = false) {
      const item = this.classItem(first);
      if (item === 'end') break;
      if (typeof item !== 'number') {
        if (!this.quote && s[this.pos] === '-' && this.pos + 1 < s.length && s[this.pos + 1] !== ']') throw new Invalid('invalid range in character class');
        item.bytes.forEach((v, b) => (members[b] ||= v));
        continue;
      }
      let hi = item;
      if (!this.quote && s[this.pos] === '-') {
        const at = this.pos++;
        const end = this.classItem(false);
        if (end === 'end') this.pos = at;
        else if (typeof end !== 'number') throw new Invalid('invalid range in character class');
        else if (end < item) throw new Invalid('range out of order in character class');
        else hi = end;
      }
      for (let b = item; b <= hi; b++) {
        members[b] = 1;
        if (this.opts.i) members[otherCase(b)] = 1;
      }
    }
    return { t: 'set', bytes: negated ? complement(members) : members, negated };
  }

  /** One byte or set inside a class, or 'end' at its `]` (a `]` first in the class is literal). */
  private classItem(first: boolean): ClassItem | 'end' {
    const s = this.src;
    for (;;) {
      if (this.pos >= s.length) throw new Invalid('missing terminating ] for character class');
      if (this.quote && s.startsWith('\\E', this.pos)) {
        this.quote = false;
        this.pos += 2;
        continue;
      }
      const c = s[this.pos++]!;
      if (this.quote) return c.charCodeAt(0);
      if (c === ']' && !first) return 'end';
      if (this.opts.xx && (c === ' ' || c === '\t')) continue;
      if (c === '[') return this.posix() ?? 0x5b;
      if (c !== '\\') return c.charCodeAt(0);
      const e = s[this.pos++] ?? '';
      if (e === 'Q' || e === 'E') {
        this.quote = e === 'Q';
        continue;
      }
      if (e === 'b') return 0x08;
      if (e === 'N') throw new Invalid('\\N is not supported in a class');
      if (e >= '1' && e <= '7') return this.octal(/^[0-7]{1,3}/.exec(s.slice(this.pos - 1))![0]);
      if (e === '8' || e === '9') return e.charCodeAt(0);
      if ('ABCGKRXZgkz'.includes(e) && e !== '') throw new Invalid('escape sequence is invalid in character class');
      if (e === '') throw new Invalid('\\ at end of pattern');
      return this.common(e);
    }
  }

  /** At `[:name:]` (just after the first `[`): the class, consumed; undefined when this is no POSIX syntax. */
  private posix(): ClassItem | undefined {
    const s = this.src;
    const term = s[this.pos];
    if (term !== ':' && term !== '.' && term !== '=') return undefined;
    // PCRE2's check_posix_syntax: the terminator must come before any `]` or `[` + terminator.
    let end = this.pos + 1;
    for (; end < s.length; end++) {
      if (s[end] === '\\' && (s[end + 1] === ']' || s[end + 1] === '\\')) end++;
      else if ((s[end] === '[' && s[end + 1] === term) || s[end] === ']') return undefined;
      else if (s[end] === term && s[end + 1] === ']') break;
    }
    if (end >= s.length) return undefined;
    if (term !== ':') throw new Invalid('POSIX collating elements are not supported');
    let name = s.slice(this.pos + 1, end);
    const negated = name.startsWith('^');
    if (negated) name = name.slice(1);
    // Under PCRE2_CASELESS, [:upper:] and [:lower:] are [:alpha:].
    if (this.opts.i && (name === 'upper' || name === 'lower')) name = 'alpha';
    const pred = POSIX[name];
    if (!pred) throw new Invalid('unknown POSIX class name');
    this.pos = end + 2;
    const bytes = bytesWhere(pred);
    return negated ? { bytes: complement(bytes), negated: true } : { bytes, negated: false };
  }
}

function minLength(n: Node): number {
  switch (n.t) {
    case 'set': return 1;
    case 'quant': return n.min * minLength(n.atom);
    case 'group': return isLookaround(n.kind) ? 0 : Math.min(...n.alts.map((seq) => seq.reduce((sum, x) => sum + minLength(x), 0)));
    default: return 0;
  }
}

/** The one length every match has, or undefined; what PCRE2 10.42 demands of each lookbehind branch. */
function fixedLength(seq: Node[]): number | undefined {
  let sum = 0;
  for (const n of seq) {
    let len: number | undefined = 0;
    if (n.t === 'set') len = 1;
    else if (n.t === 'quant') len = n.min === n.max ? mul(fixedLength([n.atom]), n.min) : undefined;
    else if (n.t === 'group' && !isLookaround(n.kind)) {
      const lens = n.alts.map(fixedLength);
      len = lens.every((l) => l === lens[0]) ? lens[0] : undefined;
    }
    if (len === undefined) return undefined;
    sum += len;
  }
  return sum;
}
const mul = (a: number | undefined, b: number) => (a === undefined ? undefined : a * b);

/** Whether some way to match empty comes before a way to match something: PCRE2 then stops a loop where JS goes on. */
function emptyFirst(n: Node): boolean {
  if (n.t === 'quant') return (!n.greedy && n.min === 0) || emptyFirst(n.atom);
  if (n.t !== 'group' || isLookaround(n.kind)) return false;
  return n.alts.some((seq, k) => seq.some(emptyFirst) || (k < n.alts.length - 1 && seq.every((x) => minLength(x) === 0)));
}

function hasCapture(n: Node): boolean {
  if (n.t === 'quant') return hasCapture(n.atom);
  return n.t === 'group' && (n.kind === 'capture' || n.alts.some((seq) => seq.some(hasCapture)));
}

function mayMatchLetter(n: Node): boolean {
  if (n.t === 'set') return n.bytes.some((v, b) => v === 1 && (isUpper(b) || isLower(b)));
  if (n.t === 'quant') return mayMatchLetter(n.atom);
  if (n.t === 'group') return n.alts.some((seq) => seq.some(mayMatchLetter));
  return n.t === 'ref';
}

const isLookaround = (kind: GroupKind) => kind === 'ahead' || kind === 'notAhead' || kind === 'behind' || kind === 'notBehind';

/** The frames from `f` up to the whole pattern. */
function chain(f: Frame): Frame[] {
  const out: Frame[] = [];
  for (let g: Frame | null = f; g; g = g.parent) out.push(g);
  return out;
}

/** Whether a capture is surely set when the back-reference runs (else PCRE2 fails where JS matches empty). */
function surelySet(cap: Capture, ref: Ref): boolean {
  if (cap.closed > ref.at) return false;
  const refBranch = new Map<Frame, number>();
  let branch = ref.branch;
  for (const f of chain(ref.frame)) {
    refBranch.set(f, branch);
    branch = f.branch;
  }
  for (let f = cap.frame; ; f = f.parent!) {
    if (f.min < 1 || f.kind === 'notAhead' || f.kind === 'notBehind' || (f !== cap.frame && f.bars > 0)) return false;
    const shared = refBranch.get(f.parent!);
    if (shared !== undefined) return shared === f.branch;
  }
}

/** Reasons found once the whole pattern is read. */
function check(p: Parser): void {
  const cannot = (reason: string) => (p.reason ??= reason);
  for (const r of p.refs) {
    const cap = p.captures[r.node.index - 1]!;
    if (r.behind) cannot(REASONS.refInLookbehind);
    else if (!surelySet(cap, r)) cannot(REASONS.unsetRef);
    else if (r.caseless && mayMatchLetter(cap.node!)) cannot(REASONS.caselessRef);
  }
  for (const cap of p.captures) {
    const frames = chain(cap.frame);
    frames.forEach((f, i) => {
      // PCRE2 keeps a capture from an earlier iteration; JS clears captures at each iteration.
      if (i > 0 && f.max > 1 && (frames.slice(0, i).some((g) => g.min < 1) || frames.slice(1, i + 1).some((g) => g.bars > 0))) cannot(REASONS.skippedCapture);
    });
    const behind = frames.findIndex((f) => f.kind === 'behind' || f.kind === 'notBehind');
    if (behind >= 0 && frames.slice(0, behind).some((f) => f.max > 1)) cannot(REASONS.lookbehindRepeat);
  }
}

// ---- bounded runs ----

/** Steps a RegExp run may take, as runSteps counts them (loosely upwards): a few milliseconds. */
const STEP_BUDGET = 1e6;
/** Subjects longer than this (bytes) never go to the RegExp. */
const MAX_SUBJECT = 1 << 16;
/** A pseudo-byte: the end of the subject. */
const EOS = 256;

/** What a node consumes first (or EOS), with no work before it, and the steps to see it fail; null when not that simple. */
interface Head { set: Uint8Array; steps: number }
interface Cost {
  /** The ways a node can match from one position, each of which the rest of the pattern is tried after. */
  ways: number;
  /** The steps to try them all. */
  steps: number;
}

const heads = new WeakMap<Node, Head | null>();
/** Assertions that hold only before a newline or at the end. */
const END_ASSERTS: Record<string, number[]> = { '$': [EOS], '(?=\\n?$)': [0x0a, EOS], '(?=\\n|$)': [0x0a, EOS] };

function head(n: Node): Head | null {
  let h = heads.get(n);
  if (h !== undefined) return h;
  h = null;
  if (n.t === 'set') {
    const set = new Uint8Array(EOS + 1);
    set.set(n.bytes);
    h = { set, steps: 1 };
  } else if (n.t === 'assert' && END_ASSERTS[n.js]) {
    const set = new Uint8Array(EOS + 1);
    for (const b of END_ASSERTS[n.js]!) set[b] = 1;
    h = { set, steps: 1 };
  } else if (n.t === 'quant' && n.min > 0) {
    const a = head(n.atom);
    h = a && { set: a.set, steps: a.steps + 1 };
  } else if (n.t === 'group' && (n.kind === 'capture' || n.kind === 'plain' || n.kind === 'atomic')) {
    const firsts = n.alts.map((seq) => (seq[0] ? head(seq[0]) : null));
    if (firsts.every((a) => a !== null)) {
      const set = new Uint8Array(EOS + 1);
      for (const a of firsts) a.set.forEach((v, b) => (set[b] ||= v));
      h = { set, steps: firsts.reduce((sum, a) => sum + a.steps, 1) };
    }
  }
  heads.set(n, h);
  return h;
}

function disjoint(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] === 1 && b[i] === 1) return false;
  return true;
}
/** a * b, where 0 wins over Infinity. */
const times = (a: number, b: number) => (a === 0 || b === 0 ? 0 : a * b);
/** w^from + ... + w^to, 0 when to < from. */
function series(w: number, from: number, to: number): number {
  if (to < from) return 0;
  if (w <= 1) return w === 1 ? to - from + 1 : from === 0 ? 1 : 0;
  return (w ** (to + 1) - w ** from) / (w - 1);
}

/**
 * An upper bound on how a backtracking matcher spends itself on a subject of
 * `len` bytes, from one start: a sequence tries each later item once per way
 * the earlier ones matched; a loop multiplies its body's ways per iteration.
 * Two refinements keep common patterns linear: alternatives that start with
 * disjoint bytes (only one goes on), and a loop of one class followed by a
 * byte outside it ([^/]+/, \d+$: only its last stop goes on). `next` is the
 * head of what follows; `back` is for lookbehinds, read backwards.
 */
function seqCost(seq: Node[], len: number, next: Head | null, back: boolean): Cost {
  let ways = 1;
  let steps = 0;
  seq.forEach((n, i) => {
    const after = back ? null : i + 1 < seq.length ? head(seq[i + 1]!) : next;
    const c = nodeCost(n, len, after, back);
    steps += times(ways, c.steps);
    let w = c.ways;
    if (after && n.t === 'quant' && n.atom.t === 'set' && disjoint(n.atom.bytes, after.set)) {
      steps += times(ways, times(w, after.steps));
      w = Math.min(w, 1);
    }
    ways = times(ways, w);
  });
  return { ways, steps };
}

function altCost(alts: Node[][], len: number, next: Head | null, back: boolean): Cost {
  const costs = alts.map((seq) => seqCost(seq, len, next, back));
  const firsts = back ? [] : alts.map((seq) => (seq[0] ? head(seq[0]) : null));
  const apart = !back && firsts.every((h, k) => h && firsts.slice(0, k).every((g) => disjoint(h.set, g!.set)));
  const steps = costs.reduce((sum, c) => sum + c.steps, 1);
  return { ways: apart ? Math.max(...costs.map((c) => c.ways)) : costs.reduce((sum, c) => sum + c.ways, 0), steps };
}

function nodeCost(n: Node, len: number, next: Head | null, back: boolean): Cost {
  switch (n.t) {
    case 'set':
    case 'none': return { ways: 1, steps: 1 };
    case 'assert': return { ways: 1, steps: 2 };
    case 'ref': return { ways: 1, steps: len + 1 };
    case 'group': {
      if (n.kind === 'capture' || n.kind === 'plain') return altCost(n.alts, len, next, back);
      const inner = altCost(n.alts, len, null, back || n.kind === 'behind' || n.kind === 'notBehind');
      // One way out; JS runs an atomic group as a lookahead and a back-reference.
      return { ways: 1, steps: inner.steps + (n.kind === 'atomic' ? len + 1 : 1) };
    }
    case 'quant': {
      const a = nodeCost(n.atom, len, null, back);
      const least = minLength(n.atom);
      // Iterations that match empty end a loop, in JS and PCRE2.
      const most = Math.min(n.max, least > 0 ? Math.floor(len / least) : n.min + len);
      const steps = times(a.steps, series(a.ways, 0, most - 1)) + most + 1;
      return n.possessive ? { ways: 1, steps: steps + len + 1 } : { ways: series(a.ways, n.min, most), steps };
    }
  }
}

/** The bound on a whole run over `len` bytes: from every start, unless the pattern starts with ^. */
function runSteps(alts: Node[][], len: number): number {
  const steps = altCost(alts, len, null, false).steps;
  const anchored = alts.every((seq) => seq[0]?.t === 'assert' && seq[0].js === '^');
  return anchored ? steps + len + 1 : times(len + 1, steps);
}

/** The longest subject whose run stays under STEP_BUDGET (the bound grows with the length), -1 for none. */
function longestBounded(alts: Node[][]): number {
  const fits = (len: number) => runSteps(alts, len) <= STEP_BUDGET;
  if (!fits(0)) return -1;
  if (fits(MAX_SUBJECT)) return MAX_SUBJECT;
  let [lo, hi] = [0, MAX_SUBJECT];
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

// ---- re2js ----

/**
 * The JS assertions in RE2 syntax; `lastNewline: false` where PCRE2 reads a
 * subject ending in a newline otherwise, `loose` then a wider form.
 */
const RE2_ASSERTS: Record<string, { src: string; lastNewline: boolean; loose?: string }> = {
  '^': { src: '^', lastNewline: true },
  '$': { src: '\\z', lastNewline: true },
  '\\b': { src: '\\b', lastNewline: true },
  '\\B': { src: '\\B', lastNewline: true },
  '(?=\\n|$)': { src: '(?m:$)', lastNewline: true },
  '(?=\\n?$)': { src: '\\z', lastNewline: false, loose: '(?m:$)' },
  '(?:^|(?<=\\n)(?!$))': { src: '(?m:^)', lastNewline: false },
};

/** A form in RE2 syntax: `strict` means what PCRE2 means (null when RE2 lacks a construct), `loose` matches at least that. */
interface Forms { strict: string | null; loose: string }

/**
 * The tree in RE2 syntax, groups numbered as in PCRE2 (null for lookaround,
 * back-references, atomic groups, possessive quantifiers and counts over
 * 1000), and a superset: those dropped, widened or read as any text, so that
 * where it does not match, neither does the pattern.
 */
function re2Sources(alts: Node[][]): { linear: Translated['linear']; superset: string } {
  let lastNewline = true;
  const same = (src: string): Forms => ({ strict: src, loose: src });
  const wrap = (f: Forms, w: (src: string) => string): Forms => ({ strict: f.strict === null ? null : w(f.strict), loose: w(f.loose) });
  function alternatives(list: Node[][]): Forms {
    const seqs = list.map((seq) => seq.map(node));
    const strict = seqs.every((seq) => seq.every((f) => f.strict !== null));
    return {
      strict: strict ? seqs.map((seq) => seq.map((f) => f.strict).join('')).join('|') : null,
      loose: seqs.map((seq) => seq.map((f) => f.loose).join('')).join('|'),
    };
  }
  function node(n: Node): Forms {
    switch (n.t) {
      case 'set': {
        const listed = n.negated ? complement(n.bytes) : n.bytes;
        // JS reads [] and [^] (empty lists), RE2 does not.
        if (listed.every((v) => v === 0)) return same(n.negated ? '[\\x00-\\x{10FFFF}]' : '[^\\x00-\\x{10FFFF}]');
        return same(setSource(n.bytes, n.negated));
      }
      case 'assert': {
        const a = RE2_ASSERTS[n.js];
        if (!a) return { strict: null, loose: '' };
        lastNewline &&= a.lastNewline;
        return { strict: a.src, loose: a.loose ?? a.src };
      }
      case 'none': return same('');
      case 'ref': return { strict: null, loose: '[\\x00-\\x{10FFFF}]*' };
      case 'quant': {
        const a = wrap(node(n.atom), (src) => `(?:${src})`);
        if (n.min === 0 && n.max === 1 && minLength(n.atom) === 0) return wrap(a, (src) => (n.greedy ? `(?:${src}|)` : `(?:|${src})`));
        const lazy = n.greedy ? '' : '?';
        if (n.min > 1000 || (n.max !== Infinity && n.max > 1000)) return { strict: null, loose: `${a.loose}{${Math.min(n.min, 1000)},}` };
        const f = wrap(a, (src) => `${src}{${n.min},${n.max === Infinity ? '' : n.max}}${lazy}`);
        return n.possessive ? { strict: null, loose: f.loose } : f;
      }
      case 'group': {
        const inner = alternatives(n.alts);
        if (n.kind === 'capture') return wrap(inner, (src) => `(${src})`);
        if (n.kind === 'plain') return wrap(inner, (src) => `(?:${src})`);
        return { strict: null, loose: n.kind === 'atomic' ? `(?:${inner.loose})` : '' };
      }
    }
  }
  const top = alternatives(alts);
  return { linear: top.strict === null ? null : { source: top.strict, lastNewline }, superset: top.loose };
}

/** Prints the tree as a JavaScript source; slots[n] is the JS group of PCRE group n. */
function emit(alts: Node[][]): { source: string; slots: number[] } {
  const slots = [0];
  let count = 0;
  const alternatives = (list: Node[][], behind: boolean) => list.map((seq) => seq.map((n) => node(n, behind).src).join('')).join('|');
  // JS lookaheads do not backtrack, so (?=(X))\N matches what X first matches, once.
  const atomic = (inner: () => string) => {
    const helper = ++count;
    return `(?=(${inner()}))(?:\\${helper})`;
  };
  function node(n: Node, behind: boolean): { src: string; single: boolean } {
    switch (n.t) {
      case 'set': return { src: setSource(n.bytes, n.negated), single: true };
      case 'assert': return { src: n.js, single: false };
      case 'none': return { src: '', single: false };
      case 'ref': return { src: `(?:\\${slots[n.index]})`, single: true };
      case 'quant': {
        const body = () => {
          const a = node(n.atom, behind);
          // JS refuses an optional iteration that matches empty, PCRE2 takes it: X? is X|, X?? is |X.
          if (n.min === 0 && n.max === 1 && minLength(n.atom) === 0) return n.greedy ? `(?:${a.src}|)` : `(?:|${a.src})`;
          const q = n.max === Infinity ? (n.min === 0 ? '*' : n.min === 1 ? '+' : `{${n.min},}`) : n.min === n.max ? `{${n.min}}` : n.min === 0 && n.max === 1 ? '?' : `{${n.min},${n.max}}`;
          return (a.single ? a.src : `(?:${a.src})`) + q + (n.greedy ? '' : '?');
        };
        // Inside a (fixed-length) lookbehind, atomicity changes nothing.
        return { src: n.possessive && !behind ? atomic(body) : body(), single: false };
      }
      case 'group': {
        const inner = (b: boolean) => alternatives(n.alts, b);
        switch (n.kind) {
          case 'capture':
            slots[n.index] = ++count;
            return { src: `(${inner(behind)})`, single: true };
          case 'plain': return { src: `(?:${inner(behind)})`, single: true };
          case 'atomic': return behind ? { src: `(?:${inner(true)})`, single: true } : { src: atomic(() => inner(false)), single: false };
          case 'ahead': return { src: `(?=${inner(false)})`, single: true };
          case 'notAhead': return { src: `(?!${inner(false)})`, single: true };
          case 'behind': return { src: `(?<=${inner(true)})`, single: true };
          case 'notBehind': return { src: `(?<!${inner(true)})`, single: true };
        }
      }
    }
  }
  return { source: alternatives(alts, false), slots };
}

/** Printed sets by node bytes, for the JS and RE2 forms: both print every set. */
const printed = [new WeakMap<Bytes, string>(), new WeakMap<Bytes, string>()] as const;

function setSource(bytes: Bytes, negated: boolean): string {
  const memo = printed[negated ? 1 : 0];
  let src = memo.get(bytes);
  if (src === undefined) memo.set(bytes, (src = printSet(bytes, negated)));
  return src;
}

function printSet(bytes: Bytes, negated: boolean): string {
  const listed = negated ? complement(bytes) : bytes;
  let count = 0;
  for (let b = 0; b < 256; b++) count += listed[b]!;
  const first = listed.indexOf(1);
  if (!negated && count === 1) {
    return /[\w/,:;=@!%&'"<>~# -]/.test(String.fromCharCode(first)) && first < 0x80 ? String.fromCharCode(first) : hex(first);
  }
  let out = '';
  for (let lo = 0; lo < 256; lo++) {
    if (listed[lo] !== 1) continue;
    let hi = lo;
    while (hi < 255 && listed[hi + 1] === 1) hi++;
    out += hi === lo ? classChar(lo) : hi === lo + 1 ? classChar(lo) + classChar(hi) : `${classChar(lo)}-${classChar(hi)}`;
    lo = hi;
  }
  return `[${negated ? '^' : ''}${out}]`;
}
const hex = (b: number) => `\\x${b.toString(16).padStart(2, '0')}`;
const classChar = (b: number) => (b < 0x80 && /[\w/.]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : hex(b));

/** Text as its UTF-8 bytes, one char per byte. */
function toBytes(text: string): string {
  return /^[\x00-\x7f]*$/.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}
function fromBytes(bytes: string): string {
  return /^[\x00-\x7f]*$/.test(bytes) ? bytes : Buffer.from(bytes, 'latin1').toString('utf8');
}

function translate(pattern: string, caseless: boolean): Compiled {
  const parser = new Parser(pattern, caseless);
  let alts: Node[][];
  try {
    alts = parser.parse();
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, reason: `invalid regex: ${e.message}` };
    throw e;
  }
  check(parser);
  if (parser.reason !== undefined) return { ok: false, reason: parser.reason };
  const { source, slots } = emit(alts);
  const names: (string | undefined)[] = Array.from({ length: parser.captures.length + 1 }, () => undefined);
  for (const [name, index] of parser.names) names[index] = name;
  const { linear, superset } = re2Sources(alts);
  return { ok: true, re: new RegExp(source), names, groups: parser.captures.length, slots, maxSubject: longestBounded(alts), linear, superset };
}

const cache = new Map<string, Compiled>();

/** Translates a PCRE2 pattern as nginx compiles it (`caseless` for `~*`); results are cached. */
export function compilePcre(pattern: string, caseless: boolean): Compiled {
  const key = `${caseless ? 'i' : '-'}${pattern}`;
  let compiled = cache.get(key);
  if (!compiled) {
    compiled = translate(toBytes(pattern), caseless);
    cache.set(key, compiled);
  }
  return compiled;
}

export interface PcreMatch {
  /** [whole, $1, $2 ...]: undefined for groups that did not take part, which nginx gives as an empty string. */
  captures: (string | undefined)[];
  named: Record<string, string | undefined>;
}
/**
 * How execPcre answers: the RegExp (on subjects short enough for its bound),
 * re2js, or re2js on the superset form ruling out a match (`superset`).
 */
export type PcreEngine = 'regexp' | 're2js' | 'superset';

/** How execPcre answers `subject` in bounded time; null when it cannot tell. */
export function pcreEngine(c: Translated, subject: string): PcreEngine | null {
  return engineFor(c, toBytes(subject));
}

function engineFor(c: Translated, bytes: string): PcreEngine | null {
  if (bytes.length <= c.maxSubject) return 'regexp';
  if (c.linear && (c.linear.lastNewline || !bytes.endsWith('\n')) && linearRegex(c.linear.source)) return 're2js';
  return linearRegex(c.superset)?.test(bytes) === false ? 'superset' : null;
}

const linearCache = new Map<string, RE2JS | null>();
let re2js: typeof RE2JS | undefined;

/** re2js's compiled pattern, or null when it refuses it (too large); loaded on first use, to keep start-up fast. */
function linearRegex(source: string): RE2JS | null {
  let re = linearCache.get(source);
  if (re === undefined) {
    re2js ??= (createRequire(import.meta.url)('re2js') as { RE2JS: typeof RE2JS }).RE2JS;
    try {
      re = re2js.compile(source);
    } catch {
      re = null;
    }
    linearCache.set(source, re);
  }
  return re;
}

/**
 * Runs a compiled regex like nginx: null for no match, undefined when
 * verblint cannot tell in bounded time (see UNBOUNDED), else the captures
 * and the named ones. A capture that ends inside a multi-byte character comes
 * back with U+FFFD in its place. `engine` is for tests: it skips the bound.
 */
export function execPcre(c: Translated, subject: string, engine?: 'regexp' | 're2js'): PcreMatch | null | undefined {
  const bytes = toBytes(subject);
  const using = engine ?? engineFor(c, bytes);
  if (using === null) return undefined;
  if (using === 'superset') return null;
  let m: (string | undefined)[] | null;
  if (using === 're2js') {
    const re = c.linear && linearRegex(c.linear.source);
    if (!re) throw new Error(`re2js cannot run /${c.re.source}/`);
    m = re.exec(bytes) as (string | undefined)[] | null;
  } else {
    try {
      m = c.re.exec(bytes);
    } catch (e) {
      // V8's backtracking stack has a limit too.
      if (e instanceof RangeError) return undefined;
      throw e;
    }
  }
  if (!m) return null;
  const captures = using === 're2js' ? m.slice(0, c.groups + 1) : c.slots.map((slot) => m[slot]);
  const text = captures.map((value) => (value === undefined ? undefined : fromBytes(value)));
  const named = Object.fromEntries(c.names.flatMap((name, n) => (name === undefined ? [] : [[name, text[n]]])));
  return { captures: text, named };
}
