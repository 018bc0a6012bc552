// From a list of discovered files to findings: parse each tree once, lint a
// file reached through another file's include as part of that tree, and run
// the engine. No process, no stdout: the CLI decides what to do with this.
import { basename, dirname, resolve, sep } from 'node:path';
import { lint, type EngineOptions } from './engine.js';
import { compareFindings, type Finding } from './finding.js';
import type { Host } from './host.js';
import type { Dialect, ParseError, ParseResult } from './model.js';
import { parseApache } from './apache-parse.js';
import { parseNginx } from './parse.js';

export interface LintInput {
  /** `unreadable`: why a walk could not read this path (a directory); it is reported, not parsed. */
  files: ReadonlyArray<{ path: string; dialect: Dialect; unreadable?: string }>;
  cwd: string;
  host: Host;
  prefix?: string;
  sysroot?: string;
  /** Apache's ServerRoot, for relative Include paths. */
  serverRoot?: string;
  /**
   * Called after each file is read (`read`: `done` of the `total` files given)
   * and after each tree is linted (`lint`: how many of the files given the
   * trees linted so far cover; it jumps when a tree includes others, and
   * ends at `total`).
   */
  onProgress?: (done: number, total: number, phase: 'read' | 'lint') => void;
}

export interface LintOutput {
  findings: Finding[];
  /** Files (and directories) that could not be read, with why; paths as `displayPath` shows them. */
  unreadable: Array<{ path: string; message: string }>;
  /** How many trees (main files with their includes) were linted. */
  trees: number;
}

function key(cwd: string, path: string): string {
  return resolve(cwd, path);
}

function sameFinding(a: Finding, b: Finding): boolean {
  return a.ruleId === b.ruleId && a.file === b.file && a.line === b.line && a.column === b.column && a.message === b.message;
}

/**
 * For a file below (not beside) a main config of its dialect among the linted
 * files, the folder of the nearest such main config, as the command line
 * spells it ('' for the current folder); undefined otherwise.
 */
function rootFinder(input: LintInput, dialect: Dialect, mainName: RegExp): (path: string) => string | undefined {
  const roots = input.files
    .filter((f) => f.dialect === dialect && mainName.test(basename(f.path)))
    .map((f) => ({ dir: dirname(f.path), abs: dirname(key(input.cwd, f.path)) }))
    .sort((a, b) => b.abs.length - a.abs.length);
  return (path) => {
    const abs = key(input.cwd, path);
    const root = roots.find((r) => abs.startsWith(r.abs + sep));
    // Beside its main config a file resolves includes as its parser does anyway.
    return root === undefined || root.abs === dirname(abs) ? undefined : root.dir === '.' ? '' : root.dir;
  };
}

interface Parsed {
  dialect: Dialect;
  /** Null while the file is skipped as part of another tree (see lintFiles). */
  tree: ParseResult | null;
  main: string;
  files: string[];
}

const MAIN_NAMES = /^(nginx|apache2|httpd)\.conf$/;

/** The folder parse.ts resolves an nginx main file's includes against: the prefix, else the file's folder. */
function configDir(path: string, prefix: string | undefined): string {
  if (prefix !== undefined) return prefix;
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : i === 0 ? '/' : path.slice(0, i);
}

/** Whether an Apache file can include nothing on its own: no Include, and no Define that could spell one. */
function includesNothing(host: Host, path: string): boolean {
  let text: string;
  try {
    text = host.readFile(path);
  } catch {
    return false;
  }
  // Continued lines are joined before a directive is read.
  const joined = text.replace(/\\\r?\n/g, '');
  return !/include|define/i.test(joined);
}

/** The tree of a path that a walk found but could not read. */
function failedRead(path: string, message: string): ParseResult {
  const error: ParseError = { kind: 'read', file: path, line: 1, column: 1, message };
  return { status: 'failed', errors: [error], warnings: [], config: [{ file: path, path, status: 'failed', errors: [error], parsed: [], lines: 0 }] };
}

export function lintFiles(input: LintInput, engine: EngineOptions): LintOutput {
  // nginx resolves relative includes against the directory of its main
  // nginx.conf, so a fragment beside or below one resolves them there too.
  // Apache resolves relative Includes against ServerRoot: for a fragment below
  // an apache2.conf or httpd.conf, that file's folder.
  const prefixFor = rootFinder(input, 'nginx', /^nginx\.conf$/);
  const serverRootFor = rootFinder(input, 'apache', /^(apache2|httpd)\.conf$/);
  const total = input.files.length;
  const prefixOf = (path: string): string | undefined => input.prefix ?? prefixFor(path);
  const unreadableOf = new Map(input.files.flatMap((f) => (f.unreadable !== undefined ? [[f.path, f.unreadable] as const] : [])));
  const parse = (path: string, dialect: Dialect): ParseResult => {
    const why = unreadableOf.get(path);
    if (why !== undefined) return failedRead(path, why);
    if (dialect === 'apache') {
      const serverRoot = input.serverRoot ?? serverRootFor(path);
      return parseApache(path, {
        comments: true,
        host: input.host,
        ...(serverRoot !== undefined && { serverRoot }),
        ...(input.sysroot !== undefined && { sysroot: input.sysroot }),
      });
    }
    const prefix = prefixOf(path);
    return parseNginx(path, {
      comments: true,
      host: input.host,
      ...(prefix !== undefined && { prefix }),
      ...(input.sysroot !== undefined && { sysroot: input.sysroot }),
    });
  };
  const filesOf = (tree: ParseResult): string[] => tree.config.map((c) => key(input.cwd, c.path));

  // Each file is a tree of its own, but a file that a tree parsed before
  // already includes is not parsed again when its own tree is bound to add
  // nothing: the result is the same, and a conf.d/ of a large site is read
  // once instead of twice. Main configs are parsed first so that they come
  // before their fragments; `parsed` keeps the order given.
  const parsed: Parsed[] = new Array(total);
  /** Parsed trees (their positions) that include a file, by the file's key. */
  const includers = new Map<string, number[]>();
  /** Skipped file position → the tree that includes it. */
  const skippedBy = new Map<number, number>();
  const coverFor = (i: number): number | undefined => {
    const { path, dialect } = input.files[i]!;
    for (const t of includers.get(key(input.cwd, path)) ?? []) {
      const tree = parsed[t]!;
      if (tree.dialect !== dialect) continue;
      if (dialect === 'nginx') {
        // Its includes resolve as they do inside the tree, which holds them all; a
        // cycle back to the tree's main file would make that file included, though.
        const same = configDir(path, prefixOf(path)) === configDir(input.files[t]!.path, prefixOf(input.files[t]!.path));
        if (same && tree.tree!.warnings.length === 0) return t;
      } else if (includesNothing(input.host, path)) {
        return t;
      }
    }
    return undefined;
  };
  const order = [...input.files.keys()];
  order.sort((a, b) => Number(!MAIN_NAMES.test(basename(input.files[a]!.path))) - Number(!MAIN_NAMES.test(basename(input.files[b]!.path))) || a - b);
  let read = 0;
  for (const i of order) {
    const { path, dialect } = input.files[i]!;
    const main = key(input.cwd, path);
    const cover = coverFor(i);
    if (cover !== undefined) {
      parsed[i] = { dialect, tree: null, main, files: [main] };
      skippedBy.set(i, cover);
    } else {
      const tree = parse(path, dialect);
      parsed[i] = { dialect, tree, main, files: filesOf(tree) };
      for (const f of parsed[i].files.slice(1)) {
        const list = includers.get(f);
        if (list) list.push(i);
        else includers.set(f, [i]);
      }
    }
    input.onProgress?.(++read, total, 'read');
  }

  // A file that another tree includes is linted there, in its context. Files
  // that include each other and nothing else includes: the first one leads.
  let included = new Set(parsed.flatMap((u) => u.files.slice(1)));
  // A skip holds only when the tree that includes the file is linted as a
  // tree of its own; when something includes that tree, parse the file after all.
  for (let again = true; again; ) {
    again = false;
    for (const [i, t] of skippedBy) {
      if (!included.has(parsed[t]!.main)) continue;
      const tree = parse(input.files[i]!.path, parsed[i]!.dialect);
      parsed[i] = { ...parsed[i]!, tree, files: filesOf(tree) };
      skippedBy.delete(i);
      again = true;
    }
    if (again) included = new Set(parsed.flatMap((u) => u.files.slice(1)));
  }
  const covered = new Set<string>();
  const units: Array<Parsed & { tree: ParseResult }> = [];
  const take = (u: Parsed) => {
    // Never a skipped file: its tree is a unit, taken first, and covers it.
    if (u.tree === null) throw new Error(`internal error: ${u.main} was not parsed`);
    units.push(u as Parsed & { tree: ParseResult });
    for (const f of u.files) covered.add(f);
  };
  for (const u of parsed) if (!included.has(u.main)) take(u);
  for (const u of parsed) if (!covered.has(u.main)) take(u);

  const unreadable = new Map<string, { path: string; message: string }>();
  const display = engine.displayPath ?? ((p: string) => p);
  for (const u of units) {
    for (const c of u.tree.config) {
      for (const e of c.errors) {
        if (e.kind !== 'read') continue;
        // The file's own read error, or a directory that an include could not list.
        const path = e.file === c.file ? c.path : e.file;
        unreadable.set(key(input.cwd, path), { path: display(path), message: e.message });
      }
    }
  }
  // One tree at a time, for progress; lint() sorts each tree's findings the
  // way it sorts them all, so sorting the whole again gives the same order.
  const given = new Set(parsed.map((u) => u.main));
  const linted = new Set<string>();
  const all: Finding[] = [];
  for (const u of units) {
    for (const f of lint([{ dialect: u.dialect, tree: u.tree }], engine)) all.push(f);
    for (const f of u.files) if (given.has(f)) linted.add(f);
    input.onProgress?.(linted.size, given.size, 'lint');
  }
  const findings: Finding[] = [];
  for (const f of all.sort(compareFindings)) {
    const last = findings[findings.length - 1];
    if (!last || !sameFinding(last, f)) findings.push(f);
  }
  return { findings, unreadable: [...unreadable.values()], trees: units.length };
}
