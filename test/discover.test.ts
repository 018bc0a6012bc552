// Which files a run lints and in which dialect: small trees built in a
// temporary directory, with exact lists expected.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discover, rebaseGitignoreLine, sniffDialect, type DiscoverOptions } from '../src/discover.js';

const NGINX = 'server {\n    listen 80;\n}\n';
const APACHE = '<VirtualHost *:80>\n    DocumentRoot /srv/www\n</VirtualHost>\n';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory holding `files` (path → text). */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'verblint-discover-'));
  made.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** `path dialect` lines, for exact comparison. */
function found(paths: string[], options: DiscoverOptions): string[] {
  return discover(paths, options).files.map((f) => `${f.path} ${f.dialect}`);
}

describe('sniffDialect', () => {
  it('knows nginx by its blocks and statements', () => {
    expect(sniffDialect(NGINX)).toBe('nginx');
    expect(sniffDialect('http {\n}\n')).toBe('nginx');
    expect(sniffDialect('events {}\n')).toBe('nginx');
    expect(sniffDialect('upstream backend {\n  server 127.0.0.1:8080;\n}\n')).toBe('nginx');
    expect(sniffDialect('location /api/ {\n  proxy_pass http://backend;\n}\n')).toBe('nginx');
    expect(sniffDialect('root /srv/www;  # the site\n')).toBe('nginx');
    expect(sniffDialect('  limit_except GET {\n    deny all;\n  }\n')).toBe('nginx');
  });

  it('knows Apache by its sections and directives, in any case', () => {
    expect(sniffDialect(APACHE)).toBe('apache');
    expect(sniffDialect('<directory /srv>\n</directory>\n')).toBe('apache');
    expect(sniffDialect('<IfModule mod_rewrite.c>\n</IfModule>\n')).toBe('apache');
    expect(sniffDialect('<Location /x>\n</Location>\n')).toBe('apache');
    expect(sniffDialect('<Files "x">\n</Files>\n')).toBe('apache');
    expect(sniffDialect('RewriteEngine On\nRewriteRule ^ - [F]\n')).toBe('apache');
    expect(sniffDialect('require all granted\n')).toBe('apache');
    expect(sniffDialect('AllowOverride None\n')).toBe('apache');
    expect(sniffDialect('Options -Indexes\n')).toBe('apache');
  });

  it('tells Apache Listen from nginx listen by the semicolon', () => {
    expect(sniffDialect('Listen 80\n')).toBe('apache');
    expect(sniffDialect('listen 80;\n')).toBe('nginx');
    expect(sniffDialect('Allow from all\n')).toBe('apache');
    expect(sniffDialect('allow all;\n')).toBe('nginx');
  });

  it('is not misled by Lua\'s require inside a Lua block', () => {
    const lua = 'lua_package_path "/x/?.lua;;";\ninit_by_lua_block {\n    require "resty.core.regex"\n    assert(true)\n}\n';
    expect(sniffDialect(lua)).toBe('nginx');
  });

  it('takes "};" as a sign of a C-like config, not nginx', () => {
    expect(sniffDialect('zone "example.com" {\n    type master;\n    file "db.example";\n};\n')).toBeUndefined();
  });

  it('goes with the dialect more lines speak', () => {
    expect(sniffDialect(`${APACHE}listen 80;\n`)).toBe('apache');
    expect(sniffDialect(`${NGINX}root /srv;\nOptions -Indexes\n`)).toBe('nginx');
  });

  it('says nothing for other text, comments and ties', () => {
    expect(sniffDialect('')).toBeUndefined();
    expect(sniffDialect('[program:web]\ncommand=/usr/bin/web\n')).toBeUndefined();
    expect(sniffDialect('# server {\n# <VirtualHost *:80>\n')).toBeUndefined();
    expect(sniffDialect('options {\n  directory "/var/cache/bind";\n};\ninclude "/etc/bind/zones";\n')).toBeUndefined();
    expect(sniffDialect('listen 80;\nListen 80\n')).toBeUndefined();
    expect(sniffDialect('Server {\n')).toBeUndefined();
  });

  it('reads only the first 64 KB', () => {
    expect(sniffDialect(`${'\n'.repeat(64 * 1024 - 20)}${NGINX}`)).toBe('nginx');
    expect(sniffDialect(`${'\n'.repeat(64 * 1024)}${NGINX}`)).toBeUndefined();
  });
});

describe('discover: walking a directory', () => {
  it('keeps nginx and Apache files by name, directory and content, and nothing else', () => {
    const root = tree({
      'nginx.conf': '',
      'conf.d/empty.conf': '',
      'conf.d/vhost.conf': APACHE,
      'sites-available/default': '',
      'sites-available/default~': '',
      'sites-available/default.bak': NGINX,
      'sites-enabled/site.conf': '',
      'snippets/ssl.conf': '',
      'nginx/apache-looking.conf': APACHE,
      'web.nginx': '',
      'host.vhost': '',
      'case.nginx.conf': '',
      'case.apache.conf': '',
      '.htaccess': '',
      'httpd.conf': '',
      'apache2.conf': '',
      'apache2/ports.conf': '',
      'httpd/conf.d/ssl.conf': '',
      'conf-enabled/security.conf': '',
      'conf-available/charset.conf': '',
      'mods-available/dir.conf': '',
      'other/server.conf': NGINX,
      'other/site.conf': APACHE,
      'other/supervisor.conf': '[program:web]\n',
      'other/empty.conf': '',
      'README.md': NGINX,
      'notes.txt': APACHE,
      'mime.types': 'types {\n}\n',
      'nginx/mime.types': '',
      'fastcgi_params': '',
      'nginx/scgi_params': '',
      'proxy.params': '',
      'nginx/koi-utf': '',
      'nginx/koi-win': '',
      'nginx/win-utf': '',
      '.git/nginx.conf': '',
      'sub/.git/info.conf': NGINX,
      'node_modules/pkg/nginx.conf': '',
    });
    expect(found(['.'], { cwd: root })).toEqual([
      '.htaccess apache',
      'apache2.conf apache',
      'apache2/ports.conf apache',
      'case.apache.conf apache',
      'case.nginx.conf nginx',
      'conf-available/charset.conf apache',
      'conf-enabled/security.conf apache',
      'conf.d/empty.conf nginx',
      'conf.d/vhost.conf apache',
      'host.vhost nginx',
      'httpd.conf apache',
      'httpd/conf.d/ssl.conf apache',
      'mods-available/dir.conf apache',
      'nginx.conf nginx',
      'nginx/apache-looking.conf nginx',
      'other/server.conf nginx',
      'other/site.conf apache',
      'sites-available/default nginx',
      'sites-enabled/site.conf nginx',
      'snippets/ssl.conf nginx',
      'web.nginx nginx',
    ]);
  });

  it('takes the directory hint from the walked directory itself', () => {
    const root = tree({ 'apache2/site.conf': '', 'conf-enabled/x.conf': '', 'sites-enabled/default': '' });
    expect(found(['.'], { cwd: join(root, 'apache2') })).toEqual(['site.conf apache']);
    expect(found(['.'], { cwd: join(root, 'conf-enabled') })).toEqual(['x.conf apache']);
    expect(found(['.'], { cwd: join(root, 'sites-enabled') })).toEqual(['default nginx']);
  });

  it('joins what it finds to the directory as given: relative stays relative, absolute stays absolute', () => {
    const root = tree({ 'etc/nginx/nginx.conf': '', 'etc/nginx/conf.d/a.conf': '' });
    expect(found(['etc'], { cwd: root })).toEqual(['etc/nginx/conf.d/a.conf nginx', 'etc/nginx/nginx.conf nginx']);
    expect(found(['./etc/nginx/'], { cwd: root })).toEqual(['etc/nginx/conf.d/a.conf nginx', 'etc/nginx/nginx.conf nginx']);
    expect(found([join(root, 'etc')], { cwd: '/' })).toEqual([
      `${root}/etc/nginx/conf.d/a.conf nginx`,
      `${root}/etc/nginx/nginx.conf nginx`,
    ]);
    expect(found(['../etc/nginx/conf.d'], { cwd: join(root, 'etc') })).toEqual(['../etc/nginx/conf.d/a.conf nginx']);
  });

  it('sorts and lists each file once, however often it is named', () => {
    const root = tree({ 'b/nginx.conf': '', 'a/nginx.conf': '', 'a/conf.d/x.conf': '' });
    expect(found(['b', 'a', 'a/conf.d', 'a', './a/nginx.conf'], { cwd: root })).toEqual([
      'a/conf.d/x.conf nginx',
      'a/nginx.conf nginx',
      'b/nginx.conf nginx',
    ]);
  });

  it('keeps symbolic links to files and does not follow links to directories', () => {
    const root = tree({ 'sites-available/default': NGINX, 'sites-available/api.conf': NGINX });
    mkdirSync(join(root, 'sites-enabled'));
    symlinkSync('../sites-available/default', join(root, 'sites-enabled/default'));
    symlinkSync('../sites-available/gone.conf', join(root, 'sites-enabled/gone.conf'));
    symlinkSync('..', join(root, 'sites-available/loop'));
    expect(found(['.'], { cwd: root })).toEqual([
      'sites-available/api.conf nginx',
      'sites-available/default nginx',
      'sites-enabled/default nginx',
    ]);
  });
});

describe('discover: files named on the command line', () => {
  it('always lints them, deciding the dialect by name, then content, else nginx', () => {
    const root = tree({
      'notes.txt': 'hello\n',
      'mime.types': 'types {\n}\n',
      'plain.conf': APACHE,
      'site.cfg': NGINX,
      '.htaccess': '',
      'nginx/looks-apache.conf': APACHE,
      'conf.d/vhost.conf': APACHE,
      'fastcgi_params': '',
    });
    expect(
      found(['notes.txt', 'mime.types', 'plain.conf', 'site.cfg', '.htaccess', 'nginx/looks-apache.conf', 'conf.d/vhost.conf', 'fastcgi_params'], {
        cwd: root,
      }),
    ).toEqual([
      '.htaccess apache',
      'conf.d/vhost.conf apache',
      'fastcgi_params nginx',
      'mime.types nginx',
      'nginx/looks-apache.conf nginx',
      'notes.txt nginx',
      'plain.conf apache',
      'site.cfg nginx',
    ]);
  });

  it('takes a hint from the directories the path names, the one the file is in and cwd, but not from further up', () => {
    const root = tree({
      'conf-enabled/security.conf': 'ServerTokens Prod\n',
      'apache2/sites-available/000-default.conf': APACHE,
      'apache2/x/y.conf': '',
    });
    expect(found(['security.conf'], { cwd: join(root, 'conf-enabled') })).toEqual(['security.conf apache']);
    expect(found(['000-default.conf'], { cwd: join(root, 'apache2/sites-available') })).toEqual(['000-default.conf apache']);
    expect(found(['y.conf'], { cwd: join(root, 'apache2/x') })).toEqual(['y.conf nginx']);
    expect(found(['x/y.conf'], { cwd: join(root, 'apache2') })).toEqual(['x/y.conf apache']);
    expect(found(['apache2/x/y.conf'], { cwd: root })).toEqual(['apache2/x/y.conf apache']);
  });

  it('lints them even when an ignore rule matches', () => {
    const root = tree({ '.gitignore': '*.conf\n', 'site.conf': NGINX });
    expect(found(['site.conf'], { cwd: root, ignores: ['site.conf'] })).toEqual(['site.conf nginx']);
  });

  it('keeps the spelling of the command line when a walk finds the same file', () => {
    const root = tree({ 'a/nginx.conf': '' });
    expect(found([join(root, 'a/nginx.conf'), 'a'], { cwd: root })).toEqual([`${root}/a/nginx.conf nginx`]);
    expect(found(['./a/nginx.conf', 'a'], { cwd: root })).toEqual(['a/nginx.conf nginx']);
  });
});

describe('discover: missing paths', () => {
  it('lists paths that do not exist, as given and in order, next to the files found', () => {
    const root = tree({ 'nginx.conf': '' });
    expect(discover(['nope', 'nginx.conf', 'gone/x.conf', 'nginx.conf/x', 'nope'], { cwd: root })).toEqual({
      files: [{ path: 'nginx.conf', dialect: 'nginx' }],
      missing: ['nope', 'gone/x.conf', 'nginx.conf/x'],
    });
  });

  it('finds nothing in an empty directory', () => {
    expect(discover(['.'], { cwd: tree({}) })).toEqual({ files: [], missing: [] });
  });
});

describe('discover: .gitignore', () => {
  it('honours the .gitignore at the root: comments, directories, globs and anchors', () => {
    const root = tree({
      '.gitignore': '# generated\nbuild/\n*.old.conf\n/top.conf\n\n',
      'build/nginx.conf': '',
      'a/build/nginx.conf': '',
      'x.old.conf': NGINX,
      'top.conf': NGINX,
      'a/top.conf': NGINX,
      'nginx.conf': '',
    });
    expect(found(['.'], { cwd: root })).toEqual(['a/top.conf nginx', 'nginx.conf nginx']);
  });

  it('honours nested .gitignore files relative to their own directory, deeper ones winning', () => {
    const root = tree({
      '.gitignore': '*.old.conf\nbuild/\n',
      'a/.gitignore': '!keep.old.conf\nlocal.conf\n/anchored.conf\n',
      'a/keep.old.conf': NGINX,
      'a/drop.old.conf': NGINX,
      'a/local.conf': NGINX,
      'a/b/local.conf': NGINX,
      'a/anchored.conf': NGINX,
      'a/b/anchored.conf': NGINX,
      'local.conf': NGINX,
      'anchored.conf': NGINX,
      'build/.gitignore': '!nginx.conf\n',
      'build/nginx.conf': '',
    });
    expect(found(['.'], { cwd: root })).toEqual([
      'a/b/anchored.conf nginx',
      'a/keep.old.conf nginx',
      'anchored.conf nginx',
      'local.conf nginx',
    ]);
  });

  it('reads a nested .gitignore in a directory whose name has glob characters', () => {
    const root = tree({ '[x]/.gitignore': 'a.conf\n', '[x]/a.conf': NGINX, '[x]/b.conf': NGINX, 'x/a.conf': NGINX });
    expect(found(['.'], { cwd: root })).toEqual(['[x]/b.conf nginx', 'x/a.conf nginx']);
  });

  it('applies the .gitignore files of cwd and the directories down to a walked subdirectory', () => {
    const root = tree({
      '.gitignore': 'sub/skip.conf\n',
      'sub/.gitignore': 'deep/\n',
      'sub/skip.conf': NGINX,
      'sub/ok.conf': NGINX,
      'sub/deep/x.conf': NGINX,
      'sub/inner/.gitignore': 'y.conf\n',
      'sub/inner/y.conf': NGINX,
      'sub/inner/z.conf': NGINX,
    });
    expect(found(['sub/inner'], { cwd: root })).toEqual(['sub/inner/z.conf nginx']);
    expect(found(['sub'], { cwd: root })).toEqual(['sub/inner/z.conf nginx', 'sub/ok.conf nginx']);
  });

  it('walks nothing in a directory that is itself ignored', () => {
    const root = tree({ '.gitignore': 'vendor/\n', 'vendor/nginx.conf': '' });
    expect(found(['vendor'], { cwd: root })).toEqual([]);
  });

  it('uses the walked directory as the base when it is outside cwd', () => {
    const root = tree({
      'work/.gitignore': '*.conf\n',
      'work/a.conf': NGINX,
      'other/.gitignore': '/b.conf\n',
      'other/a.conf': NGINX,
      'other/b.conf': NGINX,
    });
    expect(found(['../other'], { cwd: join(root, 'work') })).toEqual(['../other/a.conf nginx']);
  });

  it('treats patterns case-sensitively, as git does on Linux', () => {
    const root = tree({ '.gitignore': 'SKIP.conf\n', 'skip.conf': NGINX });
    expect(found(['.'], { cwd: root })).toEqual(['skip.conf nginx']);
  });
});

describe('rebaseGitignoreLine', () => {
  it('moves anchored patterns under the directory and lets the others match at any depth', () => {
    expect(rebaseGitignoreLine('*.conf', '')).toBe('*.conf');
    expect(rebaseGitignoreLine('*.conf', 'a/b')).toBe('a/b/**/*.conf');
    expect(rebaseGitignoreLine('build/', 'a')).toBe('a/**/build/');
    expect(rebaseGitignoreLine('/top.conf', 'a')).toBe('a/top.conf');
    expect(rebaseGitignoreLine('x/y.conf', 'a')).toBe('a/x/y.conf');
    expect(rebaseGitignoreLine('**/y.conf', 'a')).toBe('a/**/y.conf');
    expect(rebaseGitignoreLine('!keep.conf', 'a')).toBe('!a/**/keep.conf');
    expect(rebaseGitignoreLine('\\#hash', 'a')).toBe('a/**/\\#hash');
    expect(rebaseGitignoreLine('x.conf', '[x]/#y')).toBe('\\[x\\]/#y/**/x.conf');
    expect(rebaseGitignoreLine('x.conf', '!x')).toBe('\\!x/**/x.conf');
    expect(rebaseGitignoreLine('# comment', 'a')).toBeUndefined();
    expect(rebaseGitignoreLine('   ', 'a')).toBeUndefined();
    expect(rebaseGitignoreLine('!', 'a')).toBeUndefined();
  });
});

describe('discover: the config', () => {
  it('leaves out what the ignores match, relative to cwd, with negation', () => {
    const root = tree({
      'legacy/nginx.conf': '',
      'a.test.conf': NGINX,
      'sub/b.test.conf': NGINX,
      'keep.test.conf': NGINX,
      'sub/x.conf': NGINX,
      'x.conf': NGINX,
    });
    const ignores = ['legacy/', '*.test.conf', '!keep.test.conf', '/sub/x.conf'];
    expect(found(['.'], { cwd: root, ignores })).toEqual(['keep.test.conf nginx', 'x.conf nginx']);
    expect(found(['sub'], { cwd: root, ignores })).toEqual([]);
  });

  it('reads ignores and overrides relative to base, the config file\'s directory, when it is given', () => {
    const root = tree({
      'nginx/nginx.conf': '',
      'nginx/legacy/old.conf': NGINX,
      'nginx/site.cfg': NGINX,
      'other/x.conf': NGINX,
    });
    const options = {
      cwd: join(root, 'nginx'),
      base: '..',
      ignores: ['nginx/legacy/**', '/other/'],
      overrides: [{ files: ['nginx/*.cfg'], dialect: 'apache' as const }],
    };
    expect(found(['.', '../other'], options)).toEqual(['nginx.conf nginx', 'site.cfg apache']);
    expect(found(['.'], { ...options, base: root })).toEqual(['nginx.conf nginx', 'site.cfg apache']);
    const { base: _, ...fromCwd } = options;
    expect(found(['.'], fromCwd)).toEqual(['legacy/old.conf nginx', 'nginx.conf nginx']);
  });

  it('does not apply ignores to files outside base, which is cwd by default', () => {
    const root = tree({ 'work/x.conf': NGINX, 'other/x.conf': NGINX });
    expect(found(['.', '../other'], { cwd: join(root, 'work'), ignores: ['x.conf'] })).toEqual(['../other/x.conf nginx']);
  });

  it('forces the dialect of named files with --dialect, and walks keep only files of that dialect', () => {
    const root = tree({ 'nginx.conf': '', '.htaccess': '', 'plain.conf': 'a = b\n', 'notes.txt': '', 'site.conf': APACHE });
    expect(found(['.', 'notes.txt', 'nginx.conf'], { cwd: root, dialect: 'apache' })).toEqual([
      '.htaccess apache',
      'nginx.conf apache',
      'notes.txt apache',
      'site.conf apache',
    ]);
    expect(found(['.'], { cwd: root, dialect: 'nginx' })).toEqual(['nginx.conf nginx']);
  });

  it('lets overrides decide the dialect, the last match winning, and adds the files they name to walks', () => {
    const root = tree({
      'legacy/old.conf': NGINX,
      'legacy/vhost.conf': NGINX,
      'custom/site.cfg': APACHE,
      'custom/README.md': '',
      'conf.d/x.conf': '',
      'named.txt': '',
    });
    const overrides = [
      { files: ['legacy/*.conf'], dialect: 'apache' as const },
      { files: ['*.cfg', 'vhost.conf'], dialect: 'nginx' as const },
      { files: ['named.txt'], dialect: 'apache' as const },
    ];
    expect(found(['.'], { cwd: root, overrides })).toEqual([
      'conf.d/x.conf nginx',
      'custom/site.cfg nginx',
      'legacy/old.conf apache',
      'legacy/vhost.conf nginx',
      'named.txt apache',
    ]);
    expect(found(['named.txt'], { cwd: root, overrides })).toEqual(['named.txt apache']);
    expect(found(['.'], { cwd: root, overrides, dialect: 'nginx' })).toEqual([
      'conf.d/x.conf nginx',
      'custom/site.cfg nginx',
      'legacy/vhost.conf nginx',
    ]);
    expect(found(['named.txt'], { cwd: root, overrides, dialect: 'nginx' })).toEqual(['named.txt nginx']);
  });

  it('does not apply overrides outside base, which is cwd by default', () => {
    const root = tree({ 'work/a.conf': '', 'other/site.cfg': NGINX });
    expect(found(['../other', '.'], { cwd: join(root, 'work'), overrides: [{ files: ['*.cfg'], dialect: 'nginx' }] })).toEqual([]);
  });
});

describe('dialects of the shared corpora, each file named on the command line', () => {
  const corpus = new URL('../../shared/corpus/', import.meta.url).pathname;
  const named = (dir: string): string[] => readdirSync(dir).flatMap((d) => readdirSync(join(dir, d)).map((f) => `${d}/${f}`));

  it('reads every nginx corpus file as nginx', () => {
    const files = discover(named(`${corpus}nginx/files`), { cwd: `${corpus}nginx/files` }).files;
    expect(files.length).toBe(1047);
    expect(files.filter((f) => f.dialect !== 'nginx').map((f) => f.path)).toEqual([]);
  });

  it('reads the Apache corpus files as Apache, except those with nothing to tell by (only comments, or made-up names)', () => {
    const files = discover(named(`${corpus}apache/files`), { cwd: `${corpus}apache/files` }).files;
    expect(files.length).toBe(330);
    // Each of these is only comments, or holds no directive Apache knows; in a
    // real tree their folder (mods-available/, conf-available/) says Apache.
    expect(files.filter((f) => f.dialect !== 'apache').map((f) => f.path)).toEqual([
      'apache__httpd/docs__conf__extra__httpd-macro.conf.in',
      'certbot__certbot/certbot__src__certbot___internal__tests__plugins__apache__apache-conf-files__passing__comment-continuations-2050.conf',
      'certbot__certbot/certbot__src__certbot___internal__tests__plugins__apache__testdata__complex_parsing__test_fnmatch.conf',
      'certbot__certbot/certbot__src__certbot___internal__tests__plugins__apache__testdata__debian_apache_2_4__augeas_vhosts__apache2__mods-available__dav_svn.conf',
      'certbot__certbot/certbot__src__certbot___internal__tests__plugins__apache__testdata__debian_apache_2_4__multiple_vhosts__apache2__mods-available__dav_svn.conf',
      'coreruleset__coreruleset/rules__REQUEST-900-EXCLUSION-RULES-BEFORE-CRS.conf.example',
      'coreruleset__coreruleset/rules__RESPONSE-999-EXCLUSION-RULES-AFTER-CRS.conf.example',
      'debian__apache2/etc__apache2__conf-available__charset.conf',
      'debian__apache2/etc__apache2__conf-available__localized-error-pages.conf',
      'debian__apache2/etc__apache2__mods-available__actions.conf',
      'debian__apache2/etc__apache2__mods-available__proxy.conf',
      'debian__apache2/etc__apache2__mods-available__proxy_balancer.conf',
      'hercules-team__augeas/tests__root__etc__httpd__conf.modules.d__00-optional.conf',
      'hercules-team__augeas/tests__root__etc__httpd__conf.modules.d__README',
    ]);
  });

  it('reads a name with "htaccess" in it as Apache, and sniffs ModSecurity rules and known Apache directives', () => {
    expect(sniffDialect('SecRule REQUEST_METHOD "@rx ^PUT$" "id:1,deny"\n')).toBe('apache');
    expect(sniffDialect('ServerTokens Prod\nTraceEnable Off\n')).toBe('apache');
    // Lower-case names nginx has too say nothing on their own.
    expect(sniffDialect('include conf.d/x.conf\n')).toBeUndefined();
    expect(sniffDialect('Include conf.d/x.conf\n')).toBe('apache');
    const root = tree({ 'htaccess.txt': 'RewriteEngine On\n', 'site/example.htaccess': '', 'site/a.conf': '' });
    expect(found(['htaccess.txt'], { cwd: root })).toEqual(['htaccess.txt apache']);
    expect(found(['site'], { cwd: root })).toEqual(['site/example.htaccess apache']);
  });
});
