// GitLab Code Quality: a JSON array of issues, the subset of the Code Climate
// spec GitLab reads (`artifacts: reports: codequality:`).
import { createHash } from 'node:crypto';
import type { Severity } from '../finding.js';
import type { Formatter } from './types.js';
import { displayPath, oneLine } from './paths.js';

export interface CodeQualityIssue {
  description: string;
  check_name: string;
  fingerprint: string;
  severity: 'info' | 'minor' | 'major' | 'critical' | 'blocker';
  location: { path: string; lines: { begin: number; end: number } };
}

// GitLab documents five values (info, minor, major, critical, blocker) and no
// meaning for them; its widget sorts by them. An error is a request the
// config refuses, redirects or answers wrongly for certain, or a config
// `nginx -t` rejects: `critical`, above the `major` that most style linters
// give their errors. A warning depends on how the site is used: `minor`.
// `blocker` is left to security scanners.
const SEVERITY: Record<Severity, CodeQualityIssue['severity']> = { error: 'critical', warning: 'minor' };

export const gitlab: Formatter = (findings, ctx) => {
  const seen = new Map<string, number>();
  const issues = findings.map((f): CodeQualityIssue => {
    const path = displayPath(f.file, ctx.cwd);
    return {
      description: oneLine(f.message),
      check_name: f.ruleId,
      fingerprint: fingerprint(f.ruleId, path, f.message, seen),
      severity: SEVERITY[f.severity],
      location: { path, lines: { begin: f.line, end: f.endLine } },
    };
  });
  return `${JSON.stringify(issues, null, 2)}\n`;
};

/**
 * GitLab shows only the first of issues with equal fingerprints, and compares
 * them between the base and the merge request's pipelines to say what is new
 * and what is fixed. So: unique within a report (the n-th identical finding
 * in a file gets n), and without the line, so that a finding moved by an edit
 * above it is not reported as fixed and new again. A changed message is a new
 * issue: messages quote the offending value.
 */
function fingerprint(ruleId: string, path: string, message: string, seen: Map<string, number>): string {
  const key = [ruleId, path, message].join('\0');
  const n = (seen.get(key) ?? 0) + 1;
  seen.set(key, n);
  return createHash('sha256').update(`verblint\0${key}\0${n}`).digest('hex').slice(0, 32);
}
