// The compact nodes of src/tree.ts: computed fields, copies, shared argument
// lists, and what JSON.stringify gives.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseApacheText } from '../src/apache-parse.js';
import type { Directive } from '../src/model.js';
import { walk } from '../src/model.js';
import { parseNginxText } from '../src/parse.js';
import { copyNode, Interner, type Node } from '../src/tree.js';
import { NGINX_CORPUS } from './helpers/corpus.js';

const nginx = (text: string): Directive[] => {
  const { parsed, errors } = parseNginxText(text, 'n.conf', true);
  expect(errors).toEqual([]);
  return [...walk(parsed)].map(([d]) => d);
};

// Every position from the text alone: the line and column of an offset.
function at(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset);
  return [before.split('\n').length, offset - (before.lastIndexOf('\n') + 1) + 1];
}

describe('nodes', () => {
  const text = 'http {\n  server { # one\n    listen 80 "x y"; # two\n  }\n}\nlocation\n  # c\n  /a { }\n';

  it('compute their positions and argument nodes from the file text', () => {
    const nodes = nginx(text);
    expect(nodes.map((d) => d.directive)).toEqual(['http', 'server', '#', 'listen', '#', 'location', '#']);
    for (const d of nodes) {
      expect(d.file).toBe('n.conf');
      expect([d.commentLine ?? d.line, d.column]).toEqual(at(text, d.offset));
      expect([d.endLine, d.endColumn]).toEqual(at(text, d.endOffset));
      expect(d.argNodes.map((a) => a.value)).toEqual(d.args);
      for (const a of d.argNodes) {
        expect(a.raw).toBe(text.slice(a.offset, a.endOffset));
        expect([a.line, a.column, a.endLine, a.endColumn]).toEqual([...at(text, a.offset), ...at(text, a.endOffset)]);
      }
    }
    const listen = nodes[3]!;
    expect(listen.argNodes.map((a) => [a.raw, a.quoted])).toEqual([['80', false], ['"x y"', true]]);
    // Built once: the same objects on every read.
    expect(listen.argNodes).toBe(listen.argNodes);
  });

  it('take assigned positions as their own fields', () => {
    const [http] = nginx(text);
    http!.column = 7;
    http!.endLine = 9;
    expect([http!.column, http!.endLine, http!.endColumn]).toEqual([7, 9, 2]);
    expect(Object.keys(http!)).toEqual(expect.arrayContaining(['column', 'endLine']));
  });

  it('copy with copyNode, keeping what a spread loses', () => {
    const listen = nginx(text)[3]!;
    const copy = copyNode(listen, { args: ['8080'] });
    expect([copy.args, copy.file, copy.line, copy.column, copy.endLine, copy.endColumn]).toEqual([['8080'], 'n.conf', 3, 5, 3, 21]);
    expect(copy.argNodes).toBe(listen.argNodes);
    expect(listen.args).toEqual(['80', 'x y']);
    const spread = { ...listen };
    expect([spread.file, spread.column]).toEqual([undefined, undefined]);
  });

  it('keep line and offsets in the file record: a copy given others leaves the original where it was', () => {
    const nodes = nginx(text);
    const listen = nodes[3]!;
    const offset = text.indexOf('listen');
    const moved = copyNode(listen, { line: 9, offset: 0 });
    expect([moved.line, moved.offset, moved.endOffset]).toEqual([9, 0, listen.endOffset]);
    expect([listen.line, listen.offset, listen.column]).toEqual([3, offset, 5]);
    moved.endOffset = 1;
    expect(listen.endOffset).toBe(offset + 'listen 80 "x y";'.length);
    // A comment between arguments is moved to its statement's line; its own stays in commentLine.
    const [, inner] = nginx('a b # c\n  d;\n');
    expect([inner!.directive, inner!.line, inner!.commentLine]).toEqual(['#', 1, 1]);
    const [, between] = nginx('a b\n # c\n  d;\n');
    expect([between!.directive, between!.line, between!.commentLine, between!.column]).toEqual(['#', 1, 2, 2]);
  });

  it('give one argument node without keeping them all', () => {
    const listen = nginx(text)[3]! as Node;
    const second = listen.argNode(1)!;
    expect([second.raw, second.line, second.column]).toEqual(['"x y"', 3, 15]);
    expect(listen.argNode(2)).toBeUndefined();
    expect(listen.argNodes[1]).toEqual(second);
    expect(listen.argNode(1)).toBe(listen.argNodes[1]);
  });

  it('give JSON the plain fields, not the file they come from', () => {
    const listen = nginx(text)[3]!;
    const json = JSON.parse(JSON.stringify(listen)) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['directive', 'line', 'args', 'file', 'column', 'endLine', 'endColumn', 'offset', 'endOffset', 'argNodes']);
    expect(json).toMatchObject({ directive: 'listen', line: 3, args: ['80', 'x y'], column: 5, endColumn: 21 });
    expect(JSON.stringify(listen)).not.toContain('server');
  });

  it('share one frozen array between equal argument lists', () => {
    const nodes = nginx('a x y;\nb x y;\nc x;\nd x z;\ne;\nf;\n');
    expect(nodes[1]!.args).toBe(nodes[0]!.args);
    expect(nodes[5]!.args).toBe(nodes[4]!.args);
    expect(nodes[3]!.args).not.toBe(nodes[0]!.args);
    expect(nodes[2]!.args).toEqual(['x']);
    expect(Object.isFrozen(nodes[0]!.args)).toBe(true);
    expect(() => nodes[0]!.args.push('z')).toThrow(TypeError);
    // Each keeps its own positions.
    expect(nodes.map((d) => d.argNodes[0]?.line)).toEqual([1, 2, 3, 4, undefined, undefined]);
  });

  it('Apache: a section is a node with a block, with its name in lower case', () => {
    const { parsed, errors } = parseApacheText('<Directory "/a">\n  Require all granted\n</Directory>\n', 'a.conf');
    expect(errors).toEqual([]);
    const [dir] = parsed;
    expect([dir!.section, dir!.lower, dir!.reportLine, dir!.endLine, dir!.endColumn]).toEqual([true, 'directory', 1, 3, 13]);
    expect([dir!.block![0]!.section, dir!.block![0]!.lower]).toEqual([undefined, 'require']);
    expect(copyNode(dir!, { block: [] }).section).toBe(true);
  });
});

describe('raw texts once the file text is gone', () => {
  const raws = (text: string): Array<[string, string]> =>
    nginx(text).flatMap((d) => d.argNodes.map((a): [string, string] => [a.raw, text.slice(a.offset, a.endOffset)]));

  it('are the source text of every argument: quotes, escapes, if parentheses, Lua', () => {
    const text = [
      `a "x\\"y" 'p\\'q' "it's" 'say "hi"' '\\\\' "a\\\\\\"b" b\\ c "multi\nline";`,
      `if ("(a" = $b) { }`,
      `if ( $a ~ "b)" ) { }`,
      `if ($a) { }`,
      `content_by_lua_block { ngx.say("}") }`,
      '',
    ].join('\n');
    const got = raws(text);
    expect(got.map(([raw]) => raw)).toEqual([
      '"x\\"y"', "'p\\'q'", `"it's"`, `'say "hi"'`, "'\\\\'", '"a\\\\\\"b"', 'b\\ c', '"multi\nline"',
      '"(a"', '=', '$b', '$a', '~', '"b)"', '$a', ' ngx.say("}") ',
    ]);
    for (const [raw, source] of got) expect(raw).toBe(source);
    const [node] = nginx(text);
    expect((node as Node).src.text).toBeUndefined();
  });

  it('are the source text of every argument of random statements, quoted or not', () => {
    // Quoted words hold both quotes, escaped or not, and other escapes; bare ones escapes too.
    const inner = fc.array(fc.constantFrom('a', ' ', '"', "'", '\\"', "\\'", '\\\\', '\\n', '$b', '{', ';', '#', '\n', '(', ')'), { maxLength: 8 });
    const quoted = fc.tuple(fc.constantFrom('"', "'"), inner).map(([q, parts]) => q + parts.map((p) => (p === q ? `\\${q}` : p)).join('') + q);
    const bare = fc.constantFrom('a', '$b', 'a\\ b', '(x', 'y)', '\\;', '\\"');
    let quotedSeen = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof(quoted, bare), { minLength: 1, maxLength: 4 }), fc.boolean(), (words, asIf) => {
        const text = asIf ? `if (${words.join(' ')}) { }\n` : `d ${words.join(' ')};\n`;
        const { parsed, errors } = parseNginxText(text, 'n.conf', true);
        // nginx refuses some of them (an empty quoted word after `if (`, say): nothing to check.
        if (errors.length > 0) return;
        for (const [d] of walk(parsed)) {
          for (const a of d.argNodes) {
            expect(a.raw).toBe(text.slice(a.offset, a.endOffset));
            if (a.quoted) quotedSeen++;
          }
        }
      }),
      { seed: 9, numRuns: 1000 },
    );
    expect(quotedSeen).toBeGreaterThan(500);
  });

  it('are the source text of every argument of the corpus', () => {
    const root = join(NGINX_CORPUS, 'files');
    let checked = 0;
    for (const repo of readdirSync(root)) {
      for (const name of readdirSync(join(root, repo))) {
        const text = readFileSync(join(root, repo, name), 'utf8');
        const { parsed } = parseNginxText(text, name, true);
        for (const [d] of walk(parsed)) {
          for (const a of d.argNodes) {
            if (a.raw !== text.slice(a.offset, a.endOffset)) expect([repo, name, a.line, a.raw]).toEqual([repo, name, a.line, text.slice(a.offset, a.endOffset)]);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(20000);
  });
});

describe('Apache nodes: positions kept in the file record', () => {
  it('moves a section\'s end to its closing tag in the record, not in a field of its own', () => {
    const { parsed, errors } = parseApacheText('<Directory "/a">\n  Require all granted\n</Directory>\nB x\n', 'a.conf');
    expect(errors).toEqual([]);
    const [dir, b] = parsed;
    expect([dir!.offset, dir!.endOffset, dir!.endLine, dir!.endColumn]).toEqual([0, 51, 3, 13]);
    expect([b!.offset, b!.endOffset, b!.endLine]).toEqual([52, 55, 4]);
    for (const d of [dir!, dir!.block![0]!, b!]) expect(['endOffset', 'reportLine', 'line'].filter((k) => Object.hasOwn(d, k))).toEqual([]);
    // A copy shares the record; a field set on it is its own.
    const copy = copyNode(dir!, { block: [] });
    expect([copy.endOffset, copy.endLine]).toEqual([51, 3]);
    copy.endOffset = 20;
    expect([copy.endOffset, dir!.endOffset]).toEqual([20, 51]);
  });

  it('reports a continued line at its last physical line, copies included, and each other line at its own', () => {
    const { parsed, errors } = parseApacheText('A x\nB y \\\n  z \\\n  w\n<If "true" \\\n>\nC v\n</If>\n', 'a.conf');
    expect(errors).toEqual([]);
    const [a, b, sec] = parsed;
    const c = sec!.block![0]!;
    expect([a, b, sec, c].map((d) => [d!.line, d!.reportLine])).toEqual([[1, 1], [2, 4], [5, 6], [7, 7]]);
    expect(copyNode(b!, {}).reportLine).toBe(4);
    expect(copyNode(sec!, { block: [] }).reportLine).toBe(6);
    expect(JSON.parse(JSON.stringify(b)).reportLine).toBe(4);
    // Another file's record: the same node index, its own lines.
    const other = parseApacheText('A x\nB y\n', 'b.conf').parsed[1]!;
    expect([other.line, other.reportLine]).toEqual([2, 2]);
    const copy = copyNode(a!, {});
    copy.reportLine = 9;
    expect([copy.reportLine, a!.reportLine]).toEqual([9, 1]);
  });
});

describe('files read one after another', () => {
  const positions = (nodes: Directive[]): string =>
    [...walk(nodes)].map(([d]) => `${d.directive}@${d.line}:${d.column}-${d.endLine}:${d.endColumn}[${d.argNodes.map((a) => `${a.raw}@${a.line}:${a.column}`).join(' ')}]`).join('\n');

  it('keep their own positions: the arrays the next file is read in are not theirs', () => {
    const first = nginx('a 1;\nb "two" three;\n');
    const before = positions(first);
    // Bigger files, nginx and Apache, and one that fails to parse, read after it.
    nginx(Array.from({ length: 300 }, (_, i) => `d${i} x${i} 'y' z;`).join('\n'));
    parseApacheText(Array.from({ length: 300 }, (_, i) => `Directive${i} a b c`).join('\n'), 'a.conf');
    expect(parseNginxText('server { listen 80;', 'bad.conf', true).errors).toHaveLength(1);
    const after = nginx('e;\n');
    expect(positions(first)).toBe(before);
    expect(before).toBe('a@1:1-1:5[1@1:3]\nb@2:1-2:15[\"two\"@2:3 three@2:9]');
    expect(positions(after)).toBe('e@1:1-1:3[]');
  });
});

describe('Interner', () => {
  it('tells lists apart that join to the same text', () => {
    const strings = new Interner();
    const a = strings.args(['a\0', 'b']);
    const b = strings.args(['a', '\0b']);
    expect(b).toEqual(['a', '\0b']);
    expect(a).toEqual(['a\0', 'b']);
    expect(strings.args(['a\0', 'b'])).toBe(a);
  });
});
