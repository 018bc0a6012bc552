// Which server block of an http block answers a request, as nginx 1.22 picks
// it. First the listening address and port pick a group of servers, then the
// Host picks one of the group by server_name, else the group's default server.
// https://nginx.org/en/docs/http/request_processing.html
// https://nginx.org/en/docs/http/server_names.html
//
// Assumptions: nginx runs as root, so a server without `listen` listens on
// *:80 (it would be *:8000 otherwise); `localhost` in `listen` is 127.0.0.1;
// `listen [::]:P` accepts IPv6 only (ipv6only=on, the default). SNI is not
// modelled: the Host header (or the request line's host) decides.
import type { Directive } from './model.js';

export interface Listen {
  /** '*' for the IPv4 wildcard (also written 0.0.0.0), '127.0.0.1', '[::]', '[::1]', 'unix:/x'. */
  address: string;
  /** 0 for a UNIX-domain socket. */
  port: number;
  defaultServer: boolean;
  /** null for the implicit `listen *:80` of a server without `listen`. */
  directive: Directive | null;
  ssl: boolean;
}

export interface ServerName {
  /** As written; `.example.com` has kind leading-wildcard and also matches example.com. */
  name: string;
  kind: 'exact' | 'leading-wildcard' | 'trailing-wildcard' | 'regex';
  directive: Directive;
}

export interface ServerInfo {
  index: number;
  /** The server block's directives, includes already expanded by the caller. */
  directives: readonly Directive[];
  listens: Listen[];
  names: ServerName[];
}

export interface Selection {
  server: ServerInfo;
  /** Why: "server_name example.com (exact)", "default_server for *:8080", "first server for *:80". */
  reason: string;
  /** The directive that decided (server_name or listen), if any. */
  by: Directive | null;
  /** Set when the choice depends on something not known (local address, a regex verblint cannot read). */
  cannotTell?: string;
  /** Set when nginx rejects the Host with 400; `server` is then the default server that answers it. */
  badRequest?: string;
}

export interface SelectRequest {
  /** Host header or absolute-URI host, may carry :port, any case, maybe a trailing dot; undefined: no Host (HTTP/1.0). */
  host: string | undefined;
  port: number;
  /** Local address connected to ('127.0.0.1', '[::1]', 'unix:/x'); undefined: not known. */
  address?: string;
}

/** A server_name regex, or null when verblint cannot read it; test() gives undefined when it cannot tell in bounded time. */
export type CompileRegex = (pattern: string, caseless: boolean) => { test(host: string): boolean | undefined } | null;

function listenAddress(spec: string): { address: string; port: number } {
  if (spec.startsWith('unix:')) return { address: spec, port: 0 };
  let host = spec;
  let port = 80;
  const colon = spec.startsWith('[') ? spec.indexOf(':', spec.indexOf(']')) : spec.lastIndexOf(':');
  if (/^\d+$/.test(spec)) [host, port] = ['*', Number(spec)];
  else if (colon >= 0) [host, port] = [spec.slice(0, colon), Number(spec.slice(colon + 1))];
  return { address: normalAddress(host), port };
}

function normalAddress(host: string): string {
  const h = host.toLowerCase();
  if (h === '0.0.0.0') return '*';
  if (h === 'localhost') return '127.0.0.1';
  return h;
}

function nameKind(name: string): ServerName['kind'] {
  if (name.startsWith('~')) return 'regex';
  if (name.startsWith('*.') || (name.startsWith('.') && name.length > 1)) return 'leading-wildcard';
  if (name.endsWith('.*')) return 'trailing-wildcard';
  return 'exact';
}

/** What a server without server_name has: one empty list for all. */
const NO_NAMES: ServerName[] = [];

/** Reads listen and server_name of one server block. */
export function serverInfo(directives: readonly Directive[], index: number): ServerInfo {
  const listens: Listen[] = [];
  const names: ServerName[] = [];
  for (const d of directives) {
    if (d.directive === 'listen' && d.args.length > 0) {
      const params = d.args.slice(1);
      const { address, port } = listenAddress(d.args[0]!);
      // A literal, not a spread of listenAddress's answer: V8 gave each spread object a hidden class of its own.
      listens.push({
        address,
        port,
        defaultServer: params.includes('default_server') || params.includes('default'),
        directive: d,
        ssl: params.includes('ssl'),
      });
    } else if (d.directive === 'server_name') {
      for (const name of d.args) names.push({ name, kind: nameKind(name), directive: d });
    }
  }
  if (listens.length === 0) listens.push({ address: '*', port: 80, defaultServer: false, directive: null, ssl: false });
  // Exact-size copies: a pushed array keeps room to grow, and these live as long as the model.
  return { index, directives, listens: listens.slice(), names: names.length === 0 ? NO_NAMES : names.slice() };
}

const where = (address: string, port: number): string => (address.startsWith('unix:') ? address : `${address}:${port}`);

interface Entry {
  server: ServerInfo;
  name: ServerName | null;
  /** byName's reason, made once: selections are cached per Host, and each new text cost some 130 bytes. */
  reason?: string;
}

type Tables = ReturnType<typeof buildTables>;

// The name tables of one address:port, as ngx_http_server_names builds them:
// a name already taken in the group ("conflicting server name") is ignored,
// and `.x` takes both `x` and `*.x`.
function buildTables(group: ServerInfo[]) {
  const exact = new Map<string, Entry>();
  const head = new Map<string, Entry>();
  const tail = new Map<string, Entry>();
  const regexes: Entry[] = [];
  const hostnames: Entry[] = [];
  for (const server of group) {
    if (server.names.length === 0 && !exact.has('')) exact.set('', { server, name: null });
    for (const name of server.names) {
      const entry = { server, name };
      const n = name.name.toLowerCase();
      if (name.kind === 'regex') regexes.push(entry);
      else if (n === '$hostname') hostnames.push(entry);
      else if (name.kind === 'exact') {
        if (!exact.has(n)) exact.set(n, entry);
      } else if (name.kind === 'trailing-wildcard') {
        if (!tail.has(n.slice(0, -2))) tail.set(n.slice(0, -2), entry);
      } else if (n.startsWith('*.')) {
        if (!head.has(n.slice(2))) head.set(n.slice(2), entry);
      } else if (!exact.has(n.slice(1)) && !head.has(n.slice(1))) {
        exact.set(n.slice(1), entry);
        head.set(n.slice(1), entry);
      }
    }
  }
  return { exact, head, tail, regexes, hostnames };
}

/** The host as ngx_http_validate_host leaves it, or null when nginx answers 400. */
function validHost(raw: string): string | null {
  let host = raw.startsWith('[') ? raw.slice(0, raw.indexOf(']') + 1) || raw : raw.split(':')[0]!;
  if (host.includes('..') || host.includes('/') || host.includes('\0')) return null;
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host === '' ? null : host.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

function defaultOf(group: ServerInfo[], address: string, port: number): Selection {
  const key = `${address} ${port}`;
  const known = indexOfGroup(group).defaults.get(key);
  // A copy: the caller adds to reason and cannotTell.
  if (known) return { ...known };
  const found = findDefault(group, address, port);
  indexOfGroup(group).defaults.set(key, found);
  return { ...found };
}

function findDefault(group: ServerInfo[], address: string, port: number): Selection {
  const at = where(address, port);
  for (const server of group) {
    const listen = server.listens.find((l) => l.address === address && l.port === port && l.defaultServer);
    if (listen) return { server, reason: `default_server for ${at}`, by: listen.directive };
  }
  const server = group[0]!;
  const listen = server.listens.find((l) => l.address === address && l.port === port);
  return { server, reason: `first server for ${at}`, by: listen?.directive ?? null };
}

function byName(e: Entry, kind: string): Selection {
  // An entry is always found with the same kind (`.x` as leading-wildcard in both its tables).
  // join makes one flat string; a template literal kept four 32-byte pieces for each server.
  e.reason ??= ['server_name ', e.name?.name || '""', ' (', kind, ')'].join('');
  return { server: e.server, reason: e.reason, by: e.name?.directive ?? null };
}

function selectInGroup(group: ServerInfo[], address: string, port: number, rawHost: string | undefined, compile: CompileRegex): Selection {
  const host = rawHost === undefined ? '' : validHost(rawHost);
  if (host === null) {
    return { ...defaultOf(group, address, port), badRequest: `nginx answers 400: invalid Host "${rawHost ?? ''}"` };
  }
  const t = indexOfGroup(group).tables;
  const exact = t.exact.get(host);
  if (exact) return byName(exact, exact.name?.kind === 'leading-wildcard' ? 'leading-wildcard' : 'exact');
  for (let i = host.indexOf('.'); i >= 0; i = host.indexOf('.', i + 1)) {
    const e = t.head.get(host.slice(i + 1));
    if (e && i > 0) return byName(e, 'leading-wildcard');
  }
  for (let i = host.lastIndexOf('.'); i > 0; i = host.lastIndexOf('.', i - 1)) {
    const e = t.tail.get(host.slice(0, i));
    if (e) return byName(e, 'trailing-wildcard');
  }
  const unread: string[] = [];
  let found: Selection | undefined;
  for (const e of host === '' ? [] : t.regexes) {
    const pattern = e.name!.name.slice(1);
    const re = compile(pattern, /[A-Z]/.test(pattern));
    if (re === null) {
      unread.push(`${e.name!.name} (${e.name!.directive.file}:${e.name!.directive.line})`);
      continue;
    }
    const hit = re.test(host);
    if (hit === undefined) unread.push(`${e.name!.name} (${e.name!.directive.file}:${e.name!.directive.line})`);
    else if (hit) {
      found = byName(e, 'regex');
      break;
    }
  }
  const chosen = found ?? defaultOf(group, address, port);
  for (const e of t.hostnames) chosen.reason += `; server_name $hostname of server ${e.server.index} taken as not matching (the machine's host name is not known)`;
  if (unread.length > 0) chosen.cannotTell = `verblint cannot read server_name ${unread.join(', ')}, which might match "${host}"`;
  return chosen;
}

// ---- indexes ----
// A simulated request picks a server, and a lint sends several requests to
// every server: building the groups and name tables per request would make
// linting quadratic in servers. They are built once per list of servers.

interface GroupIndex {
  tables: Tables;
  /** The default server per "address port", as findDefault gives it. */
  defaults: Map<string, Selection>;
}

interface ServersIndex {
  /** The servers indexed, in order (a copy). */
  servers: readonly ServerInfo[];
  /** The list as last given, for the quick check; see indexServers. */
  given: readonly ServerInfo[];
  /** By port (or "unix:/x" for a socket): address → the servers listening there, in order. */
  groups: Map<string, Map<string, ServerInfo[]>>;
}

const groupIndexes = new WeakMap<ServerInfo[], GroupIndex>();
const byFirst = new WeakMap<ServerInfo, ServersIndex>();

function indexOfGroup(group: ServerInfo[]): GroupIndex {
  let index = groupIndexes.get(group);
  if (!index) groupIndexes.set(group, (index = { tables: buildTables(group), defaults: new Map() }));
  return index;
}

function sameServers(a: readonly ServerInfo[], b: readonly ServerInfo[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The index of a list of servers. The same array given again (unchanged in
 * length and ends) is trusted; a new array of the same servers (what the
 * simulator passes) is compared element by element, which is still far
 * cheaper than rebuilding.
 */
export function indexServers(servers: readonly ServerInfo[]): ServersIndex {
  const first = servers[0];
  const found = first === undefined ? undefined : byFirst.get(first);
  if (found) {
    const quick = found.given === servers && found.servers.length === servers.length && found.servers[servers.length - 1] === servers[servers.length - 1];
    if (quick || sameServers(found.servers, servers)) {
      found.given = servers;
      return found;
    }
  }
  const index: ServersIndex = { servers: [...servers], given: servers, groups: new Map() };
  if (first !== undefined) byFirst.set(first, index);
  return index;
}

/** Address → servers listening on it, for a port (or the socket `address`). */
function groupsOf(index: ServersIndex, unix: boolean, port: number, address: string | undefined): Map<string, ServerInfo[]> {
  const key = unix ? address! : String(port);
  let groups = index.groups.get(key);
  if (groups) return groups;
  groups = new Map<string, ServerInfo[]>();
  for (const server of index.servers) {
    for (const l of server.listens) {
      if (unix ? l.address !== address : l.address.startsWith('unix:') || l.port !== port) continue;
      const group = groups.get(l.address) ?? [];
      // Several listens of one server on one address: the last server pushed is the only one to check.
      if (group[group.length - 1] !== server) group.push(server);
      groups.set(l.address, group);
    }
  }
  index.groups.set(key, groups);
  return groups;
}

/**
 * The server that answers a request; null when no server listens on that
 * port (or socket). `servers` is indexed on first use: do not change an
 * array in place after passing it (pass a new one).
 */
export function selectServer(servers: ServerInfo[], req: SelectRequest, compileRegex: CompileRegex): Selection | null {
  const unix = req.address?.startsWith('unix:') === true;
  const groups = groupsOf(indexServers(servers), unix, req.port, req.address);
  const port = unix ? 0 : req.port;
  if (req.address !== undefined) {
    const address = normalAddress(req.address);
    const key = groups.has(address) || unix ? address : address.startsWith('[') ? '[::]' : '*';
    const group = groups.get(key);
    return group ? selectInGroup(group, key, port, req.host, compileRegex) : null;
  }
  const keys = [...groups.keys()];
  const primary = keys.includes('*') ? '*' : keys.includes('[::]') ? '[::]' : keys[0];
  if (primary === undefined) return null;
  const chosen = selectInGroup(groups.get(primary)!, primary, port, req.host, compileRegex);
  const others = keys.filter((k) => k !== primary).map((k) => selectInGroup(groups.get(k)!, k, port, req.host, compileRegex));
  if (others.some((s) => s.server !== chosen.server)) {
    const listed = keys.map((k) => where(k, port)).join(', ');
    const why = `depends on which local address the client connects to (servers listen on ${listed})`;
    chosen.cannotTell = chosen.cannotTell === undefined ? why : `${why}; ${chosen.cannotTell}`;
  }
  return chosen;
}
