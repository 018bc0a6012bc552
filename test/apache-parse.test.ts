// The Apache reader, one reading rule at a time (../shared/docs/apache-methods.md,
// section 1), each with exact positions. test/real/apache-syntax.test.ts holds
// the same kinds of cases against a real apache2; test/apache-corpus.test.ts the corpus.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandVars, newVars, parseApache, parseApacheText, serverRootFor } from '../src/apache-parse.js';
import type { Arg, Directive } from '../src/model.js';

function parse(text: string, file = 'test.conf', comments = false) {
  return parseApacheText(text, file, { comments });
}

function ok(text: string, file = 'test.conf', comments = false): Directive[] {
  const r = parse(text, file, comments);
  expect(r.errors).toEqual([]);
  return r.parsed;
}

function error(text: string, file = 'test.conf') {
  const r = parse(text, file);
  expect(r.parsed).toEqual([]);
  expect(r.errors).toHaveLength(1);
  const e = r.errors[0]!;
  return { line: e.line, column: e.column, message: e.message };
}

const pos = (a: Arg | Directive) => [a.line, a.column, a.endLine, a.endColumn];
const names = (nodes: Directive[]) => nodes.map((d) => d.directive);

describe('physical lines join into logical lines', () => {
  it('joins at a backslash before LF and keeps the next line verbatim; the directive spans both lines and is reported at the last', () => {
    const [d] = ok('ServerAdmin \\\n    a@b\nServerName x\n');
    expect(d!.args).toEqual(['a@b']);
    expect(pos(d!)).toEqual([1, 1, 2, 8]);
    expect(pos(d!.argNodes[0]!)).toEqual([2, 5, 2, 8]);
    expect(d!.reportLine).toBe(2);
  });

  it('joins inside quotes, and the argument keeps both ends', () => {
    const [d] = ok('Header set X "a \\\nb"\n');
    expect(d!.args).toEqual(['set', 'X', 'a b']);
    expect(pos(d!.argNodes[2]!)).toEqual([1, 14, 2, 3]);
    expect(d!.argNodes[2]!.raw).toBe('"a \\\nb"');
  });

  it('joins a comment with the next line, so that line is never read', () => {
    const nodes = ok('# note \\\nThis is no directive\nServerName x\n', 'test.conf', true);
    expect(names(nodes)).toEqual(['#', 'ServerName']);
    expect(nodes[0]!.comment).toBe(' note This is no directive');
    expect(pos(nodes[0]!)).toEqual([1, 1, 2, 21]);
    expect(nodes[1]!.line).toBe(3);
  });

  it('keeps every word of a line continued thousands of times at its own place', () => {
    // Each word is mapped back through the pieces: a binary search, so this stays linear.
    const n = 3000;
    const [d, after] = ok(`Foo${' a \\\n'.repeat(n)}b\nBar x\n`);
    expect(d!.args).toHaveLength(n + 1);
    expect(d!.argNodes.map((a) => pos(a))).toEqual([...Array.from({ length: n }, (_, i) => [i + 1, i === 0 ? 5 : 2, i + 1, i === 0 ? 6 : 3]), [n + 1, 1, n + 1, 2]]);
    expect([d!.reportLine, after!.line]).toEqual([n + 1, n + 2]);
  });

  it('does not join when a space follows the backslash, and keeps the backslash in the word', () => {
    const nodes = ok('ServerAlias a\\ \nServerName b\n');
    expect(names(nodes)).toEqual(['ServerAlias', 'ServerName']);
    expect(nodes[0]!.args).toEqual(['a\\']);
  });

  it('joins after a doubled backslash too, removing one', () => {
    const nodes = ok('ServerAlias a\\\\\n b\n');
    expect(nodes).toHaveLength(1);
    expect(nodes[0]!.args).toEqual(['a\\', 'b']);
    expect(pos(nodes[0]!.argNodes[1]!)).toEqual([2, 2, 2, 3]);
  });

  it('does not join the last line of a file without a final newline', () => {
    const [d] = ok('ServerAlias a\\');
    expect(d!.args).toEqual(['a\\']);
  });

  it('reads CRLF files: CR is trimmed, continuation works before CR LF', () => {
    const nodes = ok('ServerName a\r\n<Directory /x>\r\n  Require all \\\r\n granted\r\n</Directory>\r\n');
    expect(names(nodes)).toEqual(['ServerName', 'Directory']);
    expect(nodes[0]!.args).toEqual(['a']);
    const req = nodes[1]!.block![0]!;
    expect(req.args).toEqual(['all', 'granted']);
    expect(pos(req)).toEqual([3, 3, 4, 9]);
    expect(pos(nodes[1]!)).toEqual([2, 1, 5, 13]);
  });
});

describe('comments, words and names', () => {
  it('has no inline comments: a trailing "# x" is two more arguments', () => {
    const [d] = ok('ServerAdmin a@b # c\n');
    expect(d!.args).toEqual(['a@b', '#', 'c']);
    expect(pos(d!.argNodes[1]!)).toEqual([1, 17, 1, 18]);
  });

  it('takes "#" as a comment only as the first character after trimming', () => {
    const nodes = ok('   # indented comment\nRewriteRule ^a#b$ /x\n', 'test.conf', true);
    expect(names(nodes)).toEqual(['#', 'RewriteRule']);
    expect(nodes[0]!.column).toBe(4);
    expect(nodes[1]!.args).toEqual(['^a#b$', '/x']);
  });

  it('splits words as ap_getword_conf does', () => {
    const [d] = ok(`X a "b c" 'd\\'e' f\\\\g "h\\"i" "a"b j"k "open to the end`);
    expect(d!.args).toEqual(['a', 'b c', "d'e", 'f\\g', 'h"i', 'a', 'b', 'j"k', 'open to the end']);
    expect(d!.argNodes.map((a) => a.quoted)).toEqual([false, true, true, false, true, true, false, false, true]);
    expect(pos(d!.argNodes[6]!)).toEqual([1, 33, 1, 34]);
  });

  it('skips a line whose first word reads as empty, as ap_build_config does', () => {
    const nodes = ok('"" NotADirective here\n  \'\' more\nServerAdmin a@b\n"x" y\n');
    expect(names(nodes)).toEqual(['ServerAdmin', 'x']);
    expect(nodes.map((d) => d.line)).toEqual([3, 4]);
  });

  it('keeps the name as written and its lower case', () => {
    const nodes = ok('serveradmin a@b\n<directory /x>\n  REWRITEENGINE on\n</DIRECTORY>\n');
    expect(nodes.map((d) => [d.directive, d.lower])).toEqual([['serveradmin', 'serveradmin'], ['directory', 'directory']]);
    expect(nodes[1]!.block![0]!.lower).toBe('rewriteengine');
  });

  it('reads RewriteRule and RewriteCond as mod_rewrite does: "\\ " keeps the space, three words at most', () => {
    const nodes = ok('RewriteCond %{THE_REQUEST} ^[A-Z]{3,9}\\ /index\\.php\\ HTTP/\nRewriteRule ^a\\ b "c d" [R=405,L] dropped words\n');
    expect(nodes[0]!.args).toEqual(['%{THE_REQUEST}', '^[A-Z]{3,9}\\ /index\\.php\\ HTTP/']);
    expect(pos(nodes[0]!.argNodes[1]!)).toEqual([1, 28, 1, 59]);
    expect(nodes[1]!.args).toEqual(['^a\\ b', 'c d', '[R=405,L]']);
    expect(nodes[1]!.ignored).toEqual([{ text: 'dropped words', line: 2, column: 35, after: 'args' }]);
  });

  it('does not treat a backslash as a quote escape in RewriteRule', () => {
    const [d] = ok('RewriteRule "^a\\"b" x\n');
    expect(d!.args).toEqual(['^a\\', 'b"', 'x']);
  });
});

describe('sections', () => {
  it('nests by a stack, spans open to close, and matches names case-insensitively', () => {
    const [v] = ok('<VirtualHost *:80>\n  <Directory "/srv">\n    Require all granted\n  </directory>\n</VirtualHost>\n');
    expect(v!.section).toBe(true);
    expect(v!.args).toEqual(['*:80']);
    expect(pos(v!)).toEqual([1, 1, 5, 15]);
    const dir = v!.block![0]!;
    expect(dir.args).toEqual(['/srv']);
    expect(pos(dir.argNodes[0]!)).toEqual([2, 14, 2, 20]);
    expect(pos(dir)).toEqual([2, 3, 4, 15]);
  });

  it('drops the text after the last ">" of an opening tag, and after a closing tag', () => {
    const [d] = ok('<Directory /x> Require all granted\n</Directory> trailing words\n');
    expect(d!.block).toEqual([]);
    expect(d!.ignored).toEqual([
      { text: 'Require all granted', line: 1, column: 16, after: 'open' },
      { text: 'trailing words', line: 2, column: 14, after: 'close' },
    ]);
  });

  it('cuts arguments at the last ">", so ">" inside quotes or expressions is fine', () => {
    const nodes = ok([
      '<LocationMatch "^/a>b">', '</LocationMatch>',
      `<If "%{REQUEST_METHOD} == 'POST'">`, '</If>',
      '<IfModule !mod_x.c>', '</IfModule>',
      '<IfModule ! mod_x.c>', '</IfModule>',
      '<IfVersion >= 2.4>', '</IfVersion>',
      '<Directory "/tmp" >', '</Directory>',
    ].join('\n'));
    expect(nodes.map((d) => [d.directive, d.args])).toEqual([
      ['LocationMatch', ['^/a>b']],
      ['If', ["%{REQUEST_METHOD} == 'POST'"]],
      ['IfModule', ['!mod_x.c']],
      ['IfModule', ['!', 'mod_x.c']],
      ['IfVersion', ['>=', '2.4']],
      ['Directory', ['/tmp']],
    ]);
    expect(pos(nodes[1]!.argNodes[0]!)).toEqual([3, 5, 3, 34]);
  });

  it('reads a section whose opening tag continues over lines, reported at its last line', () => {
    const [v] = ok('<VirtualHost a:80 \\\n   b:80>\n</VirtualHost>\n');
    expect(v!.args).toEqual(['a:80', 'b:80']);
    expect(v!.reportLine).toBe(2);
    expect(pos(v!.argNodes[1]!)).toEqual([2, 4, 2, 8]);
  });

  it('reports an unclosed section at its opening line', () => {
    expect(error('ServerName x\n<Directory /x>\n  Require all granted\n')).toEqual({ line: 2, column: 1, message: '<Directory> was not closed.' });
    expect(error('<VirtualHost a:80 \\\n b:80>\n').line).toBe(2);
  });

  it('reports an unclosed conditional section too: Apache accepts it only while the condition holds', () => {
    expect(error('<IfModule mod_rewrite.c>\nRewriteEngine on\n')).toEqual({
      line: 1,
      column: 1,
      message: '<IfModule> was not closed: Apache fails with "Expected </IfModule> before end of configuration" when its condition is false',
    });
  });

  it('explains a closing tag lost after another one on the same line', () => {
    const e = error('<IfModule mod_ssl.c>\n<VirtualHost *:443>\n</VirtualHost> </IfModule>\n');
    expect(e.line).toBe(1);
    expect(e.message).toMatch(/the <\/IfModule> after the closing tag on line 3 is ignored/);
  });

  it('reports a mismatched close at its line, with Apache\'s words', () => {
    expect(error('<Directory /x>\n  Require all granted\n</Location>\n')).toEqual({ line: 3, column: 1, message: 'Expected </Directory> but saw </Location>' });
  });

  it('reports a close with nothing open', () => {
    expect(error('ServerName x\n  </Directory>\n')).toEqual({ line: 2, column: 3, message: '</Directory> without matching <Directory> section' });
  });

  it('reports a tag without ">"', () => {
    expect(error('<Directory /x>\n</Directory >\n')).toEqual({ line: 2, column: 1, message: "</Directory> directive missing closing '>'" });
    expect(error('<Directory /x\n</Directory>\n')).toEqual({ line: 1, column: 1, message: "<Directory> directive missing closing '>'" });
  });

  it('does not end a conditional section at a closing tag followed by text', () => {
    const e = error('<IfModule mod_a.c>\nServerName x\n</IfModule> junk\n');
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/^text after <\/IfModule>: where its condition holds, Apache does not take this line as the end of <IfModule> \(line 1\)/);
  });

  it('reports an error on a continued line at the last physical line, as Apache does', () => {
    expect(error('<Directory /x>\n</Loca\\\ntion>\n')).toEqual({ line: 3, column: 1, message: 'Expected </Directory> but saw </Location>' });
  });
});

describe('Define and ${VAR}', () => {
  it('expands over the whole line, directive name and quotes included, and keeps the original text for positions', () => {
    const nodes = ok('Define root /srv\nDefine D ServerAdmin\n<Directory "${root}/www">\n</Directory>\n${D} a@b\n');
    expect(nodes[2]!.args).toEqual(['/srv/www']);
    expect(nodes[2]!.argNodes[0]!.raw).toBe('"${root}/www"');
    expect(pos(nodes[2]!.argNodes[0]!)).toEqual([3, 12, 3, 25]);
    expect([nodes[3]!.directive, nodes[3]!.lower, nodes[3]!.args]).toEqual(['ServerAdmin', 'serveradmin', ['a@b']]);
    expect(pos(nodes[3]!)).toEqual([5, 1, 5, 9]);
    expect(pos(nodes[3]!.argNodes[0]!)).toEqual([5, 6, 5, 9]);
  });

  it('splits an expanded value into words after expanding', () => {
    const [, d] = ok('Define methods "GET POST"\n<Limit ${methods}>\n</Limit>\n');
    expect(d!.args).toEqual(['GET', 'POST']);
    // Both words come from the one ${methods}: each points at it.
    expect(d!.argNodes.map((a) => [a.column, a.endColumn])).toEqual([[8, 18], [8, 18]]);
  });

  it('leaves undefined names, names with ":" and Define without a value as written', () => {
    const nodes = ok('Define flag\nX ${nope} ${map:key} ${flag} $notavar ${unclosed\n');
    expect(nodes[1]!.args).toEqual(['${nope}', '${map:key}', '${flag}', '$notavar', '${unclosed']);
  });

  it('applies Define in reading order, and UnDefine', () => {
    const nodes = ok('X ${a}\nDefine a 1\nX ${a}\nUnDefine a\nX ${a}\n');
    expect(nodes.filter((d) => d.directive === 'X').map((d) => d.args[0])).toEqual(['${a}', '1', '${a}']);
  });

  it('does not run Define in .htaccess, but expands values defined before', () => {
    const r = parseApacheText('Define a 2\nX ${a} ${b}\n', '.htaccess', { vars: newVars({ b: 'server' }) });
    expect(r.parsed[1]!.args).toEqual(['${a}', 'server']);
  });

  it('maps each word back through thousands of expansions on one line', () => {
    const n = 2000;
    const [, d] = ok(`Define v ab\nX${' ${v}'.repeat(n)}\n`);
    expect(d!.args).toEqual(Array.from({ length: n }, () => 'ab'));
    expect(d!.argNodes.map((a) => [a.column, a.endColumn, a.raw])).toEqual(Array.from({ length: n }, (_, i) => [3 + 5 * i, 7 + 5 * i, '${v}']));
  });

  it('skips spaces an expansion puts first, and takes a line that expands to nothing as blank (ap_getword_conf), without throwing', () => {
    const nodes = ok('Define e ""\nDefine s " Require"\n${e} ServerName a\n${e}\n${s} all granted\n${e}  ${e}\nX y\n');
    expect(nodes.map((d) => [d.directive, ...d.args])).toEqual([['Define', 'e', ''], ['Define', 's', ' Require'], ['ServerName', 'a'], ['Require', 'all', 'granted'], ['X', 'y']]);
    expect(pos(nodes[2]!)).toEqual([3, 6, 3, 18]);
    expect(pos(nodes[3]!)).toEqual([5, 1, 5, 17]);
    expect(pos(nodes[3]!.argNodes[0]!)).toEqual([5, 6, 5, 9]);
    expect(nodes[4]!.line).toBe(7);
  });

  it('maps offsets through several expansions', () => {
    const e = expandVars('a${x}b${yy}c', { defined: new Set(), values: new Map([['x', 'XXX'], ['yy', '']]) });
    expect(e.text).toBe('aXXXbc');
  });
});

describe('a byte order mark and .htaccess limits', () => {
  it('reports a BOM at line 1, column 1', () => {
    const r = parse('\ufeffServerAdmin a@b\n');
    expect(r.errors.map((e) => [e.line, e.column])).toEqual([[1, 1]]);
    expect(r.errors[0]!.message).toMatch(/byte order mark/);
  });

  it('refuses a .htaccess line longer than 8190 bytes, and not a server config one', () => {
    const long = `Header set X "${'a'.repeat(8200)}"\n`;
    expect(error(`RewriteEngine on\n${long}`, '.htaccess').line).toBe(2);
    expect(ok(long, 'server.conf')).toHaveLength(1);
  });
});

describe('Include and IncludeOptional', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verblint-apache-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string): void => {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  };
  write('conf.d/b.conf', 'Define fromB yes\nServerName b\n');
  write('conf.d/a.conf', 'ServerName a\n');
  write('conf.d/.hidden.conf', 'ServerName hidden\n');
  write('conf.d/notes.txt', 'ServerName txt\n');
  write('tree/z.conf', 'ServerName z\n');
  write('tree/sub/.dot', 'ServerName dot\n');
  write('tree/a-b.conf', 'ServerName a-b\n');
  write('sites/one/site.conf', 'ServerName one\n');
  write('sites/two/site.conf', 'ServerName two\n');
  write('sites/file.conf', 'ServerName not-a-dir\n');
  write('loop/a.conf', 'Include loop/b.conf\n');
  write('loop/b.conf', 'Include loop/a.conf\n');

  const run = (main: string) => {
    write('main.conf', main);
    return parseApache(join(dir, 'main.conf'), { serverRoot: dir });
  };
  const servers = (r: ReturnType<typeof run>) =>
    r.config.slice(1).flatMap((c) => c.parsed.filter((d) => d.lower === 'servername').map((d) => d.args[0]));

  it('resolves wildcards against ServerRoot, sorted, without dotfiles, and runs included Defines in order', () => {
    const r = run('Include conf.d/*.conf\nX ${fromB}\n');
    expect(r.errors).toEqual([]);
    expect(servers(r)).toEqual(['a', 'b']);
    expect(r.config[0]!.parsed[0]!.includes).toEqual([1, 2]);
    expect(r.config[0]!.parsed[1]!.args).toEqual(['yes']);
  });

  it('includes a directory recursively, dotfiles included, each level sorted', () => {
    const r = run('Include tree\n');
    expect(r.errors).toEqual([]);
    expect(servers(r)).toEqual(['a-b', 'dot', 'z']);
  });

  it('matches wildcards in directory parts, keeping only directories there', () => {
    const r = run('Include sites/*/site.conf\n');
    expect(r.errors).toEqual([]);
    expect(servers(r)).toEqual(['one', 'two']);
  });

  it('reports Include of a missing file or an unmatched wildcard at its argument; IncludeOptional is silent', () => {
    const r = run('Include nope.conf\n  Include conf.d/*.nomatch\nIncludeOptional nope.conf\nIncludeOptional conf.d/*.nomatch\nIncludeOptional nodir/*.conf\n');
    expect(r.errors.map((e) => [e.kind, e.line, e.column, e.message])).toEqual([
      ['include', 1, 9, `Could not open configuration file ${dir}/nope.conf: No such file or directory`],
      ['include', 2, 11, `No matches for the wildcard '*.nomatch' in '${dir}/conf.d', failing`],
    ]);
  });

  it('reports an include cycle at the Include that closes it', () => {
    const r = run('Include loop/a.conf\n');
    expect(r.errors.map((e) => [e.file.slice(dir.length + 1), e.line, e.message.replaceAll(`${dir}/`, '')])).toEqual([
      ['loop/b.conf', 1, expect.stringMatching(/^include cycle: loop\/a\.conf -> loop\/b\.conf -> loop\/a\.conf; Apache stops/)],
    ]);
  });

  it('does not follow Include in .htaccess', () => {
    write('.htaccess', 'Include conf.d/a.conf\n');
    const r = parseApache(join(dir, '.htaccess'), { serverRoot: dir });
    expect(r.config).toHaveLength(1);
    expect(r.config[0]!.parsed[0]!.includes).toBeUndefined();
  });

  it('finds ServerRoot from the directive when it names a folder above the main file', () => {
    expect(serverRootFor('repo/etc/httpd/conf/httpd.conf', '/etc/httpd')).toBe('repo/etc/httpd');
    expect(serverRootFor('repo/conf/httpd.conf', '/etc/httpd')).toBe('repo/conf');
    expect(serverRootFor('repo/conf/httpd.conf', undefined)).toBe('repo/conf');
  });
});
