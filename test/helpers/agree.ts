// Runs requests against a real nginx and the simulator side by side and says
// where they disagree.
import { statSync } from 'node:fs';
import { buildModel, type NginxModel } from '../../src/nginx-model.js';
import type { Branch, FileKind, Outcome } from '../../src/outcome.js';
import { parseNginxText } from '../../src/parse.js';
import { simulate } from '../../src/simulate.js';
import type { ParseResult } from '../../src/model.js';
import { startNginx, type RealNginx, type RealRequest, type RealResponse, type RealSite } from './real-nginx.js';

/** What is on disk right now: the real nginx reads the same files. */
export function diskFiles(path: string): FileKind {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

export function modelOfText(config: string): NginxModel {
  const { parsed, errors, lines } = parseNginxText(config, 'nginx.conf', false);
  if (errors.length > 0) throw new Error(`config does not parse: ${errors[0]!.message} at line ${errors[0]!.line}`);
  const tree: ParseResult = { status: 'ok', errors: [], warnings: [], config: [{ file: 'nginx.conf', path: 'nginx.conf', status: 'ok', errors: [], parsed, lines }] };
  return buildModel(tree);
}

export function predict(nginx: RealNginx, model: NginxModel, r: RealRequest): Outcome {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = v;
  return simulate(
    model,
    {
      method: r.method,
      uri: r.target,
      host: r.host ?? 'localhost',
      port: nginx.site.port,
      address: '127.0.0.1',
      client: '127.0.0.1',
      headers,
      bodyLength: r.body === undefined ? 0 : Buffer.byteLength(r.body),
      files: diskFiles,
    },
    { prefix: nginx.site.prefix.replace(/\/$/, '') },
  );
}

/** Why a branch and a real answer disagree, or null when they agree. */
export function disagreement(branch: Branch, real: RealResponse, site: RealSite): string | null {
  const deadUpstream = branch.upstream !== null && branch.upstream.url.includes(`:${site.dead}`);
  if (branch.producer === 'upstream') {
    if (deadUpstream) return real.status === 502 ? null : `expected 502 from the dead upstream, got ${real.status}`;
    if (!real.backend) return `expected the backend to answer, got ${real.status} from nginx`;
    const want = branch.upstream!;
    if (real.backend.method !== want.method) return `backend got method ${real.backend.method}, predicted ${want.method}`;
    if (want.module === 'proxy' && real.backend.path !== want.path) return `backend got ${real.backend.path}, predicted ${want.path}`;
    if (branch.status !== null && real.status !== branch.status) return `status ${real.status}, predicted ${branch.status}`;
    return null;
  }
  if (real.backend) return `the backend answered (${real.backend.method} ${real.backend.path}), predicted ${branch.status} from ${branch.producer}`;
  if (real.status !== branch.status) return `status ${real.status}, predicted ${branch.status} (${branch.producer})`;
  if (real.allow !== branch.allow) return `Allow ${JSON.stringify(real.allow)}, predicted ${JSON.stringify(branch.allow)}`;
  if (branch.location !== null && real.location !== branch.location) return `Location ${JSON.stringify(real.location)}, predicted ${JSON.stringify(branch.location)}`;
  return null;
}

export interface Checked {
  request: RealRequest;
  outcome: Outcome;
  real: RealResponse;
  /** null when they agree or the simulator said it cannot tell. */
  problem: string | null;
}

/** The simulator runs just before each request, so DAV writes are seen as they happen. */
export async function check(nginx: RealNginx, requests: RealRequest[]): Promise<Checked[]> {
  const model = modelOfText(nginx.config);
  const out: Checked[] = [];
  for (const request of requests) {
    const outcome = predict(nginx, model, request);
    const real = await nginx.request(request);
    let problem: string | null = null;
    if (!outcome.cannotTell) {
      if (outcome.branches.length !== 1) problem = `${outcome.branches.length} branches with every file known: ${outcome.branches.map((b) => b.assumptions.join(', ')).join(' | ')}`;
      else problem = disagreement(outcome.branches[0]!, real, nginx.site);
    }
    out.push({ request, outcome, real, problem });
  }
  return out;
}

/** Starts nginx, checks the requests, stops it. */
export async function checkConfig(body: (site: RealSite) => string, files: Record<string, string | null>, requests: RealRequest[]): Promise<Checked[]> {
  const nginx = await startNginx(body, files);
  try {
    return await check(nginx, requests);
  } finally {
    await nginx.stop();
  }
}

export function describeProblem(c: Checked, config?: string): string {
  const trace = c.outcome.trace.map((t) => `    ${t.line ? `line ${t.line}: ` : ''}${t.note}`).join('\n');
  return `${c.request.method} ${c.request.target}: ${c.problem}\n  real: ${c.real.status} allow=${c.real.allow} location=${c.real.location} backend=${JSON.stringify(c.real.backend)}\n  trace:\n${trace}${config ? `\n  config:\n${config}` : ''}`;
}

/** What a test says nginx answers: a status, null for a closed connection, "upstream", or details. */
export type Expect = number | null | 'upstream' | { status: number | null | 'upstream'; allow?: string | null; location?: string; method?: string; path?: string };

/** How the real answer differs from what the test (the doc, a rule's claim) says; empty when it does not. */
export function expectationProblems(c: Checked, raw: Expect): string[] {
  const want = typeof raw === 'object' && raw !== null ? raw : { status: raw };
  const label = `${c.request.method} ${c.request.target}`;
  const out: string[] = [];
  if (want.status === 'upstream') {
    if (!c.real.backend && c.real.status !== 502) out.push(`${label}: nginx answered ${c.real.status}; expected the backend to get it`);
    if (want.method && c.real.backend?.method !== want.method) out.push(`${label}: backend got ${c.real.backend?.method}, expected ${want.method}`);
    if (want.path && c.real.backend?.path !== want.path) out.push(`${label}: backend got ${c.real.backend?.path}, expected ${want.path}`);
  } else {
    if (c.real.status !== want.status) out.push(`${label}: nginx answered ${c.real.status}, expected ${want.status}`);
    if (c.real.backend) out.push(`${label}: the backend answered; expected nginx to`);
  }
  if ('allow' in want && c.real.allow !== want.allow) out.push(`${label}: Allow ${c.real.allow}, expected ${want.allow}`);
  if (want.location) {
    const port = /:(\d+)\//.exec(c.real.location ?? '')?.[1] ?? '';
    if (c.real.location !== want.location.replace('PORT', port)) out.push(`${label}: Location ${c.real.location}, expected ${want.location}`);
  }
  return out;
}
