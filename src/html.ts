// What the two HTML reports (the routes matrix and the findings report)
// share: escaping, the page shell and the base stylesheet. Pure functions:
// the CLI writes what they return.
//
// A report is one file that must open from file:// with no network, and its
// text comes from configs, which can hold `</script>` or `<img onerror>`.
// So every config string goes through escapeHtml, and the page's
// Content-Security-Policy allows no fetch at all and only the one inline
// script whose hash it names: markup that slipped through could not run.
import { createHash } from 'node:crypto';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** The answer classes the reports colour by; see the legend. */
export type OutcomeClass = 'backend' | '2xx' | '3xx' | 'auth' | '404' | '405' | '4xx' | '5xx' | 'close' | 'unknown';

export const OUTCOME_LABELS: ReadonlyArray<[OutcomeClass, string]> = [
  ['backend', 'backend reached'],
  ['2xx', '2xx (static)'],
  ['3xx', '3xx redirect'],
  ['auth', '401/403'],
  ['404', '404'],
  ['405', '405'],
  ['4xx', 'other 4xx'],
  ['5xx', '5xx'],
  ['close', 'connection closed'],
  ['unknown', 'cannot tell'],
];

/** The class of one status the server itself sends. */
export function statusClass(status: number): OutcomeClass {
  if (status === 405) return '405';
  if (status === 404) return '404';
  if (status === 401 || status === 403) return 'auth';
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return '2xx';
}

const BASE_CSS = `
:root { color-scheme: light; --fg: #1f2328; --dim: #656d76; --line: #d0d7de; --bg-soft: #f6f8fa;
  --backend: #1a7f37; --backend-bg: #dafbe1; --ok: #116329; --ok-bg: #eef9f0; --redirect: #7d4e00; --redirect-bg: #fff8c5;
  --auth: #8250df; --auth-bg: #fbefff; --notfound: #57606a; --notfound-bg: #eaeef2; --m405: #cf222e; --m405-bg: #ffebe9;
  --c4xx: #bc4c00; --c4xx-bg: #fff1e5; --c5xx: #ffffff; --c5xx-bg: #a40e26; --close: #ffffff; --close-bg: #424a53;
  --unknown: #6e5900; --unknown-bg: repeating-linear-gradient(45deg, #fff8c5 0 6px, #ffffff 6px 12px);
  --error: #cf222e; --warning: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #fff; }
header, main, footer { padding: 0 24px; }
header { border-bottom: 1px solid var(--line); background: var(--bg-soft); padding-top: 12px; padding-bottom: 12px; }
h1 { font-size: 20px; margin: 0 0 6px; }
h2 { font-size: 16px; margin: 24px 0 4px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.dim { color: var(--dim); }
table { border-collapse: collapse; }
.legend { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0 0; padding: 0; list-style: none; }
.legend li { padding: 1px 8px; border-radius: 4px; font-size: 12px; }
.o-backend { color: var(--backend); background: var(--backend-bg); }
.o-2xx { color: var(--ok); background: var(--ok-bg); }
.o-3xx { color: var(--redirect); background: var(--redirect-bg); }
.o-auth { color: var(--auth); background: var(--auth-bg); }
.o-404 { color: var(--notfound); background: var(--notfound-bg); }
.o-405 { color: var(--m405); background: var(--m405-bg); font-weight: 600; }
.o-4xx { color: var(--c4xx); background: var(--c4xx-bg); }
.o-5xx { color: var(--c5xx); background: var(--c5xx-bg); }
.o-close { color: var(--close); background: var(--close-bg); }
.o-unknown { color: var(--unknown); background: var(--unknown-bg); }
.sev-error { color: var(--error); }
.sev-warning { color: var(--warning); }
`;

export interface Page {
  title: string;
  /** Already escaped markup. */
  body: string;
  /** The report's own rules, after the shared ones. */
  css?: string;
  /** The one inline script, if any; it must not contain `</script`. */
  script?: string;
}

/** A whole HTML document around `body`: no external resource, a CSP that pins the inline script by hash. */
export function htmlPage(page: Page): string {
  const script = page.script ?? '';
  if (/<\/script/i.test(script)) throw new Error('an inline script cannot contain </script');
  const scriptSrc = script === '' ? "'none'" : `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src ${scriptSrc}; base-uri 'none'; form-action 'none'`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // Our own constant: single quotes and base64, nothing to escape.
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(page.title)}</title>`,
    `<style>${BASE_CSS}${page.css ?? ''}</style>`,
    '</head>',
    '<body>',
    page.body,
    ...(script !== '' ? [`<script>${script}</script>`] : []),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** `1 problem`, `2 problems`. */
export function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
