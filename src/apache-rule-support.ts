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
      if (node.block) stack.push([node.block, 0, [...parents, node]]);
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
