// Where the shared corpus lives, and small readers for its tables. The
// corpus is read in place: a missing corpus fails the tests, it never skips.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

export const NGINX_CORPUS = fileURLToPath(new URL('../../../shared/corpus/nginx/', import.meta.url));

/** Rows of a TSV file as objects keyed by its header line. */
export function readTsv(path: string): Array<Record<string, string>> {
  const [header, ...rows] = readFileSync(path, 'utf8').replace(/\n$/, '').split('\n');
  const keys = header!.split('\t');
  return rows.map((row) => {
    const cells = row.split('\t');
    return Object.fromEntries(keys.map((k, i) => [k, cells[i] ?? '']));
  });
}

/** The JSON path of the first difference between two values, or null when equal. */
export function firstDifference(actual: unknown, expected: unknown, path = '$'): string | null {
  if (isDeepStrictEqual(actual, expected)) return null;
  if (typeof actual !== 'object' || typeof expected !== 'object' || actual === null || expected === null) {
    return `${path}: got ${JSON.stringify(actual)?.slice(0, 120)}, want ${JSON.stringify(expected)?.slice(0, 120)}`;
  }
  const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
  for (const key of keys) {
    const diff = firstDifference(
      (actual as Record<string, unknown>)[key],
      (expected as Record<string, unknown>)[key],
      Array.isArray(actual) ? `${path}[${key}]` : `${path}.${key}`,
    );
    if (diff) return diff;
  }
  return `${path}: differs`;
}
