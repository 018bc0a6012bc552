// Parse benchmark: `npm run bench` (node dist/bench/parse.js [--keep]).
//
//  1. Speed: parseNginxText on a generated 5,000-server config (one warm-up,
//     then the median of 5 runs).
//  2. Memory: peak RSS and retained heap of one parse in a fresh child process
//     (`--child <file>`), next to an idle child that reads the file but does
//     not parse it.
//  3. The shared corpus (/work/shared/corpus/nginx/files/*/*).
//  4. If nginx is installed: `nginx -t` on a Lua-free variant of the config,
//     and verblint's time on that same variant for the ratio.
//
// Prints a table and writes the figures to bench/results/parse.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNginxText } from '../src/parse.js';
import { countLines, generateNginxConfig, which } from './generate.js';

const SERVERS = 5000;
const RUNS = 5;

interface ChildReport {
  mode: 'parse' | 'idle';
  /** process.resourceUsage().maxRSS: peak resident set size, KB. */
  maxRssKB: number;
  /** heapUsed after a full GC, with the text (and the parse result) still referenced. */
  heapUsedBytes: number;
  textLength: number;
  directives: number;
  errors: number;
}

// ---- child mode: node --expose-gc dist/bench/parse.js --child <file> [--idle] ----

function child(file: string, idle: boolean): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the child needs node --expose-gc');
  const text = readFileSync(file, 'utf8');
  const result = idle ? { parsed: [], errors: [] } : parseNginxText(text, file);
  gc();
  gc();
  const report: ChildReport = {
    mode: idle ? 'idle' : 'parse',
    maxRssKB: process.resourceUsage().maxRSS,
    heapUsedBytes: process.memoryUsage().heapUsed,
    // Read after the GC, so the text and the tree stay alive through it.
    textLength: text.length,
    directives: result.parsed.length,
    errors: result.errors.length,
  };
  process.stdout.write(JSON.stringify(report) + '\n');
}

// ---- helpers ----

class BenchError extends Error {}

/** Stops the bench: the message goes to stderr and the exit code is 1 (after the temp dir is removed). */
function fail(message: string): never {
  throw new BenchError(message);
}

/** Fails unless the text parses cleanly; keeps no reference to the tree, so later timings start from the same heap. */
function assertParses(text: string, file: string): void {
  const { errors } = parseNginxText(text, file);
  if (errors.length > 0) {
    fail(`${file} does not parse:\n${errors.map((e) => `  ${e.file}:${e.line}:${e.column}: ${e.message}`).join('\n')}`);
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** One warm-up call, then the median wall time of `runs` calls, in seconds. */
function timeIt(runs: number, fn: () => void): { seconds: number; runs: number[] } {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) / 1000);
  }
  return { seconds: median(times), runs: times };
}


function runChild(file: string, idle: boolean): ChildReport {
  const args = ['--expose-gc', fileURLToPath(import.meta.url), '--child', file];
  if (idle) args.push('--idle');
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) fail(`memory child (${idle ? 'idle' : 'parse'}) failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as ChildReport;
}

const MB = 1024 * 1024;
const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtSec = (s: number): string => s.toFixed(3);

// ---- main ----

function main(): void {
  const keep = process.argv.includes('--keep');
  const projectResults = new URL('../../bench/results/', import.meta.url);
  const corpusDir = fileURLToPath(new URL('../../../shared/corpus/nginx/files/', import.meta.url));
  if (!existsSync(corpusDir) || !statSync(corpusDir).isDirectory()) {
    fail(`corpus folder not found: ${corpusDir} (expected ../shared/corpus/nginx/files next to the project)`);
  }

  const dir = mkdtempSync(join(tmpdir(), 'verblint-bench-'));
  try {
    // 1. Speed on the generated config.
    const text = generateNginxConfig(SERVERS);
    const file = join(dir, 'verblint.conf');
    writeFileSync(file, text);
    const lines = countLines(text);
    const bytes = Buffer.byteLength(text);
    assertParses(text, file);
    process.stderr.write(`generated ${fmtInt(lines)} lines (${fmtInt(bytes)} bytes, ${SERVERS} servers) in ${file}\n`);
    const speed = timeIt(RUNS, () => {
      if (parseNginxText(text, file).errors.length > 0) fail('a timed parse reported errors');
    });

    // 2. Memory, in fresh processes.
    const idle = runChild(file, true);
    const parsed = runChild(file, false);
    if (parsed.errors > 0) fail('the memory child reported parse errors');

    // 3. The shared corpus.
    const corpus: { file: string; text: string }[] = [];
    for (const sub of readdirSync(corpusDir, { withFileTypes: true })) {
      if (!sub.isDirectory()) continue;
      const subDir = join(corpusDir, sub.name);
      for (const f of readdirSync(subDir, { withFileTypes: true })) {
        if (f.isFile()) corpus.push({ file: join(subDir, f.name), text: readFileSync(join(subDir, f.name), 'utf8') });
      }
    }
    if (corpus.length === 0) fail(`no files under ${corpusDir}*/`);
    corpus.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    const corpusLines = corpus.reduce((n, c) => n + countLines(c.text), 0);
    const corpusBytes = corpus.reduce((n, c) => n + Buffer.byteLength(c.text), 0);
    let corpusWithErrors = 0;
    for (const c of corpus) if (parseNginxText(c.text, c.file).errors.length > 0) corpusWithErrors++;
    const corpusSpeed = timeIt(RUNS, () => {
      for (const c of corpus) parseNginxText(c.text, c.file);
    });

    // 4. nginx -t on the Lua-free variant.
    let nginx:
      | {
          binary: string;
          version: string;
          lines: number;
          bytes: number;
          seconds: number;
          runs: number[];
          verblintSeconds: number;
          ratio: number;
        }
      | { binary: null; reason: string };
    const nginxBin = which('nginx');
    if (nginxBin === undefined) {
      nginx = { binary: null, reason: 'nginx not found on PATH' };
    } else {
      const plain = generateNginxConfig(SERVERS, { lua: false });
      const plainFile = join(dir, 'nginx.conf');
      writeFileSync(plainFile, plain);
      mkdirSync(join(dir, 'logs'), { recursive: true });
      mkdirSync(join(dir, 'tmp'), { recursive: true });
      assertParses(plain, plainFile);
      const args = ['-t', '-q', '-p', dir + '/', '-c', plainFile, '-e', 'stderr'];
      const nginxRun = (): void => {
        const r = spawnSync(nginxBin, args, { encoding: 'utf8' });
        if (r.status !== 0 || r.stderr.trim() !== '') {
          fail(`${nginxBin} ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stderr}`);
        }
      };
      const nginxSpeed = timeIt(RUNS, nginxRun);
      const verblintPlain = timeIt(RUNS, () => {
        parseNginxText(plain, plainFile);
      });
      const v = spawnSync(nginxBin, ['-v'], { encoding: 'utf8' });
      nginx = {
        binary: nginxBin,
        version: (v.stderr || v.stdout).trim().replace(/^nginx version:\s*/, ''),
        lines: countLines(plain),
        bytes: Buffer.byteLength(plain),
        seconds: nginxSpeed.seconds,
        runs: nginxSpeed.runs,
        verblintSeconds: verblintPlain.seconds,
        ratio: verblintPlain.seconds / nginxSpeed.seconds,
      };
    }

    // Report.
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      runs: RUNS,
      generated: {
        servers: SERVERS,
        lines,
        bytes,
        seconds: speed.seconds,
        runs: speed.runs,
        linesPerSecond: lines / speed.seconds,
        mbPerSecond: bytes / MB / speed.seconds,
      },
      memory: {
        idleMaxRssKB: idle.maxRssKB,
        parseMaxRssKB: parsed.maxRssKB,
        parseExtraRssKB: parsed.maxRssKB - idle.maxRssKB,
        idleHeapUsedBytes: idle.heapUsedBytes,
        parseHeapUsedBytes: parsed.heapUsedBytes,
        treeHeapBytes: parsed.heapUsedBytes - idle.heapUsedBytes,
        topLevelDirectives: parsed.directives,
      },
      corpus: {
        dir: corpusDir,
        files: corpus.length,
        filesWithErrors: corpusWithErrors,
        lines: corpusLines,
        bytes: corpusBytes,
        seconds: corpusSpeed.seconds,
        runs: corpusSpeed.runs,
        linesPerSecond: corpusLines / corpusSpeed.seconds,
      },
      nginx,
    };

    const rows: [string, string][] = [
      ['generated config', `${fmtInt(SERVERS)} servers, ${fmtInt(lines)} lines, ${(bytes / MB).toFixed(2)} MB`],
      ['  parseNginxText (median of 5)', `${fmtSec(speed.seconds)} s`],
      ['  lines/s', fmtInt(lines / speed.seconds)],
      ['  MB/s', (bytes / MB / speed.seconds).toFixed(2)],
      ['memory (child process)', ''],
      ['  idle peak RSS', `${fmtInt(idle.maxRssKB)} KB`],
      ['  parse peak RSS', `${fmtInt(parsed.maxRssKB)} KB (+${fmtInt(parsed.maxRssKB - idle.maxRssKB)} KB)`],
      ['  idle heap used', `${(idle.heapUsedBytes / MB).toFixed(1)} MB`],
      ['  heap used after parse', `${(parsed.heapUsedBytes / MB).toFixed(1)} MB (tree +${((parsed.heapUsedBytes - idle.heapUsedBytes) / MB).toFixed(1)} MB)`],
      ['shared corpus', `${fmtInt(corpus.length)} files (${corpusWithErrors} with errors), ${fmtInt(corpusLines)} lines`],
      ['  parseNginxText, all files (median of 5)', `${fmtSec(corpusSpeed.seconds)} s`],
      ['  lines/s', fmtInt(corpusLines / corpusSpeed.seconds)],
    ];
    if (nginx.binary === null) {
      rows.push(['nginx -t', `skipped: ${nginx.reason}`]);
    } else {
      rows.push(
        [`nginx -t (${nginx.version}), no-Lua variant`, `${fmtInt(nginx.lines)} lines`],
        ['  nginx -t -q (median of 5, incl. process start)', `${fmtSec(nginx.seconds)} s`],
        ['  verblint parseNginxText, same file', `${fmtSec(nginx.verblintSeconds)} s`],
        ['  ratio verblint / nginx -t', `${nginx.ratio.toFixed(2)}x`],
      );
    }
    const width = Math.max(...rows.map(([k]) => k.length));
    const out = rows.map(([k, v]) => (v === '' ? k : `${k.padEnd(width)}  ${v}`)).join('\n');
    process.stdout.write(`${out}\n`);

    const resultsDir = fileURLToPath(projectResults);
    mkdirSync(resultsDir, { recursive: true });
    const json = join(resultsDir, 'parse.json');
    writeFileSync(json, JSON.stringify(results, null, 2) + '\n');
    process.stdout.write(`\nwrote ${json}\n`);
  } finally {
    if (keep) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
try {
  if (argv[0] === '--child') {
    const file = argv[1];
    if (file === undefined) fail('--child needs a file');
    child(file, argv.includes('--idle'));
  } else {
    main();
  }
} catch (e) {
  if (!(e instanceof BenchError)) throw e;
  process.stderr.write(`bench: ${e.message}\n`);
  process.exitCode = 1;
}
