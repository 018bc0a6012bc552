// The user's configuration: where it is found, what it may say, and how it
// becomes the engine's severities and options. Every mistake in it is a
// ConfigError that names the file, the key and what is wrong.
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Dialect } from './model.js';

export type ConfigSeverity = 'off' | 'warn' | 'warning' | 'error';
export type RuleConfig = ConfigSeverity | [ConfigSeverity, object];
/** What the engine takes: `warn` is spelled `warning`. */
export type RuleSetting = 'error' | 'warning' | 'off';

export interface VerblintConfig {
  rules?: Record<string, RuleConfig>;
  /** .gitignore-style patterns, relative to the working directory. */
  ignores?: string[];
  overrides?: Array<{ files: string[]; dialect: Dialect }>;
  /** Absolute once loaded: a relative value is resolved against the config file's directory. */
  prefix?: string;
  /** Absolute once loaded, like `prefix`. */
  serverRoot?: string;
  maxWarnings?: number;
}

export interface LoadedConfig {
  /** Where the config came from, relative to the working directory (or as `--config` named it); none when no file was found. */
  file?: string;
  config: VerblintConfig;
}

export interface RuleSettings {
  severity: Record<string, RuleSetting>;
  options: Record<string, object>;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}


/** Looked for in each directory from the working directory up, in this order, before package.json's "verblint" key. */
export const CONFIG_FILES = ['verblint.config.json', '.verblintrc.json'] as const;

const TOP_KEYS = ['rules', 'ignores', 'overrides', 'prefix', 'serverRoot', 'maxWarnings'];
const SEVERITIES: readonly string[] = ['off', 'warn', 'warning', 'error'];
const SEVERITY_WORDS = '"off", "warn" or "error"';

/** Where in which file: prints `file: key.path: problem`. */
class At {
  constructor(
    readonly file: string,
    readonly path: string,
  ) {}

  key(key: string | number): At {
    if (typeof key === 'number') return new At(this.file, `${this.path}[${key}]`);
    const part = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key);
    if (part === key) return new At(this.file, this.path === '' ? key : `${this.path}.${key}`);
    return new At(this.file, `${this.path}[${part}]`);
  }

  error(problem: string): ConfigError {
    return new ConfigError(this.path === '' ? `${this.file}: ${problem}` : `${this.file}: ${this.path}: ${problem}`);
  }
}

function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(next[j - 1]! + 1, row[j]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}

/** `, did you mean "x"?` for a near miss, or nothing. */
function suggestion(word: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = word.length >= 8 ? 3 : 2;
  for (const k of known) {
    const d = k.toLowerCase() === word.toLowerCase() ? 0 : distance(word, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best === undefined ? '' : `, did you mean "${best}"?`;
}

function list(words: readonly string[]): string {
  return words.length === 1 ? words[0]! : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

function unknownKey(at: At, key: string, known: readonly string[], what: string): ConfigError {
  const hint = suggestion(key, known);
  return at.key(key).error(hint ? `unknown ${what}${hint}` : `unknown ${what}, expected ${list(known)}`);
}

function severityOf(value: unknown, at: At): ConfigSeverity {
  if (typeof value === 'string' && SEVERITIES.includes(value)) return value as ConfigSeverity;
  throw at.error(`severity must be ${SEVERITY_WORDS}, not ${show(value)}`);
}

function ruleConfigOf(value: unknown, at: At): RuleConfig {
  if (typeof value === 'string') return severityOf(value, at);
  if (!Array.isArray(value)) throw at.error(`must be a severity or [severity, options], not ${show(value)}`);
  if (value.length < 1 || value.length > 2) {
    throw at.error(`must be [severity, options], not an array of ${value.length} item${value.length === 1 ? '' : 's'}`);
  }
  const severity = severityOf(value[0], at.key(0));
  if (value.length === 1) return severity;
  if (!isObject(value[1])) throw at.key(1).error(`options must be an object, not ${show(value[1])}`);
  return [severity, value[1]];
}

function stringOf(value: unknown, at: At): string {
  if (typeof value !== 'string') throw at.error(`must be a string, not ${show(value)}`);
  if (value === '') throw at.error('must not be empty');
  return value;
}

function stringsOf(value: unknown, at: At): string[] {
  if (!Array.isArray(value)) throw at.error(`must be an array of strings, not ${show(value)}`);
  return value.map((item, i) => stringOf(item, at.key(i)));
}

function overridesOf(value: unknown, at: At): Array<{ files: string[]; dialect: Dialect }> {
  if (!Array.isArray(value)) throw at.error(`must be an array of {files, dialect}, not ${show(value)}`);
  return value.map((item, i) => {
    const here = at.key(i);
    if (!isObject(item)) throw here.error(`must be an object with files and dialect, not ${show(item)}`);
    for (const key of Object.keys(item)) if (key !== 'files' && key !== 'dialect') throw unknownKey(here, key, ['files', 'dialect'], 'key');
    if (!('files' in item)) throw here.key('files').error('is required');
    if (!('dialect' in item)) throw here.key('dialect').error('is required');
    const files = stringsOf(item.files, here.key('files'));
    if (files.length === 0) throw here.key('files').error('must not be empty');
    if (item.dialect !== 'nginx' && item.dialect !== 'apache') {
      throw here.key('dialect').error(`must be "nginx" or "apache", not ${show(item.dialect)}`);
    }
    return { files, dialect: item.dialect };
  });
}

/** Checks a parsed config and returns it with relative paths resolved against `dir`. */
function validate(value: unknown, at: At, dir: string): VerblintConfig {
  if (!isObject(value)) throw at.error(`must be an object, not ${show(value)}`);
  const config: VerblintConfig = {};
  for (const [key, item] of Object.entries(value)) {
    const here = at.key(key);
    switch (key) {
      case '$schema':
        stringOf(item, here);
        break;
      case 'rules': {
        if (!isObject(item)) throw here.error(`must be an object, not ${show(item)}`);
        config.rules = Object.fromEntries(Object.entries(item).map(([id, setting]) => [id, ruleConfigOf(setting, here.key(id))]));
        break;
      }
      case 'ignores':
        config.ignores = stringsOf(item, here);
        break;
      case 'overrides':
        config.overrides = overridesOf(item, here);
        break;
      case 'prefix':
      case 'serverRoot':
        config[key] = resolve(dir, stringOf(item, here));
        break;
      case 'maxWarnings':
        if (typeof item !== 'number' || !Number.isInteger(item) || item < 0) {
          throw here.error(`must be a non-negative integer, not ${show(item)}`);
        }
        config.maxWarnings = item;
        break;
      default:
        throw unknownKey(at, key, TOP_KEYS, 'key');
    }
  }
  return config;
}

/**
 * JSON with comments: every `// ...` to the end of its line and every
 * `/* ... *\/` outside strings becomes spaces (line breaks stay), so that
 * JSON.parse's positions still point into the text as written. An unclosed
 * `/*` is left for JSON.parse to report where it starts.
 */
export function blankComments(text: string): string {
  const out: string[] = [];
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      // Skip the string; a line break ends an unterminated one, as JSON.parse will say.
      for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (c !== '/' || (text[i + 1] !== '/' && text[i + 1] !== '*')) continue;
    let end: number;
    if (text[i + 1] === '/') {
      end = text.indexOf('\n', i);
      if (end < 0) end = text.length;
    } else {
      end = text.indexOf('*/', i + 2);
      if (end < 0) break;
      end += 2;
    }
    out.push(text.slice(from, i), text.slice(i, end).replace(/[^\r\n]/g, ' '));
    from = end;
    i = end - 1;
  }
  out.push(text.slice(from));
  return out.join('');
}

/** Where JSON.parse stopped, as an offset into `text`. */
function errorOffset(text: string, message: string): number {
  const at = / at position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  // Some messages name no position. A prefix that ends before the mistake
  // fails only for ending too soon, so search for the shortest that does not.
  const fine = (n: number) => {
    try {
      JSON.parse(text.slice(0, n));
      return true;
    } catch (e) {
      const m = (e as Error).message;
      const p = / at position (\d+)/.exec(m);
      return m.startsWith('Unexpected end of JSON input') || (p !== null && Number(p[1]) === n);
    }
  };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (fine(mid)) lo = mid;
    else hi = mid - 1;
  }
  return Math.min(lo, text.length);
}

function parseJson(text: string, file: string): unknown {
  const source = text.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(source);
  } catch (e) {
    const message = (e as Error).message;
    const offset = errorOffset(source, message);
    const before = source.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - (before.lastIndexOf('\n') + 1) + 1;
    const what = message
      .replace(/(?: in JSON)? at position \d+.*$/s, '')
      .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '')
      .replace(/^Unexpected end of JSON input$/, 'Unexpected end of input');
    throw new ConfigError(`${file}:${line}:${column}: invalid JSON: ${what}`);
  }
}

function read(path: string, file: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ConfigError(`${file}: no such file`);
    if (code === 'EISDIR') throw new ConfigError(`${file}: is a directory, not a file`);
    throw new ConfigError(`${file}: cannot be read (${code ?? (e as Error).message})`);
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function hasKey(value: unknown): value is { verblint: unknown } {
  return isObject(value) && 'verblint' in value;
}

function fromKey(value: { verblint: unknown }, path: string, file: string): LoadedConfig {
  return { file, config: validate(value.verblint, new At(file, 'verblint'), dirname(path)) };
}

function fromFile(path: string, file: string): LoadedConfig {
  const text = read(path, file);
  // Our own config files may have comments (verblint init writes them); package.json is npm's and may not.
  if (basename(path) !== 'package.json') return { file, config: validate(parseJson(blankComments(text), file), new At(file, ''), dirname(path)) };
  const value = parseJson(text, file);
  if (!hasKey(value)) throw new ConfigError(`${file}: has no "verblint" key`);
  return fromKey(value, path, file);
}

/** package.json's "verblint" config, or undefined when it has none. */
function fromPackage(path: string, file: string): LoadedConfig | undefined {
  const text = read(path, file);
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    // A broken package.json matters only when it may hold our key.
    if (text.includes('"verblint"')) parseJson(text, file);
    return undefined;
  }
  return hasKey(value) ? fromKey(value, path, file) : undefined;
}

function display(cwd: string, path: string): string {
  return relative(cwd, path).split(sep).join('/');
}

/**
 * The config for a run in `cwd`: the `explicit` file (`--config`), or the
 * first of verblint.config.json, .verblintrc.json and package.json's
 * "verblint" key found in `cwd` or the nearest directory above it that has
 * one. No config is `{ config: {} }`.
 */
export function loadConfig(cwd: string, explicit?: string): LoadedConfig {
  const start = resolve(cwd);
  if (explicit !== undefined) return fromFile(resolve(start, explicit), explicit);
  for (let dir = start; ; dir = dirname(dir)) {
    for (const name of CONFIG_FILES) {
      const path = join(dir, name);
      if (isFile(path)) return fromFile(path, display(start, path));
    }
    const pkg = join(dir, 'package.json');
    if (isFile(pkg)) {
      const found = fromPackage(pkg, display(start, pkg));
      if (found) return found;
    }
    if (dirname(dir) === dir) return { config: {} };
  }
}

function checkOptions(options: object, defaults: object, at: At): void {
  const known = Object.keys(defaults);
  for (const [key, value] of Object.entries(options)) {
    if (!Object.hasOwn(defaults, key)) {
      if (known.length === 0) throw at.key(key).error('unknown option, the rule has no options');
      throw unknownKey(at, key, known, 'option');
    }
    const fallback: unknown = (defaults as Record<string, unknown>)[key];
    if (fallback === null || fallback === undefined) continue;
    if (typeName(value) !== typeName(fallback) || value === null) {
      throw at.key(key).error(`must be ${typeName(fallback)}, not ${show(value)}`);
    }
  }
}

function setting(severity: ConfigSeverity): RuleSetting {
  return severity === 'warn' ? 'warning' : severity;
}

/**
 * The engine's `severity` and `options` from the `rules` of a config as
 * loadConfig returned it, for the rules there are: unknown rule ids and
 * options are errors, and `warn` becomes `warning`.
 */
export function ruleSettings(loadedConfig: LoadedConfig, knownRules: readonly { id: string; options: object }[]): RuleSettings {
  const { file = 'config', config: rules } = loadedConfig;
  // Keys inside package.json live under its "verblint" key.
  const at = new At(file, basename(file) === 'package.json' ? 'verblint' : '').key('rules');
  const byId = new Map(knownRules.map((r) => [r.id, r]));
  const result: RuleSettings = { severity: {}, options: {} };
  for (const [id, value] of Object.entries(rules.rules ?? {})) {
    const here = at.key(id);
    const rule = byId.get(id);
    if (!rule) throw here.error(`unknown rule "${id}"${suggestion(id, [...byId.keys()])}`);
    const config = ruleConfigOf(value, here);
    if (typeof config === 'string') {
      result.severity[id] = setting(config);
    } else {
      checkOptions(config[1], rule.options, here.key(1));
      result.severity[id] = setting(config[0]);
      result.options[id] = config[1];
    }
  }
  return result;
}

/** `--rule id=off|warn|error`; with `knownRules`, the id must be one of them. */
export function parseRuleFlag(value: string, knownRules?: readonly { id: string }[]): [string, RuleSetting] {
  const flag = `--rule ${value}`;
  const eq = value.indexOf('=');
  if (eq < 0) throw new ConfigError(`${flag}: expected id=off, id=warn or id=error`);
  const id = value.slice(0, eq).trim();
  const severity = value.slice(eq + 1).trim();
  if (id === '') throw new ConfigError(`${flag}: the rule id is missing before "="`);
  if (!SEVERITIES.includes(severity)) throw new ConfigError(`${flag}: severity must be ${SEVERITY_WORDS}, not ${show(severity)}`);
  if (knownRules && !knownRules.some((r) => r.id === id)) {
    throw new ConfigError(`${flag}: unknown rule "${id}"${suggestion(id, knownRules.map((r) => r.id))}`);
  }
  return [id, setting(severity as ConfigSeverity)];
}
