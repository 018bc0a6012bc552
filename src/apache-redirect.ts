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
    if (first in ALIAS_CODES || /^\d{3}$/.test(first)) {
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
  for (const { node, parents, file } of apacheNodes(tree)) {
    const r = aliasRedirect(node);
    if (r) out.push({ node, parents, file: file.file, ...r });
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
  return SAMPLES.some((s) => execPcre(compiled, rule?.perDir ? s : `/${s}`) !== null && (!rule || condsHold(rule, 'POST', 'missing', `/${s}`) !== false));
}

/** A move of the whole site to another origin: every path, to an absolute URL, whatever the path. */
function wholeSite(c: Candidate): boolean {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(c.target)) return false;
  if (!c.rule) {
    if (!c.regex) return c.source === '/' || c.source === '';
    const compiled = compilePcre(c.source, false);
    return compiled.ok && ['/', '/api/users', '/a/b/c.txt'].every((p) => execPcre(compiled, p) !== null);
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
  const owner = sections[sections.length - 1];
  const same = (parents: Directive[], file: string): boolean =>
    file === c.file && parents.filter((p) => SECTIONS.has(lowerName(p)) && lowerName(p) !== 'virtualhost').at(-1) === owner && vhostOf(parents) === vhostOf(c.parents);
  const front = rewriteRules(tree).find((r) => r !== c.rule && frontController(r) && same(r.parents, r.file.file));
  if (front) return `in front of the front controller at line ${front.node.line} ("${shortText(front.node)}"), which takes every method`;
  for (const { node, parents, file } of apacheNodes(tree)) {
    if (lowerName(node) === 'proxypass' && node.args.length >= 2 && node.args[1] !== '!' && same(parents, file.file)) {
      return `in front of "${shortText(node)}" (line ${node.line}), which takes every method`;
    }
  }
  return null;
}

/** A ProxyPass of the same host whose path covers a <Location>'s path (or lies under it). */
function proxyCovering(location: Directive, vhost: Directive | undefined, tree: ParseResult): Directive | undefined {
  const path = location.args[0] ?? '';
  for (const { node, parents, file } of apacheNodes(tree)) {
    if (lowerName(node) !== 'proxypass' || node.args.length < 2 || node.args[1] === '!' || file.file !== location.file) continue;
    if (vhostOf(parents) !== vhost || parents.some((p) => SECTIONS.has(lowerName(p)) && lowerName(p) !== 'virtualhost')) continue;
    const from = node.args[0]!;
    if (path.startsWith(from) || from.startsWith(path)) return node;
  }
  return undefined;
}

function vhostOf(parents: readonly Directive[]): Directive | undefined {
  return parents.find((p) => lowerName(p) === 'virtualhost');
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
