// `verblint routes`: every location of every server against the common
// methods, each cell a simulated request. The data builder takes the model
// and a simulate function; the formatters are pure.
import pc from 'picocolors';
import { jsonUpstream, shownPath } from './explain.js';
import type { Dialect } from './model.js';
import { allLocations, locationsAt, type NginxLocation, type NginxModel, type NginxServer } from './nginx-model.js';
import type { Branch, Outcome, SimRequest, Upstream } from './outcome.js';
import { chosenServer } from './simulate.js';

export const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

export interface Cell {
  status: number | null;
  possibleStatuses: number[];
  producer: Outcome['producer'];
  cannotTell: boolean;
  upstream: Upstream | null;
  /** The short text the table shows: `405`, `404|405`, `→ proxy`, `?`. */
  text: string;
  /** Each way the request can go, with its trace, for the HTML report's trace panel; the JSON report leaves it out. */
  branches?: Branch[];
}

export interface Route {
  /** The location as written: `location ~* \.php$`. */
  location: string;
  file: string;
  line: number;
  /** How deep it is nested: 0 for a location directly in the server. */
  depth: number;
  /** The request target the cells were simulated with; null when none reaches the location. */
  uri: string | null;
  /** Why there are no cells, when there are none. */
  note: string | null;
  cells: Partial<Record<RouteMethod, Cell>>;
}

export interface ServerRoutes {
  /** How the table is headed when not `server NAMES  listen ...` (Apache: `<VirtualHost *:80> www.example.com`, `main server`). */
  title?: string;
  names: string[];
  listen: string[];
  file: string;
  line: number;
  /** The Host and port the requests were sent with; host is null when no Host reaches this server. */
  host: string | null;
  port: number;
  routes: Route[];
}

export type Simulate = (request: SimRequest) => Outcome;

// ---- sample URIs ----

const NOT_IN_URI = /[\x00-\x20"#%?<>\\^`{|}\x7f]/g;

/** Percent-encodes what cannot stand in a request target's path. */
export function encodePath(path: string): string {
  return [...path]
    .map((ch) => (ch.charCodeAt(0) > 0x7f ? encodeURIComponent(ch) : ch.replace(NOT_IN_URI, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)))
    .join('');
}

/** The longest sample URI, in characters: beyond nginx's 8k request line buffers anyway. */
const MAX_SAMPLE = 8192;

class RegexSampler {
  private i = 0;
  private readonly groups: string[] = [];
  constructor(private readonly p: string) {}

  run(): string | null {
    const out = this.alternation();
    return this.i === this.p.length ? out : null;
  }

  private alternation(): string {
    const first = this.sequence();
    while (this.p[this.i] === '|') {
      this.i++;
      this.sequence();
    }
    return first;
  }

  private sequence(): string {
    let out = '';
    while (this.i < this.p.length && this.p[this.i] !== '|' && this.p[this.i] !== ')') {
      const atom = this.atom();
      const times = this.quantifier();
      // Counts multiply ((a{9999}){9999}): no URI that long is worth a row.
      if (out.length + atom.length * times > MAX_SAMPLE) throw new Error('the sample would be too long');
      out += atom.repeat(times);
    }
    return out;
  }

  /** How many times to repeat the atom just read: once for `*`, `+` and `?`, n for `{n}`. */
  private quantifier(): number {
    const p = this.p;
    let times = 1;
    const c = p[this.i];
    if (c === '*' || c === '+' || c === '?') this.i++;
    else if (c === '{') {
      const m = /^\{(\d+)(,\d*)?\}/.exec(p.slice(this.i));
      if (!m) return 1;
      times = Math.max(1, Number(m[1]));
      this.i += m[0].length;
    } else return 1;
    if (p[this.i] === '?' || p[this.i] === '+') this.i++;
    return times;
  }

  private atom(): string {
    const p = this.p;
    const c = p[this.i++]!;
    switch (c) {
      case '^':
      case '$':
        return '';
      case '.':
        return 'x';
      case '\\':
        return this.escape(false);
      case '[':
        return this.charClass();
      case '(':
        return this.group();
      case '*':
      case '+':
      case '?':
        throw new Error(`nothing to repeat at ${this.i - 1}`);
      default:
        return c;
    }
  }

  /** After a backslash; in a class, `\b` is a backspace and assertions make no sense. */
  private escape(inClass: boolean): string {
    const p = this.p;
    const c = p[this.i++];
    if (c === undefined) throw new Error('trailing backslash');
    const classes: Record<string, string> = { d: '1', D: 'a', w: 'a', W: '-', s: ' ', S: 'x', h: ' ', H: 'x', v: ' ', V: 'x', N: 'x', R: '\n' };
    if (c in classes) return classes[c]!;
    if (!inClass && 'bBAzZGK'.includes(c)) return '';
    if (c === 'n') return '\n';
    if (c === 't') return '\t';
    if (c === 'r') return '\r';
    if (c === 'Q') {
      const end = p.indexOf('\\E', this.i);
      const text = p.slice(this.i, end < 0 ? p.length : end);
      this.i = end < 0 ? p.length : end + 2;
      return text;
    }
    if (c === 'E') return '';
    if (c === 'x') {
      const m = /^(?:\{([0-9a-fA-F]+)\}|([0-9a-fA-F]{1,2}))/.exec(p.slice(this.i));
      if (!m) return '\0';
      this.i += m[0].length;
      return String.fromCodePoint(parseInt(m[1] ?? m[2]!, 16));
    }
    if (c === 'p' || c === 'P') {
      const m = /^(?:\{[^}]*\}|.)/.exec(p.slice(this.i));
      this.i += m?.[0].length ?? 0;
      return 'a';
    }
    if (!inClass && /[1-9]/.test(c)) return this.groups[Number(c) - 1] ?? '';
    if (/[a-zA-Z0-9]/.test(c)) throw new Error(`unknown escape \\${c}`);
    return c;
  }

  private charClass(): string {
    const p = this.p;
    const negated = p[this.i] === '^';
    if (negated) this.i++;
    const members: Array<[string, string]> = [];
    let first = true;
    while (this.i < p.length && (p[this.i] !== ']' || first)) {
      first = false;
      let lo: string;
      if (p.startsWith('[:', this.i)) {
        const end = p.indexOf(':]', this.i);
        if (end < 0) throw new Error('unterminated POSIX class');
        const name = p.slice(this.i + 2, end).replace(/^\^/, '');
        this.i = end + 2;
        const sample = name === 'digit' || name === 'xdigit' ? '1' : name === 'space' || name === 'blank' ? ' ' : name === 'punct' ? '-' : 'a';
        members.push([sample, sample]);
        continue;
      }
      if (p[this.i] === '\\') {
        this.i++;
        const kind = p[this.i];
        lo = this.escape(true);
        if (kind === 'd') members.push(['0', '9']);
        else if (kind === 'w') members.push(['a', 'z'], ['A', 'Z'], ['0', '9'], ['_', '_']);
        else if (kind === 's') members.push([' ', ' '], ['\t', '\r']);
        else members.push([lo, lo]);
        continue;
      }
      lo = p[this.i++]!;
      if (p[this.i] === '-' && p[this.i + 1] !== undefined && p[this.i + 1] !== ']') {
        this.i++;
        const hi = p[this.i] === '\\' ? (this.i++, this.escape(true)) : p[this.i++]!;
        members.push([lo, hi]);
      } else members.push([lo, lo]);
    }
    if (p[this.i] !== ']') throw new Error('unterminated class');
    this.i++;
    if (!negated) return members[0]?.[0] ?? '';
    const inside = (ch: string): boolean => members.some(([a, b]) => ch >= a && ch <= b);
    const pick = [...'xaz0_-~.'].find((ch) => !inside(ch));
    if (pick === undefined) throw new Error('no character outside the class');
    return pick;
  }

  private group(): string {
    const p = this.p;
    let capture = true;
    let keep = true;
    if (p[this.i] === '?') {
      const rest = p.slice(this.i + 1);
      let m: RegExpExecArray | null;
      if (rest.startsWith('#')) {
        const end = p.indexOf(')', this.i);
        if (end < 0) throw new Error('unterminated comment');
        this.i = end + 1;
        return '';
      } else if ((m = /^(?:P?<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')/.exec(rest))) {
        this.i += 1 + m[0].length;
      } else if ((m = /^(?:=|!|<=|<!)/.exec(rest))) {
        this.i += 1 + m[0].length;
        capture = false;
        keep = false;
      } else if ((m = /^(?::|>|\|)/.exec(rest))) {
        this.i += 1 + m[0].length;
        capture = false;
      } else if ((m = /^[a-zA-Z^-]*([:)])/.exec(rest))) {
        this.i += 1 + m[0].length;
        if (m[1] === ')') return '';
        capture = false;
      } else throw new Error(`unknown group (?${rest[0] ?? ''}`);
    }
    const index = this.groups.length;
    if (capture) this.groups.push('');
    const inner = this.alternation();
    if (p[this.i] !== ')') throw new Error('unterminated group');
    this.i++;
    if (capture) this.groups[index] = inner;
    return keep ? inner : '';
  }
}

/**
 * A string the PCRE `pattern` should match, built by taking the first
 * alternative of each choice, one repetition of each loop and the first
 * character of each class; null when the pattern is beyond this reading.
 * The caller checks the result with the real matcher.
 */
export function regexSample(pattern: string): string | null {
  try {
    return new RegexSampler(pattern).run();
  } catch {
    return null;
  }
}

/**
 * Request paths (not yet encoded) to try for a location, best first; empty
 * for a named location. `within` is the prefix of the location it is nested
 * in, if any: a nested regex is tried below it first.
 */
export function sampleUris(modifier: NginxLocation['modifier'], name: string, within?: string): string[] {
  if (modifier === '@') return [];
  if (modifier === '' || modifier === '^~' || modifier === '=') return name.startsWith('/') ? [name] : [`/${name}`];
  const sample = regexSample(name);
  if (sample === null) return [];
  const tail = sample.replace(/^\/+/, '');
  const candidates = within !== undefined ? [`${within.replace(/\/*$/, '/')}${sample.startsWith('.') ? 'x' : ''}${tail}`] : [];
  if (sample.startsWith('/')) candidates.push(sample, `${sample}x`);
  else candidates.push(sample.startsWith('.') ? `/x${sample}` : `/${sample}`, `/${sample}`, `/x/${sample}`);
  return [...new Set(candidates)];
}

// ---- the table's data ----

/**
 * Whether some branch of a GET reached `loc` first: the last of the first run
 * of the server's location steps in its trace is the location's line.
 */
function reaches(outcome: Outcome, loc: NginxLocation): boolean {
  for (const b of outcome.branches) {
    let last: { file: string; line: number } | null = null;
    for (const step of b.trace) {
      if (locationsAt(loc.server, step.file, step.line).length > 0) last = step;
      else if (last !== null) break;
    }
    if (last !== null && last.file === loc.node.file && last.line === loc.node.line) return true;
  }
  return false;
}

/** Host headers that might pick this server, from its server_name list. */
function hostCandidates(server: NginxServer): string[] {
  const out: string[] = [];
  for (const n of server.info.names) {
    const name = n.name;
    if (n.kind === 'exact' && name !== '' && !name.startsWith('$')) out.push(name);
    else if (n.kind === 'leading-wildcard') out.push(name.startsWith('*.') ? `www.${name.slice(2)}` : name.slice(1));
    else if (n.kind === 'trailing-wildcard') out.push(`${name.slice(0, -2)}.com`);
    else if (n.kind === 'regex') {
      const sample = regexSample(name.slice(1));
      if (sample) out.push(sample.toLowerCase());
    }
  }
  out.push('localhost');
  return [...new Set(out)];
}

function listenText(server: NginxServer): string[] {
  return server.info.listens.map((l) => (l.address.startsWith('unix:') ? l.address : `${l.address}:${l.port}`));
}

/** The text of one cell: every status nginx can send, the backends, and `?` when verblint cannot tell. */
export function cellText(outcome: Outcome): string {
  const parts = outcome.possibleStatuses.map(String);
  const modules = new Set<string>();
  for (const b of outcome.branches) {
    if (b.producer === 'upstream' && b.upstream && b.status === null) modules.add(b.upstream.module);
    else if (b.status === null && b.producer === 'return') modules.add('close');
    else if (b.status === null && b.producer === 'no-server') modules.add('refused');
  }
  for (const m of modules) parts.push(m === 'close' || m === 'refused' ? m : `\u2192 ${m}`);
  if (outcome.cannotTell) return parts.length > 0 ? `${parts.join('|')}?` : '?';
  return parts.length > 0 ? parts.join('|') : '?';
}

export function cellOf(outcome: Outcome): Cell {
  return {
    status: outcome.status,
    possibleStatuses: outcome.possibleStatuses,
    producer: outcome.producer,
    cannotTell: outcome.cannotTell,
    upstream: jsonUpstream(outcome.upstream),
    text: cellText(outcome),
    branches: outcome.branches,
  };
}

function locationText(l: NginxLocation): string {
  return ['location', ...l.node.args].join(' ');
}

function depthOf(l: NginxLocation): number {
  let depth = 0;
  for (let p = l.parent; p && p.kind === 'location'; p = p.parent) depth++;
  return depth;
}

/** A request that reaches a server: its first listen port and address, and a Host that picks it. */
export type ServerRequest = Omit<SimRequest, 'method' | 'uri'> & { host: string };

/** How to reach `server`: the first candidate Host whose request the simulator sends to it; null when none does. */
export function serverRequest(model: NginxModel, server: NginxServer, files?: SimRequest['files']): ServerRequest | null {
  const host = hostCandidates(server).find((h) => chosenServer(model, { ...requestTo(server, h, files), uri: '/' }) === server);
  return host === undefined ? null : requestTo(server, host, files);
}

/**
 * The request to a server's first listen, with `host`. Built field by field:
 * a spread of a shared base gave each server's request a hidden class of its
 * own in V8, some 250 bytes a server kept for the whole lint.
 */
export function requestTo(server: NginxServer, host: string, files?: SimRequest['files']): ServerRequest {
  const listen = server.info.listens[0]!;
  const request: ServerRequest = { port: listen.port, headers: {}, host };
  if (listen.address.startsWith('unix:') || (listen.address !== '*' && listen.address !== '[::]')) request.address = listen.address;
  if (files) request.files = files;
  return request;
}

/** A sample URI whose GET reaches `loc` (checked with the simulator), or undefined. */
export function sampleUri(loc: NginxLocation, request: ServerRequest, simulate: Simulate): string | undefined {
  const parent = loc.parent?.kind === 'location' ? (loc.parent as NginxLocation) : null;
  const within = parent && (parent.modifier === '' || parent.modifier === '^~') ? parent.name : undefined;
  return sampleUris(loc.modifier, loc.name, within)
    .map(encodePath)
    .find((u) => reaches(simulate({ ...request, method: 'GET', uri: u }), loc));
}

/**
 * How deep locations may nest for the routes table. Each request climbs
 * through every level above its location, and the table keeps every step of
 * every cell, so the work grows with the cube of the depth: 400 levels took
 * 18 s and 1.9 GB. nginx itself nests far deeper; the lint rules do too.
 */
export const ROUTES_MAX_DEPTH = 100;

/** The first location nested deeper than ROUTES_MAX_DEPTH, or undefined. */
export function tooDeepForRoutes(model: NginxModel): NginxLocation | undefined {
  for (const server of model.servers) {
    const found = allLocations(server.locations).find((l) => depthOf(l) >= ROUTES_MAX_DEPTH);
    if (found) return found;
  }
  return undefined;
}

/** Simulates each location of each server with each of ROUTE_METHODS. */
export function buildRoutes(model: NginxModel, simulate: Simulate, request: Pick<SimRequest, 'files'> = {}): ServerRoutes[] {
  return model.servers.map((server) => {
    const listen = server.info.listens[0]!;
    const to = serverRequest(model, server, request.files);
    const locations = [...allLocations(server.locations)];
    const routes = locations.map((loc): Route => {
      const route: Route = { location: locationText(loc), file: loc.node.file, line: loc.node.line, depth: depthOf(loc), uri: null, note: null, cells: {} };
      if (loc.modifier === '@') {
        route.note = 'named location: reached only through try_files, error_page and the like';
        return route;
      }
      if (to === null) {
        route.note = 'no Host header reaches this server';
        return route;
      }
      const uri = sampleUri(loc, to, simulate);
      if (uri === undefined) {
        route.note = 'no sample URI reaches this location';
        return route;
      }
      route.uri = uri;
      for (const method of ROUTE_METHODS) route.cells[method] = cellOf(simulate({ ...to, method, uri }));
      return route;
    });
    if (locations.length === 0 && to !== null) {
      // A server without locations (a redirect to https, a catch-all) still answers.
      const cells: Route['cells'] = {};
      for (const method of ROUTE_METHODS) cells[method] = cellOf(simulate({ ...to, method, uri: '/' }));
      routes.push({ location: '(server)', file: server.node.file, line: server.node.line, depth: 0, uri: '/', note: null, cells });
    }
    return { names: server.info.names.map((n) => n.name), listen: listenText(server), file: server.node.file, line: server.node.line, host: to?.host ?? null, port: listen.port, routes };
  });
}

// ---- formatters ----

export interface RoutesFormatOptions {
  color: boolean;
  cwd: string;
  /** Whose words the table uses; nginx by default. */
  dialect?: Dialect;
}

type Colors = ReturnType<typeof pc.createColors>;

function paint(part: string, c: Colors): string {
  if (part.startsWith('\u2192')) return c.green(part);
  const status = Number(part.replace(/\?$/, ''));
  if (part === '?' || Number.isNaN(status)) return c.yellow(part);
  const mark = part.endsWith('?') ? c.yellow('?') : '';
  const digits = String(status);
  if (status === 405) return c.red(digits) + mark;
  if (status === 401 || status === 403) return c.magenta(digits) + mark;
  if (status === 404) return c.dim(digits) + mark;
  if (status >= 300 && status < 400) return c.yellow(digits) + mark;
  if (status >= 200 && status < 300) return c.green(digits) + mark;
  return digits + mark;
}

function paintCell(text: string, c: Colors): string {
  return text
    .split('|')
    .map((p) => paint(p, c))
    .join(c.dim('|'));
}

/** The table: one block per server, one row per location, one column per method. */
export function formatRoutes(servers: readonly ServerRoutes[], options: RoutesFormatOptions): string {
  const c = pc.createColors(options.color);
  const apache = options.dialect === 'apache';
  const out: string[] = [];
  for (const s of servers) {
    const names = s.names.length > 0 ? s.names.join(' ') : '(no server_name)';
    const via = s.host === null ? (apache ? 'no request reaches it' : 'no Host reaches it') : `Host ${s.host}, port ${s.port}`;
    const title = s.title !== undefined ? c.bold(s.title) : `${c.bold(`server ${names}`)}  listen ${s.listen.join(' ')}`;
    out.push(`${title}  ${c.dim(`${shownPath(s.file, options.cwd)}:${s.line}`)}  (${via})`);
    if (s.routes.length === 0) {
      out.push(apache ? '  (no routes)' : '  (no locations)', '');
      continue;
    }
    const rows = s.routes.map((r) => ({
      location: `${'  '.repeat(r.depth)}${r.location}`,
      where: r.file === s.file ? String(r.line) : `${shownPath(r.file, options.cwd)}:${r.line}`,
      uri: r.uri ?? '',
      cells: ROUTE_METHODS.map((m) => r.cells[m]?.text ?? ''),
      note: r.uri === null ? `(${r.note ?? 'no sample URI'})` : null,
    }));
    const header = { location: apache ? 'route' : 'location', where: 'line', uri: 'uri', cells: [...ROUTE_METHODS] as string[] };
    const w = {
      location: Math.max(header.location.length, ...rows.map((r) => r.location.length)),
      where: Math.max(header.where.length, ...rows.map((r) => r.where.length)),
      uri: Math.max(header.uri.length, ...rows.map((r) => r.uri.length)),
      cells: ROUTE_METHODS.map((m, i) => Math.max(m.length, ...rows.map((r) => r.cells[i]!.length))),
    };
    const pad = (text: string, width: number, shown = text): string => shown + ' '.repeat(Math.max(0, width - text.length));
    out.push(
      `  ${[pad(header.location, w.location), pad(header.where, w.where), pad(header.uri, w.uri), ...header.cells.map((h, i) => pad(h, w.cells[i]!))].map((t) => c.dim(t)).join('  ')}`.trimEnd(),
    );
    for (const r of rows) {
      const head = [pad(r.location, w.location), pad(r.where, w.where, c.dim(r.where))];
      const tail = r.note !== null ? [c.dim(r.note)] : [pad(r.uri, w.uri), ...r.cells.map((t, i) => pad(t, w.cells[i]!, paintCell(t, c)))];
      out.push(`  ${[...head, ...tail].join('  ')}`.trimEnd());
    }
    out.push('');
  }
  out.push(
    c.dim(
      apache
        ? 'Cells: the status Apache sends; "\u2192 proxy" (or php, cgi): a backend or a program answers; "a|b": either, depending on files or conditions; "?": verblint cannot tell.'
        : 'Cells: the status nginx sends; "\u2192 proxy": the backend answers; "a|b": either, depending on files or conditions; "close": return 444 closes the connection; "?": verblint cannot tell.',
    ),
  );
  return `${out.join('\n')}\n`;
}

/** The JSON report of `verblint routes`, paths relative to cwd, 2-space indent, trailing newline. */
export function formatRoutesJson(servers: readonly ServerRoutes[], options: Pick<RoutesFormatOptions, 'cwd'>): string {
  const data = {
    servers: servers.map((s) => ({
      ...(s.title !== undefined && { title: s.title }),
      names: s.names,
      listen: s.listen,
      file: shownPath(s.file, options.cwd),
      line: s.line,
      host: s.host,
      port: s.port,
      routes: s.routes.map((r) => ({
        location: r.location,
        file: shownPath(r.file, options.cwd),
        line: r.line,
        uri: r.uri,
        ...(r.note !== null && { note: r.note }),
        cells: Object.fromEntries(
          Object.entries(r.cells).map(([m, cell]) => [
            m,
            { status: cell.status, possibleStatuses: cell.possibleStatuses, producer: cell.producer, cannotTell: cell.cannotTell, upstream: cell.upstream },
          ]),
        ),
      })),
    })),
  };
  return `${JSON.stringify(data, null, 2)}\n`;
}
