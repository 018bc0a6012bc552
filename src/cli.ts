#!/usr/bin/env node
// The entry point. `verblint --version` is answered here, before the rules,
// parsers and simulators are loaded: loading them is most of a small run's time.
// Everything else is src/main.ts.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  process.stdout.write(`${pkg.version}\n`);
} else {
  await import('./main.js');
}
