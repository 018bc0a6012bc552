// Every format on the same findings, compared line by line with the files in
// fixtures/. After an intended change: UPDATE_GOLDEN=1 npx vitest run test/formatters
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALIASES, FORMATS, formatterFor } from '../../src/formatters/index.js';
import type { Formatter } from '../../src/formatters/types.js';
import { CONTEXT, FINDINGS } from './sample.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const MACHINE = FORMATS.filter((f) => f !== 'stylish');

function formatter(name: string): Formatter {
  const f = formatterFor(name);
  if (!f) throw new Error(`no formatter ${name}`);
  return f;
}

function expectGolden(actual: string, name: string): void {
  const file = join(FIXTURES, `expected.${name}.txt`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
  expect(actual.split('\n')).toEqual(readFileSync(file, 'utf8').split('\n'));
}

describe('golden output', () => {
  it.each(FORMATS)('%s', (name) => {
    expectGolden(formatter(name)(FINDINGS, CONTEXT), name);
  });

  it('stylish with colour', () => {
    expectGolden(formatter('stylish')(FINDINGS, { ...CONTEXT, color: true }), 'stylish-color');
  });
});

describe('colour', () => {
  it('stylish has no ANSI without colour', () => {
    expect(formatter('stylish')(FINDINGS, CONTEXT)).not.toContain('\u001b');
  });

  it.each(MACHINE)('%s never has ANSI, even when colour is asked for', (name) => {
    expect(formatter(name)(FINDINGS, { ...CONTEXT, color: true })).not.toContain('\u001b');
    expect(formatter(name)([], { ...CONTEXT, color: true })).not.toContain('\u001b');
  });
});

describe('no findings', () => {
  it.each([
    ['stylish', ''],
    ['compact', ''],
    ['json', '[]\n'],
    ['gitlab', '[]\n'],
    ['github', ''],
  ])('%s prints %j', (name, want) => {
    expect(formatter(name)([], CONTEXT)).toBe(want);
    expect(formatter(name)([], { ...CONTEXT, color: true })).toBe(want);
  });

  it('sarif is a log with an empty result list and every rule', () => {
    const log = JSON.parse(formatter('sarif')([], CONTEXT)) as {
      version: string;
      runs: Array<{ results: unknown[]; tool: { driver: { rules: Array<{ id: string }> } } }>;
    };
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    expect(log.runs[0]!.results).toEqual([]);
    expect(log.runs[0]!.tool.driver.rules.map((r) => r.id)).toEqual(CONTEXT.rules.map((r) => r.id));
  });
});

describe('formatterFor', () => {
  it('knows every format and alias', () => {
    for (const name of FORMATS) expect(formatterFor(name)).toBeTypeOf('function');
    for (const [alias, name] of Object.entries(ALIASES)) expect(formatterFor(alias)).toBe(formatterFor(name));
    expect(Object.keys(ALIASES).sort()).toEqual(['gcc', 'unix']);
  });

  it('knows nothing else', () => {
    for (const name of ['xml', '', 'Stylish', 'toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect(formatterFor(name)).toBeUndefined();
    }
  });
});

describe('json', () => {
  it('keeps the key order and adds related only when present', () => {
    const parsed = JSON.parse(formatter('json')(FINDINGS, CONTEXT)) as Array<Record<string, unknown>>;
    expect(parsed.map((f) => Object.keys(f))).toEqual(
      FINDINGS.map((f) => [
        'ruleId', 'severity', 'message', 'file', 'line', 'column', 'endLine', 'endColumn',
        ...(f.related ? ['related'] : []),
      ]),
    );
    expect(parsed).toEqual(FINDINGS);
  });
});

describe('compact', () => {
  it('keeps one finding on one line', () => {
    const out = formatter('compact')(FINDINGS, CONTEXT);
    expect(out.split('\n')).toHaveLength(FINDINGS.length + 1);
    for (const line of out.trimEnd().split('\n')) expect(line).toMatch(/^[^:\s]+:\d+:\d+: (error|warning): .* \[[a-z0-9-]+\]$/);
  });

  it('shows paths relative to cwd with forward slashes', () => {
    const f = { ...FINDINGS[1]!, file: '/repo/conf\\site.conf' };
    expect(formatter('compact')([f], CONTEXT)).toMatch(/^conf\/site\.conf:12:1: /);
  });
});
