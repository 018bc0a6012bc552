// The command line as `npm run build` ships it (src/build-dist.ts): the bin,
// dist/src/cli.js, loads dist/bundle/main.js and nothing else of dist; the
// bundle's files reach only each other, Node's modules and runtime
// dependencies, so what the bin loads is what the build made.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from './helpers/cli.js';

const BUNDLE = join(ROOT, 'dist', 'bundle');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  imports: Record<string, string>;
};

// Logs each ES module Node loads (CommonJS files such as refa and the table do not pass here).
const HOOK = `data:text/javascript,${encodeURIComponent(`
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
  import { writeSync } from 'node:fs';
  export async function load(url, context, next) { writeSync(2, 'LOADED ' + url + '\\\\n'); return next(url, context); }
\`));
`)}`;

/** The files under the package root that a run of the bin loads as ES modules, relative, in load order. */
function loaded(args: string[]): { status: number | null; files: string[] } {
  const run = spawnSync(process.execPath, ['--import', HOOK, CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  const root = pathToFileURL(join(ROOT, '/')).href;
  const urls = [...run.stderr.matchAll(/^LOADED (\S+)$/gm)].map((m) => m[1]!);
  return { status: run.status, files: urls.filter((u) => u.startsWith(root)).map((u) => u.slice(root.length)) };
}

/** What a bundle file imports, statically or not, and requires by name. */
function specifiers(text: string): string[] {
  const out: string[] = [];
  // esbuild writes each import or export statement from column 0.
  for (const m of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)";$/gms)) out.push(m[1]!);
  for (const m of text.matchAll(/^import\s*"([^"]+)";$/gm)) out.push(m[1]!);
  for (const m of text.matchAll(/\bimport\("([^"]+)"\)/g)) out.push(m[1]!);
  // __require: esbuild's, for the CommonJS packages bundled; createRequire: ours, for the lazy ones.
  for (const m of text.matchAll(/(?:\b__require|\bcreateRequire\d*\(import\.meta\.url\))\("([^"]+)"\)/g)) out.push(m[1]!);
  return out;
}

describe('the bundled command line', () => {
  it('is all a lint loads of dist, besides the bin', () => {
    const run = loaded(['test/fixtures/contract/blocked.nginx.conf', '--format', 'json']);
    expect(run.status).toBe(1);
    expect(run.files[0]).toBe('dist/src/cli.js');
    expect(run.files[1]).toBe('dist/bundle/main.js');
    // Then the chunks it shares with the lazy `contract` modules, if any.
    for (const f of run.files.slice(2)) expect(f).toMatch(/^dist\/bundle\/chunk-[A-Z0-9]+\.js$/);
  });

  it('is not loaded for --version', () => {
    expect(loaded(['--version'])).toEqual({ status: 0, files: ['dist/src/cli.js'] });
  });

  it('loads the contract modules only for `contract`', () => {
    const run = loaded(['contract', 'test/fixtures/contract/blocked.nginx.conf', '--openapi', 'test/fixtures/contract/openapi.yaml', '--format', 'json']);
    expect(run.status).toBe(1);
    const names = run.files.map((f) => f.replace(/^(dist\/bundle\/\w+)-[A-Z0-9]+\.js$/, '$1'));
    expect(names).toEqual(expect.arrayContaining(['dist/bundle/contract', 'dist/bundle/openapi', 'node_modules/@readme/openapi-parser/dist/index.js']));
    expect(loaded(['test/fixtures/contract/blocked.nginx.conf']).files.filter((f) => /contract|openapi/.test(f))).toEqual([]);
  });

  it('reaches only its own files, Node, runtime dependencies and package imports', () => {
    const files = readdirSync(BUNDLE);
    expect(files).toContain('main.js');
    const builtins = new Set(builtinModules);
    const seen = new Set<string>();
    for (const file of files) {
      for (const spec of specifiers(readFileSync(join(BUNDLE, file), 'utf8'))) {
        seen.add(spec);
        if (spec.startsWith('./')) expect(existsSync(join(BUNDLE, spec)), `${file}: ${spec}`).toBe(true);
        else if (spec.startsWith('#')) expect(Object.keys(PKG.imports), `${file}: ${spec}`).toContain(spec);
        else if (!spec.startsWith('node:') && !builtins.has(spec)) {
          const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          expect(Object.keys(PKG.dependencies), `${file}: ${spec}`).toContain(pkg);
        }
      }
    }
    // The lazy ones are there to be checked: the test reads what it means to.
    expect([...seen]).toEqual(expect.arrayContaining(['refa', 're2js', '#nginx-directives', 'yaml', '@readme/openapi-parser']));
    expect(existsSync(PKG.imports['#nginx-directives']!.replace(/^\.\//, `${ROOT}/`))).toBe(true);
  });

  it('is in the package, with the directive table', () => {
    // --ignore-scripts: listing what the last build made, without building again.
    const pack = spawnSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(pack.status, pack.stderr).toBe(0);
    const packed = new Set((JSON.parse(pack.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path));
    for (const file of ['dist/src/cli.js', 'dist/nginx-directives.json', ...readdirSync(BUNDLE).map((f) => `dist/bundle/${f}`)]) {
      expect(packed.has(file), file).toBe(true);
    }
    expect(packed.has('src/cli.ts')).toBe(false);
  });
});
