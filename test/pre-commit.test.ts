// The pre-commit hook (.pre-commit-hooks.yaml). Its `files` pattern is held
// against what a walk of a folder lints, here; then, when `pre-commit` is
// installed, the hook is installed the way users install it, from a git
// repository holding this working tree, into a scratch repository where a bad
// nginx config and a bad .htaccess are refused and a good config is accepted.
// pre-commit's node language runs `npm install` and `npm pack` in the hook
// repository (the npm registry, or npm's cache), so that part is slow.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discover } from '../src/discover.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Hook {
  id: string;
  entry: string;
  language: string;
  files: string;
  types: string[];
  pass_filenames?: boolean;
}

/** A regular file (or a link to one); false for what git lists but the working tree has deleted. */
function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const HOOKS = parse(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Hook[];
const HOOK = HOOKS[0]!;

describe('.pre-commit-hooks.yaml', () => {
  it('defines the verblint hook', () => {
    expect(HOOKS.map((h) => h.id)).toEqual(['verblint']);
    expect(HOOK).toMatchObject({ id: 'verblint', entry: 'verblint', language: 'node', types: ['file'], pass_filenames: false });
  });

  // pre-commit matches `files` (Python's re.search) against paths from the
  // repository root; this pattern is plain enough to mean the same in JS.
  const files = new RegExp(HOOK.files);
  const NAMES = [
    'nginx.conf',
    'etc/nginx/nginx.conf',
    'etc/nginx/conf.d/api.conf',
    'etc/nginx/sites-available/default',
    'etc/nginx/sites-enabled/shop',
    'etc/nginx/sites-available/example.com.conf',
    'deploy/site.conf',
    'deploy/app.nginx',
    'deploy/app.vhost',
    'deploy/app.nginx.conf',
    'deploy/app.apache.conf',
    'etc/httpd/conf/httpd.conf',
    'etc/apache2/apache2.conf',
    'etc/apache2/conf-enabled/security.conf',
    '.htaccess',
    'public/.htaccess',
    'public/old.htaccess',
    // Not linted by a walk, and not matched.
    'README.md',
    'etc/nginx/nginx.conf.bak',
    'etc/nginx/sites-available/default~',
    'etc/nginx/sites-available/example.com',
    'etc/nginx/mime.types',
    'etc/nginx/fastcgi_params',
    'etc/nginx/koi-utf',
    'templates/site.conf.j2',
    'public/htaccess.txt',
    'etc/nginx/conf.d/README',
  ];

  it('matches exactly the names a walk of the repository lints', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verblint-hook-names-'));
    try {
      for (const name of NAMES) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), 'server {\n    listen 80;\n}\n');
      }
      const walked = discover(['.'], { cwd: dir }).files.map((f) => f.path);
      const matched = NAMES.filter((n) => files.test(n));
      expect(matched.sort()).toEqual(walked.sort());
      expect(matched).toHaveLength(17);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const preCommit = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' });
const installed = preCommit.status === 0;
if (!installed) {
  // Not a failure, even in CI: pre-commit is a Python tool the project does not install.
  console.warn('test/pre-commit.test.ts: pre-commit is not installed (apt install pre-commit, or pipx install pre-commit); skipping the hook installation test');
}

const BAD_NGINX = [
  'events {}',
  'http {',
  '    server {',
  '        listen 80;',
  '        location = /api {',
  '            limit_except GET {',
  '            }',
  '            proxy_pass http://127.0.0.1:8080;',
  '        }',
  '    }',
  '}',
  '',
].join('\n');
const GOOD_NGINX = BAD_NGINX.replace('limit_except GET {\n            }', 'limit_except GET {\n                deny all;\n            }');

(installed ? describe : describe.skip)(`the hook under ${preCommit.stdout.trim() || 'pre-commit'}`, { timeout: 120_000 }, () => {
  let work = '';
  let consumer = '';
  let env: NodeJS.ProcessEnv = {};

  function run(cmd: string, args: string[], cwd: string, options: SpawnSyncOptions = {}) {
    const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 120_000, ...options });
    if (r.error) throw r.error;
    return { status: r.status, output: `${r.stdout as string}${r.stderr as string}` };
  }

  function must(cmd: string, args: string[], cwd: string, options: SpawnSyncOptions = {}): string {
    const r = run(cmd, args, cwd, options);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.output}`);
    return r.output;
  }

  function commit(files: Record<string, string>, message: string) {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(consumer, name)), { recursive: true });
      writeFileSync(join(consumer, name), text);
    }
    must('git', ['add', '--', ...Object.keys(files)], consumer);
    return run('git', ['commit', '-q', '-m', message], consumer);
  }

  const commits = () => run('git', ['rev-list', '--all', '--count'], consumer).output.trim();

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'verblint-pre-commit-'));
    const gitconfig = join(work, 'gitconfig');
    writeFileSync(gitconfig, '[user]\n\tname = verblint test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n');
    // Nothing of the run that started the tests but npm's configuration:
    // `npm test` describes this package in npm_package_* and npm_lifecycle_*,
    // GIT_DIR and friends would point git at another repository, and the
    // others change verblint's output.
    const dropped = /^(npm_(?!config_)|GIT_|VERBLINT_|NO_COLOR$|FORCE_COLOR$|PRE_COMMIT)/;
    env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !dropped.test(k))),
      PRE_COMMIT_HOME: join(work, 'cache'),
      GIT_CONFIG_GLOBAL: gitconfig,
      GIT_CONFIG_NOSYSTEM: '1',
    };

    // The hook repository: what git tracks here and what the working tree
    // adds, without build output and tests (the build makes dist/ again).
    const hook = join(work, 'hook');
    const listed = must('git', ['ls-files', '-co', '--exclude-standard', '-z'], ROOT).split('\0');
    const copied = listed.filter((f) => f !== '' && !/^(node_modules|dist|test)(\/|$)/.test(f) && isFile(join(ROOT, f)));
    for (const file of copied) {
      mkdirSync(dirname(join(hook, file)), { recursive: true });
      copyFileSync(join(ROOT, file), join(hook, file));
    }
    expect(copied).toContain('.pre-commit-hooks.yaml');
    must('git', ['init', '-q'], hook);
    must('git', ['add', '-A'], hook);
    must('git', ['commit', '-q', '-m', 'verblint as it is in the working tree'], hook);
    const rev = must('git', ['rev-parse', 'HEAD'], hook).trim();

    consumer = join(work, 'consumer');
    mkdirSync(consumer);
    must('git', ['init', '-q'], consumer);
    writeFileSync(
      join(consumer, '.pre-commit-config.yaml'),
      `repos:\n  - repo: ${JSON.stringify(hook)}\n    rev: ${rev}\n    hooks:\n      - id: verblint\n`,
    );
    must('pre-commit', ['install'], consumer);
    // Builds the hook's environment now, so that a failure says so rather than failing a commit.
    const install = run('pre-commit', ['install-hooks'], consumer, { timeout: 290_000 });
    if (install.status !== 0) {
      const log = join(work, 'cache', 'pre-commit.log');
      throw new Error(`pre-commit install-hooks exited ${install.status}:\n${install.output}\n${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
    }
  }, 300_000);

  afterAll(() => {
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  it('finds the manifest valid', () => {
    expect(run('pre-commit', ['validate-manifest', join(ROOT, '.pre-commit-hooks.yaml')], ROOT)).toEqual({ status: 0, output: '' });
  });

  it('refuses a commit of an nginx config with an error, naming the rule and the line', () => {
    const { status, output } = commit({ 'nginx/nginx.conf': BAD_NGINX }, 'bad nginx');
    expect(status).toBe(1);
    expect(output).toMatch(/^verblint\.+Failed$/m);
    expect(output).toContain('- hook id: verblint\n- exit code: 1\n');
    expect(output).toContain('\nnginx/nginx.conf\n');
    expect(output).toMatch(/^ {2}6:13 +error +limit_except GET restricts nothing: .* +limit-except-no-effect$/m);
    expect(commits()).toBe('0');
  });

  it('accepts the config once it is fixed', () => {
    const { status, output } = commit({ 'nginx/nginx.conf': GOOD_NGINX }, 'good nginx');
    expect({ status, output }).toEqual({ status: 0, output: expect.stringMatching(/^verblint\.+Passed$/m) });
    expect(commits()).toBe('1');
    expect(must('git', ['show', '--name-only', '--format=', 'HEAD'], consumer)).toBe('nginx/nginx.conf\n');
  });

  it('refuses a .htaccess with an error', () => {
    const { status, output } = commit({ 'public/.htaccess': '<Limit post>\n    Require all denied\n</Limit>\n' }, 'bad htaccess');
    expect(status).toBe(1);
    expect(output).toMatch(/^verblint\.+Failed$/m);
    expect(output).toContain('\npublic/.htaccess\n');
    expect(output).toMatch(/^ {2}1:\d+ +error +.* +limit-invalid-method$/m);
    expect(commits()).toBe('1');
    must('git', ['rm', '-q', '--cached', 'public/.htaccess'], consumer);
    rmSync(join(consumer, 'public/.htaccess'));
  });

  it('does not run when no config changes', () => {
    const { status, output } = commit({ 'README.md': '# site\n' }, 'readme');
    expect(status).toBe(0);
    expect(output).toMatch(/^verblint\.+\(no files to check\)Skipped$/m);
    expect(commits()).toBe('2');
  });
});
