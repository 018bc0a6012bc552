// examples/ is the first thing a new user runs (`npx verblint examples/`):
// its findings are pinned here line by line, every rule family must show up
// in it, and the servers themselves must read the files as verblint says.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NGINX } from './helpers/nginx.js';
import { baseConfig, checkApacheConfig, describeApache, startApache, type RealApache } from './helpers/real-apache.js';
import { describeReal } from './helpers/real-nginx.js';
import { runCli, type CliRun } from './helpers/cli.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');

const verblint = (args: string[]): CliRun => runCli(args, { timeout: 60_000 });

type Row = [file: string, line: number, ruleId: string];

const API = 'examples/nginx/conf.d/api.example.com.conf';
const WWW = 'examples/nginx/conf.d/www.example.com.conf';
// examples/apache mirrors the server's file system, so that --sysroot examples/apache finds the .htaccess.
const VHOST = 'examples/apache/etc/apache2/sites-available/app.conf';
const HTACCESS = 'examples/apache/var/www/shop/public/.htaccess';

// Every finding of `verblint examples/`, in the CLI's order.
const EXPECTED: Row[] = [
  [VHOST, 25, 'static-location-write'],
  [VHOST, 33, 'missing-allow-header'],
  [VHOST, 38, 'limit-invalid-method'],
  [VHOST, 38, 'limit-leaves-methods-open'],
  [VHOST, 48, 'limit-leaves-methods-open'],
  [VHOST, 55, 'limit-head-get'],
  [VHOST, 61, 'proxy-pass-uri-join'],
  [VHOST, 65, 'redirect-drops-method'],
  [VHOST, 67, 'error-page-405-masks'],
  [HTACCESS, 16, 'limit-no-effect'],
  [HTACCESS, 22, 'limit-non-access-directive'],
  [HTACCESS, 26, 'missing-allow-header'],
  [HTACCESS, 37, 'cors-preflight-blocked'],
  [HTACCESS, 46, 'redirect-drops-method'],
  [HTACCESS, 51, 'front-controller-static-write'],
  [API, 14, 'cors-methods-mismatch'],
  [API, 18, 'spa-fallback-swallows-writes'],
  [API, 23, 'cors-preflight-static'],
  [API, 23, 'regex-location-shadows-proxy'],
  [API, 28, 'proxy-pass-slash-redirect'],
  [API, 30, 'request-method-case'],
  [API, 38, 'limit-except-blocks-preflight'],
  [API, 49, 'add-header-drops-inherited'],
  [API, 52, 'error-page-405-uri-drops-method'],
  [API, 56, 'cors-preflight-static'],
  [API, 56, 'static-location-write'],
  [API, 62, 'proxy-pass-slash-redirect'],
  [API, 63, 'add-header-allow-not-always'],
  [API, 63, 'add-header-drops-inherited'],
  [API, 65, 'return-405-without-allow'],
  [API, 72, 'proxy-pass-slash-redirect'],
  [API, 73, 'limit-except-no-effect'],
  [API, 74, 'directive-context'],
  [API, 76, 'proxy-pass-uri-join'],
  [API, 81, 'redirect-drops-method'],
  [WWW, 21, 'error-page-405-masks'],
  [WWW, 27, 'add-header-drops-inherited'],
  [WWW, 31, 'cors-preflight-static'],
  [WWW, 32, 'add-header-drops-inherited'],
  [WWW, 38, 'proxy-settings-without-pass'],
  [WWW, 49, 'proxy-pass-slash-redirect'],
  [WWW, 50, 'dav-methods-ignored'],
  [WWW, 60, 'multiple-content-handlers'],
  [WWW, 64, 'proxy-pass-slash-redirect'],
  [WWW, 65, 'limit-except-not-inherited'],
  [WWW, 69, 'limit-except-skips-rewrite'],
  [WWW, 73, 'proxy-pass-slash-redirect'],
];

// The one line nginx -t refuses: the directive-context finding above.
const NGINX_T_ERROR = { file: 'conf.d/api.example.com.conf', line: 74, text: '            return 405;', fixed: '            deny all;' };

// Rule families, per dialect: each must have a finding in that dialect's example.
const FAMILIES: Record<'nginx' | 'apache', Record<string, string[]>> = {
  nginx: {
    limit_except: [
      'limit-except-no-effect',
      'limit-except-invalid-method',
      'limit-except-blocks-preflight',
      'limit-except-not-inherited',
      'limit-except-skips-rewrite',
    ],
    'static or SPA fallback gets writes': [
      'static-location-write',
      'spa-fallback-swallows-writes',
      'proxy-settings-without-pass',
      'multiple-content-handlers',
      'dav-methods-ignored',
    ],
    'regex location shadows a proxy': ['regex-location-shadows-proxy'],
    'error_page 405': ['error-page-405-masks', 'error-page-405-uri-drops-method'],
    'proxy_pass join and redirects': ['proxy-pass-uri-join', 'proxy-pass-slash-redirect', 'proxy-pass-uri-not-allowed', 'redirect-drops-method'],
    'CORS preflight': ['cors-preflight-static', 'cors-methods-mismatch'],
    'Allow header': ['return-405-without-allow', 'add-header-allow-not-always'],
    'add_header inheritance': ['add-header-drops-inherited'],
    'directive context and arguments': ['directive-context', 'directive-arguments'],
    '$request_method case': ['request-method-case'],
  },
  apache: {
    '<Limit> and <LimitExcept>': ['limit-no-effect', 'limit-leaves-methods-open', 'limit-invalid-method', 'limit-head-get', 'limit-non-access-directive'],
    'AllowMethods and the Allow header': ['missing-allow-header'],
    'ErrorDocument 405': ['error-page-405-masks'],
    'front controller and static writes': ['front-controller-static-write', 'static-location-write'],
    'redirect drops the method': ['redirect-drops-method'],
    'ProxyPass join': ['proxy-pass-uri-join'],
    CORS: ['cors-preflight-blocked'],
    // No rule reads the case of RewriteCond %{REQUEST_METHOD} yet: line 40 of the .htaccess ("^delete$") shows the mistake.
  },
};

// Rules the examples leave out on purpose: each makes the server refuse the
// whole config (nginx -t, apache2 -t) or every request (.htaccess 500), and
// the nginx example already carries its one such error (directive-context).
const NOT_SHOWN: Record<string, string> = {
  'syntax-error': 'the server reads nothing after it',
  'include-missing': 'nginx -t fails',
  'directive-arguments': 'nginx -t fails',
  'limit-except-invalid-method': 'nginx -t fails',
  'proxy-pass-uri-not-allowed': 'nginx -t fails',
};

const dialectOf = (file: string): 'nginx' | 'apache' => (file.startsWith('examples/nginx/') ? 'nginx' : 'apache');

describe('verblint examples/', () => {
  let run: ReturnType<typeof verblint>;
  let rows: Row[];
  beforeAll(() => {
    run = verblint(['examples/', '--format', 'json']);
    rows = (JSON.parse(run.stdout) as { file: string; line: number; ruleId: string }[]).map((f) => [f.file, f.line, f.ruleId]);
  });

  it('exits 1 and prints nothing on stderr', () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
  });

  it('reports exactly the expected (file, line, rule) list', () => {
    expect(rows).toEqual(EXPECTED);
  });

  it('finds every rule family of each dialect in that dialect\'s example', () => {
    for (const [dialect, families] of Object.entries(FAMILIES) as ['nginx' | 'apache', Record<string, string[]>][]) {
      const fired = new Set(rows.filter(([file]) => dialectOf(file) === dialect).map(([, , id]) => id));
      for (const [family, ids] of Object.entries(families)) {
        expect(ids.filter((id) => fired.has(id)), `${dialect} family "${family}"`).not.toEqual([]);
      }
    }
  });

  it('has a family for every finding, and accounts for every rule', () => {
    for (const [file, line, id] of rows) {
      expect(Object.values(FAMILIES[dialectOf(file)]).flat(), `${file}:${line} ${id}`).toContain(id);
    }
    const listed = verblint(['--list-rules']);
    expect(listed.status).toBe(0);
    const all = listed.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]!);
    const familyIds = new Set(Object.values(FAMILIES).flatMap((f) => Object.values(f).flat()));
    for (const id of familyIds) expect(all, 'a family names a rule that does not exist').toContain(id);
    const shown = new Set(rows.map(([, , id]) => id));
    // A rule is either shown or left out with a reason, never both.
    expect(all.filter((id) => !shown.has(id)).sort()).toEqual(Object.keys(NOT_SHOWN).sort());
  });

  it('parses every example config without errors', () => {
    const files = [
      'examples/nginx/nginx.conf',
      'examples/nginx/mime.types',
      ...readdirSync(join(EXAMPLES, 'nginx/conf.d')).map((f) => `examples/nginx/conf.d/${f}`),
      HTACCESS,
      VHOST,
    ];
    expect(files).toHaveLength(6);
    for (const file of files) {
      const parsed = verblint(['parse', file]);
      expect(parsed.status, file).toBe(0);
      const payload = JSON.parse(parsed.stdout) as { status: string; errors: unknown[]; config: { file: string; errors: unknown[] }[] };
      expect({ file, status: payload.status, errors: payload.errors }).toEqual({ file, status: 'ok', errors: [] });
      expect(payload.config[0]!.file).toBe(file);
      expect(payload.config.flatMap((c) => c.errors)).toEqual([]);
    }
  });
});

describe('verblint contract on the examples', () => {
  /** (file, line, rule, spec lines of the operations) of each finding. */
  function contract(config: string, extra: string[] = []): { status: number | null; rows: string[] } {
    const run = verblint(['contract', config, '--openapi', 'examples/openapi.yaml', '--format', 'json', ...extra]);
    const findings = JSON.parse(run.stdout) as Array<{ file: string; line: number; ruleId: string; related: Array<{ line: number }> }>;
    return { status: run.status, rows: findings.map((f) => `${f.file}:${f.line} ${f.ruleId} ${f.related.map((r) => r.line).join('+')}`) };
  }

  it('finds the operations the nginx example refuses, each at the line that decides', () => {
    expect(contract('examples/nginx/nginx.conf')).toEqual({
      status: 1,
      rows: [
        `${API}:18 contract-method-blocked 144`, // PATCH under /api/v2/: no location proxies it
        `${API}:23 contract-method-blocked 273`, // the invoice PDF: a regex location serves it from disk
        `${API}:38 contract-method-blocked 106`, // DELETE /users/{userId}: limit_except GET PUT PATCH
        `${API}:38 contract-preflight-blocked 74+87+119`,
        `${API}:46 contract-method-blocked 289`, // POST /uploads: a static location
        `${API}:52 contract-method-blocked 324`, // DELETE /uploads/{id}: error_page 405 = ... turns it into a GET
        `${API}:63 contract-preflight-blocked 408`,
      ],
    });
  });

  it('finds the preflights the Apache example refuses, with its .htaccess read under --sysroot', () => {
    expect(contract(VHOST, ['--sysroot', 'examples/apache'])).toEqual({
      status: 1,
      rows: [`${VHOST}:33 contract-preflight-blocked 408`, `${HTACCESS}:37 contract-preflight-blocked 30+51+74+87+106+119+144+163+183+212+225+252+273+289+324+335+348+374`],
    });
  });
});

describe('examples/README.md', () => {
  const readme = readFileSync(join(EXAMPLES, 'README.md'), 'utf8');

  it('gives the summary line that verblint examples/ prints', () => {
    const run = verblint(['examples/']);
    const summary = /^✖ (\d+ problems \(\d+ errors, \d+ warnings\))$/m.exec(run.stdout)?.[1];
    expect(summary).toBe(`${EXPECTED.length} problems (15 errors, 32 warnings)`);
    expect(readme).toContain(`This prints ${summary}`);
  });

  it('shows the explain output exactly as verblint prints it', () => {
    const command = 'npx verblint explain examples/nginx/nginx.conf DELETE http://api.example.com/api/v1/users/42';
    const shown = new RegExp(`${command.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\n\`\`\`\\n\\n\`\`\`console\\n([^]*?)\`\`\``).exec(readme)?.[1];
    const run = verblint(command.split(' ').slice(2));
    expect(run.status).toBe(0);
    expect(shown).toBe(run.stdout);
  });
});

/**
 * examples/nginx copied to a fresh prefix with the paths nginx -t writes to
 * (pid, logs, temp directories) moved inside it. The include paths stay
 * relative, so they resolve in the copy as in examples/nginx.
 */
function nginxCopy(fix: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'verblint-examples-'));
  cpSync(join(EXAMPLES, 'nginx'), dir, { recursive: true });
  const edit = (rel: string, change: (text: string) => string): void => {
    const before = readFileSync(join(dir, rel), 'utf8');
    const after = change(before);
    expect(after, `${rel} changed`).not.toBe(before);
    writeFileSync(join(dir, rel), after);
  };
  const logs = (text: string): string => text.replaceAll('/var/log/nginx/', `${dir}/`);
  // Same line, so nginx's line numbers stay those of the example.
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t}_temp;`).join(' ');
  edit('nginx.conf', (t) => logs(t).replace('pid /run/nginx.pid;', `pid ${dir}/nginx.pid;`).replace(/^http \{$/m, `http { ${temps}`));
  edit('conf.d/api.example.com.conf', logs);
  edit('conf.d/www.example.com.conf', logs);
  if (fix) {
    edit(NGINX_T_ERROR.file, (t) => {
      const lines = t.split('\n');
      expect(lines[NGINX_T_ERROR.line - 1]).toBe(NGINX_T_ERROR.text);
      lines[NGINX_T_ERROR.line - 1] = NGINX_T_ERROR.fixed;
      return lines.join('\n');
    });
  }
  return dir;
}

function nginxTest(dir: string) {
  const run = spawnSync(NGINX, ['-t', '-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], { encoding: 'utf8', timeout: 20_000 });
  if (run.error) throw new Error(`cannot run ${NGINX}: ${run.error.message}`);
  const emerg = [...run.stderr.matchAll(/\[emerg\] \d+#\d+: (.*)$/gm)].map((m) => m[1]!);
  return { status: run.status, stderr: run.stderr, emerg };
}

describeReal('the nginx example on a real nginx -t', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('fails only on the line verblint reports as directive-context, with verblint\'s message', () => {
    const dir = nginxCopy(false);
    dirs.push(dir);
    const finding = (JSON.parse(verblint(['examples/', '--format', 'json']).stdout) as { file: string; line: number; ruleId: string; message: string }[]).find(
      (f) => f.ruleId === 'directive-context',
    )!;
    expect([finding.file, finding.line]).toEqual([`examples/nginx/${NGINX_T_ERROR.file}`, NGINX_T_ERROR.line]);
    const t = nginxTest(dir);
    expect(t.status).toBe(1);
    expect(t.emerg).toEqual([`${finding.message} in ${dir}/${NGINX_T_ERROR.file}:${NGINX_T_ERROR.line}`]);
    expect(finding.message).toBe('"return" directive is not allowed here');
  });

  it('accepts everything else: with that one line fixed, nginx -t succeeds', () => {
    const dir = nginxCopy(true);
    dirs.push(dir);
    const t = nginxTest(dir);
    expect(t.emerg).toEqual([]);
    expect(t.stderr).toContain(`configuration file ${dir}/nginx.conf test is successful`);
    expect(t.status).toBe(0);
  });
});

describeApache('the Apache example on a real apache2', () => {
  it('apache2 -t accepts the virtual host (lower-case <Limit> methods are registered silently)', async () => {
    const vhost = readFileSync(join(ROOT, VHOST), 'utf8');
    const verdict = await checkApacheConfig(
      ({ dir }) => ({ 'main.conf': `${baseConfig(dir)}Include sites-available/app.conf\n`, 'sites-available/app.conf': vhost }),
      'main.conf',
    );
    expect({ ok: verdict.ok, message: verdict.message, warnings: verdict.warnings }).toEqual({
      ok: true,
      message: undefined,
      warnings: ['AH00112: Warning: DocumentRoot [/var/www/shop/public] does not exist'],
    });
  });

  describe('with the .htaccess in the document root', () => {
    let apache: RealApache;
    beforeAll(async () => {
      apache = await startApache((site) => `${baseConfig(site.dir, site.port)}<Directory "${site.root}">\n    AllowOverride All\n</Directory>\n`, {
        'htdocs/.htaccess': readFileSync(join(ROOT, HTACCESS), 'utf8'),
        'htdocs/file.txt': 'a static file\n',
      });
    });
    afterAll(async () => {
      await apache?.stop();
    });

    it('reads every line of it: an existing file is served, not a 500', async () => {
      const r = await apache.request({ method: 'GET', target: '/file.txt' });
      expect({ status: r.status, body: r.body, errorLog: r.errorLog }).toEqual({ status: 200, body: 'a static file\n', errorLog: [] });
      expect(r.headers['access-control-allow-origin']).toBe('https://www.example.com');
    });

    it('refuses the CORS preflight with 405, as cors-preflight-blocked says (line 37)', async () => {
      const r = await apache.request({
        method: 'OPTIONS',
        target: '/file.txt',
        headers: { Origin: 'https://www.example.com', 'Access-Control-Request-Method': 'PUT' },
      });
      expect(r.status).toBe(405);
    });
  });
});
