// crossplane's JSON payload, key for key, so that tools written for
// `crossplane parse` can read `verblint parse`.
import type { Directive, ParseError, ParseResult } from './model.js';

export interface PayloadOptions {
  /** Add column and end positions to directives, arguments and errors. */
  positions?: boolean;
}

function errorText(e: ParseError): string {
  return e.crossplaneMessage ?? `${e.message} in ${e.file}:${e.line}`;
}

function statement(d: Directive, positions: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { directive: d.directive, line: d.line, args: d.args };
  if (d.includes) out.includes = d.includes;
  if (d.block) out.block = d.block.map((c) => statement(c, positions));
  if (d.comment !== undefined) out.comment = d.comment;
  if (positions) {
    out.column = d.column;
    out.endLine = d.endLine;
    out.endColumn = d.endColumn;
    if (d.commentLine !== undefined) out.commentLine = d.commentLine;
    out.argPositions = d.argNodes.map((a) => ({
      line: a.line,
      column: a.column,
      endLine: a.endLine,
      endColumn: a.endColumn,
      quoted: a.quoted,
    }));
  }
  return out;
}

export function crossplanePayload(result: ParseResult, options: PayloadOptions = {}): unknown {
  const positions = options.positions ?? false;
  const located = (e: ParseError, base: Record<string, unknown>) =>
    positions ? { ...base, column: e.column } : base;
  return {
    status: result.status,
    errors: result.errors.map((e) => located(e, { file: e.file, error: errorText(e), line: e.line })),
    config: result.config.map((c) => ({
      file: c.file,
      status: c.status,
      errors: c.errors.map((e) => located(e, { error: errorText(e), line: e.line })),
      parsed: c.parsed.map((d) => statement(d, positions)),
    })),
  };
}

/**
 * JSON as Python's json.dumps writes it, which is what crossplane prints:
 * non-ASCII escaped as \uXXXX; without indent, no spaces (crossplane passes
 * separators=(",", ":")); with indent, ": " and one item a line.
 */
export function pythonJson(value: unknown, indent?: number): string {
  const text = indent === undefined ? JSON.stringify(value) : JSON.stringify(value, null, indent);
  return text.replace(/[\u0080-\uffff]/g, (ch) =>
    `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
