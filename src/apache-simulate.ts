// The Apache request simulator: what Apache 2.4 does with METHOD on URI, hook
// by hook, with the directives that decided. The facts it follows are in
// ../shared/docs/apache-methods.md; test/real checks them against apache2.
//
// The order is Apache's (server/request.c, ap_process_request_internal):
// translate_name (server-context mod_rewrite, ProxyPass, mod_alias, then
// DocumentRoot), map_to_storage (TRACE and OPTIONS * are answered here,
// before any section is read; then the <Directory> walk with each directory's
// .htaccess), the <Files>, <Location> and <If> walks, access checks
// (AllowMethods, Order/Deny, Require), fixups (per-directory mod_rewrite,
// mod_alias, mod_dir), the handler, and ErrorDocument.
//
// What the config cannot decide (does a file exist, the client address, a
// condition verblint cannot read) forks the run; each branch comes back with
// its assumptions.
import { ALL_METHODS, hasMethod } from './apache-authz.js';
import { apacheContextProblems } from './apache-context.js';
import { apacheDirective, OVERRIDE_CLASSES, type OverrideClass } from './apache-directives.js';
import { condPatternHolds, rewriteFlags } from './apache-front-controller.js';
import type { ApacheModel, ApacheSection, ApacheServer, AuthzNode, Scoped } from './apache-model.js';
import { configuredDirectories, documentRoot, inForce, serverDirective, sortDirectories, stripSlash } from './apache-model.js';
import { Done, exploreBranches, ForkingRun } from './branches.js';
import type { Directive } from './model.js';
import { normalizePath, parseTarget } from './nginx-vars.js';
import type { FileKind, Outcome, Producer, SimRequest, Upstream } from './outcome.js';
import { compilePcre, execPcre } from './pcre.js';
import { copyNode } from './tree.js';

export interface ApacheSimulateOptions {
  /** At most this many branches are followed (64); past it the answer is "cannot tell". */
  maxBranches?: number;
}

/** Apache's LimitInternalRecursion default. */
const MAX_INTERNAL_REDIRECTS = 10;
const DEFAULT_ALLOW = ['GET', 'HEAD', 'POST', 'OPTIONS'];
const DAV_METHODS = new Set(['PUT', 'DELETE', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'OPTIONS']);
/** What mod_dav lists on OPTIONS for an existing file (apache-methods.md, 3.1 j). */
const DAV_ALLOW_FILE = 'OPTIONS,GET,HEAD,POST,DELETE,TRACE,PROPFIND,PROPPATCH,COPY,MOVE,PUT,LOCK,UNLOCK';
const DAV_ALLOW_DIR = 'OPTIONS,GET,HEAD,POST,DELETE,TRACE,PROPFIND,PROPPATCH,COPY,MOVE,LOCK,UNLOCK';
const REDIRECT_NAMES: Record<string, number> = { permanent: 301, temp: 302, seeother: 303, gone: 410 };
const REWRITE_DIRECTIVES = new Set(['rewriteengine', 'rewriterule', 'rewritecond', 'rewriteoptions', 'rewritebase']);

/** configuredDirectories, once per model. */
const CONFIGURED = new WeakMap<ApacheModel, Set<string>>();

export function simulateApache(model: ApacheModel, request: SimRequest, options: ApacheSimulateOptions = {}): Outcome {
  return simulateAfter(model, request, options.maxBranches ?? 64, null);
}

/** `previous`: the sections of the request an ErrorDocument's internal GET comes from (see sameConfig). */
function simulateAfter(model: ApacheModel, request: SimRequest, max: number, previous: readonly ApacheSection[] | null): Outcome {
  return exploreBranches(request, max, (prefix) => {
    const run = new ApacheRun(model, request, prefix, previous);
    return { branch: run.execute(), choices: run.choices };
  });
}

/**
 * Apache skips the access checks of an internal request whose merged config
 * is the one before it (request.c compares the per-dir config pointers); its
 * walk cache gives the same one only when the file exists (observed: a
 * missing index.html is checked again).
 */
function sameConfig(before: readonly ApacheSection[], now: readonly ApacheSection[], kind: FileKind): boolean {
  return kind === 'file' && before.length === now.length && before.every((m, i) => m === now[i]);
}

/** An internal redirect: the whole request again on a new URL. */
class Restart {
  constructor(
    readonly uri: string,
    readonly args: string,
  ) {}
}

interface Rule {
  node: Directive;
  conds: Directive[];
  pattern: string;
  substitution: string;
  flags: ReadonlyMap<string, string>;
}

interface RuleSet {
  rules: Rule[];
  /** The per-directory prefix with its slash (`/srv/www/`), or null in server context. */
  directory: string | null;
  base: string | null;
  section: ApacheSection;
}

type AuthzResult = 'granted' | 'denied' | 'no-user' | 'neutral';

/** The request as Apache keeps it in request_rec. */
interface State {
  uri: string;
  args: string;
  hasArgs: boolean;
  filename: string | null;
  pathInfo: string;
  kind: FileKind;
  /** Set by ScriptAlias. */
  scriptAliased: boolean;
  /** `broken`: why the proxy handler will fail (a ProxyPass URL joined into a bad host name). */
  proxy: { url: string; path: string; by: Directive; broken?: string } | null;
  sections: ApacheSection[];
  redirects: number;
  /** After an internal redirect mod_rewrite sets REDIRECT_STATUS=200. */
  redirected: boolean;
  /** [END] stops mod_rewrite for the rest of the request. */
  rewriteEnded: boolean;
}

class ApacheRun extends ForkingRun {
  private readonly files = new Map<string, FileKind>();
  private server!: ApacheServer;
  private host = '';
  private hostPort: number | null = null;
  private state!: State;
  /** The request's method; GET while a sub-request (mod_dir's index lookup) is checked. */
  private method: string;
  private registered: boolean;
  private subrequest = false;

  constructor(
    private readonly model: ApacheModel,
    private readonly request: SimRequest,
    prefix: readonly number[],
    private readonly previous: readonly ApacheSection[] | null = null,
  ) {
    super(prefix);
    this.method = request.method;
    this.registered = model.registered.has(request.method);
  }

  // ---- forks, trace, endings ----

  /** A yes/no question verblint cannot answer from the config: both ways are followed, and the answer is marked "cannot tell". */
  private unknown(what: string): boolean {
    return this.choose(2, (t) => `${t === 0 ? '' : 'not: '}${what}`, true) === 0;
  }

  private step(at: Directive | null, note: string): void {
    if (!at) this.trace.push({ file: '', line: 0, directive: '', note });
    else this.trace.push({ file: at.file, line: at.reportLine ?? at.line, directive: show(at), note });
  }

  private finish(status: number | null, producer: Producer, extra: { location?: string | null; upstream?: Upstream | null; allow?: string | null } = {}): never {
    let allow = extra.allow ?? null;
    if (status !== null) {
      // mod_headers adds its own Allow header beside core's; without `always` only on success.
      for (const d of this.state?.sections ?? []) {
        for (const h of d.directives) {
          if (h.name !== 'header') continue;
          const words = h.node.args;
          const always = words[0]?.toLowerCase() === 'always';
          const [action = '', name = '', value = ''] = always || words[0]?.toLowerCase() === 'onsuccess' ? words.slice(1) : words;
          if (name.toLowerCase() !== 'allow' || !['set', 'add', 'append'].includes(action.toLowerCase())) continue;
          if (!always && (status < 200 || status >= 300)) continue;
          this.step(h.node, `adds Allow: ${value}`);
          allow = allow === null ? value : `${allow},${value}`;
        }
      }
    }
    throw new Done({ status, producer, allow, location: extra.location ?? null, upstream: extra.upstream ?? null });
  }

  /** An error Apache answers itself: ErrorDocument may still change it. */
  private fail(status: number, producer: Producer, allow: string | null = null, sections: readonly ApacheSection[] = this.state?.sections ?? this.topSections()): never {
    // An error while fetching an ErrorDocument page is not sent to another one (ap_die: a recursive error drops the custom response).
    const doc = this.subrequest || this.previous !== null ? undefined : lastOf(sections, 'errordocument', (d) => d.node.args[0] === String(status));
    if (doc && status >= 400) {
      const target = doc.node.args[1] ?? '';
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
        this.step(doc.node, `the ${status} becomes a redirect to ${target}`);
        this.finish(302, 'error-page', { location: target });
      }
      if (target.startsWith('/')) {
        // The page is fetched by an internal GET; when that fails too, Apache sends its own page and keeps the headers.
        const page = simulateAfter(this.model, { ...this.request, method: 'GET', uri: target }, 16, this.state.sections);
        const served = page.branches.every((b) => (b.status !== null && b.status < 400) || b.producer === 'upstream');
        const failed = page.branches.every((b) => b.status !== null && b.status >= 400);
        if (served || (!failed && this.unknown(`the internal GET for ${target} succeeds`))) {
          this.step(doc.node, `the ${status} is sent with the body of ${target}, fetched by an internal GET: the headers of the ${status} (Allow) are lost`);
          this.finish(status, producer, { allow: null });
        }
        this.step(doc.node, `the internal GET for ${target} fails as well: Apache sends its own ${status} page`);
        this.finish(status, producer, { allow });
      }
      if (target !== 'default') this.step(doc.node, `the ${status} is sent with this text`);
    }
    this.finish(status, producer, { allow });
  }

  /** Allow on 405 and 501: what the handlers allowed, plus TRACE unless TraceEnable is off. */
  private allowList(methods: readonly string[]): string {
    const list = [...methods];
    if (this.traceEnable() !== 'off') list.push('TRACE');
    return list.join(',');
  }

  private kind(path: string): FileKind {
    const known = this.files.get(path);
    if (known) return known;
    let kind = this.request.files?.(path);
    // DocumentRoot, Alias targets and <Directory> paths, and the folders above them, are taken to exist.
    if (kind === undefined && this.configuredDirs().has(path)) kind = 'dir';
    if (kind === undefined) {
      const kinds: FileKind[] = ['file', 'dir', 'missing'];
      kind = kinds[this.choose(3, (t) => `${path} ${['is a file', 'is a directory', 'does not exist'][t]}`, false)]!;
    }
    this.files.set(path, kind);
    return kind;
  }

  private configuredDirs(): Set<string> {
    let dirs = CONFIGURED.get(this.model);
    if (!dirs) CONFIGURED.set(this.model, (dirs = configuredDirectories(this.model)));
    return dirs;
  }

  // ---- the server ----

  protected start(): void {
    const { request } = this;
    if (request.uri === '*') {
      this.server = this.selectServer(request.host ?? '');
      if (this.method === 'OPTIONS') {
        this.step(null, 'OPTIONS * is answered by the core with 200 and no Allow');
        this.finish(200, 'options');
      }
      this.finish(400, 'request-line');
    }
    const target = parseTarget(request.uri);
    const path = target ? normalizePath(target.rawPath) : null;
    if (!target || path === null || !target.rawPath.startsWith('/')) {
      this.step(null, 'Apache cannot read the request target');
      this.finish(400, 'request-line');
    }
    const hostHeader = request.host ?? (target.host !== undefined ? `${target.host}${target.port !== undefined ? `:${target.port}` : ''}` : '');
    const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(hostHeader.toLowerCase());
    this.host = hp?.[1] ?? '';
    this.hostPort = hp?.[2] !== undefined ? Number(hp[2]) : null;
    this.server = this.selectServer(this.host);
    if (!this.registered) this.step(null, `${this.method} is not a method Apache knows (methods are case-sensitive): the default handler answers 501`);
    let uri = path;
    let args = target.args;
    let hasArgs = target.hasArgs;
    let redirects = 0;
    let redirected = false;
    let rewriteEnded = false;
    for (;;) {
      this.state = { uri, args, hasArgs, filename: null, pathInfo: '', kind: 'missing', scriptAliased: false, proxy: null, sections: [], redirects, redirected, rewriteEnded };
      try {
        this.process();
      } catch (e) {
        if (!(e instanceof Restart)) throw e;
        if (++redirects > MAX_INTERNAL_REDIRECTS) {
          this.step(null, `more than ${MAX_INTERNAL_REDIRECTS} internal redirects (LimitInternalRecursion): 500`);
          this.finish(500, 'rewrite');
        }
        rewriteEnded = this.state.rewriteEnded;
        uri = e.uri;
        args = e.args;
        hasArgs = e.args !== '';
        redirected = true;
      }
    }
  }

  private selectServer(host: string): ApacheServer {
    const { model, request } = this;
    const port = request.port ?? parseTarget(request.uri)?.port ?? 80;
    const address = request.address;
    // A config's requests mostly share a few Hosts, and each choice scans every vhost's names.
    let known = serverChoices.get(model);
    if (!known) serverChoices.set(model, (known = new Map()));
    const key = `${port} ${address === undefined ? '-' : `=${address}`} ${host}`;
    let choice = known.get(key);
    if (!choice) {
      if (known.size >= MAX_SERVER_CHOICES) known.clear();
      known.set(key, (choice = chooseServer(model, host, port, address)));
    }
    this.step(choice.by, choice.note);
    return choice.server;
  }

  /** The main server's top level, then the vhost's: the base every per-directory merge starts from. */
  private topSections(): ApacheSection[] {
    const s = this.server as ApacheServer | undefined;
    if (!s) return [];
    return s.vhost ? [this.model.main.top, s.top] : [s.top];
  }

  private serverDirective(name: string): Scoped | undefined {
    return serverDirective(this.model, this.server, name);
  }

  private docroot(): string {
    return documentRoot(this.model, this.server);
  }

  private traceEnable(): string {
    return (this.serverDirective('traceenable')?.node.args[0] ?? 'on').toLowerCase();
  }

  private sectionsOf(pick: (s: ApacheServer) => ApacheSection[]): ApacheSection[] {
    return inForce(this.model, this.server, pick);
  }

  // ---- one pass over the request (again after each internal redirect) ----

  /** translate_name: server-context mod_rewrite, ProxyPass, mod_alias, then DocumentRoot. */
  private translate(): void {
    const st = this.state;
    this.serverRewrite();
    if (!st.proxy && st.filename === null) this.proxyPass();
    if (!st.proxy && st.filename === null) this.aliases();
    if (!st.proxy && st.filename === null) {
      const root = this.serverDirective('documentroot')?.node;
      st.filename = this.docroot() + st.uri;
      if (root) this.step(root, `${st.uri} maps to ${st.filename}`);
    }
  }

  private process(): void {
    const st = this.state;
    this.translate();
    // map_to_storage: TRACE and OPTIONS * are answered before any section is read.
    if (this.method === 'TRACE' && !st.proxy) this.answerTrace();
    if (st.proxy) st.sections = [...this.topSections(), ...this.proxySections(st.proxy.url)];
    else st.sections = this.directoryWalk();
    st.sections.push(...this.locationSections());
    st.sections.push(...this.ifSections(st.sections));
    if (!(this.previous && sameConfig(this.previous, st.sections, st.kind))) this.access();
    // Fixups: per-directory mod_rewrite decides first, but its internal redirect waits for the
    // handler phase, so mod_alias and mod_dir may still answer before it.
    const restart = this.dirRewrite();
    this.dirRedirect();
    if (!st.proxy) this.dirSlash();
    if (restart) throw restart;
    if (st.proxy) {
      if (this.method === 'TRACE' && this.traceEnable() === 'off') {
        this.unknown('the proxy handler refuses TRACE when TraceEnable is off');
      }
      this.proxied(st.proxy.url, st.proxy.path, st.proxy.by);
    }
    this.dirIndex();
    const proxy = this.state.proxy;
    if (proxy) this.proxied(proxy.url, proxy.path, proxy.by);
    this.handler();
  }

  private answerTrace(): never {
    const te = this.serverDirective('traceenable');
    const mode = this.traceEnable();
    if (mode === 'off') {
      this.step(te?.node ?? null, 'TraceEnable off: TRACE gets 405 with an empty Allow, before any section is read');
      this.fail(405, 'trace', '', this.topSections());
    }
    this.step(te?.node ?? null, `TRACE is answered by the core (TraceEnable ${mode}): 200, the request echoed, before any section is read`);
    this.finish(200, 'trace');
  }

  // ---- translate_name ----

  private serverRewrite(): void {
    const st = this.state;
    if (st.rewriteEnded) return;
    const set = this.serverRuleSet();
    if (!set) return;
    const result = this.applyRules(set, st.uri);
    if (result === null) return;
    if (result.kind === 'path') {
      if (result.passThrough) {
        st.uri = result.path;
        return;
      }
      // A substitution whose first segment exists on disk is a file path, else a URL path under DocumentRoot.
      const first = `/${result.path.split('/')[1] ?? ''}`;
      if (first !== '/' && this.kind(first) !== 'missing') st.filename = result.path;
      else st.filename = this.docroot() + result.path;
    }
  }

  private serverRuleSet(): RuleSet | null {
    const own = this.server.top;
    const engine = own.directives.findLast((d) => d.name === 'rewriteengine');
    if (!engine || (engine.node.args[0] ?? '').toLowerCase() !== 'on') return null;
    let rules = rulesOf(own.directives);
    const options = own.directives.findLast((d) => d.name === 'rewriteoptions')?.node.args.map((a) => a.toLowerCase()) ?? [];
    if (this.server.vhost && (options.includes('inherit') || options.includes('inheritbefore'))) {
      const parent = rulesOf(this.model.main.top.directives);
      rules = options.includes('inheritbefore') ? [...parent, ...rules] : [...rules, ...parent];
    }
    return rules.length > 0 ? { rules, directory: null, base: null, section: own } : null;
  }

  private proxyPass(): void {
    const st = this.state;
    const list = [...(this.server.vhost ? this.model.main.top.directives : []), ...this.server.top.directives].filter((d) => d.name === 'proxypass');
    // ProxyPass inside <Location> takes the location's path.
    for (const loc of this.sectionsOf((s) => s.locations)) {
      if (loc.regex) continue;
      for (const d of loc.directives) if (d.name === 'proxypass') list.push({ ...d, node: copyNode(d.node, { args: [loc.match, ...d.node.args] }) });
    }
    for (const d of list) {
      const [path = '', url = ''] = d.node.args;
      if (!prefixMatch(path, st.uri, false)) continue;
      if (url === '!') {
        this.step(d.node, `${st.uri} is excluded from proxying`);
        return;
      }
      const rest = st.uri.slice(path.length);
      const authority = /^[a-z]+:\/\/([^/]*)/i.exec(url)?.[1];
      const joined = /^[a-z]+:\/\/([^/]*)/i.exec(url + rest)?.[1];
      if (authority !== joined) {
        // Found out only when the proxy handler connects, after the access checks and fixups.
        st.proxy = { url: url + rest, path: '', by: d.node, broken: `${url} and ${rest} join into the host ${joined}: the lookup fails, 500` };
        this.step(d.node, `${st.uri} is proxied to ${url}${rest}`);
        return;
      }
      const backend = /^[a-z]+:\/\/[^/]*(.*)$/i.exec(url);
      const backendPath = `${backend?.[1] ?? ''}${rest}${st.hasArgs ? `?${st.args}` : ''}`;
      st.proxy = { url, path: backendPath, by: d.node };
      this.step(d.node, `${st.uri} is proxied to ${url}`);
      return;
    }
  }

  private aliases(): void {
    const st = this.state;
    const own = (s: ApacheServer): Scoped[] => s.top.directives;
    const list = [...own(this.server), ...(this.server.vhost ? own(this.model.main) : [])];
    for (const d of list) {
      if (d.name === 'redirect' || d.name === 'redirectmatch' || d.name === 'redirectpermanent' || d.name === 'redirecttemp') this.redirect(d);
    }
    for (const d of list) {
      if (d.name !== 'alias' && d.name !== 'scriptalias' && d.name !== 'aliasmatch' && d.name !== 'scriptaliasmatch') continue;
      const [from = '', to = ''] = d.node.args;
      if (d.name.endsWith('match')) {
        const re = compilePcre(from, false);
        const m = re.ok ? execPcre(re, st.uri) : undefined;
        if (m === undefined) {
          if (this.unknown(`${show(d.node)} matches ${st.uri}`)) this.finish(null, 'rewrite');
          continue;
        }
        if (!m) continue;
        st.filename = to.replace(/\$(\d)/g, (_x, n: string) => m.captures[Number(n)] ?? '');
      } else {
        if (!prefixMatch(from, st.uri, true)) continue;
        st.filename = to + st.uri.slice(from.length);
      }
      st.scriptAliased = d.name.startsWith('script');
      this.step(d.node, `${st.uri} maps to ${st.filename}${st.scriptAliased ? ', run as a CGI program' : ''}`);
      return;
    }
  }

  /** mod_alias Redirect and RedirectMatch, in server context (translate) or per directory (fixup). */
  private redirect(d: Scoped): void {
    const st = this.state;
    const args = [...d.node.args];
    let status = d.name === 'redirectpermanent' ? 301 : 302;
    const first = (args[0] ?? '').toLowerCase();
    if (d.name === 'redirect' || d.name === 'redirectmatch') {
      if (REDIRECT_NAMES[first] !== undefined) {
        status = REDIRECT_NAMES[first]!;
        args.shift();
      } else if (/^\d{3}$/.test(first)) {
        status = Number(first);
        args.shift();
      }
    }
    const [from = '', to = ''] = args;
    let target: string;
    if (d.name === 'redirectmatch') {
      const re = compilePcre(from, false);
      const m = re.ok ? execPcre(re, st.uri) : undefined;
      if (m === undefined) {
        if (this.unknown(`${show(d.node)} matches ${st.uri}`)) this.finish(null, 'alias-redirect');
        return;
      }
      if (!m) return;
      target = to.replace(/\$(\d)/g, (_x, n: string) => m.captures[Number(n)] ?? '');
    } else {
      if (!prefixMatch(from, st.uri, true)) return;
      target = to + st.uri.slice(from.length);
    }
    if (status < 300 || status >= 400) {
      this.step(d.node, `${st.uri} is answered with ${status}`);
      this.fail(status, 'alias-redirect');
    }
    const location = this.absoluteUrl(target + (st.hasArgs ? `?${st.args}` : ''));
    this.step(d.node, `${status} to ${location}${this.method !== 'GET' && this.method !== 'HEAD' && status < 307 ? `: the client sends the ${this.method} again as a GET, without its body` : ''}`);
    this.finish(status, 'alias-redirect', { location });
  }

  /** A URL Apache builds for Location: the Host the client sent, the port only when it is not 80. */
  private absoluteUrl(target: string): string {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return target;
    const name = this.host || this.server.names[0] || this.model.main.names[0] || 'localhost';
    const port = this.hostPort ?? serverNamePort(this.serverDirective('servername')?.node.args[0]);
    return `http://${name}${port !== null && port !== 80 ? `:${port}` : ''}${target}`;
  }

  // ---- map_to_storage: the walks ----

  private proxySections(url: string): ApacheSection[] {
    const out: ApacheSection[] = [];
    for (const p of this.sectionsOf((s) => s.proxies)) {
      if (p.regex) {
        const re = compilePcre(p.match, false);
        const m = re.ok ? execPcre(re, url) : undefined;
        if (m === undefined ? this.unknown(`${show(p.node!)} matches ${url}`) : m) out.push(p);
      } else if (url.startsWith(p.match) || globMatch(p.match, url)) out.push(p);
    }
    return out;
  }

  /** The <Directory> walk with each directory's .htaccess, then regex directories and <Files>. */
  private directoryWalk(): ApacheSection[] {
    const st = this.state;
    const filename = st.filename!;
    const merged: ApacheSection[] = [...this.topSections()];
    const dirs = sortDirectories(this.sectionsOf((s) => s.directories));
    const plain = dirs.filter((d) => !d.regex);
    // The existing directories along the path, then the file (or what does not exist).
    const parts = filename.split('/').filter(Boolean);
    const levels: string[] = ['/'];
    let kind: FileKind = 'dir';
    let at = 0;
    for (; at < parts.length; at++) {
      const path = `/${parts.slice(0, at + 1).join('/')}`;
      kind = this.kind(path);
      if (kind !== 'dir') break;
      levels.push(path);
    }
    st.filename = at < parts.length ? `/${parts.slice(0, at + 1).join('/')}` : filename.length > 1 ? stripSlash(filename) : '/';
    st.pathInfo = at < parts.length - 1 ? `/${parts.slice(at + 1).join('/')}${filename.endsWith('/') ? '/' : ''}` : '';
    if (at >= parts.length && filename.endsWith('/') && filename.length > 1) st.filename = `${st.filename}/`;
    st.kind = at >= parts.length ? 'dir' : kind;
    let override = this.overrideOf(merged);
    levels.forEach((dir, depth) => {
      for (const d of plain) {
        if (d.depth !== depth) continue;
        if (d.match === dir || (/[*?[]/.test(d.match) && globMatch(d.match, dir, true))) {
          merged.push(d);
          this.step(d.node, `applies to ${dir}`);
        }
      }
      override = this.overrideOf(merged);
      if (override === null) return;
      const ht = this.model.htaccess(dir);
      if (!ht) return;
      merged.push(this.checkHtaccess(ht, override, dir));
    });
    const dirPath = st.kind === 'dir' ? stripSlash(st.filename) || '/' : st.filename.slice(0, st.filename.lastIndexOf('/')) || '/';
    for (const d of dirs) {
      if (!d.regex) continue;
      const re = compilePcre(d.match, false);
      const m = re.ok ? execPcre(re, dirPath) : undefined;
      const hit = m === undefined ? this.unknown(`${show(d.node!)} matches ${dirPath}`) : m !== null;
      if (hit) {
        merged.push(d);
        this.step(d.node, `applies to ${dirPath}`);
      }
    }
    // <Files>: the server's own, then those inside the sections merged so far, matched against the last path part.
    const base = stripSlash(st.filename).split('/').pop() ?? '';
    const files = [...this.sectionsOf((s) => s.files), ...merged.flatMap((s) => s.files)];
    for (const f of files) {
      const hit = f.regex ? this.regexHit(f, base) : globMatch(f.match.replace(/^\//, ''), base);
      if (hit) {
        merged.push(f);
        this.step(f.node, `applies to ${base}`);
      }
    }
    return merged;
  }

  private regexHit(s: ApacheSection, subject: string): boolean {
    const re = compilePcre(s.match, false);
    const m = re.ok ? execPcre(re, subject) : undefined;
    return m === undefined ? this.unknown(`${show(s.node!)} matches ${subject}`) : m !== null;
  }

  /** AllowOverride in force: the classes, or null for None (the .htaccess is not even opened). */
  private overrideOf(sections: readonly ApacheSection[]): { classes: OverrideClass[]; nonfatal: Set<string> } | null {
    const d = lastOf(sections.filter((s) => s.kind === 'directory'), 'allowoverride');
    const list = lastOf(sections.filter((s) => s.kind === 'directory'), 'allowoverridelist');
    const words = d?.node.args ?? ['None'];
    const classes = new Set<OverrideClass>();
    const nonfatal = new Set<string>();
    for (const w of words) {
      const [name = '', value = ''] = w.split('=');
      const lower = name.toLowerCase();
      if (lower === 'all') OVERRIDE_CLASSES.forEach((c) => classes.add(c));
      else if (lower === 'nonfatal') value.split(',').forEach((v) => nonfatal.add(v.toLowerCase()));
      else {
        const c = OVERRIDE_CLASSES.find((x) => x.toLowerCase() === lower);
        if (c) classes.add(c);
      }
    }
    if (classes.size === 0 && !(list && list.node.args[0]?.toLowerCase() !== 'none')) return null;
    return { classes: [...classes], nonfatal };
  }

  /** A .htaccess Apache cannot read answers 500 for everything under it. */
  private checkHtaccess(ht: ApacheSection, override: { classes: OverrideClass[]; nonfatal: Set<string> }, dir: string): ApacheSection {
    const file = ht.file!;
    const lenient = (what: string): boolean => override.nonfatal.has(what) || override.nonfatal.has('all');
    const error = (at: Directive | null, why: string): never => {
      this.step(at, `${file.file}: ${why.replace(/\.$/, '')}: 500 for every request under ${dir}`);
      this.finish(500, 'htaccess');
    };
    if (file.errors.length > 0) error(null, file.errors[0]!.message);
    const problems = apacheContextProblems({ status: 'ok', errors: [], warnings: [], config: [file] }, { allowOverride: override.classes });
    if (problems.length > 0 && !lenient('override')) error(problems[0]!.node, problems[0]!.message.replace(/:.*/, ''));
    const ignored = new Set(problems.map((p) => p.node));
    for (const n of ignored) this.step(n, 'forbidden by AllowOverride, and ignored (Nonfatal=Override)');
    const check = (nodes: readonly Directive[]): void => {
      for (const n of nodes) {
        if (n.directive === '#' || ignored.has(n)) continue;
        const info = apacheDirective(n.section ? `<${n.directive}` : n.directive);
        if (!info && !lenient('unknown')) error(n, `Invalid command '${n.directive}'`);
        const lower = (n.lower ?? n.directive.toLowerCase());
        if ((lower === 'limit' || lower === 'limitexcept') && n.args.some((m) => !this.model.registered.has(m))) {
          error(n, `Could not register method '${n.args.find((m) => !this.model.registered.has(m))}' for <Limit from .htaccess configuration`);
        }
        if (n.block) check(n.block);
      }
    };
    check(file.parsed);
    this.step(null, `${file.file} is read (AllowOverride ${override.classes.join(' ') || 'None'})`);
    return ignored.size > 0 ? this.model.htaccess(dir, ignored)! : ht;
  }

  private locationSections(): ApacheSection[] {
    const uri = this.state.uri;
    const out: ApacheSection[] = [];
    for (const l of this.sectionsOf((s) => s.locations)) {
      const hit = l.regex ? this.regexHit(l, uri) : /[*?[]/.test(l.match) ? globMatch(l.match, uri, true) || prefixMatch(l.match, uri, true) : prefixMatch(l.match, uri, true);
      if (hit) {
        out.push(l);
        this.step(l.node, `applies to ${uri}`);
      }
    }
    return out;
  }

  /** <If>/<ElseIf>/<Else> of every merged section, in merge order. */
  private ifSections(merged: readonly ApacheSection[]): ApacheSection[] {
    const chains = [this.sectionsOf((s) => s.ifs), ...merged.map((s) => s.ifs)];
    const out: ApacheSection[] = [];
    for (const list of chains) {
      let taken = false;
      for (const s of list) {
        if (s.kind === 'if') taken = false;
        if (taken) continue;
        const holds = s.kind === 'else' ? true : this.expr(s.match, s.node!);
        if (holds) {
          taken = true;
          out.push(s, ...s.files);
          this.step(s.node, 'applies');
        }
      }
    }
    return out;
  }

  // ---- access ----

  private access(): void {
    const st = this.state;
    const method = this.method;
    const allowMethods = lastOf(st.sections, 'allowmethods');
    // TRACE reaches this only when proxied: otherwise the core answered it already.
    if (allowMethods && (allowMethods.node.args[0] ?? '').toLowerCase() !== 'reset') {
      const list = allowMethods.node.args.map((m) => (m === 'HEAD' ? 'GET' : m));
      if (!list.includes(method === 'HEAD' ? 'GET' : method)) {
        this.step(allowMethods.node, `${method} is not listed: 405, and Allow lists only ${this.traceEnable() === 'off' ? 'nothing' : 'TRACE'} (mod_allowmethods runs before any handler)`);
        this.fail(405, 'allowmethods', this.traceEnable() === 'off' ? '' : 'TRACE');
      }
    }
    const satisfy = lastOf(st.sections, 'satisfy', (d) => hasMethod(d.methods, method));
    const any = (satisfy?.node.args[0] ?? '').toLowerCase() === 'any';
    const compat = this.accessCompat();
    if (any && compat === true) return;
    if (!any && compat === false) this.fail(403, 'authz');
    const authz = this.mergedAuthz();
    if (!authz) {
      if (any && compat === false) this.fail(403, 'authz');
      return;
    }
    const result = this.authz(authz.node, 'all', true);
    if (result === 'granted') {
      if (authz.by) this.step(authz.by, `the Require lines in force grant ${method}`);
      return;
    }
    if (result === 'denied') {
      this.step(authz.by, `the Require lines in force refuse ${method}: 403`);
      this.fail(403, 'authz');
    }
    const authType = lastOf(st.sections, 'authtype');
    if (authType && (authType.node.args[0] ?? '').toLowerCase() !== 'none') {
      this.step(authz.by, `${method} needs a user: 401`);
      this.fail(401, 'authz');
    }
    this.step(authz.by, `${method} needs a user, and no AuthType is set: 500`);
    this.fail(500, 'authz');
  }

  /** mod_access_compat (Order, Allow, Deny): true allowed, false denied, undefined when it is not used. */
  private accessCompat(): boolean | undefined {
    const method = this.method;
    const sections = this.state.sections;
    const owner = sections.findLast((s) => s.directives.some((d) => (d.name === 'allow' || d.name === 'deny') && (d.node.args[0] ?? '').toLowerCase() === 'from'));
    const order = lastOf(sections, 'order', (d) => hasMethod(d.methods, method));
    if (!owner && !order) return undefined;
    const mode = (order?.node.args[0] ?? 'deny,allow').toLowerCase().replace(/\s/g, '');
    const lines = owner ? owner.directives.filter((d) => (d.name === 'allow' || d.name === 'deny') && hasMethod(d.methods, method)) : [];
    const matches = (d: Scoped): boolean => d.node.args.slice(1).some((w) => this.clientIs(w, d.node));
    const allowed = lines.some((d) => d.name === 'allow' && matches(d));
    const denied = lines.some((d) => d.name === 'deny' && matches(d));
    const ok = mode === 'deny,allow' ? allowed || !denied : allowed && !denied;
    const at = (denied ? lines.find((d) => d.name === 'deny') : order)?.node ?? null;
    this.step(at, ok ? `${method} passes Order ${mode}` : `${method} is denied by Order ${mode}: 403`);
    return ok;
  }

  /** Whether the client matches an Allow/Deny/Require ip word. */
  private clientIs(word: string, at: Directive): boolean {
    const w = word.toLowerCase();
    if (w === 'all') return true;
    if (w.startsWith('env=')) return this.unknown(`${word} is set for this request`);
    const client = this.request.client;
    if (!/^[\d.]+(\/\d+)?$/.test(w) && !/^[\d.]+\/[\d.]+$/.test(w)) return this.unknown(`the client is ${word} (${show(at)})`);
    // Not knowing who the client is, is not a gap in reading the config: both ways are answers (nginx's allow/deny fork the same way).
    if (client === undefined) return this.choose(2, (t) => `the client address ${t === 0 ? 'is' : 'is not'} in ${word}`, false) === 0;
    return ipMatch(w, client);
  }

  /** The authorization in force after merging (AuthMerging), with the Require line to name. */
  private mergedAuthz(): { node: AuthzNode; by: Directive | null } | null {
    let current: AuthzNode | null = null;
    let by: Directive | null = null;
    for (const s of this.state.sections) {
      if (!s.authz) continue;
      const merging = (s.directives.findLast((d) => d.name === 'authmerging')?.node.args[0] ?? 'off').toLowerCase();
      if (current && (merging === 'and' || merging === 'or')) current = { kind: merging === 'and' ? 'all' : 'any', node: null, methods: ALL_METHODS, children: [current, s.authz] };
      else current = s.authz;
      by = firstRequire(s.authz) ?? by;
    }
    return current ? { node: current, by } : null;
  }

  private authz(node: AuthzNode, parent: 'all' | 'any' | 'none', top = false): AuthzResult {
    const method = this.method;
    if (node.kind === 'require') {
      if (!hasMethod(node.methods, method)) return parent === 'all' ? 'granted' : 'neutral';
      const r = this.provider(node);
      if (!node.negated) return r;
      return r === 'granted' ? 'denied' : r === 'denied' ? 'neutral' : r;
    }
    // The implicit section of a context covers only the methods its lines name.
    if (top && node.node === null && node.children.length > 0 && node.children.every((c) => c.kind === 'require' || c.node !== null)) {
      if (!node.children.some((c) => hasMethod(c.methods, method))) return 'granted';
    } else if (!hasMethod(node.methods, method)) return parent === 'all' ? 'granted' : 'neutral';
    const results = node.children.map((c) => this.authz(c, node.kind));
    if (node.kind === 'all') {
      if (results.includes('denied')) return 'denied';
      if (results.includes('no-user')) return 'no-user';
      return results.includes('granted') ? 'granted' : 'neutral';
    }
    const or: AuthzResult = results.includes('granted') ? 'granted' : results.includes('no-user') ? 'no-user' : results.includes('denied') ? 'denied' : 'neutral';
    if (node.kind === 'any') return or;
    return or === 'granted' ? 'denied' : 'neutral';
  }

  private provider(node: Extract<AuthzNode, { kind: 'require' }>): AuthzResult {
    const args = node.args;
    switch (node.provider) {
      case 'all':
        return args[0] === 'granted' ? 'granted' : 'denied';
      case 'method':
        return args.some((m) => m === this.method || (m === 'GET' && this.method === 'HEAD') || (m === 'HEAD' && this.method === 'GET')) ? 'granted' : 'denied';
      case 'ip':
        return args.some((w) => this.clientIs(w, node.node)) ? 'granted' : 'denied';
      case 'local': {
        const c = this.request.client;
        if (c === undefined) return this.choose(2, (t) => `the client address ${t === 0 ? 'is' : 'is not'} local`, false) === 0 ? 'granted' : 'denied';
        return c === '127.0.0.1' || c === '::1' ? 'granted' : 'denied';
      }
      case 'valid-user':
      case 'user':
      case 'group':
        return 'no-user';
      case 'expr':
        return this.expr(args.join(' '), node.node) ? 'granted' : 'denied';
      default:
        return this.unknown(`${show(node.node)} admits the client`) ? 'granted' : 'denied';
    }
  }

  // ---- fixups ----

  /** The per-directory rule set in force: the last merged section with mod_rewrite directives, RewriteOptions Inherit followed. */
  private dirRuleSet(): RuleSet | null {
    let on = false;
    let set = null as RuleSet | null;
    for (const s of this.state.sections) {
      if (s.kind === 'server') continue;
      const own = s.directives.filter((d) => REWRITE_DIRECTIVES.has(d.name));
      if (own.length === 0) continue;
      const engine = own.findLast((d) => d.name === 'rewriteengine');
      if (engine) on = (engine.node.args[0] ?? '').toLowerCase() === 'on';
      const options = own.findLast((d) => d.name === 'rewriteoptions')?.node.args.map((a) => a.toLowerCase()) ?? [];
      let rules = rulesOf(own);
      if (set && options.includes('inherit')) rules = [...rules, ...set.rules];
      else if (set && options.includes('inheritbefore')) rules = [...set.rules, ...rules];
      const base = own.findLast((d) => d.name === 'rewritebase')?.node.args[0] ?? null;
      const directory = s.kind === 'htaccess' ? `${stripSlash(s.file!.file.slice(0, s.file!.file.lastIndexOf('/')))}/` : (s.kind === 'directory' || s.kind === 'location') && !s.regex ? `${stripSlash(s.match)}/` : null;
      set = { rules, directory, base, section: s };
    }
    return on && set && set.rules.length > 0 ? set : null;
  }

  /** Per-directory mod_rewrite: answers itself, or gives the internal redirect to make in the handler phase. */
  private dirRewrite(): Restart | null {
    const st = this.state;
    if (st.rewriteEnded) return null;
    const set = this.dirRuleSet();
    if (!set) return null;
    if (set.directory === null) {
      if (this.unknown(`the rules of ${show(set.section.node!)} leave ${st.uri} alone`)) return null;
      this.finish(null, 'rewrite');
    }
    const options = lastOf(st.sections, 'rewriteoptions')?.node.args.map((a) => a.toLowerCase()) ?? [];
    // A request for the rule set's own directory without its slash is left to mod_dir (RewriteOptions AllowNoSlash).
    if (st.kind === 'dir' && st.pathInfo === '' && !st.uri.endsWith('/') && `${stripSlash(st.filename!)}/` === set.directory && !options.includes('allownoslash')) {
      this.step(set.rules[0]!.node, `${st.uri} is a directory without its slash: mod_rewrite leaves it to mod_dir`);
      return null;
    }
    // In <Location>, the "directory" is the URL path, which the file name (or proxy:URL) seldom starts with.
    const full = st.proxy ? `proxy:${st.proxy.url.replace(/^([a-z]+:\/\/[^/]*).*$/i, '$1')}${st.proxy.path}` : st.filename! + st.pathInfo;
    if (set.section.kind !== 'location' && !full.startsWith(set.directory)) return null;
    const subject = full.startsWith(set.directory) ? full.slice(set.directory.length) : full;
    const result = this.applyRules(set, subject);
    if (result === null) return null;
    if (set.section.kind === 'location' || st.proxy) {
      if (this.unknown(`where ${show(result.rule.node)} in ${show(set.section.node)} sends the request`)) return null;
      this.finish(null, 'rewrite');
    }
    {
      let path = result.path;
      if (!path.startsWith('/')) {
        // Relative: the per-directory prefix comes back, then RewriteBase (or DocumentRoot) turns it into a URL.
        if (set.base !== null) path = `${stripSlash(set.base)}/${path}`;
        else {
          const docroot = this.docroot();
          const physical = set.directory + path;
          if (!physical.startsWith(`${docroot}/`)) {
            if (this.unknown(`${physical} is reached by URL without a RewriteBase`)) this.finish(null, 'rewrite');
          }
          path = physical.slice(docroot.length);
        }
      }
      if (path === st.uri && result.args === null) {
        this.step(result.rule.node, 'the rewritten URL is the one requested: nothing happens');
        return null;
      }
      const args = result.args ?? (st.hasArgs ? st.args : '');
      const dav = lastOf(st.sections, 'dav');
      if (dav && (dav.node.args[0] ?? '').toLowerCase() !== 'off' && !['GET', 'HEAD', 'POST'].includes(this.method) && this.unknown(`mod_dav lets ${show(result.rule.node)} redirect the ${this.method}`)) {
        this.finish(null, 'dav');
      }
      this.step(result.rule.node, `internal redirect to ${path}${args ? `?${args}` : ''} (the ${this.method} and its body go along)`);
      return new Restart(path, args);
    }
  }

  private dirRedirect(): void {
    for (const s of this.state.sections) {
      if (s.kind === 'server') continue;
      for (const d of s.directives) {
        if (d.name === 'redirect' || d.name === 'redirectmatch' || d.name === 'redirectpermanent' || d.name === 'redirecttemp') this.redirect(d);
      }
    }
  }

  /** mod_dir: a directory asked for without its slash gets a 301 (DirectorySlash). */
  private dirSlash(): void {
    const st = this.state;
    if (st.kind !== 'dir' || st.pathInfo !== '') return;
    if (!st.uri.endsWith('/')) {
      const slash = lastOf(st.sections, 'directoryslash');
      if (slash && (slash.node.args[0] ?? '').toLowerCase() === 'off') {
        this.step(slash.node, 'DirectorySlash Off: no redirect');
        return;
      }
      if (this.method !== 'GET' && this.method !== 'HEAD' && this.redirectCarefully()) {
        this.step(null, `redirect-carefully is set: mod_dir does not redirect the ${this.method}`);
        return;
      }
      const location = this.absoluteUrl(`${st.uri}/${st.hasArgs ? `?${st.args}` : ''}`);
      this.step(slash?.node ?? null, `${st.uri} is a directory: mod_dir answers 301 to ${location}${this.method !== 'GET' && this.method !== 'HEAD' ? `, and the client sends the ${this.method} again as a GET without its body` : ''}`);
      this.finish(301, 'dir-slash', { location });
    }
  }

  /** mod_dir: a directory with its slash is served by its first index file a GET sub-request can reach. */
  private dirIndex(): void {
    const st = this.state;
    if (st.kind !== 'dir' || st.pathInfo !== '' || !st.uri.endsWith('/')) return;
    const index = lastOf(st.sections, 'directoryindex');
    const names = index ? index.node.args : ['index.html'];
    if (names.length === 1 && names[0]!.toLowerCase() === 'disabled') return;
    let failed: number | null = null;
    for (const name of names) {
      if (name.startsWith('/')) {
        if (this.unknown(`${name} answers for ${st.uri}`)) this.finish(null, 'index');
        continue;
      }
      // mod_dir looks each name up with a GET sub-request, whether the file exists or not; the
      // sub-request is translated afresh (server-context rewrites included) and may land elsewhere.
      this.step(index?.node ?? null, `mod_dir looks for the index ${name} with a GET sub-request`);
      const sub = this.indexSubrequest(`${st.uri}${name}`);
      if (typeof sub === 'number') {
        this.step(index?.node ?? null, `the GET sub-request for the index ${name} gets ${sub}`);
        if (sub !== 404) failed = sub;
        continue;
      }
      if (sub.proxy === null && sub.kind !== 'file') {
        this.step(index?.node ?? null, `there is no ${name}`);
        continue;
      }
      this.step(index?.node ?? null, `${st.uri} is served by its index ${name}${sub.filename !== `${stripSlash(st.filename!)}/${name}` ? ` (${sub.proxy ? sub.proxy.url : sub.filename})` : ''}`);
      this.state = { ...sub, args: st.args, hasArgs: st.hasArgs, redirects: st.redirects, redirected: st.redirected, rewriteEnded: st.rewriteEnded };
      return;
    }
    if (failed !== null) this.fail(failed, 'index');
  }

  /** mod_dir's GET sub-request for an index: its state after the walks, or the status it failed with. */
  private indexSubrequest(uri: string): State | number {
    const saved = { state: this.state, method: this.method, registered: this.registered, subrequest: this.subrequest };
    this.state = { ...saved.state, uri, hasArgs: false, args: '', filename: null, pathInfo: '', kind: 'missing', scriptAliased: false, proxy: null, sections: [] };
    this.method = 'GET';
    this.registered = true;
    this.subrequest = true;
    const sub = this.state;
    try {
      this.translate();
      if (sub.proxy) sub.sections = [...this.topSections(), ...this.proxySections(sub.proxy.url)];
      else sub.sections = this.directoryWalk();
      sub.sections.push(...this.locationSections());
      sub.sections.push(...this.ifSections(sub.sections));
      if (sameConfig(saved.state.sections, sub.sections, sub.kind)) return sub;
      this.access();
      return sub;
    } catch (e) {
      if (!(e instanceof Done) || e.branch.status === null) throw e;
      return e.branch.status;
    } finally {
      this.state = saved.state;
      this.method = saved.method;
      this.registered = saved.registered;
      this.subrequest = saved.subrequest;
    }
  }

  private redirectCarefully(): boolean {
    for (const s of this.state.sections) {
      for (const d of s.directives) {
        if (d.name !== 'setenvif' && d.name !== 'setenvifnocase') continue;
        const [attr = '', pattern = '', ...vars] = d.node.args;
        if (attr.toLowerCase() !== 'request_method' || !vars.some((v) => v.toLowerCase() === 'redirect-carefully')) continue;
        const re = compilePcre(pattern, d.name === 'setenvifnocase');
        const m = re.ok ? execPcre(re, this.method) : undefined;
        if (m === undefined ? this.unknown(`${show(d.node)} matches ${this.method}`) : m !== null) return true;
      }
    }
    return false;
  }

  // ---- the handler ----

  private handler(): never {
    const st = this.state;
    const method = this.method;
    const handler = this.handlerName();
    if (handler === 'cgi-script') this.cgi();
    if (handler.startsWith('proxy:')) this.proxied(handler.slice('proxy:'.length), st.uri, lastOf(st.sections, 'sethandler')?.node ?? null, 'php');
    if (/php/.test(handler)) {
      if (st.kind !== 'file') this.fail(404, 'default-handler');
      this.finish(null, 'upstream', { upstream: { module: 'php', url: st.filename!, method, path: st.uri, body: true } });
    }
    if (handler !== '' && handler !== 'default-handler' && handler !== 'none') {
      if (this.unknown(`the handler ${handler} answers`)) this.finish(null, 'default-handler');
    }
    const dav = lastOf(st.sections, 'dav');
    if (dav && (dav.node.args[0] ?? '').toLowerCase() !== 'off' && DAV_METHODS.has(method)) this.dav(dav.node);
    if (dav && (dav.node.args[0] ?? '').toLowerCase() !== 'off' && !['GET', 'HEAD', 'POST'].includes(method)) {
      if (this.unknown(`mod_dav's answer to ${method}`)) this.finish(null, 'dav');
    }
    const script = lastOf(st.sections, 'script', (d) => d.node.args[0] === method);
    if (script && (method !== 'GET' || st.hasArgs)) {
      if (st.pathInfo !== '' && !this.unknown(`Script runs for ${st.filename} with path info ${st.pathInfo}`)) this.defaultHandler();
      this.step(script.node, `Script hands the ${method} to ${script.node.args[1]}`);
      this.finish(null, 'upstream', { upstream: { module: 'cgi', url: script.node.args[1] ?? '', method, path: st.uri, body: true } });
    }
    this.defaultHandler();
  }

  private handlerName(): string {
    const st = this.state;
    if (st.scriptAliased) return 'cgi-script';
    const set = lastOf(st.sections, 'sethandler');
    if (set) return (set.node.args[0] ?? '').toLowerCase();
    if (st.kind === 'dir') return '';
    const base = stripSlash(st.filename!).split('/').pop() ?? '';
    const exts = base.split('.').slice(1).map((e) => e.toLowerCase());
    let handler = '';
    for (const s of st.sections) {
      for (const d of s.directives) {
        if (d.name === 'addhandler' && d.node.args.slice(1).some((e) => exts.includes(e.replace(/^\./, '').toLowerCase()))) handler = (d.node.args[0] ?? '').toLowerCase();
        if (d.name === 'removehandler' && d.node.args.some((e) => exts.includes(e.replace(/^\./, '').toLowerCase()))) handler = '';
      }
    }
    return handler;
  }

  private cgi(): never {
    const st = this.state;
    const options = this.options();
    if (!st.scriptAliased && !options.has('execcgi')) {
      this.step(null, 'Options ExecCGI is off in this directory: 403');
      this.fail(403, 'default-handler');
    }
    if (st.kind === 'missing') {
      this.step(null, `${st.filename} does not exist: 404`);
      this.fail(404, 'default-handler');
    }
    if (st.kind === 'dir') this.fail(403, 'default-handler');
    this.step(null, `${st.filename} runs as a CGI program and gets the ${this.method}`);
    this.finish(null, 'upstream', { upstream: { module: 'cgi', url: st.filename!, method: this.method, path: st.uri, body: true } });
  }

  private options(): Set<string> {
    const out = new Set<string>(['followsymlinks']);
    for (const s of this.state.sections) {
      for (const d of s.directives) {
        if (d.name !== 'options') continue;
        const words = d.node.args.map((w) => w.toLowerCase());
        if (!words.some((w) => /^[+-]/.test(w))) out.clear();
        for (const w of words) {
          const name = w.replace(/^[+-]/, '');
          const all = name === 'all' ? ['indexes', 'includes', 'followsymlinks', 'execcgi'] : [name];
          for (const n of all) {
            if (w.startsWith('-')) out.delete(n);
            else if (n !== 'none') out.add(n);
          }
        }
      }
    }
    return out;
  }

  private proxied(url: string, path: string, by: Directive | null, module = 'proxy'): never {
    const broken = this.state.proxy?.broken;
    if (broken && module === 'proxy' && this.state.proxy?.url === url) {
      this.step(by, broken);
      this.fail(500, 'handler');
    }
    this.step(by, `the backend gets the ${this.method}`);
    this.finish(null, 'upstream', { upstream: { module, url, method: this.method, path, body: true } });
  }

  private dav(by: Directive): never {
    const st = this.state;
    const method = this.method;
    const kind = st.kind;
    this.step(by, `mod_dav answers the ${method}`);
    if (method === 'OPTIONS') {
      if (kind === 'missing') {
        if (this.unknown('mod_dav answers OPTIONS on a missing resource with 200')) this.finish(200, 'dav');
        this.finish(null, 'dav');
      }
      this.finish(200, 'dav', { allow: kind === 'dir' ? DAV_ALLOW_DIR : DAV_ALLOW_FILE });
    }
    if (method === 'PUT' && kind === 'missing' && st.pathInfo === '') this.finish(201, 'dav');
    if (method === 'PUT' && kind === 'file') this.finish(204, 'dav');
    if (method === 'DELETE' && kind !== 'missing') this.finish(204, 'dav');
    if ((method === 'DELETE' || method === 'PROPFIND') && kind === 'missing') this.fail(404, 'dav');
    if (method === 'PROPFIND') this.finish(207, 'dav');
    if (method === 'MKCOL' && kind !== 'missing') this.fail(405, 'dav', this.allowList(DAV_ALLOW_DIR.split(',').filter((m) => m !== 'TRACE')));
    if (this.unknown(`mod_dav's answer to ${method}`)) this.finish(null, 'dav');
    this.finish(null, 'dav');
  }

  private defaultHandler(): never {
    const st = this.state;
    const method = this.method;
    const allowed = DEFAULT_ALLOW;
    if (method === 'GET' || method === 'HEAD' || method === 'POST') {
      if (st.kind === 'missing') {
        this.step(null, `${st.filename} does not exist: 404`);
        this.fail(404, 'default-handler');
      }
      if (st.kind === 'dir') {
        this.step(null, `${st.filename} is a directory without an index: 404`);
        this.fail(404, 'default-handler');
      }
      if (st.pathInfo !== '') {
        this.step(null, `${st.filename} takes no path info: 404`);
        this.fail(404, 'default-handler');
      }
      this.step(null, method === 'POST' ? `the default handler serves ${st.filename}, and the POST body is thrown away` : `the default handler serves ${st.filename}`);
      this.finish(200, 'default-handler');
    }
    if (!this.registered) {
      this.step(null, `${method} is not a registered method: 501`);
      this.fail(501, 'default-handler', this.allowList(allowed));
    }
    if (method === 'OPTIONS') {
      this.step(null, 'the default handler answers OPTIONS with 200 and its Allow list');
      this.finish(200, 'default-handler', { allow: this.allowList(allowed) });
    }
    this.step(null, `the default handler serves GET, HEAD, POST and OPTIONS only: ${method} gets 405`);
    this.fail(405, 'default-handler', this.allowList(allowed));
  }

  // ---- mod_rewrite ----

  /** Runs a rule set on `subject`. null: nothing changed the request; else where it goes. Redirects and statuses end the run here. */
  private applyRules(set: RuleSet, subject: string): { kind: 'path'; path: string; args: string | null; passThrough: boolean; rule: Rule } | null {
    const st = this.state;
    let current = subject;
    let args: string | null = null;
    let changed: Rule | null = null;
    let passThrough = false;
    let skip = 0;
    let chainFailed = false;
    for (let i = 0; i < set.rules.length; i++) {
      const rule = set.rules[i]!;
      if (skip > 0) {
        skip--;
        continue;
      }
      if (chainFailed) {
        chainFailed = rule.flags.has('c');
        continue;
      }
      if (rule.flags.has('n')) {
        if (this.unknown(`${show(rule.node)} ([N]) leaves the request as it is`)) continue;
        this.finish(null, 'rewrite');
      }
      const negated = rule.pattern.startsWith('!');
      const pattern = negated ? rule.pattern.slice(1) : rule.pattern;
      const re = compilePcre(pattern, rule.flags.has('nc'));
      let captures: (string | undefined)[] = [];
      let hit: boolean;
      const m = re.ok ? execPcre(re, current) : undefined;
      if (m === undefined) hit = this.unknown(`${show(rule.node)} matches ${current}`);
      else {
        hit = (m !== null) !== negated;
        captures = m?.captures ?? [];
      }
      const condCaptures: (string | undefined)[] = [];
      if (hit) hit = this.condsHold(rule, condCaptures);
      if (!hit) {
        chainFailed = rule.flags.has('c');
        continue;
      }
      const expand = (text: string): string =>
        text
          .replace(/\$(\d)/g, (_x, n: string) => captures[Number(n)] ?? '')
          .replace(/%(\d)/g, (_x, n: string) => condCaptures[Number(n)] ?? '')
          .replace(/%\{([^}]+)\}/g, (_x, v: string) => this.variable(v, rule.node) ?? '');
      const r = rule.flags.get('r');
      const status = r === undefined ? null : r === '' ? 302 : REDIRECT_NAMES[r.toLowerCase()] ?? Number(r);
      if (rule.flags.has('f')) {
        this.step(rule.node, `${this.method} is refused: 403`);
        this.fail(403, 'rewrite');
      }
      if (rule.flags.has('g')) {
        this.step(rule.node, `${this.method} is answered 410 Gone`);
        this.fail(410, 'rewrite');
      }
      if (status !== null && (status < 300 || status >= 400)) {
        this.step(rule.node, `${this.method} is answered ${status}${status === 405 ? `, with Allow: ${this.traceEnable() === 'off' ? '(empty)' : 'TRACE'} (no handler ran)` : ''}`);
        this.fail(status, 'rewrite', status === 405 || status === 501 ? (this.traceEnable() === 'off' ? '' : 'TRACE') : null);
      }
      if (rule.substitution !== '-') {
        let target = expand(rule.substitution);
        const q = target.indexOf('?');
        if (q >= 0) {
          const own = target.slice(q + 1);
          args = rule.flags.has('qsa') && st.hasArgs ? `${own}${own ? '&' : ''}${st.args}` : own;
          target = target.slice(0, q);
        } else if (rule.flags.has('qsd')) args = '';
        if (rule.flags.has('p')) {
          const backend = /^[a-z]+:\/\/[^/]*(.*)$/i.exec(target);
          this.proxied(target, `${backend?.[1] || '/'}${(args ?? (st.hasArgs ? st.args : '')) ? `?${args ?? st.args}` : ''}`, rule.node);
        }
        const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.test(target);
        if (status !== null || absolute) {
          const code = status ?? 302;
          let path = target;
          if (!absolute && !path.startsWith('/') && set.directory !== null) path = set.base !== null ? `${stripSlash(set.base)}/${path}` : `/${path}`;
          const query = args ?? (st.hasArgs ? st.args : '');
          const location = this.absoluteUrl(`${path}${query ? `?${query}` : ''}`);
          const drops = code < 307 && this.method !== 'GET' && this.method !== 'HEAD';
          this.step(rule.node, `${code} to ${location}${drops ? `: the client sends the ${this.method} again as a GET, without its body` : ''}`);
          this.finish(code, 'rewrite', { location });
        }
        current = target;
        changed = rule;
        if (rule.flags.has('pt')) passThrough = true;
      }
      if (rule.flags.has('end')) st.rewriteEnded = true;
      if (rule.flags.has('l') || rule.flags.has('end')) break;
      const s = rule.flags.get('s');
      if (s !== undefined) skip = Number(s) || 0;
    }
    if (!changed && args === null) return null;
    return { kind: 'path', path: changed ? current : subject, args, passThrough, rule: changed ?? set.rules[0]! };
  }

  private condsHold(rule: Rule, captures: (string | undefined)[]): boolean {
    let all = true;
    let group = false;
    rule.conds.forEach((cond, i) => {
      if (!all) return;
      const flags = rewriteFlags(cond.args[2]);
      const v = group || this.condHolds(cond, flags, captures);
      group = v;
      if (flags.has('or') && i < rule.conds.length - 1) return;
      all = all && group;
      group = false;
    });
    return all;
  }

  private condHolds(cond: Directive, flags: ReadonlyMap<string, string>, captures: (string | undefined)[]): boolean {
    const [test = '', pattern = ''] = cond.args;
    const value = this.expandTest(test, cond);
    const holds = value === null ? null : condPatternHolds(pattern, flags, value, (path) => this.kind(path), captures);
    return holds ?? this.unknown(`${show(cond)} holds`);
  }

  /** A RewriteCond test string with its %{VARS}, or null when one is not known. */
  private expandTest(test: string, at: Directive): string | null {
    let unknown = false;
    const out = test.replace(/%\{([^}]+)\}/g, (_x, v: string) => {
      const value = this.variable(v, at);
      if (value === null) unknown = true;
      return value ?? '';
    });
    return unknown ? null : out;
  }

  private variable(name: string, _at: Directive): string | null {
    const st = this.state;
    const upper = name.toUpperCase();
    switch (upper) {
      case 'REQUEST_METHOD':
        return this.method;
      case 'REQUEST_URI':
        return st.uri;
      case 'QUERY_STRING':
        return st.args;
      case 'REQUEST_FILENAME':
      case 'SCRIPT_FILENAME':
        return st.filename ?? st.uri;
      case 'HTTP_HOST':
        return this.request.host ?? this.host;
      case 'HTTPS':
        return 'off';
      case 'SERVER_PORT':
        return String(this.request.port ?? 80);
      case 'DOCUMENT_ROOT':
      case 'CONTEXT_DOCUMENT_ROOT':
        return this.docroot();
      case 'THE_REQUEST':
        return `${this.method} ${this.request.uri} HTTP/1.1`;
      case 'ENV:REDIRECT_STATUS':
        return st.redirected ? '200' : '';
      default:
        if (upper.startsWith('HTTP:') || upper.startsWith('HTTP_')) {
          const header = upper.startsWith('HTTP:') ? name.slice(5).toLowerCase() : name.slice(5).toLowerCase().replaceAll('_', '-');
          const headers = this.request.headers;
          if (headers) return headers[header] ?? '';
        }
        return null;
    }
  }

  // ---- ap_expr, the common shapes ----

  private expr(text: string, at: Directive): boolean {
    const value = new ExprParser(text, (v) => this.variable(v, at), (path) => this.kind(path)).parse();
    if (value === undefined) return this.unknown(`${show(at)} holds`);
    return value;
  }
}

/** A small reader for the ap_expr shapes configs use: comparisons, `in {…}`, `=~ /re/`, `-f`/`-d`, `&&`, `||`, `!`. undefined: cannot tell. */
class ExprParser {
  private pos = 0;
  private failed = false;

  constructor(
    private readonly text: string,
    private readonly lookup: (name: string) => string | null,
    private readonly kind: (path: string) => FileKind,
  ) {}

  parse(): boolean | undefined {
    const v = this.or();
    this.space();
    if (this.failed || this.pos !== this.text.length || v === undefined) return undefined;
    return v;
  }

  private space(): void {
    while (/\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  private eat(token: string): boolean {
    this.space();
    if (this.text.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  private or(): boolean | undefined {
    let v = this.and();
    while (this.eat('||')) {
      const r = this.and();
      v = v === true || r === true ? true : v === undefined || r === undefined ? undefined : false;
    }
    return v;
  }

  private and(): boolean | undefined {
    let v = this.not();
    while (this.eat('&&')) {
      const r = this.not();
      v = v === false || r === false ? false : v === undefined || r === undefined ? undefined : true;
    }
    return v;
  }

  private not(): boolean | undefined {
    if (this.eat('!') && !this.text.startsWith('=', this.pos)) {
      const v = this.not();
      return v === undefined ? undefined : !v;
    }
    if (this.eat('(')) {
      const v = this.or();
      if (!this.eat(')')) this.failed = true;
      return v;
    }
    const unary = /^-([fdesz])\s+/.exec(this.text.slice(this.pos));
    if (unary) {
      this.pos += unary[0].length;
      const w = this.word();
      if (w === undefined || w === null) return undefined;
      if (unary[1] === 'z') return w === '';
      const kind = this.kind(w.replace(/\/+$/, '') || '/');
      return unary[1] === 'd' ? kind === 'dir' : unary[1] === 'e' ? kind !== 'missing' : kind === 'file';
    }
    const left = this.word();
    if (left === undefined) return undefined;
    this.space();
    const op = /^(==|!=|=~|!~|-in|in|<=|>=|<|>)/.exec(this.text.slice(this.pos))?.[1];
    if (!op) {
      this.failed = true;
      return undefined;
    }
    this.pos += op.length;
    if (op === 'in' || op === '-in') {
      if (!this.eat('{')) return (this.failed = true), undefined;
      const list: Array<string | null> = [];
      do {
        const w = this.word();
        if (w === undefined) return undefined;
        list.push(w);
      } while (this.eat(','));
      if (!this.eat('}')) return (this.failed = true), undefined;
      if (left === null || list.includes(null)) return undefined;
      return list.includes(left);
    }
    if (op === '=~' || op === '!~') {
      this.space();
      const m = /^(?:\/((?:\\.|[^/])*)\/|m#((?:\\.|[^#])*)#)([i]?)/.exec(this.text.slice(this.pos));
      if (!m) return (this.failed = true), undefined;
      this.pos += m[0].length;
      if (left === null) return undefined;
      const re = compilePcre(m[1] ?? m[2] ?? '', m[3] === 'i');
      const found = re.ok ? execPcre(re, left) : undefined;
      return found === undefined ? undefined : (found !== null) === (op === '=~');
    }
    const right = this.word();
    if (right === undefined || left === null || right === null) return undefined;
    if (op === '==') return left === right;
    if (op === '!=') return left !== right;
    return undefined;
  }

  /** A string, a %{VAR} or a number: its value, null when the variable is unknown, undefined on a syntax verblint does not read. */
  private word(): string | null | undefined {
    this.space();
    const rest = this.text.slice(this.pos);
    const quoted = /^(['"])((?:\\.|(?!\1).)*)\1/.exec(rest);
    if (quoted) {
      this.pos += quoted[0].length;
      let unknown = false;
      const v = quoted[2]!.replace(/%\{([^}]+)\}/g, (_x, n: string) => {
        const value = this.lookup(n);
        if (value === null) unknown = true;
        return value ?? '';
      });
      return unknown ? null : v;
    }
    const variable = /^%\{([^}]+)\}/.exec(rest);
    if (variable) {
      this.pos += variable[0].length;
      return this.lookup(variable[1]!);
    }
    const number = /^\d+/.exec(rest);
    if (number) {
      this.pos += number[0].length;
      return number[0];
    }
    this.failed = true;
    return undefined;
  }
}

// ---- helpers ----

function rulesOf(directives: readonly Scoped[]): Rule[] {
  const rules: Rule[] = [];
  let conds: Directive[] = [];
  for (const d of directives) {
    if (d.name === 'rewritecond') conds.push(d.node);
    if (d.name === 'rewriterule') {
      rules.push({ node: d.node, conds, pattern: d.node.args[0] ?? '', substitution: d.node.args[1] ?? '-', flags: rewriteFlags(d.node.args[2]) });
      conds = [];
    }
  }
  return rules;
}

/** The last directive called `name` across sections in merge order. */
function lastOf(sections: readonly ApacheSection[], name: string, where: (d: Scoped) => boolean = () => true): Scoped | undefined {
  for (let i = sections.length - 1; i >= 0; i--) {
    const found = sections[i]!.directives.findLast((d) => d.name === name && where(d));
    if (found) return found;
  }
  return undefined;
}

function firstRequire(node: AuthzNode): Directive | null {
  if (node.kind === 'require') return node.node;
  if (node.node) return node.node;
  for (const c of node.children) {
    const r = firstRequire(c);
    if (r) return r;
  }
  return null;
}

/** `<Location /api>`, Alias and Redirect paths: a prefix that ends at a path segment. */
function prefixMatch(prefix: string, uri: string, segment: boolean): boolean {
  if (prefix === '/' || prefix === '') return true;
  if (!uri.startsWith(prefix)) return false;
  if (!segment || prefix.endsWith('/')) return true;
  const next = uri[prefix.length];
  return next === undefined || next === '/';
}

/** The server a request's Host, port and local address choose, and the trace step that says why. */
interface ServerChoice {
  server: ApacheServer;
  by: Directive | null;
  note: string;
}

/** Server choices per model, by port, local address and Host: shared, never changed. */
const serverChoices = new WeakMap<ApacheModel, Map<string, ServerChoice>>();
/** Past this many a model's choices are forgotten: a caller trying random Hosts must not grow them without end. */
const MAX_SERVER_CHOICES = 100_000;

/** Name-based virtual hosting: the vhosts for the address and port, then the first whose ServerName or ServerAlias matches. */
function chooseServer(model: ApacheModel, host: string, port: number, address: string | undefined): ServerChoice {
  const fits = (s: ApacheServer, exactIp: boolean): boolean =>
    s.addresses.some((a) => (a.port === null || a.port === port) && (exactIp ? address !== undefined && a.host === address : a.host === '*' || a.host === '_default_' || address === undefined || a.host === address));
  let candidates = model.vhosts.filter((s) => fits(s, true));
  if (candidates.length === 0) candidates = model.vhosts.filter((s) => fits(s, false));
  if (candidates.length === 0) {
    return { server: model.main, by: null, note: model.vhosts.length > 0 ? `no <VirtualHost> is for port ${port}: the main server answers` : 'the main server answers' };
  }
  const mainName = model.main.names[0];
  const named = candidates.find((s) => (s.names.length > 0 ? s.names : mainName ? [mainName] : []).some((n) => globMatch(n, host)));
  const chosen = named ?? candidates[0]!;
  return {
    server: chosen,
    by: chosen.vhost,
    note: named ? `the virtual host for ${host}` : `no ServerName or ServerAlias is ${host || 'the Host'}: the first virtual host for the address answers`,
  };
}

/** One character of a glob (a sticky, caseless RegExp), or any run of them (`star`). */
interface GlobAtom { re: RegExp; star: boolean }
const globs = new Map<string, GlobAtom[]>();

/**
 * fnmatch: `*` and `?` (not across `/` when `pathname`), `[...]`. The set of
 * atoms reached is stepped one character at a time: linear in the subject,
 * where one RegExp for a pattern with many `*` could backtrack for ages.
 */
function globMatch(pattern: string, subject: string, pathname = false): boolean {
  const key = `${pathname ? '/' : '-'}${pattern}`;
  let atoms = globs.get(key);
  if (!atoms) globs.set(key, (atoms = globAtoms(pattern, pathname)));
  const m = atoms.length;
  // reached[k]: the first k atoms match the subject so far; a star may match nothing.
  let reached = new Uint8Array(m + 1);
  const close = (set: Uint8Array) => {
    for (let k = 0; k < m; k++) if (set[k] && atoms[k]!.star) set[k + 1] = 1;
  };
  reached[0] = 1;
  close(reached);
  for (let i = 0; i < subject.length; i++) {
    const next = new Uint8Array(m + 1);
    let any = false;
    for (let k = 0; k < m; k++) {
      if (!reached[k]) continue;
      const atom = atoms[k]!;
      atom.re.lastIndex = i;
      if (atom.re.test(subject)) {
        next[atom.star ? k : k + 1] = 1;
        any = true;
      }
    }
    if (!any) return false;
    close(next);
    reached = next;
  }
  return reached[m] === 1;
}

function globAtoms(pattern: string, pathname: boolean): GlobAtom[] {
  const atoms: GlobAtom[] = [];
  const add = (source: string, star = false) => atoms.push({ re: new RegExp(source, 'iy'), star });
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') add(pathname ? '[^/]' : '.', true);
    else if (c === '?') add(pathname ? '[^/]' : '.');
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) add('\\[');
      else {
        add(`[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`);
        i = end;
      }
    } else add(c.replace(/[.+^${}()|\\/]/g, '\\$&'));
  }
  return atoms;
}

function ipMatch(pattern: string, client: string): boolean {
  const toNum = (ip: string): number | null => {
    const parts = ip.split('.');
    if (parts.length !== 4 || parts.some((p) => !/^\d+$/.test(p))) return null;
    return parts.reduce((n, p) => n * 256 + Number(p), 0);
  };
  const c = toNum(client);
  if (c === null) return false;
  const [net = '', bits] = pattern.split('/');
  if (bits === undefined) {
    // A partial address (`10.1`) matches by whole octets.
    const parts = net.replace(/\.$/, '').split('.');
    return client.split('.').slice(0, parts.length).join('.') === parts.join('.');
  }
  const n = toNum(net);
  if (n === null) return false;
  const maskBits = bits.includes('.') ? null : Number(bits);
  const mask = maskBits === null ? toNum(bits) ?? 0 : maskBits === 0 ? 0 : (0xffffffff << (32 - maskBits)) >>> 0;
  return ((c & mask) >>> 0) === ((n & mask) >>> 0);
}

function serverNamePort(name: string | undefined): number | null {
  const m = /:(\d+)$/.exec(name ?? '');
  return m ? Number(m[1]) : null;
}

function show(d: Directive | null): string {
  if (!d) return '';
  const text = d.section ? `<${d.directive} ${d.args.join(' ')}>` : [d.directive, ...d.args].join(' ');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export type { Outcome, SimRequest } from './outcome.js';
