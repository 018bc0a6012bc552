// The directive-context rule's Apache claims, on the real apache2, driven by
// the rule's own fixtures (test/fixtures/directive-context/*.apache.conf), so
// a new fixture line is checked without touching this file.
//
// .htaccess fixtures (name contains "htaccess"): each top-level statement is
// served alone as the .htaccess of its own docroot subdirectory, under the
// fixture's AllowOverride (`# options:`; All when none). A GET there is 500,
// with Apache's words in error.log, exactly for the statements the rule reports.
//
// Other fixtures: `apache2 -t` on the fixture (inside a <Directory> when its
// name says "fragment", as a snippet would be included; else at top level)
// fails at the first finding with its words; removing reported lines one at a
// time, each next failure is the next finding, and with all of them gone the
// file passes. So every finding is a refusal and no refusal goes unreported.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import rule from '../../rules/directive-context.js';
import type { Finding } from '../../src/finding.js';
import type { Directive } from '../../src/model.js';
import { fixtureCases, OPTIONS } from '../helpers/fixtures.js';
import { lintFile, parseFor } from '../helpers/lint.js';
import { baseConfig, checkApacheConfig, describeApache, startApache, type RealApache } from '../helpers/real-apache.js';

const MODULES = '/usr/lib/apache2/modules';
// Beyond baseConfig's: SSLProxyEngine (server.apache.conf) needs mod_ssl, which needs a socache.
const EXTRA_MODULES = ['socache_shmcb', 'ssl'];
const extraModules = EXTRA_MODULES.map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so\n`).join('');

interface Fixture {
  name: string;
  file: string;
  text: string;
  allowOverride: string[] | null;
  findings: Finding[];
  /** Top-level directives and sections, comments dropped. */
  statements: Directive[];
}

function load(file: string): Fixture {
  const text = readFileSync(file, 'utf8');
  const options = OPTIONS.exec(text.split('\n')[0]!);
  const parsed = options ? (JSON.parse(options[1]!) as { allowOverride?: string[] | null }) : undefined;
  const findings = lintFile(file, 'apache', [rule], parsed ? { 'directive-context': parsed } : undefined);
  const tree = parseFor('apache', file);
  return {
    name: basename(file),
    file,
    text,
    allowOverride: parsed?.allowOverride ?? null,
    findings,
    statements: tree.config[0]!.parsed.filter((d) => d.directive !== '#'),
  };
}

/** Apache's own words: the message before the first ": " (the rest is verblint's consequence). */
function apacheWords(message: string): string {
  const at = message.indexOf(': ');
  if (at < 0) throw new Error(`message without a consequence: ${message}`);
  return message.slice(0, at);
}

const fixtures = fixtureCases('directive-context')
  .filter((c) => c.dialect === 'apache')
  .map((c) => load(c.file));
const htaccessFixtures = fixtures.filter((f) => f.name.includes('htaccess'));
const serverFixtures = fixtures.filter((f) => !f.name.includes('htaccess'));

describeApache('directive-context: the Apache claims hold on a real apache2', () => {
  let running: RealApache | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('the fixtures cover both places, with findings', () => {
    expect(htaccessFixtures.length).toBeGreaterThanOrEqual(2);
    expect(serverFixtures.length).toBeGreaterThanOrEqual(1);
    // Findings must sit in the fixture itself: statements are cut from it.
    for (const f of fixtures) expect(f.findings.map((x) => x.file).filter((p) => !f.file.endsWith(p))).toEqual([]);
    expect(htaccessFixtures.some((f) => f.findings.length > 0)).toBe(true);
    expect(serverFixtures.every((f) => f.findings.length > 0)).toBe(true);
  });

  for (const fx of htaccessFixtures) {
    it(`${fx.name}: a GET is 500 exactly under the reported statements`, async () => {
      const none = fx.allowOverride?.length === 1 && fx.allowOverride[0]!.toLowerCase() === 'none';
      const classes = fx.allowOverride === null ? 'All' : fx.allowOverride.join(' ');
      expect(fx.statements.length).toBeGreaterThan(0);
      // One subdirectory per statement, named after its line.
      const files: Record<string, string> = {
        // Proves the docroot's .htaccess files are read where AllowOverride lets them.
        'htdocs/control/.htaccess': 'VerblintNoSuchDirective\n',
        'htdocs/control/file.txt': 'control\n',
      };
      for (const d of fx.statements) {
        files[`htdocs/l${d.line}/.htaccess`] = `${fx.text.slice(d.offset, d.endOffset)}\n`;
        files[`htdocs/l${d.line}/file.txt`] = `line ${d.line}\n`;
      }
      running = await startApache(
        (s) => `${baseConfig(s.dir, s.port)}${extraModules}
<Directory "${s.root}">
    AllowOverride ${classes}
</Directory>
<Directory "${s.root}/control">
    AllowOverride All
</Directory>
`,
        files,
      );
      const control = await running.request({ method: 'GET', target: '/control/file.txt' });
      expect({ status: control.status, log: control.errorLog.some((l) => l.includes("Invalid command 'VerblintNoSuchDirective'")) }).toEqual({ status: 500, log: true });

      const got: unknown[] = [];
      const want: unknown[] = [];
      for (const d of fx.statements) {
        const reported = fx.findings.filter((f) => f.line >= d.line && f.line <= d.endLine).sort((a, b) => a.line - b.line);
        const r = await running.request({ method: 'GET', target: `/l${d.line}/file.txt` });
        const source = fx.text.slice(d.offset, d.endOffset).split('\n')[0];
        if (none) {
          // Nothing is read: not even the refusals of AllowOverride All.
          want.push({ line: d.line, source, status: 200, errorLog: [] });
          got.push({ line: d.line, source, status: r.status, errorLog: r.errorLog });
        } else if (reported.length > 0) {
          // Apache stops at the first refusal, which is the first finding.
          const words = apacheWords(reported[0]!.message);
          const logged = r.errorLog.find((l) => l.includes(`/htdocs/l${d.line}/.htaccess: ${words}`));
          want.push({ line: d.line, source, status: 500, log: words });
          got.push({ line: d.line, source, status: r.status, log: logged ? words : r.errorLog });
        } else {
          want.push({ line: d.line, source, status: 'not 500' });
          got.push({ line: d.line, source, status: r.status === 500 || r.status === null ? r.status : 'not 500' });
        }
      }
      expect(got).toEqual(want);
      if (none) expect(fx.findings).toEqual([]);
    });
  }

  for (const fx of serverFixtures) {
    const fragment = fx.name.includes('fragment');
    it(`${fx.name}: apache2 -t refuses each finding in turn, then accepts the file`, async () => {
      const check = (text: string) =>
        checkApacheConfig(
          ({ dir, port }) => ({
            'main.conf': text,
            'top.conf': `${baseConfig(dir, port)}${extraModules}${
              fragment ? `<Directory "${dir}/htdocs">\n    Include main.conf\n</Directory>\n` : 'Include main.conf\n'
            }`,
          }),
          'top.conf',
        );
      const lines = fx.text.split('\n');
      let remaining = [...fx.findings].sort((a, b) => a.line - b.line);
      const got: unknown[] = [];
      const want: unknown[] = [];
      for (;;) {
        const r = await check(lines.join('\n'));
        const f = remaining[0];
        if (!f) {
          want.push({ ok: true, message: undefined, warnings: [] });
          got.push({ ok: r.ok, message: r.message, warnings: r.warnings });
          break;
        }
        const words = apacheWords(f.message);
        want.push({ ok: false, file: 'main.conf', line: f.line, message: words });
        got.push({ ok: r.ok, file: r.file, line: r.line, message: r.message?.includes(words) ? words : r.message });
        // Blank the lines rather than drop them, so later line numbers stay put.
        for (let i = f.line; i <= f.endLine; i++) lines[i - 1] = '';
        remaining = remaining.filter((g) => g.line > f.endLine || g.line < f.line);
      }
      expect(got).toEqual(want);
    });
  }
});
