// `verblint routes --format html`: the routes table as one self-contained
// page. A matrix per server (rows are locations or Apache routes, columns the
// methods), each cell coloured by what answers; a click on a cell shows its
// trace, every branch of it. Pure: from ServerRoutes to a string.
import { branchAnswer, dependsOn, shownPath } from './explain.js';
import { count, escapeHtml, htmlPage, OUTCOME_LABELS, statusClass, type OutcomeClass } from './html.js';
import type { Dialect } from './model.js';
import type { Branch, TraceStep } from './outcome.js';
import { ROUTE_METHODS, type Cell, type Route, type ServerRoutes } from './routes.js';

export interface RoutesHtmlOptions {
  /** Paths are shown relative to this directory. */
  cwd: string;
  /** Whose words the page uses; nginx by default. */
  dialect?: Dialect;
  title?: string;
}

/** The class of one part of a cell's text: `405`, `404?`, `→ proxy`, `close`, `?`. */
function partClass(part: string): OutcomeClass {
  if (part.startsWith('\u2192')) return 'backend';
  if (part === 'close' || part === 'refused') return 'close';
  const status = Number(part.replace(/\?$/, ''));
  return part === '?' || Number.isNaN(status) ? 'unknown' : statusClass(status);
}

/**
 * The cell's classes: its answer's class when every part has the same one,
 * `o-mixed` when they differ; `uncertain` when verblint could not decide a step.
 */
export function cellClasses(cell: Cell): string[] {
  const classes = new Set(cell.text.split('|').map(partClass));
  const out = ['cell', classes.size === 1 ? `o-${[...classes][0]!}` : 'o-mixed'];
  if (cell.cannotTell) out.push('uncertain');
  return out;
}

/** The cell's text, each part in its own colour when the parts differ. */
function cellText(cell: Cell): string {
  const parts = cell.text.split('|');
  if (new Set(parts.map(partClass)).size === 1) return escapeHtml(cell.text);
  return parts.map((p) => `<span class="o-${partClass(p)}">${escapeHtml(p)}</span>`).join('<span class="sep">|</span>');
}

function branchClass(b: Branch): OutcomeClass {
  if (b.producer === 'upstream') return 'backend';
  if (b.status !== null) return statusClass(b.status);
  return b.producer === 'return' || b.producer === 'no-server' ? 'close' : 'unknown';
}

interface Where {
  cwd: string;
  server: Dialect;
}

function stepItem(s: TraceStep, w: Where): string {
  const at = s.file === '' ? `(${w.server})` : `${shownPath(s.file, w.cwd)}:${s.line}`;
  const directive = s.file === '' || s.directive === '' ? '' : ` <code class="directive">${escapeHtml(s.directive)}</code>`;
  return `<li><span class="at mono">${escapeHtml(at)}</span>${directive} <span class="note">${escapeHtml(s.note)}</span></li>`;
}

function branchSection(b: Branch, i: number, total: number, w: Where): string {
  const lines: string[] = ['<section class="branch">'];
  const answer = `<span class="answer o-${branchClass(b)}">${escapeHtml(branchAnswer(b))}</span>`;
  lines.push(total > 1 ? `<h3>Way ${i + 1} of ${total}: ${answer}</h3>` : `<h3>Answer: ${answer}</h3>`);
  lines.push(`<p class="assume">${b.assumptions.length > 0 ? `Assuming ${escapeHtml(b.assumptions.join(' and '))}` : 'Assuming nothing'}</p>`);
  if (b.allow !== null) lines.push(`<p class="header-line mono">Allow: ${escapeHtml(b.allow)}</p>`);
  if (b.location !== null) lines.push(`<p class="header-line mono">Location: ${escapeHtml(b.location)}</p>`);
  if (b.cannotTell) lines.push('<p class="uncertain-note">verblint could not decide every step of this way from the config</p>');
  lines.push('<ol class="steps">', ...b.trace.map((s) => stepItem(s, w)), '</ol>', '</section>');
  return lines.join('\n');
}

/** The trace panel's content for one cell, kept inert in a <template> until the cell is clicked. */
function traceTemplate(id: string, method: string, route: Route, server: ServerRoutes, cell: Cell, w: Where): string {
  const branches = cell.branches ?? [];
  const where = `${shownPath(route.file, w.cwd)}:${route.line}`;
  const lines: string[] = [`<template id="${id}">`];
  lines.push(`<h2 class="request"><code>${escapeHtml(`${method} ${route.uri ?? ''}`)}</code></h2>`);
  lines.push(`<p class="dim">Host ${escapeHtml(server.host ?? '')}, port ${server.port} &middot; <code>${escapeHtml(route.location)}</code> (${escapeHtml(where)})</p>`);
  const summary = branches.length > 1 ? `${count(branches.length, 'way')}: ${cell.text}, depending on ${dependsOn(branches)}` : cell.text;
  lines.push(`<p class="summary">Cell: <span class="${cellClasses(cell).slice(1).join(' ')}">${escapeHtml(summary)}</span></p>`);
  branches.forEach((b, i) => lines.push(branchSection(b, i, branches.length, w)));
  lines.push('</template>');
  return lines.join('\n');
}

function serverHeading(s: ServerRoutes, o: Required<Pick<RoutesHtmlOptions, 'cwd'>> & { apache: boolean }): string {
  const names = s.names.length > 0 ? s.names.join(' ') : '(no server_name)';
  const title = s.title ?? `server ${names}`;
  const listen = s.title === undefined ? ` <span class="dim">listen ${escapeHtml(s.listen.join(' '))}</span>` : '';
  const via = s.host === null ? (o.apache ? 'no request reaches it' : 'no Host reaches it') : `requests sent with Host ${s.host}, port ${s.port}`;
  return [
    `<h2>${escapeHtml(title)}${listen}</h2>`,
    `<p class="server-meta dim"><span class="mono">${escapeHtml(`${shownPath(s.file, o.cwd)}:${s.line}`)}</span> &middot; ${escapeHtml(via)}</p>`,
  ].join('\n');
}

const CSS = `
body.trace-open main, body.trace-open header, body.trace-open footer { margin-right: min(520px, 42vw); }
main { overflow-x: auto; }
.matrix { margin: 8px 0 4px; }
.matrix th, .matrix td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; white-space: nowrap; }
.matrix thead th { background: var(--bg-soft); font-weight: 600; font-size: 12px; }
.matrix th.route { font-weight: normal; padding-left: calc(8px + var(--depth, 0) * 20px); }
.matrix td.line, .matrix td.uri { color: var(--dim); }
.matrix td.note { color: var(--dim); font-style: italic; }
.matrix td.cell { padding: 0; text-align: center; min-width: 72px; }
.matrix td.cell button { display: block; width: 100%; padding: 4px 8px; border: 0; margin: 0; background: transparent; color: inherit;
  font: inherit; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; cursor: pointer; }
.matrix td.cell button:hover { text-decoration: underline; }
.matrix td.cell button:focus-visible { outline: 2px solid #0969da; outline-offset: -2px; }
.matrix td.cell.selected { outline: 3px solid #0969da; outline-offset: -3px; }
.o-mixed { background: #fff; }
.o-mixed .sep { color: var(--dim); }
.uncertain { box-shadow: inset 0 -3px 0 #d4a72c; }
#trace { position: fixed; top: 0; right: 0; bottom: 0; width: min(520px, 42vw); overflow: auto; background: #fff;
  border-left: 1px solid var(--line); box-shadow: -4px 0 12px rgba(0,0,0,.08); padding: 12px 16px; }
#trace[hidden] { display: none; }
#trace .close { float: right; border: 1px solid var(--line); background: var(--bg-soft); border-radius: 4px; cursor: pointer; font-size: 14px; }
#trace h2 { margin-top: 4px; }
#trace h3 { font-size: 14px; margin: 14px 0 2px; }
#trace .answer { padding: 0 6px; border-radius: 3px; }
#trace .assume { margin: 2px 0; color: var(--dim); }
#trace .header-line { margin: 2px 0; }
#trace ol.steps { margin: 4px 0; padding-left: 28px; }
#trace ol.steps li { margin: 2px 0; }
#trace .at { color: var(--dim); }
#trace .directive { color: #0550ae; }
.uncertain-note { color: var(--unknown); }
`;

// Shows the template of the clicked cell in the panel; Escape or × closes it.
const SCRIPT = `(function () {
  var panel = document.getElementById('trace');
  var content = document.getElementById('trace-content');
  var selected = null;
  function hide() {
    panel.hidden = true;
    document.body.classList.remove('trace-open');
    if (selected) selected.classList.remove('selected');
    selected = null;
  }
  function show(button) {
    var template = document.getElementById(button.getAttribute('data-trace'));
    if (!template) return;
    content.replaceChildren(template.content.cloneNode(true));
    panel.hidden = false;
    document.body.classList.add('trace-open');
    if (selected) selected.classList.remove('selected');
    selected = button.parentElement;
    selected.classList.add('selected');
  }
  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('td.cell button');
    if (button) show(button);
  });
  document.getElementById('trace-close').addEventListener('click', hide);
  document.addEventListener('keydown', function (event) { if (event.key === 'Escape') hide(); });
})();`;

/** The routes report as one HTML page: a matrix per server, and a trace for each cell. */
export function formatRoutesHtml(servers: readonly ServerRoutes[], options: RoutesHtmlOptions): string {
  const apache = options.dialect === 'apache';
  const w: Where = { cwd: options.cwd, server: options.dialect ?? 'nginx' };
  const title = options.title ?? 'verblint routes';
  const body: string[] = [
    '<header>',
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="dim">What ${apache ? 'Apache' : 'nginx'} answers to each method on each ${apache ? 'route' : 'location'}, as verblint simulates it. Click a cell for its trace.</p>`,
    `<ul class="legend">${OUTCOME_LABELS.map(([c, label]) => `<li class="o-${c}">${escapeHtml(label)}</li>`).join('')}</ul>`,
    '</header>',
    '<main>',
  ];
  servers.forEach((s, si) => {
    body.push(`<section class="server" id="server-${si}">`, serverHeading(s, { cwd: options.cwd, apache }));
    if (s.routes.length === 0) {
      body.push(`<p class="dim">${apache ? '(no routes)' : '(no locations)'}</p>`, '</section>');
      return;
    }
    const templates: string[] = [];
    body.push('<table class="matrix">', '<thead><tr>');
    body.push(`<th scope="col">${apache ? 'route' : 'location'}</th><th scope="col">line</th><th scope="col">uri</th>`);
    body.push(...ROUTE_METHODS.map((m) => `<th scope="col">${m}</th>`), '</tr></thead>', '<tbody>');
    s.routes.forEach((r, ri) => {
      const line = r.file === s.file ? String(r.line) : `${shownPath(r.file, options.cwd)}:${r.line}`;
      const row = [
        `<tr class="route" data-location="${escapeHtml(r.location)}">`,
        `<th scope="row" class="route mono" style="--depth: ${r.depth}">${escapeHtml(r.location)}</th>`,
        `<td class="line mono">${escapeHtml(line)}</td>`,
      ];
      if (r.uri === null) {
        row.push(`<td class="note" colspan="${ROUTE_METHODS.length + 1}">${escapeHtml(r.note ?? 'no sample URI')}</td>`);
      } else {
        row.push(`<td class="uri mono">${escapeHtml(r.uri)}</td>`);
        for (const m of ROUTE_METHODS) {
          const cell = r.cells[m];
          if (!cell) {
            row.push(`<td data-method="${m}"></td>`);
            continue;
          }
          const id = `t-${si}-${ri}-${m}`;
          const label = `${m} ${r.uri}: ${cell.text}`;
          row.push(
            `<td class="${cellClasses(cell).join(' ')}" data-method="${m}"><button type="button" data-trace="${id}" title="${escapeHtml(label)}">${cellText(cell)}</button></td>`,
          );
          templates.push(traceTemplate(id, m, r, s, cell, w));
        }
      }
      row.push('</tr>');
      body.push(row.join(''));
    });
    body.push('</tbody>', '</table>', ...templates, '</section>');
  });
  body.push(
    '</main>',
    '<footer>',
    `<p class="dim">${
      apache
        ? 'Cells: the status Apache sends; &ldquo;&rarr; proxy&rdquo; (or php, cgi): a backend or a program answers; &ldquo;a|b&rdquo;: either, depending on files or conditions; &ldquo;?&rdquo;: verblint cannot tell.'
        : 'Cells: the status nginx sends; &ldquo;&rarr; proxy&rdquo;: the backend answers; &ldquo;a|b&rdquo;: either, depending on files or conditions; &ldquo;close&rdquo;: return 444 closes the connection; &ldquo;?&rdquo;: verblint cannot tell.'
    }</p>`,
    '</footer>',
    '<aside id="trace" hidden aria-live="polite" aria-label="trace">',
    '<button type="button" class="close" id="trace-close" aria-label="close the trace">&times;</button>',
    '<div id="trace-content"></div>',
    '</aside>',
  );
  return htmlPage({ title, body: body.join('\n'), css: CSS, script: SCRIPT });
}
