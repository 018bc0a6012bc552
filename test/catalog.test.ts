// Every rule is complete: listed in rules/index.ts in order, in a file named
// after its id, documented in rules/<id>.md with the fixed outline, with
// fixtures that expect at least one finding and keep at least one clean line,
// with doc examples that behave as they say, and in the README's table.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withRulesTable } from '../src/docs.js';
import type { Dialect } from '../src/model.js';
import type { AnyRule } from '../src/rule.js';
import { rules } from '../rules/index.js';
import { lintText } from './helpers/lint.js';
import { expectations, fixtureCases } from './helpers/fixtures.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const HEADINGS = ['## Why', '## Bad', '## Good', '## Options', '## References'];

function section(doc: string, heading: string): string {
  const start = doc.indexOf(`\n${heading}\n`);
  if (start < 0) return '';
  const rest = doc.slice(start + heading.length + 2);
  const next = rest.search(/^## /m);
  return next < 0 ? rest : rest.slice(0, next);
}

function examples(text: string): Array<{ dialect: Dialect; code: string }> {
  return [...text.matchAll(/```(nginx|apache)\n([\s\S]*?)```/g)].map((m) => ({ dialect: m[1] as Dialect, code: m[2]! }));
}

describe('rule catalog', () => {
  it('lists every rule file in rules/index.ts, in alphabetical order', () => {
    const files = readdirSync(`${ROOT}rules`)
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    const ids = rules.map((r) => r.id);
    expect(ids, 'add the rule to rules/index.ts, alphabetically').toEqual(files);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives the README a current rule table (run npm run docs)', () => {
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    expect(readme).toBe(withRulesTable(readme, rules));
  });

  describe.each(rules.map((r) => [r.id, r] as const))('%s', (id: string, rule: AnyRule) => {
    it('has a kebab-case id, one sentence of description, dialects and a severity', () => {
      expect(id).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
      expect(rule.description).toMatch(/^[A-Z][^.]*\.$/);
      expect(rule.dialects.length).toBeGreaterThan(0);
      expect(['error', 'warning']).toContain(rule.severity);
    });

    it(`has rules/${id}.md with the outline`, () => {
      const path = `${ROOT}rules/${id}.md`;
      expect(existsSync(path), `write ${path}`).toBe(true);
      const doc = readFileSync(path, 'utf8');
      const lines = doc.split('\n');
      expect(lines[0], 'the title is the rule id').toBe(`# ${id}`);
      expect(lines[2], 'the description, word for word').toBe(rule.description);
      const found = lines.filter((l) => l.startsWith('## '));
      expect(found, `headings in ${path}`).toEqual(HEADINGS);
      expect(section(doc, '## References')).toMatch(/https:\/\/(nginx\.org|httpd\.apache\.org)\//);
    });

    it('has Bad examples that raise it and Good examples that raise nothing', () => {
      const doc = readFileSync(`${ROOT}rules/${id}.md`, 'utf8');
      const bad = examples(section(doc, '## Bad'));
      const good = examples(section(doc, '## Good'));
      expect(bad.length, 'a Bad example in a ```nginx or ```apache block').toBeGreaterThan(0);
      expect(good.length, 'a Good example in a ```nginx or ```apache block').toBeGreaterThan(0);
      for (const { dialect, code } of bad) {
        expect(lintText(code, dialect, [rule]).map((f) => f.ruleId), code).toContain(id);
      }
      for (const { dialect, code } of good) {
        expect(lintText(code, dialect, [rule]), code).toEqual([]);
      }
    });

    it(`has fixtures in test/fixtures/${id}/ with an expected finding and a clean line`, () => {
      const cases = fixtureCases(id);
      expect(cases.length, `add test/fixtures/${id}/<case>.nginx.conf`).toBeGreaterThan(0);
      const texts = cases.map((c) => readFileSync(c.file, 'utf8'));
      expect(texts.flatMap(expectations).length, 'mark an expected finding with "# expect: <id>" above its line').toBeGreaterThan(0);
      const clean = texts.some((t) => {
        const lines = t.split('\n');
        return lines.some((l, i) => l.trim() !== '' && !l.trim().startsWith('#') && !/#\s*expect:/.test(lines[i - 1] ?? ''));
      });
      expect(clean, 'keep a line that must not be reported').toBe(true);
    });
  });
});
