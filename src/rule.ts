// What a rule is, and what it is given. Rules report; the engine builds findings.
import type { Severity } from './finding.js';
import type { Dialect, ParseResult, Span } from './model.js';

/** Something a rule can point at: a directive, an argument, or a position. */
export type Reportable = Pick<Span, 'file' | 'line' | 'column'> & Partial<Pick<Span, 'endLine' | 'endColumn'>>;

export interface ReportOptions {
  /** Other places that explain the finding, e.g. "first set here". */
  related?: Array<{ at: Reportable; message: string }>;
}

export interface RuleContext<Options> {
  dialect: Dialect;
  /** The main file with everything it includes: `config[0]` is the main file. */
  tree: ParseResult;
  options: Options;
  report(at: Reportable, message: string, extra?: ReportOptions): void;
}

export interface Rule<Options extends object = Record<string, never>> {
  /** kebab-case; also the file name of the rule, its doc and its fixture folder. */
  id: string;
  /** One imperative sentence. */
  description: string;
  dialects: readonly Dialect[];
  severity: Severity;
  /** Defaults; a user's configuration is merged over them. */
  options: Options;
  check(ctx: RuleContext<Options>): void;
}

/** Rules of any options type, as the engine holds them. */
// eslint-style erasure: the engine passes each rule its own options object.
export type AnyRule = Rule<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function defineRule<Options extends object = Record<string, never>>(rule: Rule<Options>): Rule<Options> {
  return rule;
}
