// Every nginx file of the shared corpus, parsed alone, must give crossplane's
// payload (test/../shared/corpus/nginx/golden). Where crossplane is known to
// be wrong (KNOWN_QUIRKS.tsv), or where its lexer disagrees with nginx's own
// (LEXER_DIFF.tsv and the files below), verblint follows nginx and this test
// asserts verblint's answer instead, with the reason.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crossplanePayload } from '../src/crossplane.js';
import type { Directive } from '../src/model.js';
import { walk } from '../src/model.js';
import { parseNginx } from '../src/parse.js';
import { firstDifference, NGINX_CORPUS, readTsv } from './helpers/corpus.js';

type Expectation =
  /** crossplane's quirk is in its context checks, which the single-file golden does not run. */
  | { kind: 'golden' }
  /** nginx rejects the file: this error, at this position, and nothing parsed. */
  | { kind: 'error'; message: string; line: number; column: number }
  /** nginx's tokenizer reads `token` where crossplane reads `crossplane`. */
  | { kind: 'token'; token: string; crossplane: string }
  /** These directives keep their Lua body as one argument (crossplane lexes it as nginx). */
  | { kind: 'lua'; directives: string[] };

interface Deviation {
  reason: string;
  expect: Expectation;
}

const EOF_STATEMENT = 'unexpected end of file, expecting ";" or "}"';
const EOF_BLOCK = 'unexpected end of file, expecting "}"';

// Files not in KNOWN_QUIRKS.tsv where crossplane's answer is not nginx's.
// Each error below was compared with `nginx -t` (see nginx-errors.test.ts for
// the ones nginx reaches before a semantic error).
const LEXER_DEVIATIONS: Record<string, Deviation> = {
  'nginxinc_crossplane/tests__configs__missing-semicolon__broken-above.conf': {
    reason: 'crossplane accepts a "}" in place of a missing ";"; nginx -t does not',
    expect: { kind: 'error', message: 'unexpected "}"', line: 5, column: 9 },
  },
  'nginxinc_crossplane/tests__configs__missing-semicolon__broken-below.conf': {
    reason: 'crossplane accepts a "}" in place of a missing ";"; nginx -t does not',
    expect: { kind: 'error', message: 'unexpected "}"', line: 8, column: 9 },
  },
  'nginxinc_nginx-go-crossplane/testdata__configs__premature-eof__nginx.conf': {
    reason: 'end of file inside a directive: nginx says expecting ";" or "}" at the last line',
    expect: { kind: 'error', message: EOF_STATEMENT, line: 3, column: 15 },
  },
  'nginxinc_nginx-go-crossplane/testdata__configs__braces__missing-brace.conf': {
    reason: 'nginx reports end of file on the line after the last newline; crossplane on the last token',
    expect: { kind: 'error', message: EOF_BLOCK, line: 23, column: 1 },
  },
  'kubernetes_ingress-nginx/test__data__cleanConf.expected.conf': {
    reason: 'nginx reports end of file on the line after the last newline; crossplane on the last token',
    expect: { kind: 'error', message: EOF_BLOCK, line: 136, column: 1 },
  },
  'kubernetes_ingress-nginx/test__data__cleanConf.src.conf': {
    reason: 'nginx reports end of file on the line after the last newline; crossplane on the last token',
    expect: { kind: 'error', message: EOF_BLOCK, line: 183, column: 1 },
  },
  'nginxinc_crossplane/tests__configs__includes-globbed__servers__locations__not-included.conf': {
    reason: 'crossplane crashes (empty error); nginx: end of file inside a directive',
    expect: { kind: 'error', message: EOF_STATEMENT, line: 3, column: 1 },
  },
  'nginxinc_nginx-go-crossplane/testdata__configs__invalid-map__nginx.conf': {
    reason: 'a block inside map is read by map\'s own handler, which refuses "{"',
    expect: { kind: 'error', message: 'unexpected "{"', line: 7, column: 19 },
  },
};

// What verblint answers for each file of KNOWN_QUIRKS.tsv, by quirk.
function quirkExpectation(file: string, quirk: string, detail: string): Deviation {
  const lexerDiff = LEXER_DIFF.get(file);
  switch (quirk) {
    case 'lua-block-name-unknown-to-crossplane':
      return { reason: detail, expect: { kind: 'lua', directives: [detail.split(':')[0]!] } };
    case 'lua-block-without-space-before-brace':
      return { reason: detail, expect: { kind: 'lua', directives: ['content_by_lua_block'] } };
    case 'dollar-brace-then-space-merges-tokens':
    case 'brace-inside-unquoted-token': {
      const m = /nginx='(.*)' crossplane='(.*)'$/.exec(lexerDiff?.first_difference ?? detail);
      if (!m) throw new Error(`no token difference recorded for ${file}`);
      if (quirk === 'brace-inside-unquoted-token') {
        // The token is read, but it sits in a map, whose handler refuses the "{" before it.
        return { reason: `${detail}; map refuses the "{" that precedes it`, expect: { kind: 'error', message: 'unexpected "{"', line: 3, column: 59 } };
      }
      return { reason: detail, expect: { kind: 'token', token: m[1]!, crossplane: m[2]! } };
    }
    case 'text-glued-after-closing-quote':
      return { reason: detail, expect: { kind: 'error', message: 'unexpected "-"', line: 1, column: 21 } };
    case 'not-nginx-syntax':
      return file.endsWith('include_and_deny_fp.conf')
        ? { reason: `${detail}: nginx's tokenizer stops at the quote before ":"`, expect: { kind: 'error', message: 'unexpected ":"', line: 1, column: 32 } }
        : { reason: `${detail}: still valid syntax`, expect: { kind: 'golden' } };
    case 'false-positive-context-error-in-default-variant':
      return { reason: detail, expect: { kind: 'golden' } };
    default:
      throw new Error(`KNOWN_QUIRKS.tsv has a quirk this test does not know: ${quirk} (${file})`);
  }
}

const LEXER_DIFF = new Map(readTsv(join(NGINX_CORPUS, 'LEXER_DIFF.tsv')).map((r) => [r.file!, r]));
const QUIRKS = readTsv(join(NGINX_CORPUS, 'KNOWN_QUIRKS.tsv'));
const DEVIATIONS = new Map<string, Deviation>(Object.entries(LEXER_DEVIATIONS));
for (const q of QUIRKS) DEVIATIONS.set(q.file!, quirkExpectation(q.file!, q.quirk!, q.detail!));

const FILES = readdirSync(join(NGINX_CORPUS, 'files'))
  .flatMap((repo) => readdirSync(join(NGINX_CORPUS, 'files', repo)).map((f) => `${repo}/${f}`))
  .sort();

function parseCorpusFile(file: string, comments: boolean) {
  const cwd = process.cwd();
  process.chdir(join(NGINX_CORPUS, 'files'));
  try {
    return parseNginx(file, { singleFile: true, comments });
  } finally {
    process.chdir(cwd);
  }
}

function golden(file: string, variant: 'syntax' | 'comments'): unknown {
  return JSON.parse(readFileSync(join(NGINX_CORPUS, 'golden', `${file}.${variant}.json`), 'utf8'));
}

function allArgs(parsed: Directive[]): string[] {
  const out: string[] = [];
  for (const [d] of walk(parsed)) out.push(...d.args);
  return out;
}

// The Lua body as the text between the "{" after the directive name and its
// matching "}", found by counting braces in the source (the bodies in these
// files have no braces inside strings or comments).
function luaBodyAfter(source: string, from: number): string {
  const open = source.indexOf('{', from);
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    if (source[i] === '{') depth++;
    else if (source[i] === '}' && --depth === 0) return source.slice(open + 1, i);
  }
  throw new Error('unbalanced Lua body');
}

describe('nginx corpus against crossplane goldens', () => {
  it('has the corpus and its tables', () => {
    expect(FILES.length).toBeGreaterThan(1000);
    expect(QUIRKS.length).toBe(40);
  });

  it('matches the golden for every file without a known deviation', () => {
    const mismatches: string[] = [];
    let compared = 0;
    for (const file of FILES) {
      if (DEVIATIONS.has(file)) continue;
      for (const variant of ['syntax', 'comments'] as const) {
        const ours = crossplanePayload(parseCorpusFile(file, variant === 'comments'));
        const diff = firstDifference(ours, golden(file, variant));
        compared++;
        if (diff) mismatches.push(`${file} (${variant}): ${diff}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBe(2 * (FILES.length - DEVIATIONS.size));
  });

  describe.each([...DEVIATIONS.entries()])('%s', (file, { reason, expect: want }) => {
    it(`follows nginx: ${reason}`, () => {
      expect(FILES).toContain(file);
      const result = parseCorpusFile(file, false);
      const source = readFileSync(join(NGINX_CORPUS, 'files', file), 'utf8');
      switch (want.kind) {
        case 'golden':
          expect(firstDifference(crossplanePayload(result), golden(file, 'syntax'))).toBeNull();
          break;
        case 'error':
          expect(result.status).toBe('failed');
          expect(result.errors.map(({ message, line, column }) => ({ message, line, column }))).toEqual([
            { message: want.message, line: want.line, column: want.column },
          ]);
          expect(result.config[0]!.parsed).toEqual([]);
          break;
        case 'token': {
          expect(result.status).toBe('ok');
          const args = allArgs(result.config[0]!.parsed);
          expect(args).toContain(want.token);
          expect(args).not.toContain(want.crossplane);
          break;
        }
        case 'lua': {
          expect(result.status).toBe('ok');
          const parsed = result.config[0]!.parsed;
          const ours = [...walk(parsed)].map(([d]) => d).filter((d) => want.directives.includes(d.directive));
          const inSource = want.directives
            .map((name) => source.match(new RegExp(`(^|[\\s;{}])${name}\\s*\\{`, 'g'))?.length ?? 0)
            .reduce((a, b) => a + b, 0);
          expect(ours.length).toBeGreaterThan(0);
          expect(ours.length).toBe(inSource);
          for (const d of ours) {
            expect(d.block).toBeUndefined();
            expect(d.args.at(-1)).toBe(luaBodyAfter(source, d.offset + d.directive.length));
          }
          break;
        }
      }
    });
  });
});
