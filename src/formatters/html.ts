// One self-contained HTML page: the counts, then each file's source with its
// line numbers and every finding right under the line it is on. The source
// comes from ctx.sources (the CLI reads it); a file without one lists its
// findings alone.
import type { Finding, Severity } from '../finding.js';
import { count, escapeHtml, htmlPage } from '../html.js';
import { displayPath, ruleDocUrl } from './paths.js';
import type { FormatContext, Formatter } from './types.js';

interface FileGroup {
  /** Finding.file, the key of ctx.sources. */
  key: string;
  shown: string;
  id: string;
  findings: Finding[];
  lines: string[] | undefined;
}

/** Peggy counts lines by LF; a CR before it is not part of the line. */
function sourceLines(text: string): string[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function groups(findings: readonly Finding[], ctx: FormatContext): FileGroup[] {
  const byKey = new Map<string, FileGroup>();
  for (const f of findings) {
    let g = byKey.get(f.file);
    if (!g) {
      const source = ctx.sources !== undefined && Object.hasOwn(ctx.sources, f.file) ? ctx.sources[f.file] : undefined;
      g = { key: f.file, shown: displayPath(f.file, ctx.cwd), id: `file-${byKey.size}`, findings: [], lines: source === undefined ? undefined : sourceLines(source) };
      byKey.set(f.file, g);
    }
    g.findings.push(f);
  }
  return [...byKey.values()];
}

/** Where a related location points inside this page: its line's row, its file's section, or nowhere. */
function anchorOf(file: string, line: number, all: readonly FileGroup[]): string | undefined {
  const g = all.find((x) => x.key === file);
  if (!g) return undefined;
  return g.lines !== undefined && line >= 1 && line <= g.lines.length ? `#${g.id}-L${line}` : `#${g.id}`;
}

function findingBox(f: Finding, ctx: FormatContext, all: readonly FileGroup[]): string {
  const doc = ruleDocUrl(ctx.docsUrl, f.ruleId);
  const rule = doc !== undefined ? `<a class="rule mono" href="${escapeHtml(doc)}">${escapeHtml(f.ruleId)}</a>` : `<span class="rule mono">${escapeHtml(f.ruleId)}</span>`;
  const out = [
    `<div class="finding sev-${f.severity}" data-rule="${escapeHtml(f.ruleId)}" data-line="${f.line}">`,
    `<span class="badge">${f.severity}</span> <span class="pos mono">${f.line}:${f.column}</span> <span class="message">${escapeHtml(f.message)}</span> ${rule}`,
  ];
  if (f.related !== undefined && f.related.length > 0) {
    out.push('<ul class="related">');
    for (const r of f.related) {
      const text = escapeHtml(`${displayPath(r.file, ctx.cwd)}:${r.line}:${r.column}`);
      const anchor = anchorOf(r.file, r.line, all);
      const at = anchor !== undefined ? `<a class="mono" href="${anchor}">${text}</a>` : `<span class="mono">${text}</span>`;
      out.push(`<li>${at} ${escapeHtml(r.message)}</li>`);
    }
    out.push('</ul>');
  }
  out.push('</div>');
  return out.join('');
}

/** A source line, the ranges findings point at marked, errors over warnings. */
function markedLine(text: string, line: number, findings: readonly Finding[]): string {
  const marks: Array<Severity | undefined> = new Array<Severity | undefined>(text.length).fill(undefined);
  for (const f of findings) {
    if (line < f.line || line > f.endLine) continue;
    const start = line === f.line ? f.column - 1 : 0;
    const end = line === f.endLine ? Math.min(f.endColumn - 1, text.length) : text.length;
    for (let i = Math.max(0, start); i < end; i++) if (marks[i] !== 'error') marks[i] = f.severity;
  }
  let out = '';
  let i = 0;
  while (i < text.length) {
    const mark = marks[i];
    let j = i + 1;
    while (j < text.length && marks[j] === mark) j++;
    const piece = escapeHtml(text.slice(i, j));
    out += mark === undefined ? piece : `<mark class="sev-${mark}">${piece}</mark>`;
    i = j;
  }
  return out;
}

function fileSection(g: FileGroup, ctx: FormatContext, all: readonly FileGroup[]): string {
  const errors = g.findings.filter((f) => f.severity === 'error').length;
  const out = [
    `<section class="file" id="${g.id}" data-file="${escapeHtml(g.shown)}">`,
    `<h2><span class="mono">${escapeHtml(g.shown)}</span> <span class="dim">${count(g.findings.length, 'problem')}${errors > 0 ? ` (${count(errors, 'error')})` : ''}</span></h2>`,
  ];
  const lines = g.lines;
  if (lines === undefined) {
    out.push('<div class="findings">', ...g.findings.map((f) => findingBox(f, ctx, all)), '</div>', '</section>');
    return out.join('\n');
  }
  const at = new Map<number, Finding[]>();
  const unplaced: Finding[] = [];
  for (const f of g.findings) {
    if (f.line >= 1 && f.line <= lines.length) at.set(f.line, [...(at.get(f.line) ?? []), f]);
    else unplaced.push(f);
  }
  out.push('<table class="source">');
  lines.forEach((text, i) => {
    const n = i + 1;
    const here = at.get(n) ?? [];
    const severity = here.some((f) => f.severity === 'error') ? ' has-error' : here.length > 0 ? ' has-warning' : '';
    out.push(`<tr class="src${severity}" id="${g.id}-L${n}"><td class="ln">${n}</td><td class="code">${markedLine(text, n, g.findings)}</td></tr>`);
    for (const f of here) out.push(`<tr class="under" data-line="${n}"><td class="ln"></td><td>${findingBox(f, ctx, all)}</td></tr>`);
  });
  out.push('</table>');
  if (unplaced.length > 0) out.push('<div class="findings unplaced">', ...unplaced.map((f) => findingBox(f, ctx, all)), '</div>');
  out.push('</section>');
  return out.join('\n');
}

const CSS = `
main { padding-bottom: 24px; }
.summary { font-size: 15px; font-weight: 600; margin: 4px 0; }
.summary.clean { color: var(--backend); }
.rules { margin: 6px 0 0; font-size: 13px; }
.rules td { padding: 1px 12px 1px 0; }
.source { width: 100%; border: 1px solid var(--line); font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.source td { padding: 0 8px; vertical-align: top; }
.source td.ln { width: 1%; text-align: right; color: var(--dim); background: var(--bg-soft); user-select: none; border-right: 1px solid var(--line); }
.source td.code { white-space: pre; tab-size: 4; }
.source tr.has-error td.code { background: #fff5f5; }
.source tr.has-warning td.code { background: #fffbea; }
.source tr:target td { background: #ddf4ff; }
mark.sev-error { background: #ffd7d5; color: inherit; text-decoration: underline wavy var(--error); }
mark.sev-warning { background: #fff1b8; color: inherit; text-decoration: underline wavy var(--warning); }
.finding { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; white-space: normal; margin: 3px 0 6px; padding: 4px 8px;
  border-left: 4px solid currentColor; background: #fff; }
.finding.sev-error { border-color: var(--error); }
.finding.sev-warning { border-color: var(--warning); }
.finding .badge { display: inline-block; padding: 0 6px; border-radius: 3px; color: #fff; font-size: 12px; font-weight: 600; }
.finding.sev-error .badge { background: var(--error); }
.finding.sev-warning .badge { background: var(--warning); }
.finding .message { color: var(--fg); }
.finding .rule { color: var(--dim); margin-left: 6px; }
.finding .related { margin: 2px 0 0; padding-left: 20px; color: var(--dim); }
`;

function rulesTable(findings: readonly Finding[], ctx: FormatContext): string {
  const counts = new Map<string, { severity: Severity; n: number }>();
  for (const f of findings) {
    const c = counts.get(f.ruleId);
    if (c) c.n++;
    else counts.set(f.ruleId, { severity: f.severity, n: 1 });
  }
  const rows = [...counts].sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1)).map(([id, { severity, n }]) => {
    const doc = ruleDocUrl(ctx.docsUrl, id);
    const name = doc !== undefined ? `<a class="mono" href="${escapeHtml(doc)}">${escapeHtml(id)}</a>` : `<span class="mono">${escapeHtml(id)}</span>`;
    return `<tr><td>${n}</td><td class="sev-${severity}">${severity}</td><td>${name}</td></tr>`;
  });
  return `<table class="rules">${rows.join('')}</table>`;
}

export const html: Formatter = (findings, ctx) => {
  const title = 'verblint report';
  const files = groups(findings, ctx);
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  const head = ['<header>', `<h1>${title}</h1>`];
  if (findings.length === 0) head.push('<p class="summary clean">No problems found.</p>');
  else {
    head.push(
      `<p class="summary">&#10006; ${count(findings.length, 'problem')} (${count(errors, 'error')}, ${count(warnings, 'warning')}) in ${count(files.length, 'file')}</p>`,
      rulesTable(findings, ctx),
    );
  }
  head.push(`<p class="dim">verblint ${escapeHtml(ctx.version)}</p>`, '</header>');
  const body = [...head, '<main>', ...files.map((g) => fileSection(g, ctx, files)), '</main>'];
  return htmlPage({ title, body: body.join('\n'), css: CSS });
};
