// Preloaded into a CLI run (`node --import dist/bench/rss.js ...`) when
// /usr/bin/time is missing: at exit, writes the process's peak RSS in KB to
// the file named by VERBLINT_BENCH_RSS.
import { writeFileSync } from 'node:fs';

const out = process.env['VERBLINT_BENCH_RSS'];
if (out) process.on('exit', () => writeFileSync(out, `${process.resourceUsage().maxRSS}\n`));
