// GitHub Actions workflow commands: one annotation per finding.
//
// GitHub keeps at most 10 error and 10 warning annotations per step and drops
// the rest silently, so errors go first, at most 10 of each kind are emitted,
// one notice says how many were left out, and those are printed to the log
// as compact lines so that nothing is lost.
import type { Finding } from '../finding.js';
import { compact } from './compact.js';
import type { Formatter } from './types.js';
import { displayPath } from './paths.js';

export const ANNOTATION_LIMIT = 10;

/** Escaping of a command's message (actions/toolkit `escapeData`). */
export function escapeData(s: string): string {
  return s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** Escaping of a command's property values (actions/toolkit `escapeProperty`). */
export function escapeProperty(s: string): string {
  return escapeData(s).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

export const github: Formatter = (findings, ctx) => {
  const errors = findings.filter((f) => f.severity === 'error');
  const warnings = findings.filter((f) => f.severity === 'warning');
  const shown = [...errors.slice(0, ANNOTATION_LIMIT), ...warnings.slice(0, ANNOTATION_LIMIT)];
  const lines = shown.map((f) => annotation(f, ctx.cwd));
  const rest = [...errors.slice(ANNOTATION_LIMIT), ...warnings.slice(ANNOTATION_LIMIT)];
  if (rest.length > 0) {
    const what = rest.length === 1 ? '1 more finding was' : `${rest.length} more findings were`;
    lines.push(`::notice::${what} not annotated; they are listed in the log below`);
  }
  return lines.map((l) => `${l}\n`).join('') + compact(rest, ctx);
};

function annotation(f: Finding, cwd: string): string {
  const props = [
    `file=${escapeProperty(displayPath(f.file, cwd))}`,
    `line=${f.line}`,
    `col=${f.column}`,
    `endLine=${f.endLine}`,
    `endColumn=${f.endColumn}`,
    `title=${escapeProperty(f.ruleId)}`,
  ];
  return `::${f.severity} ${props.join(',')}::${escapeData(f.message)}`;
}
