// `verblint parse` as a user runs it: the built CLI (npm test builds first),
// its bytes on stdout, its exit codes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NGINX_CORPUS } from './helpers/corpus.js';

const CLI = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
const FILES = join(NGINX_CORPUS, 'files');

function verblint(args: string[], cwd = FILES) {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function golden(file: string, variant: 'syntax' | 'comments'): string {
  return readFileSync(join(NGINX_CORPUS, 'golden', `${file}.${variant}.json`), 'utf8');
}

describe('verblint parse', () => {
  it.each([
    'nginxinc_crossplane/tests__configs__russian-text__nginx.conf',
    'nginxinc_crossplane/tests__configs__lua-block-tricky__nginx.conf',
    'nginxinc_crossplane/tests__configs__messy__nginx.conf'.replace('messy', 'spelling-mistake'),
    'debian_nginx-common/etc__nginx__nginx.conf',
  ])('prints crossplane bytes for %s', (file) => {
    const syntax = verblint(['parse', '--single-file', '--indent', '2', file]);
    expect(syntax.stdout).toBe(golden(file, 'syntax'));
    expect(syntax.status).toBe(0);
    const comments = verblint(['parse', '--single-file', '--include-comments', '--indent', '2', file]);
    expect(comments.stdout).toBe(golden(file, 'comments'));
  });

  it('prints Apache files in the same shape, judging the dialect as linting does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verblint-parse-'));
    writeFileSync(join(dir, '.htaccess'), '# c\n<IfModule mod_rewrite.c>\n  RewriteRule ^a\\ b - [R=405,L]\n</IfModule>\n');
    const { status, stdout } = verblint(['parse', '--include-comments', '.htaccess'], dir);
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      status: 'ok',
      errors: [],
      config: [{
        file: '.htaccess',
        status: 'ok',
        errors: [],
        parsed: [
          { directive: '#', line: 1, args: [], comment: ' c' },
          {
            directive: 'IfModule', line: 2, args: ['mod_rewrite.c'],
            block: [{ directive: 'RewriteRule', line: 3, args: ['^a\\ b', '-', '[R=405,L]'] }],
          },
        ],
      }],
    });
    // Read as nginx, the same text is something else entirely.
    expect(JSON.parse(verblint(['parse', '--dialect', 'nginx', '.htaccess'], dir).stdout).status).toBe('failed');
  });

  it('prints compact JSON with non-ASCII escaped, as crossplane does without --indent', () => {
    const file = 'nginxinc_crossplane/tests__configs__russian-text__nginx.conf';
    const { stdout } = verblint(['parse', '--single-file', file]);
    expect(stdout.endsWith('}\n')).toBe(true);
    expect(stdout.trimEnd()).not.toMatch(/[\n\u0080-\uffff]|": |, "/);
    expect(stdout).toMatch(/\\u04[0-9a-f]{2}/);
    expect(JSON.parse(stdout)).toEqual(JSON.parse(golden(file, 'syntax')));
  });

  it('follows includes relative to --prefix', () => {
    const tree = join(NGINX_CORPUS, 'trees/nginxinc_crossplane/tests/configs/includes-globbed');
    const elsewhere = mkdtempSync(join(tmpdir(), 'verblint-cli-'));
    const { stdout, status } = verblint(['parse', '--prefix', tree, join(tree, 'nginx.conf')], elsewhere);
    expect(status).toBe(0);
    const payload = JSON.parse(stdout) as { config: Array<{ file: string }> };
    expect(payload.config.map((c) => c.file)).toEqual([
      join(tree, 'nginx.conf'),
      `${tree}/http.conf`,
      `${tree}/servers/server1.conf`,
      `${tree}/servers/server2.conf`,
      `${tree}/locations/location1.conf`,
      `${tree}/locations/location2.conf`,
    ]);
  });

  it('adds columns and end positions with --positions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verblint-cli-'));
    writeFileSync(join(dir, 'a.conf'), 'events {}\nhttp {\n  include  "mime.types" ;\n}\n');
    writeFileSync(join(dir, 'mime.types'), 'types { text/html html; }\n');
    const { stdout, status } = verblint(['parse', '--positions', 'a.conf'], dir);
    expect(status).toBe(0);
    const include = (JSON.parse(stdout) as { config: Array<{ parsed: Array<{ block?: unknown[] }> }> }).config[0]!.parsed[1]!.block![0];
    expect(include).toEqual({
      directive: 'include',
      line: 3,
      args: ['mime.types'],
      includes: [1],
      column: 3,
      endLine: 3,
      endColumn: 26,
      argPositions: [{ line: 3, column: 12, endLine: 3, endColumn: 24, quoted: true }],
    });
  });

  it('exits 1 when a file has a syntax error, and still prints its payload', () => {
    const file = 'nginxinc_crossplane/tests__configs__missing-semicolon__broken-above.conf';
    const { stdout, status, stderr } = verblint(['parse', file]);
    expect(status).toBe(1);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toMatchObject({ status: 'failed', errors: [{ error: `unexpected "}" in ${file}:5`, line: 5 }] });
  });

  it('exits 2 with one line on stderr for a file it cannot read', () => {
    const { status, stderr } = verblint(['parse', 'no-such.conf']);
    expect(status).toBe(2);
    expect(stderr).toBe('verblint: cannot read no-such.conf: open() "no-such.conf" failed (2: No such file or directory)\n');
  });

  it.each([
    [['parse'], 'verblint: parse needs at least one FILE\n'],
    [['parse', '--indent', 'x', 'a.conf'], 'verblint: --indent takes a whole number, not "x"\n'],
    [['--no-such-flag'], "verblint: Unknown option '--no-such-flag'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--no-such-flag\"\n"],
  ])('exits 2 on bad usage: %j', (args, message) => {
    const { status, stderr, stdout } = verblint(args);
    expect({ status, stderr, stdout }).toEqual({ status: 2, stderr: message, stdout: '' });
  });

  it('prints its version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(verblint(['--version'])).toEqual({ status: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });
});
