// What the filesystem can throw at the CLI: include cycles, globs matching
// thousands of files, files it may not read, directories and link loops where
// files are expected, binary and empty files, includes that leave the tree,
// and what the tool writes (nothing but the output file). Every case runs the
// built CLI in a scratch directory and expects its exact output and exit
// code; where nginx or Apache have a say, `nginx -t` and `apache2 -t` run on
// the same files in a private temp dir.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { CLI, runCli, type CliRun } from './helpers/cli.js';
import { NGINX } from './helpers/nginx.js';
import { generator } from './helpers/random.js';
import { APACHE2, baseConfig, checkApacheConfig, describeApache } from './helpers/real-apache.js';
import { describeReal } from './helpers/real-nginx.js';
import { writeFiles } from './helpers/real-server.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) {
    // chmod 000 entries would stop a non-root rm.
    chmodTree(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

function chmodTree(path: string): void {
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return;
    chmodSync(path, st.isDirectory() ? 0o755 : 0o644);
    if (st.isDirectory()) for (const name of readdirSync(path)) chmodTree(join(path, name));
  } catch {
    // Gone already.
  }
}

/** A scratch directory anyone may read (so an unprivileged user can run in it) holding `files`. */
function project(files: Record<string, string | Buffer | null> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'verblint-fs-'));
  made.push(dir);
  chmodSync(dir, 0o755);
  writeFiles(dir, files);
  return dir;
}

const TIMEOUT = 60_000;

function verblint(dir: string, args: readonly string[], env: Record<string, string> = {}): CliRun {
  return runCli(args, { cwd: dir, env, timeout: TIMEOUT });
}

/** Compact lint output of `paths` in `dir`. */
function lint(dir: string, ...paths: string[]): CliRun {
  return verblint(dir, ['-f', 'compact', ...paths]);
}

/** `nginx -t` on DIR/main with DIR as the prefix; a low descriptor limit makes an endless include fail as it does on most hosts. */
function nginxT(dir: string, main = 'nginx.conf'): { status: number | null; stderr: string } {
  const run = spawnSync('sh', ['-c', 'ulimit -n 256 && exec "$0" "$@"', NGINX, '-t', '-q', '-p', `${dir}/`, '-c', join(dir, main), '-e', 'stderr'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: run.status, stderr: run.stderr };
}

const CYCLE_NGINX = 'nginx would include these files without end';
const CYCLE_APACHE = 'Apache stops after 128 nested includes with "Exceeded maximum include depth of 128, There appears to be a recursion."';

describe('include cycles', { timeout: TIMEOUT }, () => {
  it('nginx: a file that includes a file that includes it is an include-missing error, once, at the include that closes the cycle', () => {
    const dir = project({
      'nginx.conf': 'events {}\nhttp {\n    include a.conf;\n}\n',
      'a.conf': 'include b.conf;\n',
      'b.conf': '# back to a\ninclude a.conf;\n',
    });
    const run = lint(dir, 'nginx.conf');
    expect(run.stdout).toBe(`b.conf:2:1: error: include cycle: a.conf -> b.conf -> a.conf; ${CYCLE_NGINX} [include-missing]\n`);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    // A walk that finds all three lints a.conf and b.conf once, in nginx.conf's tree.
    expect(lint(dir, '.')).toEqual(run);
  });

  it('nginx: a file that includes itself, and parse keeps crossplane\'s payload with a warning on stderr', () => {
    const dir = project({ 'nginx.conf': 'events {}\nhttp {\n    include self.conf;\n}\n', 'self.conf': 'include self.conf;\n' });
    const run = lint(dir, 'nginx.conf');
    expect(run.stdout).toBe(`self.conf:1:1: error: include cycle: self.conf -> self.conf; ${CYCLE_NGINX} [include-missing]\n`);
    expect(run.status).toBe(1);
    const parse = verblint(dir, ['parse', 'self.conf']);
    expect(JSON.parse(parse.stdout)).toEqual({
      status: 'ok',
      errors: [],
      config: [{ file: 'self.conf', status: 'ok', errors: [], parsed: [{ directive: 'include', line: 1, args: ['self.conf'], includes: [0] }] }],
    });
    expect(parse.stderr).toBe(`self.conf:1:1: warning: include cycle: self.conf -> self.conf; ${CYCLE_NGINX}\n`);
    expect(parse.status).toBe(0);
  });

  it('nginx: a file included twice without a loop is no cycle', () => {
    const dir = project({ 'nginx.conf': 'events {}\nhttp {\n    include a.conf;\n    include b.conf;\n}\n', 'a.conf': 'include c.conf;\n', 'b.conf': 'include c.conf;\n', 'c.conf': '' });
    expect(lint(dir, 'nginx.conf')).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('Apache: a cycle, a file including itself, and a main file including its own folder, each in Apache\'s words', () => {
    const dir = project({
      'cycle/apache2.conf': 'ServerName localhost\nInclude a.conf\n',
      'cycle/a.conf': 'Include b.conf\n',
      'cycle/b.conf': 'Include a.conf\n',
      'self/apache2.conf': 'Include apache2.conf\n',
      'folder/conf/httpd.conf': 'ServerName localhost\nInclude conf\n',
    });
    const folder = join(dir, 'folder');
    expect(lint(join(dir, 'cycle'), 'apache2.conf')).toEqual({
      status: 1,
      stdout: `b.conf:1:1: error: include cycle: a.conf -> b.conf -> a.conf; ${CYCLE_APACHE} [include-missing]\n`,
      stderr: '',
    });
    expect(lint(join(dir, 'self'), 'apache2.conf').stdout).toBe(`apache2.conf:1:1: error: include cycle: apache2.conf -> apache2.conf; ${CYCLE_APACHE} [include-missing]\n`);
    expect(verblint(folder, ['-f', 'compact', '--server-root', folder, join(folder, 'conf/httpd.conf')]).stdout).toBe(
      `conf/httpd.conf:2:1: error: include cycle: ${folder}/conf/httpd.conf -> ${folder}/conf/httpd.conf; ${CYCLE_APACHE} [include-missing]\n`,
    );
  });

  it('Apache: a chain of 128 includes below the main file is read, the 129th is where Apache stops', () => {
    const chain = (n: number): Record<string, string> => {
      const files: Record<string, string> = { 'apache2.conf': 'Include c1.conf\n' };
      for (let i = 1; i <= n; i++) files[`c${i}.conf`] = `Include c${i + 1}.conf\n`;
      files[`c${n + 1}.conf`] = 'Include absent.conf\n';
      return files;
    };
    // c128.conf is 128 deep and may include no further: its Include fails.
    expect(lint(project(chain(127)), 'apache2.conf').stdout).toBe(
      'c128.conf:1:9: error: Could not open configuration file absent.conf: No such file or directory [include-missing]\n',
    );
    expect(lint(project(chain(128)), 'apache2.conf').stdout).toBe(
      'c128.conf:1:1: error: Exceeded maximum include depth of 128, There appears to be a recursion. [include-missing]\n',
    );
  });
});

describeReal('include cycles: what nginx -t says', () => {
  it('fails on a cycle, running out of file descriptors', () => {
    const dir = project({ 'nginx.conf': 'events {}\nhttp {\n    include a.conf;\n}\n', 'a.conf': 'include b.conf;\n', 'b.conf': 'include a.conf;\n' });
    const run = nginxT(dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/\[emerg\] \d+#\d+: open\(\) ".*\/[ab]\.conf" failed \(24: Too many open files\)/);
  });
});

/**
 * `apache2 -t` on `files` plus apache.conf (baseConfig, then `main`), in a temp dir with a
 * short name: Apache prefixes an error with one "Syntax error on line N of FILE: " per
 * include level and cuts the line near 8 KB, so 128 long prefixes would hide the message.
 * Gives the innermost file and line, and the message.
 */
function apacheT(files: Record<string, string>, main: string): { status: number | null; at: string; message: string } {
  const dir = mkdtempSync('/tmp/vf-');
  made.push(dir);
  mkdirSync(join(dir, 'run'));
  mkdirSync(join(dir, 'htdocs'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'apache.conf'), `${baseConfig(dir)}${main}`);
  const run = spawnSync(APACHE2, ['-t', '-f', join(dir, 'apache.conf'), '-d', dir], { encoding: 'utf8', timeout: 20_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C' } });
  const line = run.stderr.split('\n').find((l) => l.includes('Syntax error on line')) ?? '';
  let at = '';
  let rest = line.replace(/^\S+: /, '');
  for (let m; (m = /^Syntax error on line (\d+) of (.+?): /.exec(rest)); rest = rest.slice(m[0].length)) at = `${relative(dir, m[2]!)}:${m[1]}`;
  return { status: run.status, at, message: rest };
}

describeApache('include cycles: what apache2 -t says', () => {
  const RECURSION = 'Exceeded maximum include depth of 128, There appears to be a recursion.';
  it('fails on a cycle with the words verblint quotes', () => {
    const run = apacheT({ 'a.conf': 'Include b.conf\n', 'b.conf': 'Include a.conf\n' }, 'Include a.conf\n');
    expect([run.status, run.message]).toEqual([1, RECURSION]);
    expect(CYCLE_APACHE).toContain(RECURSION);
  });

  it('reads a chain 128 deep and stops at 129, at the same Include as verblint', () => {
    const chain = (n: number): Record<string, string> => {
      const files: Record<string, string> = {};
      for (let i = 1; i <= n; i++) files[`c${i}.conf`] = `Include c${i + 1}.conf\n`;
      files[`c${n + 1}.conf`] = 'ServerAdmin root@example.com\n';
      return files;
    };
    expect(apacheT(chain(127), 'Include c1.conf\n')).toEqual({ status: 0, at: '', message: '' });
    expect(apacheT(chain(128), 'Include c1.conf\n')).toEqual({ status: 1, at: 'c128.conf:1', message: RECURSION });
  });
});

describe('a glob matching 3,000 files', { timeout: 120_000 }, () => {
  const N = 3000;
  const name = (i: number): string => `u${String(i).padStart(4, '0')}.conf`;

  it('nginx: every file is read, once, and the last one\'s finding is reported', () => {
    const files: Record<string, string> = {
      'nginx.conf': 'events {}\nhttp {\n    include conf.d/*.conf;\n    server {\n        listen 80;\n    }\n}\n',
    };
    for (let i = 1; i <= N; i++) files[`conf.d/${name(i)}`] = `upstream b${i} {\n    server 127.0.0.1:${8000 + (i % 1000)};\n}\n`;
    files[`conf.d/${name(N)}`] += 'include absent.conf;\n';
    const dir = project(files);
    const expected = `conf.d/${name(N)}:4:9: error: open() "absent.conf" failed (2: No such file or directory) [include-missing]\n`;
    expect(lint(dir, 'nginx.conf')).toEqual({ status: 1, stdout: expected, stderr: '' });
    // The walk finds all 3,001 files and lints each once, in nginx.conf's tree.
    expect(lint(dir, '.')).toEqual({ status: 1, stdout: expected, stderr: '' });
    const payload = JSON.parse(verblint(dir, ['parse', 'nginx.conf']).stdout) as { config: Array<{ file: string }> };
    expect(payload.config.map((c) => c.file)).toEqual(['nginx.conf', ...Array.from({ length: N }, (_, i) => `conf.d/${name(i + 1)}`)]);
  });

  it('Apache: a wildcard and a folder of 3,000 files', () => {
    const files: Record<string, string> = { 'apache2.conf': 'ServerName localhost\nInclude sites/*.conf\nInclude folder\n' };
    for (let i = 1; i <= N; i++) {
      files[`sites/${name(i)}`] = `<VirtualHost *:80>\n    ServerName s${i}.example.com\n</VirtualHost>\n`;
      files[`folder/${name(i)}`] = `Define F${i}\n`;
    }
    files[`sites/${name(N)}`] += 'Include absent.conf\n';
    files[`folder/${name(N)}`] += 'Include absent-too.conf\n';
    const dir = project(files);
    expect(lint(dir, 'apache2.conf')).toEqual({
      status: 1,
      stdout: [
        `folder/${name(N)}:2:9: error: Could not open configuration file absent-too.conf: No such file or directory [include-missing]`,
        `sites/${name(N)}:4:9: error: Could not open configuration file absent.conf: No such file or directory [include-missing]`,
        '',
      ].join('\n'),
      stderr: '',
    });
    const payload = JSON.parse(verblint(dir, ['parse', 'apache2.conf']).stdout) as { config: unknown[] };
    expect(payload.config).toHaveLength(1 + 2 * N);
  });
});

// chmod 000 does not stop root: as root, the CLI runs as nobody for these.
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
let nobodyWorks: boolean | undefined;

/** Runs the CLI as a user whom permissions stop; skips the test, saying why, when there is none. */
function unprivileged(ctx: TestContext, dir: string, args: readonly string[]): CliRun {
  if (!asRoot) return verblint(dir, args);
  const spawn = (a: readonly string[]) =>
    spawnSync(process.execPath, [CLI, ...a], { cwd: dir, encoding: 'utf8', uid: NOBODY, gid: NOBODY, timeout: TIMEOUT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  nobodyWorks ??= spawn(['--version']).status === 0;
  if (!nobodyWorks) {
    const note = `running as root, and user ${NOBODY} cannot run ${CLI}: the unreadable-file assertions are skipped`;
    console.warn(note);
    return ctx.skip(note);
  }
  const run = spawn(args);
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('files and directories verblint may not read', { timeout: TIMEOUT }, () => {
  it('nginx: the main file, an included file, and a folder a glob lists: exit 2, each named on stderr; the rest is still linted', (ctx) => {
    const dir = project({
      'main/nginx.conf': 'events {}\n',
      'tree/nginx.conf': 'events {}\nhttp {\n    include conf.d/*.conf;\n    include private/*.conf;\n    include absent.conf;\n}\n',
      'tree/conf.d/a.conf': 'upstream a {\n    server 127.0.0.1:8080;\n}\n',
      'tree/private/b.conf': '',
    });
    chmodSync(join(dir, 'main/nginx.conf'), 0);
    chmodSync(join(dir, 'tree/conf.d/a.conf'), 0);
    chmodSync(join(dir, 'tree/private'), 0);
    expect(unprivileged(ctx, dir, ['-f', 'compact', 'main/nginx.conf'])).toEqual({
      status: 2,
      stdout: '',
      stderr: 'verblint: cannot read main/nginx.conf: open() "main/nginx.conf" failed (13: Permission denied)\n',
    });
    expect(unprivileged(ctx, join(dir, 'tree'), ['-f', 'compact', 'nginx.conf'])).toEqual({
      status: 2,
      stdout: 'nginx.conf:5:13: error: open() "absent.conf" failed (2: No such file or directory) [include-missing]\n',
      // nginx.conf's own problems first, then its files'.
      stderr: [
        `verblint: cannot read private: glob() "private/*.conf" failed (13: Permission denied): cannot list ${join(dir, 'tree/private')}`,
        'verblint: cannot read conf.d/a.conf: open() "conf.d/a.conf" failed (13: Permission denied)',
        '',
      ].join('\n'),
    });
    // parse and explain say the same about a main file they cannot read.
    for (const args of [['parse', 'main/nginx.conf'], ['explain', 'main/nginx.conf', 'GET', '/']]) {
      const run = unprivileged(ctx, dir, args);
      expect([run.status, run.stderr.split('\n').filter(Boolean).at(-1)]).toEqual([2, 'verblint: cannot read main/nginx.conf: open() "main/nginx.conf" failed (13: Permission denied)']);
    }
  });

  it('Apache: an included file, a folder inside an included folder, and a folder a wildcard lists (which is no "No matches")', (ctx) => {
    const dir = project({
      'apache2.conf': 'ServerName localhost\nInclude a.conf\nInclude conf\nInclude closed/*.conf\n',
      'a.conf': 'ServerAdmin root@example.com\n',
      'conf/open.conf': 'Include absent.conf\n',
      'conf/private/x.conf': '',
      'closed/y.conf': '',
    });
    chmodSync(join(dir, 'a.conf'), 0);
    chmodSync(join(dir, 'conf/private'), 0);
    chmodSync(join(dir, 'closed'), 0);
    expect(unprivileged(ctx, dir, ['-f', 'compact', 'apache2.conf'])).toEqual({
      status: 2,
      stdout: 'conf/open.conf:1:9: error: Could not open configuration file absent.conf: No such file or directory [include-missing]\n',
      stderr: [
        'verblint: cannot read conf/private: Could not open config directory conf/private: Permission denied',
        'verblint: cannot read closed: Could not open config directory closed: Permission denied',
        'verblint: cannot read a.conf: Could not open configuration file a.conf: Permission denied',
        '',
      ].join('\n'),
    });
  });

  it('a walk: a file it cannot read is named, whatever its name, and so is a folder it cannot enter; an ignored folder is not', (ctx) => {
    const dir = project({
      'nginx.conf': 'events {}\n',
      'odd.conf': 'listen 80;\n',
      'closed/inner.conf': '',
      'ignored/inner.conf': '',
      '.gitignore': 'ignored/\n',
    });
    chmodSync(join(dir, 'odd.conf'), 0);
    chmodSync(join(dir, 'closed'), 0);
    chmodSync(join(dir, 'ignored'), 0);
    expect(unprivileged(ctx, dir, ['-f', 'compact', '.'])).toEqual({
      status: 2,
      stdout: '',
      stderr: [
        'verblint: cannot read closed: Permission denied (EACCES): no config in this directory is linted',
        'verblint: cannot read odd.conf: open() "odd.conf" failed (13: Permission denied)',
        '',
      ].join('\n'),
    });
    expect(unprivileged(ctx, dir, ['-f', 'compact', 'closed'])).toEqual({
      status: 2,
      stdout: '',
      stderr: 'verblint: cannot read closed: Permission denied (EACCES): no config in this directory is linted\n',
    });
  });

  it('a readable tree gives none of these messages (the same files, readable)', () => {
    const dir = project({ 'nginx.conf': 'events {}\n', 'odd.conf': 'listen 80;\n', 'closed/inner.conf': '' });
    expect(lint(dir, '.')).toEqual({ status: 0, stdout: '', stderr: '' });
  });
});

describe('directories where files are expected, symbolic link loops', { timeout: TIMEOUT }, () => {
  it('nginx: an include naming a directory, literally or through a glob, is an error in nginx\'s words', () => {
    const dir = project({ 'nginx.conf': 'events {}\nhttp {\n    include dir.conf;\n    include conf.d/*;\n}\n', 'dir.conf': null, 'conf.d/a.conf': '', 'conf.d/sub.conf': null });
    expect(lint(dir, 'nginx.conf')).toEqual({
      status: 1,
      stdout: [
        'nginx.conf:3:13: error: pread() "dir.conf" failed (21: Is a directory) [include-missing]',
        'nginx.conf:4:13: error: pread() "conf.d/sub.conf" failed (21: Is a directory) [include-missing]',
        '',
      ].join('\n'),
      stderr: '',
    });
  });

  it('a directory named like a config on the command line is walked: empty, there is nothing to lint; explain and parse cannot read it', () => {
    const dir = project({ 'nginx.conf': null, 'x.conf/site.conf': 'listen 80;\n' });
    expect(lint(dir, 'nginx.conf')).toEqual({ status: 2, stdout: '', stderr: 'verblint: no nginx or Apache config files found in nginx.conf\n' });
    expect(verblint(dir, ['explain', 'nginx.conf', 'GET', '/'])).toEqual({
      status: 2,
      stdout: '',
      stderr: 'verblint: cannot read nginx.conf: pread() "nginx.conf" failed (21: Is a directory)\n',
    });
    const parse = verblint(dir, ['parse', 'nginx.conf']);
    expect([parse.status, parse.stderr]).toEqual([2, 'verblint: cannot read nginx.conf: pread() "nginx.conf" failed (21: Is a directory)\n']);
    // A walk goes into x.conf/ and does not take the folder for a file.
    expect(lint(dir, '.')).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('Apache: Include of a folder named like a file reads the folder, as Apache does', () => {
    const dir = project({ 'apache2.conf': 'Include x.conf\n', 'x.conf/inner': 'Include absent.conf\n' });
    expect(lint(dir, 'apache2.conf').stdout).toBe('x.conf/inner:1:9: error: Could not open configuration file absent.conf: No such file or directory [include-missing]\n');
  });

  it('nginx: an include of a link loop, literally or through a glob, is an error; named on the command line it cannot be read', () => {
    const dir = project({ 'nginx.conf': 'events {}\nhttp {\n    include l1.conf;\n    include conf.d/*.conf;\n}\n', 'conf.d/ok.conf': '' });
    symlinkSync('l2.conf', join(dir, 'l1.conf'));
    symlinkSync('l1.conf', join(dir, 'l2.conf'));
    symlinkSync('loop.conf', join(dir, 'conf.d/loop.conf'));
    expect(lint(dir, 'nginx.conf')).toEqual({
      status: 1,
      stdout: [
        'nginx.conf:3:13: error: open() "l1.conf" failed (40: Too many levels of symbolic links) [include-missing]',
        'nginx.conf:4:13: error: open() "conf.d/loop.conf" failed (40: Too many levels of symbolic links) [include-missing]',
        '',
      ].join('\n'),
      stderr: '',
    });
    expect(lint(dir, 'l1.conf')).toEqual({ status: 2, stdout: '', stderr: 'verblint: cannot read l1.conf: open() "l1.conf" failed (40: Too many levels of symbolic links)\n' });
  });

  it('a walk reports a link loop it finds, skips a dangling link, and does not follow a link to a folder above', () => {
    const dir = project({ 'conf.d/ok.conf': 'listen 80;\n' });
    symlinkSync('loop.conf', join(dir, 'conf.d/loop.conf'));
    symlinkSync('gone.conf', join(dir, 'conf.d/dangling.conf'));
    symlinkSync('..', join(dir, 'conf.d/up'));
    expect(lint(dir, '.')).toEqual({
      status: 2,
      stdout: '',
      stderr: 'verblint: cannot read conf.d/loop.conf: open() "conf.d/loop.conf" failed (40: Too many levels of symbolic links)\n',
    });
  });

  it('Apache: a folder holding a link back up is an error (Apache follows it until ELOOP); a link to a sibling folder is read twice, as Apache reads it', () => {
    const dir = project({ 'apache2.conf': 'Include d1\n', 'd1/sub/x.conf': 'Include absent.conf\n' });
    symlinkSync('..', join(dir, 'd1/sub/up'));
    expect(lint(dir, 'apache2.conf').stdout).toBe(
      [
        'apache2.conf:1:9: error: Could not open configuration file d1/sub/up: it links back to a directory above it, which Apache follows until "Too many levels of symbolic links" [include-missing]',
        'd1/sub/x.conf:1:9: error: Could not open configuration file absent.conf: No such file or directory [include-missing]',
        '',
      ].join('\n'),
    );
    const optional = project({ 'apache2.conf': 'IncludeOptional d1\n', 'd1/sub/x.conf': 'ServerAdmin root@example.com\n' });
    symlinkSync('..', join(optional, 'd1/sub/up'));
    expect(lint(optional, 'apache2.conf')).toEqual({ status: 0, stdout: '', stderr: '' });
    const siblings = project({ 'apache2.conf': 'Include sites\n', 'sites/real/x.conf': 'Include absent.conf\n' });
    symlinkSync('real', join(siblings, 'sites/link'));
    expect(lint(siblings, 'apache2.conf').stdout).toBe(
      [
        'sites/link/x.conf:1:9: error: Could not open configuration file absent.conf: No such file or directory [include-missing]',
        'sites/real/x.conf:1:9: error: Could not open configuration file absent.conf: No such file or directory [include-missing]',
        '',
      ].join('\n'),
    );
  });

  it('a FIFO named like a config is refused, not waited on', () => {
    const dir = project({ 'nginx.conf': 'events {}\nhttp {\n    include fifo.conf;\n}\n' });
    const mkfifo = spawnSync('mkfifo', [join(dir, 'fifo.conf')]);
    expect(mkfifo.status).toBe(0);
    expect(lint(dir, 'nginx.conf')).toEqual({
      status: 1,
      stdout: 'nginx.conf:3:13: error: "fifo.conf" is not a regular file (a FIFO, socket or device), so it is not read [include-missing]\n',
      stderr: '',
    });
    expect(lint(dir, 'fifo.conf')).toEqual({
      status: 2,
      stdout: '',
      stderr: 'verblint: cannot read fifo.conf: "fifo.conf" is not a regular file (a FIFO, socket or device), so it is not read\n',
    });
  });
});

describeReal('directories and link loops: what nginx -t says', () => {
  it('fails on an included directory with pread() and on a link loop with open()', () => {
    const dir = project({ 'nginx.conf': 'events {}\nhttp {\n    include dir.conf;\n}\n', 'dir.conf': null, 'loop.conf': 'events {}\nhttp {\n    include l1.conf;\n}\n' });
    const run = nginxT(dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/\[crit\] \d+#\d+: pread\(\) ".*\/dir\.conf" failed \(21: Is a directory\)/);
    symlinkSync('l2.conf', join(dir, 'l1.conf'));
    symlinkSync('l1.conf', join(dir, 'l2.conf'));
    const loop = nginxT(dir, 'loop.conf');
    expect(loop.status).toBe(1);
    expect(loop.stderr).toMatch(/\[emerg\] \d+#\d+: open\(\) ".*\/l1\.conf" failed \(40: Too many levels of symbolic links\)/);
  });
});

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);

/** `n` bytes from a fixed seed; without NUL bytes when `nul` is false. */
function randomBytes(seed: number, n: number, nul: boolean): Buffer {
  const r = generator(seed);
  return Buffer.from(Array.from({ length: n }, () => (nul ? Math.floor(r() * 256) : 1 + Math.floor(r() * 255))));
}

/** Line and column of the first NUL, as verblint counts them (UTF-16 units of the decoded text, lines at LF). */
function firstNul(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  const at = text.indexOf('\0');
  const before = text.slice(0, at);
  return `${before.split('\n').length}:${at - before.lastIndexOf('\n')}`;
}

describe('binary and empty files', { timeout: TIMEOUT }, () => {
  const binary = (server: string, what: string) => `binary file, not a config (${what}): ${server} would read its bytes as directives; is the path right? [syntax-error]`;

  it('nginx: a PNG named x.conf and random bytes are a syntax error each, at the first NUL byte or at the start', () => {
    const withNul = randomBytes(9, 4096, true);
    const dir = project({
      'nginx.conf': 'events {}\nhttp {\n    include conf.d/*.conf;\n}\n',
      'conf.d/x.conf': PNG,
      'conf.d/noise.conf': withNul,
      'conf.d/static.conf': randomBytes(10, 4096, false),
    });
    expect(lint(dir, 'nginx.conf')).toEqual({
      status: 1,
      stdout: [
        `conf.d/noise.conf:${firstNul(withNul)}: error: ${binary('nginx', 'a NUL byte here')}`,
        `conf.d/static.conf:1:1: error: ${binary('nginx', 'most of its first 8 KB is not text')}`,
        `conf.d/x.conf:3:1: error: ${binary('nginx', 'a NUL byte here')}`,
        '',
      ].join('\n'),
      stderr: '',
    });
    // Named on the command line, a binary file is linted, and explain refuses it.
    expect(lint(dir, 'conf.d/x.conf').stdout).toBe(`conf.d/x.conf:3:1: error: ${binary('nginx', 'a NUL byte here')}\n`);
    expect(verblint(dir, ['explain', 'conf.d/x.conf', 'GET', '/'])).toEqual({
      status: 2,
      stdout: '',
      stderr: `conf.d/x.conf:3:1: error: ${binary('nginx', 'a NUL byte here').replace(' [syntax-error]', '')}\nverblint: conf.d/x.conf has a syntax error; fix it first\n`,
    });
  });

  it('Apache: a PNG named x.conf is a syntax error, not a file of unknown directives', () => {
    const dir = project({ 'apache2.conf': 'ServerName localhost\nInclude x.conf\n', 'x.conf': PNG });
    expect(lint(dir, 'apache2.conf')).toEqual({ status: 1, stdout: `x.conf:3:1: error: ${binary('Apache', 'a NUL byte here')}\n`, stderr: '' });
  });

  it('a text config with accents in a comment, in Latin-1, is text', () => {
    const dir = project({ 'nginx.conf': Buffer.from('# caf\xe9 cr\xe8me br\xfbl\xe9e\nevents {}\n', 'latin1') });
    expect(lint(dir, 'nginx.conf')).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('empty files: nothing to report, for lint, parse, explain and an include; a walk finds no config in an empty *.conf', () => {
    const dir = project({ 'nginx.conf': 'events {}\nhttp {\n    include empty.conf;\n}\n', 'empty.conf': '', 'apache/httpd.conf': '', 'other/blank.conf': '' });
    expect(lint(dir, 'nginx.conf', 'empty.conf', 'apache/httpd.conf')).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(verblint(dir, ['parse', 'empty.conf'])).toEqual({
      status: 0,
      stdout: '{"status":"ok","errors":[],"config":[{"file":"empty.conf","status":"ok","errors":[],"parsed":[]}]}\n',
      stderr: '',
    });
    expect(verblint(dir, ['explain', 'empty.conf', 'GET', '/'])).toEqual({
      status: 0,
      stdout: 'GET / → no server listens: the connection is refused\n\n  1. (nginx)  no server listens on port 80\n',
      stderr: '',
    });
    expect(lint(dir, 'other')).toEqual({ status: 2, stdout: '', stderr: 'verblint: no nginx or Apache config files found in other\n' });
  });
});

describeApache('binary files: what apache2 -t says', () => {
  it('fails on a PNG with "Invalid command"', { timeout: TIMEOUT }, async () => {
    const verdict = await checkApacheConfig(({ dir, port }) => ({ 'apache.conf': `${baseConfig(dir, port)}Include x.conf\n`, 'x.conf': PNG }), 'apache.conf');
    expect([verdict.ok, verdict.file, verdict.line]).toEqual([false, 'x.conf', 1]);
    expect(verdict.message).toMatch(/^Invalid command '\\x89PNG'/);
  });
});

/** Every entry under `root`: type, mode, size, mtime and a hash of the content (directories' mtimes show entries made and removed). */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (path: string, rel: string): void => {
    const st = lstatSync(path);
    const kind = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'file';
    const hash = kind === 'file' ? createHash('sha1').update(readFileSync(path)).digest('hex') : '';
    out.set(rel, `${kind} ${st.mode.toString(8)} ${kind === 'dir' ? '' : st.size} ${st.mtimeMs} ${hash}`);
    if (kind === 'dir') for (const name of readdirSync(path).sort()) visit(join(path, name), rel === '' ? name : `${rel}/${name}`);
  };
  visit(root, '');
  return out;
}

/** Paths added, removed or changed between two snapshots. */
function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).sort();
}

describe('includes outside the tree, and what verblint writes', { timeout: 120_000 }, () => {
  const files = {
    'site/nginx.conf': 'events {}\nhttp {\n    include conf.d/*.conf;\n    include ../outside/extra.conf;\n    include ../outside/absent.conf;\n}\n',
    'site/conf.d/api.conf': 'server {\n    listen 80;\n    server_name api.example.com;\n    location /api/ {\n        limit_except GET {\n            deny all;\n        }\n        proxy_pass http://127.0.0.1:8080;\n    }\n}\n',
    'site/openapi.yaml': 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\nservers:\n  - url: http://api.example.com\npaths:\n  /api/users:\n    post:\n      responses: {"201": {description: created}}\n',
    'site/apache2.conf': 'ServerName localhost\nDocumentRoot /srv/www\n<Directory /srv/www>\n    <Limit post>\n        Require all denied\n    </Limit>\n</Directory>\n',
    'outside/extra.conf': 'map $uri $x {\n    default 1;\n}\ninclude gone.conf;\n',
    'home/.keep': '',
    'tmp/.keep': '',
  };

  it('reads a file outside the tree when it is there and reports the one that is not; under --sysroot only the sysroot is read', () => {
    const dir = project(files);
    const site = join(dir, 'site');
    expect(lint(site, 'nginx.conf')).toEqual({
      status: 1,
      stdout: [
        // gone.conf resolves against the prefix, nginx.conf's folder, as nginx resolves it.
        '../outside/extra.conf:4:9: error: open() "gone.conf" failed (2: No such file or directory) [include-missing]',
        'conf.d/api.conf:4:5: warning: POST, PUT, DELETE and every other method to /api get 301 to /api/ because location /api/ has proxy_pass (line 8); browsers resend POST as GET without the body: add "location = /api" with the same proxy_pass [proxy-pass-slash-redirect]',
        'nginx.conf:5:13: error: open() "../outside/absent.conf" failed (2: No such file or directory) [include-missing]',
        '',
      ].join('\n'),
      stderr: '',
    });
    const absolute = project({ 'nginx.conf': `events {}\nhttp {\n    include ${join(dir, 'outside/extra.conf')};\n}\n`, 'sysroot/.keep': '' });
    expect(lint(absolute, 'nginx.conf').stdout).toBe(`${relative(absolute, join(dir, 'outside/extra.conf'))}:4:9: error: open() "gone.conf" failed (2: No such file or directory) [include-missing]\n`);
    expect(verblint(absolute, ['-f', 'compact', '--sysroot', 'sysroot', 'nginx.conf']).stdout).toBe(
      `nginx.conf:3:13: error: open() "${join(dir, 'outside/extra.conf')}" failed (2: No such file or directory) [include-missing]\n`,
    );
  });

  it('lint, parse, explain, routes and contract change nothing, in the tree, outside it, in HOME or in TMPDIR', () => {
    const dir = project(files);
    const site = join(dir, 'site');
    const env = { HOME: join(dir, 'home'), TMPDIR: join(dir, 'tmp'), XDG_CACHE_HOME: join(dir, 'home/.cache'), XDG_CONFIG_HOME: join(dir, 'home/.config') };
    const runs: Array<[string[], number]> = [
      [[], 1],
      [['.'], 1],
      [['-f', 'json', 'nginx.conf', 'apache2.conf'], 1],
      [['-f', 'html', 'nginx.conf'], 1],
      [['parse', 'nginx.conf', 'apache2.conf'], 1],
      [['explain', 'nginx.conf', 'POST', 'http://api.example.com/api/users'], 0],
      [['explain', 'apache2.conf', 'POST', 'http://localhost/'], 0],
      [['routes', 'nginx.conf', '-f', 'html'], 0],
      [['contract', 'nginx.conf', '--openapi', 'openapi.yaml'], 1],
    ];
    const before = snapshot(dir);
    for (const [args, status] of runs) {
      const run = verblint(site, args, env);
      expect([args, run.status]).toEqual([args, status]);
    }
    expect(changes(before, snapshot(dir))).toEqual([]);
  });

  it('with -o (and -f NAME=FILE) it writes those files and nothing else', () => {
    const dir = project(files);
    const site = join(dir, 'site');
    const env = { HOME: join(dir, 'home'), TMPDIR: join(dir, 'tmp') };
    const written = (args: string[], status: number, made: string[]): void => {
      const before = snapshot(dir);
      const run = verblint(site, args, env);
      expect([args, run.status, run.stdout]).toEqual([args, status, '']);
      // The folder the file goes in changes with it.
      expect(changes(before, snapshot(dir))).toEqual(['site', ...made.map((m) => `site/${m}`)].sort());
    };
    written(['-o', 'report.txt', 'nginx.conf'], 1, ['report.txt']);
    written(['-f', 'json', '-o', 'report.txt', '-f', 'sarif=report.sarif', 'nginx.conf'], 1, ['report.sarif', 'report.txt']);
    written(['routes', 'nginx.conf', '-f', 'html', '-o', 'routes.html'], 0, ['routes.html']);
    written(['contract', 'nginx.conf', '--openapi', 'openapi.yaml', '-o', 'contract.txt'], 1, ['contract.txt']);
    expect((JSON.parse(readFileSync(join(site, 'report.txt'), 'utf8')) as unknown[]).length).toBe(3);
  });
});
