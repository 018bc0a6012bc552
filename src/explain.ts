// `verblint explain`: one simulated request, as text for people and as JSON
// for scripts. Pure functions from an Outcome to a string.
import { isAbsolute, relative, resolve } from 'node:path';
import pc from 'picocolors';
import type { Dialect } from './model.js';
import type { Branch, Outcome, TraceStep, Upstream } from './outcome.js';

export interface ExplainOptions {
  color: boolean;
  /** Trace paths are shown relative to this directory. */
  cwd: string;
  /** Which server the steps without a directive are told of, as `(nginx)` or `(apache)`; nginx by default. */
  dialect?: Dialect;
}

/** A config path as verblint shows it: relative to cwd when inside it, else absolute; forward slashes. */
export function shownPath(file: string, cwd: string): string {
  if (file === '') return '';
  const absolute = isAbsolute(file) ? file : resolve(cwd, file);
  const path = relative(cwd, absolute);
  // `../../etc/apache2/...` says less than the path the config names.
  const outside = path === '..' || path.startsWith('../') || path.startsWith('..\\') || isAbsolute(path);
  return (outside ? absolute : path).replaceAll('\\', '/') || '.';
}

type Colors = ReturnType<typeof pc.createColors>;

/** One branch's answer in a few words: `405 (static)`, `proxied to http://b as POST /x`. */
export function branchAnswer(b: Pick<Branch, 'status' | 'producer' | 'upstream'>): string {
  if (b.producer === 'upstream' && b.upstream) {
    return `${proxied(b.upstream)}${b.status !== null ? `, answered with ${b.status}` : ''}`;
  }
  if (b.status !== null) return `${b.status} (${b.producer})`;
  if (b.producer === 'return') return 'connection closed without an answer (return 444)';
  if (b.producer === 'no-server') return 'no server listens: the connection is refused';
  return `cannot tell (${b.producer})`;
}

function proxied(u: Upstream): string {
  return `${u.module === 'proxy' ? 'proxied' : `passed (${u.module})`} to ${u.url} as ${u.method}${u.path !== '' ? ` ${u.path}` : ''}`;
}

function hasAnswer(b: Branch): boolean {
  return b.status !== null || b.producer === 'upstream' || b.producer === 'return' || b.producer === 'no-server';
}

/** What the branches depend on, from the assumptions they do not share. */
export function dependsOn(branches: readonly Branch[]): string {
  const shared = branches.slice(1).reduce((set, b) => new Set(b.assumptions.filter((a) => set.has(a))), new Set(branches[0]?.assumptions ?? []));
  const kinds = new Set<string>();
  for (const b of branches) {
    for (const a of b.assumptions) if (!shared.has(a)) kinds.add(assumptionKind(a));
  }
  if (kinds.size === 0) return 'the branches below';
  const list = [...kinds];
  return list.length === 1 ? list[0]! : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
}

function assumptionKind(a: string): string {
  if (/ (is a file|does not exist|is a directory)$/.test(a)) return 'files';
  if (a.startsWith('the client address')) return 'the client address';
  if (a.includes('auth_request')) return 'the auth_request subrequest';
  if (a.startsWith('if (')) return 'if conditions';
  if (a.includes('cannot read this regex')) return 'a regex verblint cannot read';
  if (a.includes('local address')) return 'the local address';
  return 'what verblint cannot tell';
}

/** The answer after the arrow of the first line. */
export function headline(outcome: Outcome): string {
  const branches = outcome.branches;
  const answered = branches.filter(hasAnswer);
  if (answered.length === 0) {
    const why = [...new Set(branches.flatMap((b) => b.assumptions))];
    return `cannot tell${why.length > 0 ? `: ${why.join('; ')}` : ''}`;
  }
  const answers = [...new Set(branches.map(branchAnswer))];
  if (answers.length === 1) return answers[0]!;
  const producers = new Set(branches.map((b) => b.producer));
  if (branches.every((b) => b.status !== null) && producers.size === 1) {
    return `${orList(outcome.possibleStatuses.map(String))}, depending on ${dependsOn(branches)} (${branches[0]!.producer})`;
  }
  return `${orList(answers)}, depending on ${dependsOn(branches)}`;
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** How steps are printed: colours, where paths are relative to, the server a step without a directive belongs to. */
interface StepStyle {
  c: Colors;
  cwd: string;
  server: Dialect;
}

function stepLine(n: number, s: TraceStep, { c, cwd, server }: StepStyle, width: number): string {
  const num = `${String(n).padStart(width)}.`;
  if (s.file === '') return `  ${num} ${c.dim(`(${server})`)}  ${s.note}`;
  return `  ${num} ${c.dim(`${shownPath(s.file, cwd)}:${s.line}`)}  ${c.cyan(s.directive)}  ${s.note}`;
}

function sameStep(a: TraceStep, b: TraceStep): boolean {
  return a.file === b.file && a.line === b.line && a.directive === b.directive && a.note === b.note;
}

/**
 * Numbered steps from `from` on; a block of up to 4 steps that repeats three
 * times or more (an internal redirection cycle) is shown once.
 */
function stepLines(trace: readonly TraceStep[], from: number, style: StepStyle, width: number): string[] {
  const c = style.c;
  const out: string[] = [];
  let i = from;
  while (i < trace.length) {
    let folded = false;
    for (let k = 1; k <= 4 && !folded; k++) {
      let reps = 1;
      while (i + (reps + 1) * k <= trace.length && trace.slice(i + reps * k, i + (reps + 1) * k).every((s, j) => sameStep(s, trace[i + j]!))) reps++;
      if (reps < 3) continue;
      for (let j = 0; j < k; j++) out.push(stepLine(i + j + 1, trace[i + j]!, style, width));
      const last = i + reps * k;
      out.push(`  ${' '.repeat(width + 1)} ${c.dim(`steps ${i + k + 1}-${last}: the same ${k === 1 ? 'step' : `${k} steps`} ${reps - 1} more times`)}`);
      i = last;
      folded = true;
    }
    if (folded) continue;
    out.push(stepLine(i + 1, trace[i]!, style, width));
    i++;
  }
  return out;
}

function colorAnswer(text: string, b: Pick<Branch, 'status' | 'producer'>, c: Colors): string {
  if (b.producer === 'upstream') return c.green(text);
  const s = b.status;
  if (s === null) return c.yellow(text);
  if (s === 405) return c.red(text);
  if (s === 401 || s === 403) return c.magenta(text);
  if (s >= 300 && s < 400) return c.yellow(text);
  if (s >= 200 && s < 300) return c.green(text);
  return c.bold(text);
}

/** The text report: the answer, its headers, then the trace as numbered steps, branch by branch. */
export function formatExplain(outcome: Outcome, options: ExplainOptions): string {
  const c = pc.createColors(options.color);
  const style: StepStyle = { c, cwd: options.cwd, server: options.dialect ?? 'nginx' };
  const { branches } = outcome;
  const lines: string[] = [];
  const first = branches[0];
  const answer = headline(outcome);
  const single = branches.length === 1 && first !== undefined;
  lines.push(`${c.bold(`${outcome.method} ${outcome.url}`)} \u2192 ${single ? colorAnswer(answer, first, c) : c.bold(answer)}`);
  if (single) {
    if (first.allow !== null) lines.push(`Allow: ${first.allow}`);
    if (first.location !== null) lines.push(`Location: ${first.location}`);
    if (first.assumptions.length > 0) lines.push(`Assuming: ${first.assumptions.join('; ')}`);
  }
  if (outcome.cannotTell) lines.push(c.yellow('verblint could not decide every step from the config; the assumptions say where'));

  // Steps every branch shares are shown once; then each way the request can
  // go, with what it assumed. Branches that end the same way are merged.
  const traces = branches.map((b) => b.trace);
  let common = 0;
  if (single) common = first.trace.length;
  else while (traces.every((t) => common < t.length && sameStep(t[common]!, traces[0]![common]!))) common++;
  const width = String(Math.max(0, ...traces.map((t) => t.length))).length;

  lines.push('');
  lines.push(...stepLines(traces[0]?.slice(0, common) ?? [], 0, style, width));
  if (!single) {
    const groups = new Map<string, Branch[]>();
    for (const b of branches) {
      const id = JSON.stringify([branchAnswer(b), b.allow, b.location, b.trace.slice(common)]);
      groups.set(id, [...(groups.get(id) ?? []), b]);
    }
    for (const group of groups.values()) {
      const b = group[0]!;
      const conditions = group.map((g) => (g.assumptions.length > 0 ? g.assumptions.join(' and ') : 'nothing else is assumed'));
      lines.push('');
      lines.push(`Assuming ${conditions.join(',\n or ')}:`);
      lines.push(`  \u2192 ${colorAnswer(branchAnswer(b), b, c)}`);
      if (b.allow !== null) lines.push(`  Allow: ${b.allow}`);
      if (b.location !== null) lines.push(`  Location: ${b.location}`);
      lines.push(...stepLines(b.trace, common, style, width));
    }
  }
  return `${lines.join('\n')}\n`;
}

interface JsonStep {
  file: string | null;
  line: number | null;
  directive: string | null;
  note: string;
}

function jsonTrace(trace: readonly TraceStep[], cwd: string): JsonStep[] {
  return trace.map((s) =>
    s.file === ''
      ? { file: null, line: null, directive: null, note: s.note }
      : { file: shownPath(s.file, cwd), line: s.line, directive: s.directive, note: s.note },
  );
}

/** url, method and path first: what most scripts look at. */
export function jsonUpstream(u: Upstream | null): Upstream | null {
  return u === null ? null : { url: u.url, method: u.method, path: u.path, module: u.module, body: u.body };
}

/** The JSON report: the Outcome's fields, trace paths relative to cwd, 2-space indent, trailing newline. */
export function formatExplainJson(outcome: Outcome, options: Pick<ExplainOptions, 'cwd'>): string {
  const data = {
    method: outcome.method,
    url: outcome.url,
    status: outcome.status,
    possibleStatuses: outcome.possibleStatuses,
    cannotTell: outcome.cannotTell,
    producer: outcome.producer,
    allow: outcome.allow,
    location: outcome.location,
    upstream: jsonUpstream(outcome.upstream),
    trace: jsonTrace(outcome.trace, options.cwd),
    branches: outcome.branches.map((b) => ({
      status: b.status,
      producer: b.producer,
      allow: b.allow,
      location: b.location,
      upstream: jsonUpstream(b.upstream),
      assumptions: b.assumptions,
      cannotTell: b.cannotTell,
      trace: jsonTrace(b.trace, options.cwd),
    })),
  };
  return `${JSON.stringify(data, null, 2)}\n`;
}
