// Syntax errors: nginx's own words, at the exact line and column, and the
// same message and line from a real `nginx -t`.
import { describe, expect, it } from 'vitest';
import { crossplanePayload } from '../src/crossplane.js';
import { MAX_DEPTH, parseNginx, parseNginxText } from '../src/parse.js';
import { nginxTest } from './helpers/nginx.js';

interface Case {
  name: string;
  config: string;
  message: string;
  line: number;
  column: number;
  /** false where Debian's nginx cannot read the case (no Lua module). */
  checkWithNginx?: boolean;
}

const EOF_STATEMENT = 'unexpected end of file, expecting ";" or "}"';
const EOF_BLOCK = 'unexpected end of file, expecting "}"';

const CASES: Case[] = [
  { name: 'a "}" where ";" is missing', config: 'events {}\nhttp {\n    server {\n        listen 80\n    }\n}\n', message: 'unexpected "}"', line: 5, column: 5 },
  { name: 'a "}" with no block open', config: 'events {}\n}\n', message: 'unexpected "}"', line: 2, column: 1 },
  { name: 'a "}" right after a quoted argument', config: 'events {}\nhttp {\n    default_type "text/plain"}\n', message: 'unexpected "}"', line: 3, column: 30 },
  { name: 'end of file inside a directive', config: 'events {}\nhttp {\n    server {\n        listen 80', message: EOF_STATEMENT, line: 4, column: 18 },
  { name: 'end of file inside a quoted argument', config: 'events {}\nhttp {\n    default_type "text\n', message: EOF_STATEMENT, line: 4, column: 1 },
  { name: 'end of file after a backslash', config: 'events {}\nhttp {\n    default_type text\\', message: EOF_STATEMENT, line: 3, column: 23 },
  { name: 'end of file inside a block', config: 'events {}\nhttp {\n    server {\n    }\n', message: EOF_BLOCK, line: 5, column: 1 },
  { name: 'a ";" with no directive', config: 'events {}\nhttp {\n    ;\n}\n', message: 'unexpected ";"', line: 3, column: 5 },
  { name: 'a "{" with no directive', config: 'events {}\nhttp {\n    server {}\n    {\n}\n', message: 'unexpected "{"', line: 4, column: 5 },
  { name: 'text glued to a closing quote', config: 'events {}\nhttp {\n    add_header X "a"b;\n}\n', message: 'unexpected "b"', line: 3, column: 21 },
  { name: 'a "#" glued to a closing quote', config: "events {}\nhttp {\n    default_type 'a'#x\n;\n}\n", message: 'unexpected "#"', line: 3, column: 21 },
  { name: 'a block inside map', config: 'events {}\nhttp {\n    map $uri $x {\n        a {\n        }\n    }\n}\n', message: 'unexpected "{"', line: 4, column: 11 },
  { name: 'an unquoted regex with braces inside map', config: 'events {}\nhttp {\n    map $uri $x {\n        ~^/a[0-9]{2}$ 1;\n    }\n}\n', message: 'unexpected "{"', line: 4, column: 18 },
  { name: 'end of file inside a Lua block', config: 'content_by_lua_block {\n    ngx.say("{")\n', message: EOF_BLOCK, line: 3, column: 1, checkWithNginx: false },
  { name: 'end of file inside a Lua long string', config: 'content_by_lua_block { local s = [==[ ]] }\n', message: EOF_BLOCK, line: 2, column: 1, checkWithNginx: false },
];

describe('nginx syntax errors', () => {
  it.each(CASES)('$name', ({ config, message, line, column }) => {
    const { parsed, errors } = parseNginxText(config, 'nginx.conf');
    expect(errors).toEqual([{ kind: 'syntax', file: 'nginx.conf', message, line, column }]);
    expect(parsed).toEqual([]);
  });

  it.each(CASES.filter((c) => c.checkWithNginx !== false))('agrees with nginx -t: $name', ({ config, message, line }) => {
    expect(nginxTest(config)).toEqual({ ok: false, message, line });
  });

  it('parses blocks nested MAX_DEPTH deep, and stops with a located error one deeper', () => {
    const nest = (n: number) => 'location / {\n'.repeat(n) + '}\n'.repeat(n);
    const ok = parseNginxText(nest(MAX_DEPTH), 'deep.conf');
    expect(ok.errors).toEqual([]);
    expect(ok.parsed).toHaveLength(1);
    const { errors } = parseNginxText(nest(MAX_DEPTH + 1), 'deep.conf');
    expect(errors).toEqual([
      { kind: 'syntax', file: 'deep.conf', message: `blocks nested too deeply: verblint reads at most ${MAX_DEPTH} levels (nginx has no limit of its own; it crashes when its stack runs out, some 13,000 levels deep with an 8 MB stack)`, line: MAX_DEPTH + 1, column: 12 },
    ]);
  });

  it('accepts what nginx accepts around the error cases', () => {
    const fine = 'events {}\nhttp {\n    map $uri $x {\n        "~^/a[0-9]{2}$" 1;\n    }\n    default_type "text/plain" ;\n    server { if ($x = "1") { return 204; } }\n}\n';
    expect(parseNginxText(fine, 'nginx.conf').errors).toEqual([]);
    expect(nginxTest(fine)).toEqual({ ok: true });
  });

  it("words errors in crossplane's payload as crossplane does", () => {
    const host = {
      readFile: () => 'events {}\n}\n',
      check: () => 'ok',
      glob: () => [], listTree: () => [],
    };
    const payload = crossplanePayload(parseNginx('conf/nginx.conf', { host }), { positions: true });
    expect(payload).toEqual({
      status: 'failed',
      errors: [{ file: 'conf/nginx.conf', error: 'unexpected "}" in conf/nginx.conf:2', line: 2, column: 1 }],
      config: [{ file: 'conf/nginx.conf', status: 'failed', errors: [{ error: 'unexpected "}" in conf/nginx.conf:2', line: 2, column: 1 }], parsed: [] }],
    });
  });

  it('goes on with the other files when one include has a syntax error', () => {
    const files: Record<string, string> = {
      'nginx.conf': 'events {}\nhttp {\n    include a.conf;\n    include b.conf;\n    include missing.conf;\n}\n',
      'a.conf': 'server {\n',
      'b.conf': 'server { listen 80; }\n',
    };
    const host = {
      readFile: (p: string) => files[p]!,
      check: (p: string) => (p in files ? 'ok' : 'ENOENT'),
      glob: () => [], listTree: () => [],
    };
    const result = parseNginx('nginx.conf', { host });
    expect(result.config.map((c) => [c.file, c.status, c.parsed.length])).toEqual([
      ['nginx.conf', 'failed', 2],
      ['a.conf', 'failed', 0],
      ['b.conf', 'ok', 1],
    ]);
    expect(result.errors.map((e) => [e.file, e.line, e.column, e.message])).toEqual([
      ['nginx.conf', 5, 13, 'open() "missing.conf" failed (2: No such file or directory)'],
      ['a.conf', 2, 1, EOF_BLOCK],
    ]);
    expect(crossplanePayload(result)).toMatchObject({
      errors: [
        { file: 'nginx.conf', error: "[Errno 2] No such file or directory: 'missing.conf'", line: 5 },
        { file: 'a.conf', error: `${EOF_BLOCK} in a.conf:2`, line: 2 },
      ],
    });
  });
});
