// What Apache rules share: a walk over every file of a tree with each node's
// enclosing sections, and the facts about methods that several rules need
// (../shared/docs/apache-methods.md, 1.8 and 3).
import { isHtaccessName } from './apache-parse.js';
import type { Directive, ParsedFile, ParseResult } from './model.js';

export interface ApacheNode {
  node: Directive;
  /** Enclosing sections, outermost first (conditional sections included). */
  parents: Directive[];
  file: ParsedFile;
  /** The file is read as .htaccess. */
  htaccess: boolean;
}

/** Every directive and section (no comments) of every file of the tree, each file once, in document order. */
export function* apacheNodes(tree: ParseResult): Generator<ApacheNode> {
  for (const file of tree.config) {
    const htaccess = isHtaccessName(file.file);
    const stack: Array<[readonly Directive[], number, Directive[]]> = [[file.parsed, 0, []]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [nodes, i, parents] = top;
      if (i >= nodes.length) {
        stack.pop();
        continue;
      }
      top[1] = i + 1;
      const node = nodes[i]!;
      if (node.directive === '#') continue;
      yield { node, parents, file, htaccess };
      if (node.block && !unreadBy24(node)) stack.push([node.block, 0, [...parents, node]]);
    }
  }
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
