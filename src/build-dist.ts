// The last step of `npm run build`, after tsc (run from the package root):
//  - dist/nginx-directives.json, the directive table worked out from
//    @nginx/reference-lib (src/build-directives.ts), which
//    src/nginx-directives.ts loads instead of reading the lib at start-up;
//  - dist/bundle/, the command line (dist/src/main.js with what it imports)
//    as one ESM file that src/cli.ts loads: one file to read and compile
//    instead of about 100 modules, most of a small run's start-up.
// dist/src stays as tsc wrote it: the tests and bench/ import it.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getDirectives } from '@nginx/reference-lib';
import { build } from 'esbuild';
import { directiveTable } from './build-directives.js';

writeFileSync('dist/nginx-directives.json', `${JSON.stringify(directiveTable(getDirectives()))}\n`);

const BUNDLE = 'dist/bundle';
const { metafile } = await build({
  entryPoints: ['dist/src/main.js'],
  outdir: BUNDLE,
  bundle: true,
  // `contract` imports its modules when it runs: they become chunks of their own.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // Big and used by one command or one kind of config: left in node_modules,
  // loaded when needed (refa and re2js are required lazily, which esbuild leaves alone).
  external: ['@readme/openapi-parser', 'yaml'],
  // The CommonJS packages bundled (fast-glob and what it uses) require Node's modules.
  banner: { js: "import { createRequire as __verblintCreateRequire } from 'node:module';\nconst require = __verblintCreateRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
});

// Chunk names carry a hash: the chunks of an older build go. Files are
// replaced, not the folder, so that a CLI started meanwhile still finds its own.
const written = new Set(Object.keys(metafile.outputs));
for (const name of readdirSync(BUNDLE)) if (!written.has(join(BUNDLE, name))) rmSync(join(BUNDLE, name), { recursive: true });
