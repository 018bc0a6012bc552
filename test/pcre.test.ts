// src/pcre.ts against the real PCRE2 (pcre2test from Debian's pcre2-utils,
// the library nginx links), and unit tests for its reasons and numbering.
import { beforeAll, describe, expect, it } from 'vitest';
import { RE2JS } from 're2js';
import { compilePcre, execPcre, REASONS, type Translated } from '../src/pcre.js';
import { hasPcre2test, pchars, runPcre2test, type Pcre2Result } from './helpers/pcre2test.js';

/** [pattern, flags ('' or 'i' for ~*), ...subjects]: each must translate and match as PCRE2 does. */
const TRANSLATED: [string, '' | 'i', ...string[]][] = [
  // URIs as nginx locations see them
  ['^/api/v1/users\\.json$', '', '/api/v1/users.json', '/api/v1/users.json\n', '/api/v1/usersXjson', '/API/v1/users.json'],
  ['^/api/v1/users\\.json$', 'i', '/API/V1/USERS.JSON', '/api/v1/users.json\n\n'],
  ['^/api/(?<ver>v\\d+)/(\\w+)(?:\\.(json|xml))?$', '', '/api/v1/users.json', '/api/v22/items', '/api/v1/users.txt'],
  ['\\.(php|phtml)$', 'i', '/index.PHP', '/a.php\n', '/a.php/x'],
  ['^/(?P<user>[^/]+)/(?\'rest\'.*)$', '', '/bob/x/y', '/bob/', '/'],
  ['^/static/(.+)\\.(css|js)$', '', '/static/a/b.css', '/static/.js', '/static/x.css.map'],
  ['^(/[a-z]+)+$', '', '/a/bc', '/a/B'],
  ['^/files/([^/]+)(/.*)?$', '', '/files/a', '/files/a/b/c'],
  ['^(?:/+([^/]+))*$', '', '/a//b', ''],
  ['(foo|bar)baz', '', 'xbarbaz', 'foobar'],
  ['(a)|(b)', '', 'b', 'a'],
  ['(a)?(b)', '', 'b', 'ab'],
  ['(?:x(a)|y)z', '', 'yz', 'xaz'],
  ['^$', '', '', '\n', 'a'],
  ['x*', '', ''],
  ['^/app(/.*)?$', '', '/app', '/app/x', '/apps'],
  ['^/(.*)?$', '', '/', '/a'],
  ['(a*)?b', '', 'b', 'aab'],
  ['(?:|a)?', '', 'a'],
  ['(?:\\A|a*)?', 'i', 'ab'],
  ['((?!(\\w))[a-c]*?)?', '', '', ']a'],
  ['(a?){2}', '', 'a', ''],
  // case
  ['(?i)^/Admin', '', '/admin', '/ADMIN/x', '/adm'],
  ['^/(?i:AB)c', '', '/abc', '/ABc', '/ABC'],
  ['^/a(?i)b(?-i)c', '', '/aBc', '/aBC', '/Abc'],
  ['a(?i)b|c', '', 'C', 'aB', 'AB'],
  ['(a(?i)b)c', '', 'aBc', 'aBC'],
  ['(?i)(?-i:a)A', '', 'aa', 'Aa'],
  ['(?^i)A(?^)a', '', 'aa', 'aA'],
  ['[^a-c]', 'i', 'B', 'd'],
  ['[Z-a]+', 'i', 'z', 'A', '_'],
  ['[[:upper:]]+', 'i', 'aB'],
  ['[[:^lower:]]', 'i', 'A', '1'],
  ['\\xc3.', 'i', 'あ', 'ã'],
  ['É', 'i', 'é', 'É'],
  // classes
  ['[[:alpha:][:digit:]]+', '', 'a1-', '-'],
  ['[[:^digit:]]+', '', '12ab3'],
  ['[[:word:]]+', '', '-a_1-'],
  ['[[:punct:]]+', '', 'a!-/~b'],
  ['[[:space:]]+', '', 'a \t\n\x0b\f\rb'],
  ['[[:xdigit:]]+', '', 'xaF9g'],
  ['[[:cntrl:]]+', '', 'a\x01\x7fb'],
  ['[[:print:][:graph:]]+', '', '\ta b\t'],
  ['[[:blank:]]+', '', 'a \t\nb'],
  ['[[:ascii:]]+', '', 'éab'],
  ['[[:alnum:]]+', '', '-aZ9-'],
  ['[]a]+', '', ']a]', 'b'],
  ['[^]a]+', '', 'xy]'],
  ['[\\]\\-\\\\]+', '', ']-\\'],
  ['[a-]+', '', 'xa-a'],
  ['[-a]+', '', 'x-a'],
  ['[\\w-]+', '', 'a-b c'],
  ['[\\d-]+', '', 'x12-3'],
  ['[a\\Q]\\E]+', '', ']a'],
  ['[\\Qa-z\\E]+', '', '-', 'az', 'b'],
  ['[\\x41-\\x{43}]+', '', 'ABCD'],
  ['[\\101\\0\\12]+', '', 'xA\0\nx'],
  ['[.]', '', 'a', '.'],
  ['[$^]+', '', 'a^$'],
  ['[\\b]', '', '\b', 'b'],
  ['.[\\h]+[\\v]+', '', ' \t\u00a0\n\r'],
  ['[\\H][\\V]', '', ' a\n', 'ab'],
  ['[\\8\\9]', '', '8', '7'],
  ['[\\e\\a\\cA\\x\\o{101}]+', '', '\x1b\x07\x01\0A'],
  ['[a\\sb]+', '', 'xa \x0bbx'],
  ['[^\\n]+', '', 'ab\ncd'],
  ['[\\W\\d]+', '', 'ab1-2cd'],
  ['[^\\D]+', '', 'ab12'],
  // dot, anchors, newlines
  ['^.+$', '', 'abc', 'ab\n', 'a\rb', 'a\nb', 'a\u2028b'],
  ['(?s)^.+$', '', 'a\nb', 'ab\n'],
  ['\\N+', '', 'a\nb'],
  ['a$', '', 'a', 'a\n', 'a\n\n', 'ab'],
  ['(?m)^b$', '', 'a\nb\nc', 'a\nb'],
  ['(?m)^$', '', 'a\n', 'a\n\nb'],
  ['(?m)a$', '', 'a\nb'],
  ['\\Aab\\z', '', 'ab', 'ab\n'],
  ['ab\\Z', '', 'ab\n', 'ab\n\n', 'ab'],
  ['a|\\Gb', '', 'xb', 'b'],
  ['\\bfoo\\b', '', 'a foo.', 'afoo'],
  ['\\Bo\\B', '', 'foo', 'o'],
  ['^\\d+$', '', '123', '12a'],
  ['\\D+', '', '12ab3'],
  ['\\w+', '', '--ab_9--', 'café'],
  ['\\W+', '', 'ab-/ cd'],
  ['\\s+', '', 'a \t\n\x0b\f\rb', 'a\u00a0b'],
  ['\\S+', '', ' ab '],
  ['\\h+', '', 'a \t\u00a0b'],
  ['\\H+', '', ' ab\t'],
  ['\\v+', '', 'a\n\x0b\f\r\u0085b'],
  ['\\V+', '', '\nab\r'],
  ['x\\R', '', 'x\r\n', 'x\n', 'x\x0b', 'x\r', 'xy'],
  ['x\\Ry', '', 'x\r\ny', 'x\ny'],
  ['\\R\\n', '', '\r\n', '\n\n'],
  ['(\\R)+', '', '\r\n\n'],
  // escapes
  ['\\e\\a\\f\\t\\cA\\c[\\x41\\x{42}\\o{103}\\0\\012\\101', '', '\x1b\x07\f\t\x01\x1bABC\0\nA'],
  ['a\\x', '', 'a\0'],
  ['\\1234', '', 'S4'],
  ['\\Qa.b*\\E+c', '', 'a.b**c', 'a.bc'],
  ['a\\Q\\E+b', '', 'aab'],
  ['\\Qab', '', 'ab'],
  ['a\\E\\Eb', '', 'ab'],
  ['\\x{5d}\\/\\.', '', ']/.'],
  ['é+', '', 'éé'],
  ['caf..', '', 'café'],
  // quantifiers
  ['^a{2}$', '', 'aa', 'aaa'],
  ['^a{2,}$', '', 'aaaa', 'a'],
  ['^a{1,3}$', '', 'aaa', 'aaaa'],
  ['a{,3}', '', 'a{,3}', 'aa'],
  ['a{', '', 'a{'],
  ['a{1', '', 'a{1'],
  ['x{1,2,3}', '', 'x{1,2,3}'],
  ['a{1, 3}', '', 'a{1, 3}', 'a'],
  ['^a{0}b', '', 'b', 'ab'],
  ['^(a+?)(a*)$', '', 'aaa'],
  ['<(.+?)>', '', '<a><b>'],
  ['^(a*?)b', '', 'aab'],
  ['\\d{2,4}?', '', '12345'],
  ['(?U)(a+)', '', 'aaa'],
  ['(?U)(a+?)', '', 'aaa'],
  ['a++b', '', 'aab', 'b'],
  ['a*+a', '', 'aaa'],
  ['a?+a', '', 'a', 'aa'],
  ['a{1,3}+a', '', 'aaa', 'aaaa'],
  ['(a|b)++c', '', 'abac'],
  ['(?:ab)?+c', '', 'abc', 'c'],
  ['a{2}+', '', 'aaa'],
  ['(?>a|ab)c', '', 'abc', 'ac'],
  ['(?>(a+))b', '', 'aab'],
  ['^(?>.*/)(.*)$', '', '/a/b/c', 'abc'],
  ['(?:(?>a+)b)+', '', 'aabab'],
  ['(?>x(a)|y)(b)', '', 'xab', 'yb'],
  ['((?>a|ab))(c)', '', 'ac'],
  // lookaround
  ['foo(?=bar)', '', 'foobar', 'foobaz'],
  ['foo(?!bar)', '', 'foobar', 'foobaz'],
  ['(?<=/)\\w+', '', '/abc', 'abc'],
  ['(?<!x)y', '', 'xy', 'ay'],
  ['(?<=a|bc)x', '', 'bcx', 'cx'],
  ['(?<=a(b|c))x', '', 'acx', 'adx'],
  ['(?<=(?:ab){2})y', '', 'ababy', 'aby'],
  ['(?<=\\d{3})px', '', '100px', '10px'],
  ['(?<=ab(?>\\d{2}+))x', '', 'ab12x'],
  ['(?=(\\w+))\\1:', '', 'abc:'],
  ['(?<=\\bx)y', '', 'xy', 'axy'],
  // back-references
  ['(a)\\1', '', 'aa', 'ab'],
  ['(?<n>a)(?P=n)\\k<n>\\k\'n\'\\k{n}\\g{n}\\g1\\g{1}\\g{-1}\\g-1', '', 'aaaaaaaaaa', 'aaaaaaaaa'],
  ['^(\\w+) \\1$', '', 'ab ab', 'ab ac'],
  ['(\\d+)-\\1', 'i', '12-12', '12-13'],
  ['(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\10', '', 'abcdefghijj', 'abcdefghija0'],
  ['\\10(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)', '', '\babcdefghij'],
  // options
  ['(?n)(a)(?<x>b)', '', 'ab'],
  ['(?x) a b # comment\n c', '', 'abc', 'a b c'],
  ['(?x)[ #]', '', '#', ' '],
  ['(?x)a\\ b', '', 'a b', 'ab'],
  ['(?xx)[a b]+', '', 'a b'],
  ['(?x)a +', '', 'aaa'],
  ['(?x)a+ ?', '', 'aaa'],
  ['(?x)a # c\n+', '', 'aaa'],
  ['a(?#comment)+', '', 'aaa'],
  ['(?s-i:a.)B', 'i', 'a\nb', 'A\nb'],
  ['(?m-s:^.)', '', 'x\ny'],
  // Unicode properties (bytes read as U+0000-U+00FF)
  ['\\p{Lu}+', '', 'ABc'],
  ['\\p{Lu}', 'i', 'a', 'B'],
  ['\\pL\\PL', '', 'a1'],
  ['\\p{^Lu}+', '', 'aB'],
  ['[\\p{L&}\\p{Nd}]+', '', '-aZ9-'],
  ['\\p{Latin}$', '', '·', 'é'],
  ['\\p{sc:Latin}+.', '', 'é'],
  ['.\\p{Common}$', '', '·'],
  ['\\p{Xan}+', '', '-a1-'],
  ['\\p{Xwd}+', '', '-a_1-'],
  ['\\p{Xsp}+', '', 'a \n\u00a0b'],
  ['.\\p{Zs}', '', '\u00a0'],
  ['\\p{Any}', '', 'x'],
  ['[\\p{Lu}]', 'i', 'a'],
];

/** Valid PCRE2 that verblint does not translate: [pattern, flags, exact reason]. */
const CANNOT: [string, '' | 'i', string][] = [
  ['(a)(?1)', '', REASONS.recursion],
  ['a(?R)?', '', REASONS.recursion],
  ['(?&n)(?<n>a)', '', REASONS.recursion],
  ['(?<n>a)(?P>n)', '', REASONS.recursion],
  ['(a)\\g<1>', '', REASONS.recursion],
  ['(?(1)a|b)(x)', '', REASONS.conditional],
  ['(?(?=a)a|b)', '', REASONS.conditional],
  ['(?C1)a', '', REASONS.callout],
  ['(*UTF)a', '', REASONS.verb],
  ['a(*SKIP)b', '', REASONS.verb],
  ['(*pla:a)a', '', REASONS.verb],
  ['(?|(a)|(b))', '', REASONS.branchReset],
  ['a\\Cb', '', REASONS.oneByte],
  ['a\\Kb', '', REASONS.keep],
  ['\\X', '', REASONS.grapheme],
  ['(?J)(?<n>a)|(?<n>b)', '', REASONS.duplicateNames],
  ['(?=a)*b', '', REASONS.quantifiedAssertion],
  ['(?<=a)+b', '', REASONS.quantifiedAssertion],
  ['(a)?\\1', '', REASONS.unsetRef],
  ['\\1(a)', '', REASONS.unsetRef],
  ['(a)|\\1', '', REASONS.unsetRef],
  ['(?:(a)|b)\\1', '', REASONS.unsetRef],
  ['(a\\1)', '', REASONS.unsetRef],
  ['(?!(a))\\1', '', REASONS.unsetRef],
  ['\\g{+1}(a)', '', REASONS.unsetRef],
  ['(a)\\1', 'i', REASONS.caselessRef],
  ['(?i)(a)\\1', '', REASONS.caselessRef],
  ['(?<=(a)\\1)x', '', REASONS.refInLookbehind],
  ['(a)(?<=\\1)x', '', REASONS.refInLookbehind],
  ['(?:(a)|b)+', '', REASONS.skippedCapture],
  ['(?:x(a)?)+', '', REASONS.skippedCapture],
  ['((a)|b)+', '', REASONS.skippedCapture],
  ['(a*)*', '', REASONS.emptyRepeat],
  ['(?:|a)*', '', REASONS.emptyRepeat],
  ['(a?)+', '', REASONS.emptyRepeat],
  ['(?:a*?)+', '', REASONS.emptyRepeat],
  ['(?:^|a)*', '', REASONS.emptyRepeat],
  ['(?<=(.){2})y', '', REASONS.lookbehindRepeat],
  ['\\p{Xuc}', '', '\\p{Xuc} is not translated'],
  ['\\p{Bidi_Class:L}', '', '\\p{Bidi_Class:L} is not translated'],
  ['\\p{scx:Latin}', '', '\\p{scx:Latin} is not translated'],
];

/** Patterns PCRE2 refuses (nginx -t would too): [pattern, flags, reason]. */
const INVALID: [string, string][] = [
  ['a**', 'quantifier does not follow a repeatable item'],
  ['^*', 'quantifier does not follow a repeatable item'],
  ['\\b*', 'quantifier does not follow a repeatable item'],
  ['{1}', 'quantifier does not follow a repeatable item'],
  ['a{2}{3}', 'quantifier does not follow a repeatable item'],
  ['(?i)*', 'quantifier does not follow a repeatable item'],
  ['a|*', 'quantifier does not follow a repeatable item'],
  ['(', 'missing closing parenthesis'],
  ['a)', 'unmatched closing parenthesis'],
  ['(?<n>a)(?<n>b)', 'two named subpatterns have the same name (PCRE2_DUPNAMES not set)'],
  ['[a', 'missing terminating ] for character class'],
  ['[]', 'missing terminating ] for character class'],
  ['[^]', 'missing terminating ] for character class'],
  ['[z-a]', 'range out of order in character class'],
  ['[\\d-z]', 'invalid range in character class'],
  ['[a-\\d]', 'invalid range in character class'],
  ['[[:alpha:]-z]', 'invalid range in character class'],
  ['[[:foo:]]', 'unknown POSIX class name'],
  ['[[.a.]]', 'POSIX collating elements are not supported'],
  ['[:alpha:]', 'POSIX named classes are supported only within a class'],
  ['[\\N]', '\\N is not supported in a class'],
  ['[\\R]', 'escape sequence is invalid in character class'],
  ['\\x{100}', 'character code point value in \\x{} or \\o{} is too large'],
  ['\\777', 'octal value is greater than \\377 in 8-bit non-UTF-8 mode'],
  ['\\c', '\\c at end of pattern'],
  ['\\cé', '\\c must be followed by a printable ASCII character'],
  ['\\q', 'unrecognized character follows \\'],
  ['\\u0041', 'PCRE2 does not support \\F, \\L, \\l, \\N{name}, \\U, or \\u'],
  ['\\N{U+41}', '\\N{U+dddd} is supported only in Unicode (UTF) mode'],
  ['\\N{abc}', 'PCRE2 does not support \\F, \\L, \\l, \\N{name}, \\U, or \\u'],
  ['\\o', 'missing opening brace after \\o'],
  ['\\o{}', 'digits missing in \\x{} or \\o{} or \\N{U+}'],
  ['\\x{zz}', 'non-hex character in \\x{} (closing brace missing?)'],
  ['(?<1a>x)', 'subpattern name must start with a non-digit'],
  ['(?<a234567890123456789012345678901234>x)', 'subpattern name is too long (maximum 32 code units)'],
  ['(?<>x)', 'subpattern name expected'],
  ['(a)\\2', 'reference to non-existent subpattern'],
  ['\\8', 'reference to non-existent subpattern'],
  ['\\g0', 'reference to non-existent subpattern'],
  ['\\k<zz>', 'reference to non-existent subpattern'],
  ['(a)\\g{-2}', 'reference to non-existent subpattern'],
  ['(?(1)a|b)', 'reference to non-existent subpattern'],
  ['(?q)', 'unrecognized character after (? or (?-'],
  ['(?<=x+)y', 'lookbehind assertion is not fixed length'],
  ['(?<=a(b|cd))x', 'lookbehind assertion is not fixed length'],
  ['(?<=\\R)x', 'lookbehind assertion is not fixed length'],
  ['x{65536}', 'number too big in {} quantifier'],
  ['x{3,2}', 'numbers out of order in {} quantifier'],
  ['(?#abc', 'missing ) after (?# comment'],
  ['a\\', '\\ at end of pattern'],
];

const bytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
/** What pcre2test prints for one match: captures up to the last set one, '<unset>' for others. */
function printed(captures: (string | undefined)[]): string[] {
  const set = captures.map((c) => (c === undefined ? '<unset>' : pchars(bytes(c))));
  while (set.length > 1 && captures[set.length - 1] === undefined) set.pop();
  return set;
}

const table = [
  ...TRANSLATED.map(([pattern, flags, ...subjects]) => ({ pattern, caseless: flags === 'i', subjects })),
  ...CANNOT.map(([pattern, flags]) => ({ pattern, caseless: flags === 'i', subjects: [] })),
  ...INVALID.map(([pattern]) => ({ pattern, caseless: false, subjects: [] })),
];
const missing = !hasPcre2test();
if (missing && !process.env.CI) console.warn('test/pcre.test.ts: pcre2test not found, skipping the comparison with PCRE2 (apt-get install pcre2-utils)');

describe.skipIf(missing && !process.env.CI)('compilePcre and execPcre agree with pcre2test (PCRE2 10.42)', () => {
  let results: Pcre2Result[] = [];
  beforeAll(() => {
    // In CI a missing pcre2test fails here, loudly.
    results = runPcre2test(table.map((t) => ({ pattern: bytes(t.pattern), caseless: t.caseless, subjects: t.subjects.map(bytes) })));
  });

  it(`covers at least 150 cases (${TRANSLATED.reduce((n, t) => n + t.length - 2, 0)} subjects)`, () => {
    expect(TRANSLATED.reduce((n, t) => n + t.length - 2, 0)).toBeGreaterThanOrEqual(150);
  });

  it.each(table.map((t, k) => [`/${t.pattern}/${t.caseless ? 'i' : ''}`, k] as const))('%s', (_, k) => {
    const t = table[k]!;
    const pcre = results[k]!;
    const c = compilePcre(t.pattern, t.caseless);
    if (!c.ok) {
      // verblint says "invalid" exactly when PCRE2 refuses the pattern.
      expect({ invalid: c.reason.startsWith('invalid regex: '), pcre }).toMatchObject({ invalid: !pcre.compiled });
      return;
    }
    expect(pcre).toMatchObject({ compiled: true });
    if (!pcre.compiled) return;
    t.subjects.forEach((subject, n) => {
      const got = execPcre(c, subject);
      expect({ subject, got: got && printed(got.captures) }).toEqual({ subject, got: pcre.matches[n] });
    });
  });
});

describe('compilePcre', () => {
  it.each(TRANSLATED.map(([pattern, flags]) => [pattern, flags] as const))('translates /%s/%s', (pattern, flags) => {
    const c = compilePcre(pattern, flags === 'i');
    expect(c).toMatchObject({ ok: true });
    if (c.ok) expect(c.re.flags).toBe('');
  });

  it.each(CANNOT)('gives a reason for /%s/%s', (pattern, flags, reason) => {
    expect(compilePcre(pattern, flags === 'i')).toEqual({ ok: false, reason });
  });

  it.each(INVALID)('refuses /%s/', (pattern, reason) => {
    expect(compilePcre(pattern, false)).toEqual({ ok: false, reason: `invalid regex: ${reason}` });
  });

  it('words its reasons for people', () => {
    expect(compilePcre('(a)(?1)', false)).toEqual({ ok: false, reason: 'recursion and subroutine calls' });
    expect(compilePcre('a\\Kb', false)).toEqual({ ok: false, reason: '\\K (reset match start)' });
    expect(compilePcre('(a)?\\1', false)).toEqual({ ok: false, reason: 'back-reference to a group that may be unset' });
    expect(compilePcre('(?:(a)|b)+', false)).toEqual({ ok: false, reason: 'capture in a repeated group that may skip it' });
    expect(compilePcre('[z-a]', false)).toEqual({ ok: false, reason: 'invalid regex: range out of order in character class' });
  });

  it('caches by pattern and caselessness', () => {
    expect(compilePcre('^/a(b)', false)).toBe(compilePcre('^/a(b)', false));
    expect(compilePcre('^/a(b)', true)).not.toBe(compilePcre('^/a(b)', false));
  });

  it('numbers and names captures as PCRE2 does', () => {
    const c = compilePcre('^/(?<ver>v\\d+)(?:/(\\w+))?(?P<ext>\\.json)?$', false) as Translated;
    expect({ groups: c.groups, names: c.names }).toEqual({ groups: 3, names: [undefined, 'ver', undefined, 'ext'] });
    expect(execPcre(c, '/v1/users')).toEqual({ captures: ['/v1/users', 'v1', 'users', undefined], named: { ver: 'v1', ext: undefined } });
    expect(execPcre(c, '/x')).toBeNull();
  });

  it('maps away the helper groups of atomic groups and possessive quantifiers', () => {
    const c = compilePcre('(?>(a+))(b)++(?<n>c)\\1', false) as Translated;
    expect(c.groups).toBe(3);
    expect(c.slots).toEqual([0, 2, 4, 5]);
    expect(execPcre(c, 'xaabbcaa')).toEqual({ captures: ['aabbcaa', 'aa', 'b', 'c'], named: { n: 'c' } });
  });

  it('gives names that are no JavaScript identifiers back as written', () => {
    const c = compilePcre('(?<__proto__>a)(?<_1>b)', false) as Translated;
    expect(execPcre(c, 'ab')?.named).toEqual(Object.fromEntries([['__proto__', 'a'], ['_1', 'b']]));
  });

  it('matches text as its UTF-8 bytes and gives captures back as text', () => {
    const c = compilePcre('^/caf(..)/(\\w+)', false) as Translated;
    expect(execPcre(c, '/café/x')?.captures).toEqual(['/café/x', 'é', 'x']);
    // A capture that ends inside a character has U+FFFD for the part it holds.
    expect(execPcre(compilePcre('^/caf(.)', false) as Translated, '/café')?.captures).toEqual(['/caf\ufffd', '\ufffd']);
  });
});

// Both engines execPcre picks from (the RegExp on short subjects, re2js on long
// ones) against pcre2test, each forced on every case it can take.
describe.skipIf(missing && !process.env.CI)('each engine agrees with pcre2test', () => {
  let results: Pcre2Result[] = [];
  const cases = TRANSLATED.map(([pattern, flags, ...subjects]) => ({ pattern, caseless: flags === 'i', subjects }));
  beforeAll(() => {
    results = runPcre2test(cases.map((t) => ({ pattern: bytes(t.pattern), caseless: t.caseless, subjects: t.subjects.map(bytes) })));
  });
  /** What pcre2test printed for each subject of case k (every case here compiles). */
  const matchesOf = (k: number): (string[] | null)[] => {
    const r = results[k]!;
    if (!r.compiled) throw new Error(`pcre2test refused /${cases[k]!.pattern}/: ${r.error}`);
    return r.matches;
  };

  it('re2js takes every pattern but those with what RE2 lacks', () => {
    // Lookaround, atomic groups (\R is one), possessive quantifiers, back-references.
    const lacking = [
      '((?!(\\w))[a-c]*?)?', 'x\\R', 'x\\Ry', '\\R\\n', '(\\R)+',
      'a++b', 'a*+a', 'a?+a', 'a{1,3}+a', '(a|b)++c', '(?:ab)?+c', 'a{2}+',
      '(?>a|ab)c', '(?>(a+))b', '^(?>.*/)(.*)$', '(?:(?>a+)b)+', '(?>x(a)|y)(b)', '((?>a|ab))(c)',
      'foo(?=bar)', 'foo(?!bar)', '(?<=/)\\w+', '(?<!x)y', '(?<=a|bc)x', '(?<=a(b|c))x', '(?<=(?:ab){2})y',
      '(?<=\\d{3})px', '(?<=ab(?>\\d{2}+))x', '(?=(\\w+))\\1:', '(?<=\\bx)y',
      '(a)\\1', "(?<n>a)(?P=n)\\k<n>\\k'n'\\k{n}\\g{n}\\g1\\g{1}\\g{-1}\\g-1", '^(\\w+) \\1$', '(\\d+)-\\1',
      '(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\10',
    ];
    const refused = cases.filter((t) => (compilePcre(t.pattern, t.caseless) as Translated).linear === null).map((t) => t.pattern);
    expect(refused).toEqual(lacking);
    expect(cases.length - refused.length).toBe(140);
  });

  it('the superset form matches wherever PCRE2 does, and is re2js syntax', () => {
    const missed: string[] = [];
    cases.forEach((t, k) => {
      const superset = RE2JS.compile((compilePcre(t.pattern, t.caseless) as Translated).superset);
      t.subjects.forEach((subject, n) => {
        if (matchesOf(k)[n] !== null && !superset.test(bytes(subject))) missed.push(`/${t.pattern}/ ${JSON.stringify(subject)}`);
      });
    });
    expect(missed).toEqual([]);
    expect(cases.flatMap((t, k) => t.subjects.filter((_, n) => matchesOf(k)[n] !== null)).length).toBeGreaterThanOrEqual(200);
  });

  it.each(cases.map((t, k) => [`/${t.pattern}/${t.caseless ? 'i' : ''}`, k] as const))('%s', (_, k) => {
    const t = cases[k]!;
    const c = compilePcre(t.pattern, t.caseless) as Translated;
    t.subjects.forEach((subject, n) => {
      const engines = ['regexp', ...(c.linear && (c.linear.lastNewline || !subject.endsWith('\n')) ? ['re2js' as const] : [])] as const;
      for (const engine of engines) {
        const got = execPcre(c, subject, engine);
        expect({ engine, subject, got: got && printed(got.captures) }).toEqual({ engine, subject, got: matchesOf(k)[n] });
      }
    });
  });
});
