// `verblint routes` for Apache: the URL paths a config names (DocumentRoot,
// <Location>, Alias, ProxyPass, Redirect, and <Directory> sections mapped back
// to URLs), one table per server, each cell a simulated request. The rows are
// the same `ServerRoutes` the nginx tables use, so the formatters serve both.
// Also --assume-files for Apache, which explain shares.
import { configuredDirectories, documentRoot, foldersAbove, inForce, serverDirective, stripSlash, type ApacheModel, type ApacheSection, type ApacheServer, type Scoped } from './apache-model.js';
import { assumedFiles, type AssumeFiles } from './files.js';
import type { Directive } from './model.js';
import type { FileOracle, SimRequest } from './outcome.js';
import { compilePcre, execPcre } from './pcre.js';
import { cellOf, encodePath, regexSample, ROUTE_METHODS, sampleUris, type Route, type ServerRequest, type ServerRoutes, type Simulate } from './routes.js';

const REDIRECTS = new Set(['redirect', 'redirectmatch', 'redirectpermanent', 'redirecttemp']);
const REDIRECT_STATUS = /^(permanent|temp|seeother|gone|\d{3})$/i;

/** A row before it is simulated: what names the path, and the decoded paths to try. */
interface Source {
  node: Directive;
  label: string;
  /** Decoded request paths, best first; empty when none could be made. */
  candidates: string[];
  /** The regex the path must match, for sections and directives written as one. */
  regex: string | null;
}

function written(d: Directive): string {
  return d.section ? `<${d.directive} ${d.args.join(' ')}>` : [d.directive, ...d.args].join(' ');
}

/** A path an fnmatch pattern matches: `*` and `?` become `x`, a class `[...]` its first member. */
function globSample(pattern: string): string {
  return pattern.replace(/\[!?([^\]])[^\]]*\]/g, '$1').replace(/[*?]/g, 'x');
}

/** The first candidate the regex really matches (PCRE, as Apache compiles it), or undefined. */
function firstMatch(candidates: readonly string[], regex: string | null): string | undefined {
  if (regex === null) return candidates[0];
  const re = compilePcre(regex, false);
  if (!re.ok) return undefined;
  // A match: neither null (none) nor undefined (cannot tell).
  return candidates.find((c) => Boolean(execPcre(re, c)));
}

function lastNamed(list: readonly Scoped[], name: string): Scoped | undefined {
  return list.findLast((d) => d.name === name);
}

/** The URL a filesystem directory is served at: through DocumentRoot or an Alias, the longest target first. */
function urlOfDirectory(dir: string, bases: ReadonlyArray<{ url: string; path: string }>): string | undefined {
  const found = bases
    .filter((b) => dir === b.path || dir.startsWith(b.path === '/' ? '/' : `${b.path}/`))
    .sort((a, b) => b.path.length - a.path.length)[0];
  if (!found) return undefined;
  const url = `${stripSlash(found.url)}${dir.slice(found.path.length)}`.replace(/^\/\//, '/');
  return url.endsWith('/') ? url : `${url}/`;
}

function sources(model: ApacheModel, server: ApacheServer): Source[] {
  const top = inForce(model, server, (s) => s.top.directives);
  const out: Source[] = [];
  const docroot = serverDirective(model, server, 'documentroot');
  const root = documentRoot(model, server);
  if (docroot) out.push({ node: docroot.node, label: written(docroot.node), candidates: ['/'], regex: null });
  // Alias targets serve URLs too: a <Directory> under one maps back through it.
  const bases = [{ url: '/', path: root }];

  for (const d of top) {
    const [first = '', second = ''] = d.node.args;
    if (d.name === 'alias' || d.name === 'scriptalias') {
      out.push({ node: d.node, label: written(d.node), candidates: [first], regex: null });
      if (second.startsWith('/')) bases.push({ url: first, path: stripSlash(second) });
    } else if (d.name === 'aliasmatch' || d.name === 'scriptaliasmatch' || d.name === 'proxypassmatch') {
      out.push({ node: d.node, label: written(d.node), candidates: sampleUris('~', first), regex: first });
    } else if (d.name === 'proxypass' && first.startsWith('/')) {
      // ProxyPass inside <Location> takes the location's path: that row covers it.
      out.push({ node: d.node, label: written(d.node), candidates: [first], regex: null });
    } else if (REDIRECTS.has(d.name)) {
      const args = (d.name === 'redirect' || d.name === 'redirectmatch') && REDIRECT_STATUS.test(first) ? d.node.args.slice(1) : d.node.args;
      const path = args[0] ?? '';
      if (d.name === 'redirectmatch') out.push({ node: d.node, label: written(d.node), candidates: sampleUris('~', path), regex: path });
      else if (path.startsWith('/')) out.push({ node: d.node, label: written(d.node), candidates: [path], regex: null });
    }
  }

  for (const l of inForce(model, server, (s) => s.locations)) {
    const node = l.node!;
    if (l.regex) out.push({ node, label: written(node), candidates: sampleUris('~', l.match), regex: l.match });
    else out.push({ node, label: written(node), candidates: [globSample(l.match)], regex: null });
  }

  for (const dir of inForce(model, server, (s) => s.directories)) out.push(...directorySource(dir, bases));

  // Config order: files in the order Apache reads them, then lines.
  const fileOrder = new Map(model.tree.config.map((f, i) => [f.file, i]));
  const rank = (s: Source): [number, number] => [fileOrder.get(s.node.file) ?? Number.MAX_SAFE_INTEGER, s.node.line];
  return out.sort((a, b) => rank(a)[0] - rank(b)[0] || rank(a)[1] - rank(b)[1]);
}

/** A <Directory> under DocumentRoot or an Alias target, as the URL that reaches it; nothing for the others. */
function directorySource(dir: ApacheSection, bases: ReadonlyArray<{ url: string; path: string }>): Source[] {
  const node = dir.node!;
  let path: string | undefined;
  if (dir.regex) {
    const sample = regexSample(dir.match);
    const re = compilePcre(dir.match, false);
    if (sample !== null && re.ok && execPcre(re, sample)) path = stripSlash(sample);
  } else path = stripSlash(globSample(dir.match));
  const url = path === undefined ? undefined : urlOfDirectory(path, bases);
  return url === undefined ? [] : [{ node, label: written(node), candidates: [url], regex: null }];
}

/** Ports a server answers on: its <VirtualHost> addresses', else the Listen ports (80 when none). */
export function listenPorts(model: ApacheModel): number[] {
  const ports = model.main.top.directives
    .filter((d) => d.name === 'listen')
    .map((d) => Number(/(?:^|:)(\d+)$/.exec(d.node.args[0] ?? '')?.[1] ?? NaN))
    .filter((p) => !Number.isNaN(p));
  return ports.length > 0 ? [...new Set(ports)] : [80];
}

/** Host headers that might pick the server: its names (wildcards filled in), the main server's name, localhost. */
function hostCandidates(model: ApacheModel, server: ApacheServer): string[] {
  const names = server.names.length > 0 ? server.names : model.main.names;
  return [...new Set([...names.map((n) => n.replace(/\*/g, 'www').replace(/\?/g, 'x')), 'localhost'])];
}

/** A request that reaches `server`, checked with the simulator: the step that picks the server is the first of its trace. */
function serverRequest(model: ApacheModel, server: ApacheServer, simulate: Simulate, filesFor?: (path: string) => FileOracle): ServerRequest | null {
  const files = filesFor?.('/');
  const ports = listenPorts(model);
  const tries: Array<Omit<ServerRequest, 'host'>> = [];
  if (server.vhost) {
    for (const a of server.addresses) {
      const address = a.host === '*' || a.host === '_default_' ? {} : { address: a.host.replace(/^\[|\]$/g, '') };
      for (const port of a.port === null ? ports : [a.port]) tries.push({ port, headers: {}, ...address, ...(files && { files }) });
    }
  } else for (const port of ports) tries.push({ port, headers: {}, ...(files && { files }) });
  const picks = (first: { file: string; line: number } | undefined): boolean =>
    first !== undefined && (server.vhost ? first.file === server.vhost.file && first.line === (server.vhost.reportLine ?? server.vhost.line) : first.file === '');
  for (const base of tries) {
    for (const host of hostCandidates(model, server)) {
      if (picks(simulate({ ...base, host, method: 'GET', uri: '/' }).trace[0])) return { ...base, host };
    }
  }
  return null;
}

function serverRoutes(model: ApacheModel, server: ApacheServer, simulate: Simulate, filesFor?: (path: string) => FileOracle): ServerRoutes {
  const to = serverRequest(model, server, simulate, filesFor);
  const filesAt = (path: string): Pick<SimRequest, 'files'> => {
    const files = filesFor?.(path);
    return files ? { files } : {};
  };
  const vhost = server.vhost;
  const serverName = lastNamed(server.top.directives, 'servername');
  const at = vhost ?? serverName?.node;
  const routes = sources(model, server).map((s): Route => {
    const route: Route = { location: s.label, file: s.node.file, line: s.node.line, depth: 0, uri: null, note: null, cells: {} };
    if (to === null) {
      route.note = vhost ? 'no Host header reaches this virtual host' : 'a <VirtualHost> takes each port the main server listens on';
      return route;
    }
    const path = firstMatch(s.candidates, s.regex);
    if (path === undefined) {
      route.note = 'no sample URI matches this pattern';
      return route;
    }
    const uri = encodePath(path);
    route.uri = uri;
    for (const method of ROUTE_METHODS) route.cells[method] = cellOf(simulate({ ...to, ...filesAt(path), method, uri }));
    return route;
  });
  if (routes.length === 0 && to !== null) {
    const cells: Route['cells'] = {};
    for (const method of ROUTE_METHODS) cells[method] = cellOf(simulate({ ...to, ...filesAt('/'), method, uri: '/' }));
    routes.push({ location: '(server)', file: at?.file ?? model.tree.config[0]?.file ?? '', line: at?.line ?? 1, depth: 0, uri: '/', note: null, cells });
  }
  const named = server.names.length > 0 ? ` ${server.names.join(' ')}` : '';
  return {
    title: vhost ? `<VirtualHost ${vhost.args.join(' ')}>${named}` : `main server${named}`,
    // A virtual host without ServerName goes by its address.
    names: server.names.length > 0 || !vhost ? [...server.names] : [...vhost.args],
    listen: vhost ? [...vhost.args] : model.main.top.directives.filter((d) => d.name === 'listen').map((d) => d.node.args[0] ?? ''),
    file: at?.file ?? model.tree.config[0]?.file ?? '',
    line: at?.line ?? 1,
    host: to?.host ?? null,
    port: to?.port ?? listenPorts(model)[0] ?? 80,
    routes,
  };
}

/**
 * One table per server, the main server first, then each <VirtualHost> in
 * config order. `files` gives the file oracle for a request path (decoded).
 */
export function buildApacheRoutes(model: ApacheModel, simulate: Simulate, options: { files?: (path: string) => FileOracle } = {}): ServerRoutes[] {
  return [model.main, ...model.vhosts].map((s) => serverRoutes(model, s, simulate, options.files));
}

/**
 * --assume-files for a request to `path` (decoded). Apache's directory walk
 * asks about each directory above the file, where nginx asks about the file
 * only, so `exist` would make /srv a file and `missing` would make DocumentRoot
 * absent. Here the directories above the file the path maps to (through any
 * DocumentRoot or Alias), the directories the config names, and those above
 * them are directories; the mode answers for the rest. `unknown` stays as it is.
 */
export function apacheAssumedFiles(model: ApacheModel, mode: AssumeFiles, path: string): FileOracle {
  const base = assumedFiles(mode);
  if (mode === 'unknown') return base;
  const dirs = configuredDirectories(model);
  for (const server of [model.main, ...model.vhosts]) {
    for (const f of foldersAbove(`${documentRoot(model, server)}${path}`, false)) dirs.add(f);
    for (const d of server.top.directives) {
      const [from = '', to = ''] = d.node.args;
      if ((d.name === 'alias' || d.name === 'scriptalias') && to.startsWith('/') && path.startsWith(from)) {
        for (const f of foldersAbove(`${to}${path.slice(from.length)}`, false)) dirs.add(f);
      }
    }
  }
  return (p) => (dirs.has(stripSlash(p)) ? 'dir' : base(p));
}
