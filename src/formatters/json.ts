// The findings themselves, with a fixed key order.
import type { Finding, RelatedLocation } from '../finding.js';
import type { Formatter } from './types.js';

interface JsonFinding {
  ruleId: string;
  severity: Finding['severity'];
  message: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  related?: RelatedLocation[];
}

export const json: Formatter = (findings) => {
  const out = findings.map((f): JsonFinding => {
    const o: JsonFinding = {
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
