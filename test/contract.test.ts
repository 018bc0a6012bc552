// `verblint contract`: the spec reader (operations, positions, servers,
// $refs), the fixtures in test/fixtures/contract/ (expectations written above
// the config line that decides, with the spec line of the operation), and the
// command line (exit codes, formats, errors).
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiFiles, needsPreflight, operationRequest, parseBase } from '../src/contract.js';
import { loadSpec, SpecError, type Operation } from '../src/openapi.js';
import { FIXTURES } from './helpers/fixtures.js';
import { ROOT, runCli } from './helpers/cli.js';

const DIR = join(FIXTURES, 'contract');
const SPEC = join(DIR, 'openapi.yaml');
const rel = (file: string): string => file.slice(ROOT.length);

/** `rule(spec-file:line)`, `rule(a.yaml:1+a.yaml:9)` (several operations, one finding) or `rule(...):warning` from `# expect:` comments, at the line below. */
function expected(file: string): string[] {
  const out: string[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const m = /^\s*#\s*expect:\s*(.*?)\s*$/.exec(line);
      if (!m) return;
      for (const item of m[1]!.split(/\s+/)) {
        const e = /^([a-z-]+)\(([^)]+)\)(?::(error|warning))?$/.exec(item);
        if (!e) throw new Error(`${file}:${i + 1}: cannot read expectation "${item}"`);
        out.push(`${e[1]}@${i + 2} ${e[3] ?? 'error'} ${e[2]}`);
      }
    });
  return out.sort();
}

interface JsonFinding {
  ruleId: string;
  severity: string;
  file: string;
  line: number;
  message: string;
  related: Array<{ file: string; line: number; message: string }>;
}

function contractJson(args: string[]): { status: number | null; findings: JsonFinding[]; stderr: string } {
  const run = runCli(['contract', ...args, '--format', 'json']);
  return { status: run.status, findings: run.stdout === '' ? [] : (JSON.parse(run.stdout) as JsonFinding[]), stderr: run.stderr };
}

function found(findings: readonly JsonFinding[]): string[] {
  return findings.map((f) => `${f.ruleId}@${f.line} ${f.severity} ${f.related.map((r) => `${r.file.replace(/^test\/fixtures\/contract\//, '')}:${r.line}`).join('+')}`).sort();
}

function op(spec: { operations: Operation[] }, id: string): Operation {
  const found = spec.operations.find((o) => o.operationId === id);
  if (!found) throw new Error(`no operation ${id}`);
  return found;
}

describe('loadSpec', () => {
  it('reads every operation of an OpenAPI 3 spec, with the line of its method key, across files', async () => {
    const spec = await loadSpec(SPEC);
    expect(spec.kind).toBe('OpenAPI');
    expect(spec.problems).toEqual([]);
    expect(spec.operations.map((o) => `${o.method} ${o.path} ${rel(o.at.file)}:${o.at.line}:${o.at.column}`)).toEqual([
      'GET /users test/fixtures/contract/openapi.yaml:17:5',
      'POST /users test/fixtures/contract/openapi.yaml:24:5',
      'GET /users/{userId} test/fixtures/contract/openapi.yaml:37:5',
      'PUT /users/{userId} test/fixtures/contract/openapi.yaml:42:5',
      'DELETE /users/{userId} test/fixtures/contract/openapi.yaml:52:5',
      'PATCH /users/{userId}/preferences test/fixtures/contract/openapi.yaml:62:5',
      'GET /orders test/fixtures/contract/openapi.yaml:72:5',
      'POST /orders test/fixtures/contract/openapi.yaml:83:5',
      'GET /orders/{orderId} test/fixtures/contract/openapi.yaml:99:5',
      'PATCH /orders/{orderId} test/fixtures/contract/openapi.yaml:104:5',
      'GET /orders/{orderId}/invoice.pdf test/fixtures/contract/openapi.yaml:119:5',
      'POST /uploads test/fixtures/contract/paths/uploads.yaml:3:3',
      'GET /uploads/{uploadId} test/fixtures/contract/paths/uploads.yaml:22:3',
      'DELETE /uploads/{uploadId} test/fixtures/contract/paths/uploads.yaml:27:3',
      'POST /webhooks/payments test/fixtures/contract/openapi.yaml:132:5',
    ]);
  });

  it('takes servers from the operation, then the path item, then the root, with parameter samples', async () => {
    const spec = await loadSpec(SPEC);
    expect(op(spec, 'updatePreferences').servers).toEqual(['https://api.example.com/api/v2']);
    expect(op(spec, 'getUser').servers).toEqual(['https://api.example.com/api/v1']);
    // example from the $ref'd parameter's schema; uuid format; enum; the type's sample
    expect(op(spec, 'getUser').parameters).toEqual([{ name: 'userId', in: 'path', required: true, sample: '42' }]);
    expect(op(spec, 'getOrder').parameters[0]!.sample).toBe('3fa85f64-5717-4562-b3fc-2c963f66afa6');
    expect(op(spec, 'listOrders').parameters).toEqual([
      { name: 'page', in: 'query', required: false, sample: '1' },
      { name: 'status', in: 'query', required: true, sample: 'open' },
    ]);
    expect(op(spec, 'createUpload').body).toBe('multipart/form-data');
    expect(op(spec, 'getUser').body).toBeNull();
    // bearer security everywhere but the webhook, which turns it off
    expect(op(spec, 'getUser').authHeaders).toEqual(['authorization']);
    expect(op(spec, 'receivePaymentEvent').authHeaders).toEqual([]);
  });

  it('reads Swagger 2.0: host, basePath and schemes; body and formData parameters', async () => {
    const spec = await loadSpec(join(DIR, 'swagger.json'));
    expect(spec.kind).toBe('Swagger');
    expect(spec.operations.map((o) => `${o.method} ${o.path} :${o.at.line} ${o.body ?? '-'}`)).toEqual([
      'GET /users/{userId} :11 -',
      'DELETE /users/{userId} :12 -',
      'POST /uploads :15 multipart/form-data',
      'PATCH /orders/{orderId} :23 application/json',
    ]);
    expect(spec.operations[0]!.servers).toEqual(['https://api.example.com/api/v1']);
  });

  it('refuses a $ref to a URL at the $ref, before anything is downloaded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verblint-spec-'));
    const file = join(dir, 'api.yaml');
    writeFileSync(file, 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /x:\n    $ref: "https://example.com/paths.yaml#/x"\n');
    const error = await loadSpec(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).at).toEqual({ file, line: 5, column: 11 });
    expect((error as SpecError).message).toMatch(/^\$ref "https:\/\/example.com\/paths.yaml#\/x" points at a URL/);
  });

  it('locates a YAML syntax error, and says when a document is no API description', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verblint-spec-'));
    writeFileSync(join(dir, 'broken.yaml'), 'openapi: 3.0.3\npaths:\n  /x: [\n');
    const broken = (await loadSpec(join(dir, 'broken.yaml')).catch((e: unknown) => e)) as SpecError;
    expect(broken).toBeInstanceOf(SpecError);
    expect(broken.at.line).toBe(4);
    writeFileSync(join(dir, 'other.yaml'), 'name: not an api\n');
    const other = (await loadSpec(join(dir, 'other.yaml')).catch((e: unknown) => e)) as SpecError;
    expect(other.message).toBe('not an OpenAPI or Swagger document: it has no "openapi" or "swagger" field');
  });

  it('keeps checking a document that fails validation, and says what is wrong', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verblint-spec-'));
    writeFileSync(join(dir, 'api.yaml'), 'openapi: 3.0.3\ninfo: {title: t}\npaths:\n  /x:\n    delete:\n      responses: {"204": {description: gone}}\n');
    const spec = await loadSpec(join(dir, 'api.yaml'));
    expect(spec.problems).toEqual(["REQUIRED must have required property 'version'"]);
    expect(spec.operations.map((o) => o.method)).toEqual(['DELETE']);
  });
});

describe('requests built from operations', () => {
  it('fills the template, the required query and headers, the body, and the base path', async () => {
    const spec = await loadSpec(SPEC);
    const request = operationRequest(op(spec, 'listOrders'), parseBase('https://api.example.com/api/v1'), 80, true, 'https://app.example.com');
    expect(request).toEqual({
      method: 'GET',
      uri: '/api/v1/orders?status=open',
      host: 'api.example.com',
      port: 80,
      headers: { host: 'api.example.com', authorization: 'Bearer sample-token', origin: 'https://app.example.com' },
      bodyLength: 0,
    });
    const upload = operationRequest(op(spec, 'createUpload'), parseBase('/api/v1/'), 8080, false, '');
    expect(upload).toMatchObject({ method: 'POST', uri: '/api/v1/uploads', port: 8080, bodyLength: 64 });
    expect(upload.host).toBeUndefined();
    expect(upload.headers).toEqual({ authorization: 'Bearer sample-token', 'content-type': 'multipart/form-data', 'content-length': '64' });
  });

  it('knows which operations a browser preflights', async () => {
    const spec = await loadSpec(SPEC);
    // Authorization, JSON and non-simple methods need one; the webhook's JSON body too.
    expect(spec.operations.filter(needsPreflight).length).toBe(15);
    const bare: Operation = { ...op(spec, 'createUpload'), authHeaders: [] };
    expect(needsPreflight(bare)).toBe(false);
    expect(needsPreflight({ ...bare, method: 'PUT' })).toBe(true);
    expect(needsPreflight({ ...bare, body: 'application/json' })).toBe(true);
  });

  it('takes the request path as missing on disk and every other path as there', () => {
    const files = apiFiles('/api/v1/users/42', (p) => (p.endsWith('/') ? 'dir' : 'file'));
    expect(files('/srv/www/api/v1/users/42')).toBe('missing');
    expect(files('/srv/www/api/v1/users/42/')).toBe('missing');
    expect(files('/data/42')).toBe('missing');
    expect(files('/srv/www/index.php')).toBe('file');
    expect(files('/srv/www/')).toBe('dir');
  });
});

describe('contract fixtures (test/fixtures/contract)', () => {
  const configs = readdirSync(DIR).filter((f) => f.endsWith('.conf')).sort();

  it('has blocked and clean configs for both servers', () => {
    expect(configs).toEqual(['blocked.apache.conf', 'blocked.nginx.conf', 'clean.apache.conf', 'clean.nginx.conf']);
  });

  it.each(configs)('%s: exactly the expected findings, each at its config line with its spec line', (name) => {
    const file = join(DIR, name);
    const { status, findings, stderr } = contractJson([rel(file), '--openapi', rel(SPEC)]);
    const want = expected(file);
    expect(found(findings)).toEqual(want);
    expect(findings.every((f) => f.file === rel(file))).toBe(true);
    expect(status).toBe(want.some((w) => w.includes(' error ')) ? 1 : 0);
    expect(stderr).toMatch(new RegExp(`^verblint: ${rel(file).replaceAll('.', '\\.')}: 15 operations of test/fixtures/contract/openapi\\.yaml: `));
  });

  it('says what the server does and where the spec declares the operation', () => {
    const { findings } = contractJson(['test/fixtures/contract/blocked.nginx.conf', '--openapi', 'test/fixtures/contract/openapi.yaml']);
    const messages = findings.map((f) => f.message);
    expect(messages).toContain(
      'DELETE /users/{userId} (deleteUser, test/fixtures/contract/openapi.yaml:52) never reaches the backend: DELETE /api/v1/users/42 gets 403 (limit-except)',
    );
    expect(messages).toContain(
      'POST /webhooks/payments (receivePaymentEvent, test/fixtures/contract/openapi.yaml:132) never reaches the backend: POST /api/v1/webhooks/payments gets 301 (auto-redirect) to http://api.example.com/api/v1/webhooks/payments/, which clients follow with GET (its CORS preflight is refused too: 301 (auto-redirect))',
    );
    // Three preflights refused by one limit_except: one finding, each operation a related location.
    const preflight = findings.filter((f) => f.ruleId === 'contract-preflight-blocked');
    expect(preflight.map((f) => f.message)).toEqual([
      'the CORS preflights of 3 operations are refused (GET /orders (listOrders, test/fixtures/contract/openapi.yaml:72), POST /orders (createOrder, test/fixtures/contract/openapi.yaml:83), GET /orders/{orderId} (getOrder, test/fixtures/contract/openapi.yaml:99)): OPTIONS /api/v1/orders?status=open (and 2 other paths) gets 403 (limit-except), so browsers never send them',
    ]);
    expect(preflight[0]!.related.map((r) => r.message)).toEqual(['GET /orders is declared here', 'POST /orders is declared here', 'GET /orders/{orderId} is declared here']);
    const del = findings.find((f) => f.message.startsWith('DELETE /users/'))!;
    expect(del.related).toEqual([{ file: 'test/fixtures/contract/openapi.yaml', line: 52, column: 5, message: 'DELETE /users/{userId} is declared here' }]);
  });

  it('checks preflights only when the spec names a server or --cors is given', () => {
    // swagger.json without host and schemes: a spec that names no server.
    const dir = mkdtempSync(join(tmpdir(), 'verblint-contract-'));
    const { host: _host, schemes: _schemes, ...serverless } = JSON.parse(readFileSync(join(DIR, 'swagger.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'swagger.json'), JSON.stringify(serverless, null, 2));
    const args = [join(DIR, 'blocked.nginx.conf'), '--openapi', join(dir, 'swagger.json'), '--base-url', '/api/v1'];
    const plain = contractJson(args);
    expect(plain.findings.map((f) => `${f.ruleId}@${f.line} ${f.message.slice(0, 30)}`)).toEqual([
      'contract-method-blocked@16 DELETE /users/{userId} (delete',
      'contract-method-blocked@31 PATCH /orders/{orderId} (updat',
    ]);
    expect(plain.findings.some((f) => f.message.includes('preflight'))).toBe(false);
    const cors = contractJson([...args, '--cors']);
    expect(cors.findings.map((f) => f.ruleId + f.line)).toEqual(plain.findings.map((f) => f.ruleId + f.line));
    expect(cors.findings.map((f) => f.message.endsWith('(its CORS preflight is refused too: 403 (limit-except))'))).toEqual([false, true]);
  });

  it('sends every operation to --base-url instead of the spec servers', () => {
    // Nothing under /v2 is proxied: every operation lands in the server's static files.
    const { findings } = contractJson(['test/fixtures/contract/clean.nginx.conf', '--openapi', 'test/fixtures/contract/swagger.json', '--base-url', 'https://api.example.com/v2']);
    expect(findings.map((f) => `${f.line} ${/never reaches the backend: (.*?) gets (\d+ \(\w+\))/.exec(f.message)?.slice(1).join(' → ')}`)).toEqual([
      '8 DELETE /v2/users/1 → 405 (static)',
      '8 GET /v2/users/1 → 404 (static)',
      '8 PATCH /v2/orders/3fa85f64-5717-4562-b3fc-2c963f66afa6 → 405 (static)',
      '8 POST /v2/uploads → 404 (static)',
    ]);
  });
});

describe('verblint contract (command line)', () => {
  it('writes the lint formats: compact names the config line, sarif the spec as a related location', () => {
    const compact = runCli(['contract', 'test/fixtures/contract/blocked.apache.conf', '--openapi', 'test/fixtures/contract/openapi.yaml', '-f', 'compact']);
    expect(compact.status).toBe(1);
    expect(compact.stdout.split('\n')[0]).toBe(
      'test/fixtures/contract/blocked.apache.conf:4:5: error: PATCH /users/{userId}/preferences (updatePreferences, test/fixtures/contract/openapi.yaml:62) never reaches the backend: PATCH /api/v2/users/42/preferences gets 405 (default-handler) [contract-method-blocked]',
    );
    const sarif = JSON.parse(runCli(['contract', 'test/fixtures/contract/blocked.apache.conf', '--openapi', 'test/fixtures/contract/openapi.yaml', '-f', 'sarif']).stdout);
    const run = sarif.runs[0];
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(['contract-method-blocked', 'contract-preflight-blocked']);
    expect(run.results[0].relatedLocations[0].physicalLocation).toMatchObject({ artifactLocation: { uri: 'test/fixtures/contract/openapi.yaml' }, region: { startLine: 62 } });
  });

  it('exits 0 on a clean pair, and 1 only for errors unless --max-warnings is passed', () => {
    expect(runCli(['contract', 'test/fixtures/contract/clean.nginx.conf', '--openapi', 'test/fixtures/contract/openapi.yaml'])).toMatchObject({ status: 0, stdout: '' });
    const dir = mkdtempSync(join(tmpdir(), 'verblint-contract-'));
    const config = join(dir, 'nginx.conf');
    writeFileSync(config, 'events {}\nhttp {\n  server {\n    listen 80;\n    location /api/ {\n      allow 10.0.0.0/8;\n      deny all;\n      proxy_pass http://127.0.0.1:8080;\n    }\n  }\n}\n');
    const spec = join(dir, 'api.yaml');
    writeFileSync(spec, 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /api/items:\n    post:\n      responses: {"201": {description: made}}\n');
    const warned = runCli(['contract', config, '--openapi', spec, '-f', 'compact'], { cwd: dir });
    expect(warned.stdout).toBe(
      'nginx.conf:7:7: warning: POST /api/items (api.yaml:5) may not reach the backend: POST /api/items gets 403 (access) when the client address does not match allow 10.0.0.0/8 [contract-method-blocked]\n',
    );
    expect(warned.status).toBe(0);
    expect(runCli(['contract', config, '--openapi', spec, '--max-warnings', '0'], { cwd: dir }).status).toBe(1);
  });

  it('exits 2 with a located message for a bad spec, a missing --openapi, a spec without operations', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verblint-contract-'));
    writeFileSync(join(dir, 'nginx.conf'), 'events {}\nhttp { server { listen 80; } }\n');
    writeFileSync(join(dir, 'bad.yaml'), 'openapi: 3.0.3\npaths:\n  /x: [\n');
    writeFileSync(join(dir, 'empty.yaml'), 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\n');
    const bad = runCli(['contract', 'nginx.conf', '--openapi', 'bad.yaml'], { cwd: dir });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^verblint: bad\.yaml:4:1: /);
    expect(bad.stdout).toBe('');
    expect(runCli(['contract', 'nginx.conf'], { cwd: dir })).toMatchObject({ status: 2, stderr: 'verblint: contract needs --openapi SPEC: the OpenAPI or Swagger document to hold the config against\n' });
    expect(runCli(['contract', 'nginx.conf', '--openapi', 'empty.yaml'], { cwd: dir })).toMatchObject({ status: 2, stderr: 'verblint: empty.yaml declares no operations (its "paths" is empty)\n' });
    expect(runCli(['contract', 'nginx.conf', '--openapi', 'absent.yaml'], { cwd: dir }).stderr).toMatch(/^verblint: absent\.yaml:1:1: cannot read .*absent\.yaml: ENOENT\n$/);
    expect(runCli(['nginx.conf', '--openapi', 'empty.yaml'], { cwd: dir })).toMatchObject({ status: 2, stderr: 'verblint: --openapi is for verblint contract\n' });
  });
});
