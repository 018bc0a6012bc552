// The Apache model: the servers (main and <VirtualHost>s) with their
// sections, ready for the per-request walk Apache does: <Directory> shortest
// path first with each directory's .htaccess after it, then regex
// directories, <Files>, <Location>, <If>. Facts: ../shared/docs/apache-methods.md.
import { CONDITIONAL_SECTIONS, isHtaccessName } from './apache-parse.js';
import { ALL_METHODS, intersect, limitMethods, type MethodSet } from './apache-authz.js';
import { APACHE_STATIC_MODULES, apacheDirective } from './apache-directives.js';
import { APACHE_METHODS, ifVersionHolds, lowerName, rootFiles } from './apache-rule-support.js';
import type { Directive, ParsedFile, ParseResult } from './model.js';
import { copyNode } from './tree.js';

export interface ApacheModelOptions {
  /**
   * The .htaccess of an absolute directory (no trailing slash): parsed, or
   * null when there is none. By default the .htaccess files of the linted
   * tree, matched by their absolute path.
   */
  htaccess?: (dir: string) => ParsedFile | null;
}

/** A directive with the methods an enclosing <Limit>/<LimitExcept> gives it (every method when there is none). */
export interface Scoped {
  node: Directive;
  name: string;
  methods: MethodSet;
}

export type SectionKind = 'server' | 'directory' | 'files' | 'location' | 'proxy' | 'if' | 'elseif' | 'else' | 'htaccess';

export interface ApacheSection {
  kind: SectionKind;
  /** The opening tag; null for a .htaccess file and for the server level. */
  node: Directive | null;
  file: ParsedFile | null;
  /** What it matches: a path, a wildcard pattern or a regex (`regex` true); for <If>, the expression. */
  match: string;
  regex: boolean;
  /** Its own directives, through taken read-time conditionals and <Limit> (which sets `methods`). */
  directives: Scoped[];
  /** <Files>/<FilesMatch> and <If>/<ElseIf>/<Else> written inside it, in order. */
  files: ApacheSection[];
  ifs: ApacheSection[];
  /** The authorization tree of its Require lines (an implicit <RequireAny>), or null when it has none. */
  authz: AuthzNode | null;
  /** For <Directory>: how many path components it has (`/` has 0). */
  depth: number;
  /** Its position in config order, for stable sorting. */
  order: number;
}

export type AuthzNode =
  | { kind: 'any' | 'all' | 'none'; node: Directive | null; methods: MethodSet; children: AuthzNode[] }
  | { kind: 'require'; node: Directive; methods: MethodSet; negated: boolean; provider: string; args: string[] };

export interface VhostAddress {
  /** `*`, `_default_`, an IP or a name, lower-cased. */
  host: string;
  /** null when the address names no port (any port). */
  port: number | null;
}

export interface ApacheServer {
  /** The <VirtualHost> section; null for the main server. */
  vhost: Directive | null;
  addresses: VhostAddress[];
  /** ServerName's host, then every ServerAlias word (wildcards kept), lower-cased. */
  names: string[];
  /** Its top-level directives (the main server's are not included: see ApacheModel.main). */
  top: ApacheSection;
  directories: ApacheSection[];
  files: ApacheSection[];
  locations: ApacheSection[];
  proxies: ApacheSection[];
  ifs: ApacheSection[];
}

export interface ApacheModel {
  tree: ParseResult;
  options: ApacheModelOptions;
  main: ApacheServer;
  vhosts: ApacheServer[];
  /** Registered method names: Apache's, RegisterHttpMethod's, and unknown words of server-config <Limit>s. */
  registered: Set<string>;
  /** The .htaccess of a directory, read as a section; `ignored` nodes (and what is in them) left out, as Nonfatal=Override does. */
  htaccess(dir: string, ignored?: ReadonlySet<Directive>): ApacheSection | null;
  /** AccessFileName (`.htaccess`). */
  accessFileName: string;
}

const SECTION_KINDS: Record<string, SectionKind> = {
  directory: 'directory',
  directorymatch: 'directory',
  files: 'files',
  filesmatch: 'files',
  location: 'location',
  locationmatch: 'location',
  proxy: 'proxy',
  proxymatch: 'proxy',
  if: 'if',
  elseif: 'elseif',
  else: 'else',
};

const AUTHZ_GROUPS: Record<string, 'any' | 'all' | 'none'> = { requireany: 'any', requireall: 'all', requirenone: 'none' };

/** Strips one pair of quotes Apache already removed, and a trailing `/` (but not from `/`). */
export function sectionPath(word: string): string {
  const p = word.replace(/\/+$/, '');
  return p === '' ? '/' : p;
}

/** Read-time conditions (<IfModule>, <IfDefine>, <IfVersion> …): true when taken, undefined when verblint cannot tell (taken). */
interface ReadTime {
  modules: Set<string> | null;
  defines: Set<string>;
}

function conditionTaken(d: Directive, rt: ReadTime): boolean {
  const name = lowerName(d);
  let arg = (d.args[0] ?? '').trim();
  let negated = false;
  if (arg.startsWith('!')) {
    negated = true;
    arg = arg.slice(1).trim() || (d.args[1] ?? '');
  }
  let holds: boolean | undefined;
  if (name === 'ifmodule') holds = rt.modules === null ? true : rt.modules.has(arg) || rt.modules.has(arg.toLowerCase());
  else if (name === 'ifdefine') holds = rt.defines.has(arg);
  else if (name === 'ifversion') holds = ifVersionHolds(d);
  else if (name === 'ifdirective') holds = apacheDirective(arg) !== undefined;
  if (holds === undefined) return true;
  return holds !== negated;
}

/** Module names <IfModule> knows: `rewrite_module` and `mod_rewrite.c` for each LoadModule, plus the built-in ones; null when the tree loads none (a fragment: assume what it tests is there). */
function loadedModules(tree: ParseResult): Set<string> | null {
  const out = new Set<string>(APACHE_STATIC_MODULES);
  let any = false;
  const visit = (nodes: readonly Directive[]): void => {
    for (const n of nodes) {
      if (lowerName(n) === 'loadmodule' && n.args[0]) {
        any = true;
        out.add(n.args[0]);
        const file = /(mod_[\w]+)\.so$/.exec(n.args[1] ?? '')?.[1];
        if (file) out.add(`${file}.c`);
      }
      if (n.block) visit(n.block);
    }
  };
  for (const f of tree.config) visit(f.parsed);
  return any ? out : null;
}

class Builder {
  private order = 0;
  readonly registered = new Set<string>(APACHE_METHODS);

  constructor(
    private readonly tree: ParseResult,
    private readonly rt: ReadTime,
  ) {}

  /** The nodes of a block as Apache reads them: Include spliced in, taken conditionals opened. */
  *read(nodes: readonly Directive[], reading: number[] = []): Generator<Directive> {
    for (const n of nodes) {
      if (n.directive === '#') continue;
      const name = lowerName(n);
      if (n.section && CONDITIONAL_SECTIONS.has(name)) {
        if (conditionTaken(n, this.rt)) yield* this.read(n.block ?? [], reading);
        continue;
      }
      if (name === 'include' || name === 'includeoptional') {
        for (const i of n.includes ?? []) {
          const f = this.tree.config[i];
          if (f && !reading.includes(i)) yield* this.read(f.parsed, [...reading, i]);
        }
        continue;
      }
      if (name === 'define' && n.args[0]) this.rt.defines.add(n.args[0]);
      if (name === 'undefine' && n.args[0]) this.rt.defines.delete(n.args[0]);
      yield n;
    }
  }

  section(kind: SectionKind, node: Directive | null, file: ParsedFile | null, body: readonly Directive[], htaccess: boolean): ApacheSection {
    const name = node ? lowerName(node) : '';
    let match = '';
    let regex = false;
    if (node && kind !== 'if' && kind !== 'elseif' && kind !== 'else') {
      regex = name.endsWith('match') || node.args[0] === '~';
      match = regex ? (node.args[0] === '~' ? node.args[1] ?? '' : node.args[0] ?? '') : sectionPath(node.args[0] ?? '');
    } else if (node) match = node.args[0] ?? '';
    const section: ApacheSection = {
      kind,
      node,
      file,
      match,
      regex,
      directives: [],
      files: [],
      ifs: [],
      authz: null,
      depth: kind === 'directory' && !regex ? (match === '/' ? 0 : match.split('/').length - 1) : 0,
      order: this.order++,
    };
    const top: AuthzNode = { kind: 'any', node: null, methods: ALL_METHODS, children: [] };
    this.fill(section, body, ALL_METHODS, top, htaccess, file);
    if (top.children.length > 0) section.authz = top;
    return section;
  }

  private fill(section: ApacheSection, body: readonly Directive[], methods: MethodSet, group: AuthzNode & { children: AuthzNode[] }, htaccess: boolean, file: ParsedFile | null): void {
    for (const n of this.read(body)) {
      const name = lowerName(n);
      if (n.section) {
        if (name === 'limit' || name === 'limitexcept') {
          if (!htaccess) for (const m of n.args) this.registered.add(m);
          this.fill(section, n.block ?? [], intersect(methods, limitMethods(n)), group, htaccess, file);
          continue;
        }
        const authz = AUTHZ_GROUPS[name];
        if (authz) {
          const child = { kind: authz, node: n, methods, children: [] as AuthzNode[] };
          group.children.push(child);
          this.fill(section, n.block ?? [], methods, child, htaccess, file);
          continue;
        }
        const kind = SECTION_KINDS[name];
        if (kind === 'files') section.files.push(this.section('files', n, file, n.block ?? [], htaccess));
        else if (kind === 'if' || kind === 'elseif' || kind === 'else') section.ifs.push(this.section(kind, n, file, n.block ?? [], htaccess));
        // Other sections (<Directory> inside a section is an error Apache refuses) are not read here.
        continue;
      }
      if (name === 'require') {
        const args = [...n.args];
        let negated = false;
        if (args[0] === 'not') {
          negated = true;
          args.shift();
        }
        group.children.push({ kind: 'require', node: n, methods, negated, provider: args[0] ?? '', args: args.slice(1) });
      }
      if (name === 'registerhttpmethod') for (const m of n.args) this.registered.add(m);
      section.directives.push({ node: n, name, methods });
    }
  }

  /** A server's top level: its directives, and its sections sorted as Apache merges them. */
  server(vhost: Directive | null, body: readonly Directive[], file: ParsedFile | null): ApacheServer {
    const sections: Pick<ApacheServer, 'directories' | 'files' | 'locations' | 'proxies' | 'ifs'> = { directories: [], files: [], locations: [], proxies: [], ifs: [] };
    const rest: Directive[] = [];
    for (const n of this.read(body)) {
      const kind = n.section ? SECTION_KINDS[lowerName(n)] : undefined;
      if (!kind) {
        if (!(n.section && lowerName(n) === 'virtualhost')) rest.push(n);
        continue;
      }
      const s = this.section(kind, n, file, n.block ?? [], false);
      if (kind === 'directory') sections.directories.push(s);
      else if (kind === 'files') sections.files.push(s);
      else if (kind === 'location') sections.locations.push(s);
      else if (kind === 'proxy') sections.proxies.push(s);
      else sections.ifs.push(s);
    }
    const top = this.section('server', null, file, rest, false);
    const server: ApacheServer = { vhost, addresses: [], names: [], top, ...sections };
    for (const d of top.directives) {
      if (d.name === 'servername' && d.node.args[0]) server.names.unshift(hostOf(d.node.args[0]));
      if (d.name === 'serveralias') server.names.push(...d.node.args.map((a) => a.toLowerCase()));
    }
    if (vhost) server.addresses = vhost.args.map(vhostAddress);
    return server;
  }
}

/** `https://www.example.com:443` → `www.example.com`. */
function hostOf(serverName: string): string {
  return serverName.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/:\d+$/, '').toLowerCase();
}

function vhostAddress(word: string): VhostAddress {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+|\*))?$/.exec(word);
  const host = (m?.[1] ?? word).toLowerCase();
  const port = m?.[2] === undefined || m[2] === '*' ? null : Number(m[2]);
  return { host, port };
}

/** Apache sorts <Directory> sections: non-regex first, fewer components first, then config order. */
export function sortDirectories(sections: readonly ApacheSection[]): ApacheSection[] {
  return [...sections].sort((a, b) => Number(a.regex) - Number(b.regex) || a.depth - b.depth || a.order - b.order);
}

export function buildApacheModel(tree: ParseResult, options: ApacheModelOptions = {}): ApacheModel {
  const rt: ReadTime = { modules: loadedModules(tree), defines: new Set() };
  const builder = new Builder(tree, rt);
  const serverFiles = rootFiles(tree).filter((f) => !isHtaccessName(f.file));
  const htaccessFiles = new Map<string, ParsedFile>();
  for (const f of rootFiles(tree)) {
    if (isHtaccessName(f.file) && f.file.startsWith('/')) htaccessFiles.set(sectionPath(f.file.slice(0, f.file.lastIndexOf('/'))), f);
  }
  // The main server is everything outside <VirtualHost>; each vhost starts from it.
  const mainBody: Directive[] = [];
  const vhostNodes: Array<{ node: Directive; file: ParsedFile }> = [];
  for (const f of serverFiles) {
    for (const n of builder.read(f.parsed)) {
      if (n.section && lowerName(n) === 'virtualhost') vhostNodes.push({ node: n, file: f });
      else mainBody.push(n);
    }
  }
  const main = builder.server(null, mainBody, serverFiles[0] ?? null);
  const vhosts = vhostNodes.map(({ node, file }) => builder.server(node, node.block ?? [], file));
  const accessFileName = main.top.directives.findLast((d) => d.name === 'accessfilename')?.node.args[0] ?? '.htaccess';
  const cache = new Map<string, ApacheSection | null>();
  const readFile = options.htaccess ?? ((dir: string) => htaccessFiles.get(dir) ?? null);
  const files = new Map<string, ParsedFile | null>();
  const read = (dir: string): ParsedFile | null => {
    if (!files.has(dir)) files.set(dir, readFile(dir));
    return files.get(dir)!;
  };
  return {
    tree,
    options,
    main,
    vhosts,
    registered: builder.registered,
    accessFileName,
    htaccess(dir: string, ignored?: ReadonlySet<Directive>): ApacheSection | null {
      if (ignored && ignored.size > 0) {
        const file = read(dir);
        const keep = (nodes: readonly Directive[]): Directive[] => nodes.filter((n) => !ignored.has(n)).map((n) => (n.block ? copyNode(n, { block: keep(n.block) }) : n));
        return file ? builder.section('htaccess', null, file, keep(file.parsed), true) : null;
      }
      if (!cache.has(dir)) {
        const file = read(dir);
        cache.set(dir, file ? builder.section('htaccess', null, file, file.parsed, true) : null);
      }
      return cache.get(dir)!;
    },
  };
}

/** Where a server without DocumentRoot serves from (Debian's build). */
export const DEFAULT_DOCUMENT_ROOT = '/var/www/html';

/** A path without its trailing slashes (`/` stays `/`). */
export function stripSlash(path: string): string {
  return path.replace(/\/+$/, '') || '/';
}

/** What a server's requests see of `pick`: the main server's, then the vhost's own. */
export function inForce<T>(model: ApacheModel, server: ApacheServer, pick: (s: ApacheServer) => readonly T[]): T[] {
  return server.vhost ? [...pick(model.main), ...pick(server)] : [...pick(server)];
}

/** A per-server directive (DocumentRoot, TraceEnable ...): the vhost's own, else the main server's. */
export function serverDirective(model: ApacheModel, server: ApacheServer, name: string): Scoped | undefined {
  const own = server.top.directives.findLast((d) => d.name === name);
  return own ?? (server.vhost ? model.main.top.directives.findLast((d) => d.name === name) : undefined);
}

/** The DocumentRoot in force, without its trailing slash. */
export function documentRoot(model: ApacheModel, server: ApacheServer): string {
  return stripSlash(serverDirective(model, server, 'documentroot')?.node.args[0] ?? DEFAULT_DOCUMENT_ROOT);
}

/** Every folder above `path` and, with `self`, `path` itself. */
export function foldersAbove(path: string, self: boolean): string[] {
  const out: string[] = [];
  let q = stripSlash(path);
  if (self) out.push(q);
  while (q !== '/') {
    q = q.slice(0, q.lastIndexOf('/')) || '/';
    out.push(q);
  }
  return out;
}

/**
 * The directories a config names (every DocumentRoot, Alias and ScriptAlias
 * target, each non-wildcard <Directory>) and the folders above them: a config
 * that serves from them says they exist.
 */
export function configuredDirectories(model: ApacheModel): Set<string> {
  const out = new Set<string>(['/']);
  const add = (path: string | undefined): void => {
    if (path?.startsWith('/') && !/[*?[]/.test(path)) for (const f of foldersAbove(path, true)) out.add(f);
  };
  for (const server of [model.main, ...model.vhosts]) {
    add(documentRoot(model, server));
    for (const d of server.top.directives) if (d.name === 'alias' || d.name === 'scriptalias') add(d.node.args[1]);
    for (const d of server.directories) if (!d.regex) add(d.match);
  }
  return out;
}

const models = new WeakMap<ParseResult, ApacheModel>();

/** One model per tree (rules share it). */
export function apacheModelOf(tree: ParseResult): ApacheModel {
  let model = models.get(tree);
  if (!model) {
    model = buildApacheModel(tree);
    models.set(tree, model);
  }
  return model;
}
