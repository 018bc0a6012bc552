// What Apache rules share: a walk over every file of a tree with each node's
// enclosing sections, and the facts about methods that several rules need
// (../shared/docs/apache-methods.md, 1.8 and 3).
import { isHtaccessName } from './apache-parse.js';
import type { Directive, ParsedFile, ParseResult } from './model.js';

export interface ApacheNode {
  node: Directive;
  /** Enclosing sections, outermost first, across Include (conditional sections included). */
  parents: Directive[];
  /** The file the node is written in. */
  file: ParsedFile;
  /** That file is read as .htaccess. */
  htaccess: boolean;
}

/** Files some Include of the tree reads. */
function includedFiles(tree: ParseResult): Set<number> {
  const out = new Set<number>();
  const visit = (nodes: readonly Directive[]): void => {
    for (const n of nodes) {
      for (const i of n.includes ?? []) out.add(i);
      if (n.block) visit(n.block);
    }
  };
  for (const f of tree.config) visit(f.parsed);
  return out;
}

const roots = new WeakMap<ParseResult, readonly ParsedFile[]>();

/** Files nothing includes: the main file, or each of several files linted on their own. */
export function rootFiles(tree: ParseResult): readonly ParsedFile[] {
  let found = roots.get(tree);
  if (!found) {
    const included = includedFiles(tree);
    roots.set(tree, (found = tree.config.filter((_f, i) => i === 0 || !included.has(i))));
  }
  return found;
}

const nodesOf = new WeakMap<ParseResult, ApacheNodeList>();

/** A file as its nodes' entries see it. */
interface FileOfNodes {
  file: ParsedFile;
  htaccess: boolean;
}

class NodeEntry implements ApacheNode {
  constructor(
    readonly node: Directive,
    readonly parents: Directive[],
    private readonly of: FileOfNodes,
  ) {}

  get file(): ParsedFile {
    return this.of.file;
  }

  get htaccess(): boolean {
    return this.of.htaccess;
  }
}

/**
 * The nodes apacheNodes lists. A large config has hundreds of thousands, kept
 * while its tree is linted: the list holds each node and the index of its
 * block (12 bytes), and makes an entry (48 bytes) each time one is read.
 * Copying the list ([...list]) would make them all at once; a walk that looks
 * for a few names asks where() for theirs.
 */
export class ApacheNodeList implements Iterable<ApacheNode> {
  constructor(
    /** The nodes, in the list's order. */
    readonly nodes: readonly Directive[],
    private readonly blockOf: Int32Array,
    /** By block: the enclosing sections, and the file. */
    private readonly parents: readonly Directive[][],
    private readonly files: readonly FileOfNodes[],
  ) {}

  get length(): number {
    return this.nodes.length;
  }

  at(i: number): ApacheNode {
    const b = this.blockOf[i]!;
    return new NodeEntry(this.nodes[i]!, this.parents[b]!, this.files[b]!);
  }

  *[Symbol.iterator](): Iterator<ApacheNode> {
    for (let i = 0; i < this.nodes.length; i++) yield this.at(i);
  }

  /**
   * The entries of the nodes that pass `test`, made only for them and one at
   * a time: most walks want a few names, and a list of 100k sections' entries
   * held through a walk cost 12 MB of peak memory at 640k.
   */
  *where(test: (node: Directive) => boolean): Generator<ApacheNode> {
    for (let i = 0; i < this.nodes.length; i++) if (test(this.nodes[i]!)) yield this.at(i);
  }
}

/**
 * Every directive and section (no comments) in document order, following
 * Include into the included files where the Include stands, each node once.
 * Sections no Apache 2.4 reads are not entered (see unreadBy24). Listed once
 * per tree: every Apache rule walks them.
 */
export function apacheNodes(tree: ParseResult): ApacheNodeList {
  const known = nodesOf.get(tree);
  if (known) return known;
  // Walked twice, to count and then to fill arrays exactly that long: for
  // a large config a pushed one would leave copies of itself behind as it grows.
  let nodes: Directive[] | null = null;
  let blockOf = new Int32Array(0);
  const parentsOf: Directive[][] = [];
  const filesOf: FileOfNodes[] = [];
  const walk = (): number => {
    let n = 0;
    // A file's second visit would add nothing (each visit is whole: a cycle
    // stops at the file being read), so it is skipped.
    const visited = new Set<number>();
    const visit = (of: FileOfNodes, block: readonly Directive[], parents: Directive[]): void => {
      const b = parentsOf.length;
      if (nodes) {
        parentsOf.push(parents);
        filesOf.push(of);
      }
      for (const node of block) {
        if (node.directive === '#') continue;
        if (nodes) {
          nodes[n] = node;
          blockOf[n] = b;
        }
        n++;
        // concat, not a spread: the array is kept, exactly as long as it is.
        if (node.block && !unreadBy24(node)) visit(of, node.block, nodes ? parents.concat([node]) : parents);
        for (const i of node.includes ?? []) {
          const inc = tree.config[i];
          if (inc && !visited.has(i)) {
            visited.add(i);
            visit({ file: inc, htaccess: isHtaccessName(inc.file) }, inc.parsed, parents);
          }
        }
      }
    };
    for (const f of rootFiles(tree)) {
      const i = tree.config.indexOf(f);
      if (visited.has(i)) continue;
      visited.add(i);
      visit({ file: f, htaccess: isHtaccessName(f.file) }, f.parsed, []);
    }
    return n;
  };
  const count = walk();
  nodes = new Array<Directive>(count);
  blockOf = new Int32Array(count);
  walk();
  const list = new ApacheNodeList(nodes, blockOf, parentsOf, filesOf);
  nodesOf.set(tree, list);
  return list;
}

/** The lower-cased name of a directive or section. */
export function lowerName(d: Directive): string {
  return d.lower ?? d.directive.toLowerCase();
}

/**
 * The methods Apache registers itself (ap_method_registry_init), case-sensitive.
 * HEAD shares GET's method number. Modules may add more; RegisterHttpMethod too.
 */
export const APACHE_METHODS: ReadonlySet<string> = new Set([
  'GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH',
  'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK',
  'VERSION-CONTROL', 'CHECKOUT', 'UNCHECKOUT', 'CHECKIN', 'UPDATE', 'LABEL', 'REPORT',
  'MKWORKSPACE', 'MKACTIVITY', 'BASELINE-CONTROL', 'MERGE',
]);

/**
 * Directives that read the method restriction of an enclosing <Limit> or
 * <LimitExcept> (cmd->limited): mod_authz_core's Require and <Require*>, and
 * mod_access_compat's Order, Allow, Deny and Satisfy. Every other directive
 * inside <Limit> applies to every method.
 */
export const METHOD_SCOPED: ReadonlySet<string> = new Set([
  'require', 'requireall', 'requireany', 'requirenone', 'order', 'allow', 'deny', 'satisfy',
]);

/** [major, minor, patch] of a version word, missing parts 0 as mod_version reads them; undefined when it is not a version. */
function versionOf(word: string): [number, number, number] | undefined {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(word);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/**
 * Whether an `<IfVersion>` section is read by every Apache 2.4 (2.4.0 to
 * 2.4.999): true, false, or undefined when it depends on the release or the
 * test is a regex. verblint's facts are those of 2.4, so a section no 2.4
 * reads (`<IfVersion >= 2.5.1>`) is not judged.
 */
export function ifVersionHolds(d: Directive): boolean | undefined {
  let args = d.args.join(' ').trim();
  let negate = false;
  if (args.startsWith('!')) {
    negate = true;
    args = args.slice(1).trim();
  }
  const m = /^(==|=|>=|<=|>|<)?\s*(\S+)$/.exec(args);
  if (!m) return undefined;
  const op = m[1] ?? '=';
  const want = versionOf(m[2]!);
  if (!want) return undefined;
  const results = new Set<boolean>();
  // The first and last 2.4 releases, and one between, cover every comparison's outcome.
  for (const server of [[2, 4, 0], [2, 4, 1], [2, 4, 999]]) {
    const c = compare(server, want);
    const holds = op === '>' ? c > 0 : op === '>=' ? c >= 0 : op === '<' ? c < 0 : op === '<=' ? c <= 0 : c === 0;
    results.add(holds !== negate);
  }
  return results.size === 1 ? [...results][0] : undefined;
}

/** A section whose contents Apache 2.4 never reads. */
export function unreadBy24(d: Directive): boolean {
  return d.section === true && lowerName(d) === 'ifversion' && ifVersionHolds(d) === false;
}
