// Lint benchmark (part of `npm run bench`):
//   node dist/bench/lint.js [--runs N] [--sizes 10000,40000] [--timeout S] [--keep]
//
// For generated nginx and Apache configs of 10k, 40k, 160k and 640k lines
// (bench/generate.ts, written to a temp dir) and for the whole shared corpus:
//  - the wall time of the full CLI run as a child process, start-up included
//    (median of --runs), and its peak RSS (/usr/bin/time, else bench/rss.ts);
//  - parse and rule time, measured in a fresh child process with the library
//    functions (discover, lintFiles), and each rule's own time;
//  - nginx -t on the same nginx configs, and the ratio verblint / nginx -t.
// Then `verblint --version` and one small file (median of 10), and each target
// of issue 9 part 2 as PASS or FAIL. Writes bench/results/lint.json. Exits 0
// whatever the targets say; 1 only when the bench itself cannot run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { discover } from '../src/discover.js';
import { nodeHost } from '../src/host.js';
import { lintFiles } from '../src/run.js';
import type { AnyRule } from '../src/rule.js';
import { rules } from '../rules/index.js';
import { countLines, generateApacheTree, generateNginxConfig, generateNginxTree, type ConfigTree, which } from './generate.js';

const SIZES = [10_000, 40_000, 160_000, 640_000];
const STARTUP_RUNS = 10;
const MB = 1024 * 1024;

// Part 2 of issue 9.
const TARGET = {
  nginxRatio: 0.5,
  growth: 4.5,
  memoryFactor: 12,
  corpusSeconds: 2,
  versionSeconds: 0.15,
  smallFileSeconds: 0.25,
};
/** A rule's time may grow by `growth` from 160k to 640k lines, plus this much for noise. */
const RULE_SLACK_SECONDS = 0.05;

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const RSS_PRELOAD = fileURLToPath(new URL('./rss.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CORPUS = join(ROOT, '..', 'shared', 'corpus');

class BenchError extends Error {}

function fail(message: string): never {
  throw new BenchError(message);
}

// ---- child: in-process parse and rule time ----

interface Job {
  paths: string[];
  cwd: string;
  sysroot?: string;
}

interface InProcess {
  files: number;
  trees: number;
  findings: number;
  discoverSeconds: number;
  parseSeconds: number;
  ruleSeconds: number;
  /** Seconds inside each rule's check; the first rule to ask for the shared model and probes pays for building them. */
  perRule: Record<string, number>;
  /** The same less the garbage collections that fell in them: a collection of garbage made earlier lands on whichever rule runs. */
  perRuleWithoutGc: Record<string, number>;
  gcSeconds: number;
}

async function child(jobFile: string): Promise<void> {
  const job = JSON.parse(readFileSync(jobFile, 'utf8')) as Job;
  const perRule: Record<string, number> = {};
  // Each check's interval, in time order, to take the collections out afterwards.
  const intervals: Array<{ id: string; start: number; end: number }> = [];
  const gcs: Array<{ start: number; end: number }> = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  const timed: AnyRule[] = rules.map((r) => ({
    ...r,
    check(ctx) {
      const start = performance.now();
      try {
        r.check(ctx);
      } finally {
        const end = performance.now();
        perRule[r.id] = (perRule[r.id] ?? 0) + (end - start) / 1000;
        intervals.push({ id: r.id, start, end });
      }
    },
  }));
  const t0 = performance.now();
  const found = discover(job.paths, { cwd: job.cwd });
  const t1 = performance.now();
  let parsed = t1;
  const out = lintFiles(
    {
      files: found.files,
      cwd: job.cwd,
      host: nodeHost,
      ...(job.sysroot !== undefined && { sysroot: job.sysroot }),
      onProgress: (_done, _total, phase) => {
        if (phase === 'read') parsed = performance.now();
      },
    },
    { rules: timed },
  );
  const t2 = performance.now();
  // The observer hears of collections on a later turn of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  gcs.sort((a, b) => a.start - b.start);
  const perRuleWithoutGc: Record<string, number> = {};
  let g = 0;
  for (const { id, start, end } of intervals) {
    while (g < gcs.length && gcs[g]!.end <= start) g++;
    let inGc = 0;
    for (let k = g; k < gcs.length && gcs[k]!.start < end; k++) inGc += Math.min(end, gcs[k]!.end) - Math.max(start, gcs[k]!.start);
    perRuleWithoutGc[id] = (perRuleWithoutGc[id] ?? 0) + (end - start - inGc) / 1000;
  }
  const report: InProcess = {
    files: found.files.length,
    trees: out.trees,
    findings: out.findings.length,
    discoverSeconds: (t1 - t0) / 1000,
    parseSeconds: (parsed - t1) / 1000,
    ruleSeconds: (t2 - parsed) / 1000,
    perRule,
    perRuleWithoutGc,
    gcSeconds: gcs.filter((c) => c.start >= t0 && c.start < t2).reduce((n, c) => n + c.end - c.start, 0) / 1000,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

// ---- helpers ----

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}


const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
// GNU timeout kills the whole process group: /usr/bin/time's node child too.
const TIMEOUT = which('timeout');

/** The command, under `timeout` when there is one: spawnSync's own timeout would kill only the first process. */
function bounded(cmd: string, args: string[], seconds: number): [string, string[]] {
  return TIMEOUT ? [TIMEOUT, ['-s', 'KILL', String(seconds), cmd, ...args]] : [cmd, args];
}

/** Whether a run was stopped for taking too long: by spawnSync, or by `timeout` (its status 124, or 137 for SIGKILL). */
function timedOut(r: { error?: Error; status: number | null }): boolean {
  return (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' || (TIMEOUT !== undefined && (r.status === 124 || r.status === 137));
}

interface CliRun {
  seconds: number;
  /** User + system CPU seconds (only with /usr/bin/time): steadier than wall time on a busy machine. */
  cpuSeconds: number | null;
  maxRssKB: number;
  status: number;
}

/** Peak RSS (KB) and CPU seconds from the report of /usr/bin/time -v. */
function timeReport(text: string): { maxRssKB: number; cpuSeconds: number } | undefined {
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(text)?.[1];
  const user = /User time \(seconds\): ([\d.]+)/.exec(text)?.[1];
  const system = /System time \(seconds\): ([\d.]+)/.exec(text)?.[1];
  if (rss === undefined || user === undefined || system === undefined) return undefined;
  return { maxRssKB: Number(rss), cpuSeconds: Number(user) + Number(system) };
}

/** One CLI run as a child process: wall time around the spawn, peak RSS from /usr/bin/time -v (or the preload). */
function runCli(args: string[], cwd: string, scratch: string, timeoutSeconds: number): CliRun | null {
  const rssFile = join(scratch, 'rss.txt');
  rmSync(rssFile, { force: true });
  const [cmd, argv] = TIME
    ? bounded(TIME, ['-v', '-o', rssFile, process.execPath, CLI, ...args], timeoutSeconds)
    : [process.execPath, ['--import', RSS_PRELOAD, CLI, ...args]];
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * MB,
    timeout: (timeoutSeconds + 5) * 1000,
    env: { ...process.env, VERBLINT_BENCH_RSS: rssFile, NO_COLOR: '1' },
  });
  const seconds = (performance.now() - t0) / 1000;
  if (timedOut(r)) return null;
  if (r.status !== 0 && r.status !== 1) fail(`verblint ${args.slice(0, 3).join(' ')}... exited ${r.status ?? r.signal}:\n${r.stderr.slice(0, 2000)}`);
  const text = readFileSync(rssFile, 'utf8');
  if (!TIME) return { seconds, cpuSeconds: null, maxRssKB: Number(text.trim()), status: r.status };
  const report = timeReport(text) ?? fail(`no peak RSS in ${rssFile}:\n${text}`);
  return { seconds, ...report, status: r.status };
}

function inProcess(job: Job, scratch: string, timeoutSeconds: number): InProcess | null {
  const jobFile = join(scratch, 'job.json');
  writeFileSync(jobFile, JSON.stringify(job));
  // In the input's folder, as the CLI runs: discovered paths are relative to it.
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', jobFile], {
    cwd: job.cwd,
    encoding: 'utf8',
    maxBuffer: 16 * MB,
    timeout: timeoutSeconds * 1000,
  });
  if (timedOut(r)) return null;
  if (r.status !== 0) fail(`in-process child failed (${r.status ?? r.signal}):\n${r.stderr.slice(0, 2000)}`);
  return JSON.parse(r.stdout) as InProcess;
}

/** The median of each time over several in-process runs, per rule too; counts from the first. */
function medianSplit(splits: readonly InProcess[]): InProcess {
  const of = (pick: (s: InProcess) => number): number => median(splits.map(pick));
  const perId = (pick: (s: InProcess) => Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.keys(pick(splits[0]!)).map((id) => [id, of((s) => pick(s)[id] ?? 0)]));
  return {
    ...splits[0]!,
    discoverSeconds: of((s) => s.discoverSeconds),
    parseSeconds: of((s) => s.parseSeconds),
    ruleSeconds: of((s) => s.ruleSeconds),
    perRule: perId((s) => s.perRule),
    perRuleWithoutGc: perId((s) => s.perRuleWithoutGc),
    gcSeconds: of((s) => s.gcSeconds),
  };
}

function writeTree(dir: string, tree: ConfigTree): { files: number; lines: number; bytes: number } {
  let lines = 0;
  let bytes = 0;
  for (const [path, text] of tree) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
    lines += countLines(text);
    bytes += Buffer.byteLength(text);
  }
  return { files: tree.size, lines, bytes };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  }
  return out.sort();
}

// ---- one benchmarked input ----

interface Measured {
  name: string;
  dialect: 'nginx' | 'apache' | 'both';
  lines: number;
  /** Lines of text linted, null when not known for a generated size (the corpus). */
  size: number | null;
  bytes: number;
  files: number;
  /** Median CLI wall time, null when a run timed out. */
  seconds: number | null;
  runs: number[];
  /** Median CPU seconds of the CLI runs. */
  cpuSeconds: number | null;
  maxRssKB: number | null;
  status: number | null;
  findings: number | null;
  inProcess: InProcess | null;
  nginx?: NginxTest;
}

interface NginxTest {
  seconds: number;
  runs: number[];
  maxRssKB: number;
}

function measure(
  name: string,
  dialect: Measured['dialect'],
  size: number | null,
  input: { files: number; lines: number; bytes: number },
  cli: string[],
  job: Job,
  o: Options,
): Measured {
  process.stderr.write(`bench: ${name}: ${input.lines.toLocaleString('en-US')} lines in ${input.files} files\n`);
  const runs: CliRun[] = [];
  for (let i = 0; i < o.runs; i++) {
    const run = runCli([...cli, '--format', 'json', '-o', join(o.scratch, 'report.json')], job.cwd, o.scratch, o.timeout);
    if (run === null) {
      process.stderr.write(`bench: ${name}: CLI run timed out after ${o.timeout} s\n`);
      runs.length = 0;
      break;
    }
    runs.push(run);
  }
  const findings = runs.length > 0 ? (JSON.parse(readFileSync(join(o.scratch, 'report.json'), 'utf8')) as unknown[]).length : null;
  // As many in-process runs as CLI runs, each figure their median: one run's rule times swing with where collections and page faults land.
  const splits: InProcess[] = [];
  for (let i = 0; i < runs.length; i++) {
    const one = inProcess(job, o.scratch, o.timeout);
    if (one === null) break;
    splits.push(one);
  }
  const split = splits.length > 0 ? medianSplit(splits) : null;
  return {
    name,
    dialect,
    size,
    ...input,
    seconds: runs.length > 0 ? median(runs.map((r) => r.seconds)) : null,
    runs: runs.map((r) => r.seconds),
    cpuSeconds: runs.length > 0 && runs.every((r) => r.cpuSeconds !== null) ? median(runs.map((r) => r.cpuSeconds!)) : null,
    maxRssKB: runs.length > 0 ? Math.max(...runs.map((r) => r.maxRssKB)) : null,
    status: runs[0]?.status ?? null,
    findings,
    inProcess: split,
  };
}

/** nginx -t on a generated tree, median of `runs`; the config must pass. */
function nginxTest(nginx: string, dir: string, o: Options): NginxTest {
  const times: number[] = [];
  let rss = 0;
  for (let i = 0; i < o.runs; i++) {
    const rssFile = join(o.scratch, 'nginx-rss.txt');
    const args = ['-t', '-q', '-p', `${dir}/`, '-c', 'nginx.conf', '-e', 'stderr'];
    const [cmd, argv] = TIME ? [TIME, ['-v', '-o', rssFile, nginx, ...args]] : [nginx, args];
    const t0 = performance.now();
    const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: o.timeout * 1000 });
    times.push((performance.now() - t0) / 1000);
    if (r.status !== 0 || r.stderr.trim() !== '') fail(`nginx -t on ${dir} exited ${r.status ?? r.signal}:\n${r.stderr.slice(0, 2000)}`);
    if (TIME) rss = Math.max(rss, timeReport(readFileSync(rssFile, 'utf8'))?.maxRssKB ?? 0);
  }
  return { seconds: median(times), runs: times, maxRssKB: rss };
}

function startup(args: string[], cwd: string, o: Options): { seconds: number; runs: number[] } {
  const runs: number[] = [];
  for (let i = 0; i < STARTUP_RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: o.timeout * 1000 });
    runs.push((performance.now() - t0) / 1000);
    if (r.status !== 0 && r.status !== 1) fail(`verblint ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stderr}`);
  }
  return { seconds: median(runs), runs };
}

// ---- main ----

interface Options {
  runs: number;
  sizes: number[];
  timeout: number;
  scratch: string;
}

function options(argv: string[]): Omit<Options, 'scratch'> {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const runs = Number(value('--runs') ?? 3);
  const timeout = Number(value('--timeout') ?? 600);
  const sizes = (value('--sizes') ?? SIZES.join(',')).split(',').map(Number);
  if (!(runs >= 1) || !(timeout > 0) || sizes.some((s) => !(s >= 100))) fail('usage: lint.js [--runs N] [--sizes 10000,40000] [--timeout S] [--keep]');
  return { runs, sizes, timeout };
}

type Verdict = 'PASS' | 'FAIL' | 'SKIP';

interface Target {
  target: string;
  figure: string;
  verdict: Verdict;
}

function verdict(ok: boolean | null): Verdict {
  return ok === null ? 'SKIP' : ok ? 'PASS' : 'FAIL';
}

const fmt = {
  int: (n: number): string => Math.round(n).toLocaleString('en-US'),
  sec: (s: number | null | undefined): string => (s === null || s === undefined ? 'timeout' : s.toFixed(3)),
  mb: (kb: number | null): string => (kb === null ? '-' : (kb / 1024).toFixed(0)),
};

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_c, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

function main(argv: string[]): void {
  const dir = mkdtempSync(join(tmpdir(), 'verblint-lint-bench-'));
  try {
    const o: Options = { ...options(argv), scratch: dir };
    const nginx = which('nginx');
    const sysroot = join(dir, 'empty-sysroot');
    mkdirSync(sysroot);
    const measured: Measured[] = [];

    for (const size of o.sizes) {
      const root = join(dir, `nginx-${size}`);
      const input = writeTree(root, generateNginxTree(size));
      mkdirSync(join(root, 'logs'));
      mkdirSync(join(root, 'tmp'));
      // The whole folder, as `verblint` in a checkout: conf.d/ and snippets/ are found too and linted within nginx.conf.
      const m = measure(`nginx ${size / 1000}k`, 'nginx', size, input, ['.'], { paths: ['.'], cwd: root }, o);
      if (nginx) m.nginx = nginxTest(nginx, root, o);
      measured.push(m);
    }
    for (const size of o.sizes) {
      const root = join(dir, `apache-${size}`);
      const input = writeTree(root, generateApacheTree(size));
      // The whole folder: apache2/ for the server config, htdocs/ for the .htaccess files.
      measured.push(measure(`apache ${size / 1000}k`, 'apache', size, input, ['.'], { paths: ['.'], cwd: root }, o));
    }

    // The shared corpus: every file named, so that none is left to discovery.
    if (!existsSync(CORPUS)) fail(`corpus not found: ${CORPUS}`);
    const corpusFiles = [...filesUnder(join(CORPUS, 'nginx', 'files')), ...filesUnder(join(CORPUS, 'apache', 'files'))];
    const corpusInput = corpusFiles.reduce(
      (acc, f) => {
        const text = readFileSync(f, 'utf8');
        return { files: acc.files + 1, lines: acc.lines + countLines(text), bytes: acc.bytes + Buffer.byteLength(text) };
      },
      { files: 0, lines: 0, bytes: 0 },
    );
    // Absolute includes are looked up in an empty folder, so this machine's /etc is never read.
    const corpus = measure('shared corpus', 'both', null, corpusInput, [...corpusFiles, '--sysroot', sysroot], { paths: corpusFiles, cwd: dir, sysroot }, o);
    measured.push(corpus);

    const small = join(dir, 'small', 'nginx.conf');
    mkdirSync(dirname(small));
    writeFileSync(small, generateNginxConfig(1, { lua: false }));
    process.stderr.write('bench: start-up\n');
    const version = startup(['--version'], dir, o);
    const smallFile = startup([small, '--format', 'json'], dir, o);

    // ---- targets ----
    const at = (dialect: string, size: number) => measured.find((m) => m.dialect === dialect && m.size === size);
    const targets: Target[] = [];
    const n160 = at('nginx', 160_000);
    const nginxRatio = n160?.seconds != null && n160.nginx ? n160.seconds / n160.nginx.seconds : null;
    targets.push({
      target: `nginx 160k: verblint <= ${TARGET.nginxRatio} x nginx -t`,
      figure: nginxRatio === null ? (n160 && !nginx ? 'nginx not installed' : 'not measured') : `${fmt.sec(n160!.seconds)} s / ${fmt.sec(n160!.nginx!.seconds)} s = ${nginxRatio.toFixed(2)}`,
      verdict: verdict(nginxRatio === null ? null : nginxRatio <= TARGET.nginxRatio),
    });
    for (const dialect of ['nginx', 'apache']) {
      const a = at(dialect, 160_000);
      const b = at(dialect, 640_000);
      const growth = a?.seconds != null && b?.seconds != null ? b.seconds / a.seconds : null;
      targets.push({
        target: `${dialect} 640k <= ${TARGET.growth} x 160k (wall)`,
        figure: growth === null ? 'not measured' : `${fmt.sec(b!.seconds)} s / ${fmt.sec(a!.seconds)} s = ${growth.toFixed(2)}`,
        verdict: verdict(growth === null ? null : growth <= TARGET.growth),
      });
      // Without the collections that happened to fall in a rule: their cost is in the wall time above.
      const ra = a?.inProcess?.perRuleWithoutGc;
      const rb = b?.inProcess?.perRuleWithoutGc;
      if (ra && rb) {
        // Each rule within its linear allowance; shown: the one that grew most among those that take time.
        const within = Object.keys(rb).every((id) => (rb[id] ?? 0) <= TARGET.growth * (ra[id] ?? 0) + RULE_SLACK_SECONDS);
        const growth = (id: string): number => (rb[id] ?? 0) / Math.max(ra[id] ?? 0, 1e-3);
        const most = Object.keys(rb).filter((id) => (rb[id] ?? 0) > RULE_SLACK_SECONDS).sort((x, y) => growth(y) - growth(x))[0];
        targets.push({
          target: `${dialect}: no rule grows > ${TARGET.growth} x from 160k to 640k (less GC, +${RULE_SLACK_SECONDS * 1000} ms)`,
          figure: most === undefined ? 'every rule under 50 ms' : `most: ${most} ${fmt.sec(rb[most])} s / ${fmt.sec(ra[most] ?? 0)} s = ${growth(most).toFixed(2)}`,
          verdict: verdict(within),
        });
      } else {
        targets.push({ target: `${dialect}: no rule grows > ${TARGET.growth} x from 160k to 640k`, figure: 'not measured', verdict: 'SKIP' });
      }
      const factor = b?.maxRssKB != null ? (b.maxRssKB * 1024) / b.bytes : null;
      targets.push({
        target: `${dialect} 640k: peak RSS < ${TARGET.memoryFactor} x input`,
        figure: factor === null ? 'not measured' : `${fmt.mb(b!.maxRssKB)} MB / ${(b!.bytes / MB).toFixed(1)} MB = ${factor.toFixed(1)}`,
        verdict: verdict(factor === null ? null : factor < TARGET.memoryFactor),
      });
    }
    targets.push({
      target: `shared corpus (${corpus.files} files) < ${TARGET.corpusSeconds} s`,
      figure: `${fmt.sec(corpus.seconds)} s`,
      verdict: verdict(corpus.seconds === null ? false : corpus.seconds < TARGET.corpusSeconds),
    });
    targets.push({
      target: `verblint --version < ${TARGET.versionSeconds * 1000} ms (median of ${STARTUP_RUNS})`,
      figure: `${(version.seconds * 1000).toFixed(0)} ms`,
      verdict: verdict(version.seconds < TARGET.versionSeconds),
    });
    targets.push({
      target: `one small file < ${TARGET.smallFileSeconds * 1000} ms (median of ${STARTUP_RUNS})`,
      figure: `${(smallFile.seconds * 1000).toFixed(0)} ms`,
      verdict: verdict(smallFile.seconds < TARGET.smallFileSeconds),
    });

    // ---- report ----
    const rows = [
      ['input', 'lines', 'MB', 'files', 'wall s', 'cpu s', 'parse s', 'rules s', 'peak MB', 'x input', 'lines/s', 'findings', 'nginx -t s', 'ratio'],
      ...measured.map((m) => [
        m.name,
        fmt.int(m.lines),
        (m.bytes / MB).toFixed(1),
        fmt.int(m.files),
        fmt.sec(m.seconds),
        m.cpuSeconds === null ? '-' : fmt.sec(m.cpuSeconds),
        m.inProcess ? fmt.sec(m.inProcess.parseSeconds) : '-',
        m.inProcess ? fmt.sec(m.inProcess.ruleSeconds) : '-',
        fmt.mb(m.maxRssKB),
        m.maxRssKB === null ? '-' : ((m.maxRssKB * 1024) / m.bytes).toFixed(1),
        m.seconds === null ? '-' : fmt.int(m.lines / m.seconds),
        m.findings === null ? '-' : fmt.int(m.findings),
        m.nginx ? fmt.sec(m.nginx.seconds) : '-',
        m.nginx && m.seconds !== null ? (m.seconds / m.nginx.seconds).toFixed(2) : '-',
      ]),
    ];
    const out: string[] = [
      `verblint lint benchmark: CLI wall time median of ${o.runs} (start-up included), parse and rules medians of as many in-process runs, peak RSS of the CLI (${TIME ? '/usr/bin/time -v' : 'process.resourceUsage'})`,
      '',
      table(rows),
      '',
      `verblint --version       ${(version.seconds * 1000).toFixed(0)} ms (median of ${STARTUP_RUNS})`,
      `one small file (${countLines(readFileSync(small, 'utf8'))} lines)  ${(smallFile.seconds * 1000).toFixed(0)} ms (median of ${STARTUP_RUNS})`,
      '',
      'slowest rules (in-process, medians, s):',
    ];
    // The CLI and the library must agree: a difference means the bench measures something else than the CLI runs.
    for (const m of measured) {
      if (m.inProcess && m.findings !== null && m.inProcess.findings !== m.findings) {
        out.push(`warning: ${m.name}: the CLI reported ${m.findings} findings, lintFiles ${m.inProcess.findings}`);
      }
    }
    const largest = [...measured].filter((m) => m.inProcess && m.size !== null).sort((a, b) => b.lines - a.lines);
    for (const dialect of ['nginx', 'apache']) {
      const m = largest.find((x) => x.dialect === dialect);
      if (!m?.inProcess) continue;
      const top = Object.entries(m.inProcess.perRule)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([id, s]) => `${id} ${s.toFixed(3)}`);
      out.push(`  ${m.name}: ${top.join(', ')} (garbage collection during the run: ${m.inProcess.gcSeconds.toFixed(3)} s)`);
    }
    out.push('', table([['target', 'figure', ''], ...targets.map((t) => [t.target, t.figure, t.verdict])]));
    process.stdout.write(`${out.join('\n')}\n`);

    const results = {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      runs: o.runs,
      nginx: nginx ? spawnSync(nginx, ['-v'], { encoding: 'utf8' }).stderr.trim() : null,
      measured,
      startup: { version, smallFile },
      targets,
    };
    const resultsDir = join(ROOT, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'lint.json'), `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`\nwrote ${join(resultsDir, 'lint.json')}\n`);
  } finally {
    if (argv.includes('--keep')) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
try {
  if (argv[0] === '--child') await child(argv[1] ?? fail('--child needs a job file'));
  else main(argv);
} catch (e) {
  if (!(e instanceof BenchError)) throw e;
  process.stderr.write(`bench: ${e.message}\n`);
  process.exitCode = 1;
}
