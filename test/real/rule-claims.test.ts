// The claim behind each rule, on a real nginx: the rule's own Bad example
// (rules/<id>.md) is served with the requests in test/fixtures/<id>/claim.json,
// and nginx must answer as the rule's message says.
//
// claim.json: { "files"?: {path: content | null}, "requests": [{ "method", "target",
//   "host"?, "headers"?, "body"?, "expect": status | null | "upstream" |
//   { "status", "allow"?, "location"?, "method"?, "path"? } }] }
//
// The example is made runnable: every proxy_pass goes to the echo backend
// (its URI part kept), other *_pass to a dead port, root/alias to the test
// root, listen to the test port, and include lines are dropped.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { rules } from '../../rules/index.js';
import { docExample } from '../helpers/fixtures.js';
import { checkConfig, describeProblem, expectationProblems, type Expect } from '../helpers/agree.js';
import { describeReal, type RealRequest, type RealSite } from '../helpers/real-nginx.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Claim {
  files?: Record<string, string | null>;
  requests: Array<RealRequest & { expect: Expect }>;
}

/** The Bad example as an http {} body that runs on the test site. */
export function runnable(example: string, s: RealSite): string {
  let text = example
    .replace(/(proxy_pass\s+)https?:\/\/[^/;\s]+/g, `$1http://127.0.0.1:${s.backend}`)
    .replace(/\b(fastcgi_pass|uwsgi_pass|scgi_pass|memcached_pass)\s+[^;]+;/g, `$1 127.0.0.1:${s.dead};`)
    .replace(/\bgrpc_pass\s+[^;]+;/g, `grpc_pass grpc://127.0.0.1:${s.dead};`)
    .replace(/\broot\s+[^;]+;/g, `root ${s.root};`)
    .replace(/\balias\s+[^;]+;/g, `alias ${s.root}/;`)
    .replace(/^\s*include\s+[^;]+;\s*$/gm, '')
    .replace(/^\s*listen\s+[^;]+;\s*$/gm, '');
  if (/\bserver\s*\{/.test(text)) {
    text = text.replace(/\bserver\s*\{/g, `server {\n    listen 127.0.0.1:${s.port};`);
    return text;
  }
  return `server {\n    listen 127.0.0.1:${s.port};\n    server_name localhost;\n    root ${s.root};\n${text}\n}\n`;
}

const claims = rules
  .filter((r) => r.dialects.includes('nginx'))
  .map((r) => ({ id: r.id, file: `${ROOT}test/fixtures/${r.id}/claim.json` }))
  .filter((c) => existsSync(c.file));

describeReal('each rule\'s claim holds on a real nginx, from its own Bad example', () => {
  it('has claims to check', () => {
    expect(claims.length).toBeGreaterThan(0);
  });
  for (const { id, file } of claims) {
    it(id, async () => {
      const claim = JSON.parse(readFileSync(file, 'utf8')) as Claim;
      const example = docExample(id, '## Bad');
      const checked = await checkConfig((s) => runnable(example, s), claim.files ?? {}, claim.requests);
      const problems: string[] = [];
      checked.forEach((c, i) => {
        problems.push(...expectationProblems(c, claim.requests[i]!.expect));
        if (c.problem) problems.push(`simulator: ${describeProblem(c)}`);
      });
      expect(problems).toEqual([]);
    });
  }
});
