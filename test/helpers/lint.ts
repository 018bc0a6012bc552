// Linting for tests: fixture files on disk, and snippets held in memory.
import { relative } from 'node:path';
import { lint } from '../../src/engine.js';
import type { Finding } from '../../src/finding.js';
import type { Host } from '../../src/host.js';
import type { Dialect, ParseResult } from '../../src/model.js';
import { parseApache } from '../../src/apache-parse.js';
import { parseNginx } from '../../src/parse.js';
import type { AnyRule } from '../../src/rule.js';

export function parseFor(dialect: Dialect, file: string, host?: Host): ParseResult {
  if (dialect === 'apache') return parseApache(file, { comments: true, ...(host && { host }) });
  return parseNginx(file, { comments: true, ...(host && { host }) });
}

export function lintFile(file: string, dialect: Dialect, rules: readonly AnyRule[], options?: Record<string, object>): Finding[] {
  return lint([{ dialect, tree: parseFor(dialect, file) }], {
    rules,
    ...(options && { options }),
    displayPath: (p) => relative(process.cwd(), p),
  });
}

/** Lints a snippet as a file of its own; includes find nothing. */
export function lintText(text: string, dialect: Dialect, rules: readonly AnyRule[]): Finding[] {
  const host: Host = {
    readFile: (p) => {
      if (p === 'snippet.conf') return text;
      throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    },
    check: (p) => (p === 'snippet.conf' ? 'ok' : 'ENOENT'),
    glob: () => [],
    listTree: () => [],
  };
  return lint([{ dialect, tree: parseFor(dialect, 'snippet.conf', host) }], { rules });
}
