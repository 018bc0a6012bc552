// Runs the built CLI (dist/src/cli.js; `npm test` builds it first) as users do.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFiles } from './real-server.js';

export const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Variables that change verblint's output; a run starts without them unless `env` sets them. */
const SCRUBBED = ['NO_COLOR', 'FORCE_COLOR', 'VERBLINT_FORMAT', 'GITHUB_ACTIONS', 'GITLAB_CI', 'CI'];

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string>; timeout?: number } = {}): CliRun {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SCRUBBED.includes(k)));
  const run = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    env: { ...base, ...options.env },
    timeout: options.timeout ?? 30_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A scratch directory (`prefix` + random) holding `files` (relative path → text); the caller removes it. */
export function writeProject(prefix: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFiles(dir, files);
  return dir;
}
