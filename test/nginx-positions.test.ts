// Exact positions on inputs where they are easy to get wrong. Lines count LF
// only (as nginx does); columns are 1-based UTF-16 code units; ends point
// just past the last character.
import { describe, expect, it } from 'vitest';
import type { Arg, Directive } from '../src/model.js';
import { walk } from '../src/model.js';
import { parseNginxText } from '../src/parse.js';

type Where = [line: number, column: number, endLine: number, endColumn: number];

function where(span: Arg | Directive): Where {
  return [span.line, span.column, span.endLine, span.endColumn];
}

function parse(text: string, comments = false): Directive[] {
  const { parsed, errors } = parseNginxText(text, 'test.conf', comments);
  expect(errors).toEqual([]);
  return parsed;
}

function find(nodes: Directive[], name: string): Directive {
  for (const [d] of walk(nodes)) if (d.directive === name) return d;
  throw new Error(`no ${name}`);
}

describe('nginx positions', () => {
  it('locates a directive, its arguments and its end', () => {
    const [d] = parse('  listen 80 default_server;\n');
    expect(where(d!)).toEqual([1, 3, 1, 28]);
    expect(d!.argNodes.map(where)).toEqual([
      [1, 10, 1, 12],
      [1, 13, 1, 27],
    ]);
  });

  it('spans a block from its name to its closing brace', () => {
    const nodes = parse('http {\n    server {\n        listen 80;\n    }\n}\n');
    expect(where(nodes[0]!)).toEqual([1, 1, 5, 2]);
    expect(where(find(nodes, 'server'))).toEqual([2, 5, 4, 6]);
    expect(where(find(nodes, 'listen'))).toEqual([3, 9, 3, 19]);
  });

  it('keeps a quoted argument that spans lines, and the lines after it', () => {
    const nodes = parse('log_format main "a\nb\n  c" x;\nreturn 200;\n');
    const log = nodes[0]!;
    expect(log.args).toEqual(['main', 'a\nb\n  c', 'x']);
    expect(log.argNodes.map((a) => a.quoted)).toEqual([false, true, false]);
    expect(where(log.argNodes[1]!)).toEqual([1, 17, 3, 5]);
    expect(where(log.argNodes[2]!)).toEqual([3, 6, 3, 7]);
    expect(where(nodes[1]!)).toEqual([4, 1, 4, 12]);
  });

  it('counts CR as a character and only LF as a line end', () => {
    const nodes = parse('events {\r\n}\r\nhttp {\r\n  listen 80;\r\n}\r\n');
    expect(where(nodes[0]!)).toEqual([1, 1, 2, 2]);
    expect(where(find(nodes, 'listen'))).toEqual([4, 3, 4, 13]);
    expect(find(nodes, 'listen').args).toEqual(['80']);
  });

  it('counts a tab as one column', () => {
    const nodes = parse('server {\n\t\tlisten\t80;\n}\n');
    const listen = find(nodes, 'listen');
    expect(where(listen)).toEqual([2, 3, 2, 13]);
    expect(where(listen.argNodes[0]!)).toEqual([2, 10, 2, 12]);
  });

  it('counts UTF-16 code units after multibyte characters', () => {
    // "é" is one code unit, "😀" two; columns after them shift by that much.
    const [d] = parse('add_header X-Name "é😀" always;\n');
    expect(d!.args).toEqual(['X-Name', 'é😀', 'always']);
    expect(where(d!.argNodes[1]!)).toEqual([1, 19, 1, 24]);
    expect(where(d!.argNodes[2]!)).toEqual([1, 25, 1, 31]);
  });

  it('keeps a Lua block body as one argument at its place', () => {
    const nodes = parse('location / {\n    content_by_lua_block {\n        ngx.say("}")\n    }\n    return 200;\n}\n');
    const lua = find(nodes, 'content_by_lua_block');
    expect(lua.args).toEqual(['\n        ngx.say("}")\n    ']);
    expect(lua.block).toBeUndefined();
    expect(where(lua)).toEqual([2, 5, 4, 6]);
    expect(where(lua.argNodes[0]!)).toEqual([2, 27, 4, 5]);
    expect(where(find(nodes, 'return'))).toEqual([5, 5, 5, 16]);
  });

  it('keeps set_by_lua_block arguments before the Lua body', () => {
    const [d] = parse('set_by_lua_block $sum { return 1 + 2 }\n');
    expect(d!.args).toEqual(['$sum', ' return 1 + 2 ']);
    expect(where(d!.argNodes[0]!)).toEqual([1, 18, 1, 22]);
    expect(where(d!.argNodes[1]!)).toEqual([1, 24, 1, 38]);
  });

  it('reads ${var} as part of a token, not as a block', () => {
    const [d] = parse('set $a ${host}x;\n');
    expect(d!.args).toEqual(['$a', '${host}x']);
    expect(where(d!.argNodes[1]!)).toEqual([1, 8, 1, 16]);
    expect(d!.block).toBeUndefined();
  });

  it('lists comments between arguments after the directive, located where they are', () => {
    const nodes = parse('log_format #one\n  main  # two\n  x;\n', true);
    expect(nodes.map((n) => n.directive)).toEqual(['log_format', '#', '#']);
    expect(nodes[0]!.args).toEqual(['main', 'x']);
    expect(where(nodes[0]!)).toEqual([1, 1, 3, 5]);
    expect(where(nodes[0]!.argNodes[0]!)).toEqual([2, 3, 2, 7]);
    expect(where(nodes[0]!.argNodes[1]!)).toEqual([3, 3, 3, 4]);
    // crossplane gives such comments the directive's line; commentLine says where they are.
    expect(nodes.slice(1).map((c) => [c.comment, c.line, c.commentLine, c.column, c.endColumn])).toEqual([
      ['one', 1, 1, 12, 16],
      [' two', 1, 2, 9, 14],
    ]);
  });

  it('locates a comment of its own on its line, and drops it without comments', () => {
    const text = 'events {}\n  # note\nhttp {}\n';
    const withComments = parse(text, true);
    expect(withComments.map((n) => n.directive)).toEqual(['events', '#', 'http']);
    expect(where(withComments[1]!)).toEqual([2, 3, 2, 9]);
    expect(parse(text).map((n) => n.directive)).toEqual(['events', 'http']);
  });

  it('moves if arguments past the parentheses crossplane strips', () => {
    const [d] = parse('if ($request_method = "POST") { return 405; }\n');
    expect(d!.args).toEqual(['$request_method', '=', 'POST']);
    expect(where(d!.argNodes[0]!)).toEqual([1, 5, 1, 20]);
    expect(d!.argNodes[0]!.raw).toBe('$request_method');
    expect(where(d!.argNodes[2]!)).toEqual([1, 23, 1, 29]);
    const [alone] = parse('if ( $x ) { }\n');
    expect(alone!.args).toEqual(['$x']);
    expect(where(alone!.argNodes[0]!)).toEqual([1, 6, 1, 8]);
  });

  it('keeps backslash escapes as crossplane does and marks quoting', () => {
    const [d] = parse(`x a\\ b "c\\"d" 'e\\'f' "g\\'h";\n`);
    expect(d!.args).toEqual(['a\\ b', 'c"d', "e'f", "g\\'h"]);
    expect(d!.argNodes.map((a) => a.raw)).toEqual(['a\\ b', '"c\\"d"', "'e\\'f'", `"g\\'h"`]);
    expect(d!.argNodes.map((a) => a.quoted)).toEqual([false, true, true, true]);
  });
});
