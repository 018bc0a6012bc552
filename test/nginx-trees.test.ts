// Whole configs with their includes, against crossplane's include-resolving
// parses in golden/_trees. Absolute paths are looked up inside the tree
// (--sysroot), which is where TREES.tsv says /etc/nginx pointed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crossplanePayload } from '../src/crossplane.js';
import { parseNginx } from '../src/parse.js';
import { firstDifference, NGINX_CORPUS, readTsv } from './helpers/corpus.js';

const TREES = readTsv(join(NGINX_CORPUS, 'TREES.tsv'));

// The two gixy dumps hold an `allow` at the top level. crossplane's tree
// parse ran its context checks: it reports an error and drops the statement.
// verblint's parser reads syntax only and keeps it (the directive-context rule
// reports such lines). Everything else must match.
const CONTEXT_ERRORS_LEFT_TO_RULES = /directive is not allowed here/;

interface Payload {
  status: string;
  errors: Array<{ error: string }>;
  config: Array<{ status: string; errors: Array<{ error: string }> }>;
}

function withoutContextErrors(payload: Payload): Payload {
  const keep = (e: { error: string }) => !CONTEXT_ERRORS_LEFT_TO_RULES.test(e.error);
  const errors = payload.errors.filter(keep);
  return {
    ...payload,
    status: errors.length > 0 ? 'failed' : 'ok',
    errors,
    config: payload.config.map((c) => {
      const own = c.errors.filter(keep);
      return { ...c, status: own.length > 0 ? 'failed' : 'ok', errors: own };
    }),
  };
}

function parseTree(main: string) {
  const repo = main.split('/')[0]!;
  const file = main.slice(repo.length + 1);
  const cwd = process.cwd();
  process.chdir(join(NGINX_CORPUS, 'trees', repo));
  try {
    return { repo, file, result: parseNginx(file, { sysroot: '.' }) };
  } finally {
    process.chdir(cwd);
  }
}

describe('nginx include trees against crossplane', () => {
  it('has the trees', () => {
    expect(TREES.length).toBe(26);
  });

  it.each(TREES.map((t) => [t.main_file!, t] as const))('%s', (main, row) => {
    const { repo, file, result } = parseTree(main);
    const golden = JSON.parse(
      readFileSync(join(NGINX_CORPUS, 'golden/_trees', repo, `${file.replaceAll('/', '__')}.json`), 'utf8'),
    ) as Payload;
    let ours = crossplanePayload(result) as Payload & { config: Array<{ parsed: Array<{ directive: string; line: number }> }> };
    let expected = golden;
    if (repo === 'MegaManSec_gixy-ng') {
      const dropped = golden.errors.filter((e) => CONTEXT_ERRORS_LEFT_TO_RULES.test(e.error)).map((e) => Number(/:(\d+)$/.exec(e.error)![1]));
      expect(dropped).toHaveLength(1);
      const parsed = ours.config[0]!.parsed;
      expect(parsed.filter((d) => d.line === dropped[0]).map((d) => d.directive)).toEqual(['allow']);
      ours = { ...ours, config: [{ ...ours.config[0]!, parsed: parsed.filter((d) => d.line !== dropped[0]) }, ...ours.config.slice(1)] } as typeof ours;
      expected = withoutContextErrors(golden);
    }
    expect(firstDifference(ours, expected)).toBeNull();
    expect(result.config.length).toBe(Number(row.configs_parsed));
  });

  it('reads the main file where it is named, and only absolute includes under --sysroot', () => {
    const root = join(NGINX_CORPUS, 'trees/debian_nginx-common');
    const result = parseNginx(join(root, 'etc/nginx/nginx.conf'), { sysroot: root });
    expect(result.status).toBe('ok');
    expect(result.config.map((c) => [c.file, c.path])).toEqual([
      [join(root, 'etc/nginx/nginx.conf'), join(root, 'etc/nginx/nginx.conf')],
      ['/etc/nginx/mime.types', join(root, 'etc/nginx/mime.types')],
    ]);
  });

  it('reports an include cycle once, at the include that closes it', () => {
    const { result } = parseTree('nginxinc_nginx-go-crossplane/testdata/configs/includes-cycle/invalid/nginx.conf');
    const dir = 'testdata/configs/includes-cycle/invalid';
    expect(result.warnings).toEqual([
      {
        file: `${dir}/location2.conf`,
        line: 2,
        column: 5,
        message: `include cycle: ${dir}/location1.conf -> ${dir}/location2.conf -> ${dir}/location1.conf; nginx would include these files without end`,
      },
    ]);
  });

  it('reports no cycle when a file is included twice without a loop', () => {
    const { result } = parseTree('nginxinc_nginx-go-crossplane/testdata/configs/includes-cycle/valid/nginx.conf');
    expect(result.status).toBe('ok');
    expect(result.warnings).toEqual([]);
  });
});
