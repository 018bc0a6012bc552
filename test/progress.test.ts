// The progress line: lintFiles reports how far it is, and the CLI draws that
// on stderr only on a terminal. The terminal is a real pseudo-terminal, made
// by util-linux `script`, with stdout sent to a file so that what the
// terminal shows is stderr alone.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseApache } from '../src/apache-parse.js';
import { lint } from '../src/engine.js';
import { nodeHost } from '../src/host.js';
import { parseNginx } from '../src/parse.js';
import { lintFiles, type LintInput } from '../src/run.js';
import { rules } from '../rules/index.js';
import { writeProject } from './helpers/cli.js';

const CLI = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = writeProject('verblint-progress-', files);
  made.push(dir);
  return dir;
}

const EMPTY_LIMIT_EXCEPT = 'server {\n    listen 80;\n    server_name api.example.com;\n    location /api/ {\n        limit_except GET {\n        }\n        proxy_pass http://127.0.0.1:8080;\n    }\n}\n';

describe('lintFiles onProgress', () => {
  const dir = project({
    'a/nginx.conf': 'events {}\nhttp {\n    include conf.d/*.conf;\n}\n',
    'a/conf.d/one.conf': EMPTY_LIMIT_EXCEPT,
    'a/conf.d/two.conf': 'server {\n    listen 81;\n}\n',
    'b/.htaccess': '<Limit post>\n    Require all denied\n</Limit>\n',
    'c/nginx.conf': `events {}\nhttp {\n${EMPTY_LIMIT_EXCEPT}}\n`,
  });
  // In discover's order: by path.
  const input: LintInput = {
    files: [
      { path: join(dir, 'a/conf.d/one.conf'), dialect: 'nginx' },
      { path: join(dir, 'a/conf.d/two.conf'), dialect: 'nginx' },
      { path: join(dir, 'a/nginx.conf'), dialect: 'nginx' },
      { path: join(dir, 'b/.htaccess'), dialect: 'apache' },
      { path: join(dir, 'c/nginx.conf'), dialect: 'nginx' },
    ],
    cwd: dir,
    host: nodeHost,
  };

  it('counts files read, then the given files each linted tree covers', () => {
    const calls: Array<[number, number, string]> = [];
    lintFiles({ ...input, onProgress: (done, total, phase) => calls.push([done, total, phase]) }, { rules });
    expect(calls).toEqual([
      [1, 5, 'read'],
      [2, 5, 'read'],
      [3, 5, 'read'],
      [4, 5, 'read'],
      [5, 5, 'read'],
      // a/nginx.conf brings its two conf.d files along.
      [3, 5, 'lint'],
      [4, 5, 'lint'],
      [5, 5, 'lint'],
    ]);
  });

  it('changes nothing in the findings, which are those of linting every tree at once', () => {
    const withProgress = lintFiles({ ...input, onProgress: () => {} }, { rules });
    const without = lintFiles(input, { rules });
    expect(withProgress).toEqual(without);
    expect(without.trees).toBe(3);
    const trees = [
      { dialect: 'nginx' as const, tree: parseNginx(join(dir, 'a/nginx.conf'), { comments: true, host: nodeHost }) },
      { dialect: 'apache' as const, tree: parseApache(join(dir, 'b/.htaccess'), { comments: true, host: nodeHost }) },
      { dialect: 'nginx' as const, tree: parseNginx(join(dir, 'c/nginx.conf'), { comments: true, host: nodeHost }) },
    ];
    expect(without.findings).toEqual(lint(trees, { rules }));
    expect(without.findings.map((f) => `${f.file.slice(dir.length + 1)}:${f.line} ${f.ruleId}`)).toEqual([
      'a/conf.d/one.conf:4 proxy-pass-slash-redirect',
      'a/conf.d/one.conf:5 limit-except-no-effect',
      'b/.htaccess:1 limit-invalid-method',
      'b/.htaccess:1 limit-leaves-methods-open',
      'c/nginx.conf:6 proxy-pass-slash-redirect',
      'c/nginx.conf:7 limit-except-no-effect',
    ]);
  });
});

/** nginx.conf and sites-1.conf ... sites-(n-1).conf that it includes; site 7 has an empty limit_except. */
function manyFiles(n: number): string {
  const files: Record<string, string> = { 'nginx.conf': 'events {}\nhttp {\n    include conf.d/*.conf;\n}\n' };
  for (let i = 1; i < n; i++) {
    files[`conf.d/site-${i}.conf`] = i === 7 ? EMPTY_LIMIT_EXCEPT : `server {\n    listen 80;\n    server_name s${i}.example.com;\n}\n`;
  }
  return project(files);
}

const CLEAN_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !['CI', 'NO_COLOR', 'FORCE_COLOR', 'VERBLINT_FORMAT', 'GITHUB_ACTIONS'].includes(k)),
);

/** What a terminal shows of verblint's stderr (stdout goes to a file), and stdout. */
function onTerminal(cwd: string, args: string[], env: Record<string, string> = {}): { status: number | null; terminal: string; stdout: string } {
  const out = join(cwd, 'stdout.txt');
  const command = ['exec', process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const run = spawnSync('script', ['-q', '-e', '-c', `${command} > '${out}'`, '/dev/null'], {
    cwd,
    encoding: 'utf8',
    env: { ...CLEAN_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  if (run.error) throw new Error(`util-linux script is needed for a pseudo-terminal: ${run.error.message}`);
  return { status: run.status, terminal: run.stdout, stdout: readFileSync(out, 'utf8') };
}

function inPipe(cwd: string, args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...CLEAN_ENV, ...env }, timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const FINDINGS = [
  'conf.d/site-7.conf:4:5: warning: POST, PUT, DELETE and every other method to /api get 301 to /api/ because location /api/ has proxy_pass (line 7); browsers resend POST as GET without the body: add "location = /api" with the same proxy_pass [proxy-pass-slash-redirect]',
  'conf.d/site-7.conf:5:9: error: limit_except GET restricts nothing: the block is empty, so POST, PUT, PATCH, DELETE, OPTIONS and every other method get in like GET; add "deny all;" to the block [limit-except-no-effect]',
  '',
].join('\n');

describe('the progress line', { timeout: 60_000 }, () => {
  const many = manyFiles(150);
  const few = manyFiles(99);

  it('counts up on a terminal, on stderr only, and is rubbed out at the end', () => {
    const { status, terminal, stdout } = onTerminal(many, ['-f', 'compact', '.']);
    expect(status).toBe(1);
    expect(stdout).toBe(FINDINGS);
    expect(terminal.startsWith('\r')).toBe(true);
    const frames = terminal.split('\r').slice(1);
    // The last frame is blank, then the cursor goes back to the start of the line.
    expect(frames.at(-1)).toBe('');
    expect(frames.at(-2)).toBe(' '.repeat('verblint: linting 150/150 files'.length));
    const lines = frames.slice(0, -2).map((f) => f.trimEnd());
    for (const line of lines) expect(line).toMatch(/^verblint: (reading|linting) \d+\/150 files$/);
    const reads = lines.filter((l) => l.includes('reading')).map((l) => Number(/(\d+)\//.exec(l)![1]));
    expect(reads[0]).toBe(1);
    expect(reads.at(-1)).toBe(150);
    expect(reads).toEqual([...reads].sort((a, b) => a - b));
    // Once per percent (0 to 100), not once per file.
    expect(reads).toHaveLength(101);
    // One tree: nginx.conf takes every file along.
    expect(lines.filter((l) => l.includes('linting'))).toEqual(['verblint: linting 150/150 files']);
  });

  it('is not drawn for fewer than 100 files', () => {
    const { status, terminal, stdout } = onTerminal(few, ['-f', 'compact', '.']);
    expect({ status, terminal, stdout }).toEqual({ status: 1, terminal: '', stdout: FINDINGS });
  });

  it('is not drawn with --quiet, nor in CI', () => {
    expect(onTerminal(many, ['-f', 'compact', '--quiet', '.'])).toEqual({ status: 1, terminal: '', stdout: FINDINGS.split('\n').slice(1).join('\n') });
    expect(onTerminal(many, ['-f', 'compact', '.'], { CI: 'true' })).toEqual({ status: 1, terminal: '', stdout: FINDINGS });
  });

  it('is drawn when CI says false', () => {
    expect(onTerminal(many, ['-f', 'compact', '.'], { CI: 'false' }).terminal).toContain('verblint: reading 150/150 files');
  });

  it('never goes into a pipe', () => {
    expect(inPipe(many, ['-f', 'compact', '.'])).toEqual({ status: 1, stdout: FINDINGS, stderr: '' });
    expect(inPipe(many, ['.'])).toMatchObject({ status: 1, stderr: '' });
  });
});
