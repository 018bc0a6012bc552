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
  directives: readonly Directive[];
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
  locations: readonly NginxLocation[];
  limitExcept: LimitExcept | null;
  /** `if` blocks written directly in the location, by their directive. */
  ifs: ReadonlyMap<Directive, Level>;
}

export interface LimitExcept extends Level {
  kind: 'limit_except';
  node: Directive;
  /** The allowed methods, upper case; GET brings HEAD. Shared by equal lists: never change it. */
  allowed: ReadonlySet<string>;
}

export interface NginxServer extends Level {
  kind: 'server';
  /** The server block; for a snippet of locations (`synthetic`), its first location. */
  node: Directive;
  synthetic: boolean;
  info: ServerInfo;
  locations: readonly NginxLocation[];
  ifs: ReadonlyMap<Directive, Level>;
}

export interface NginxModel {
  http: Level;
  servers: NginxServer[];
}

/** Told of each file expandIncludes splices in, while buildModel runs. */
let onFile: ((index: number) => void) | undefined;

/** The directives of a block with every `include` replaced by what it includes, recursively. */
export function expandIncludes(nodes: readonly Directive[], tree: ParseResult, seen: ReadonlySet<number> = new Set()): readonly Directive[] {
  // Most blocks have no include and no comment: the block itself is the answer (levels never change their lists).
  if (!nodes.some((n) => n.directive === '#' || (n.directive === 'include' && n.includes))) return nodes;
  const out: Directive[] = [];
  for (const node of nodes) {
    if (node.directive === '#') continue;
    if (node.directive === 'include' && node.includes) {
      for (const index of node.includes) {
        const file = tree.config[index];
        if (!file || seen.has(index)) continue;
        onFile?.(index);
        out.push(...expandIncludes(file.parsed, tree, new Set([...seen, index])));
      }
      continue;
    }
    out.push(node);
  }
  // A pushed array keeps room to grow (17 slots for 3 directives); levels keep theirs for the run.
  return out.slice();
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

const infos = new WeakMap<NginxModel, ServerInfo[]>();

/**
 * The servers' listen and server_name facts, one array per model. selectServer
 * indexes a list of servers once and knows the same array again at once; a
 * new array of the same servers costs a comparison of every element.
 */
export function serverInfos(model: NginxModel): ServerInfo[] {
  let list = infos.get(model);
  if (!list) infos.set(model, (list = model.servers.map((s) => s.info)));
  return list;
}

/**
 * Models in which no file was spliced in twice: there every location node
 * stands once, and eachLocation need not remember the nodes it has seen (a
 * set of 170,000 nodes, garbage as soon as made, for the 640k config).
 */
const onceOnly = new WeakSet<NginxModel>();

/** Whether a location (or an include, which might bring one) stands in these directives or their blocks. */
function mayHoldLocations(nodes: readonly Directive[]): boolean {
  return nodes.some((d) => d.directive === 'location' || (d.directive === 'include' && d.includes !== undefined && d.includes.length > 0) || (d.block !== undefined && mayHoldLocations(d.block)));
}

/** buildModel, once per tree: every rule of a run shares it. */
export function modelOf(tree: ParseResult): NginxModel {
  let model = models.get(tree);
  if (!model) models.set(tree, (model = buildModel(tree)));
  return model;
}

export function buildModel(tree: ParseResult): NginxModel {
  const reached = new Set<number>([0]);
  let twice = false;
  const outer = onFile;
  // A file spliced in again repeats its location nodes, if it has any (a snippet of proxy settings has none).
  onFile = (index) => {
    if (!reached.has(index)) reached.add(index);
    else if (!twice) twice = mayHoldLocations(tree.config[index]?.parsed ?? []);
  };
  try {
    const model = readModel(tree);
    if (!twice) onceOnly.add(model);
    return model;
  } finally {
    onFile = outer;
  }
}

function readModel(tree: ParseResult): NginxModel {
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
  const blocks: Array<{ node: Directive; directives: readonly Directive[] }> = fragment
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
      locations: NO_LOCATIONS,
      ifs: NO_IFS,
    };
    server.ifs = ifLevels(server, tree);
    server.locations = locationsIn(server, tree);
    servers.push(server);
  }
  return { http, servers };
}

/** What most locations have: one shared empty list rather than one each. */
const NO_LOCATIONS: readonly NginxLocation[] = Object.freeze([]);

/** What most levels have: one shared empty map rather than one each. */
const NO_IFS: ReadonlyMap<Directive, Level> = new Map();

function ifLevels(parent: Level, tree: ParseResult): ReadonlyMap<Directive, Level> {
  let ifs: Map<Directive, Level> | undefined;
  for (const node of parent.directives) {
    if (node.directive === 'if' && node.block) {
      (ifs ??= new Map()).set(node, { kind: 'if', node, directives: expandIncludes(node.block, tree), parent });
    }
  }
  return ifs ?? NO_IFS;
}

/** The methods a `limit_except` allows, one set per list of arguments (the parser shares equal lists). */
const allowedSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function allowedBy(args: readonly string[]): ReadonlySet<string> {
  let allowed = allowedSets.get(args);
  if (!allowed) {
    const set = new Set(args.map((m) => m.toUpperCase()));
    if (set.has('GET')) set.add('HEAD');
    allowedSets.set(args, (allowed = set));
  }
  return allowed;
}

/** What few locations have: `limit_except`, `if` blocks, nested locations. */
interface Extras {
  limitExcept: LimitExcept | null;
  ifs: ReadonlyMap<Directive, Level>;
  locations: readonly NginxLocation[];
}

const NO_EXTRAS: Extras = Object.freeze({ limitExcept: null, ifs: NO_IFS, locations: NO_LOCATIONS });

/**
 * A location, in six fields: a big config has hundreds of thousands. `kind`
 * is on the prototype, the server is found through the parents, and what few
 * locations have shares one record (NO_EXTRAS) among the rest.
 */
class Location implements NginxLocation {
  declare readonly kind: 'location';
  readonly node: Directive;
  readonly directives: readonly Directive[];
  readonly parent: Level;
  readonly modifier: LocationModifier;
  readonly name: string;
  private extras: Extras = NO_EXTRAS;

  constructor(node: Directive, directives: readonly Directive[], parent: Level) {
    const { modifier, name } = locationName(node);
    this.node = node;
    this.directives = directives;
    this.parent = parent;
    this.modifier = modifier;
    this.name = name;
  }

  get server(): NginxServer {
    let level = this.parent;
    while (level.kind !== 'server') level = level.parent!;
    return level as NginxServer;
  }

  get limitExcept(): LimitExcept | null {
    return this.extras.limitExcept;
  }

  get ifs(): ReadonlyMap<Directive, Level> {
    return this.extras.ifs;
  }

  get locations(): readonly NginxLocation[] {
    return this.extras.locations;
  }

  /** Sets what the location holds, once it is built. */
  hold(limitExcept: LimitExcept | null, ifs: ReadonlyMap<Directive, Level>, locations: readonly NginxLocation[]): void {
    if (limitExcept !== null || ifs !== NO_IFS || locations !== NO_LOCATIONS) this.extras = { limitExcept, ifs, locations };
  }
}
Object.defineProperty(Location.prototype, 'kind', { value: 'location', enumerable: true });

/** `ancestors` are the location blocks around this one (added and removed as the walk goes): a file that includes itself inside a location would otherwise nest forever. */
function locationsIn(parent: Level, tree: ParseResult, ancestors: Set<Directive> = new Set()): readonly NginxLocation[] {
  if (!parent.directives.some((d) => d.directive === 'location')) return NO_LOCATIONS;
  const out: NginxLocation[] = [];
  for (const node of parent.directives) {
    if (node.directive !== 'location' || !node.block || ancestors.has(node)) continue;
    const location = new Location(node, expandIncludes(node.block, tree), parent);
    const ifs = ifLevels(location, tree);
    const limit = location.directives.find((d) => d.directive === 'limit_except' && d.block);
    const limitExcept: LimitExcept | null = limit
      ? { kind: 'limit_except', node: limit, directives: expandIncludes(limit.block!, tree), parent: location, allowed: allowedBy(limit.args) }
      : null;
    ancestors.add(node);
    const locations = locationsIn(location, tree, ancestors);
    ancestors.delete(node);
    location.hold(limitExcept, ifs, locations);
    out.push(location);
  }
  // Exactly as long as it is: a pushed array keeps room to grow.
  return out.slice();
}

interface LevelIndex {
  /** The array indexed, and its length then: a level given new directives is indexed again. */
  directives: readonly Directive[];
  length: number;
  byName: Map<string, Directive[]>;
  /** handlersIn, once asked. */
  handlers?: Directive[];
}

const indexes = new WeakMap<Level, LevelIndex>();

/**
 * A level's directives by name, in order, built on first use. The http level
 * holds every server of conf.d/*.conf, and every simulated request climbs to
 * it: scanning it each time would make linting quadratic in servers.
 */
function indexFor(level: Level): LevelIndex {
  let index = indexes.get(level);
  if (index === undefined || index.directives !== level.directives || index.length !== level.directives.length) {
    const byName = new Map<string, Directive[]>();
    for (const d of level.directives) {
      const list = byName.get(d.directive);
      if (list) list.push(d);
      else byName.set(d.directive, [d]);
    }
    index = { directives: level.directives, length: level.directives.length, byName };
    indexes.set(level, index);
  }
  return index;
}

/**
 * Levels of at most this many directives are scanned, not indexed: most
 * locations hold a handful, and an index each (a Map and an array per name)
 * was a fifth of the heap after linting the 160k config.
 */
const SCAN_MAX = 64;

/** The directives of one level named `name`, in order; undefined when none. Read it, never change it. */
export function named(level: Level, name: string): readonly Directive[] | undefined {
  const ds = level.directives;
  if (ds.length > SCAN_MAX) return indexFor(level).byName.get(name);
  let out: Directive[] | undefined;
  for (const d of ds) if (d.directive === name) (out ??= []).push(d);
  return out;
}

/** The last directive of one level named `name`. */
function lastNamed(level: Level, name: string): Directive | undefined {
  const ds = level.directives;
  if (ds.length > SCAN_MAX) {
    const list = indexFor(level).byName.get(name);
    return list?.[list.length - 1];
  }
  for (let i = ds.length - 1; i >= 0; i--) if (ds[i]!.directive === name) return ds[i];
  return undefined;
}

/** The directives of one level named one of `names`, in order (a new array); empty when none. */
function namedAt(level: Level, names: readonly string[]): Directive[] {
  if (level.directives.length <= SCAN_MAX) return level.directives.filter((d) => names.includes(d.directive));
  const index = indexFor(level).byName;
  let only: readonly Directive[] | undefined;
  let several = false;
  for (const name of names) {
    const list = index.get(name);
    if (!list) continue;
    if (only && only !== list) several = true;
    only = list;
  }
  if (!only) return [];
  // Two names both present: the level's own order interleaves them.
  return several ? level.directives.filter((d) => names.includes(d.directive)) : [...only];
}

/** The directives named `name` at the nearest level (this one first) that has any: nginx's "replace, not add" inheritance. */
export function inherited(level: Level | null, ...names: string[]): { level: Level; directives: Directive[] } | null {
  for (let l = level; l; l = l.parent) {
    const found = namedAt(l, names);
    if (found.length > 0) return { level: l, directives: found };
  }
  return null;
}

/** inherited() for one name, without the copy: the simulator asks at every request. Read them, never change them. */
export function namedUp(level: Level | null, name: string): readonly Directive[] | undefined {
  for (let l = level; l; l = l.parent) {
    const found = named(l, name);
    if (found) return found;
  }
  return undefined;
}

/** The last directive named `name` at this level only (no inheritance). */
export function own(level: Level, name: string): Directive | undefined {
  return lastNamed(level, name);
}

/** The nearest directive named `name`, this level first. */
export function nearest(level: Level | null, name: string): Directive | undefined {
  for (let l = level; l; l = l.parent) {
    const found = lastNamed(l, name);
    if (found) return found;
  }
  return undefined;
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

/** The names of content handlers, in one Set: Object.hasOwn with a parsed name costs a string-table lookup. */
const HANDLER_NAMES: ReadonlySet<string> = new Set([...Object.keys(PASS_MODULES), ...GET_ONLY_HANDLERS]);

/** A `*_pass` or a handler that answers by itself. */
export function isContentHandler(d: Directive): boolean {
  return HANDLER_NAMES.has(d.directive);
}

/** The content handlers written directly at a level, in order: the last one wins (nginx -t accepts several). */
export function handlersIn(level: Level): Directive[] {
  // A new array each time: callers pop it.
  if (level.directives.length <= SCAN_MAX) return level.directives.filter(isContentHandler);
  const index = indexFor(level);
  index.handlers ??= level.directives.filter(isContentHandler);
  return [...index.handlers];
}

/** A location that hands requests to a backend: a `*_pass` other than memcached_pass in it or in one of its `if` blocks. */
export function isProxied(loc: NginxLocation): boolean {
  return [loc, ...loc.ifs.values()].some((l) => handlersIn(l).some((d) => Object.hasOwn(PASS_MODULES, d.directive) && d.directive !== 'memcached_pass'));
}

const everyLocation = new WeakMap<NginxModel, readonly NginxLocation[]>();

/** Every location of every server (its `server` says which), each location node once (an included file may be reached twice). Listed once per model. */
export function eachLocation(model: NginxModel): readonly NginxLocation[] {
  let found = everyLocation.get(model);
  if (found) return found;
  const seen = onceOnly.has(model) ? null : new Set<Directive>();
  const list: NginxLocation[] = [];
  const add = (locations: readonly NginxLocation[]): void => {
    for (const location of locations) {
      if (seen === null) list.push(location);
      else if (!seen.has(location.node)) {
        seen.add(location.node);
        list.push(location);
      }
      add(location.locations);
    }
  };
  for (const server of model.servers) add(server.locations);
  everyLocation.set(model, (found = list));
  return found;
}

const byLine = new WeakMap<NginxServer, Map<string, Map<number, NginxLocation[]>>>();

/**
 * The locations of a server (nested ones too) whose block starts at
 * file:line, in file order: several when one line holds several. Indexed once
 * per server, for mapping a simulator's trace steps back to locations.
 */
export function locationsAt(server: NginxServer, file: string, line: number): readonly NginxLocation[] {
  const all = allLocations(server.locations);
  // Most servers have a few locations: a scan, rather than an index each (as for levels, SCAN_MAX).
  if (all.length <= SCAN_MAX) {
    let found: NginxLocation[] | undefined;
    for (const l of all) if (l.node.line === line && l.node.file === file) (found ??= []).push(l);
    return found ?? NONE;
  }
  let index = byLine.get(server);
  if (!index) {
    index = new Map();
    for (const l of all) {
      let lines = index.get(l.node.file);
      if (!lines) index.set(l.node.file, (lines = new Map()));
      const list = lines.get(l.node.line);
      if (list) list.push(l);
      else lines.set(l.node.line, [l]);
    }
    byLine.set(server, index);
  }
  return index.get(file)?.get(line) ?? NONE;
}

const NONE: readonly NginxLocation[] = [];

const flattened = new WeakMap<readonly NginxLocation[], readonly NginxLocation[]>();

/** Every location of a server, nested ones too, in file order; listed once per list. */
export function allLocations(locations: readonly NginxLocation[]): readonly NginxLocation[] {
  let out = flattened.get(locations);
  if (out) return out;
  const list: NginxLocation[] = [];
  const add = (ls: readonly NginxLocation[]): void => {
    for (const l of ls) {
      list.push(l);
      add(l.locations);
    }
  };
  add(locations);
  flattened.set(locations, (out = list));
  return out;
}
