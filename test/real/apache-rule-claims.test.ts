// The claim behind each Apache rule, on a real apache2: the rule's own first
// ```apache Bad example (rules/<id>.md) is put where
// test/fixtures/<id>/claim.apache.json says, and Apache must answer its
// requests as the rule's message says.
//
// claim.apache.json: { "place": "htaccess" | "directory" | "server",
//   "files"?: { path: content }, "requests": [{ "method", "target", "host"?,
//   "headers"?, "body"?, "expect": { "status", "allow"?: [methods] | null,
//   "location"?: exact | "^regex" } }] }
//
// The example is made runnable: /var/www/html becomes the docroot,
// http://127.0.0.1:8080 the echo backend, /usr/lib/cgi-bin the test's CGI dir
// (ScriptAlias /cgi-bin/, with an echo CGI echo.cgi).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { rules } from '../../rules/index.js';
import { parseApache } from '../../src/apache-parse.js';
import { lint } from '../../src/engine.js';
import type { Finding } from '../../src/finding.js';
import type { Host } from '../../src/host.js';
import type { AnyRule } from '../../src/rule.js';
import { ECHO_CGI } from '../helpers/apache-agree.js';
import { apacheDocExample } from '../helpers/fixtures.js';
import { lintText } from '../helpers/lint.js';
import { baseConfig, describeApache, startApache, type ApacheFiles, type ApacheRequest, type ApacheResponse, type ApacheSite, type RealApache } from '../helpers/real-apache.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// Rules whose Apache claims another real-Apache suite checks, in its own terms.
const CHECKED_ELSEWHERE: Record<string, string> = {
  'directive-context': 'test/real/apache-context-claims.test.ts',
  // Apache's own refusals: the verdicts are recorded from apache2 -t and
  // re-checked by test/real/apache-syntax.test.ts; this suite holds the rules to them.
  'syntax-error': 'test/apache-syntax.test.ts',
  'include-missing': 'test/apache-syntax.test.ts',
};

type Place = 'htaccess' | 'directory' | 'server';

interface ClaimExpect {
  status: number;
  allow?: string[] | null;
  location?: string;
}

interface Claim {
  place: Place;
  files?: Record<string, string>;
  requests: Array<ApacheRequest & { expect: ClaimExpect }>;
}


const BASE_FILES: ApacheFiles = {
  'htdocs/file.txt': 'hello\n',
  'htdocs/index.html': '<p>index</p>\n',
  'htdocs/dir/a.txt': 'a\n',
  'cgi-bin/echo.cgi': ECHO_CGI,
};

/** The example with the doc's spellings replaced by the test site's. */
export function localize(example: string, s: ApacheSite): string {
  return example
    .replaceAll('/var/www/html', s.root)
    .replaceAll('http://127.0.0.1:8080', `http://127.0.0.1:${s.backend}`)
    .replaceAll('/usr/lib/cgi-bin', join(s.dir, 'cgi-bin'));
}

/** The whole apache.conf for a claim, and the .htaccess when the example is one. */
export function runnable(example: string, place: Place, s: ApacheSite): { config: string; htaccess?: string } {
  const text = localize(example, s);
  const cgi = [`ScriptAlias /cgi-bin/ "${join(s.dir, 'cgi-bin')}/"`, `<Directory "${join(s.dir, 'cgi-bin')}">`, '    Options +ExecCGI', '</Directory>', ''].join('\n');
  const head = `${baseConfig(s.dir, s.port)}${cgi}`;
  switch (place) {
    case 'htaccess':
      return { config: `${head}<Directory "${s.root}">\n    AllowOverride All\n</Directory>\n`, htaccess: text };
    case 'directory':
      return { config: `${head}<Directory "${s.root}">\n${text}</Directory>\n` };
    case 'server':
      return { config: `${head}${text}` };
  }
}

/** Methods of every Allow header, as a sorted set; null when there is none. */
function allowSet(allow: string[] | null): string[] | null {
  if (allow === null) return null;
  return [...new Set(allow.flatMap((a) => a.split(',')).map((m) => m.trim()).filter(Boolean))].sort();
}

/** What differs from the expectation, in words (empty when it holds). */
export function mismatches(r: ApacheResponse, want: ClaimExpect): string[] {
  const out: string[] = [];
  if (r.status !== want.status) out.push(`status ${r.status}, expected ${want.status}`);
  if (want.allow !== undefined) {
    const got = allowSet(r.allow);
    const expected = want.allow === null ? null : [...new Set(want.allow)].sort();
    if (JSON.stringify(got) !== JSON.stringify(expected)) out.push(`Allow ${JSON.stringify(r.allow)}, expected ${JSON.stringify(want.allow)}`);
  }
  if (want.location !== undefined) {
    const ok = want.location.startsWith('^') ? r.location !== null && new RegExp(want.location).test(r.location) : r.location === want.location;
    if (!ok) out.push(`Location ${JSON.stringify(r.location)}, expected ${JSON.stringify(want.location)}`);
  }
  return out;
}

/** The example linted where it will run: as the docroot's .htaccess, or as a server config file. */
function lintAt(example: string, place: Place, rule: AnyRule): Finding[] {
  if (place !== 'htaccess') return lintText(example, 'apache', [rule]);
  const name = 'htdocs/.htaccess';
  const host: Host = {
    readFile: (p) => {
      if (p === name) return example;
      throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    },
    check: (p) => (p === name ? 'ok' : 'ENOENT'),
    glob: () => [],
    listTree: () => [],
  };
  return lint([{ dialect: 'apache', tree: parseApache(name, { comments: true, host }) }], { rules: [rule] });
}

describe('the claim comparison', () => {
  const response = (status: number, allow: string[] | null, location: string | null): ApacheResponse => ({
    status, allow, location, wwwAuthenticate: null, headers: {}, body: '', backend: null, errorLog: [],
  });
  it('compares the status, Allow as a set (null: absent) and Location (exact, or a regex from "^")', () => {
    const r = response(405, ['GET,HEAD', 'POST, TRACE'], 'http://localhost/dir/');
    expect(mismatches(r, { status: 405, allow: ['TRACE', 'POST', 'HEAD', 'GET'], location: 'http://localhost/dir/' })).toEqual([]);
    expect(mismatches(r, { status: 405, location: '^http://[^/]+/dir/$' })).toEqual([]);
    expect(mismatches(r, { status: 403 })).toEqual(['status 405, expected 403']);
    expect(mismatches(r, { status: 405, allow: ['GET', 'HEAD', 'POST'] })).toHaveLength(1);
    expect(mismatches(r, { status: 405, allow: null })).toHaveLength(1);
    expect(mismatches(r, { status: 405, location: '/dir/' })).toHaveLength(1);
    expect(mismatches(response(405, null, null), { status: 405, allow: null })).toEqual([]);
    expect(mismatches(response(405, [''], null), { status: 405, allow: [] })).toEqual([]);
    expect(mismatches(response(405, [''], null), { status: 405, allow: null })).toHaveLength(1);
  });
  it('makes the example runnable with the site\'s paths', () => {
    const s: ApacheSite = { port: 1234, backend: 5678, root: '/tmp/x/htdocs', dir: '/tmp/x' };
    const example = '<Directory /var/www/html>\nProxyPass /api/ http://127.0.0.1:8080/\n</Directory>\n<Directory /usr/lib/cgi-bin>\n</Directory>\n';
    const server = runnable(example, 'server', s);
    expect(server.htaccess).toBeUndefined();
    expect(server.config).toContain('<Directory /tmp/x/htdocs>\nProxyPass /api/ http://127.0.0.1:5678/\n</Directory>\n<Directory /tmp/x/cgi-bin>');
    expect(server.config).not.toMatch(/\/var\/www|:8080|\/usr\/lib\/cgi-bin/);
    const dir = runnable('Require all denied\n', 'directory', s);
    expect(dir.config.endsWith('<Directory "/tmp/x/htdocs">\nRequire all denied\n</Directory>\n')).toBe(true);
    const ht = runnable('Require all denied\n', 'htaccess', s);
    expect(ht.htaccess).toBe('Require all denied\n');
    expect(ht.config).toContain('<Directory "/tmp/x/htdocs">\n    AllowOverride All\n</Directory>');
  });
});

const apacheRules = rules.filter((r) => r.dialects.includes('apache') && !(r.id in CHECKED_ELSEWHERE));
const claimFile = (id: string): string => `${ROOT}test/fixtures/${id}/claim.apache.json`;

describeApache("each Apache rule's claim holds on a real apache2, from its own Bad example", () => {
  let running: RealApache | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('the rules checked elsewhere exist and their suites name them', () => {
    for (const [id, suite] of Object.entries(CHECKED_ELSEWHERE)) {
      expect(rules.find((r) => r.id === id)?.dialects, id).toContain('apache');
      expect(readFileSync(`${ROOT}${suite}`, 'utf8'), suite).toContain(`rules/${id}.js`);
    }
  });

  for (const rule of apacheRules) {
    const file = claimFile(rule.id);
    if (!existsSync(file)) {
      it(`${rule.id} has a claim.apache.json`, () => {
        expect.fail(`write test/fixtures/${rule.id}/claim.apache.json: the claim the rule's message relies on`);
      });
      continue;
    }
    it(rule.id, async () => {
      const claim = JSON.parse(readFileSync(file, 'utf8')) as Claim;
      expect(['htaccess', 'directory', 'server'], 'place').toContain(claim.place);
      expect(claim.requests.length, 'requests').toBeGreaterThan(0);
      const example = apacheDocExample(rule.id, '## Bad');
      expect(lintAt(example, claim.place, rule).map((f) => f.ruleId), `the rule reports its Bad example (as ${claim.place})`).toContain(rule.id);

      let htaccess: string | undefined;
      running = await startApache(
        (s) => {
          const r = runnable(example, claim.place, s);
          htaccess = r.htaccess;
          return r.config;
        },
        { ...BASE_FILES, ...claim.files },
      );
      // The site's paths are known only once it runs; Apache reads .htaccess per request.
      if (htaccess !== undefined) writeFileSync(join(running.site.root, '.htaccess'), htaccess);
      const problems: string[] = [];
      for (const req of claim.requests) {
        const { expect: want, ...request } = req;
        const got = await running.request(request);
        for (const m of mismatches(got, want)) problems.push(`${request.method} ${request.target}: ${m}${got.errorLog.length ? `\n  ${got.errorLog.join('\n  ')}` : ''}`);
      }
      expect(problems).toEqual([]);
    });
  }
});
