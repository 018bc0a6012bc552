// Runs requests against a real Apache and the Apache simulator side by side
// and says where they disagree (the Apache counterpart of agree.ts).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildApacheModel, type ApacheModel } from '../../src/apache-model.js';
import { parseApache, parseApacheText } from '../../src/apache-parse.js';
import { simulateApache } from '../../src/apache-simulate.js';
import type { ParsedFile } from '../../src/model.js';
import type { Branch, Outcome } from '../../src/outcome.js';
import { diskFiles } from './agree.js';
import { baseConfig, startApache, type ApacheFiles, type ApacheRequest, type ApacheResponse, type ApacheSite, type RealApache } from './real-apache.js';

/** Answers 200 whatever the method, and names the method and path it saw (in headers for the comparison, in the body for people). */
export const ECHO_CGI =
  '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\nX-Cgi-Method: %s\\r\\nX-Cgi-Path: %s\\r\\n\\r\\n%s %s\\n" "$REQUEST_METHOD" "$SCRIPT_NAME$PATH_INFO" "$REQUEST_METHOD" "$SCRIPT_NAME$PATH_INFO"\n';

/** The files of apache-methods.md §3 (file.txt, index.html, x.html, dir/a.txt) and the echo CGI. */
export const SITE_FILES: ApacheFiles = {
  'htdocs/file.txt': 'hello\n',
  'htdocs/index.html': '<p>index</p>\n',
  'htdocs/x.html': '<p>x</p>\n',
  'htdocs/dir/a.txt': 'a\n',
  'cgi-bin/echo.cgi': ECHO_CGI,
};

/** baseConfig plus `ScriptAlias /cgi-bin/` onto the site's cgi-bin (Options +ExecCGI). */
export function siteHead(s: ApacheSite): string {
  const cgi = join(s.dir, 'cgi-bin');
  return `${baseConfig(s.dir, s.port)}ScriptAlias /cgi-bin/ "${cgi}/"\n<Directory "${cgi}">\n    Options +ExecCGI\n</Directory>\n`;
}

/** The .htaccess files on disk, parsed as the simulator needs them. */
export function htaccessFromDisk(dir: string): ParsedFile | null {
  const path = join(dir, '.htaccess');
  let text: string;
  try {
    if (!statSync(path).isFile()) return null;
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const { parsed, errors, lines } = parseApacheText(text, path, { htaccess: true });
  return { file: path, path, status: errors.length > 0 ? 'failed' : 'ok', errors, parsed, lines };
}

/** The running server's config, read as verblint reads it (ServerRoot = the temp dir). */
export function modelOfServer(apache: RealApache): ApacheModel {
  const tree = parseApache(join(apache.site.dir, 'apache.conf'), { serverRoot: apache.site.dir });
  if (tree.errors.length > 0) throw new Error(`config does not parse: ${tree.errors[0]!.message} at line ${tree.errors[0]!.line}`);
  return buildApacheModel(tree, { htaccess: htaccessFromDisk });
}

/**
 * The simulator's answer. A request the config proxies back to this very
 * Apache (another vhost on the same port) is followed there, as the real
 * one is: ProxyPass sends the backend's address as Host.
 */
export function predictApache(apache: RealApache, model: ApacheModel, r: ApacheRequest): Outcome {
  const outcome = predictOnce(apache, model, r);
  const self = `http://127.0.0.1:${apache.site.port}`;
  const up = outcome.branches.length === 1 ? outcome.upstream : null;
  if (up?.module === 'proxy' && (up.url === self || up.url.startsWith(`${self}/`))) {
    return predictOnce(apache, model, { method: up.method, target: up.path, host: `127.0.0.1:${apache.site.port}`, ...(r.body !== undefined ? { body: r.body } : {}) });
  }
  return outcome;
}

function predictOnce(apache: RealApache, model: ApacheModel, r: ApacheRequest): Outcome {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = v;
  return simulateApache(model, {
    method: r.method,
    uri: r.target,
    host: r.host ?? 'localhost',
    port: apache.site.port,
    address: '127.0.0.1',
    client: '127.0.0.1',
    headers,
    bodyLength: r.body === undefined ? 0 : Buffer.byteLength(r.body),
    files: diskFiles,
  });
}

/** The methods of every Allow header as a sorted set; null when there is none. */
export function allowSet(allow: readonly string[] | string | null): string[] | null {
  if (allow === null) return null;
  const list = typeof allow === 'string' ? [allow] : allow;
  return [...new Set(list.flatMap((a) => a.split(',')).map((m) => m.trim()).filter(Boolean))].sort();
}

/** Why a branch and a real answer disagree, or null when they agree. */
export function apacheDisagreement(branch: Branch, real: ApacheResponse): string | null {
  const cgiMethod = real.headers['x-cgi-method'];
  if (branch.producer === 'upstream') {
    const want = branch.upstream!;
    if (want.module === 'cgi') {
      if (cgiMethod === undefined) return `expected the CGI ${want.url} to answer, got ${real.status} from Apache`;
      if (cgiMethod !== want.method) return `the CGI got method ${cgiMethod}, predicted ${want.method}`;
      return null;
    }
    if (!real.backend) return `expected the backend to answer, got ${real.status} from Apache`;
    if (real.backend.method !== want.method) return `backend got method ${real.backend.method}, predicted ${want.method}`;
    if (real.backend.path !== want.path) return `backend got ${real.backend.path}, predicted ${want.path}`;
    return null;
  }
  if (real.backend) return `the backend answered (${real.backend.method} ${real.backend.path}), predicted ${branch.status} from ${branch.producer}`;
  // A CGI may also serve an error page (ErrorDocument), with the error's status: only its own 200 is its answer.
  if (cgiMethod !== undefined && real.status === 200) return `the CGI answered (${cgiMethod}), predicted ${branch.status} from ${branch.producer}`;
  if (real.status !== branch.status) return `status ${real.status}, predicted ${branch.status} (${branch.producer})`;
  if (JSON.stringify(allowSet(real.allow)) !== JSON.stringify(allowSet(branch.allow))) return `Allow ${JSON.stringify(real.allow)}, predicted ${JSON.stringify(branch.allow)}`;
  if (branch.location !== null && real.location !== branch.location) return `Location ${JSON.stringify(real.location)}, predicted ${JSON.stringify(branch.location)}`;
  return null;
}

export interface ApacheChecked {
  request: ApacheRequest;
  outcome: Outcome;
  real: ApacheResponse;
  /** null when they agree or the simulator said it cannot tell. */
  problem: string | null;
}

/** The simulator runs just before each request, so DAV writes are seen as they happen. */
export async function checkApacheRequests(apache: RealApache, requests: readonly ApacheRequest[]): Promise<ApacheChecked[]> {
  const model = modelOfServer(apache);
  const out: ApacheChecked[] = [];
  for (const request of requests) {
    const outcome = predictApache(apache, model, request);
    const real = await apache.request(request);
    let problem: string | null = null;
    if (!outcome.cannotTell) {
      if (outcome.branches.length !== 1) problem = `${outcome.branches.length} branches with every file known: ${outcome.branches.map((b) => b.assumptions.join(', ')).join(' | ')}`;
      else problem = apacheDisagreement(outcome.branches[0]!, real);
    }
    out.push({ request, outcome, real, problem });
  }
  return out;
}

/** Starts Apache on `config(site)` with `files`, checks the requests, stops it. */
export async function checkApache(config: (s: ApacheSite) => string, files: ApacheFiles, requests: readonly ApacheRequest[]): Promise<ApacheChecked[]> {
  const apache = await startApache(config, files);
  try {
    return await checkApacheRequests(apache, requests);
  } finally {
    await apache.stop();
  }
}

export function describeApacheProblem(c: ApacheChecked, config?: string): string {
  const trace = c.outcome.trace.map((t) => `    ${t.line ? `line ${t.line}: ` : ''}${t.note}`).join('\n');
  return `${c.request.method} ${c.request.target}: ${c.problem}\n  real: ${c.real.status} allow=${JSON.stringify(c.real.allow)} location=${c.real.location} backend=${JSON.stringify(c.real.backend)} cgi=${c.real.headers['x-cgi-method'] ?? '-'}\n  log: ${c.real.errorLog.join(' | ')}\n  trace:\n${trace}${config ? `\n  config:\n${config}` : ''}`;
}
