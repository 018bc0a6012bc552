// Where Apache refuses a directive or a section, judged from the table that
// `apache2 -L` gives (src/apache-directives.ts) plus the few checks that
// directives make for themselves (../shared/docs/apache-methods.md, 1.9 and
// 1.10). Used by rules/directive-context.ts.
import { apacheDirective, type OverrideClass } from './apache-directives.js';
import { CONDITIONAL_SECTIONS, isHtaccessName } from './apache-parse.js';
import { apacheNodes, lowerName } from './apache-rule-support.js';
import type { Directive, ParseResult } from './model.js';

/** Sections that make a per-directory context (ACCESS_CONF) in server config. */
const DIRECTORY_SECTIONS = new Set([
  'directory', 'directorymatch', 'location', 'locationmatch', 'files', 'filesmatch',
  'proxy', 'proxymatch', 'if', 'elseif', 'else',
]);

/** What Apache says about directives that check where they stand for themselves. */
// Conditional sections, <Limit> and <Require*> are read through: a directive
// in them is judged by the nearest directory section or <VirtualHost> above.
const OWN_CHECKS: Array<{
  name: string;
  section: boolean;
  inside: (parents: Directive[]) => Directive | undefined;
  message: (d: Directive, p: Directive) => string;
}> = [
  { name: 'virtualhost', section: true, inside: (ps) => ps.find((p) => p.lower === 'virtualhost'), message: () => '<VirtualHost> cannot occur within <VirtualHost> section' },
  { name: 'listen', section: false, inside: (ps) => ps.find((p) => p.lower === 'virtualhost'), message: (d) => `${d.directive} cannot occur within <VirtualHost> section` },
  { name: 'registerhttpmethod', section: false, inside: (ps) => ps.find((p) => p.lower === 'virtualhost'), message: (d) => `${d.directive} cannot occur within <VirtualHost> section` },
  { name: 'proxypass', section: false, inside: (ps) => ps.find((p) => p.lower === 'directory' || p.lower === 'directorymatch'), message: (d) => `${d.directive} cannot occur within <Directory> section` },
  { name: 'files', section: true, inside: (ps) => ps.find((p) => p.lower === 'location' || p.lower === 'locationmatch'), message: (_d, p) => `<Files> cannot occur within <${p.directive}> section` },
  { name: 'filesmatch', section: true, inside: (ps) => ps.find((p) => p.lower === 'location' || p.lower === 'locationmatch'), message: (_d, p) => `<FilesMatch> cannot occur within <${p.directive}> section` },
  { name: 'if', section: true, inside: (ps) => ps.find((p) => p.lower === 'limit' || p.lower === 'limitexcept'), message: () => '<If> cannot occur within <Limit> or <LimitExcept> section' },
  { name: 'files', section: true, inside: (ps) => ps.find((p) => p.lower === 'limit' || p.lower === 'limitexcept'), message: () => '<Files> cannot occur within <Limit> or <LimitExcept> section' },
];

export interface ApacheContextOptions {
  /**
   * The AllowOverride classes of the directory an .htaccess file serves, when
   * known; undefined: not known, so only what no class admits is reported.
   */
  allowOverride?: readonly OverrideClass[];
}

export interface ContextProblem {
  node: Directive;
  message: string;
}

/** Where a file's top level stands. */
type FileKind = 'server' | 'fragment' | 'htaccess';

/**
 * A main config (apache2.conf, httpd.conf) and any file with a directive at its
 * top that only the server level takes (<VirtualHost>, Listen, LoadModule,
 * ServerName...) stand at server level. Any other file may be a snippet for
 * Include inside a section: its top level is judged by both places.
 */
function kindOf(file: string, top: readonly Directive[]): FileKind {
  if (isHtaccessName(file)) return 'htaccess';
  if (/(^|\/)(apache2|httpd)\.conf$/.test(file)) return 'server';
  const serverOnly = (d: Directive): boolean => {
    const info = d.directive === '#' ? undefined : apacheDirective(sectionName(d));
    return info !== undefined && info.server && !info.section;
  };
  return top.some(serverOnly) ? 'server' : 'fragment';
}

function sectionName(d: Directive): string {
  return d.section ? `<${d.directive}` : d.directive;
}

/** Every directive Apache refuses where it stands, with Apache's words and what follows from it. */
export function apacheContextProblems(tree: ParseResult, options: ApacheContextOptions = {}): ContextProblem[] {
  const out: ContextProblem[] = [];
  const main = tree.config[0];
  if (!main) return out;
  const kind = kindOf(main.file, main.parsed);
  const granted = options.allowOverride;

  const check = (d: Directive, parents: Directive[], fileKind: FileKind): void => {
    const lower = lowerName(d);
    for (const own of OWN_CHECKS) {
      if (own.name !== lower || own.section !== (d.section ?? false)) continue;
      const p = own.inside(parents);
      if (p) {
        out.push({ node: d, message: `${own.message(d, p)}: ${consequence(fileKind)}` });
        return;
      }
    }
    const info = apacheDirective(sectionName(d));
    // Directives of modules the table does not know are not judged.
    if (!info) return;
    const name = info.name;
    if (fileKind === 'htaccess') {
      const classes = info.htaccess;
      const admitted = granted === undefined ? classes.length > 0 : classes.some((c) => granted.includes(c));
      if (admitted) return;
      const need = classes.length === 0
        ? 'it is never allowed in .htaccess'
        : `it needs AllowOverride ${classes.length === 5 ? 'other than None' : classes.join(' or ')}, and this directory has ${granted!.length === 0 ? 'None' : granted!.join(' ')}`;
      out.push({ node: d, message: `${name} not allowed here: ${need}, so Apache answers 500 for every request under this directory` });
      return;
    }
    const section = parents.findLast((p) => DIRECTORY_SECTIONS.has(p.lower ?? '') || p.lower === 'virtualhost');
    const inDirectory = section !== undefined && section.lower !== 'virtualhost';
    // A fragment's top level may be meant for any place an Include can stand.
    if (section === undefined && fileKind === 'fragment') {
      if (info.server || info.section) return;
    } else if (inDirectory ? info.section : info.server) {
      return;
    } else if (inDirectory && /^proxy/.test(section.lower!) && info.server && /^(ssl|tls)proxy/.test(lower)) {
      // PROXY_CONF, which `apache2 -L` does not show: mod_ssl's SSL_CMD_PXY and
      // mod_tls declare their proxy directives RSRC_CONF|PROXY_CONF, for <Proxy>.
      return;
    }
    // Apache names the section right around the directive (<Limit>, <RequireAll> included); read-time conditionals make none.
    const direct = parents.findLast((p) => !CONDITIONAL_SECTIONS.has(p.lower ?? ''));
    const where = direct === undefined ? 'here' : `in <${direct.directive}> context`;
    out.push({ node: d, message: `${name} not allowed ${where}: ${consequence(fileKind)}` });
  };

  // Included files are judged where they are included, each node once.
  for (const { node, parents } of apacheNodes(tree)) {
    // mod_macro keeps its body as text until `Use`: nothing in it is read where it stands.
    if (parents.some((p) => lowerName(p) === 'macro')) continue;
    check(node, parents, kind);
  }
  return out;
}

function consequence(kind: FileKind): string {
  return kind === 'htaccess'
    ? 'Apache answers 500 for every request under this directory'
    : 'Apache refuses to start or reload with this config';
}
