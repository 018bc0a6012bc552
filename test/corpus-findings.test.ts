// Every finding verblint makes on the shared nginx and Apache corpora, listed:
// a new finding (or a lost one) fails this test until it is looked at and the
// list is updated with UPDATE_GOLDEN=1 npx vitest run test/corpus-findings.test.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { discover } from '../src/discover.js';
import { nodeHost } from '../src/host.js';
import { lintFiles } from '../src/run.js';
import { rules } from '../rules/index.js';
import { NGINX_CORPUS } from './helpers/corpus.js';

const LIST = fileURLToPath(new URL('./corpus/nginx-findings.txt', import.meta.url));
const APACHE_LIST = fileURLToPath(new URL('./corpus/apache-findings.txt', import.meta.url));
const APACHE_FILES = fileURLToPath(new URL('../../shared/corpus/apache/files/', import.meta.url));

it('finds exactly the listed findings in the shared nginx corpus', () => {
  const lines: string[] = [];
  for (const part of ['files', 'trees']) {
    const cwd = `${NGINX_CORPUS}${part}`;
    const found = discover(['.'], { cwd });
    const files = found.files.map((f) => ({ ...f, path: join(cwd, f.path) }));
    const output = lintFiles({ files, cwd, host: nodeHost }, { rules });
    expect(output.unreadable).toEqual([]);
    // Messages may name absolute paths; the corpus may be anywhere.
    for (const f of output.findings) lines.push(`${part}/${relative(cwd, f.file)}:${f.line}:${f.column} ${f.ruleId}: ${f.message.split(NGINX_CORPUS).join('<corpus>/')}`);
  }
  const actual = `${lines.sort().join('\n')}\n`;
  if (process.env.UPDATE_GOLDEN) writeFileSync(LIST, actual);
  expect(actual).toBe(readFileSync(LIST, 'utf8'));
}, 60_000);

it('finds exactly the listed findings in the shared Apache corpus, every file read as Apache', () => {
  // Absolute Include paths are looked up in an empty folder, so this machine's /etc is never read.
  const sysroot = mkdtempSync(join(tmpdir(), 'verblint-sysroot-'));
  try {
    const files = nodeHost.listTree(APACHE_FILES).map((f) => ({ path: join(APACHE_FILES, f), dialect: 'apache' as const }));
    expect(files.length).toBeGreaterThan(300);
    const output = lintFiles({ files, cwd: APACHE_FILES, host: nodeHost, sysroot }, { rules });
    expect(output.unreadable).toEqual([]);
    const lines = output.findings.map(
      (f) => `${relative(APACHE_FILES, f.file)}:${f.line}:${f.column} ${f.ruleId}: ${f.message.split(APACHE_FILES).join('<corpus>/')}`,
    );
    const actual = `${lines.sort().join('\n')}\n`;
    if (process.env.UPDATE_GOLDEN) writeFileSync(APACHE_LIST, actual);
    expect(actual).toBe(readFileSync(APACHE_LIST, 'utf8'));
  } finally {
    rmSync(sysroot, { recursive: true, force: true });
  }
}, 60_000);
