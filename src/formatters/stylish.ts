// ESLint's `stylish` layout, so that problem matchers written for ESLint
// (setup-node's `eslint-stylish`) read verblint's default output:
//
//   etc/nginx/nginx.conf
//      9:5   error    message  rule-id
//     12:17  warning  message  rule-id
//   <blank line>
//   ✖ 2 problems (1 error, 1 warning)
//
// Columns are laid out as ESLint's text-table call does: cells joined by two
// spaces, the line number right-aligned, everything else left-aligned and
// padded to the widest cell of its file, trailing blanks trimmed; then the
// gap between line and column collapses into `line:col`. Unlike ESLint, no
// blank line comes before the first file.
import pc from 'picocolors';
import type { Finding } from '../finding.js';
import type { Formatter } from './types.js';
import { displayPath, oneLine } from './paths.js';

const GAP = '  ';

export const stylish: Formatter = (findings, ctx) => {
  if (findings.length === 0) return '';
  const c = pc.createColors(ctx.color);

  const byFile = new Map<string, Finding[]>();
  for (const f of findings) {
    const file = displayPath(f.file, ctx.cwd);
    const list = byFile.get(file);
    if (list) list.push(f);
    else byFile.set(file, [f]);
  }

  let output = '';
  for (const [file, list] of byFile) {
    const rows = list.map((f) => ({
      line: String(f.line),
      column: String(f.column),
      severity: f.severity,
      // Like ESLint, drop one trailing full stop; newlines would break the row.
      message: oneLine(f.message).replace(/([^ ])\.$/u, '$1'),
      ruleId: f.ruleId,
    }));
    const width = (key: keyof (typeof rows)[number]): number => rows.reduce((n, r) => Math.max(n, r[key].length), 0);
    const w = { line: width('line'), column: width('column'), severity: width('severity'), message: width('message') };

    output += `${c.underline(file)}\n`;
    for (const r of rows) {
      const severity = r.severity === 'error' ? c.red('error') : c.yellow('warning');
      const row =
        GAP +
        ' '.repeat(w.line - r.line.length) +
        c.dim(`${r.line}:${r.column}`) +
        ' '.repeat(w.column - r.column.length) +
        GAP +
        severity +
        ' '.repeat(w.severity - r.severity.length) +
        GAP +
        r.message +
        ' '.repeat(w.message - r.message.length) +
        GAP +
        c.dim(r.ruleId);
      output += `${row.trimEnd()}\n`;
    }
    output += '\n';
  }

  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  const summary =
    `\u2716 ${findings.length} ${plural('problem', findings.length)} ` +
    `(${errors} ${plural('error', errors)}, ${warnings} ${plural('warning', warnings)})`;
  output += `${(errors > 0 ? c.red : c.yellow)(c.bold(summary))}\n`;

  // ESLint resets the colour around the whole report.
  return c.reset(output);
};

function plural(word: string, count: number): string {
  return count === 1 ? word : `${word}s`;
}
