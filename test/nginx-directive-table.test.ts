// The directive table that `npm run build` writes (dist/nginx-directives.json,
// by src/build-dist.ts) and src/nginx-directives.ts loads: it must be what
// src/build-directives.ts works out from the installed @nginx/reference-lib
// now, so a lib upgraded without a build, or a table edited by hand, fails here.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type Directive as LibDirective, getDirectives } from '@nginx/reference-lib';
import { describe, expect, it } from 'vitest';
import { type DirectiveTable, directiveTable, type TableSpec } from '../src/build-directives.js';
import { CONTEXTS, type DirectiveSpec, specsOf } from '../src/nginx-directives.js';

const FILE = createRequire(import.meta.url).resolve('#nginx-directives');
const fresh = (): DirectiveTable => directiveTable(getDirectives());

/** What differs between two tables: contexts, then each name whose entries differ, in order. */
function differences(a: DirectiveTable, b: DirectiveTable): string[] {
  const out: string[] = [];
  if (JSON.stringify(a.contexts) !== JSON.stringify(b.contexts)) out.push('contexts');
  const byName = (t: DirectiveTable) => {
    const m = new Map<string, TableSpec[]>();
    for (const s of t.specs) m.set(s.name, [...(m.get(s.name) ?? []), s]);
    return m;
  };
  const [x, y] = [byName(a), byName(b)];
  for (const name of new Set([...x.keys(), ...y.keys()])) {
    if (JSON.stringify(x.get(name)) !== JSON.stringify(y.get(name))) out.push(name);
  }
  return out;
}

/** A spec as specsOf() gives it, written as the table writes it (sets as arrays, in their order). */
function asWritten(s: DirectiveSpec): TableSpec {
  return { ...s, contexts: s.contexts && [...s.contexts], counts: s.counts && [...s.counts] };
}

describe('the directive table', () => {
  it('is a file of the build, found through package.json "imports"', () => {
    expect(FILE).toBe(fileURLToPath(new URL('../dist/nginx-directives.json', import.meta.url)));
  });

  it('as the build wrote it, is the lib worked out afresh', () => {
    const written = JSON.parse(readFileSync(FILE, 'utf8')) as DirectiveTable;
    const now = fresh();
    expect(written.specs.length).toBe(getDirectives().length);
    expect(differences(written, now)).toEqual([]);
    // Byte for byte: nothing in the file that the comparison above could miss.
    expect(readFileSync(FILE, 'utf8')).toBe(`${JSON.stringify(now)}\n`);
  });

  it('as loaded, gives every name of the lib its entries, and CONTEXTS in order', () => {
    const now = fresh();
    expect([...CONTEXTS]).toEqual(now.contexts);
    const loaded: DirectiveTable = { contexts: [...CONTEXTS], specs: [...new Set(now.specs.map((s) => s.name))].flatMap((n) => specsOf(n).map(asWritten)) };
    expect(differences(loaded, now)).toEqual([]);
    expect(loaded.specs).toEqual(now.specs);
    // Sets, as the rules use them.
    expect(specsOf('proxy_pass')[0]!.contexts).toBeInstanceOf(Set);
    expect([...specsOf('stub_status')[0]!.counts!]).toEqual([0, 1]);
    // Names the lib does not have, prototype names among them.
    for (const name of ['more_set_headers', 'constructor', '__proto__', 'toString', '']) expect(specsOf(name), name).toEqual([]);
  });

  it('tells a lib that changed from the one the table was built from', () => {
    const lib = getDirectives();
    const changed: LibDirective[] = lib.map((d) => {
      // One context less, and a syntax line that takes another argument.
      if (d.name === 'proxy_pass' && d.module === 'ngx_http_proxy_module') return { ...d, contexts: d.contexts.filter((c) => c !== 'if in location') };
      if (d.name === 'root') return { ...d, syntax: [`${d.syntax[0]!} <em><code>more</code></em>`] };
      return d;
    });
    changed.push({ ...lib.find((d) => d.name === 'root')!, name: 'a_new_directive', contexts: ['server'] });
    expect(differences(directiveTable(changed), fresh()).sort()).toEqual(['a_new_directive', 'proxy_pass', 'root']);
    // A context that only the new directive names changes CONTEXTS too.
    changed.at(-1)!.contexts = ['nowhere'];
    expect(differences(directiveTable(changed), fresh()).sort()).toEqual(['a_new_directive', 'contexts', 'proxy_pass', 'root']);
  });
});
