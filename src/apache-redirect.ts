// redirect-drops-method for Apache: 301, 302 and 303 redirects (RewriteRule
// [R], Redirect*, RedirectMatch) that writes can reach. A redirect is reported
// when its URL space looks like it receives writes: its own path or its
// section's path looks like a write endpoint, its section hands requests to
// a program, or it stands in front of a front controller or a ProxyPass of its
// context and can catch arbitrary URLs. Moves of a whole site (http to https,
// host canonicalisation) are left out there, as the nginx rule leaves out
// server-level redirects.
import {
  frontController, matchesAnyPath, methodSection, rewriteRedirect, rewriteRules, shortText, WRITE_METHODS, condsHold,
  type RewriteRuleInfo,
} from './apache-front-controller.js';
import { apacheNodes, lowerName } from './apache-rule-support.js';
import type { Directive, ParseResult } from './model.js';
import { compilePcre, execPcre } from './pcre.js';
import { looksLikeWritePath } from './static-writes.js';

export interface RedirectFinding {
  node: Directive;
  message: string;
}

interface Candidate {
  node: Directive;
  code: number;
  /** The path or regex the redirect matches on. */
  source: string;
  /** It matches on a regex (RewriteRule, RedirectMatch) rather than a path prefix. */
  regex: boolean;
  target: string;
  parents: Directive[];
  file: string;
  rule?: RewriteRuleInfo;
}

const SECTIONS = new Set(['location', 'locationmatch', 'directory', 'directorymatch', 'files', 'filesmatch', 'virtualhost']);
const ALIAS_CODES: Record<string, number> = { permanent: 301, temp: 302, seeother: 303, gone: 410 };

/** Redirect, RedirectMatch, RedirectPermanent and RedirectTemp with their status and source. */
function aliasRedirect(node: Directive): Pick<Candidate, 'code' | 'source' | 'target' | 'regex'> | null {
  const name = lowerName(node);
  let args = [...node.args];
  let code = 302;
  if (name === 'redirectpermanent') code = 301;
  else if (name === 'redirect' || name === 'redirectmatch') {
    const first = (args[0] ?? '').toLowerCase();
    if (Object.hasOwn(ALIAS_CODES, first) || /^\d{3}$/.test(first)) {
      code = ALIAS_CODES[first] ?? Number(first);
      args = args.slice(1);
    }
  } else if (name !== 'redirecttemp') return null;
  if (code < 300 || code > 399 || args.length === 0) return null;
  // Inside <Location> the path is the section's and only the URL is given.
  const [source, target] = args.length >= 2 ? [args[0]!, args[1]!] : ['', args[0]!];
  return { code, source, target, regex: name === 'redirectmatch' };
}

function candidates(tree: ParseResult): Candidate[] {
  const out: Candidate[] = [];
  for (const rule of rewriteRules(tree)) {
    const code = rewriteRedirect(rule);
    if (code === null) continue;
    out.push({ node: rule.node, code, source: rule.pattern, regex: true, target: rule.substitution, parents: rule.parents, file: rule.file.file, rule });
  }
  for (const { node, parents, file } of apacheNodes(tree).where((d) => aliasRedirect(d) !== null)) {
    out.push({ node, parents, file: file.file, ...aliasRedirect(node)! });
  }
  return out;
}

/** Write methods the redirect applies to: all, unless its RewriteConds or an <If> test the method. */
function writesRedirected(c: Candidate): string[] {
  if (methodSection(c.parents)) return [];
  const rule = c.rule;
  if (!rule) return [...WRITE_METHODS];
  const methodConds = rule.conds.filter((d) => /%\{(REQUEST_METHOD|THE_REQUEST)\}/.test(d.args.join(' ')));
  // An expression on the method, or a pattern verblint cannot read: the author chose.
  if (methodConds.some((d) => d.args[0] !== '%{REQUEST_METHOD}' && d.args[0] !== '%{THE_REQUEST}')) return [];
  return WRITE_METHODS.filter((m) => (['missing', 'file', 'dir'] as const).some((t) => condsHold(rule, m, t) !== false));
}

const SAMPLES = ['api/users', 'api/users/'];

/** Whether the redirect can catch arbitrary URLs such as /api/users/ (not one literal page). */
function broad(c: Candidate): boolean {
  if (!c.regex) return c.source === '/' || c.source === '';
  const compiled = compilePcre(c.source, c.rule?.flags.has('nc') ?? false);
  if (!compiled.ok) return false;
  const rule = c.rule;
  // The pattern, and any RewriteCond on %{REQUEST_URI}, let a sample through.
  // A match: neither null (none) nor undefined (cannot tell).
  return SAMPLES.some((s) => Boolean(execPcre(compiled, rule?.perDir ? s : `/${s}`)) && (!rule || condsHold(rule, 'POST', 'missing', `/${s}`) !== false));
}

/** A move of the whole site to another origin: every path, to an absolute URL, whatever the path. */
function wholeSite(c: Candidate): boolean {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(c.target)) return false;
  if (!c.rule) {
    if (!c.regex) return c.source === '/' || c.source === '';
    const compiled = compilePcre(c.source, false);
    return compiled.ok && ['/', '/api/users', '/a/b/c.txt'].every((p) => Boolean(execPcre(compiled, p)));
  }
  return matchesAnyPath(c.rule) && !c.rule.conds.some((d) => /%\{(REQUEST_URI|REQUEST_FILENAME|SCRIPT_FILENAME|THE_REQUEST)\}/.test(d.args[0] ?? ''));
}

/** Something in a section that hands requests to a program. */
function programIn(section: Directive): Directive | undefined {
  for (const d of section.block ?? []) {
    const name = lowerName(d);
    const arg = (d.args[0] ?? '').toLowerCase();
    if (name === 'proxypass' && arg !== '!') return d;
    if (name === 'sethandler' && arg !== 'none' && arg !== 'default-handler') return d;
    if (name === 'script' || (name === 'dav' && arg !== 'off')) return d;
    if (d.block && !SECTIONS.has(name)) {
      const inner = programIn(d);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** Why writes are expected at the redirect's URLs, or null. */
function whyWrites(c: Candidate, words: readonly string[], tree: ParseResult): string | null {
  const sections = c.parents.filter((p) => SECTIONS.has(lowerName(p)) && lowerName(p) !== 'virtualhost');
  for (const s of [...sections].reverse()) {
    const word = looksLikeWritePath(s.args.join(' '), words);
    if (word) return `in "<${s.directive} ${s.args.join(' ')}>", which looks like a write endpoint ("${word}", a guess from the name)`;
    const program = programIn(s) ?? (lowerName(s) === 'location' ? proxyCovering(s, vhostOf(c.parents), tree) : undefined);
    if (program) return `in "<${s.directive} ${s.args.join(' ')}>", where "${shortText(program)}" (line ${program.line}) takes every method`;
  }
  const word = c.source ? looksLikeWritePath(c.source, words) : undefined;
  if (word) return `for URLs that look like a write endpoint ("${word}", a guess from the name)`;
  if (!broad(c) || wholeSite(c)) return null;
  // In front of a front controller or a proxy of the same context.
  const { fronts, proxies, key } = contexts(tree);
  const here = key(c.file, c.parents);
  const front = fronts.get(here)?.find((r) => r !== c.rule);
  if (front) return `in front of the front controller at line ${front.node.line} ("${shortText(front.node)}"), which takes every method`;
  const proxy = proxies.get(here)?.[0];
  if (proxy) return `in front of "${shortText(proxy)}" (line ${proxy.line}), which takes every method`;
  return null;
}

/** A ProxyPass of the same host whose path covers a <Location>'s path (or lies under it). */
function proxyCovering(location: Directive, vhost: Directive | undefined, tree: ParseResult): Directive | undefined {
  const path = location.args[0] ?? '';
  const { proxies, key } = contexts(tree);
  // Outside any section but the virtual host.
  for (const node of proxies.get(key(location.file, vhost ? [vhost] : [])) ?? []) {
    const from = node.args[0]!;
    if (path.startsWith(from) || from.startsWith(path)) return node;
  }
  return undefined;
}

function vhostOf(parents: readonly Directive[]): Directive | undefined {
  return parents.find((p) => lowerName(p) === 'virtualhost');
}

/** The innermost section around a node other than the virtual host: what a redirect shares a context with. */
function ownerOf(parents: readonly Directive[]): Directive | undefined {
  return parents.filter((p) => SECTIONS.has(lowerName(p)) && lowerName(p) !== 'virtualhost').at(-1);
}

interface Contexts {
  /** Front controllers by context, in rewriteRules order. */
  fronts: Map<string, RewriteRuleInfo[]>;
  /** ProxyPass directives that proxy (not "!"), by context, in document order. */
  proxies: Map<string, Directive[]>;
  /** A context: the file, the owner section and the virtual host. */
  key: (file: string, parents: readonly Directive[]) => string;
}

const contextsOf = new WeakMap<ParseResult, Contexts>();

/** Front controllers and proxies by context, once per tree: asking each redirect's context with a walk of the tree would be quadratic. */
function contexts(tree: ParseResult): Contexts {
  const known = contextsOf.get(tree);
  if (known) return known;
  const ids = new Map<Directive | undefined, number>();
  const id = (d: Directive | undefined): number => {
    let n = ids.get(d);
    if (n === undefined) ids.set(d, (n = ids.size));
    return n;
  };
  const key = (file: string, parents: readonly Directive[]): string => `${id(ownerOf(parents))} ${id(vhostOf(parents))} ${file}`;
  const add = <T>(map: Map<string, T[]>, k: string, item: T): void => {
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  };
  const found: Contexts = { fronts: new Map(), proxies: new Map(), key };
  for (const r of rewriteRules(tree)) if (frontController(r)) add(found.fronts, key(r.file.file, r.parents), r);
  for (const { node, parents, file } of apacheNodes(tree).where((d) => lowerName(d) === 'proxypass' && d.args.length >= 2 && d.args[1] !== '!')) {
    add(found.proxies, key(file.file, parents), node);
  }
  contextsOf.set(tree, found);
  return found;
}

/** The redirects writes reach, with the message for each. */
export function apacheRedirectFindings(tree: ParseResult, words: readonly string[]): RedirectFinding[] {
  const out: RedirectFinding[] = [];
  for (const c of candidates(tree)) {
    if (c.code !== 301 && c.code !== 302 && c.code !== 303) continue;
    const methods = writesRedirected(c);
    if (!methods.includes('POST')) continue;
    const why = whyWrites(c, words, tree);
    if (!why) continue;
    const keep = c.code === 301 ? 308 : 307;
    const fix = c.rule
      ? `use R=${keep}, which keeps the method, or redirect only GET and HEAD (RewriteCond %{REQUEST_METHOD} ^(GET|HEAD)$)`
      : `use status ${keep}, which keeps the method`;
    out.push({
      node: c.node,
      message: `"${shortText(c.node)}" redirects with ${c.code} ${why}: clients resend POST as GET without the body; ${fix}`,
    });
  }
  return out;
}
