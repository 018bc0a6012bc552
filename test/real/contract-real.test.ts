// The contract fixtures on the real servers: each config of
// test/fixtures/contract is started (on 127.0.0.1, its backend the echo
// server, /srv/api inside the temp dir), `checkContract` runs on it as the
// CLI would, and every request it builds (each operation, each preflight) is
// sent to the real server. The simulator must agree with the real answer, and
// the contract's verdict with what the backend really received.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { apacheAssumedFiles, listenPorts } from '../../src/apache-routes.js';
import { simulateApache } from '../../src/apache-simulate.js';
import { apiFiles, checkContract, type ContractTarget, type OperationCheck } from '../../src/contract.js';
import { assumedFiles } from '../../src/files.js';
import { loadSpec, type ApiSpec } from '../../src/openapi.js';
import type { Outcome } from '../../src/outcome.js';
import { simulate } from '../../src/simulate.js';
import { check, describeProblem, modelOfText } from '../helpers/agree.js';
import { checkApacheRequests, describeApacheProblem, modelOfServer, siteHead } from '../helpers/apache-agree.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { describeApache, startApache } from '../helpers/real-apache.js';
import { describeReal, startNginx } from '../helpers/real-nginx.js';
import type { RawRequest, RawResponse } from '../helpers/real-server.js';

const DIR = join(FIXTURES, 'contract');
const DIRS = { 'srv/api/public': null, 'srv/api/uploads': null };

let spec: ApiSpec;
beforeAll(async () => {
  spec = await loadSpec(join(DIR, 'openapi.yaml'));
});

/** Every request the contract sent, as the raw client sends it. */
function sent(checks: readonly OperationCheck[]): Array<{ what: string; outcome: Outcome; verdict: OperationCheck['verdict']; method: string; raw: RawRequest }> {
  return checks.flatMap((c) => {
    const all = [{ what: `${c.operation.method} ${c.operation.path}`, outcome: c.outcome, verdict: c.verdict, method: c.operation.method, request: c.request }];
    if (c.preflight) all.push({ what: `preflight of ${c.operation.method} ${c.operation.path}`, outcome: c.preflight.outcome, verdict: c.preflight.verdict, method: 'OPTIONS', request: c.preflight.request });
    return all.map(({ request, ...rest }) => {
      const { host: _host, ...headers } = request.headers ?? {};
      const raw: RawRequest = { method: request.method, target: request.uri, host: request.host ?? 'localhost', headers };
      if (request.bodyLength) raw.body = 'x'.repeat(request.bodyLength);
      return { ...rest, raw };
    });
  });
}

/** Whether the verdict holds for what really happened: the backend got the method, or the server's own answer is a failing branch's. */
function verdictProblem(verdict: OperationCheck['verdict'], method: string, outcome: Outcome, real: Pick<RawResponse, 'status' | 'backend'>): string | null {
  const reached = real.backend !== null && real.backend.method === method;
  const served = (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') && real.backend === null && real.status !== null && real.status >= 200 && real.status < 300;
  if (verdict === 'reaches') return reached || served ? null : `the contract says it reaches the backend; the real server answered ${real.status} itself`;
  if (verdict === 'cannot-tell') return 'the contract cannot tell';
  if (reached) return `the contract says ${verdict}; the backend really got the ${method}`;
  const statuses = outcome.branches.map((b) => b.status);
  if (verdict === 'blocked' && !statuses.includes(real.status)) return `the contract says blocked with ${statuses.join('|')}; the real answer is ${real.status}`;
  return null;
}

type Sent = ReturnType<typeof sent>[number];

/** What went wrong, request by request: the simulator against the real answer, the verdict against the backend. */
function problemsOf<C extends { outcome: Outcome; problem: string | null; real: Pick<RawResponse, 'status' | 'backend'> }>(requests: readonly Sent[], checked: readonly C[], describe: (c: C) => string): string[] {
  const problems: string[] = [];
  checked.forEach((c, i) => {
    const r = requests[i]!;
    if (c.outcome.cannotTell) problems.push(`${r.what}: the simulator cannot tell`);
    if (c.problem) problems.push(`${r.what}: ${describe(c)}`);
    const wrong = verdictProblem(r.verdict, r.method, r.outcome, c.real);
    if (wrong) problems.push(`${r.what}: ${wrong}`);
  });
  return problems;
}

const OPTIONS = { cors: false, origin: 'https://app.example.com', display: (f: string) => f, span: () => ({ column: 1, endColumn: 1 }) };

function nginxConfig(name: string, s: { port: number; backend: number; root: string }): string {
  const text = readFileSync(join(DIR, name), 'utf8');
  const body = text.slice(text.indexOf('http {') + 'http {'.length, text.lastIndexOf('}'));
  return body.replaceAll('listen 80;', `listen 127.0.0.1:${s.port};`).replaceAll('127.0.0.1:8080', `127.0.0.1:${s.backend}`).replaceAll('/srv/api/', `${s.root}/srv/api/`).replaceAll('/srv/api;', `${s.root}/srv/api;`);
}

describeReal('the contract fixtures on a real nginx', () => {
  it.each(['blocked.nginx.conf', 'clean.nginx.conf'])('%s: every request agrees, and so does every verdict', async (name) => {
    const nginx = await startNginx((s) => nginxConfig(name, s), DIRS);
    try {
      const prefix = nginx.site.prefix.replace(/\/$/, '');
      const model = modelOfText(nginx.config);
      const target: ContractTarget = {
        dialect: 'nginx',
        file: 'nginx.conf',
        run: (r) => simulate(model, r, { prefix }),
        ports: [nginx.site.port],
        files: (path) => apiFiles(path, assumedFiles('exist')),
      };
      const result = checkContract(spec, target, OPTIONS);
      const requests = sent(result.checks);
      const checked = await check(nginx, requests.map((r) => r.raw));
      expect(problemsOf(requests, checked, (c) => describeProblem(c))).toEqual([]);
      if (process.env.VERBLINT_CONTRACT_DUMP) console.log(checked.map((c, i) => `${requests[i]!.verdict} ${c.request.method} ${c.request.target} → ${c.real.status} ${JSON.stringify(c.real.backend)}`).join('\n'));
      const blocked = result.checks.filter((c) => c.verdict !== 'reaches').length;
      expect(blocked).toBe(name.startsWith('blocked') ? 8 : 0);
      // The blocked config really refuses some preflights, the clean one none.
      expect(checked.filter((c) => c.request.method === 'OPTIONS' && c.real.backend === null && c.real.status !== 204).length > 0).toBe(name.startsWith('blocked'));
    } finally {
      await nginx.stop();
    }
  });
});

describeApache('the contract fixtures on a real Apache', () => {
  it.each(['blocked.apache.conf', 'clean.apache.conf'])('%s: every request agrees, and so does every verdict', async (name) => {
    const fixture = readFileSync(join(DIR, name), 'utf8');
    const apache = await startApache(
      (s) => `${siteHead(s)}${fixture.replaceAll('*:80', `*:${s.port}`).replaceAll('127.0.0.1:8080', `127.0.0.1:${s.backend}`).replaceAll('/srv/api/', `${s.dir}/srv/api/`)}`,
      DIRS,
    );
    try {
      const model = modelOfServer(apache);
      const target: ContractTarget = {
        dialect: 'apache',
        file: 'apache.conf',
        run: (r) => simulateApache(model, r),
        ports: listenPorts(model),
        files: (path) => apiFiles(path, apacheAssumedFiles(model, 'exist', path)),
      };
      const result = checkContract(spec, target, OPTIONS);
      const requests = sent(result.checks);
      const checked = await checkApacheRequests(apache, requests.map((r) => r.raw));
      expect(problemsOf(requests, checked, (c) => describeApacheProblem(c))).toEqual([]);
      expect(result.checks.filter((c) => c.verdict !== 'reaches').length).toBe(name.startsWith('blocked') ? 7 : 0);
    } finally {
      await apache.stop();
    }
  });
});
