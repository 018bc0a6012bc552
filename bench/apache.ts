// Apache parser benchmark (part of `npm run bench`): parseApacheText on a
// generated 100,000-line vhost config and a 100,000-line .htaccess (one
// warm-up, then the median of 5 runs), and on every file of the shared Apache
// corpus. Prints a table and writes bench/results/apache.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseApacheText } from '../src/apache-parse.js';
import { nodeHost } from '../src/host.js';
import { countLines, generateApacheConfig, generateHtaccess } from './generate.js';

const LINES = 100_000;
const RUNS = 5;
const MB = 1024 * 1024;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function timeIt(fn: () => void): { seconds: number; runs: number[] } {
  fn();
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    fn();
    runs.push((performance.now() - t0) / 1000);
  }
  return { seconds: median(runs), runs };
}

function measure(name: string, text: string, file: string) {
  const check = parseApacheText(text, file);
  if (check.errors.length > 0) throw new Error(`${name} does not parse: ${check.errors[0]!.message} at line ${check.errors[0]!.line}`);
  const lines = countLines(text);
  const bytes = Buffer.byteLength(text);
  const speed = timeIt(() => parseApacheText(text, file));
  return { lines, bytes, seconds: speed.seconds, runs: speed.runs, linesPerSecond: lines / speed.seconds, mbPerSecond: bytes / MB / speed.seconds };
}

function main(): void {
  const vhosts = measure('generated vhosts', generateApacheConfig(LINES), 'httpd.conf');
  const htaccess = measure('generated .htaccess', generateHtaccess(LINES), '.htaccess');

  const corpusDir = fileURLToPath(new URL('../../../shared/corpus/apache/files/', import.meta.url));
  const corpus = nodeHost.listTree(corpusDir).map((f) => ({ path: join(corpusDir, f), text: readFileSync(join(corpusDir, f), 'utf8') }));
  const corpusLines = corpus.reduce((n, f) => n + countLines(f.text), 0);
  let withErrors = 0;
  for (const f of corpus) if (parseApacheText(f.text, f.path).errors.length > 0) withErrors++;
  const corpusSpeed = timeIt(() => {
    for (const f of corpus) parseApacheText(f.text, f.path);
  });

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    runs: RUNS,
    vhosts,
    htaccess,
    corpus: { files: corpus.length, filesWithErrors: withErrors, lines: corpusLines, seconds: corpusSpeed.seconds, linesPerSecond: corpusLines / corpusSpeed.seconds },
  };
  const int = (n: number): string => Math.round(n).toLocaleString('en-US');
  const rows: [string, string][] = [
    ['Apache: generated vhosts', `${int(vhosts.lines)} lines, ${(vhosts.bytes / MB).toFixed(2)} MB`],
    ['  parseApacheText (median of 5)', `${vhosts.seconds.toFixed(3)} s, ${int(vhosts.linesPerSecond)} lines/s`],
    ['Apache: generated .htaccess', `${int(htaccess.lines)} lines, ${(htaccess.bytes / MB).toFixed(2)} MB`],
    ['  parseApacheText (median of 5)', `${htaccess.seconds.toFixed(3)} s, ${int(htaccess.linesPerSecond)} lines/s`],
    ['Apache: shared corpus', `${int(corpus.length)} files (${withErrors} with errors), ${int(corpusLines)} lines`],
    ['  parseApacheText, all files (median of 5)', `${corpusSpeed.seconds.toFixed(3)} s, ${int(corpusLines / corpusSpeed.seconds)} lines/s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
  const out = new URL('../../bench/results/', import.meta.url);
  mkdirSync(out, { recursive: true });
  writeFileSync(new URL('apache.json', out), `${JSON.stringify(results, null, 2)}\n`);
}

main();
