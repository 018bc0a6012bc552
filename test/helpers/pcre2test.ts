// The real PCRE2, through Debian's pcre2test (package pcre2-utils), for
// checking what src/pcre.ts says about a pattern. One run reads a whole table.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PCRE2TEST = process.env.VERBLINT_TEST_PCRE2TEST ?? 'pcre2test';

export function hasPcre2test(): boolean {
  const run = spawnSync(PCRE2TEST, ['-C', 'unicode'], { encoding: 'utf8' });
  return !run.error;
}

export interface Pcre2Pattern {
  /** Bytes, one char per byte. */
  pattern: string;
  caseless: boolean;
  /** Bytes, one char per byte. */
  subjects: string[];
}

export type Pcre2Result =
  | { compiled: false; error: string }
  /** For each subject: null for no match, else the lines pcre2test prints ('<unset>' or the capture, see pchars). */
  | { compiled: true; matches: (string[] | null)[] };

/** How pcre2test prints a captured byte string: printable ASCII as it is, other bytes as \xhh. */
export function pchars(bytes: string): string {
  return [...bytes].map((ch) => {
    const b = ch.charCodeAt(0);
    return b >= 0x20 && b < 0x7f ? ch : `\\x${b.toString(16).padStart(2, '0')}`;
  }).join('');
}

const hexOf = (bytes: string) => [...bytes].map((ch) => ch.charCodeAt(0).toString(16).padStart(2, '0')).join(' ');
// Subject lines lose leading and trailing white space and read escapes: escape all but the plainest bytes.
const subjectLine = (bytes: string) => (bytes === '' ? '\\' : [...bytes].map((ch) => (/[A-Za-z0-9/._~-]/.test(ch) ? ch : `\\x{${ch.charCodeAt(0).toString(16)}}`)).join(''));

/** Runs pcre2test once over all patterns; throws when it cannot run. */
export function runPcre2test(patterns: Pcre2Pattern[]): Pcre2Result[] {
  const dir = mkdtempSync(join(tmpdir(), 'verblint-pcre2-'));
  try {
    const file = join(dir, 'input.txt');
    // hex patterns need no delimiter escaping and may hold any byte.
    const input = patterns.map((p) => [`/${hexOf(p.pattern)}/hex${p.caseless ? ',caseless' : ''}`, ...p.subjects.map((s) => `    ${subjectLine(s)}`), ''].join('\n')).join('\n');
    writeFileSync(file, input, 'latin1');
    const run = spawnSync(PCRE2TEST, ['-q', file], { encoding: 'latin1', maxBuffer: 64 << 20 });
    if (run.error) throw new Error(`cannot run ${PCRE2TEST}: ${run.error.message} (install Debian's pcre2-utils package)`);
    if (run.status !== 0) throw new Error(`${PCRE2TEST} exited with ${run.status}: ${run.stderr}`);
    return parseOutput(run.stdout, patterns);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Output: per pattern a block (blank line between): the pattern, then "Failed: ..." or per subject its echo and the result lines. */
function parseOutput(out: string, patterns: Pcre2Pattern[]): Pcre2Result[] {
  const blocks = out.split('\n\n').filter((b) => b.trim() !== '');
  if (blocks.length !== patterns.length) throw new Error(`pcre2test gave ${blocks.length} blocks for ${patterns.length} patterns`);
  return blocks.map((block, k) => {
    const lines = block.split('\n').filter((l) => l !== '').slice(1);
    const failed = /^Failed: error \d+ at offset \d+: (.*)$/.exec(lines[0] ?? '');
    if (failed) return { compiled: false, error: failed[1]! };
    const matches: (string[] | null)[] = [];
    for (const line of lines) {
      const capture = /^ *\d+: (.*)$/.exec(line);
      const current = matches[matches.length - 1];
      if (line.startsWith('    ')) matches.push(null);
      else if (line === 'No match' && current === null) continue;
      else if (capture && matches.length > 0) (matches[matches.length - 1] ??= []).push(capture[1]!);
      else throw new Error(`pattern ${k + 1}: unexpected pcre2test line ${JSON.stringify(line)}`);
    }
    if (matches.length !== patterns[k]!.subjects.length) throw new Error(`pattern ${k + 1}: ${matches.length} results for ${patterns[k]!.subjects.length} subjects`);
    return { compiled: true, matches };
  });
}
