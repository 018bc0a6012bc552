// The findings themselves, with a fixed key order.
import type { Finding } from '../finding.js';
import type { Formatter } from './types.js';

export const json: Formatter = (findings) => {
  const out = findings.map((f): Finding => {
    // Built key by key so that the order is fixed, whatever order f has.
    const o: Finding = {
      ruleId: f.ruleId,
      severity: f.severity,
      message: f.message,
      file: f.file,
      line: f.line,
      column: f.column,
      endLine: f.endLine,
      endColumn: f.endColumn,
    };
    if (f.related !== undefined) {
      o.related = f.related.map((r) => ({ file: r.file, line: r.line, column: r.column, message: r.message }));
    }
    return o;
  });
  return `${JSON.stringify(out, null, 2)}\n`;
};
