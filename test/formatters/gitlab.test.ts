// The gitlab format beyond its golden file: the severity map, and fingerprints
// that are unique in a report and survive edits that only move a finding.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/finding.js';
import { gitlab, type CodeQualityIssue } from '../../src/formatters/gitlab.js';
import { CONTEXT, FINDINGS } from './sample.js';

function issues(findings: readonly Finding[], cwd = CONTEXT.cwd): CodeQualityIssue[] {
  return JSON.parse(gitlab(findings, { ...CONTEXT, cwd })) as CodeQualityIssue[];
}

const F: Finding = {
  ruleId: 'return-405-without-allow',
  severity: 'warning',
  message: 'return 405 sends no Allow header',
  file: 'etc/nginx/nginx.conf',
  line: 40,
  column: 9,
  endLine: 42,
  endColumn: 20,
};

describe('gitlab', () => {
  it('prints an empty array for no findings', () => {
    expect(gitlab([], CONTEXT)).toBe('[]\n');
  });

  it('has exactly the fields GitLab reads, in order', () => {
    expect(issues([F])).toEqual([
      {
        description: 'return 405 sends no Allow header',
        check_name: 'return-405-without-allow',
        fingerprint: createHash('sha256')
          .update('verblint\0return-405-without-allow\0etc/nginx/nginx.conf\0return 405 sends no Allow header\u00001')
          .digest('hex')
          .slice(0, 32),
        severity: 'minor',
        location: { path: 'etc/nginx/nginx.conf', lines: { begin: 40, end: 42 } },
      },
    ]);
    expect(Object.keys(issues([F])[0]!)).toEqual(['description', 'check_name', 'fingerprint', 'severity', 'location']);
  });

  it('maps error to critical and warning to minor', () => {
    expect(issues([F, { ...F, severity: 'error' }]).map((i) => i.severity)).toEqual(['minor', 'critical']);
  });

  it('keeps a description on one line', () => {
    expect(issues([{ ...F, message: 'a\r\nb\nc' }])[0]!.description).toBe('a b c');
  });

  it('shows paths relative to cwd with forward slashes', () => {
    expect(issues([{ ...F, file: '/repo/conf\\site.conf' }])[0]!.location.path).toBe('conf/site.conf');
  });
});

describe('gitlab fingerprints', () => {
  const fingerprints = (findings: readonly Finding[]) => issues(findings).map((i) => i.fingerprint);

  it('are unique for every sample finding', () => {
    const all = fingerprints(FINDINGS);
    expect(new Set(all).size).toBe(FINDINGS.length);
    for (const fp of all) expect(fp).toMatch(/^[0-9a-f]{32}$/);
  });

  it('are the same in every run', () => {
    expect(fingerprints(FINDINGS)).toEqual(fingerprints(FINDINGS.map((f) => ({ ...f }))));
  });

  it('do not change when lines are added above a finding', () => {
    const moved = { ...F, line: F.line + 5, endLine: F.endLine + 5, column: 1 };
    expect(fingerprints([moved])).toEqual(fingerprints([F]));
  });

  it('tell identical findings in one file apart, in order', () => {
    const twice = fingerprints([F, { ...F, line: 80, endLine: 80 }]);
    expect(twice[0]).toBe(fingerprints([F])[0]);
    expect(twice[1]).not.toBe(twice[0]);
    // The second one keeps its fingerprint when the first moves.
    expect(fingerprints([{ ...F, line: 1, endLine: 1 }, { ...F, line: 90, endLine: 90 }])).toEqual(twice);
  });

  it('change with the rule, the file or the message, not with the severity', () => {
    const [base] = fingerprints([F]);
    expect(fingerprints([{ ...F, ruleId: 'missing-allow-header' }])[0]).not.toBe(base);
    expect(fingerprints([{ ...F, file: 'etc/nginx/other.conf' }])[0]).not.toBe(base);
    expect(fingerprints([{ ...F, message: `${F.message}!` }])[0]).not.toBe(base);
    expect(fingerprints([{ ...F, severity: 'error' }])[0]).toBe(base);
  });
});

describe('verblint --format gitlab', () => {
  it('writes the report to a file beside the console report, as a CI job does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verblint-gitlab-'));
    try {
      writeFileSync(join(dir, 'nginx.conf'), 'events {}\nhttp {\n    server {\n        listen 80;\n        location = /api {\n            limit_except GET {\n            }\n            proxy_pass http://127.0.0.1:8080;\n        }\n    }\n}\n');
      const cli = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
      const run = spawnSync(process.execPath, [cli, '-f', 'compact', '-f', 'gitlab=reports/gl-code-quality.json', '.'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(/^nginx\.conf:6:13: error: limit_except GET restricts nothing: .* \[limit-except-no-effect\]\n$/);
      const report = JSON.parse(readFileSync(join(dir, 'reports/gl-code-quality.json'), 'utf8')) as CodeQualityIssue[];
      expect(report).toHaveLength(1);
      expect(report[0]).toMatchObject({ check_name: 'limit-except-no-effect', severity: 'critical', location: { path: 'nginx.conf', lines: { begin: 6, end: 7 } } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
