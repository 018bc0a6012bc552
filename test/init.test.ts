// `verblint init`: the text it writes, that loadConfig reads it back (comments
// and all) as the defaults, and the command's refusals.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blankComments, ConfigError, loadConfig, ruleSettings } from '../src/config.js';
import { INIT_FILE, initConfig } from '../src/init.js';
import { rules } from '../rules/index.js';
import { runCli, writeProject, type CliRun } from './helpers/cli.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string> = {}): string {
  const dir = writeProject('verblint-init-', files);
  made.push(dir);
  return dir;
}

const verblint = (cwd: string, args: string[]): CliRun => runCli(args, { cwd });

const TEXT = initConfig(rules, { version: '9.8.7', docsUrl: '' });

/** The rules as the written file should hold them: default severity, and options where the rule has any. */
const DEFAULT_RULES = Object.fromEntries(
  rules.map((r) => {
    const severity = r.severity === 'warning' ? 'warn' : r.severity;
    return [r.id, Object.keys(r.options).length === 0 ? severity : [severity, r.options]];
  }),
);

describe('initConfig', () => {
  it('is JSON once the comments are blanked, with every rule at its default and nothing else set', () => {
    const value = JSON.parse(blankComments(TEXT)) as Record<string, unknown>;
    expect(value).toEqual({ rules: DEFAULT_RULES, ignores: [], overrides: [] });
    // In rules/index.ts order, which is alphabetical.
    expect(Object.keys(value.rules as object)).toEqual(rules.map((r) => r.id));
    expect(rules.length).toBeGreaterThan(30);
  });

  it('puts each rule\'s description and dialects on the line above it', () => {
    const lines = TEXT.split('\n');
    for (const rule of rules) {
      const at = lines.findIndex((l) => l.startsWith(`    "${rule.id}": `));
      const options = Object.keys(rule.options).length > 0;
      const dialects = rule.dialects.map((d) => (d === 'apache' ? 'Apache' : 'nginx')).join(', ');
      expect(lines[at - (options ? 2 : 1)]).toBe(`    // ${rule.description} (${dialects})`);
      if (options) expect(lines[at - 1]).toBe(`    // Options: rules/${rule.id}.md in verblint's repository`);
    }
    expect(TEXT).toContain('    "limit-except-no-effect": "error",\n');
    expect(TEXT).toContain('    "return-405-without-allow": "warn",\n');
    expect(TEXT).toContain('    "spa-fallback-swallows-writes": ["warn", {\n      "apiPrefixes": ["/api/", "/graphql/", "/rpc/", "/auth/"]\n    }],\n');
    expect(TEXT).toContain('    "directive-context": ["error", {\n      "allowOverride": null\n    }],\n');
  });

  it('names the version, and the docs URL when there is one', () => {
    expect(TEXT.split('\n')[0]).toBe('// verblint configuration, written by `verblint init` (verblint 9.8.7).');
    const linked = initConfig(rules, { version: '1.0.0', docsUrl: 'https://example.com/verblint/rules/' });
    expect(linked).toContain('    // Options: https://example.com/verblint/rules/static-location-write.md\n');
    expect(linked).not.toContain("in verblint's repository");
  });

  it('ends with a newline and has no tab and no trailing space', () => {
    expect(TEXT.endsWith('}\n')).toBe(true);
    expect(TEXT).not.toMatch(/\t| \n/);
  });

  it.each([
    ['maxWarnings', '  // "maxWarnings": 0,', { maxWarnings: 0 }],
    ['prefix', '  // "prefix": "/etc/nginx",', { prefix: '/etc/nginx' }],
    ['serverRoot', '  // "serverRoot": "/etc/apache2",', { serverRoot: '/etc/apache2' }],
  ])('gives valid JSON when the %s line is uncommented', (_, line, set) => {
    expect(TEXT).toContain(`\n${line}\n`);
    const dir = project({ [INIT_FILE]: TEXT.replace(line, line.replace('// ', '')) });
    expect(loadConfig(dir).config).toEqual({ rules: DEFAULT_RULES, ignores: [], overrides: [], ...set });
  });
});

describe('the written file, read back', () => {
  it('is found and loaded by loadConfig', () => {
    const dir = project({ [INIT_FILE]: TEXT });
    expect(loadConfig(dir)).toEqual({ file: INIT_FILE, config: { rules: DEFAULT_RULES, ignores: [], overrides: [] } });
    expect(loadConfig(join(dir, 'sub/dir'))).toMatchObject({ file: `../../${INIT_FILE}` });
  });

  it('sets every rule to its default severity and options', () => {
    const settings = ruleSettings(loadConfig(project({ [INIT_FILE]: TEXT })), rules);
    expect(settings.severity).toEqual(Object.fromEntries(rules.map((r) => [r.id, r.severity])));
    expect(settings.options).toEqual(Object.fromEntries(rules.filter((r) => Object.keys(r.options).length > 0).map((r) => [r.id, r.options])));
  });
});

describe('comments in config files', () => {
  it('blanks // and /* */ comments and nothing in strings, keeping every offset', () => {
    const text = '// head\n{ /* a\nb */ "u": "http://x/*y*/", "q": "a\\"//b", // tail\n"n": 1 }/**/';
    const blanked = blankComments(text);
    expect(blanked).toBe('       \n{     \n     "u": "http://x/*y*/", "q": "a\\"//b",        \n"n": 1 }    ');
    expect(blanked).toHaveLength(text.length);
    expect(JSON.parse(blanked)).toEqual({ u: 'http://x/*y*/', q: 'a"//b', n: 1 });
  });

  it('keeps CR LF line ends', () => {
    expect(blankComments('{ // x\r\n}')).toBe('{     \r\n}');
  });

  it('leaves an unclosed /* and a lone / for JSON.parse to report', () => {
    expect(blankComments('{ /* open\n}')).toBe('{ /* open\n}');
    expect(blankComments('{ / }')).toBe('{ / }');
  });

  it.each([
    ['// a comment\n{\n  "maxWarnings": x\n}\n', 'verblint.config.json:3:18: invalid JSON: Unexpected token \'x\''],
    ['/* one\n   two */ {\n  "rules": {\n  } /* here */ "x"\n}', "verblint.config.json:4:16: invalid JSON: Expected ',' or '}' after property value"],
    ['{\n  /* never closed\n}', "verblint.config.json:2:3: invalid JSON: Expected property name or '}'"],
  ])('reports invalid JSON %j where it is in the file as written', (content, message) => {
    expect(() => loadConfig(project({ [INIT_FILE]: content }))).toThrow(new ConfigError(message));
  });

  it('are allowed in .verblintrc.json and a --config file, not in package.json', () => {
    expect(loadConfig(project({ '.verblintrc.json': '// c\n{ "maxWarnings": 2 }' })).config).toEqual({ maxWarnings: 2 });
    expect(loadConfig(project({ 'ci/lint.json': '{ /* c */ "maxWarnings": 3 }' }), 'ci/lint.json').config).toEqual({ maxWarnings: 3 });
    const pkg = project({ 'package.json': '{\n  // c\n  "verblint": { "maxWarnings": 4 }\n}' });
    expect(() => loadConfig(pkg)).toThrow(new ConfigError("package.json:2:3: invalid JSON: Expected property name or '}'"));
  });
});

// Findings from rules with options and without, in both dialects.
const SITE = {
  'nginx/nginx.conf': [
    'events {}',
    'http {',
    '    server {',
    '        listen 80;',
    '        location /upload/ {',
    '            limit_except GET {',
    '            }',
    '            root /srv/www;',
    '        }',
    '        location /api/ {',
    '            return 301 https://example.com$request_uri;',
    '        }',
    '    }',
    '}',
    '',
  ].join('\n'),
  'www/.htaccess': '<Limit post>\n    Require all denied\n</Limit>\n',
};

describe('verblint init', { timeout: 30_000 }, () => {
  it('writes the file in the working directory and says so', () => {
    const dir = project();
    expect(verblint(dir, ['init'])).toEqual({ status: 0, stdout: `wrote verblint.config.json: ${rules.length} rules at their default settings\n`, stderr: '' });
    expect(readFileSync(join(dir, INIT_FILE), 'utf8')).toBe(initConfig(rules, { version: VERSION, docsUrl: '' }));
  });

  it('changes no finding and no exit code', () => {
    const without = project(SITE);
    const withInit = project(SITE);
    expect(verblint(withInit, ['init']).status).toBe(0);
    const before = verblint(without, ['-f', 'json']);
    const after = verblint(withInit, ['-f', 'json']);
    expect(before.status).toBe(1);
    expect(after).toEqual(before);
    const found = (JSON.parse(before.stdout) as Array<{ ruleId: string }>).map((f) => f.ruleId);
    expect(found).toEqual(expect.arrayContaining(['limit-except-no-effect', 'redirect-drops-method', 'static-location-write', 'limit-invalid-method']));
    // The file is read: turning a rule off in it shows.
    const file = join(withInit, INIT_FILE);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"limit-invalid-method": "error"', '"limit-invalid-method": "off"'));
    const off = JSON.parse(verblint(withInit, ['-f', 'json']).stdout) as Array<{ ruleId: string }>;
    expect(off.map((f) => f.ruleId)).toEqual(found.filter((id) => id !== 'limit-invalid-method'));
  });

  it('refuses to overwrite a config without --force, and overwrites it with', () => {
    const dir = project({ [INIT_FILE]: '{ "maxWarnings": 1 }\n' });
    expect(verblint(dir, ['init'])).toEqual({
      status: 2,
      stdout: '',
      stderr: 'verblint: verblint.config.json already exists; verblint init --force overwrites it\n',
    });
    expect(readFileSync(join(dir, INIT_FILE), 'utf8')).toBe('{ "maxWarnings": 1 }\n');
    expect(verblint(dir, ['init', '--force'])).toMatchObject({ status: 0, stderr: '' });
    expect(readFileSync(join(dir, INIT_FILE), 'utf8')).toBe(initConfig(rules, { version: VERSION, docsUrl: '' }));
  });

  it('says which config the new file takes the place of', () => {
    const dir = project({ '.verblintrc.json': '{}', 'sub/.keep': '' });
    expect(verblint(join(dir, 'sub'), ['init'])).toMatchObject({ status: 0, stderr: 'verblint: verblint.config.json now takes the place of ../.verblintrc.json\n' });
    expect(verblint(dir, ['init'])).toMatchObject({ status: 0, stderr: 'verblint: verblint.config.json now takes the place of .verblintrc.json\n' });
  });

  it('takes no paths and no flag but --force', () => {
    const dir = project();
    expect(verblint(dir, ['init', 'etc'])).toEqual({ status: 2, stdout: '', stderr: 'verblint: init takes no arguments; it writes verblint.config.json in the current directory\n' });
    expect(verblint(dir, ['init', '-f', 'json'])).toEqual({ status: 2, stdout: '', stderr: 'verblint: --format is not for verblint init, which takes only --force\n' });
    expect(verblint(dir, ['--force', '.'])).toEqual({ status: 2, stdout: '', stderr: 'verblint: --force is for verblint init\n' });
    expect(verblint(dir, ['init', '--help']).stdout).toContain('       verblint init [--force]\n');
  });
});
