// The two HTML reports as pure functions: the routes matrix (nginx and
// Apache fixtures in fixtures/html/, built with the real simulators) and the
// findings formatter; escaping of everything a config can say, and pages that
// need nothing from the network. Then the CLI's --format html and -o.
// test/real/html-browser.test.ts opens the same pages in Chromium.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApacheModel } from '../src/apache-model.js';
import { parseApache } from '../src/apache-parse.js';
import { buildApacheRoutes } from '../src/apache-routes.js';
import { simulateApache } from '../src/apache-simulate.js';
import { assumedFiles } from '../src/files.js';
import type { Finding } from '../src/finding.js';
import { html as findingsHtml } from '../src/formatters/html.js';
import type { FormatContext } from '../src/formatters/types.js';
import { escapeHtml, htmlPage } from '../src/html.js';
import { buildModel } from '../src/nginx-model.js';
import { parseNginx } from '../src/parse.js';
import { formatRoutesHtml } from '../src/routes-html.js';
import { buildRoutes, formatRoutesJson, type ServerRoutes } from '../src/routes.js';
import { simulate } from '../src/simulate.js';
import { runCli, type CliRun } from './helpers/cli.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const F = 'test/fixtures/html';

function nginxRoutes(name: string): ServerRoutes[] {
  const model = buildModel(parseNginx(join(ROOT, F, name)));
  return buildRoutes(model, (r) => simulate(model, r), { files: assumedFiles('unknown') });
}

function apacheRoutes(name: string): ServerRoutes[] {
  // No .htaccess reader: nothing on this machine can change the cells.
  const model = buildApacheModel(parseApache(join(ROOT, F, name)));
  return buildApacheRoutes(model, (r) => simulateApache(model, r));
}

// ---- reading the pages back (their markup is ours, so a few patterns do) ----

function unescape(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

const textOf = (markup: string): string => unescape(markup.replace(/<[^>]*>/g, ''));

interface MatrixRow {
  note?: string;
  /** method → [text, class list] */
  cells: Record<string, [string, string]>;
  traces: Record<string, string>;
}

function matrix(page: string): Record<string, MatrixRow> {
  const rows: Record<string, MatrixRow> = {};
  for (const m of page.matchAll(/<tr class="route" data-location="([^"]*)">(.*?)<\/tr>/g)) {
    const row: MatrixRow = { cells: {}, traces: {} };
    const note = /<td class="note" colspan="8">(.*?)<\/td>/.exec(m[2]!);
    if (note) row.note = textOf(note[1]!);
    for (const c of m[2]!.matchAll(/<td class="([^"]*)" data-method="(\w+)"><button type="button" data-trace="([^"]+)" title="[^"]*">(.*?)<\/button><\/td>/g)) {
      row.cells[c[2]!] = [textOf(c[4]!), c[1]!];
      row.traces[c[2]!] = c[3]!;
    }
    rows[unescape(m[1]!)] = row;
  }
  return rows;
}

/** The cells of one row as `text class` per method. */
function cellsOf(row: MatrixRow | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(row?.cells ?? {}).map(([method, [text, classes]]) => [method, `${text} ${classes.replace(/^cell /, '')}`]));
}

function template(page: string, id: string): string {
  const m = new RegExp(`<template id="${id}">([\\s\\S]*?)</template>`).exec(page);
  if (!m) throw new Error(`no template ${id}`);
  return m[1]!;
}

/** The steps of each branch of a trace: `file:line  directive`. */
function steps(trace: string): string[][] {
  return trace.split('<section class="branch">').slice(1).map((b) =>
    [...b.matchAll(/<li><span class="at mono">(.*?)<\/span>(?: <code class="directive">(.*?)<\/code>)? <span class="note">.*?<\/span><\/li>/g)].map((s) =>
      `${unescape(s[1]!)}  ${unescape(s[2] ?? '')}`.trimEnd(),
    ),
  );
}

/** Every src/href/action/... value, and any CSS that could fetch. */
function externalReferences(page: string): string[] {
  // Only inside tags: escaped text such as `&lt;img src=x` is no reference.
  const tags = page.match(/<[a-zA-Z][^>]*>/g) ?? [];
  const refs = tags
    .flatMap((tag) => [...tag.matchAll(/\s(?:src|href|action|formaction|srcset|poster|data|background|xlink:href)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi)])
    .map((m) => unescape(m[1]!.replace(/^["']|["']$/g, '')))
    .filter((v) => !v.startsWith('#'));
  const css = [...page.matchAll(/@import|url\(|<link\b|<iframe\b|<object\b|<embed\b/gi)].map((m) => m[0]);
  return [...refs, ...css];
}

describe('escapeHtml and the page shell', () => {
  it('escapes the five characters that matter in content and attributes', () => {
    expect(escapeHtml(`<a href="x" onclick='y()'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y()&#39;&gt;&amp;amp;&lt;/a&gt;');
    expect(escapeHtml('location /api/ {')).toBe('location /api/ {');
  });

  it('pins the one inline script by its hash in the page\'s CSP, and refuses a script that would end itself', () => {
    const page = htmlPage({ title: 't', body: '<p>x</p>', script: 'console.log(1);' });
    // sha256("console.log(1);") in base64
    expect(page).toContain("script-src 'sha256-NcFG924SlHfGQGG8hFEeEJDz1NgFlxPmZj3Us1sfdkI='");
    expect(page).toContain("default-src 'none'");
    expect(page.match(/<script>/g)).toHaveLength(1);
    expect(htmlPage({ title: 't', body: '' })).toContain("script-src 'none'");
    expect(htmlPage({ title: 't', body: '' })).not.toContain('<script');
    expect(() => htmlPage({ title: 't', body: '', script: 'x = "</SCRIPT>"' })).toThrow(/cannot contain <\/script/);
  });
});

describe('formatRoutesHtml: nginx', () => {
  const servers = nginxRoutes('site.nginx.conf');
  const page = formatRoutesHtml(servers, { cwd: ROOT, title: 'site' });
  const rows = matrix(page);

  it('has a row per location, each cell the simulated answer coloured by its class', () => {
    expect(Object.keys(rows)).toEqual(['location /', 'location /api/', 'location = /old', 'location /admin/', 'location /gone/', 'location /broken/', 'location @fallback']);
    expect(cellsOf(rows['location /'])).toEqual({
      GET: '200|403|404 o-mixed',
      HEAD: '200|403|404 o-mixed',
      POST: '403 o-auth',
      PUT: '403 o-auth',
      PATCH: '403 o-auth',
      DELETE: '403 o-auth',
      OPTIONS: '403 o-auth',
    });
    const all = (text: string) => Object.fromEntries(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((m) => [m, text]));
    expect(cellsOf(rows['location /api/'])).toEqual(all('\u2192 proxy o-backend'));
    expect(cellsOf(rows['location = /old'])).toEqual(all('301 o-3xx'));
    expect(cellsOf(rows['location /admin/'])).toEqual(all('401 o-auth'));
    expect(cellsOf(rows['location /gone/'])).toEqual(all('405 o-405'));
    expect(cellsOf(rows['location /broken/'])).toEqual(all('503 o-5xx'));
    expect(rows['location @fallback']).toEqual({ note: 'named location: reached only through try_files, error_page and the like', cells: {}, traces: {} });
  });

  it('colours each part of a mixed cell on its own', () => {
    expect(page).toContain('<span class="o-2xx">200</span><span class="sep">|</span><span class="o-auth">403</span><span class="sep">|</span><span class="o-404">404</span>');
  });

  it('keeps a trace per cell: the request, the answer and each step with file:line and directive', () => {
    const trace = template(page, rows['location /']!.traces.POST!);
    expect(trace).toContain('<h2 class="request"><code>POST /</code></h2>');
    expect(trace).toContain('Host www.example.com, port 80');
    expect(trace).toContain('<h3>Answer: <span class="answer o-auth">403 (limit-except)</span></h3>');
    expect(steps(trace)).toEqual([
      [
        'test/fixtures/html/site.nginx.conf:6  server_name www.example.com',
        'test/fixtures/html/site.nginx.conf:9  location /',
        'test/fixtures/html/site.nginx.conf:10  limit_except GET',
        'test/fixtures/html/site.nginx.conf:11  deny all',
      ],
    ]);
    const proxied = template(page, rows['location /api/']!.traces.DELETE!);
    expect(proxied).toContain('<span class="answer o-backend">proxied to http://127.0.0.1:8080 as DELETE /api/</span>');
  });

  it('shows every branch of a forked answer, each with its assumptions', () => {
    const cell = servers[0]!.routes[0]!.cells.GET!;
    expect(cell.branches).toHaveLength(7);
    const trace = template(page, rows['location /']!.traces.GET!);
    expect(trace.match(/<section class="branch">/g)).toHaveLength(7);
    expect(trace).toContain('<h3>Way 1 of 7: <span class="answer o-2xx">200 (static)</span></h3>');
    expect(trace).toContain('<p class="assume">Assuming /srv/www/index.html is a file</p>');
    expect(trace).toContain('<h3>Way 7 of 7: <span class="answer o-auth">403 (static)</span></h3>');
    expect(trace).toContain('7 ways: 200|403|404, depending on files');
    expect(steps(trace).map((s) => s.length)).toEqual([7, 4, 4, 4, 4, 4, 4]);
  });

  it('leaves the JSON report as it was: the traces are for the page only', () => {
    const json = formatRoutesJson(servers, { cwd: ROOT });
    expect(json).not.toContain('branches');
    expect(json).not.toContain('"trace"');
  });

  it('needs nothing from the network', () => {
    expect(externalReferences(page)).toEqual([]);
    expect(page.match(/<script\b/g)).toHaveLength(1);
  });
});

describe('formatRoutesHtml: Apache', () => {
  const servers = apacheRoutes('site.apache.conf');
  const page = formatRoutesHtml(servers, { cwd: ROOT, dialect: 'apache' });
  const rows = matrix(page);

  it('has a row per route, each cell the simulated answer coloured by its class', () => {
    expect(page).toContain('<h2>main server www.example.com</h2>');
    expect(page).toContain('<th scope="col">route</th>');
    expect(Object.keys(rows)).toEqual(['DocumentRoot /srv/verblint-html', '<Location /api>', 'ProxyPass /api http://127.0.0.1:8081/api', '<Location /private>', 'Redirect permanent /old /new']);
    expect(cellsOf(rows['DocumentRoot /srv/verblint-html'])).toEqual({
      GET: '200|404 o-mixed',
      HEAD: '200|404 o-mixed',
      POST: '200|404 o-mixed',
      PUT: '405 o-405',
      PATCH: '405 o-405',
      DELETE: '405 o-405',
      OPTIONS: '200 o-2xx',
    });
    const api = {
      GET: '\u2192 proxy o-backend',
      HEAD: '\u2192 proxy o-backend',
      POST: '\u2192 proxy o-backend',
      PUT: '403 o-auth',
      PATCH: '403 o-auth',
      DELETE: '403 o-auth',
      OPTIONS: '403 o-auth',
    };
    expect(cellsOf(rows['<Location /api>'])).toEqual(api);
    expect(cellsOf(rows['ProxyPass /api http://127.0.0.1:8081/api'])).toEqual(api);
    expect(Object.values(cellsOf(rows['<Location /private>']))).toEqual(Array(7).fill('401 o-auth'));
    expect(Object.values(cellsOf(rows['Redirect permanent /old /new']))).toEqual(Array(7).fill('301 o-3xx'));
  });

  it('names the steps Apache takes without a directive as (apache)', () => {
    const trace = template(page, rows['<Location /api>']!.traces.PUT!);
    expect(trace).toContain('<h2 class="request"><code>PUT /api</code></h2>');
    expect(steps(trace)).toEqual([
      [
        '(apache)',
        'test/fixtures/html/site.apache.conf:12  ProxyPass /api http://127.0.0.1:8081/api',
        'test/fixtures/html/site.apache.conf:7  <Location /api>',
        'test/fixtures/html/site.apache.conf:9  Require all denied',
      ],
    ]);
    expect(trace).not.toContain('(nginx)');
  });

  it('needs nothing from the network, though the config names http:// backends', () => {
    expect(page).toContain('http://127.0.0.1:8081/api');
    expect(externalReferences(page)).toEqual([]);
  });
});

describe('formatRoutesHtml: escaping', () => {
  it('escapes a location, a title and a trace that hold markup', () => {
    const servers = nginxRoutes('hostile.nginx.conf');
    const page = formatRoutesHtml(servers, { cwd: ROOT, title: 'verblint routes </title><script>alert(1)</script>' });
    expect(page).not.toMatch(/<img/i);
    expect(page.match(/<script\b/g)).toHaveLength(1);
    expect(page.match(/<\/script>/g)).toHaveLength(1);
    expect(page).toContain('<title>verblint routes &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>');
    expect(Object.keys(matrix(page))).toEqual(['location /x</script><img src=x onerror=window.pwned=2>']);
    expect(page).toContain('<th scope="row" class="route mono" style="--depth: 0">location /x&lt;/script&gt;&lt;img src=x onerror=window.pwned=2&gt;</th>');
  });

  it('escapes every field of hand-built routes, quotes included', () => {
    const evil = `"><img src=x onerror=alert(1)>'`;
    const servers: ServerRoutes[] = [
      {
        title: evil,
        names: [evil],
        listen: [evil],
        file: `/etc/${evil}.conf`,
        line: 1,
        host: evil,
        port: 80,
        routes: [
          {
            location: evil,
            file: `/etc/${evil}.conf`,
            line: 2,
            depth: 0,
            uri: evil,
            note: null,
            cells: {
              GET: {
                status: 403, possibleStatuses: [403], producer: 'access', cannotTell: false, upstream: null, text: '403',
                branches: [{
                  status: 403, producer: 'access', allow: evil, location: evil, upstream: null, assumptions: [evil], cannotTell: false,
                  trace: [{ file: `/etc/${evil}.conf`, line: 3, directive: evil, note: evil }],
                }],
              },
            },
          },
          { location: 'location @x', file: '/etc/x.conf', line: 4, depth: 1, uri: null, note: evil, cells: {} },
        ],
      },
    ];
    const page = formatRoutesHtml(servers, { cwd: '/', title: evil });
    expect(page).not.toMatch(/<img/i);
    expect(page).not.toContain(evil);
    const escaped = escapeHtml(evil);
    // title tag, h1, h2, data-location, row header, uri, button title, note, and in the trace: file, host, location, Allow, Location, assumption, step
    expect(page.split(escaped).length - 1).toBeGreaterThanOrEqual(14);
  });
});

// ---- the findings report ----

const CTX: FormatContext = { color: false, cwd: '/repo', rules: [], version: '0.1.0', docsUrl: 'https://example.com/verblint/rules/' };
const NGINX = 'etc/nginx/nginx.conf';
const SOURCE = [
  'http {', //  1
  '    server {', //  2
  '        listen 80;', //  3
  '        # </script><img src=x onerror=alert(1)>', //  4
  '        location /api/ {', //  5
  '            limit_except GET {', //  6
  '            }', //  7
  '            return 405;', //  8
  '        }', //  9
  '    }', // 10
  '}', // 11
].join('\r\n') + '\r\n';

const FINDINGS: Finding[] = [
  {
    ruleId: 'limit-except-no-effect', severity: 'error', message: 'limit_except GET has no deny or auth: <img src=x onerror=alert(2)>',
    file: NGINX, line: 6, column: 13, endLine: 7, endColumn: 14,
    related: [{ file: NGINX, line: 5, column: 9, message: 'location /api/ starts here' }, { file: 'elsewhere.conf', line: 1, column: 1, message: 'not in this report' }],
  },
  { ruleId: 'return-405-without-allow', severity: 'warning', message: 'return 405 sends no Allow header', file: NGINX, line: 8, column: 13, endLine: 8, endColumn: 24 },
  { ruleId: 'include-missing', severity: 'warning', message: 'past the end', file: NGINX, line: 40, column: 1, endLine: 40, endColumn: 2 },
  { ruleId: 'syntax-error', severity: 'error', message: 'unexpected "}"', file: 'etc/apache2/apache2.conf', line: 3, column: 1, endLine: 3, endColumn: 2 },
];

/** The class and id (or data-line) of each row of a file's source table, in order. */
function sourceRows(page: string, file: string): string[] {
  const section = new RegExp(`<section class="file" id="[^"]+" data-file="${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}">([\\s\\S]*?)</section>`).exec(page);
  if (!section) throw new Error(`no section for ${file}`);
  return [...section[1]!.matchAll(/<tr class="([^"]*)" (id|data-line)="([^"]*)">(?:<td class="ln"><\/td><td><div class="finding [^"]*" data-rule="([^"]*)")?/g)].map((m) =>
    m[1] === 'under' ? `under ${m[3]} ${m[4]}` : `${m[1]} ${m[3]}`,
  );
}

describe('the html findings formatter', () => {
  const page = findingsHtml(FINDINGS, { ...CTX, sources: { [NGINX]: SOURCE } });

  it('counts at the top', () => {
    expect(page).toContain('<p class="summary">&#10006; 4 problems (2 errors, 2 warnings) in 2 files</p>');
    const rules = /<table class="rules">(.*?)<\/table>/.exec(page)![1]!;
    expect([...rules.matchAll(/<tr><td>(\d+)<\/td><td class="[^"]*">(\w+)<\/td><td>(.*?)<\/td><\/tr>/g)].map((m) => `${m[1]} ${m[2]} ${textOf(m[3]!)}`)).toEqual([
      '1 warning include-missing',
      '1 error limit-except-no-effect',
      '1 warning return-405-without-allow',
      '1 error syntax-error',
    ]);
    const twice = findingsHtml([FINDINGS[1]!, { ...FINDINGS[1]!, line: 9 }], CTX);
    expect(twice).toContain('<p class="summary">&#10006; 2 problems (0 errors, 2 warnings) in 1 file</p>');
    expect(twice).toMatch(/<table class="rules"><tr><td>2<\/td><td class="sev-warning">warning<\/td><td><a [^>]*>return-405-without-allow<\/a><\/td><\/tr><\/table>/);
  });

  it('puts each finding right under its source line', () => {
    expect(sourceRows(page, NGINX)).toEqual([
      'src file-0-L1',
      'src file-0-L2',
      'src file-0-L3',
      'src file-0-L4',
      'src file-0-L5',
      'src has-error file-0-L6',
      'under 6 limit-except-no-effect',
      'src file-0-L7',
      'src has-warning file-0-L8',
      'under 8 return-405-without-allow',
      'src file-0-L9',
      'src file-0-L10',
      'src file-0-L11',
    ]);
  });

  it('marks the range a finding points at, over the lines it spans, without the CR of CRLF', () => {
    expect(page).toContain('<td class="ln">6</td><td class="code">            <mark class="sev-error">limit_except GET {</mark></td>');
    expect(page).toContain('<td class="ln">7</td><td class="code"><mark class="sev-error">            }</mark></td>');
    expect(page).toContain('<td class="ln">8</td><td class="code">            <mark class="sev-warning">return 405;</mark></td>');
    expect(page).not.toContain('\r');
  });

  it('links the rule to its doc, and related locations to their line in the page', () => {
    expect(page).toContain('<a class="rule mono" href="https://example.com/verblint/rules/limit-except-no-effect.md">limit-except-no-effect</a>');
    expect(page).toContain('<li><a class="mono" href="#file-0-L5">etc/nginx/nginx.conf:5:9</a> location /api/ starts here</li>');
    expect(page).toContain('<li><span class="mono">elsewhere.conf:1:1</span> not in this report</li>');
  });

  it('lists a finding past the last line after the source, and a file without source as findings alone', () => {
    expect(page).toMatch(/<div class="findings unplaced">\n<div class="finding sev-warning" data-rule="include-missing" data-line="40">/);
    const apache = /<section class="file" id="file-1" data-file="etc\/apache2\/apache2.conf">([\s\S]*?)<\/section>/.exec(page)![1]!;
    expect(apache).not.toContain('<table class="source">');
    expect(apache).toContain('<div class="findings">\n<div class="finding sev-error" data-rule="syntax-error" data-line="3">');
  });

  it('escapes the source and the messages; has no script at all', () => {
    expect(page).not.toMatch(/<img/i);
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain("script-src 'none'");
    expect(page).toContain('# &lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('limit_except GET has no deny or auth: &lt;img src=x onerror=alert(2)&gt;');
  });

  it('links to nothing outside the page but the rule docs', () => {
    expect(new Set(externalReferences(page))).toEqual(
      new Set(['limit-except-no-effect', 'return-405-without-allow', 'include-missing', 'syntax-error'].map((id) => `https://example.com/verblint/rules/${id}.md`)),
    );
    const noDocs = findingsHtml(FINDINGS, { ...CTX, docsUrl: '' });
    expect(externalReferences(noDocs)).toEqual([]);
    expect(noDocs).toContain('<span class="rule mono">limit-except-no-effect</span>');
  });

  it('says so when there is nothing to report', () => {
    const clean = findingsHtml([], CTX);
    expect(clean).toContain('<p class="summary clean">No problems found.</p>');
    expect(clean).not.toContain('class="file"');
    expect(clean).not.toContain('class="finding');
  });
});

// ---- the CLI ----

const verblint = (args: string[]): CliRun => runCli(args);

describe('the CLI (built)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verblint-html-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('routes --format html prints the page, and -o writes it instead', () => {
    const out = verblint(['routes', `${F}/site.nginx.conf`, '--format', 'html']);
    expect(out.status).toBe(0);
    expect(out.stdout.startsWith('<!DOCTYPE html>\n')).toBe(true);
    expect(out.stdout).toContain('<title>verblint routes test/fixtures/html/site.nginx.conf</title>');
    const file = join(dir, 'sub', 'routes.html');
    const written = verblint(['routes', `${F}/site.nginx.conf`, '--format', 'html', '-o', file]);
    expect([written.status, written.stdout, written.stderr]).toEqual([0, '', '']);
    expect(readFileSync(file, 'utf8')).toBe(out.stdout);
  });

  it.each([['text', ['--no-color']], ['json', []]])('routes -f %s -o writes what it would print', (format, extra) => {
    const printed = verblint(['routes', `${F}/site.apache.conf`, '-f', format, ...extra]);
    const file = join(dir, `routes.${format}`);
    const written = verblint(['routes', `${F}/site.apache.conf`, '-f', format, '-o', file]);
    expect([written.status, written.stdout]).toEqual([0, '']);
    expect(readFileSync(file, 'utf8')).toBe(printed.stdout);
    expect(printed.stdout).toContain('<Location /api>');
  });

  it('routes refuses a lint format, and explain still has only text and json', () => {
    const routes = verblint(['routes', `${F}/site.nginx.conf`, '-f', 'stylish']);
    expect([routes.status, routes.stderr]).toEqual([2, 'verblint: unknown format "stylish"; choose text, json or html\n']);
    const explain = verblint(['explain', `${F}/site.nginx.conf`, 'GET', '/', '-f', 'html']);
    expect([explain.status, explain.stderr]).toEqual([2, 'verblint: unknown format "html"; choose text or json\n']);
  });

  it('lint --format html shows each file\'s source beside its findings, as the primary format or NAME=FILE', () => {
    const file = join(dir, 'findings.html');
    const run = verblint([`${F}/site.nginx.conf`, '-f', 'compact', '-f', `html=${file}`]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      'test/fixtures/html/site.nginx.conf:15:9: warning: POST, PUT, DELETE and every other method to /api get 301 to /api/ because location /api/ has proxy_pass (line 16); browsers resend POST as GET without the body: add "location = /api" with the same proxy_pass [proxy-pass-slash-redirect]\n' +
        'test/fixtures/html/site.nginx.conf:29:13: warning: every method that reaches "return 405" gets 405 without an Allow header; add "add_header Allow \\"GET, HEAD\\" always;" next to it [return-405-without-allow]\n',
    );
    const page = readFileSync(file, 'utf8');
    expect(sourceRows(page, 'test/fixtures/html/site.nginx.conf').filter((r) => !r.startsWith('src file-'))).toEqual([
      'src has-warning file-0-L15',
      'under 15 proxy-pass-slash-redirect',
      'src has-warning file-0-L29',
      'under 29 return-405-without-allow',
    ]);
    const primary = verblint([`${F}/site.nginx.conf`, '-f', 'html']);
    expect(primary.stdout).toBe(page);
  });

  it('lint --format html on a clean config says there is no problem', () => {
    const run = verblint([`${F}/site.apache.conf`, '-f', 'html']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('No problems found.');
  });
});
