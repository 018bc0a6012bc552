// Every file of the shared Apache corpus, parsed alone, against Apache's own
// verdict (STRUCTURE_CHECK.tsv: apache2 read each file; OK or the error).
// A file Apache accepts must parse with no syntax error; a file it refuses
// must give the located error below. Positions are checked on every node.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseApache } from '../src/apache-parse.js';
import { nodeHost } from '../src/host.js';
import { walk } from '../src/model.js';
import { readTsv } from './helpers/corpus.js';

const CORPUS = new URL('../../shared/corpus/apache/', import.meta.url).pathname;
const FILES = join(CORPUS, 'files');

// STRUCTURE_CHECK ran each file inside a wrapper, so Apache's own line there is
// "line 0"; these are the lines Apache names when the file is the config itself
// (test/real/apache-syntax.test.ts checks the same shapes on a real apache2).
const REFUSED: Record<string, { line: number; message: RegExp }> = {
  'certbot__certbot/certbot__src__certbot___internal__tests__plugins__apache__apache-conf-files__passing__two-blocks-one-line-1693.conf': {
    line: 1,
    message: /^<IfModule> was not closed: .*the <\/IfModule> after the closing tag on line 28 is ignored/,
  },
  'certbot__certbot/certbot__src__certbot___internal__tests__plugins__apache__testdata__debian_apache_2_4__augeas_vhosts__apache2__conf-available__bad_conf_file.conf': {
    line: 1,
    message: /^<VirtualHost> was not closed\.$/,
  },
  'certbot__certbot/certbot__src__certbot___internal__tests__plugins__apache__testdata__debian_apache_2_4__multiple_vhosts__apache2__conf-available__bad_conf_file.conf': {
    line: 1,
    message: /^<VirtualHost> was not closed\.$/,
  },
};

const rows = readTsv(join(CORPUS, 'STRUCTURE_CHECK.tsv'));

describe('the shared Apache corpus', () => {
  it('has a verdict for every file, and the refused ones are the ones listed here', () => {
    expect(rows.map((r) => r.file).sort()).toEqual(nodeHost.listTree(FILES).sort());
    expect(rows.filter((r) => r.result === 'ERROR').map((r) => r.file).sort()).toEqual(Object.keys(REFUSED).sort());
    expect(rows.length).toBeGreaterThan(300);
  });

  it.each(rows.map((r) => [r.file!, r.result!]))('%s: %s', (file, verdict) => {
    const path = join(FILES, file);
    const result = parseApache(path, { singleFile: true, comments: true });
    const syntax = result.errors.filter((e) => e.kind === 'syntax');
    if (verdict === 'OK') {
      expect(syntax).toEqual([]);
    } else {
      const want = REFUSED[file]!;
      expect(syntax).toHaveLength(1);
      expect(syntax[0]!.line).toBe(want.line);
      expect(syntax[0]!.message).toMatch(want.message);
      return;
    }
    // Every node and argument points at its own text in the file.
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    const slice = (line: number, column: number, endLine: number, endColumn: number): string => {
      if (line === endLine) return lines[line - 1]!.slice(column - 1, endColumn - 1);
      return [lines[line - 1]!.slice(column - 1), ...lines.slice(line, endLine - 1), lines[endLine - 1]!.slice(0, endColumn - 1)].join('\n');
    };
    for (const [node] of walk(result.config[0]!.parsed)) {
      if (node.directive === '#') {
        expect(slice(node.line, node.column, node.line, node.column + 1)).toBe('#');
        continue;
      }
      const start = slice(node.line, node.column, node.line, node.column + node.directive.length + 2);
      expect(start.toLowerCase()).toContain(node.directive.toLowerCase());
      for (const a of node.argNodes) expect(slice(a.line, a.column, a.endLine, a.endColumn)).toBe(a.raw);
    }
  });
});
