// verblint's Apache reader against Apache's own verdicts on the syntax cases
// of test/fixtures/apache-syntax/cases.ts (recorded from apache2 -t, and
// re-checked on the real server by test/real/apache-syntax.test.ts).
//   - Apache accepts the snippet: verblint reports no error.
//   - Apache refuses its structure (sections, includes, a BOM): verblint reports
//     an error at the same file and line, in Apache's words.
//   - Apache refuses one directive (unknown name, wrong arguments): verblint's
//     reader accepts the text, and the directive Apache names is in the tree at
//     the line Apache names. This is what proves continuation, comments and
//     ${VAR} are read as Apache reads them.
// The rules that report these errors (rules/syntax-error.js and
// rules/include-missing.js) must report exactly them: this is their claim,
// as test/real/apache-syntax.test.ts holds the verdicts to the real apache2.
// verblint reads both branches of <IfModule> and the like; where that makes
// its verdict differ from Apache's for one particular set of loaded modules,
// the case is listed in DEVIATIONS with the reason.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseApache } from '../src/apache-parse.js';
import { lint } from '../src/engine.js';
import { directives } from '../src/model.js';
import includeMissing from '../rules/include-missing.js';
import syntaxError from '../rules/syntax-error.js';
import { syntaxCases } from './fixtures/apache-syntax/cases.js';

const STRUCTURAL = /was not closed|^Expected <\/|without matching|missing closing '>'|before end of configuration|Could not open|No matches for the wildcard|\\xef\\xbb\\xbf/;

/** Where verblint reports on purpose what a given Apache would not, and why. */
const DEVIATIONS: Record<string, { reason: string; line: number; message: RegExp }> = {
  'a taken <IfModule> left open at EOF is accepted': {
    reason: 'Apache accepts this only while mod_rewrite is loaded; without it, the same file fails',
    line: 2,
    message: /^<IfModule> was not closed: Apache fails with "Expected <\/IfModule> before end of configuration" when its condition is false$/,
  },
  '</VirtualHost> </IfModule> on one line, module loaded (certbot #1693)': {
    reason: 'as above: the </IfModule> is dropped, and the file is valid only while the module is loaded',
    line: 1,
    message: /^<IfModule> was not closed: .*the <\/IfModule> after the closing tag on line 4 is ignored/,
  },
  'a skipped branch must still nest its sections': {
    reason: 'Apache names the <IfModule> line when the branch is skipped and the </IfModule> line when it is read; verblint names the line to change',
    line: 3,
    message: /^Expected <\/Directory> but saw <\/IfModule>$/,
  },
  '</VirtualHost> </IfModule> on one line inside a taken <IfDefine>, module not loaded': {
    reason: 'the same mismatch, named where it is rather than at the skipped <IfModule>',
    line: 6,
    message: /^Expected <\/IfModule> but saw <\/IfDefine>$/,
  },
  '</VirtualHost> </IfModule> on one line inside a taken <IfDefine>, module loaded': {
    reason: 'the same line; verblint says which section is still open instead of which close is unmatched',
    line: 6,
    message: /^Expected <\/IfModule> but saw <\/IfDefine>$/,
  },
};

describe('the Apache reader agrees with apache2 -t', () => {
  const root = mkdtempSync(join(tmpdir(), 'verblint-apache-syntax-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('has a deviation entry only for cases that exist', () => {
    const names = new Set(syntaxCases.map((c) => c.name));
    expect(Object.keys(DEVIATIONS).filter((n) => !names.has(n))).toEqual([]);
  });

  it.each(syntaxCases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const dir = join(root, String(i));
    for (const [name, text] of Object.entries({ ...c.files, 'main.conf': c.main })) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const result = parseApache(join(dir, 'main.conf'), { serverRoot: dir });
    const errors = result.errors.map((e) => ({ file: e.file.slice(dir.length + 1), line: e.line, message: e.message.replaceAll(dir, '$DIR') }));
    const findings = lint([{ dialect: 'apache', tree: result }], { rules: [syntaxError, includeMissing] }).map(
      (f) => `${f.file.slice(dir.length + 1)}:${f.line} ${f.ruleId}`,
    );
    const ruleFor = (message: string): string => (/Could not open|No matches for the wildcard/.test(message) ? 'include-missing' : 'syntax-error');
    const deviation = DEVIATIONS[c.name];
    if (deviation) {
      expect(errors).toHaveLength(1);
      expect(errors[0]!.line).toBe(deviation.line);
      expect(errors[0]!.message).toMatch(deviation.message);
      expect(findings).toEqual([`main.conf:${deviation.line} syntax-error`]);
      return;
    }
    const apache = c.apache;
    if (apache.ok) {
      expect(errors).toEqual([]);
      expect(findings).toEqual([]);
      return;
    }
    if (STRUCTURAL.test(apache.message)) {
      expect(errors).toHaveLength(1);
      expect([errors[0]!.file, errors[0]!.line]).toEqual([apache.file, apache.line]);
      expect(findings).toEqual([`${apache.file}:${apache.line} ${ruleFor(apache.message)}`]);
      if (apache.message.includes('\\xef\\xbb\\xbf')) expect(errors[0]!.message).toMatch(/byte order mark/);
      else expect(errors[0]!.message).toContain(apache.message);
      return;
    }
    // One directive is wrong: the reader keeps it, at the line Apache names.
    expect(errors).toEqual([]);
    expect(findings).toEqual([]);
    const file = result.config.find((f) => f.file === join(dir, apache.file));
    expect(file, `${apache.file} was read`).toBeDefined();
    const at = [...directives(file!.parsed)].filter((d) => d.reportLine === apache.line);
    expect(at.length, `a directive reported at line ${apache.line}`).toBe(1);
    const invalid = /^Invalid command '([^']*)'/.exec(apache.message);
    if (invalid) expect(at[0]!.directive).toBe(invalid[1]);
  });
});
