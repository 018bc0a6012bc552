#!/usr/bin/env node
// The entry point. `verblint --version` is answered here, before the rules,
// parsers and simulators are loaded: loading them is most of a small run's time.
// Everything else is src/main.ts, bundled into dist/bundle/main.js by the build
// (src/build-dist.ts): one file loads faster than the hundred modules behind it.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  process.stdout.write(`${pkg.version}\n`);
} else {
  // Not a string literal: tsc would look for the bundle, which is built after it.
  await import(new URL('../bundle/main.js', import.meta.url).href);
}
