// Format names, their aliases, and the formatter for each.
import { compact } from './compact.js';
import { github } from './github.js';
import { gitlab } from './gitlab.js';
import { html } from './html.js';
import { json } from './json.js';
import { sarif } from './sarif.js';
import { stylish } from './stylish.js';
import type { Formatter } from './types.js';

export const FORMATS = ['stylish', 'compact', 'json', 'sarif', 'github', 'gitlab', 'html'] as const;
export type FormatName = (typeof FORMATS)[number];

export const ALIASES = { unix: 'compact', gcc: 'compact' } as const satisfies Record<string, FormatName>;

const FORMATTERS: Record<FormatName, Formatter> = { stylish, compact, json, sarif, github, gitlab, html };

/** The formatter for a format name or alias; undefined for anything else. */
export function formatterFor(name: string): Formatter | undefined {
  const canonical = Object.hasOwn(ALIASES, name) ? ALIASES[name as keyof typeof ALIASES] : name;
  return Object.hasOwn(FORMATTERS, canonical) ? FORMATTERS[canonical as FormatName] : undefined;
}
