// Shared pieces of the Apache rules: which <IfVersion> sections Apache 2.4 reads.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseApache, parseApacheText } from '../src/apache-parse.js';
import { apacheNodes, ifVersionHolds } from '../src/apache-rule-support.js';

function section(open: string) {
  const r = parseApacheText(`${open}\n</IfVersion>\n`, 'x.conf');
  expect(r.errors).toEqual([]);
  return r.parsed[0]!;
}

describe('ifVersionHolds, for every Apache 2.4 release', () => {
  it.each([
    ['<IfVersion >= 2.5.1>', false],
    ['<IfVersion > 2.4>', undefined],
    ['<IfVersion >= 2.4>', true],
    ['<IfVersion 2.4>', undefined],
    ['<IfVersion = 2>', false],
    ['<IfVersion < 2.3>', false],
    ['<IfVersion !< 2.3>', true],
    ['<IfVersion ! >= 2.5>', true],
    ['<IfVersion >= 2.4.10>', undefined],
    ['<IfVersion ~ ^2\\.4>', undefined],
    ['<IfVersion /^2\\.4/>', undefined],
  ] as const)('%s: %s', (open, want) => {
    expect(ifVersionHolds(section(open))).toBe(want);
  });

  it('keeps apacheNodes out of a section no 2.4 reads, and in one it may read', () => {
    const r = parseApacheText('<IfVersion >= 2.5>\nA x\n</IfVersion>\n<IfVersion >= 2.4.10>\nB x\n</IfVersion>\n', 'x.conf');
    const tree = { status: 'ok' as const, errors: [], warnings: [], config: [{ file: 'x.conf', path: 'x.conf', status: 'ok' as const, errors: [], parsed: r.parsed, lines: r.lines }] };
    expect([...apacheNodes(tree)].map((n) => n.node.directive)).toEqual(['IfVersion', 'IfVersion', 'B']);
  });
});

describe('apacheNodes', () => {
  it('follows Include where it stands, with the includer\'s sections as parents, each node once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verblint-nodes-'));
    try {
      writeFileSync(join(dir, 'snippet.conf'), 'AllowMethods GET\n');
      writeFileSync(join(dir, 'main.conf'), '<Directory /srv>\n  Include snippet.conf\n</Directory>\nInclude snippet.conf\n');
      const tree = parseApache(join(dir, 'main.conf'), { serverRoot: dir });
      expect(tree.errors).toEqual([]);
      const seen = [...apacheNodes(tree)].map((n) => [n.node.directive, n.parents.map((p) => p.directive).join('>'), n.file.file.slice(dir.length + 1)]);
      expect(seen).toEqual([
        ['Directory', '', 'main.conf'],
        ['Include', 'Directory', 'main.conf'],
        ['AllowMethods', 'Directory', 'snippet.conf'],
        ['Include', '', 'main.conf'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists a file once however often and however circularly it is included, where it is first read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verblint-nodes-'));
    try {
      writeFileSync(join(dir, 'main.conf'), 'Include a.conf\nInclude b.conf\n<Directory /x>\nInclude a.conf\nInclude c.conf\n</Directory>\n');
      writeFileSync(join(dir, 'a.conf'), 'A 1\nInclude b.conf\n');
      writeFileSync(join(dir, 'b.conf'), 'B 1\nInclude a.conf\n');
      writeFileSync(join(dir, 'c.conf'), 'C 1\nInclude c.conf\n');
      const tree = parseApache(join(dir, 'main.conf'), { serverRoot: dir });
      const seen = [...apacheNodes(tree)].map((n) => [n.node.directive, n.parents.map((p) => p.directive).join('>'), n.file.file.slice(dir.length + 1)]);
      expect(seen).toEqual([
        ['Include', '', 'main.conf'],
        ['A', '', 'a.conf'],
        ['Include', '', 'a.conf'],
        ['B', '', 'b.conf'],
        ['Include', '', 'b.conf'],
        ['Include', '', 'main.conf'],
        ['Directory', '', 'main.conf'],
        ['Include', 'Directory', 'main.conf'],
        ['Include', 'Directory', 'main.conf'],
        ['C', 'Directory', 'c.conf'],
        ['Include', 'Directory', 'c.conf'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the same entries by index, by for...of and by where, the nodes of one block sharing their parents', () => {
    const text = '# c\n<Directory /a>\n  <IfModule x>\n    Require all granted\n  </IfModule>\n  Header set A b\n  Options None\n</Directory>\nHeader set C d\n';
    const r = parseApacheText(text, '/x.conf', { comments: true });
    expect(r.errors).toEqual([]);
    const tree = { status: 'ok' as const, errors: [], warnings: [], config: [{ file: '/x.conf', path: '/x.conf', status: 'ok' as const, errors: [], parsed: r.parsed, lines: r.lines }] };
    const list = apacheNodes(tree);
    expect(apacheNodes(tree)).toBe(list);
    const read = [...list];
    expect(list.length).toBe(6);
    expect(read.map((n) => n.node.directive)).toEqual(['Directory', 'IfModule', 'Require', 'Header', 'Options', 'Header']);
    expect(list.nodes).toEqual(read.map((n) => n.node));
    for (let i = 0; i < list.length; i++) {
      expect(list.at(i).node).toBe(list.nodes[i]);
      expect(list.at(i).parents).toBe(read[i]!.parents);
      expect([list.at(i).file, list.at(i).htaccess]).toEqual([tree.config[0], false]);
    }
    expect(read.map((n) => n.parents.map((p) => p.directive).join('>'))).toEqual(['', 'Directory', 'Directory>IfModule', 'Directory', 'Directory', '']);
    // One parents list for a block's nodes; another for each block.
    expect(read[1]!.parents).toBe(read[3]!.parents);
    expect(read[1]!.parents).not.toBe(read[2]!.parents);
    expect(read[0]!.parents).toBe(read[5]!.parents);
    // where() tests the nodes, and makes entries for those it keeps: the same entries as by index.
    expect([...list.where((d) => d.directive === 'Header')].map((n) => [n.node, n.parents])).toEqual([
      [list.nodes[3], read[3]!.parents],
      [list.nodes[5], read[5]!.parents],
    ]);
    expect([...list.where(() => false)]).toEqual([]);
  });
});
