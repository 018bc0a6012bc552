import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/finding.js';
import { stylish } from '../../src/formatters/stylish.js';
import { CONTEXT, FINDINGS } from './sample.js';

// actions/setup-node's .github/eslint-stylish.json, the matcher this format is for.
const FILE = /^\s*([^\s].*)$/;
const ROW = /^\s+(\d+):(\d+)\s+(error|warning|info)\s+(.*)\s\s+(.*)$/;

function finding(extra: Partial<Finding>): Finding {
  return { ruleId: 'r', severity: 'error', message: 'm', file: 'a.conf', line: 1, column: 1, endLine: 1, endColumn: 2, ...extra };
}

describe('stylish', () => {
  it('is read back by the eslint-stylish problem matcher', () => {
    const lines = stylish(FINDINGS, CONTEXT).split('\n');
    const got: Array<Record<string, string | undefined>> = [];
    let file: string | undefined;
    for (const line of lines) {
      const row = ROW.exec(line);
      if (row) {
        got.push({ file, line: row[1], column: row[2], severity: row[3], message: row[4]?.trimEnd(), code: row[5] });
      } else if (FILE.test(line) && !line.startsWith('\u2716')) {
        file = FILE.exec(line)?.[1];
      }
    }
    expect(got).toEqual(
      FINDINGS.map((f) => ({
        file: f.file,
        line: String(f.line),
        column: String(f.column),
        severity: f.severity,
        message: f.message.replace('\n', ' '),
        code: f.ruleId,
      })),
    );
  });

  it('aligns the columns within a file', () => {
    const out = stylish(
      [
        finding({ line: 9, column: 5, severity: 'warning', message: 'short', ruleId: 'rule-a' }),
        finding({ line: 120, column: 17, message: 'a longer message', ruleId: 'rule-b' }),
      ],
      CONTEXT,
    );
    expect(out).toBe(
      [
        'a.conf',
        '    9:5   warning  short             rule-a',
        '  120:17  error    a longer message  rule-b',
        '',
        '\u2716 2 problems (1 error, 1 warning)',
        '',
      ].join('\n'),
    );
  });

  it('uses the singular for one', () => {
    expect(stylish([finding({ message: 'one.' })], CONTEXT)).toBe('a.conf\n  1:1  error  one  r\n\n\u2716 1 problem (1 error, 0 warnings)\n');
  });

  it('colours the summary yellow when there are only warnings', () => {
    const out = stylish([finding({ severity: 'warning' })], { ...CONTEXT, color: true });
    expect(out).toContain('\u001b[33m\u001b[1m\u2716 1 problem (0 errors, 1 warning)\u001b[22m\u001b[39m');
  });
});

describe('stylish at scale', () => {
  it('lays out 200,000 findings in one file', () => {
    const many = Array.from({ length: 200_000 }, (_, i) => finding({ line: i + 1 }));
    const out = stylish(many, CONTEXT);
    // The header, the rows, a blank line, the summary, and the empty string after the last newline.
    expect(out.split('\n')).toHaveLength(1 + 200_000 + 1 + 1 + 1);
    expect(out.split('\n')[1]).toBe('       1:1  error  m  r');
  });
});
