// Runs rules over parsed configs and turns their reports into findings:
// severities, suppressions, position checks and order are decided here, once.
import { compareFindings, type Finding, type RelatedLocation, type Severity } from './finding.js';
import type { Dialect, Directive, ParseResult } from './model.js';
import type { AnyRule, Reportable, ReportOptions } from './rule.js';

export interface LintUnit {
  dialect: Dialect;
  /** A main file and its includes, parsed with comments (suppressions are comments). */
  tree: ParseResult;
}

export type RuleSetting = Severity | 'off';

export interface EngineOptions {
  rules: readonly AnyRule[];
  /** Severity overrides by rule id; 'off' disables the rule. */
  severity?: Readonly<Record<string, RuleSetting>>;
  /** Option overrides by rule id, merged over the rule's defaults. */
  options?: Readonly<Record<string, object>>;
  /** Report suppression comments that suppress nothing. */
  reportUnusedDisable?: boolean;
  /** How a file on disk is named in findings; by default as it is. */
  displayPath?: (path: string) => string;
}

/** The id under which unused suppressions are reported; it is not a rule. */
export const UNUSED_DISABLE = 'unused-disable';

interface Suppression {
  file: string;
  line: number;
  column: number;
  kind: 'next-line' | 'line' | 'file';
  /** Rule ids, or null for every rule. */
  ids: string[] | null;
  /** For each id (or '*'), whether it suppressed anything. */
  used: Map<string, boolean>;
}

const DIRECTIVE = /^\s*verblint-disable-(next-line|line|file)\b(.*)$/;

function suppressionsOf(tree: ParseResult): Suppression[] {
  const out: Suppression[] = [];
  const visit = (nodes: readonly Directive[]) => {
    for (const node of nodes) {
      if (node.block) visit(node.block);
      if (node.comment === undefined) continue;
      const m = DIRECTIVE.exec(node.comment);
      if (!m) continue;
      const list = m[2]!.split(/\s--\s|\s--$/)[0]!.trim();
      const ids = list === '' ? null : list.split(/[\s,]+/).filter(Boolean);
      const used = new Map<string, boolean>((ids ?? ['*']).map((id) => [id, false]));
      const line = node.commentLine ?? node.line;
      out.push({ file: node.file, line, column: node.column, kind: m[1] as Suppression['kind'], ids, used });
    }
  };
  for (const file of tree.config) visit(file.parsed);
  return out;
}

/** Suppressions by file: a finding is held against its own file's only. */
function byFile(list: readonly Suppression[]): Map<string, Suppression[]> {
  const out = new Map<string, Suppression[]>();
  for (const s of list) {
    const mine = out.get(s.file);
    if (mine) mine.push(s);
    else out.set(s.file, [s]);
  }
  return out;
}

function suppressing(index: ReadonlyMap<string, Suppression[]>, finding: { ruleId: string; file: string; line: number }): boolean {
  let hit = false;
  for (const s of index.get(finding.file) ?? []) {
    const applies = s.kind === 'file' || (s.kind === 'line' ? s.line === finding.line : s.line + 1 === finding.line);
    if (!applies) continue;
    const key = s.ids === null ? '*' : s.ids.includes(finding.ruleId) ? finding.ruleId : undefined;
    if (key === undefined) continue;
    s.used.set(key, true);
    hit = true;
  }
  return hit;
}

class PositionError extends Error {}

export function lint(units: readonly LintUnit[], options: EngineOptions): Finding[] {
  const display = options.displayPath ?? ((p: string) => p);
  const findings: Finding[] = [];

  for (const unit of units) {
    const pathOf = new Map(unit.tree.config.map((c) => [c.file, c.path]));
    const linesOf = new Map(unit.tree.config.map((c) => [c.file, c.lines]));
    const suppressions = suppressionsOf(unit.tree);
    const suppressionsByFile = byFile(suppressions);

    const locate = (ruleId: string, at: Reportable) => {
      const lines = linesOf.get(at.file);
      const endLine = at.endLine ?? at.line;
      const endColumn = at.endColumn ?? at.column + 1;
      const sane =
        lines !== undefined &&
        Number.isInteger(at.line) && at.line >= 1 && at.line <= lines &&
        at.column >= 1 && endLine >= at.line && endLine <= lines &&
        (endLine > at.line || endColumn >= at.column);
      if (!sane) {
        throw new PositionError(`rule ${ruleId} reported an impossible position: ${JSON.stringify(at)} (file has ${lines ?? 'no'} lines)`);
      }
      return { file: at.file, line: at.line, column: at.column, endLine, endColumn };
    };

    for (const rule of options.rules) {
      if (!rule.dialects.includes(unit.dialect)) continue;
      const setting = options.severity?.[rule.id] ?? rule.severity;
      if (setting === 'off') continue;
      const ruleOptions = { ...rule.options, ...options.options?.[rule.id] };
      rule.check({
        dialect: unit.dialect,
        tree: unit.tree,
        options: ruleOptions,
        report(at: Reportable, message: string, extra?: ReportOptions) {
          const where = locate(rule.id, at);
          if (suppressing(suppressionsByFile, { ruleId: rule.id, file: where.file, line: where.line })) return;
          const related: RelatedLocation[] | undefined = extra?.related?.map((r) => {
            const p = locate(rule.id, r.at);
            return { file: display(pathOf.get(p.file)!), line: p.line, column: p.column, message: r.message };
          });
          findings.push({
            ruleId: rule.id,
            severity: setting,
            message,
            ...where,
            file: display(pathOf.get(where.file)!),
            ...(related && related.length > 0 && { related }),
          });
        },
      });
    }

    if (options.reportUnusedDisable) {
      for (const s of suppressions) {
        for (const [id, used] of s.used) {
          if (used) continue;
          const what = id === '*' ? 'any rule' : id;
          findings.push({
            ruleId: UNUSED_DISABLE,
            severity: 'warning',
            message: `verblint-disable-${s.kind} for ${what} suppresses nothing`,
            file: display(pathOf.get(s.file)!),
            line: s.line,
            column: s.column,
            endLine: s.line,
            endColumn: s.column + 1,
          });
        }
      }
    }
  }
  return findings.sort(compareFindings);
}
