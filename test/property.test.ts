// Printing a tree and reading it back gives the same tree (directives,
// arguments, blocks; positions aside), for generated trees of both dialects
// and for every file of the shared corpus. The generated values carry every
// character that needs care: spaces, quotes, ";", braces, "#", "$",
// backslashes, line ends, and the empty string.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseApacheText } from '../src/apache-parse.js';
import type { Directive } from '../src/model.js';
import { parseNginxText } from '../src/parse.js';
import { apacheWord, nginxWord, printApache, PrintError, printNginx, rewriteWord, type PrintNode } from '../src/print.js';
import { firstDifference, NGINX_CORPUS } from './helpers/corpus.js';

const SEED = 20261122;
const RUNS = 2000;

/** The crossplane fields of a tree, and anything the reader dropped (there must be none). */
interface Shape {
  directive: string;
  args: string[];
  block?: Shape[];
  comment?: string;
  ignored?: unknown;
}

function shape(nodes: readonly (Directive | PrintNode)[], ignored = true): Shape[] {
  return nodes.map((n) => {
    const out: Shape = { directive: n.directive, args: [...n.args] };
    if (n.block !== undefined) out.block = shape(n.block, ignored);
    if (n.comment !== undefined) out.comment = n.comment;
    if (ignored && 'ignored' in n && n.ignored !== undefined) out.ignored = n.ignored;
    return out;
  });
}

function printable<T>(print: (v: T) => unknown): (v: T) => boolean {
  return (v) => {
    try {
      print(v);
      return true;
    } catch (e) {
      if (e instanceof PrintError) return false;
      throw e;
    }
  };
}

const nginxRoundTrip = (tree: readonly PrintNode[], file = 'gen.conf') => {
  const text = printNginx(tree);
  const { parsed, errors } = parseNginxText(text, file, true);
  return { text, errors, diff: errors.length > 0 ? null : firstDifference(shape(parsed), shape(tree)) };
};

// Text that Apache reads past and drops (`ignored`) is not printed, so a
// parsed tree is compared without it; a printed one must have none.
const apacheRoundTrip = (tree: readonly PrintNode[], file = 'gen.conf') => {
  const text = printApache(tree);
  const { parsed, errors } = parseApacheText(text, file, { comments: true });
  return { text, errors, diff: errors.length > 0 ? null : firstDifference(shape(parsed), shape(tree, false)) };
};

// nginx

const NGINX_CHARS = ['a', 'b', 'Z', '0', '/', '.', '_', '=', '(', ')', '~', '^', '*', ' ', '\t', '\n', '\r', ';', '{', '}', '#', '$', '\\', '"', "'", 'é', '😀'];
const nginxText = (maxLength: number) => fc.string({ unit: fc.constantFrom(...NGINX_CHARS), maxLength });

const nginxValue = fc.oneof(
  nginxText(8).filter(printable(nginxWord)),
  fc.constantFrom('', '${host}', '$uri{', 'a\\ b', '\\"', "\\'", 'a"b', "it's", '"', ';', '{', '}', '#', 'a#b', '\\\\', '(', ')', '()'),
);

const HANDLER_BLOCKS = new Set(['types', 'map', 'geo', 'split_clients', 'charset_map']);
const nginxName = fc.oneof(fc.constantFrom('listen', 'if', 'return', 'add_header', 'map', 'content_by_lua_block', 'x'), nginxValue);
// A block's children are directives; the handler blocks take no blocks in them, Lua blocks hold text.
const nginxBlockName = fc
  .oneof(fc.constantFrom('http', 'server', 'location', 'if', 'limit_except', 'upstream'), nginxValue)
  .filter((n) => !HANDLER_BLOCKS.has(n) && !/_by_lua_block$/.test(n));

const nginxTree = fc.letrec<{ node: PrintNode; block: PrintNode }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'nginx' },
    fc.record({ directive: nginxName, args: fc.array(nginxValue, { maxLength: 4 }) }),
    fc.record({ directive: fc.constant('#'), args: fc.constant([]), comment: nginxText(10).map((c) => c.replace(/\n/g, '')) }),
    tie('block'),
  ),
  block: fc.record({
    directive: nginxBlockName,
    args: fc.array(nginxValue, { maxLength: 3 }),
    block: fc.array(tie('node'), { maxLength: 4, depthIdentifier: 'nginx' }),
  }),
})).node;

describe('nginx: print, then parse', () => {
  it('spells each value the plainest way that reads back as itself', () => {
    expect(['a', '', 'a b', 'a;b', 'a{b', '${x}', '$x{', 'a}', '}a', '#a', 'a#b', '"a"', "it's", 'a\\ b', 'a\\"b', "a\\'b", 'x\\'].map((v) => {
      try {
        return nginxWord(v);
      } catch (e) {
        return (e as Error).constructor.name;
      }
    })).toEqual(['a', '""', '"a b"', '"a;b"', '"a{b"', '${x}', '"$x{"', 'a}', '"}a"', '"#a"', 'a#b', '"\\"a\\""', "it's", 'a\\ b', 'a\\"b', "a\\'b", 'PrintError']);
    expect(() => nginxWord('\\" \\\'')).toThrow(PrintError);
    // nginx's 4096-byte buffer: 4095 bytes read back, 4096 do not (see robustness.test.ts).
    expect(nginxWord('a'.repeat(4095))).toHaveLength(4095);
    expect(() => nginxWord('a'.repeat(4096))).toThrow(PrintError);
    expect(nginxWord(' '.repeat(4094))).toHaveLength(4096);
    expect(() => nginxWord(' '.repeat(4095))).toThrow(PrintError);
    expect(() => printNginx([{ directive: '#', args: [], comment: 'c'.repeat(4095) }])).toThrow(PrintError);
    expect(nginxRoundTrip([{ directive: '#', args: [], comment: 'c'.repeat(4094) }]).diff).toBeNull();
  });

  it('prints blocks, comments and if conditions as nginx reads them', () => {
    const tree: PrintNode[] = [
      { directive: '#', args: [], comment: ' main' },
      { directive: 'server', args: [], block: [
        { directive: 'if', args: ['$request_method', '=', 'POST'], block: [{ directive: 'return', args: ['405'] }] },
        { directive: 'add_header', args: ['Allow', 'GET, HEAD'] },
      ] },
    ];
    const text = printNginx(tree);
    expect(text).toBe('# main\nserver {\n    if ( $request_method = POST ) {\n        return 405;\n    }\n    add_header Allow "GET, HEAD";\n}\n');
    expect(nginxRoundTrip(tree)).toEqual({ text, errors: [], diff: null });
    // The comparison can fail: a changed argument is found.
    const changed = shape(tree);
    changed[1]!.block![1]!.args[1] += ' ';
    expect(firstDifference(shape(parseNginxText(text, 'gen.conf', true).parsed), changed)).toMatch(/^\$\[1\]\.block\[1\]\.args\[1\]/);
  });

  it('reads back every generated tree as printed', () => {
    fc.assert(
      fc.property(fc.array(nginxTree, { maxLength: 6 }), (tree) => {
        const result = nginxRoundTrip(tree);
        expect(result.errors, result.text).toEqual([]);
        expect(result.diff, result.text).toBeNull();
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

// Apache

const APACHE_CHARS = ['a', 'Z', '0', '/', '.', '_', ':', '*', '^', '$', '{', '}', '(', ')', '|', ' ', '\t', '\r', '\v', '"', "'", '\\', '#', '<', '>', '=', 'é'];
const apacheText = (maxLength: number) => fc.string({ unit: fc.constantFrom(...APACHE_CHARS), maxLength });

const apacheValue = fc.oneof(
  apacheText(8),
  fc.constantFrom('', '"', "'", '\\', '\\\\', 'a\\', '\\"', '"a b"', 'a"b', '#', '<a>', '>', '${APACHE_LOG_DIR}/x', 'a b'),
);
const rewriteValue = fc.oneof(
  apacheText(8).filter(printable(rewriteWord)),
  fc.constantFrom('', '^/a\\ b$', '"', "'", 'a"b', '[R=301,L]', '%{REQUEST_METHOD}', '\\ '),
);

// Define would expand ${NAME} in what follows; the printer does not undo that.
const RESERVED = /^(<|rewriterule$|rewritecond$|define$|undefine$)/i;
const apacheName = fc
  .oneof(fc.constantFrom('ServerName', 'Require', 'Header', 'ProxyPass', 'ErrorDocument', 'Include', '#x'), apacheText(8))
  // An empty first word makes Apache skip the line.
  .filter((n) => n !== '' && !RESERVED.test(n));
const SECTION_CHARS = ['a', 'Z', '0', '_', ':', '.', '\\', '>', '"', "'", '#', '$'];
const sectionName = fc
  .oneof(
    fc.constantFrom('IfModule', 'Directory', 'Location', 'VirtualHost', 'Files', 'Limit', 'LimitExcept', 'IfDefine', 'If', 'Else'),
    fc.string({ unit: fc.constantFrom(...SECTION_CHARS), minLength: 1, maxLength: 6 }),
  )
  .filter((n) => !n.endsWith('>') && !n.endsWith('\\'));

const apacheTree = fc.letrec<{ node: PrintNode; section: PrintNode }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'apache' },
    fc.record({ directive: apacheName, args: fc.array(apacheValue, { maxLength: 4 }) }),
    fc.record({ directive: fc.constantFrom('RewriteRule', 'RewriteCond', 'rewriterule'), args: fc.array(rewriteValue, { maxLength: 3 }) }),
    fc.record({ directive: fc.constant('#'), args: fc.constant([]), comment: apacheText(10).filter(printable((c: string) => printApache([{ directive: '#', args: [], comment: c }]))) }),
    tie('section'),
  ),
  section: fc.record({
    directive: sectionName,
    args: fc.array(apacheValue, { maxLength: 3 }),
    block: fc.array(tie('node'), { maxLength: 4, depthIdentifier: 'apache' }),
  }),
})).node;

describe('Apache: print, then parse', () => {
  it('spells each value the plainest way that reads back as itself', () => {
    expect(['a', '', 'a b', '"a', "'a", 'a"b', 'a\\b', 'a\\\\b', 'a\\', '#a', 'a>b', 'a\tb', '${X}'].map(apacheWord))
      .toEqual(['a', '""', '"a b"', '"\\"a"', '"\'a"', 'a"b', 'a\\b', 'a\\\\\\b', '"a\\\\"', '#a', 'a>b', '"a\tb"', '${X}']);
    expect(['^/a\\ b$', 'a b', 'say "hi"', '"\''].map((v) => {
      try {
        return rewriteWord(v);
      } catch (e) {
        return (e as Error).constructor.name;
      }
    })).toEqual(['^/a\\ b$', '"a b"', '\'say "hi"\'', 'PrintError']);
    expect(() => apacheWord('a\nb')).toThrow(PrintError);
  });

  it('prints sections, comments and RewriteRule as Apache reads them', () => {
    const tree: PrintNode[] = [
      { directive: '#', args: [], comment: ' main' },
      { directive: 'IfModule', args: ['mod_rewrite.c'], block: [
        { directive: 'RewriteRule', args: ['^/old\\ page$', '/new', '[R=301,L]'] },
        { directive: 'Directory', args: ['/srv/my site'], block: [{ directive: '#x', args: ['a\\'] }] },
      ] },
    ];
    const text = printApache(tree);
    expect(text).toBe('# main\n<IfModule mod_rewrite.c>\n    RewriteRule ^/old\\ page$ /new [R=301,L]\n    <Directory "/srv/my site">\n        "#x" "a\\\\"\n    </Directory>\n</IfModule>\n');
    expect(apacheRoundTrip(tree)).toEqual({ text, errors: [], diff: null });
    expect(() => printApache([{ directive: 'RewriteRule', args: ['a', 'b', 'c', 'd'] }])).toThrow(PrintError);
    expect(() => printApache([{ directive: '<Foo', args: [] }])).toThrow(PrintError);
    expect(() => printApache([{ directive: '', args: ['x'] }])).toThrow(PrintError);
  });

  it('reads back every generated tree as printed', () => {
    fc.assert(
      fc.property(fc.array(apacheTree, { maxLength: 6 }), (tree) => {
        const result = apacheRoundTrip(tree);
        expect(result.errors, result.text).toEqual([]);
        expect(result.diff, result.text).toBeNull();
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

// The corpus: real trees, printed and read back.

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

describe('the shared corpus, printed and read back', () => {
  it('gives the same tree for every nginx file that parses', () => {
    const files = filesUnder(join(NGINX_CORPUS, 'files'));
    const failures: string[] = [];
    let roundTripped = 0;
    for (const file of files) {
      const { parsed, errors } = parseNginxText(readFileSync(file, 'utf8'), file, true);
      if (errors.length > 0) continue;
      const result = nginxRoundTrip(parsed, file);
      if (result.errors.length > 0 || result.diff) failures.push(`${file}: ${result.errors[0]?.message ?? result.diff}`);
      else roundTripped++;
    }
    expect(failures).toEqual([]);
    expect(roundTripped).toBeGreaterThan(900);
  });

  it('gives the same tree for every Apache file that parses', () => {
    const files = filesUnder(new URL('../../shared/corpus/apache/files/', import.meta.url).pathname);
    const failures: string[] = [];
    let roundTripped = 0;
    for (const file of files) {
      const { parsed, errors } = parseApacheText(readFileSync(file, 'utf8'), file, { comments: true });
      if (errors.length > 0) continue;
      const result = apacheRoundTrip(parsed, file);
      if (result.errors.length > 0 || result.diff) failures.push(`${file}: ${result.errors[0]?.message ?? result.diff}`);
      else roundTripped++;
    }
    expect(failures).toEqual([]);
    expect(roundTripped).toBeGreaterThan(250);
  });
});
