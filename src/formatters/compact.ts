// gcc/unix style, one finding a line: `file:line:col: severity: message [rule-id]`.
// Vim's makeprg, Emacs compilation mode and IDE terminals turn these into links.
import type { Formatter } from './types.js';
import { displayPath, oneLine } from './paths.js';

export const compact: Formatter = (findings, ctx) =>
  findings
    .map((f) => `${displayPath(f.file, ctx.cwd)}:${f.line}:${f.column}: ${f.severity}: ${oneLine(f.message)} [${f.ruleId}]\n`)
    .join('');
