#!/usr/bin/env node
// The command line: the only file that touches process, stdout and stderr.
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { crossplanePayload, pythonJson } from './crossplane.js';
import { parseNginx } from './parse.js';

const USAGE = `Usage: verblint [paths...]
       verblint parse FILE... [--include-comments] [--single-file] [--prefix DIR]
                              [--sysroot DIR] [--positions] [--indent N]

Commands:
  (none)   check the nginx configs at paths for syntax errors
  parse    print crossplane's JSON payload for each FILE, one line each

Options:
  --prefix DIR        resolve relative include paths against DIR (like nginx -p)
  --sysroot DIR       look absolute include paths up under DIR
  --include-comments  keep comments as {"directive": "#"} entries
  --single-file       do not follow include
  --positions         add column and end positions to every node and argument
  --indent N          pretty-print the JSON with N spaces
  -v, --version       print the version
  -h, --help          print this help

Exit codes: 0 no problems, 1 a config has errors, 2 verblint could not do its job.`;

class UsageError extends Error {}

const OPTIONS = {
  prefix: { type: 'string' },
  sysroot: { type: 'string' },
  'include-comments': { type: 'boolean' },
  'single-file': { type: 'boolean' },
  positions: { type: 'boolean' },
  indent: { type: 'string' },
  version: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function indentOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--indent takes a whole number, not "${value}"`);
  return Number(value);
}

export function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const parseOptions = {
    comments: values['include-comments'] ?? false,
    singleFile: values['single-file'] ?? false,
    ...(values.prefix !== undefined && { prefix: values.prefix }),
    ...(values.sysroot !== undefined && { sysroot: values.sysroot }),
  };
  if (positionals[0] === 'parse') {
    const files = positionals.slice(1);
    if (files.length === 0) throw new UsageError('parse needs at least one FILE');
    const indent = indentOf(values.indent);
    let status = 0;
    for (const file of files) {
      const result = parseNginx(file, parseOptions);
      if (result.status === 'failed') status = Math.max(status, 1);
      const unreadable = result.config[0]!.errors.find((e) => e.kind === 'read');
      if (unreadable) {
        process.stderr.write(`verblint: cannot read ${file}: ${unreadable.message}\n`);
        status = 2;
      }
      process.stdout.write(`${pythonJson(crossplanePayload(result, { positions: values.positions ?? false }), indent)}\n`);
      for (const w of result.warnings) process.stderr.write(`${w.file}:${w.line}:${w.column}: warning: ${w.message}\n`);
    }
    return status;
  }

  const paths = positionals.length > 0 ? positionals : ['nginx.conf'];
  let errors = 0;
  for (const file of paths) {
    const result = parseNginx(file, parseOptions);
    for (const e of result.errors) {
      errors++;
      process.stdout.write(`${e.file}:${e.line}:${e.column}: error: ${e.message} [syntax-error]\n`);
    }
    for (const w of result.warnings) process.stdout.write(`${w.file}:${w.line}:${w.column}: warning: ${w.message} [include-cycle]\n`);
  }
  return errors > 0 ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  process.stderr.write(`verblint: ${e.message}\n`);
  process.exitCode = 2;
}
