// Shared logic for the rules about writes that the static module answers:
// static-location-write, spa-fallback-swallows-writes,
// regex-location-shadows-proxy and redirect-drops-method. Which location a
// request reaches and who answers it is asked of the simulator; whether a
// location regex can match URIs under a prefix is decided with refa.
import { createRequire } from 'node:module';
import type * as Refa from 'refa';
import { handlersIn, locationsAt, named, namedUp, PASS_MODULES, type Level, type NginxLocation, type NginxServer } from './nginx-model.js';
import { normalizePath } from './nginx-vars.js';
import type { Outcome } from './outcome.js';
import { compilePcre, execPcre } from './pcre.js';
import type { Send } from './rule-support.js';

/** Path words that suggest a location receives writes; a guess from names, so the rules say so. */
export const WRITE_PATH_WORDS = ['api', 'graphql', 'upload', 'submit', 'login', 'auth', 'oauth', 'webhook', 'webhooks', 'rpc', 'form', '.php'];

/** Whether a location name (prefix or regex) contains one of `words`: `.ext` as an extension, others as whole path words. */
export function looksLikeWritePath(name: string, words: readonly string[]): string | undefined {
  // Servers made from one template repeat their location names: each name is read once per word list.
  let known = namesRead.get(words);
  if (!known) namesRead.set(words, (known = new Map()));
  if (known.has(name)) return known.get(name);
  const plain = name.replace(/\\(.)/g, '$1').toLowerCase();
  const tokens = new Set(plain.split(/[^a-z0-9]+/));
  const found = words.find((w) => (w.startsWith('.') ? extension(w).test(plain) : tokens.has(w.toLowerCase())));
  if (known.size >= MEMO_MAX) known.clear();
  known.set(name, found);
  return found;
}

const namesRead = new WeakMap<readonly string[], Map<string, string | undefined>>();

const extensions = new Map<string, RegExp>();

/** `.php` as an extension: not followed by a letter or digit. Compiled once per word, not once per location. */
function extension(word: string): RegExp {
  let re = extensions.get(word);
  if (!re) extensions.set(word, (re = new RegExp(`${word.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![a-z0-9])`)));
  return re;
}

/** Some way the request goes ends in a 405 from the static module, and none reaches a backend. */
export function staticRefuses(o: Outcome): boolean {
  // A handler the simulator does not model ends its branch with cannotTell, never as 'static'.
  return o.branches.some((b) => b.status === 405 && b.producer === 'static') && o.branches.every((b) => b.producer !== 'upstream');
}

/**
 * Every request that ends in `loc` goes to its backend, or gets an error of
 * its own (403, 401, 404): the content handler that wins is a `*_pass` other
 * than memcached_pass, and nothing can send the request elsewhere first. No
 * `if`, nested location or `limit_except` in it, no rewrite or return of its
 * own, and no try_files, error_page or auth_request there or above (an error
 * page in a named location keeps the method). The static module never answers
 * such a location, whatever the URI: no URI has to be found to know it.
 */
export function alwaysPasses(loc: NginxLocation): boolean {
  const handler = handlersIn(loc).pop()?.directive;
  if (handler === undefined || handler === 'memcached_pass' || !Object.hasOwn(PASS_MODULES, handler)) return false;
  if (loc.ifs.size > 0 || loc.locations.length > 0 || loc.limitExcept !== null) return false;
  return named(loc, 'rewrite') === undefined && named(loc, 'return') === undefined && UP_DETOURS.every((name) => namedUp(loc, name) === undefined);
}

const UP_DETOURS = ['try_files', 'error_page', 'auth_request'];

/**
 * The write methods the static module refuses with 405 at `uri` (POST only
 * when the file exists), when PUT is among them; else null, after one
 * request instead of four. `put` is PUT's outcome when the caller has it.
 */
export function refusedWithPut(send: Send, uri: string, put: Outcome = send('PUT', uri)): string[] | null {
  if (!staticRefuses(put)) return null;
  return ['POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => staticRefuses(m === 'PUT' ? put : send(m, uri)));
}

/** "PUT, PATCH and DELETE get 405 ..., POST too when the file exists": POST gets 404 for a missing file. */
export function refusedText(refused: readonly string[], uri?: string): string {
  const others = refused.filter((m) => m !== 'POST');
  const post = refused.includes('POST') ? ', and POST when the file exists' : '';
  return `${listing(others)}${uri ? ` to ${uri}` : ''} get 405 from the static module${post}`;
}

/** "POST, PUT and DELETE". */
export function listing(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The locations a request went through while nginx chose one (first branch), and the one it ended in. */
export function chosen(o: Outcome, server: NginxServer): { steps: Array<{ loc: NginxLocation; note: string }>; location: NginxLocation | null } {
  const steps: Array<{ loc: NginxLocation; note: string }> = [];
  for (const step of o.branches[0]?.trace ?? []) {
    // Several locations on one line: the last one written there.
    const loc = locationsAt(server, step.file, step.line).at(-1);
    if (loc) steps.push({ loc, note: step.note });
    else if (steps.length > 0) break;
  }
  return { steps, location: steps[steps.length - 1]?.loc ?? null };
}

/** The level a directive is written at: the location itself or one of its `if` blocks. */
export function levelsOf(loc: NginxLocation): Level[] {
  return [loc, ...loc.ifs.values()];
}

// ---- regexes under a prefix ----

const START = '\u0101';
const END = '\u0100';
// refa (a 1 MB CommonJS bundle) is loaded on the first regex location under a prefix, with
// require: an ESM import of it costs about 100 ms of start-up in every run, regexes or not.
let loaded: { refa: typeof Refa; edges: Refa.CombinedTransformer } | undefined;
function refa(): { refa: typeof Refa; edges: Refa.CombinedTransformer } {
  if (!loaded) {
    const r = createRequire(import.meta.url)('refa') as typeof Refa;
    const edges = new r.CombinedTransformer([
      r.Transformers.simplify({ ignoreAmbiguity: true, ignoreOrder: true }),
      r.Transformers.patternEdgeAssertions({ ignoreAmbiguity: true, ignoreOrder: true, inline: true, remove: true }),
      r.Transformers.simplify({ ignoreAmbiguity: true, ignoreOrder: true }),
    ]);
    loaded = { refa: r, edges };
  }
  return loaded;
}

/**
 * The JS source of a translated PCRE with `^` and `$` written as sentinel
 * characters, so that the set of URIs the regex finds a match in is a plain
 * regular language: START uri END.
 */
function withSentinels(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      out += source.slice(i, i + 2);
      i++;
    } else if (inClass) {
      out += c;
      if (c === ']') inClass = false;
    } else if (c === '[') {
      out += c;
      inClass = true;
    } else if (source.startsWith('(?=\\n?$)', i)) {
      out += `\\n?\\u0100`;
      i += '(?=\\n?$)'.length - 1;
    } else if (c === '^') out += '\\u0101';
    else if (c === '$') out += '\\u0100';
    else out += c;
  }
  return out;
}

/** A bound on the memos below, for a process that lints config after config. */
const MEMO_MAX = 10_000;
const nfas = new Map<string, Refa.NFA>();
const underPrefix = new Map<string, readonly string[] | null>();

/** The automaton of a JS regex source, built once per source: a regex meets every prefix of its server and a prefix every regex. Only read, never changed. */
function nfaOf(source: string): Refa.NFA {
  let nfa = nfas.get(source);
  if (!nfa) {
    const { refa: r, edges } = refa();
    const { expression, maxCharacter } = r.JS.Parser.fromLiteral({ source, flags: '' }).parse({ assertions: 'parse', backreferences: 'throw' });
    nfa = r.NFA.fromRegex(r.transform(edges, expression), { maxCharacter }, { assertions: 'throw' });
    if (nfas.size >= MEMO_MAX) nfas.clear();
    nfas.set(source, nfa);
  }
  return nfa;
}

const escape = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/**
 * URIs under `prefix` that the location regex matches: [] when it can match
 * none, null when verblint cannot tell (the regex is beyond the translation,
 * or no plain witness was found). Each witness is checked with the real matcher.
 */
export function regexUnderPrefix(pattern: string, caseless: boolean, prefix: string, max = 3): string[] | null {
  // Servers made from one template ask the same question thousands of times; the automata are costly.
  const key = JSON.stringify([pattern, caseless, prefix, max]);
  let found = underPrefix.get(key);
  if (found === undefined) {
    if (underPrefix.size >= MEMO_MAX) underPrefix.clear();
    underPrefix.set(key, (found = computeUnderPrefix(pattern, caseless, prefix, max)));
  }
  return found && [...found];
}


function computeUnderPrefix(pattern: string, caseless: boolean, prefix: string, max: number): string[] | null {
  const compiled = compilePcre(pattern, caseless);
  if (!compiled.ok || /[^\x00-\x7f]/.test(prefix)) return null;
  try {
    const search = nfaOf(`[^]*(?:${withSentinels(compiled.re.source)})[^]*`);
    if (refa().refa.isDisjointWith(search, nfaOf(`\\u0101${escape(prefix)}[\\0-\\xff]*\\u0100`))) return [];
    // Readable witnesses first: the prefix itself, then lower case names, then anything plain.
    const out: string[] = [];
    for (const tail of ['', '[a-z][a-z0-9._~/-]{0,40}', '[A-Za-z0-9._~/-]{0,40}']) {
      let tried = 0;
      for (const word of refa().refa.getIntersectionWords(search, nfaOf(`\\u0101${escape(prefix)}${tail}\\u0100`))) {
        if (++tried > 200 || out.length >= max) break;
        const uri = String.fromCharCode(...word).replace(START, '').replace(END, '');
        if (normalizePath(uri) === uri && execPcre(compiled, uri) && !out.includes(uri)) out.push(uri);
      }
    }
    return out.length > 0 ? out : null;
  } catch {
    return null;
  }
}
