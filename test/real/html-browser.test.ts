// The HTML reports in a real headless Chromium (Debian's, driven by
// playwright-core): the built CLI writes them (run `npm run build` first, as
// `npm test` does), the browser opens them from file://, and the test reads
// the cells, clicks one, reads the trace panel, and finds a finding under its
// line. Screenshots go to test/artifacts/ for a person to look at.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServer } from '../helpers/real-server.js';
import { CLI, runCli, type CliRun } from '../helpers/cli.js';

const CHROMIUM = process.env.VERBLINT_TEST_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(ROOT, 'test/artifacts');
const F = 'test/fixtures/html';

const verblint = (args: string[]): CliRun => runCli(args);

// What the page-side callbacks use; test/tsconfig.json has no DOM library.
interface InPage {
  getComputedStyle(element: unknown): { backgroundColor: string };
  document: { images: { length: number }; scripts: { length: number } };
  pwned?: unknown;
}

/** What ran in the page: images and scripts it has, and whether config text got to set window.pwned. */
function sideEffects(page: Page): Promise<{ images: number; scripts: number; pwned: unknown }> {
  return page.evaluate(() => {
    const w = globalThis as unknown as InPage;
    return { images: w.document.images.length, scripts: w.document.scripts.length, pwned: w.pwned ?? null };
  });
}

/** What a cell shows: its text, its classes and the colour it is drawn in. */
async function cell(page: Page, location: string, method: string): Promise<{ text: string; classes: string; background: string }> {
  const td = page.locator(`tr[data-location="${location}"] td[data-method="${method}"]`);
  return {
    text: (await td.innerText()).trim(),
    classes: (await td.getAttribute('class')) ?? '',
    background: await td.evaluate((el) => (globalThis as unknown as InPage).getComputedStyle(el).backgroundColor),
  };
}

/** The trace panel's steps, branch by branch: `file:line directive`. */
function panelSteps(page: Page): Promise<string[][]> {
  return page.locator('#trace .branch').evaluateAll((branches) =>
    branches.map((b) => [...b.querySelectorAll('ol.steps li')].map((li) => [li.querySelector('.at')?.textContent ?? '', li.querySelector('.directive')?.textContent ?? ''].join(' ').trim())),
  );
}

describeWithServer(
  existsSync(CHROMIUM),
  { test: 'needs chromium', error: `Chromium is not installed at ${CHROMIUM} (install Debian's chromium package)`, warning: `Chromium is not installed (no ${CHROMIUM})` },
  'the HTML reports in headless Chromium',
  () => {
    let browser: Browser;
    let page: Page;
    let dir: string;
    const requests: string[] = [];
    const problems: string[] = [];
    const url = (name: string): string => pathToFileURL(join(dir, name)).href;

    beforeAll(async () => {
      if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
      dir = mkdtempSync(join(tmpdir(), 'verblint-html-browser-'));
      const made = [
        verblint(['routes', `${F}/site.nginx.conf`, '--format', 'html', '-o', join(dir, 'routes.html')]),
        verblint(['routes', `${F}/site.apache.conf`, '--format', 'html', '-o', join(dir, 'apache.html')]),
        verblint(['routes', `${F}/hostile.nginx.conf`, '--format', 'html', '-o', join(dir, 'hostile.html')]),
      ];
      for (const run of made) expect([run.status, run.stdout, run.stderr]).toEqual([0, '', '']);
      // hostile.nginx.conf has an error: exit 1, and the report is still written.
      const lint = verblint([F, '--format', 'html', '-o', join(dir, 'findings.html')]);
      expect([lint.status, lint.stdout, lint.stderr]).toEqual([1, '', '']);

      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
      page.on('request', (r) => requests.push(r.url()));
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('shows the nginx matrix with the simulated answers, coloured by class', async () => {
      await page.goto(url('routes.html'));
      expect(await page.title()).toBe('verblint routes test/fixtures/html/site.nginx.conf');
      // limit_except GET { deny all; }: GET depends on files, POST is refused
      expect(await cell(page, 'location /', 'POST')).toEqual({ text: '403', classes: 'cell o-auth', background: 'rgb(251, 239, 255)' });
      expect(await cell(page, 'location /', 'GET')).toEqual({ text: '200|403|404', classes: 'cell o-mixed', background: 'rgb(255, 255, 255)' });
      expect(await cell(page, 'location /api/', 'DELETE')).toEqual({ text: '\u2192 proxy', classes: 'cell o-backend', background: 'rgb(218, 251, 225)' });
      expect(await cell(page, 'location /gone/', 'PUT')).toEqual({ text: '405', classes: 'cell o-405', background: 'rgb(255, 235, 233)' });
      expect(await cell(page, 'location = /old', 'POST')).toEqual({ text: '301', classes: 'cell o-3xx', background: 'rgb(255, 248, 197)' });
      expect(await cell(page, 'location /broken/', 'GET')).toEqual({ text: '503', classes: 'cell o-5xx', background: 'rgb(164, 14, 38)' });
      expect(await page.locator('tr[data-location="location @fallback"] td.note').innerText()).toBe('named location: reached only through try_files, error_page and the like');
      expect(await page.locator('tr.route').count()).toBe(7);
      expect(await page.locator('td.cell').count()).toBe(6 * 7);
    });

    it('opens the trace panel on a click: the request, the answer and each step with file:line', async () => {
      await page.goto(url('routes.html'));
      const panel = page.locator('#trace');
      expect(await panel.isVisible()).toBe(false);

      await page.click('tr[data-location="location /"] td[data-method="POST"] button');
      expect(await panel.isVisible()).toBe(true);
      expect(await panel.locator('h2.request').innerText()).toBe('POST /');
      expect(await panel.locator('.branch h3').allInnerTexts()).toEqual(['Answer: 403 (limit-except)']);
      expect(await panelSteps(page)).toEqual([
        [
          'test/fixtures/html/site.nginx.conf:6 server_name www.example.com',
          'test/fixtures/html/site.nginx.conf:9 location /',
          'test/fixtures/html/site.nginx.conf:10 limit_except GET',
          'test/fixtures/html/site.nginx.conf:11 deny all',
        ],
      ]);
      expect(await page.locator('td.cell.selected').count()).toBe(1);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'routes-report.png'), fullPage: true });

      // Another cell replaces the trace: the proxied one, then a forked one with every branch.
      await page.click('tr[data-location="location /api/"] td[data-method="PUT"] button');
      expect(await panel.locator('h2.request').innerText()).toBe('PUT /api/');
      expect(await panel.locator('.branch h3').allInnerTexts()).toEqual(['Answer: proxied to http://127.0.0.1:8080 as PUT /api/']);
      expect((await panelSteps(page))[0]!.at(-1)).toBe('test/fixtures/html/site.nginx.conf:16 proxy_pass http://127.0.0.1:8080');

      await page.click('tr[data-location="location /"] td[data-method="GET"] button');
      const heads = await panel.locator('.branch h3').allInnerTexts();
      expect(heads).toHaveLength(7);
      expect(heads[0]).toBe('Way 1 of 7: 200 (static)');
      expect((await panelSteps(page)).map((s) => s.length)).toEqual([7, 4, 4, 4, 4, 4, 4]);

      await page.keyboard.press('Escape');
      expect(await panel.isVisible()).toBe(false);
      expect(await page.locator('td.cell.selected').count()).toBe(0);
    });

    it('shows the Apache matrix and its trace, with the steps Apache takes on its own', async () => {
      await page.goto(url('apache.html'));
      expect(await cell(page, '<Location /api>', 'PUT')).toEqual({ text: '403', classes: 'cell o-auth', background: 'rgb(251, 239, 255)' });
      expect(await cell(page, '<Location /api>', 'POST')).toEqual({ text: '\u2192 proxy', classes: 'cell o-backend', background: 'rgb(218, 251, 225)' });
      expect(await cell(page, 'DocumentRoot /srv/verblint-html', 'DELETE')).toEqual({ text: '405', classes: 'cell o-405', background: 'rgb(255, 235, 233)' });
      await page.click('tr[data-location="<Location /api>"] td[data-method="PUT"] button');
      expect(await panelSteps(page)).toEqual([
        [
          '(apache)',
          'test/fixtures/html/site.apache.conf:12 ProxyPass /api http://127.0.0.1:8081/api',
          'test/fixtures/html/site.apache.conf:7 <Location /api>',
          'test/fixtures/html/site.apache.conf:9 Require all denied',
        ],
      ]);
    });

    it('shows markup from a config as text, and runs none of it', async () => {
      await page.goto(url('hostile.html'));
      expect(await page.locator('tr.route th').innerText()).toBe('location /x</script><img src=x onerror=window.pwned=2>');
      await page.click('tr.route td[data-method="GET"] button');
      expect(await page.locator('#trace .branch').count()).toBe(1);
      expect(await sideEffects(page)).toEqual({ images: 0, scripts: 1, pwned: null });
    });

    it('shows each finding under its source line, and the hostile source as text', async () => {
      await page.goto(url('findings.html'));
      expect(await page.locator('.summary').innerText()).toBe('\u2716 3 problems (1 error, 2 warnings) in 2 files');
      const site = page.locator('section.file[data-file="test/fixtures/html/site.nginx.conf"]');
      const id = await site.getAttribute('id');
      const line29 = page.locator(`#${id}-L29`);
      expect(await line29.locator('td.code').innerText()).toBe('            return 405;');
      // The row right after line 29 holds its finding, and it is drawn between lines 29 and 30.
      const next = await line29.evaluate((row) => ({ className: row.nextElementSibling?.className, rule: row.nextElementSibling?.querySelector('.finding')?.getAttribute('data-rule') }));
      expect(next).toEqual({ className: 'under', rule: 'return-405-without-allow' });
      const finding = page.locator(`#${id}-L29 + tr.under .finding`);
      const [a, b, c] = [await line29.boundingBox(), await finding.boundingBox(), await page.locator(`#${id}-L30`).boundingBox()];
      expect(b!.y).toBeGreaterThanOrEqual(a!.y + a!.height - 1);
      expect(c!.y).toBeGreaterThanOrEqual(b!.y + b!.height);
      expect(await finding.locator('.message').innerText()).toBe('every method that reaches "return 405" gets 405 without an Allow header; add "add_header Allow \\"GET, HEAD\\" always;" next to it');
      expect(await finding.locator('.badge').innerText()).toBe('warning');
      expect(await page.locator(`#${id}-L15 + tr.under .finding`).getAttribute('data-rule')).toBe('proxy-pass-slash-redirect');
      expect(await page.locator('tr.under').count()).toBe(3);

      const hostile = page.locator('section.file[data-file="test/fixtures/html/hostile.nginx.conf"]');
      const hid = await hostile.getAttribute('id');
      expect(await page.locator(`#${hid}-L1 td.code`).innerText()).toBe('# </script><img src=x onerror="window.pwned=1">');
      expect(await page.locator(`#${hid}-L9 + tr.under .finding`).getAttribute('data-rule')).toBe('limit-except-invalid-method');
      expect(await page.locator(`#${hid}-L9 mark`).innerText()).toBe('"<img/src=x/onerror=window.pwned=3>"');
      expect(await sideEffects(page)).toEqual({ images: 0, scripts: 0, pwned: null });
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'findings-report.png'), fullPage: true });
    });

    it('fetched nothing but the report files, and logged no error (no CSP violation)', () => {
      expect(requests.length).toBeGreaterThan(0);
      expect(requests.filter((r) => !r.startsWith('file://'))).toEqual([]);
      expect(problems).toEqual([]);
    });
  },
);
