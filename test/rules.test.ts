// Every rule against its fixtures: each `# expect: rule-id[:column]` comment
// names a finding on the next line of the same file (the fixture or a file it
// includes), and every finding must be expected. A first-line
// `# options: {...}` comment sets the rule's options.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rules } from '../rules/index.js';
import { expectations, FIXTURES, fixtureCases, OPTIONS } from './helpers/fixtures.js';
import { lintFile, parseFor } from './helpers/lint.js';

describe.each(rules.map((r) => [r.id, r] as const))('%s', (id, rule) => {
  it.each(fixtureCases(id).map((c) => [c.file.slice(FIXTURES.length), c] as const))('%s', (_name, { file, dialect }) => {
    const text = readFileSync(file, 'utf8');
    const options = OPTIONS.exec(text.split('\n')[0]!);
    const tree = parseFor(dialect, file);
    // Expectations live in the file where the finding is: the fixture or a file it includes.
    const want = tree.config
      .filter((c) => c.errors.every((e) => e.kind !== 'read'))
      .flatMap((c) => expectations(readFileSync(c.path, 'utf8')).map((e) => `${relative(FIXTURES, c.path)} ${e}`))
      .sort();
    const withColumn = new Set(want.filter((w) => w.includes(':')).map((w) => w.split(':')[0]));
    const got = lintFile(file, dialect, [rule], options ? { [id]: JSON.parse(options[1]!) as object } : undefined)
      .map((f) => {
        const at = `${relative(FIXTURES, f.file)} ${f.ruleId}@${f.line}`;
        return withColumn.has(at) ? `${at}:${f.column}` : at;
      })
      .sort();
    expect(got).toEqual(want);
  });
});
