// normalizePath and interpolate have fast paths for the common case (a plain
// path, a text without variables). Checked here against the general path,
// with a fixed seed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpolate, normalizePath } from '../src/nginx-vars.js';

const SEED = 20261122;
const RUNS = 3000;

/** Path text with the characters that matter to normalisation, often. */
const pathText = fc
  .array(fc.constantFrom('/', '/', '.', '..', '%', '%2F', '%2e', '%00', 'a', 'b', 'Z', '~', '-', '?', '#', ' ', 'é'), { maxLength: 12 })
  .map((parts) => parts.join(''));

/** A letter written as %XX: the same path to nginx, and never one the fast path takes. */
function encodeALetter(path: string): string | undefined {
  for (let i = 0; i < path.length; i++) {
    // Not a hex digit of an escape already there.
    if (path[i] === '%') i += 2;
    else if (/[a-zA-Z]/.test(path[i]!)) return `${path.slice(0, i)}%${path.charCodeAt(i).toString(16)}${path.slice(i + 1)}`;
  }
  return undefined;
}

describe('normalizePath', () => {
  it('gives a path the same answer when one of its letters is percent-encoded', () => {
    fc.assert(
      fc.property(pathText, fc.boolean(), (tail, merge) => {
        const path = `/${tail}`;
        const encoded = encodeALetter(path);
        if (encoded === undefined) return;
        expect(normalizePath(path, merge)).toBe(normalizePath(encoded, merge));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('answers some known cases (fast and general paths)', () => {
    expect(normalizePath('/a/b/')).toBe('/a/b/');
    expect(normalizePath('/a//b')).toBe('/a/b');
    expect(normalizePath('/a//b', false)).toBe('/a//b');
    expect(normalizePath('/a/./b/../c')).toBe('/a/c');
    expect(normalizePath('/%61')).toBe('/a');
    expect(normalizePath('/..')).toBeNull();
    expect(normalizePath('/%zz')).toBeNull();
    expect(normalizePath('/%00')).toBeNull();
  });
});

// The rule interpolate follows, written another way: `$name` and `${name}`
// are looked up, a `$` before anything else stays, `${` without `}` or an
// unknown name makes the whole text unknown.
function reference(text: string, lookup: (name: string) => string | undefined): string | undefined {
  let unknown = false;
  const out = text.replace(/\$(?:\{([^}]*)\}|([A-Za-z0-9_]+)|(\{))/g, (match, braced: string | undefined, bare: string | undefined, open: string | undefined) => {
    if (open !== undefined) {
      unknown = true;
      return match;
    }
    const value = lookup(braced ?? bare!);
    if (value === undefined) unknown = true;
    return value ?? '';
  });
  return unknown ? undefined : out;
}

describe('interpolate', () => {
  const vars: Record<string, string> = { uri: '/p', a: 'A', a_1: 'x$y', '': 'empty' };
  const lookup = (name: string): string | undefined => (Object.hasOwn(vars, name) ? vars[name] : undefined);

  it('agrees with a regex reading of the same rule', () => {
    const text = fc.array(fc.constantFrom('$', '{', '}', 'uri', 'a', '_1', 'b', '/', ' ', '-', '$$', '${'), { maxLength: 10 }).map((p) => p.join(''));
    fc.assert(
      fc.property(text, (t) => {
        expect(interpolate(t, lookup)).toBe(reference(t, lookup));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('answers some known cases', () => {
    expect(interpolate('no variables', lookup)).toBe('no variables');
    expect(interpolate('$uri${a}-$a_1', lookup)).toBe('/pA-x$y');
    expect(interpolate('cost: $ 5', lookup)).toBe('cost: $ 5');
    expect(interpolate('$b', lookup)).toBeUndefined();
    expect(interpolate('${a', lookup)).toBeUndefined();
  });
});
