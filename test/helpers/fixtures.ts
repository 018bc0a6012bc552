// Rule fixtures: test/fixtures/<rule-id>/<case>.(nginx|apache).conf, with
// expectations as comments on the line above.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dialect } from '../../src/model.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const EXPECT = /^\s*#\s*expect:\s*(.*?)\s*$/;
export const OPTIONS = /^\s*#\s*options:\s*(\{.*\})\s*$/;

export function fixtureCases(id: string): Array<{ file: string; dialect: Dialect }> {
  return readdirSync(join(FIXTURES, id))
    .filter((f) => /\.(nginx|apache)\.conf$/.test(f))
    .sort()
    .map((f) => ({ file: join(FIXTURES, id, f), dialect: f.endsWith('.apache.conf') ? 'apache' : 'nginx' }));
}

/** "rule@line" or "rule@line:column", as the fixture's comments say. */
export function expectations(text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    const m = EXPECT.exec(line);
    if (!m) return;
    for (const item of m[1]!.split(/[\s,]+/).filter(Boolean)) {
      const [rule, column] = item.split(':');
      out.push(column === undefined ? `${rule}@${i + 2}` : `${rule}@${i + 2}:${column}`);
    }
  });
  return out.sort();
}

const RULES = fileURLToPath(new URL('../../rules/', import.meta.url));

/** The first ```nginx example under a heading of rules/<id>.md. */
export function docExample(id: string, heading: '## Bad' | '## Good'): string {
  const doc = readFileSync(join(RULES, `${id}.md`), 'utf8');
  const m = /```nginx\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf(`\n${heading}\n`)));
  if (!m) throw new Error(`rules/${id}.md has no nginx ${heading} example`);
  return m[1]!;
}

/** The first ```apache example under a heading of rules/<id>.md. */
export function apacheDocExample(id: string, heading: '## Bad' | '## Good'): string {
  const doc = readFileSync(join(RULES, `${id}.md`), 'utf8');
  const at = doc.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`rules/${id}.md has no ${heading} section`);
  const rest = doc.slice(at + heading.length + 2);
  const next = rest.search(/^## /m);
  const m = /```apache\n([\s\S]*?)```/.exec(next < 0 ? rest : rest.slice(0, next));
  if (!m) throw new Error(`rules/${id}.md has no apache ${heading} example`);
  return m[1]!;
}
