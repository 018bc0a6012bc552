// From a list of discovered files to findings: parse each tree once, lint a
// file reached through another file's include as part of that tree, and run
// the engine. No process, no stdout: the CLI decides what to do with this.
import { basename, dirname, resolve, sep } from 'node:path';
import { lint, type EngineOptions, type LintUnit } from './engine.js';
import { compareFindings, type Finding } from './finding.js';
import type { Host } from './host.js';
import type { Dialect, ParseResult } from './model.js';
import { parseApache } from './apache-parse.js';
import { parseNginx } from './parse.js';

export interface LintInput {
  files: ReadonlyArray<{ path: string; dialect: Dialect }>;
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
  /** Files that could not be read at all, with why. */
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

export function lintFiles(input: LintInput, engine: EngineOptions): LintOutput {
  const parsed: Array<LintUnit & { main: string; files: string[] }> = [];
  // nginx resolves relative includes against the directory of its main
  // nginx.conf, so a fragment beside or below one resolves them there too.
  // Apache resolves relative Includes against ServerRoot: for a fragment below
  // an apache2.conf or httpd.conf, that file's folder.
  const prefixFor = rootFinder(input, 'nginx', /^nginx\.conf$/);
  const serverRootFor = rootFinder(input, 'apache', /^(apache2|httpd)\.conf$/);
  const total = input.files.length;
  for (const { path, dialect } of input.files) {
    let tree: ParseResult;
    if (dialect === 'apache') {
      const serverRoot = input.serverRoot ?? serverRootFor(path);
      tree = parseApache(path, {
        comments: true,
        host: input.host,
        ...(serverRoot !== undefined && { serverRoot }),
        ...(input.sysroot !== undefined && { sysroot: input.sysroot }),
      });
    } else {
      const prefix = input.prefix ?? prefixFor(path);
      tree = parseNginx(path, {
        comments: true,
        host: input.host,
        ...(prefix !== undefined && { prefix }),
        ...(input.sysroot !== undefined && { sysroot: input.sysroot }),
      });
    }
    parsed.push({ dialect, tree, main: key(input.cwd, path), files: tree.config.map((c) => key(input.cwd, c.path)) });
    input.onProgress?.(parsed.length, total, 'read');
  }

  // A file that another tree includes is linted there, in its context. Files
  // that include each other and nothing else includes: the first one leads.
  const included = new Set(parsed.flatMap((u) => u.files.slice(1)));
  const covered = new Set<string>();
  const units: typeof parsed = [];
  const take = (u: (typeof parsed)[number]) => {
    units.push(u);
    for (const f of u.files) covered.add(f);
  };
  for (const u of parsed) if (!included.has(u.main)) take(u);
  for (const u of parsed) if (!covered.has(u.main)) take(u);

  const unreadable = new Map<string, string>();
  for (const u of units) {
    for (const c of u.tree.config) {
      for (const e of c.errors) if (e.kind === 'read') unreadable.set(key(input.cwd, c.path), e.message);
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
  return { findings, unreadable: [...unreadable].map(([path, message]) => ({ path, message })), trees: units.length };
}
