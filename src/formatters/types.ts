// What every formatter gets, and what it is. Formatters are pure: no process,
// no filesystem, no stdout; the CLI writes what they return.
import type { Finding } from '../finding.js';
import type { AnyRule } from '../rule.js';

export interface FormatContext {
  /** Whether ANSI colour is wanted; only `stylish` ever uses it. */
  color: boolean;
  /** The working directory that `Finding.file` is relative to. */
  cwd: string;
  /** The rules that ran, in `rules/index.ts` order. */
  rules: readonly AnyRule[];
  version: string;
  /** Base of the rule docs: a rule's doc is `docsUrl + id + '.md'`. May be empty. */
  docsUrl: string;
  /** The text of files that have findings, keyed by `Finding.file`, for formats that show the source (html). */
  sources?: Readonly<Record<string, string>>;
}

export type Formatter = (findings: readonly Finding[], ctx: FormatContext) => string;
