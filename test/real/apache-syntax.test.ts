// Apache's own verdicts on config syntax (fixtures/apache-syntax/cases.ts),
// re-checked on the real apache2: each case with `apache2 -t`, the
// .htaccess-compatible ones also as a live .htaccess, plus the .htaccess-only
// facts (BOM, line length, AllowOverride) and the harness itself.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { syntaxCases, type SyntaxCase } from '../fixtures/apache-syntax/cases.js';
import { baseConfig, checkApacheConfig, describeApache, startApache, type ApacheVerdict, type RealApache } from '../helpers/real-apache.js';

/** Reads main.conf through an Include after baseConfig, so main's line numbers are its own. */
function check(c: Pick<SyntaxCase, 'files' | 'main'>, defines: string[] = []): Promise<ApacheVerdict> {
  return checkApacheConfig(
    ({ dir, port }) => ({ ...c.files, 'main.conf': c.main, 'top.conf': `${baseConfig(dir, port)}Include main.conf\n` }),
    'top.conf',
    { defines },
  );
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describeApache('apache2 -t on the syntax cases', () => {
  it('the base config alone is OK, without warnings', async () => {
    const r = await check({ files: {}, main: '' });
    expect({ ok: r.ok, warnings: r.warnings }, r.output).toEqual({ ok: true, warnings: [] });
    expect(r.output).toBe('Syntax OK\n');
    expect(existsSync(r.dir)).toBe(false);
  });

  it('passes -D defines', async () => {
    const c = { files: {}, main: '<IfDefine VERBLINT_X>\n  NotADirective\n</IfDefine>\n' };
    expect((await check(c)).ok).toBe(true);
    const r = await check(c, ['VERBLINT_X']);
    expect({ ok: r.ok, file: r.file, line: r.line }, r.output).toEqual({ ok: false, file: 'main.conf', line: 2 });
  });

  it('a failure outside the parser has a message but no file or line', async () => {
    const r = await checkApacheConfig({ 'bare.conf': 'ServerName localhost\n' }, 'bare.conf');
    expect({ ok: r.ok, file: r.file, line: r.line, message: r.message, warnings: r.warnings }, r.output).toEqual({
      ok: false,
      file: undefined,
      line: undefined,
      message: 'AH00534: apache2: Configuration error: No MPM loaded.',
      warnings: [],
    });
  });

  it.each(syntaxCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await check(c);
    const expected = c.apache;
    if (expected.ok) {
      expect({ ok: r.ok, message: r.message, warnings: r.warnings }, r.output).toEqual({ ok: true, message: undefined, warnings: expected.warnings ?? [] });
    } else {
      expect({ ok: r.ok, file: r.file, line: r.line, warnings: r.warnings }, r.output).toEqual({
        ok: false,
        file: expected.file,
        line: expected.line,
        warnings: expected.warnings ?? [],
      });
      expect(r.message, r.output).toContain(expected.message.replaceAll('$DIR', r.dir));
    }
  });
});

describeApache('.htaccess on a running Apache', () => {
  let apache: RealApache;
  const LONG = `Header set X-Long "${'a'.repeat(9000)}"\n`;

  beforeAll(async () => {
    apache = await startApache(
      (s) => `${baseConfig(s.dir, s.port)}
<Directory "${s.root}">
    AllowOverride All
</Directory>
<Directory "${s.root}/none">
    AllowOverride None
</Directory>
ProxyPass /api/ http://127.0.0.1:${s.backend}/
`,
      {
        'htdocs/index.html': 'home\n',
        'htdocs/bom/index.html': 'bom\n',
        'htdocs/bom/.htaccess': '\ufeffRewriteEngine On\n',
        'htdocs/long/index.html': 'long\n',
        'htdocs/long/.htaccess': LONG,
        'htdocs/am/index.html': 'am\n',
        'htdocs/am/.htaccess': 'AllowMethods GET\n',
        'htdocs/none/index.html': 'none\n',
        'htdocs/none/.htaccess': 'NotADirective at all\n',
        'htdocs/case/index.html': 'case\n',
      },
    );
  });

  afterAll(async () => {
    await apache?.stop();
  });

  it('a BOM makes the first word an unknown command: 500', async () => {
    const r = await apache.request({ method: 'GET', target: '/bom/' });
    expect(r.status).toBe(500);
    // The .htaccess message names the file but no line.
    expect(r.errorLog).toHaveLength(1);
    expect(r.errorLog[0]).toMatch(/\[core:alert\] .*\/htdocs\/bom\/\.htaccess: Invalid command '\\xef\\xbb\\xbfRewriteEngine', perhaps misspelled/);
  });

  it('a logical line over 8190 bytes: 500 "Line too long"', async () => {
    expect(LONG.length).toBeGreaterThan(8190);
    const r = await apache.request({ method: 'GET', target: '/long/' });
    expect(r.status).toBe(500);
    expect(r.errorLog).toHaveLength(1);
    expect(r.errorLog[0]).toMatch(/\/htdocs\/long\/\.htaccess at line 1: Line too long/);
  });

  it('AllowMethods is not allowed in .htaccess: 500', async () => {
    const r = await apache.request({ method: 'GET', target: '/am/' });
    expect(r.status).toBe(500);
    expect(r.errorLog).toHaveLength(1);
    expect(r.errorLog[0]).toMatch(/\/htdocs\/am\/\.htaccess: AllowMethods not allowed here/);
  });

  it('AllowOverride None: the .htaccess is not read, garbage and all', async () => {
    const r = await apache.request({ method: 'GET', target: '/none/' });
    expect({ status: r.status, body: r.body, errorLog: r.errorLog }).toEqual({ status: 200, body: 'none\n', errorLog: [] });
  });

  const asHtaccess = syntaxCases.filter((c) => c.htaccess !== false);

  it('the cases not marked htaccess: false give the same verdict as a .htaccess', async () => {
    expect(asHtaccess.length).toBeGreaterThan(15);
    const got: Array<[string, number | null]> = [];
    for (const c of asHtaccess) {
      expect(c.files).toEqual({});
      await writeFile(join(apache.site.root, 'case', '.htaccess'), c.main);
      got.push([c.name, (await apache.request({ method: 'GET', target: '/case/' })).status]);
    }
    expect(got).toEqual(asHtaccess.map((c) => [c.name, c.apache.ok ? 200 : 500]));
  });

  it('harness: static GET, 405 with its Allow header, 501, the echo backend', async () => {
    const get = await apache.request({ method: 'GET', target: '/' });
    expect({ status: get.status, body: get.body, allow: get.allow, errorLog: get.errorLog }).toEqual({ status: 200, body: 'home\n', allow: null, errorLog: [] });
    const put = await apache.request({ method: 'PUT', target: '/index.html', body: 'x' });
    expect({ status: put.status, count: put.allow?.length }).toEqual({ status: 405, count: 1 });
    // The order comes from an APR hash with a per-start seed; only TRACE is always last.
    const methods = put.allow![0]!.split(',');
    expect(methods.at(-1)).toBe('TRACE');
    expect(methods.sort()).toEqual(['GET', 'HEAD', 'OPTIONS', 'POST', 'TRACE']);
    expect((await apache.request({ method: 'get', target: '/' })).status).toBe(501);
    const api = await apache.request({ method: 'PATCH', target: '/api/x?y', body: 'abc', headers: { 'X-Echo-Allow': 'A' } });
    expect({ status: api.status, backend: api.backend }).toEqual({ status: 200, backend: { method: 'PATCH', path: '/x?y', bodyLength: 3 } });
    expect(api.allow).toEqual(['A']);
  });

  it('harness: stop() ends the Apache parent and its children, and removes the temp dir', async () => {
    const other = await startApache((s) => baseConfig(s.dir, s.port));
    const { pid } = other;
    expect(alive(pid)).toBe(true);
    expect((await other.request({ method: 'GET', target: '/' })).status).toBe(404);
    await other.stop();
    expect(alive(pid)).toBe(false);
    expect(existsSync(other.site.dir)).toBe(false);
    expect(other.errorLog()).toMatch(/AH00163: Apache\/2\.4\.\d+ .*configured -- resuming normal operations/);
  });
});
