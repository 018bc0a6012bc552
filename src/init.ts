// What `verblint init` writes: a verblint.config.json that spells out the
// defaults, every rule with its severity and options, with comments (the
// config loader accepts // and /* */ in verblint.config.json).
import type { AnyRule } from './rule.js';

export const INIT_FILE = 'verblint.config.json';

export interface InitOptions {
  version: string;
  /** Base of the rule docs, as formatters get it; may be empty. */
  docsUrl: string;
}

const DIALECT_NAMES = { nginx: 'nginx', apache: 'Apache' } as const;

/** A JSON value on one line, with a space after `:` and `,` as people write it. */
function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return JSON.stringify(value);
}

function ruleEntry(rule: AnyRule, docsUrl: string, last: boolean): string[] {
  const dialects = rule.dialects.map((d) => DIALECT_NAMES[d]).join(', ');
  const lines = [`    // ${rule.description} (${dialects})`];
  const severity = rule.severity === 'warning' ? 'warn' : rule.severity;
  const comma = last ? '' : ',';
  const options = Object.entries(rule.options as Record<string, unknown>);
  if (options.length === 0) {
    lines.push(`    ${JSON.stringify(rule.id)}: ${JSON.stringify(severity)}${comma}`);
    return lines;
  }
  lines.push(`    // Options: ${docsUrl === '' ? `rules/${rule.id}.md in verblint's repository` : `${docsUrl}${rule.id}.md`}`);
  lines.push(`    ${JSON.stringify(rule.id)}: [${JSON.stringify(severity)}, {`);
  options.forEach(([key, value], i) => {
    lines.push(`      ${JSON.stringify(key)}: ${inline(value)}${i === options.length - 1 ? '' : ','}`);
  });
  lines.push(`    }]${comma}`);
  return lines;
}

/**
 * The text of a verblint.config.json that changes nothing: each rule at its
 * default severity with its default options, the other keys empty or, where
 * any value would change something (prefix, serverRoot, maxWarnings),
 * commented out. Optional keys come before the last key so that removing
 * `// ` in front of one gives valid JSON.
 */
export function initConfig(rules: readonly AnyRule[], options: InitOptions): string {
  const lines = [
    `// verblint configuration, written by \`verblint init\` (verblint ${options.version}).`,
    '//',
    '// Every value below is what verblint does without this file: change what you',
    '// need and delete the rest. Comments (// and /* */) are allowed here; trailing',
    '// commas are not. verblint looks for this file in the working directory and',
    '// the directories above it.',
    '{',
    '  // Each rule: "off", "warn" or "error", or [severity, { options }]. --rule',
    '  // id=off on the command line overrides this for one run.',
    '  "rules": {',
    ...rules.flatMap((rule, i) => ruleEntry(rule, options.docsUrl, i === rules.length - 1)),
    '  },',
    '  // Exit 1 when there are more warnings than this (as --max-warnings does);',
    '  // without it, only errors make the exit code 1.',
    '  // "maxWarnings": 0,',
    "  // nginx's prefix (as nginx -p), for relative include paths; relative to this",
    '  // file. Without it: the folder of the nginx.conf above each file.',
    '  // "prefix": "/etc/nginx",',
    "  // Apache's ServerRoot (as --server-root), for relative Include paths;",
    '  // relative to this file. Without it: the folder of the apache2.conf or',
    '  // httpd.conf above each file.',
    '  // "serverRoot": "/etc/apache2",',
    '  // What a walk of a folder skips (besides what .gitignore files name), as',
    '  // .gitignore lines relative to this file, e.g. ["legacy/", "*.bak.conf"].',
    '  "ignores": [],',
    '  // Files to read as nginx or as Apache whatever their name and content, e.g.',
    '  // { "files": ["templates/*.conf.j2"], "dialect": "nginx" }; of the entries',
    '  // whose files match a file, the last one decides.',
    '  "overrides": []',
    '}',
  ];
  return `${lines.join('\n')}\n`;
}
