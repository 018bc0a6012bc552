// static-location-write for Apache: a <Location> or <Directory> named like a
// write endpoint that nothing hands to a program, so the static handler
// answers writes (doc 3.1 row a: PUT/DELETE/PATCH 405, POST to a file 200 with
// the file). Conservative: any directive this module does not know to be
// harmless, any handler or method policy in the section, and any mapping
// elsewhere that could reach its URLs (ProxyPass, ScriptAlias, a rewrite to
// a program, FallbackResource, .htaccess allowed) keep it quiet.
import { handsToProgram, rewriteRules } from './apache-front-controller.js';
import { apacheNodes, lowerName } from './apache-rule-support.js';
import type { Directive, ParseResult } from './model.js';
import { looksLikeWritePath } from './static-writes.js';

export interface StaticWriteFinding {
  node: Directive;
  message: string;
}

const SECTIONS = new Set(['location', 'locationmatch', 'directory', 'directorymatch']);

// Directives that neither answer a request nor hand it to a program.
const HARMLESS = new Set([
  'require', 'requireall', 'requireany', 'requirenone', 'order', 'allow', 'satisfy', 'authtype', 'authname',
  'authuserfile', 'authgroupfile', 'authbasicprovider', 'authbasicauthoritative', 'options', 'allowoverride',
  'header', 'requestheader', 'expiresactive', 'expiresdefault', 'expiresbytype', 'directoryindex', 'directoryslash',
  'addtype', 'defaulttype', 'forcetype', 'adddefaultcharset', 'addcharset', 'addencoding', 'addlanguage',
  'addoutputfilterbytype', 'indexoptions', 'indexignore', 'headername', 'readmename', 'errordocument', 'setenv',
  'setenvif', 'setenvifnocase', 'unsetenv', 'limitrequestbody', 'fileetag', 'loglevel', 'serversignature',
  'sslrequiressl', 'sslrequire', 'ssloptions', 'sslverifyclient', 'files', 'filesmatch', 'ifmodule', 'ifdefine',
  'ifversion', 'iffile', 'ifdirective', 'ifsection', 'deny',
]);

/** Whether the section may answer writes otherwise than with the static handler (or refuses them for everyone). */
function notStatic(section: Directive): boolean {
  for (const d of section.block ?? []) {
    if (d.directive === '#') continue;
    const name = lowerName(d);
    const args = d.args.map((a) => a.toLowerCase());
    if (!HARMLESS.has(name)) return true;
    // Writes refused for everyone (403), or a program the options allow.
    if (name === 'require' && (args.join(' ') === 'all denied' || args[0] === 'method')) return true;
    if (name === 'deny' && args.join(' ') === 'from all') return true;
    if (name === 'options' && args.some((a) => /^\+?execcgi$|^all$/.test(a))) return true;
    if (name === 'allowoverride' && args.join(' ') !== 'none') return true;
    if (d.block && notStatic(d)) return true;
  }
  return false;
}

/** Something elsewhere in the tree that may give the section's URLs a handler. */
function mappedElsewhere(section: Directive, tree: ParseResult): boolean {
  if (rewriteRules(tree).some(handsToProgram)) return true;
  const path = section.args[0] ?? '';
  const regex = /match$/.test(lowerName(section));
  for (const node of apacheNodes(tree).nodes) {
    const name = lowerName(node);
    // A section of the same kind around its path is merged into it (<Location /api/> with a ProxyPass covers /api/upload).
    if (node !== section && name === lowerName(section) && !regex && path.startsWith(node.args[0] ?? '\0') && notStatic(node)) return true;
    if (/^(proxypassmatch|scriptaliasmatch|fallbackresource|wsgiscriptaliasmatch)$/.test(name)) return true;
    if (!/^(proxypass|scriptalias|wsgiscriptalias)$/.test(name) || node.args.length < 2 || node.args[1] === '!') continue;
    if (regex) return true;
    // A Location shares URL paths with the mapping, a Directory its file path.
    const other = lowerName(section) === 'location' ? node.args[0]! : name === 'proxypass' ? '' : node.args[1]!;
    if (other && (path.startsWith(other) || other.startsWith(path))) return true;
  }
  return false;
}

export function apacheStaticWriteFindings(tree: ParseResult, words: readonly string[]): StaticWriteFinding[] {
  // Script extensions are mapped server-wide in Apache (mod_php's FilesMatch), usually outside the linted file.
  const pathWords = words.filter((w) => !w.startsWith('.'));
  const out: StaticWriteFinding[] = [];
  for (const node of apacheNodes(tree).nodes) {
    if (!SECTIONS.has(lowerName(node))) continue;
    const word = looksLikeWritePath(node.args.join(' '), pathWords);
    if (!word || notStatic(node) || mappedElsewhere(node, tree)) continue;
    out.push({
      node,
      message: `"<${node.directive} ${node.args.join(' ')}>" looks like a write endpoint ("${word}", a guess from the name) but nothing hands its requests to a program (no ProxyPass, CGI, Script, SetHandler, front controller or Dav On): Apache's static handler answers PUT, DELETE and PATCH with 405 and POST to an existing file with the file itself (200, the body ignored)`,
    });
  }
  return out;
}
