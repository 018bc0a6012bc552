// Finding, checking and applying the user's config, with every error message
// checked word for word.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseRuleFlag, ruleSettings, type LoadedConfig } from '../src/config.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tree(files: Record<string, string | object>): string {
  const root = mkdtempSync(join(tmpdir(), 'verblint-config-'));
  made.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

/** The message loadConfig throws for a verblint.config.json holding `content`. */
function loadError(content: string | object, name = 'verblint.config.json'): string {
  const root = tree({ [name]: content });
  try {
    loadConfig(root);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('loadConfig did not throw');
}

const RULES = [
  { id: 'limit-except-no-effect', options: {} },
  { id: 'return-405-without-allow', options: { methods: ['GET'], strict: false, max: 3, label: 'x', extra: null } },
] as const;

function settingsError(config: LoadedConfig): string {
  try {
    ruleSettings(config, RULES);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('ruleSettings did not throw');
}

describe('loadConfig: finding the file', () => {
  it('returns an empty config when there is none', () => {
    expect(loadConfig(tree({ 'a/b/.keep': '' }) + '/a/b')).toEqual({ config: {} });
  });

  it('reads verblint.config.json in cwd', () => {
    const root = tree({ 'verblint.config.json': { maxWarnings: 1 } });
    expect(loadConfig(root)).toEqual({ file: 'verblint.config.json', config: { maxWarnings: 1 } });
  });

  it('looks upwards and names the file relative to cwd', () => {
    const root = tree({ '.verblintrc.json': { maxWarnings: 2 }, 'a/b/.keep': '' });
    expect(loadConfig(join(root, 'a/b'))).toEqual({ file: '../../.verblintrc.json', config: { maxWarnings: 2 } });
  });

  it('stops at the nearest directory that has a config', () => {
    const root = tree({ 'verblint.config.json': { maxWarnings: 1 }, 'a/package.json': { verblint: { maxWarnings: 3 } }, 'a/b/.keep': '' });
    expect(loadConfig(join(root, 'a/b'))).toEqual({ file: '../package.json', config: { maxWarnings: 3 } });
  });

  it('prefers verblint.config.json, then .verblintrc.json, then package.json in one directory', () => {
    const all = { 'verblint.config.json': { maxWarnings: 1 }, '.verblintrc.json': { maxWarnings: 2 }, 'package.json': { verblint: { maxWarnings: 3 } } };
    expect(loadConfig(tree(all)).file).toBe('verblint.config.json');
    const { 'verblint.config.json': _, ...two } = all;
    expect(loadConfig(tree(two)).file).toBe('.verblintrc.json');
    const { '.verblintrc.json': __, ...one } = two;
    expect(loadConfig(tree(one))).toEqual({ file: 'package.json', config: { maxWarnings: 3 } });
  });

  it('passes over a package.json without a "verblint" key, or a broken one that cannot have it', () => {
    const root = tree({ 'verblint.config.json': { maxWarnings: 1 }, 'a/package.json': { name: 'x' }, 'a/b/package.json': '{ broken' });
    expect(loadConfig(join(root, 'a/b')).file).toBe('../../verblint.config.json');
  });

  it('reports a broken package.json that mentions "verblint"', () => {
    const root = tree({ 'package.json': '{\n  "verblint": { "rules": }\n}\n' });
    expect(() => loadConfig(root)).toThrow(new ConfigError(`package.json:2:26: invalid JSON: Unexpected token '}'`));
  });

  it('ignores a directory named like a config file', () => {
    const root = tree({ 'verblint.config.json/.keep': '', '.verblintrc.json': {} });
    expect(loadConfig(root).file).toBe('.verblintrc.json');
  });

  it('reads the file --config names, relative to cwd, instead of searching', () => {
    const root = tree({ 'verblint.config.json': { maxWarnings: 1 }, 'ci/strict.json': { maxWarnings: 0 } });
    expect(loadConfig(root, 'ci/strict.json')).toEqual({ file: 'ci/strict.json', config: { maxWarnings: 0 } });
    expect(loadConfig(join(root, 'ci'), join(root, 'ci/strict.json')).config).toEqual({ maxWarnings: 0 });
  });

  it('reads the "verblint" key of a package.json named by --config', () => {
    const root = tree({ 'p/package.json': { verblint: { maxWarnings: 4 } }, 'q/package.json': { name: 'q' } });
    expect(loadConfig(root, 'p/package.json')).toEqual({ file: 'p/package.json', config: { maxWarnings: 4 } });
    expect(() => loadConfig(root, 'q/package.json')).toThrow(new ConfigError('q/package.json: has no "verblint" key'));
  });

  it('requires the --config file to exist and be a file', () => {
    const root = tree({ 'dir/.keep': '' });
    expect(() => loadConfig(root, 'nope.json')).toThrow(new ConfigError('nope.json: no such file'));
    expect(() => loadConfig(root, 'dir')).toThrow(new ConfigError('dir: is a directory, not a file'));
  });

  it('resolves a relative prefix and serverRoot against the config file, not cwd', () => {
    const root = tree({ 'verblint.config.json': { prefix: 'etc/nginx', serverRoot: '/srv/httpd' }, 'a/.keep': '' });
    expect(loadConfig(join(root, 'a')).config).toEqual({ prefix: join(root, 'etc/nginx'), serverRoot: '/srv/httpd' });
  });

  it('keeps every valid key, with a BOM and $schema allowed', () => {
    const config = {
      $schema: 'https://example.com/verblint.schema.json',
      rules: { 'limit-except-no-effect': 'warn', 'return-405-without-allow': ['error', { max: 2 }], other: ['off'] },
      ignores: ['legacy/', '!legacy/keep.conf'],
      overrides: [{ files: ['*.vhost'], dialect: 'apache' }],
      maxWarnings: 0,
    };
    const root = tree({ 'verblint.config.json': `\uFEFF${JSON.stringify(config)}` });
    expect(loadConfig(root).config).toEqual({
      rules: { 'limit-except-no-effect': 'warn', 'return-405-without-allow': ['error', { max: 2 }], other: 'off' },
      ignores: ['legacy/', '!legacy/keep.conf'],
      overrides: [{ files: ['*.vhost'], dialect: 'apache' }],
      maxWarnings: 0,
    });
  });
});

describe('loadConfig: errors', () => {
  it.each([
    ['[]', 'verblint.config.json: must be an object, not an array'],
    ['"x"', 'verblint.config.json: must be an object, not "x"'],
    [{ rule: {} }, 'verblint.config.json: rule: unknown key, did you mean "rules"?'],
    [{ colour: true }, 'verblint.config.json: colour: unknown key, expected rules, ignores, overrides, prefix, serverRoot or maxWarnings'],
    [{ MaxWarnings: 1 }, 'verblint.config.json: MaxWarnings: unknown key, did you mean "maxWarnings"?'],
    [{ $schema: 1 }, 'verblint.config.json: $schema: must be a string, not 1'],
    [{ rules: [] }, 'verblint.config.json: rules: must be an object, not an array'],
    [
      { rules: { 'limit-except-no-effect': 'fatal' } },
      'verblint.config.json: rules.limit-except-no-effect: severity must be "off", "warn" or "error", not "fatal"',
    ],
    [{ rules: { x: 2 } }, 'verblint.config.json: rules.x: must be a severity or [severity, options], not 2'],
    [{ rules: { x: { level: 'error' } } }, 'verblint.config.json: rules.x: must be a severity or [severity, options], not an object'],
    [{ rules: { x: [] } }, 'verblint.config.json: rules.x: must be [severity, options], not an array of 0 items'],
    [{ rules: { x: ['error', {}, {}] } }, 'verblint.config.json: rules.x: must be [severity, options], not an array of 3 items'],
    [{ rules: { x: ['Error', {}] } }, 'verblint.config.json: rules.x[0]: severity must be "off", "warn" or "error", not "Error"'],
    [{ rules: { x: ['error', 'GET'] } }, 'verblint.config.json: rules.x[1]: options must be an object, not "GET"'],
    [{ rules: { x: ['error', null] } }, 'verblint.config.json: rules.x[1]: options must be an object, not null'],
    [{ rules: { 'a.b': 'on' } }, 'verblint.config.json: rules["a.b"]: severity must be "off", "warn" or "error", not "on"'],
    [{ ignores: 'legacy/' }, 'verblint.config.json: ignores: must be an array of strings, not "legacy/"'],
    [{ ignores: ['a', 3] }, 'verblint.config.json: ignores[1]: must be a string, not 3'],
    [{ ignores: [''] }, 'verblint.config.json: ignores[0]: must not be empty'],
    [{ overrides: {} }, 'verblint.config.json: overrides: must be an array of {files, dialect}, not an object'],
    [{ overrides: ['*.conf'] }, 'verblint.config.json: overrides[0]: must be an object with files and dialect, not "*.conf"'],
    [{ overrides: [{ dialect: 'nginx' }] }, 'verblint.config.json: overrides[0].files: is required'],
    [{ overrides: [{ files: ['*.conf'] }] }, 'verblint.config.json: overrides[0].dialect: is required'],
    [{ overrides: [{ files: '*.conf', dialect: 'nginx' }] }, 'verblint.config.json: overrides[0].files: must be an array of strings, not "*.conf"'],
    [{ overrides: [{ files: [], dialect: 'nginx' }] }, 'verblint.config.json: overrides[0].files: must not be empty'],
    [{ overrides: [{ files: ['a'], dialect: 'iis' }] }, 'verblint.config.json: overrides[0].dialect: must be "nginx" or "apache", not "iis"'],
    [{ overrides: [{ files: ['a'], dialect: 'nginx', file: 'b' }] }, 'verblint.config.json: overrides[0].file: unknown key, did you mean "files"?'],
    [{ overrides: [{ files: ['a'], dialect: 'nginx', rules: {} }] }, 'verblint.config.json: overrides[0].rules: unknown key, expected files or dialect'],
    [{ prefix: 1 }, 'verblint.config.json: prefix: must be a string, not 1'],
    [{ prefix: '' }, 'verblint.config.json: prefix: must not be empty'],
    [{ serverRoot: ['/srv'] }, 'verblint.config.json: serverRoot: must be a string, not an array'],
    [{ maxWarnings: -1 }, 'verblint.config.json: maxWarnings: must be a non-negative integer, not -1'],
    [{ maxWarnings: 1.5 }, 'verblint.config.json: maxWarnings: must be a non-negative integer, not 1.5'],
    [{ maxWarnings: '10' }, 'verblint.config.json: maxWarnings: must be a non-negative integer, not "10"'],
  ])('rejects %j', (content, message) => {
    expect(loadError(typeof content === 'string' ? content : content)).toBe(message);
  });

  it('names the "verblint" key of package.json in the key path', () => {
    expect(loadError({ verblint: { maxWarnings: true } }, 'package.json')).toBe('package.json: verblint.maxWarnings: must be a non-negative integer, not true');
    expect(loadError({ verblint: null }, 'package.json')).toBe('package.json: verblint: must be an object, not null');
    expect(loadError({ verblint: { rules: { x: 'fatal' } } }, '.verblintrc.json')).toBe('.verblintrc.json: verblint: unknown key, expected rules, ignores, overrides, prefix, serverRoot or maxWarnings');
  });

  it.each([
    ['', 'verblint.config.json:1:1: invalid JSON: Unexpected end of input'],
    ['{\n  "rules": {\n    "a": "off",\n  }\n}\n', 'verblint.config.json:4:3: invalid JSON: Expected double-quoted property name'],
    ['[1, 2,]', `verblint.config.json:1:7: invalid JSON: Unexpected token ']'`],
    [`{"ignores": ["a"], "rules": }${' '.repeat(40)}`, `verblint.config.json:1:29: invalid JSON: Unexpected token '}'`],
    ['{\n  "maxWarnings": 1\n  "prefix": "x"\n}', `verblint.config.json:3:3: invalid JSON: Expected ',' or '}' after property value`],
    ['{"a": 1} x', 'verblint.config.json:1:10: invalid JSON: Unexpected non-whitespace character after JSON'],
    ['{\n  "a": tru\n}', `verblint.config.json:2:11: invalid JSON: Unexpected token '\n'`],
    ["{ 'a': 1 }", `verblint.config.json:1:3: invalid JSON: Expected property name or '}'`],
    ['{"a": "x', 'verblint.config.json:1:9: invalid JSON: Unterminated string'],
  ])('reports invalid JSON %j with its line and column', (content, message) => {
    expect(loadError(content)).toBe(message);
  });
});

describe('ruleSettings', () => {
  it('turns rules into engine severities and options, warn becoming warning', () => {
    const root = tree({
      'verblint.config.json': {
        rules: { 'limit-except-no-effect': 'warn', 'return-405-without-allow': ['warning', { methods: ['GET', 'HEAD'], strict: true }] },
      },
    });
    expect(ruleSettings(loadConfig(root), RULES)).toEqual({
      severity: { 'limit-except-no-effect': 'warning', 'return-405-without-allow': 'warning' },
      options: { 'return-405-without-allow': { methods: ['GET', 'HEAD'], strict: true } },
    });
    expect(ruleSettings({ config: { rules: { 'limit-except-no-effect': 'off', 'return-405-without-allow': ['error', {}] } } }, RULES)).toEqual({
      severity: { 'limit-except-no-effect': 'off', 'return-405-without-allow': 'error' },
      options: { 'return-405-without-allow': {} },
    });
    expect(ruleSettings({ config: {} }, RULES)).toEqual({ severity: {}, options: {} });
  });

  it('rejects unknown rules, suggesting a near one', () => {
    expect(settingsError({ file: 'verblint.config.json', config: { rules: { 'limit-except-no-efect': 'error' } } })).toBe(
      'verblint.config.json: rules.limit-except-no-efect: unknown rule "limit-except-no-efect", did you mean "limit-except-no-effect"?',
    );
    expect(settingsError({ file: 'verblint.config.json', config: { rules: { 'no-such-rule': 'error' } } })).toBe(
      'verblint.config.json: rules.no-such-rule: unknown rule "no-such-rule"',
    );
  });

  it('rejects options the rule does not have, and options of the wrong type', () => {
    const file = 'verblint.config.json';
    expect(settingsError({ file, config: { rules: { 'limit-except-no-effect': ['error', { methods: [] }] } } })).toBe(
      'verblint.config.json: rules.limit-except-no-effect[1].methods: unknown option, the rule has no options',
    );
    expect(settingsError({ file, config: { rules: { 'return-405-without-allow': ['error', { method: ['GET'] }] } } })).toBe(
      'verblint.config.json: rules.return-405-without-allow[1].method: unknown option, did you mean "methods"?',
    );
    expect(settingsError({ file, config: { rules: { 'return-405-without-allow': ['error', { verbose: true }] } } })).toBe(
      'verblint.config.json: rules.return-405-without-allow[1].verbose: unknown option, expected methods, strict, max, label or extra',
    );
    expect(settingsError({ file, config: { rules: { 'return-405-without-allow': ['error', { methods: 'GET' }] } } })).toBe(
      'verblint.config.json: rules.return-405-without-allow[1].methods: must be an array, not "GET"',
    );
    expect(settingsError({ file, config: { rules: { 'return-405-without-allow': ['error', { strict: 'yes' }] } } })).toBe(
      'verblint.config.json: rules.return-405-without-allow[1].strict: must be a boolean, not "yes"',
    );
    expect(settingsError({ file, config: { rules: { 'return-405-without-allow': ['error', { max: null }] } } })).toBe(
      'verblint.config.json: rules.return-405-without-allow[1].max: must be a number, not null',
    );
    expect(settingsError({ file, config: { rules: { 'return-405-without-allow': ['error', { label: {} }] } } })).toBe(
      'verblint.config.json: rules.return-405-without-allow[1].label: must be a string, not an object',
    );
    expect(ruleSettings({ file, config: { rules: { 'return-405-without-allow': ['error', { extra: 5 }] } } }, RULES).options).toEqual({
      'return-405-without-allow': { extra: 5 },
    });
  });

  it('names the file and key path of the loaded config', () => {
    const root = tree({ 'package.json': { verblint: { rules: { nope: 'error' } } }, 'a/.keep': '' });
    const loaded = loadConfig(join(root, 'a'));
    expect(() => ruleSettings(loaded, RULES)).toThrow(new ConfigError('../package.json: verblint.rules.nope: unknown rule "nope"'));
    expect(() => ruleSettings({ config: { rules: { nope: 'error' } } }, RULES)).toThrow(new ConfigError('config: rules.nope: unknown rule "nope"'));
  });

  it('checks severities of a config built by hand', () => {
    const config = { rules: { 'limit-except-no-effect': 'fatal' } } as never;
    expect(settingsError({ file: 'x.json', config })).toBe('x.json: rules.limit-except-no-effect: severity must be "off", "warn" or "error", not "fatal"');
  });
});

describe('parseRuleFlag', () => {
  it('reads id=severity, warn becoming warning', () => {
    expect(parseRuleFlag('limit-except-no-effect=off')).toEqual(['limit-except-no-effect', 'off']);
    expect(parseRuleFlag('limit-except-no-effect=warn')).toEqual(['limit-except-no-effect', 'warning']);
    expect(parseRuleFlag('limit-except-no-effect=warning')).toEqual(['limit-except-no-effect', 'warning']);
    expect(parseRuleFlag(' limit-except-no-effect = error ')).toEqual(['limit-except-no-effect', 'error']);
    expect(parseRuleFlag('anything=error')).toEqual(['anything', 'error']);
  });

  it.each([
    ['limit-except-no-effect', '--rule limit-except-no-effect: expected id=off, id=warn or id=error'],
    ['=error', '--rule =error: the rule id is missing before "="'],
    ['x=fatal', '--rule x=fatal: severity must be "off", "warn" or "error", not "fatal"'],
    ['x=', '--rule x=: severity must be "off", "warn" or "error", not ""'],
    ['x=error=1', '--rule x=error=1: severity must be "off", "warn" or "error", not "error=1"'],
  ])('rejects %j', (flag, message) => {
    expect(() => parseRuleFlag(flag)).toThrow(new ConfigError(message));
  });

  it('checks the id against the rules when given them', () => {
    expect(parseRuleFlag('limit-except-no-effect=error', RULES)).toEqual(['limit-except-no-effect', 'error']);
    expect(() => parseRuleFlag('limit-except=error', RULES)).toThrow(
      new ConfigError('--rule limit-except=error: unknown rule "limit-except"'),
    );
    expect(() => parseRuleFlag('limit-excep-no-effect=error', RULES)).toThrow(
      new ConfigError('--rule limit-excep-no-effect=error: unknown rule "limit-excep-no-effect", did you mean "limit-except-no-effect"?'),
    );
  });
});
