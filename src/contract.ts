// `verblint contract`: holds a server config against an API spec. Each
// operation becomes one concrete request, the simulator says what the server
// does with it, and every operation that does not reach a backend intact is a
// finding at the config line that decided, with the spec's line beside it.
// Pure: the CLI passes the simulator, the file oracle and line lookups in.
import { branchAnswer } from './explain.js';
import type { Finding, Severity } from './finding.js';
import type { Dialect } from './model.js';
import { parseTarget } from './nginx-vars.js';
import type { Branch, FileOracle, Outcome, SimRequest, TraceStep } from './outcome.js';
import type { ApiSpec, Operation } from './openapi.js';
import { defineRule, type AnyRule } from './rule.js';

export const METHOD_BLOCKED = 'contract-method-blocked';
export const PREFLIGHT_BLOCKED = 'contract-preflight-blocked';

/** The two checks, described as rules so that every formatter can name them. They run only under `verblint contract`. */
export const CONTRACT_RULES: readonly AnyRule[] = [
  defineRule({
    id: METHOD_BLOCKED,
    description: 'Report an API operation that the server answers itself instead of passing to the backend.',
    dialects: ['nginx', 'apache'],
    severity: 'error',
    options: {},
    check: () => undefined,
  }),
  defineRule({
    id: PREFLIGHT_BLOCKED,
    description: "Report an API operation whose CORS preflight the server refuses.",
    dialects: ['nginx', 'apache'],
    severity: 'error',
    options: {},
    check: () => undefined,
  }),
];

/** What the CLI knows of the config under test. */
export interface ContractTarget {
  dialect: Dialect;
  /** The config's main file, as the user named it. */
  file: string;
  run: (request: SimRequest) => Outcome;
  /** Ports the config listens on, most likely first. */
  ports: readonly number[];
  /** The files a request to `path` (decoded) is assumed to meet. */
  files: (path: string) => FileOracle;
}

export interface ContractOptions {
  /** Replaces the spec's servers: `https://api.example.com/v1`, or a base path `/v1`. */
  baseUrl?: string;
  /** Check preflights even when no server of the spec has a host. */
  cors: boolean;
  /** The Origin a browser sends. */
  origin: string;
  /** How a file is shown in findings (relative to the working directory). */
  display: (file: string) => string;
  /** The columns a config line's directive spans, for the finding's range. */
  span: (file: string, line: number) => { column: number; endColumn: number };
}

export type Verdict = 'reaches' | 'blocked' | 'may-be-blocked' | 'cannot-tell';

export interface OperationCheck {
  operation: Operation;
  request: SimRequest;
  outcome: Outcome;
  verdict: Verdict;
  /** The preflight, when the operation needs one and CORS is checked. */
  preflight: { request: SimRequest; outcome: Outcome; verdict: Verdict } | null;
}

export interface ContractResult {
  checks: OperationCheck[];
  findings: Finding[];
}

interface Base {
  host: string | null;
  port: number | null;
  path: string;
}

/** Host, port and base path of a server URL; a relative URL gives only the path. */
export function parseBase(url: string): Base {
  const target = /^https?:\/\//i.test(url) ? parseTarget(url) : null;
  if (target?.host !== undefined) return { host: target.host.toLowerCase(), port: target.port ?? 80, path: target.rawPath.replace(/\/+$/, '') };
  const path = url.replace(/[?#].*$/, '').replace(/\/+$/, '');
  return { host: null, port: null, path: path === '' || path.startsWith('/') ? path : `/${path}` };
}

const SIMPLE_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
const SIMPLE_METHODS = new Set(['GET', 'HEAD', 'POST']);
const BODY_LENGTH = 64;

/** The request headers a browser would add beyond the safelisted ones, lower case. */
function customHeaders(op: Operation): string[] {
  const names = new Set(op.authHeaders);
  for (const p of op.parameters) if (p.in === 'header' && p.required) names.add(p.name.toLowerCase());
  if (op.body !== null && !SIMPLE_TYPES.has(op.body.toLowerCase())) names.add('content-type');
  return [...names].sort();
}

/** Whether a browser sends a preflight before this operation. */
export function needsPreflight(op: Operation): boolean {
  return !SIMPLE_METHODS.has(op.method) || customHeaders(op).length > 0;
}

/** The concrete request for an operation: path template filled, required query and headers set. */
export function operationRequest(op: Operation, base: Base, port: number, cors: boolean, origin: string): SimRequest {
  const path = op.path.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const p = op.parameters.find((q) => q.in === 'path' && q.name === name);
    return p ? encodeURIComponent(p.sample) : whole;
  });
  const query = op.parameters.filter((p) => p.in === 'query' && p.required).map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(p.sample)}`);
  const headers: Record<string, string> = {};
  if (base.host !== null) headers.host = base.host;
  for (const p of op.parameters) if (p.in === 'header' && p.required) headers[p.name.toLowerCase()] = p.sample;
  const cookies = op.parameters.filter((p) => p.in === 'cookie' && p.required).map((p) => `${p.name}=${p.sample}`);
  if (cookies.length > 0) headers.cookie = cookies.join('; ');
  for (const h of op.authHeaders) headers[h] = h === 'authorization' ? 'Bearer sample-token' : 'sample-key';
  if (op.body !== null) {
    headers['content-type'] = op.body;
    headers['content-length'] = String(BODY_LENGTH);
  }
  if (cors) headers.origin = origin;
  return {
    method: op.method,
    uri: `${base.path}${path}${query.length > 0 ? `?${query.join('&')}` : ''}`,
    ...(base.host !== null && { host: base.host }),
    port,
    headers,
    bodyLength: op.body !== null ? BODY_LENGTH : 0,
  };
}

function preflightRequest(op: Operation, request: SimRequest, origin: string): SimRequest {
  const custom = customHeaders(op);
  const headers: Record<string, string> = { origin, 'access-control-request-method': op.method };
  if (request.host !== undefined) headers.host = request.host;
  if (custom.length > 0) headers['access-control-request-headers'] = custom.join(',');
  const { files: _files, ...rest } = request;
  return { ...rest, method: 'OPTIONS', headers, bodyLength: 0 };
}

/** Whether a branch carries the operation to a backend as the API declares it. */
function reaches(b: Branch, method: string, body: boolean): boolean {
  if (b.producer !== 'upstream' || b.upstream === null || b.status !== null) return false;
  return b.upstream.method === method && (!body || b.upstream.body);
}

/** A GET, HEAD or OPTIONS the server answers itself with success is served, not blocked (an OpenAPI document on disk, a CORS answer). */
function served(b: Branch, method: string): boolean {
  if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') return false;
  return b.status !== null && ((b.status >= 200 && b.status < 300) || b.status === 304);
}

function verdictOf(outcome: Outcome, ok: (b: Branch) => boolean): { verdict: Verdict; failing: Branch | null } {
  const failing = outcome.branches.filter((b) => !ok(b));
  if (failing.length === 0) return { verdict: 'reaches', failing: null };
  const known = failing.filter((b) => !b.cannotTell);
  if (known.length === 0) return { verdict: 'cannot-tell', failing: null };
  return { verdict: failing.length === outcome.branches.length && known.length === failing.length ? 'blocked' : 'may-be-blocked', failing: known[0]! };
}

// Answers that come from serving the path from disk: the line to change is where the path was mapped there.
const FROM_DISK = new Set(['static', 'try-files', 'index', 'autoindex', 'default-handler', 'dir-slash', 'handler']);
const MAPPING = /^(?:location|server|root|alias|try_files|<VirtualHost|DocumentRoot|Alias|AliasMatch|ScriptAlias|ScriptAliasMatch|RewriteRule|ProxyPass|ProxyPassMatch)\b/;

// What turns a request into another one on its way to a backend: the method changes or the body is dropped there.
const CHANGES_METHOD = /^(?:error_page|ErrorDocument|proxy_method|rewrite|RewriteRule|return|try_files|auth_request)\b/;

/** The step that decided a branch: the limit_except, the location or Alias a static answer came from, else the last step with a config line. */
function decidingStep(b: Branch): TraceStep | undefined {
  // An error page only dresses the answer; what refused the request comes before it.
  const dresses = b.producer !== 'error-page' && b.producer !== 'upstream';
  const withFile = b.trace.filter((s) => s.file !== '' && !(dresses && /^(?:error_page|ErrorDocument)\b/.test(s.directive)));
  const pick =
    b.producer === 'limit-except'
      ? withFile.findLast((s) => s.directive.startsWith('limit_except'))
      : FROM_DISK.has(b.producer)
        ? withFile.findLast((s) => MAPPING.test(s.directive))
        : b.producer === 'upstream'
          ? withFile.findLast((s) => CHANGES_METHOD.test(s.directive))
          : undefined;
  return pick ?? withFile[withFile.length - 1];
}

/** Why a branch fails the operation, in a few words. */
function failure(b: Branch, op: Operation, request: SimRequest): string {
  const target = `${request.method} ${request.uri}`;
  const u = b.upstream;
  if (b.producer === 'upstream' && u !== null && b.status === null) {
    if (u.method !== op.method) return `${target} reaches ${u.url} as ${u.method}, not ${op.method}`;
    return `${target} reaches ${u.url} without its body`;
  }
  if (b.status !== null && b.status >= 300 && b.status < 400 && b.location !== null) {
    const resend = b.status === 307 || b.status === 308 ? '' : op.method === 'POST' ? ', which clients follow with GET' : ', which clients follow with GET (or not at all)';
    return `${target} gets ${b.status} (${b.producer}) to ${b.location}${resend}`;
  }
  return `${target} gets ${branchAnswer(b)}`;
}

/** `DELETE /users/{userId} (deleteUser, openapi.yaml:53)`: what the spec calls it, and where. */
function operationName(op: Operation, display: (file: string) => string): string {
  const where = `${display(op.at.file)}:${op.at.line}`;
  return `${op.method} ${op.path} (${op.operationId !== null ? `${op.operationId}, ` : ''}${where})`;
}

/** ` when <assumptions>` for an operation that fails only under them. */
function condition(verdict: Verdict, b: Branch): string {
  return verdict === 'may-be-blocked' && b.assumptions.length > 0 ? ` when ${b.assumptions.join(' and ')}` : '';
}

/** The first few, then how many more. */
function listed(names: readonly string[], max = 4): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

function ruleSeverity(verdict: Verdict): Severity {
  return verdict === 'blocked' ? 'error' : 'warning';
}

/**
 * What an API request meets on disk: nothing at the request's own path (an
 * API path is not a file), and everything else the config names there, a
 * front controller such as /index.php included, as `exist` says.
 */
export function apiFiles(path: string, exist: FileOracle): FileOracle {
  const own = path.replace(/\/+$/, '');
  const name = own.slice(own.lastIndexOf('/') + 1);
  return (p) => {
    const q = p.replace(/\/+$/, '');
    if (own !== '' && (q.endsWith(own) || q.slice(q.lastIndexOf('/') + 1) === name)) return 'missing';
    return exist(p);
  };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Checks every operation of `spec` against the config. */
export function checkContract(spec: ApiSpec, target: ContractTarget, options: ContractOptions): ContractResult {
  const checks: OperationCheck[] = [];
  const findings: Finding[] = [];
  const report = (ruleId: string, ops: readonly Operation[], verdict: Verdict, b: Branch, message: string): void => {
    const step = decidingStep(b);
    const file = step ? step.file : target.file;
    const line = step ? step.line : 1;
    const { column, endColumn } = options.span(file, line);
    findings.push({
      ruleId,
      severity: ruleSeverity(verdict),
      message,
      file: options.display(file),
      line,
      column,
      endLine: line,
      endColumn,
      related: [...ops].sort((a, b) => (a.at.file < b.at.file ? -1 : a.at.file > b.at.file ? 1 : a.at.line - b.at.line)).map((op) => ({ file: options.display(op.at.file), line: op.at.line, column: op.at.column, message: `${op.method} ${op.path} is declared here` })),
    });
  };
  // Refused preflights with one cause (the same line, the same answer) are one finding: OPTIONS fails per path, not per operation.
  const refusals = new Map<string, { ops: Operation[]; verdict: Verdict; branch: Branch; uris: Set<string> }>();

  for (const op of spec.operations) {
    const base = parseBase(options.baseUrl ?? op.servers[0] ?? '');
    // TLS or a load balancer often sits in front: a port the config does not listen on goes to its first one.
    const port = base.port !== null && target.ports.includes(base.port) ? base.port : (target.ports[0] ?? 80);
    // A server with a host says the API is called from somewhere else: browsers, and so preflights. A bare base path does not.
    const cors = options.cors || op.servers.some((s) => parseBase(s).host !== null);
    const request = operationRequest(op, base, port, cors, options.origin);
    const decoded = decodeURIComponent(request.uri.replace(/\?.*$/, ''));
    const files = target.files(decoded);
    const outcome = target.run({ ...request, files });
    // A redirect that keeps the method (307, 308, or any for GET and HEAD) is fine when its target reaches the backend.
    const followed = (b: Branch): boolean => {
      if (b.status === null || !REDIRECTS.has(b.status) || b.location === null) return false;
      if (!(b.status === 307 || b.status === 308 || op.method === 'GET' || op.method === 'HEAD')) return false;
      const next = parseBase(b.location);
      if (next.host !== null && next.host !== request.host) return false;
      const uri = b.location.replace(/^https?:\/\/[^/]+/i, '');
      const again = target.run({ ...request, uri, files: target.files(decodeURIComponent(uri.replace(/\?.*$/, ''))) });
      return again.branches.every((a) => reaches(a, op.method, op.body !== null) || served(a, op.method));
    };
    const main = verdictOf(outcome, (b) => reaches(b, op.method, op.body !== null) || served(b, op.method) || followed(b));

    let preflight: OperationCheck['preflight'] = null;
    let refused: ReturnType<typeof verdictOf> | null = null;
    if (cors && needsPreflight(op)) {
      const pre = preflightRequest(op, request, options.origin);
      const preOutcome = target.run({ ...pre, files });
      refused = verdictOf(preOutcome, (b) => reaches(b, 'OPTIONS', false) || served(b, 'OPTIONS'));
      preflight = { request: pre, outcome: preOutcome, verdict: refused.verdict };
    }
    if (main.failing) {
      const when = condition(main.verdict, main.failing);
      const verb = main.verdict === 'blocked' ? 'never reaches the backend' : 'may not reach the backend';
      // A refused preflight is said here, not as a finding of its own: the operation fails either way.
      const also = refused?.verdict === 'blocked' ? ` (its CORS preflight is refused too: ${branchAnswer(refused.failing!)})` : '';
      report(METHOD_BLOCKED, [op], main.verdict, main.failing, `${operationName(op, options.display)} ${verb}: ${failure(main.failing, op, request)}${when}${also}`);
    } else if (refused?.failing && preflight) {
      const step = decidingStep(refused.failing);
      const key = `${step?.file}:${step?.line}|${refused.verdict}|${branchAnswer(refused.failing)}|${condition(refused.verdict, refused.failing)}`;
      const group = refusals.get(key) ?? { ops: [], verdict: refused.verdict, branch: refused.failing, uris: new Set<string>() };
      group.ops.push(op);
      group.uris.add(preflight.request.uri);
      refusals.set(key, group);
    }
    checks.push({ operation: op, request, outcome, verdict: main.verdict, preflight });
  }
  for (const { ops, verdict, branch, uris } of refusals.values()) {
    const when = condition(verdict, branch);
    const verb = verdict === 'blocked' ? 'is refused' : 'may be refused';
    const [first] = ops;
    const what =
      ops.length === 1
        ? `the CORS preflight of ${operationName(first!, options.display)} ${verb}: OPTIONS ${[...uris][0]} (Access-Control-Request-Method: ${first!.method})`
        : `the CORS preflights of ${ops.length} operations ${verb === 'is refused' ? 'are refused' : 'may be refused'} (${listed(ops.map((o) => operationName(o, options.display)))}): OPTIONS ${[...uris][0]}${uris.size > 1 ? ` (and ${uris.size - 1} other ${uris.size === 2 ? 'path' : 'paths'})` : ''}`;
    report(PREFLIGHT_BLOCKED, ops, verdict, branch, `${what} gets ${branchAnswer(branch)}${when}, so browsers never send ${ops.length === 1 ? `the ${first!.method}` : 'them'}`);
  }
  return { checks, findings };
}
