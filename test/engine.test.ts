// The engine on its own: severities, options, suppressions and the position
// check that turns a rule's bad report into a failing test.
import { describe, expect, it } from 'vitest';
import { lint } from '../src/engine.js';
import type { Host } from '../src/host.js';
import { directivesNamed } from '../src/model.js';
import { parseNginx } from '../src/parse.js';
import { defineRule, type Reportable } from '../src/rule.js';

function tree(text: string) {
  const host: Host = { readFile: () => text, check: () => 'ok', glob: () => [], listTree: () => [] };
  return parseNginx('a.conf', { comments: true, host });
}

const everyListen = defineRule({
  id: 'every-listen',
  description: 'Report every listen.',
  dialects: ['nginx'],
  severity: 'warning',
  options: { word: 'listen' },
  check(ctx) {
    for (const d of directivesNamed(ctx.tree.config[0]!.parsed, ctx.options.word)) ctx.report(d.argNodes[0]!, `${ctx.options.word} here`);
  },
});

const TEXT = 'server {\n    listen 80;\n    # verblint-disable-next-line every-listen\n    listen 81;\n    listen 82; # verblint-disable-line\n}\n';

describe('engine', () => {
  it('applies default severity, overrides and options', () => {
    const unit = [{ dialect: 'nginx' as const, tree: tree(TEXT) }];
    expect(lint(unit, { rules: [everyListen] }).map((f) => [f.line, f.column, f.endColumn, f.severity, f.message])).toEqual([
      [2, 12, 14, 'warning', 'listen here'],
    ]);
    expect(lint(unit, { rules: [everyListen], severity: { 'every-listen': 'error' } })[0]!.severity).toBe('error');
    expect(lint(unit, { rules: [everyListen], severity: { 'every-listen': 'off' } })).toEqual([]);
    expect(lint(unit, { rules: [everyListen], options: { 'every-listen': { word: 'no_such_directive' } } })).toEqual([]);
  });

  it('skips rules of another dialect', () => {
    const apacheOnly = { ...everyListen, dialects: ['apache'] as const };
    expect(lint([{ dialect: 'nginx', tree: tree(TEXT) }], { rules: [apacheOnly] })).toEqual([]);
  });

  it('reports unused suppressions only when asked', () => {
    const unit = [{ dialect: 'nginx' as const, tree: tree('# verblint-disable-file every-listen, other-rule\nserver { listen 80; }\n') }];
    expect(lint(unit, { rules: [everyListen] })).toEqual([]);
    expect(lint(unit, { rules: [everyListen], reportUnusedDisable: true }).map((f) => [f.ruleId, f.line, f.message])).toEqual([
      ['unused-disable', 1, 'verblint-disable-file for other-rule suppresses nothing'],
    ]);
  });

  it.each<[string, Reportable]>([
    ['line 0', { file: 'a.conf', line: 0, column: 1 }],
    ['a line past the end', { file: 'a.conf', line: 99, column: 1 }],
    ['column 0', { file: 'a.conf', line: 1, column: 0 }],
    ['an end before the start', { file: 'a.conf', line: 2, column: 5, endLine: 1, endColumn: 1 }],
    ['a file outside the tree', { file: 'b.conf', line: 1, column: 1 }],
  ])('throws when a rule reports %s', (_what, at) => {
    const bad = defineRule({ ...everyListen, options: {}, check: (ctx) => ctx.report(at, 'x') });
    expect(() => lint([{ dialect: 'nginx', tree: tree(TEXT) }], { rules: [bad] })).toThrow(/rule every-listen reported an impossible position/);
  });
});
