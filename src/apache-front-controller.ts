// mod_rewrite rule sets as Apache groups them, and what the rules about
// writes need to know of them: which RewriteConds belong to a RewriteRule,
// its flags, whether its conditions let write methods through, and whether it
// hands requests to a program (a front controller). Shared by
// front-controller-static-write, redirect-drops-method and static-location-write.
import { CONDITIONAL_SECTIONS } from './apache-parse.js';
import { apacheNodes, lowerName } from './apache-rule-support.js';
import type { Directive, ParsedFile, ParseResult } from './model.js';
import type { FileKind } from './outcome.js';
import { compilePcre, execPcre } from './pcre.js';

/** Methods whose request bodies a redirect or the static handler drops. */
export const WRITE_METHODS = ['POST', 'PUT', 'DELETE', 'PATCH'] as const;

export interface RewriteRuleInfo {
  node: Directive;
  /** The RewriteConds Apache attaches to it: those since the previous RewriteRule of the same context. */
  conds: Directive[];
  pattern: string;
  substitution: string;
  /** Flag names lower-cased, long forms folded to short ones (redirect → r); a flag without value maps to ''. */
  flags: ReadonlyMap<string, string>;
  /** Enclosing sections, outermost first. */
  parents: Directive[];
  file: ParsedFile;
  htaccess: boolean;
  /** Per-directory context (.htaccess, <Directory>, <Location>, <Files>, <If>): REQUEST_FILENAME is a file there. */
  perDir: boolean;
  /** Every RewriteRule of the same context, in order (this one included). */
  ruleset: RewriteRuleInfo[];
}

const FLAG_ALIASES: Record<string, string> = {
  redirect: 'r', proxy: 'p', forbidden: 'f', gone: 'g', last: 'l', nocase: 'nc', chain: 'c', skip: 's',
  handler: 'h', passthrough: 'pt', type: 't', next: 'n', ornext: 'or',
};

/** `[L,R=301,NC]` → {l: '', r: '301', nc: ''}. */
export function rewriteFlags(text: string | undefined): ReadonlyMap<string, string> {
  if (!text || !/^\[.*\]$/.test(text)) return NO_FLAGS;
  // Read once per text: every simulated request reads the flags of every rule it passes.
  let out = flagsRead.get(text);
  if (out) return out;
  const flags = new Map<string, string>();
  for (const part of text.slice(1, -1).split(',')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name) flags.set(FLAG_ALIASES[name] ?? name, eq < 0 ? '' : part.slice(eq + 1).trim());
  }
  if (flagsRead.size >= 10_000) flagsRead.clear();
  flagsRead.set(text, (out = flags));
  return out;
}

const NO_FLAGS: ReadonlyMap<string, string> = new Map();
const flagsRead = new Map<string, ReadonlyMap<string, string>>();

// Sections that are no rewrite context of their own: read-time conditionals and <Limit>.
const REWRITE_NAMES = new Set(['rewritecond', 'rewriterule', 'rewriteengine']);
const NOT_A_CONTEXT = new Set([...CONDITIONAL_SECTIONS, 'limit', 'limitexcept']);
const PER_DIR = new Set(['directory', 'directorymatch', 'location', 'locationmatch', 'files', 'filesmatch', 'if', 'elseif', 'else']);

const rulesOf = new WeakMap<ParseResult, readonly RewriteRuleInfo[]>();

/** Every RewriteRule of the tree with its conditions, grouped by context. RewriteEngine off contexts are left out. Made once per tree. */
export function rewriteRules(tree: ParseResult): readonly RewriteRuleInfo[] {
  let found = rulesOf.get(tree);
  if (!found) rulesOf.set(tree, (found = collectRewriteRules(tree)));
  return found;
}

/** A rewrite context (a file's top, or a section): the RewriteConds waiting for a rule, its rules, and whether the engine is off there. */
interface RewriteContext {
  pending: Directive[] | null;
  /** How many rules it has; then, while the sets are filled, how many are in. */
  rules: number;
  set: RewriteRuleInfo[];
  off: boolean;
}

const NO_RULES: RewriteRuleInfo[] = [];

function collectRewriteRules(tree: ParseResult): RewriteRuleInfo[] {
  // By file, then by the innermost section that is a context (null: the file's top).
  const contexts = new Map<ParsedFile, Map<Directive | null, RewriteContext>>();
  const contextOf = (file: ParsedFile, parents: readonly Directive[]): RewriteContext => {
    let owner: Directive | null = null;
    for (let i = parents.length - 1; i >= 0 && owner === null; i--) if (!NOT_A_CONTEXT.has(lowerName(parents[i]!))) owner = parents[i]!;
    let inFile = contexts.get(file);
    if (!inFile) contexts.set(file, (inFile = new Map()));
    let context = inFile.get(owner);
    if (!context) inFile.set(owner, (context = { pending: null, rules: 0, set: NO_RULES, off: false }));
    return context;
  };
  // Every rule in document order with its context; the contexts in the order their first rule came.
  const rules: RewriteRuleInfo[] = [];
  const ruleContexts: RewriteContext[] = [];
  const order: RewriteContext[] = [];
  for (const { node, parents, file, htaccess } of apacheNodes(tree).where((d) => REWRITE_NAMES.has(lowerName(d)))) {
    const name = lowerName(node);
    const context = contextOf(file, parents);
    if (name === 'rewriteengine') {
      // The last RewriteEngine of a context wins.
      context.off = (node.args[0] ?? '').toLowerCase() === 'off';
      continue;
    }
    if (name === 'rewritecond') {
      // concat, not a spread: the list is kept, exactly as long as it is.
      context.pending = (context.pending ?? []).concat([node]);
      continue;
    }
    if (context.rules++ === 0) order.push(context);
    rules.push({
      node,
      conds: context.pending ?? [],
      pattern: node.args[0] ?? '',
      substitution: node.args[1] ?? '',
      flags: rewriteFlags(node.args[2]),
      parents,
      file,
      htaccess,
      perDir: htaccess || parents.some((p) => PER_DIR.has(lowerName(p))),
      ruleset: NO_RULES,
    });
    ruleContexts.push(context);
    context.pending = null;
  }
  // Each set is kept by each of its rules: made exactly as long as it is, once all are known.
  for (const context of order) {
    context.set = new Array<RewriteRuleInfo>(context.rules);
    context.rules = 0;
  }
  rules.forEach((rule, k) => {
    const context = ruleContexts[k]!;
    context.set[context.rules++] = rule;
    rule.ruleset = context.set;
  });
  return order.flatMap((context) => (context.off ? [] : context.set));
}

/** The status a RewriteRule redirects with (3xx), or null when it does not redirect. */
export function rewriteRedirect(rule: RewriteRuleInfo): number | null {
  const r = rule.flags.get('r');
  if (r !== undefined) {
    if (rule.substitution === '-') return null;
    const named: Record<string, number> = { '': 302, permanent: 301, temp: 302, seeother: 303 };
    const code = named[r.toLowerCase()] ?? Number(r);
    return code >= 300 && code < 400 ? code : null;
  }
  // An absolute URL is an external redirect (302) unless it is proxied or names this very host.
  if (rule.flags.has('p') || !/^https?:\/\//i.test(rule.substitution)) return null;
  return 302;
}

// ---- conditions ----

/** What the file tests of a condition see: an existing file, an existing directory, or nothing there. */
export type Target = FileKind;

/**
 * Whether a RewriteCond's pattern (`!` included) holds for its test string,
 * already expanded: true, false, or null when verblint cannot tell. `kindOf`
 * answers the file tests (-f, -d ...). A regex's captures (for %1 ...) go to
 * `captures` when it matches and is not negated. Shared by the rules and the
 * Apache simulator.
 */
export function condPatternHolds(
  raw: string,
  flags: ReadonlyMap<string, string>,
  value: string,
  kindOf: (path: string) => FileKind,
  captures?: (string | undefined)[],
): boolean | null {
  const negated = raw.startsWith('!');
  const pattern = negated ? raw.slice(1) : raw;
  let result: boolean;
  if (/^-[fdsFUlx]$/.test(pattern)) {
    if (!value.startsWith('/')) result = false;
    else {
      const kind = kindOf(value.replace(/\/+$/, '') || '/');
      // -l (a symbolic link) never holds for the files verblint knows of; -s, -F, -U and -x ask for a regular file.
      result = pattern === '-d' ? kind === 'dir' : pattern === '-l' ? false : kind === 'file';
    }
  } else if (pattern.startsWith('=')) {
    const want = pattern.slice(1).replace(/^""$/, '');
    result = flags.has('nc') ? want.toLowerCase() === value.toLowerCase() : want === value;
  } else if (/^[<>]|^-(eq|ne|lt|le|gt|ge)$/.test(pattern)) {
    return null;
  } else {
    const re = compilePcre(pattern, flags.has('nc'));
    const m = re.ok ? execPcre(re, value) : undefined;
    if (m === undefined) return null;
    result = m !== null;
    if (m && !negated && captures) captures.splice(0, captures.length, ...m.captures);
  }
  return result !== negated;
}

// Without a URI, a condition's answer depends only on its words, whether the
// rule is per-directory, the method and the target; a config repeats the same
// conditions thousands of times, with one (interned) list of words.
const condAnswers = new WeakMap<readonly string[], Map<string, boolean | null>>();

/** Whether a condition holds for a request: true, false, or null when verblint cannot tell. */
function condHolds(cond: Directive, rule: RewriteRuleInfo, method: string, target: Target, uri?: string): boolean | null {
  if (uri !== undefined) return condAnswer(cond, rule, method, target, uri);
  let answers = condAnswers.get(cond.args);
  if (!answers) condAnswers.set(cond.args, (answers = new Map()));
  const key = `${rule.perDir ? 'd' : 's'}${target} ${method}`;
  let answer = answers.get(key);
  if (answer === undefined) answers.set(key, (answer = condAnswer(cond, rule, method, target, uri)));
  return answer;
}

function condAnswer(cond: Directive, rule: RewriteRuleInfo, method: string, target: Target, uri?: string): boolean | null {
  const [test = '', pattern = ''] = cond.args;
  const flags = rewriteFlags(cond.args[2]);
  if (test.toLowerCase() === 'expr') return null;
  const fileTest = /^!?-[fdsFU]$/.test(pattern);
  let value: string | null = null;
  if (test === '%{REQUEST_METHOD}') value = method;
  else if (test === '%{THE_REQUEST}') value = `${method} /x HTTP/1.1`;
  else if (test === '%{REQUEST_URI}' && uri !== undefined && !fileTest) value = uri;
  // The file the request maps to stands for itself; what it is, is `target`.
  else if (fileTest && isRealFile(test, rule)) value = '/target';
  if (value === null) return null;
  return condPatternHolds(pattern, flags, value, () => target);
}

/**
 * Whether a test string names the file a request maps to. In server context
 * REQUEST_FILENAME is still the URL path (mod_rewrite runs before the mapping),
 * so a file test on it says nothing about the docroot.
 */
function isRealFile(test: string, rule: RewriteRuleInfo): boolean {
  if (/^%\{(DOCUMENT_ROOT|CONTEXT_DOCUMENT_ROOT)\}/.test(test) || /^%\{LA-[UF]:REQUEST_FILENAME\}$/.test(test)) return true;
  return rule.perDir && (test === '%{REQUEST_FILENAME}' || test === '%{SCRIPT_FILENAME}');
}

/**
 * Whether a rule's conditions hold for a request: true, false, or null (cannot
 * tell), for a path that is `target` and, when given, the URL path `uri`.
 * Conditions are AND-ed; one with [OR] is OR-ed with the next.
 */
export function condsHold(rule: RewriteRuleInfo, method: string, target: Target, uri?: string): boolean | null {
  const conds = rule.conds;
  let all: boolean | null = true;
  let group: boolean | null = false;
  conds.forEach((cond, i) => {
    const v = condHolds(cond, rule, method, target, uri);
    group = group === true || v === true ? true : group === null || v === null ? null : false;
    const or = rewriteFlags(cond.args[2]).has('or') && i < conds.length - 1;
    if (or) return;
    all = all === false || group === false ? false : all === null || group === null ? null : true;
    group = false;
  });
  return all;
}

/** The conditions mention the method: the author chose which methods the rule applies to. */
export function mentionsMethod(rule: RewriteRuleInfo): boolean {
  return rule.conds.some((c) => /%\{(REQUEST_METHOD|THE_REQUEST)\}/.test(c.args.join(' ')));
}

/** Write methods the rule may apply to (for a request its file tests do not stop). */
export function writesAccepted(rule: RewriteRuleInfo, target: Target = 'missing'): string[] {
  return WRITE_METHODS.filter((m) => condsHold(rule, m, target) !== false);
}

/** An enclosing <If> or <ElseIf> that tests the method. */
export function methodSection(parents: readonly Directive[]): Directive | undefined {
  return parents.find((p) => /^(if|elseif|else)$/.test(lowerName(p)) && /REQUEST_METHOD|THE_REQUEST/.test(p.args.join(' ')));
}

// ---- front controllers ----

const SCRIPT = /\.(php\d?|phtml|cgi|pl|py|fcgi|rb|jsp|aspx?)(?=$|[?/])|\/cgi-bin\//i;

/** A rewrite that hands requests to a program: a script, a proxy ([P]) or a handler ([H]). */
export function handsToProgram(rule: RewriteRuleInfo): boolean {
  if (rule.flags.has('f') || rule.flags.has('g') || rewriteRedirect(rule) !== null) return false;
  if (rule.flags.has('p') || rule.flags.has('h')) return true;
  return rule.substitution !== '-' && SCRIPT.test(rule.substitution);
}

/** A rewrite that hands requests to a program whatever their method. */
export function frontController(rule: RewriteRuleInfo): boolean {
  return handsToProgram(rule) && !methodSection(rule.parents) && writesAccepted(rule).length === WRITE_METHODS.length;
}

/** The samples a catch-all pattern must match, per-directory (no leading slash) and server context. */
const ANY_PATH = ['api/users', 'css/app.css', 'a/b/c.txt'];

/** Whether a RewriteRule pattern matches any path (`^`, `.`, `(.*)`, `^/?(.*)$` ...). */
export function matchesAnyPath(rule: RewriteRuleInfo): boolean {
  const negated = rule.pattern.startsWith('!');
  if (negated) return false;
  const compiled = compilePcre(rule.pattern, rule.flags.has('nc'));
  if (!compiled.ok) return false;
  const prefix = rule.perDir ? '' : '/';
  // A match: neither null (none) nor undefined (cannot tell).
  return ANY_PATH.every((p) => Boolean(execPcre(compiled, `${prefix}${p}`)));
}

/** Short text of a directive for messages: name and arguments, cut at 60 characters. */
export function shortText(d: Directive): string {
  const text = [d.directive, ...d.argNodes.map((a) => a.raw)].join(' ');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
