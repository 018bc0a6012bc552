// The nginx config as nginx sees it at run time: http → server → location,
// with includes spliced in at every include site, and nginx's inheritance
// between levels (ngx_http_core_merge_loc_conf and each module's merge).
import type { Directive, ParseResult } from './model.js';
import { serverInfo, type ServerInfo } from './servers.js';

export type LevelKind = 'http' | 'server' | 'location' | 'if' | 'limit_except';

/** One configuration level: the directives written directly in it, includes expanded. */
export interface Level {
  kind: LevelKind;
  /** The block directive (`server`, `location`, `if`, `limit_except`); null for a config without `http`. */
  node: Directive | null;
  directives: Directive[];
  parent: Level | null;
}

export type LocationModifier = '' | '=' | '^~' | '~' | '~*' | '@';

export interface NginxLocation extends Level {
  kind: 'location';
  node: Directive;
  modifier: LocationModifier;
  /** The URI prefix, the exact URI, the regex or `@name`. */
  name: string;
  server: NginxServer;
  /** Nested locations, in file order. */
  locations: NginxLocation[];
  limitExcept: LimitExcept | null;
  /** `if` blocks written directly in the location, by their directive. */
  ifs: Map<Directive, Level>;
}

export interface LimitExcept extends Level {
  kind: 'limit_except';
  node: Directive;
  /** The allowed methods, upper case; GET brings HEAD. */
  allowed: Set<string>;
}

export interface NginxServer extends Level {
  kind: 'server';
  /** The server block; for a snippet of locations (`synthetic`), its first location. */
  node: Directive;
  synthetic: boolean;
  info: ServerInfo;
  locations: NginxLocation[];
  ifs: Map<Directive, Level>;
}

export interface NginxModel {
  http: Level;
  servers: NginxServer[];
}

/** The directives of a block with every `include` replaced by what it includes, recursively. */
export function expandIncludes(nodes: readonly Directive[], tree: ParseResult, seen: ReadonlySet<number> = new Set()): Directive[] {
  const out: Directive[] = [];
  for (const node of nodes) {
    if (node.directive === '#') continue;
    if (node.directive === 'include' && node.includes) {
      for (const index of node.includes) {
        const file = tree.config[index];
        if (!file || seen.has(index)) continue;
        out.push(...expandIncludes(file.parsed, tree, new Set([...seen, index])));
      }
      continue;
    }
    out.push(node);
  }
  return out;
}

const MODIFIERS = new Set(['=', '^~', '~', '~*']);

/** Reads `location [mod] name` as nginx does, including the `location ~/x` and `location =/x` spellings. */
export function locationName(node: Directive): { modifier: LocationModifier; name: string } {
  const [first = '', second] = node.args;
  if (second !== undefined && MODIFIERS.has(first)) return { modifier: first as LocationModifier, name: second };
  if (first.startsWith('@')) return { modifier: '@', name: first };
  if (first.startsWith('=')) return { modifier: '=', name: first.slice(1) };
  if (first.startsWith('^~')) return { modifier: '^~', name: first.slice(2) };
  if (first.startsWith('~*')) return { modifier: '~*', name: first.slice(2) };
  if (first.startsWith('~')) return { modifier: '~', name: first.slice(1) };
  return { modifier: '', name: first };
}

const models = new WeakMap<ParseResult, NginxModel>();

/** buildModel, once per tree: every rule of a run shares it. */
export function modelOf(tree: ParseResult): NginxModel {
  let model = models.get(tree);
  if (!model) models.set(tree, (model = buildModel(tree)));
  return model;
}

export function buildModel(tree: ParseResult): NginxModel {
  const main = tree.config[0];
  if (!main) return { http: { kind: 'http', node: null, directives: [], parent: null }, servers: [] };
  const top = expandIncludes(main.parsed, tree);
  const httpNode = top.find((d) => d.directive === 'http' && d.block);
  // A fragment (a file of server blocks, or of locations) is read as if it stood in http {}.
  const http: Level = {
    kind: 'http',
    node: httpNode ?? null,
    directives: httpNode ? expandIncludes(httpNode.block!, tree) : top,
    parent: null,
  };
  const servers: NginxServer[] = [];
  const serverNodes = http.directives.filter((d) => d.directive === 'server' && d.block);
  // A file of locations (a snippet for a server block) is read as one server around them.
  const fragment = !httpNode && serverNodes.length === 0 && top.some((d) => d.directive === 'location');
  const blocks: Array<{ node: Directive; directives: Directive[] }> = fragment
    ? [{ node: top.find((d) => d.directive === 'location')!, directives: top }]
    : serverNodes.map((node) => ({ node, directives: expandIncludes(node.block!, tree) }));
  for (const { node, directives } of blocks) {
    const server: NginxServer = {
      kind: 'server',
      node,
      synthetic: fragment,
      directives,
      parent: http,
      info: serverInfo(directives, servers.length),
      locations: [],
      ifs: new Map(),
    };
    server.ifs = ifLevels(server, tree);
    server.locations = locationsIn(server, server, tree);
    servers.push(server);
  }
  return { http, servers };
}

function ifLevels(parent: Level, tree: ParseResult): Map<Directive, Level> {
  const ifs = new Map<Directive, Level>();
  for (const node of parent.directives) {
    if (node.directive === 'if' && node.block) {
      ifs.set(node, { kind: 'if', node, directives: expandIncludes(node.block, tree), parent });
    }
  }
  return ifs;
}

/** `ancestors` are the location blocks around this one: a file that includes itself inside a location would otherwise nest forever. */
function locationsIn(parent: Level, server: NginxServer, tree: ParseResult, ancestors: ReadonlySet<Directive> = new Set()): NginxLocation[] {
  const out: NginxLocation[] = [];
  for (const node of parent.directives) {
    if (node.directive !== 'location' || !node.block || ancestors.has(node)) continue;
    const { modifier, name } = locationName(node);
    const location: NginxLocation = {
      kind: 'location',
      node,
      directives: expandIncludes(node.block, tree),
      parent,
      modifier,
      name,
      server,
      locations: [],
      limitExcept: null,
      ifs: new Map(),
    };
    location.ifs = ifLevels(location, tree);
    const limit = location.directives.find((d) => d.directive === 'limit_except' && d.block);
    if (limit) {
      const allowed = new Set(limit.args.map((m) => m.toUpperCase()));
      if (allowed.has('GET')) allowed.add('HEAD');
      location.limitExcept = { kind: 'limit_except', node: limit, directives: expandIncludes(limit.block!, tree), parent: location, allowed };
    }
    location.locations = locationsIn(location, server, tree, new Set([...ancestors, node]));
    out.push(location);
  }
  return out;
}

/** The directives named `name` at the nearest level (this one first) that has any: nginx's "replace, not add" inheritance. */
export function inherited(level: Level | null, ...names: string[]): { level: Level; directives: Directive[] } | null {
  for (let l = level; l; l = l.parent) {
    const found = l.directives.filter((d) => names.includes(d.directive));
    if (found.length > 0) return { level: l, directives: found };
  }
  return null;
}

/** The last directive named `name` at this level only (no inheritance). */
export function own(level: Level, name: string): Directive | undefined {
  let last: Directive | undefined;
  for (const d of level.directives) if (d.directive === name) last = d;
  return last;
}

/** The nearest directive named `name`, this level first. */
export function nearest(level: Level | null, name: string): Directive | undefined {
  const found = inherited(level, name);
  return found?.directives[found.directives.length - 1];
}

/** The `*_pass` directives, by the module that answers through them. */
export const PASS_MODULES: Readonly<Record<string, string>> = {
  proxy_pass: 'proxy',
  fastcgi_pass: 'fastcgi',
  uwsgi_pass: 'uwsgi',
  scgi_pass: 'scgi',
  grpc_pass: 'grpc',
  memcached_pass: 'memcached',
};

/** Content handlers that answer by themselves, GET and HEAD only (memcached_pass too, though it asks a backend). */
export const GET_ONLY_HANDLERS: ReadonlySet<string> = new Set(['empty_gif', 'stub_status', 'flv', 'mp4']);

/** The content handlers written directly at a level, in order: the last one wins (nginx -t accepts several). */
export function handlersIn(level: Level): Directive[] {
  return level.directives.filter((d) => d.directive in PASS_MODULES || GET_ONLY_HANDLERS.has(d.directive));
}

/** A location that hands requests to a backend: a `*_pass` other than memcached_pass in it or in one of its `if` blocks. */
export function isProxied(loc: NginxLocation): boolean {
  return [loc, ...loc.ifs.values()].some((l) => handlersIn(l).some((d) => d.directive in PASS_MODULES && d.directive !== 'memcached_pass'));
}

/** Every location of every server with its server, each location node once (an included file may be reached twice). */
export function* eachLocation(model: NginxModel): Generator<{ location: NginxLocation; server: NginxServer }> {
  const seen = new Set<Directive>();
  for (const server of model.servers) {
    for (const location of allLocations(server.locations)) {
      if (seen.has(location.node)) continue;
      seen.add(location.node);
      yield { location, server };
    }
  }
}

/** Every location of a server, nested ones too, in file order. */
export function* allLocations(locations: readonly NginxLocation[]): Generator<NginxLocation> {
  for (const l of locations) {
    yield l;
    yield* allLocations(l.locations);
  }
}
