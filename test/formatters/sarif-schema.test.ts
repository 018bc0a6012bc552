// The sarif output against the OASIS SARIF 2.1.0 schema (fixtures/README.md
// says where the vendored copy comes from), plus what GitHub code scanning
// requires beyond the schema.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Log } from 'sarif';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/finding.js';
import { sarif } from '../../src/formatters/sarif.js';
import { CONTEXT, FINDINGS } from './sample.js';

// ajv-formats is CommonJS: the plugin is module.exports and, typed, its `default`.
const addFormats = addFormatsModule.default;

const schema = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'sarif-schema-2.1.0.json'), 'utf8')) as object;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);

function check(findings: readonly Finding[], ctx = CONTEXT): Log {
  const text = sarif(findings, ctx);
  const log = JSON.parse(text) as unknown;
  const ok = validate(log);
  expect(ok ? [] : validate.errors).toEqual([]);
  return log as Log;
}

describe('sarif', () => {
  it('the schema rejects what it should', () => {
    expect(validate({ version: '2.1.0' })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'info' }] }] })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x', informationUri: 'not a uri' } } }] })).toBe(false);
  });

  it('is valid for the sample, for no findings and without a docs URL', () => {
    check(FINDINGS);
    check([]);
    check(FINDINGS, { ...CONTEXT, docsUrl: '' });
  });

  it('is valid with identical findings, related locations that repeat, and odd file names', () => {
    const base = FINDINGS[2]!;
    const odd: Finding = { ...base, file: 'sites available/a#b?.conf', related: [base.related![0]!, base.related![0]!] };
    const log = check([base, base, odd]);
    const results = log.runs[0]!.results!;
    expect(results.map((r) => r.partialFingerprints?.primaryLocationLineHash?.split(':')[1])).toEqual(['1', '2', '1']);
    expect(results[2]!.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe('sites%20available/a%23b%3F.conf');
  });

  it('has what GitHub code scanning requires', () => {
    const log = check(FINDINGS);
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0]!;
    const rules = run.tool.driver.rules!;
    expect(rules.map((r) => r.id)).toEqual(CONTEXT.rules.map((r) => r.id));
    for (const r of rules) {
      expect(r.shortDescription?.text).toBeTruthy();
      expect(r.fullDescription?.text).toBeTruthy();
      expect(r.help?.text).toBeTruthy();
      expect(r.helpUri).toBe(`${CONTEXT.docsUrl}${r.id}.md`);
    }
    expect(run.results).toHaveLength(FINDINGS.length);
    run.results!.forEach((result, i) => {
      const f = FINDINGS[i]!;
      expect(rules[result.ruleIndex!]!.id).toBe(f.ruleId);
      expect(result.ruleId).toBe(f.ruleId);
      expect(result.level).toBe(f.severity);
      expect(result.message.text).toBe(f.message);
      expect(result.locations).toHaveLength(1);
      const loc = result.locations![0]!.physicalLocation!;
      expect(loc.artifactLocation).toEqual({ uri: f.file, uriBaseId: '%SRCROOT%' });
      expect(loc.region).toEqual({ startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn });
      expect(result.partialFingerprints?.primaryLocationLineHash).toMatch(/^[0-9a-f]{16}:1$/);
    });
    expect(run.originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: 'file:///repo/' } });
  });

  it('describes rule ids that are not in the rule list', () => {
    const f: Finding = { ...FINDINGS[1]!, ruleId: 'unused-disable', severity: 'warning' };
    const log = check([f]);
    const run = log.runs[0]!;
    const rules = run.tool.driver.rules!;
    expect(rules).toHaveLength(CONTEXT.rules.length + 1);
    expect(rules[run.results![0]!.ruleIndex!]!.id).toBe('unused-disable');
  });

  it('leaves out URLs when the docs URL is not absolute', () => {
    const log = check(FINDINGS, { ...CONTEXT, docsUrl: 'rules/' });
    expect(log.runs[0]!.tool.driver.informationUri).toBeUndefined();
    expect(log.runs[0]!.tool.driver.rules!.every((r) => r.helpUri === undefined)).toBe(true);
  });
});
