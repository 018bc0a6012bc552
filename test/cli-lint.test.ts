// `verblint [paths]` as users run it: the built CLI in a scratch directory,
// with every exit code, colour decisions, two reports in one run,
// suppressions and config discovery.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'verblint-lint-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function verblint(cwd: string, args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !['NO_COLOR', 'FORCE_COLOR', 'VERBLINT_FORMAT', 'GITHUB_ACTIONS', 'CI'].includes(k)),
  );
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...clean, ...env }, timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const CLEAN = 'events {}\nhttp {\n    server {\n        listen 80;\n    }\n}\n';
const BROKEN = 'events {}\nhttp {\n    server {\n        listen 80\n    }\n}\n';
const MISSING_INCLUDE = 'events {}\nhttp {\n    include conf.d/absent.conf;\n}\n';

describe('verblint PATH', () => {
  it('exits 0 and prints nothing for a clean config', () => {
    const dir = project({ 'nginx.conf': CLEAN });
    expect(verblint(dir, ['nginx.conf'])).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('exits 1 with a stylish report for an error', () => {
    const dir = project({ 'nginx.conf': BROKEN });
    const { status, stdout, stderr } = verblint(dir, ['nginx.conf']);
    expect(status).toBe(1);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      ['nginx.conf', '  5:5  error  unexpected "}"  syntax-error', '', '✖ 1 problem (1 error, 0 warnings)', ''].join('\n'),
    );
  });

  it('walks the current directory by default and names files relative to it', () => {
    const dir = project({ 'nginx/nginx.conf': BROKEN, 'nginx/conf.d/ok.conf': 'server { listen 81; }\n', 'README.md': '# not a config\n' });
    const { status, stdout } = verblint(dir, ['--format', 'compact']);
    expect(status).toBe(1);
    expect(stdout).toBe('nginx/nginx.conf:5:5: error: unexpected "}" [syntax-error]\n');
  });

  it('lints an included file once, as part of the tree that includes it', () => {
    const dir = project({
      'nginx/nginx.conf': 'events {}\nhttp {\n    include conf.d/*.conf;\n}\n',
      'nginx/conf.d/site.conf': 'server {\n    include snippets/none.conf;\n}\n',
    });
    expect(verblint(dir, ['-f', 'compact', 'nginx'])).toMatchObject({
      status: 1,
      stdout: 'nginx/conf.d/site.conf:2:13: error: open() "nginx/snippets/none.conf" failed (2: No such file or directory) [include-missing]\n',
    });
  });

  it('resolves a fragment\'s includes against the directory of the nginx.conf above it, as nginx does', () => {
    const dir = project({
      'nginx.conf': 'events {}\nhttp {}\n',
      'fastcgi.conf': 'fastcgi_param A b;\n',
      'snippets/php.conf': 'include fastcgi.conf;\ninclude missing.conf;\n',
    });
    expect(verblint(dir, ['-f', 'compact'])).toEqual({
      status: 1,
      stdout: 'snippets/php.conf:2:9: error: open() "missing.conf" failed (2: No such file or directory) [include-missing]\n',
      stderr: '',
    });
  });

  it('lints Apache trees: includes resolve against the apache2.conf folder (or --server-root), and .htaccess files are read too', () => {
    const dir = project({
      'apache2/apache2.conf': 'ServerRoot "/etc/apache2"\nInclude sites-enabled/*.conf\nIncludeOptional conf-enabled/*.conf\n',
      'apache2/sites-enabled/a.conf': '<VirtualHost *:80>\n  Include snippets/missing.conf\n</Location>\n',
      'site/.htaccess': 'RewriteEngine On\n<Limit POST>\n  Require all denied\n',
    });
    expect(verblint(dir, ['-f', 'compact'])).toEqual({
      status: 1,
      stdout: [
        'apache2/sites-enabled/a.conf:2:11: error: Could not open configuration file apache2/snippets/missing.conf: No such file or directory [include-missing]',
        'apache2/sites-enabled/a.conf:3:1: error: Expected </VirtualHost> but saw </Location> [syntax-error]',
        'site/.htaccess:2:1: error: <Limit> was not closed. [syntax-error]',
        '',
      ].join('\n'),
      stderr: '',
    });
    expect(verblint(dir, ['-f', 'compact', '--server-root', 'elsewhere', 'apache2/apache2.conf']).stdout).toBe(
      'apache2/apache2.conf:2:9: error: Could not open directory elsewhere/sites-enabled: No such file or directory [include-missing]\n',
    );
    // serverRoot in the config file does what --server-root does (relative to the config file); the flag wins.
    writeFileSync(join(dir, 'verblint.config.json'), '{ "serverRoot": "elsewhere" }\n');
    expect(verblint(dir, ['-f', 'compact', 'apache2/apache2.conf']).stdout).toBe(
      `apache2/apache2.conf:2:9: error: Could not open directory ${dir}/elsewhere/sites-enabled: No such file or directory [include-missing]\n`,
    );
    expect(verblint(dir, ['-f', 'compact', '--server-root', 'apache2', 'apache2/apache2.conf']).stdout).toMatch(/^apache2\/sites-enabled\/a\.conf:2:11: error: Could not open configuration file apache2\/snippets\/missing\.conf/);
  });

  it('exits 2 with one line on stderr for a path that does not exist', () => {
    const dir = project({ 'nginx.conf': CLEAN });
    expect(verblint(dir, ['nope.conf'])).toEqual({ status: 2, stdout: '', stderr: 'verblint: no such file or directory: nope.conf\n' });
  });

  it('exits 2 when there is nothing to lint', () => {
    const dir = project({ 'README.md': 'hello\n' });
    expect(verblint(dir, [])).toEqual({ status: 2, stdout: '', stderr: 'verblint: no nginx or Apache config files found in .\n' });
  });

  it('exits 2 on a bad flag, a bad format and a bad --rule', () => {
    const dir = project({ 'nginx.conf': CLEAN });
    expect(verblint(dir, ['--format', 'xml', 'nginx.conf'])).toEqual({
      status: 2,
      stdout: '',
      stderr: 'verblint: unknown format "xml"; choose one of stylish, compact, json, sarif, github, gitlab, html\n',
    });
    expect(verblint(dir, ['--rule', 'no-such-rule=off', 'nginx.conf'])).toEqual({
      status: 2,
      stdout: '',
      stderr: 'verblint: --rule no-such-rule=off: unknown rule "no-such-rule"\n',
    });
    const bad = verblint(dir, ['--max-warnings', 'many', 'nginx.conf']);
    expect(bad).toEqual({ status: 2, stdout: '', stderr: 'verblint: --max-warnings takes a whole number, not "many"\n' });
  });

  it('turns a rule off or down with --rule', () => {
    const dir = project({ 'nginx.conf': MISSING_INCLUDE });
    expect(verblint(dir, ['--rule', 'include-missing=off', 'nginx.conf'])).toEqual({ status: 0, stdout: '', stderr: '' });
    const warned = verblint(dir, ['-f', 'compact', '--rule', 'include-missing=warn', 'nginx.conf']);
    expect(warned.status).toBe(0);
    expect(warned.stdout).toMatch(/^nginx\.conf:3:13: warning: open\(\) .* \[include-missing\]\n$/);
    expect(verblint(dir, ['--rule', 'include-missing=warn', '--max-warnings', '0', 'nginx.conf']).status).toBe(1);
    expect(verblint(dir, ['--rule', 'include-missing=warn', '--quiet', '--max-warnings', '0', 'nginx.conf'])).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('colours stylish output only when asked or on a terminal, and honours NO_COLOR', () => {
    const dir = project({ 'nginx.conf': BROKEN });
    expect(verblint(dir, ['nginx.conf']).stdout).not.toContain('\u001b[');
    expect(verblint(dir, ['nginx.conf'], { FORCE_COLOR: '1' }).stdout).toContain('\u001b[');
    expect(verblint(dir, ['--color', 'nginx.conf'], { NO_COLOR: '1' }).stdout).toContain('\u001b[');
    expect(verblint(dir, ['nginx.conf'], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout).not.toContain('\u001b[');
    expect(verblint(dir, ['--no-color', 'nginx.conf'], { FORCE_COLOR: '1' }).stdout).not.toContain('\u001b[');
    expect(verblint(dir, ['-f', 'compact', 'nginx.conf'], { FORCE_COLOR: '1' }).stdout).not.toContain('\u001b[');
  });

  it('writes a second report in the same run with --format NAME=FILE, and -o writes the first', () => {
    const dir = project({ 'nginx.conf': BROKEN });
    const run = verblint(dir, ['--format', 'sarif=out/report.sarif', '--format', 'json=report.json', 'nginx.conf']);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('  5:5  error  unexpected "}"  syntax-error');
    const sarif = JSON.parse(readFileSync(join(dir, 'out/report.sarif'), 'utf8')) as { version: string; runs: Array<{ results: Array<{ ruleId: string }> }> };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.results.map((r) => r.ruleId)).toEqual(['syntax-error']);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toEqual([
      { ruleId: 'syntax-error', severity: 'error', message: 'unexpected "}"', file: 'nginx.conf', line: 5, column: 5, endLine: 5, endColumn: 6 },
    ]);
    const toFile = verblint(dir, ['-f', 'compact', '-o', 'lint.txt', 'nginx.conf']);
    expect(toFile).toEqual({ status: 1, stdout: '', stderr: '' });
    expect(readFileSync(join(dir, 'lint.txt'), 'utf8')).toBe('nginx.conf:5:5: error: unexpected "}" [syntax-error]\n');
  });

  it('says why it cannot write a report, and exits 2 (under /proc, which Node 20 mkdirSync loops on; below a file)', () => {
    const dir = project({ 'nginx.conf': BROKEN, 'a-file': '' });
    expect(verblint(dir, ['-o', '/proc/verblint-none/x/lint.json', 'nginx.conf'])).toEqual({
      status: 2,
      stdout: '',
      stderr: "verblint: cannot write /proc/verblint-none/x/lint.json: ENOENT: no such file or directory, mkdir '/proc/verblint-none'\n",
    });
    expect(verblint(dir, ['-o', 'a-file/x/lint.txt', 'nginx.conf'])).toEqual({
      status: 2,
      stdout: '',
      stderr: `verblint: cannot write a-file/x/lint.txt: ENOTDIR: not a directory, mkdir '${join(dir, 'a-file/x')}'\n`,
    });
    // Missing folders are made.
    expect(verblint(dir, ['-f', 'compact', '-o', 'new/folders/lint.txt', 'nginx.conf'])).toEqual({ status: 1, stdout: '', stderr: '' });
    expect(readFileSync(join(dir, 'new/folders/lint.txt'), 'utf8')).toBe('nginx.conf:5:5: error: unexpected "}" [syntax-error]\n');
  });

  it('takes the console format from VERBLINT_FORMAT', () => {
    const dir = project({ 'nginx.conf': BROKEN });
    expect(verblint(dir, ['nginx.conf'], { VERBLINT_FORMAT: 'compact' }).stdout).toBe('nginx.conf:5:5: error: unexpected "}" [syntax-error]\n');
  });

  it('lists the rules', () => {
    const { status, stdout } = verblint(project({}), ['--list-rules']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^include-missing +error +nginx,apache +Report an include of a file that does not exist\.$/m);
    expect(stdout).toMatch(/^syntax-error +error +nginx,apache +Report configuration text that the server cannot read\.$/m);
  });
});

describe('suppressions', () => {
  const suppressed = [
    'events {}',
    'http {',
    '    # verblint-disable-next-line include-missing -- generated at deploy time',
    '    include conf.d/a.conf;',
    '    include conf.d/b.conf; # verblint-disable-line include-missing',
    '    include conf.d/c.conf;',
    '    # verblint-disable-next-line syntax-error',
    '    include conf.d/d.conf;',
    '}',
    '',
  ].join('\n');

  it('silences the next line, the same line, and only the rules named', () => {
    const dir = project({ 'nginx.conf': suppressed });
    const { stdout, status } = verblint(dir, ['-f', 'compact', 'nginx.conf']);
    expect(status).toBe(1);
    expect(stdout.split('\n').filter(Boolean).map((l) => l.split(': ')[0])).toEqual(['nginx.conf:6:13', 'nginx.conf:8:13']);
  });

  it('reports a suppression that suppresses nothing with --report-unused-disable', () => {
    const dir = project({ 'nginx.conf': suppressed });
    const { stdout } = verblint(dir, ['-f', 'compact', '--report-unused-disable', 'nginx.conf']);
    expect(stdout).toContain('nginx.conf:7:5: warning: verblint-disable-next-line for syntax-error suppresses nothing [unused-disable]\n');
  });

  it('silences a whole file', () => {
    const dir = project({ 'nginx.conf': `# verblint-disable-file include-missing\n${MISSING_INCLUDE}` });
    expect(verblint(dir, ['nginx.conf'])).toEqual({ status: 0, stdout: '', stderr: '' });
  });
});

describe('configuration', () => {
  it('finds verblint.config.json upwards and applies its rules and ignores', () => {
    const dir = project({
      'verblint.config.json': JSON.stringify({ rules: { 'include-missing': 'warn' }, ignores: ['nginx/legacy/**'] }),
      'nginx/nginx.conf': MISSING_INCLUDE,
      'nginx/legacy/old.conf': BROKEN,
    });
    const { status, stdout } = verblint(join(dir, 'nginx'), ['-f', 'compact', '.']);
    expect(stdout).toMatch(/^nginx\.conf:3:13: warning: .*\[include-missing\]\n$/);
    expect(status).toBe(0);
  });

  it('reads the "verblint" key of package.json', () => {
    const dir = project({
      'package.json': JSON.stringify({ name: 'x', verblint: { rules: { 'include-missing': 'off' } } }),
      'nginx.conf': MISSING_INCLUDE,
    });
    expect(verblint(dir, ['nginx.conf'])).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('exits 2 for an invalid config file, naming the file and the key', () => {
    const dir = project({ '.verblintrc.json': JSON.stringify({ rules: { 'include-missing': 'fatal' } }), 'nginx.conf': CLEAN });
    const { status, stdout, stderr } = verblint(dir, ['nginx.conf']);
    expect({ status, stdout }).toEqual({ status: 2, stdout: '' });
    expect(stderr).toMatch(/^verblint: .*\.verblintrc\.json: rules\.include-missing: .*"fatal".*\n$/);
  });
});
