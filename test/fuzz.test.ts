// Random edits of real config files: deleted and inserted bytes, braces,
// quotes, backslashes, section tags, NUL bytes and bytes that are not UTF-8.
// Each edited file is written to disk and read the way the CLI reads it
// (parseNginx / parseApache with the real host, which decodes UTF-8 and
// turns bad bytes into U+FFFD), then linted with every rule. Required: no
// exception, no hang, and every error and warning at a real place in a file
// of the tree. The text parsers also get the decoded text directly, so that
// NUL bytes reach the grammar (the host's reader stops at them).
//
// The cases run in a worker thread, so that a hang can be stopped and fail the
// test; the worker's stack is as small as the CLI's main thread's.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NGINX_CORPUS } from './helpers/corpus.js';

const SEED = 9_0909;
const RUNS = 1000;
/** Per edited file; a parse and lint of these files takes milliseconds. */
const CASE_LIMIT_MS = 2000;
const DIST = new URL('../dist/', import.meta.url).href;
const APACHE_CORPUS = new URL('../../shared/corpus/apache/files/', import.meta.url).pathname;

type Dialect = 'nginx' | 'apache';

interface CaseResult {
  /** Positions that are not in the file, and other broken promises. */
  problems: string[];
  errors: number;
  findings: number;
}

// The worker: CommonJS run from a string, importing the built modules (the
// CLI's own code; `npm test` builds it first).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
(async () => {
  const { parseNginx, parseNginxText } = await import(workerData.dist + 'src/parse.js');
  const { parseApache, parseApacheText } = await import(workerData.dist + 'src/apache-parse.js');
  const { nodeHost } = await import(workerData.dist + 'src/host.js');
  const { lint } = await import(workerData.dist + 'src/engine.js');
  const { rules } = await import(workerData.dist + 'rules/index.js');

  // A 1-based line and column (and end, when given) that exist in the text:
  // lines count LF as nginx does; the line after the last is where end of file is.
  // endSlack: how far past the line's end an end may point (see findings below).
  function located(what, p, text, problems, endSlack = 0) {
    const lines = text.split('\\n');
    const check = (line, column, label, slack) => {
      if (!Number.isInteger(line) || line < 1 || line > lines.length + 1) {
        problems.push(what + ': ' + label + 'line ' + line + ' is not in 1..' + (lines.length + 1));
        return;
      }
      const length = (lines[line - 1] ?? '').length;
      if (!Number.isInteger(column) || column < 1 || column > length + 1 + slack) {
        problems.push(what + ': ' + label + 'column ' + column + ' is not in 1..' + (length + 1 + slack) + ' on line ' + line);
      }
    };
    check(p.line, p.column, '', 0);
    if (p.endLine !== undefined || p.endColumn !== undefined) check(p.endLine, p.endColumn, 'end ', endSlack);
  }

  function run({ dialect, path, dir }) {
    const problems = [];
    const options = { comments: true, host: nodeHost, sysroot: dir };
    const tree = dialect === 'nginx'
      ? parseNginx(path, { ...options, prefix: dir })
      : parseApache(path, { ...options, serverRoot: dir });
    const texts = new Map();
    for (const c of tree.config) {
      try {
        texts.set(c.file, nodeHost.readFile(c.path));
      } catch {
        // Unreadable: its errors name line 1, column 1.
        texts.set(c.file, '');
      }
    }
    for (const e of [...tree.errors, ...tree.warnings]) {
      const text = texts.get(e.file);
      if (text === undefined) problems.push('error in a file outside the tree: ' + e.file + ': ' + e.message);
      else located(JSON.stringify(e.message).slice(0, 80), e, text, problems);
    }
    if (tree.status !== (tree.errors.length > 0 ? 'failed' : 'ok')) problems.push('status ' + tree.status + ' with ' + tree.errors.length + ' errors');
    const findings = lint([{ dialect, tree }], { rules });
    // The engine gives a finding at a point (a syntax error) a one-character
    // span; at the end of a file that character is one past the line's end.
    for (const f of findings) {
      if (!texts.has(f.file)) problems.push('finding in a file outside the tree: ' + f.file);
      else located(f.ruleId, f, texts.get(f.file), problems, f.endLine === f.line && f.endColumn === f.column + 1 ? 1 : 0);
    }
    // The grammar itself, NUL bytes and all.
    const text = readFileSync(path, 'utf8');
    const direct = dialect === 'nginx' ? parseNginxText(text, path, true) : parseApacheText(text, path, { comments: true });
    for (const e of direct.errors) {
      if (e.file !== path) problems.push('text parser error names ' + e.file);
      located('text parser: ' + JSON.stringify(e.message).slice(0, 80), e, text, problems);
    }
    return { problems, errors: tree.errors.length, findings: findings.length };
  }

  parentPort.on('message', (c) => {
    try {
      // For the test of the guard itself: a case that never ends, one that throws.
      if (c.spin) for (;;);
      if (c.throw) throw new Error('thrown on purpose');
      parentPort.postMessage({ result: run(c) });
    } catch (e) {
      parentPort.postMessage({ thrown: String(e && e.stack || e) });
    }
  });
  parentPort.postMessage({ ready: true });
})().catch((e) => parentPort.postMessage({ thrown: String(e && e.stack || e) }));
`;

/** Runs cases in a worker; a case that takes longer than the limit stops the worker and fails. */
class Runner {
  private worker: Worker | null = null;

  private async start(): Promise<Worker> {
    // As small a stack as the CLI's main thread (Node's default, 984 KB).
    const worker = new Worker(WORKER, { eval: true, workerData: { dist: DIST }, resourceLimits: { stackSizeMb: 1 } });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (m: { ready?: true; thrown?: string }) => (m.ready ? resolve() : reject(new Error(m.thrown))));
      worker.once('error', reject);
    });
    return worker;
  }

  async run(c: { dialect: Dialect; path: string; dir: string; spin?: true; throw?: true }): Promise<CaseResult> {
    this.worker ??= await this.start();
    const worker = this.worker;
    const started = performance.now();
    const answer = await new Promise<{ result?: CaseResult; thrown?: string; hung?: true; died?: string }>((resolve) => {
      const timer = setTimeout(() => resolve({ hung: true }), CASE_LIMIT_MS);
      const done = (a: { result?: CaseResult; thrown?: string; hung?: true; died?: string }) => {
        clearTimeout(timer);
        worker.off('message', done);
        worker.off('error', died);
        resolve(a);
      };
      const died = (e: Error) => done({ died: e.message });
      worker.on('message', done);
      worker.on('error', died);
      worker.postMessage(c);
    });
    if (answer.hung || answer.died) {
      this.worker = null;
      await worker.terminate();
      if (answer.hung) throw new Error(`no answer within ${CASE_LIMIT_MS} ms`);
      throw new Error(`the worker died: ${answer.died}`);
    }
    if (answer.thrown) throw new Error(`threw: ${answer.thrown}`);
    const ms = performance.now() - started;
    if (ms > CASE_LIMIT_MS) throw new Error(`took ${Math.round(ms)} ms`);
    return answer.result!;
  }

  async stop(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }
}

// What an edit puts in: structure, quoting, escapes, and bytes that are not UTF-8.
const INSERTS: ReadonlyArray<readonly number[] | string> = [
  '{', '}', '"', "'", '\\', ';', '#', '\n', '\r', '\\\n', ' ', '$', '${', '<', '>',
  '</IfModule>', '<Directory /x>', '</Directory>', '<IfModule x>', 'location / {', 'server {', 'include *;', 'Include *',
  [0], [0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xef, 0xbb, 0xbf], [0xf0, 0x9f, 0x98, 0x80], [0xc0, 0xaf],
];

type Edit =
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; what: number }
  | { kind: 'copy'; at: number; from: number; length: number }
  | { kind: 'cut'; at: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), what: fc.nat(INSERTS.length - 1) }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('copy' as const), at: fc.nat(), from: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }), weight: 1 },
);

function applyEdits(original: Buffer, edits: readonly Edit[]): Buffer {
  let b = original;
  for (const e of edits) {
    const at = e.at % (b.length + 1);
    if (e.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + e.length)]);
    else if (e.kind === 'cut') b = b.subarray(0, at);
    else {
      let what: Buffer;
      if (e.kind === 'copy') what = b.subarray(e.from % (b.length + 1)).subarray(0, e.length);
      else {
        const insert = INSERTS[e.what]!;
        what = typeof insert === 'string' ? Buffer.from(insert) : Buffer.from(insert);
      }
      b = Buffer.concat([b.subarray(0, at), what, b.subarray(at)]);
    }
  }
  return b;
}

/** A fixed sample: every `step`-th file in name order, no larger than 12 KB. */
function sample(dir: string, count: number): string[] {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => statSync(f).size <= 12_000)
    .sort();
  const step = Math.floor(files.length / count);
  return Array.from({ length: count }, (_, i) => files[i * step]!);
}

describe('randomly edited corpus files', () => {
  const runner = new Runner();
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verblint-fuzz-'));
  });
  afterAll(async () => {
    await runner.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const fuzz = async (dialect: Dialect, files: string[]) => {
    expect(files).toHaveLength(new Set(files).size);
    const originals = files.map((f) => ({ name: basename(f), bytes: readFileSync(f) }));
    const tally = { cases: 0, failed: 0, clean: 0, findings: 0 };
    await fc.assert(
      fc.asyncProperty(fc.nat(originals.length - 1), fc.array(edit, { minLength: 1, maxLength: 6 }), async (i, edits) => {
        const { name, bytes } = originals[i]!;
        // Each case in a folder of its own: an edit may add `include *`.
        const caseDir = mkdtempSync(join(dir, `${dialect}-`));
        const path = join(caseDir, name);
        writeFileSync(path, applyEdits(bytes, edits));
        try {
          const result = await runner.run({ dialect, path, dir: caseDir });
          expect(result.problems, `${files[i]} with ${JSON.stringify(edits)}`).toEqual([]);
          tally.cases++;
          if (result.errors > 0) tally.failed++;
          else tally.clean++;
          tally.findings += result.findings;
        } finally {
          rmSync(caseDir, { recursive: true, force: true });
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    return tally;
  };

  it('fails a case that hangs or throws, and goes on with a fresh worker', async () => {
    const path = join(dir, 'nginx.conf');
    writeFileSync(path, 'events {}\nhttp {\n');
    const started = performance.now();
    await expect(runner.run({ dialect: 'nginx', path, dir, spin: true })).rejects.toThrow(`no answer within ${CASE_LIMIT_MS} ms`);
    expect(performance.now() - started).toBeLessThan(CASE_LIMIT_MS + 1000);
    await expect(runner.run({ dialect: 'nginx', path, dir, throw: true })).rejects.toThrow('thrown on purpose');
    // The broken file gets its error at the line after the last, column 1.
    expect(await runner.run({ dialect: 'nginx', path, dir })).toEqual({ problems: [], errors: 1, findings: 1 });
  });

  it('nginx: never throws or hangs, and every error is at a real place', async () => {
    const tally = await fuzz('nginx', sample(join(NGINX_CORPUS, 'files'), 40));
    // Both outcomes are exercised: edits that break the file and edits it survives.
    expect(tally.cases).toBe(RUNS);
    expect(tally.failed).toBeGreaterThan(RUNS / 4);
    expect(tally.clean).toBeGreaterThan(RUNS / 10);
    expect(tally.findings).toBeGreaterThan(0);
  }, 60_000);

  it('Apache: never throws or hangs, and every error is at a real place', async () => {
    const tally = await fuzz('apache', sample(APACHE_CORPUS, 40));
    expect(tally.cases).toBe(RUNS);
    expect(tally.failed).toBeGreaterThan(RUNS / 4);
    expect(tally.clean).toBeGreaterThan(RUNS / 10);
    expect(tally.findings).toBeGreaterThan(0);
  }, 60_000);
});
