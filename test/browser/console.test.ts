/**
 * The console in a real browser: Debian's Chromium, headless, driven by
 * playwright-core. Operator A files an erasure through the intake form and
 * sees it await approval; operator B, in a separate browser context, opens
 * its preview and approves it; it is done; the dashboard shows an overdue
 * request in red. Every page is screenshotted (test/browser/screenshots/,
 * ignored by git) and checked with axe-core: no serious or critical
 * violation.

 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningConsole, startConsole } from '#functions/console/server.ts';
import { type EmbeddedRuntime, openEmbeddedRuntime } from '#functions/runtime.ts';
import { APPROVER, FILER, runCliCaptured } from '../cli-run.ts';
import { type ConsoleBrowser, launchConsoleBrowser } from './browser-harness.ts';

/** The records are ingested, then the late request filed, then the console opened: time only moves forward. */
const INGESTED = '2026-11-10T00:00:00Z';
const LATE_FILED = '2026-11-12T00:00:00Z';
const NOW = '2026-11-22T00:00:00Z';
/** A subject of jlis (a public body: erasure under four-eyes approval) and its one record. */
const SUBJECT = 'S-JLIS-3002';
const RECORD = 'jlis-0002';
/** A subject of ibaraki-pref whose erasure was filed long ago with a 3-day deadline, never approved. */
const LATE_SUBJECT = 'S-IBK-1002';

const sample = (name: string) => fileURLToPath(new URL(`../../shared/samples/${name}`, import.meta.url));
/** Chromium's computed colour of the console's overdue red (#a50000). */
const OVERDUE_RED = 'rgb(165, 0, 0)';

/**
 * Runs `start` again (up to 3 times) when DynamoDB Local lost its port to
 * another process between being picked and bound — seen when other test
 * files start their own stores at the same moment. Anything else throws.
 */
async function retryingPortRace<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= 3 || !/Address already in use|Failed to bind/.test(String((error as Error).message))) throw error;
    }
  }
}

describe('wasure console in Chromium', () => {
  let dir: string;
  let runtime: EmbeddedRuntime;
  let server: RunningConsole;
  let chrome: ConsoleBrowser;
  let browser: Browser;
  let pageA: Page;
  let pageB: Page;
  let requestId = '';
  let lateId = '';

  const base = () => `http://127.0.0.1:${server.port}`;

  /** Screenshot of the whole page, then axe-core over it: no serious or critical violation. */
  const check = (page: Page, name: string) => chrome.check(page, name);

  /** Opens a fresh one-time login URL; the page's script moves the token into the form. */
  const logIn = async (page: Page, operator: string, shot?: string) => {
    await page.goto(server.loginUrl());
    await expect.poll(() => page.inputValue('#token')).not.toBe('');
    // The token left the address bar.
    expect(page.url()).toBe(`${base()}/login`);
    await page.fill('#operator', operator);
    if (shot !== undefined) await check(page, shot);
    await Promise.all([page.waitForURL(`${base()}/`), page.click('button[type=submit]')]);
    expect(await page.textContent('h1')).toBe('ダッシュボード');
    expect(await page.textContent('header')).toContain(`操作者: ${operator}`);
  };

  /** The value of the detail page's fact row labelled `label`. */
  const fact = async (page: Page, label: string) => (await page.locator('tr', { has: page.locator(`th:text-is("${label}")`) }).locator('td').textContent())?.trim();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-browser-'));
    const cli = async (argv: string[]) => {
      const run = await runCliCaptured(argv);
      if (run.code !== 0) throw new Error(`wasure ${argv[0]} failed (${run.code}): ${run.stderr}`);
      return run;
    };
    await retryingPortRace(() => cli(['ingest', sample('records.jsonl'), '--local', dir, '--now', INGESTED, '--json']));
    // The overdue request: filed ten days before the console's now with a 3-day deadline, awaiting approval since.
    const late = await retryingPortRace(() =>
      cli(['request', 'erase', '--subject', LATE_SUBJECT, '--verified-by', 'passport', '--evidence', 'desk-late', '--deadline-days', '3', '--operator', FILER, '--local', dir, '--now', LATE_FILED, '--json']),
    );
    lateId = (JSON.parse(late.stdout) as { requestId: string }).requestId;
    runtime = await retryingPortRace(() => openEmbeddedRuntime({ cwd: process.cwd(), env: {}, dir, now: NOW }));
    server = await startConsole({ runtime, stateDir: dir });
    // Two operators, two contexts: separate cookie jars, separate sessions.
    chrome = await launchConsoleBrowser(2);
    browser = chrome.browser;
    [pageA, pageB] = (await Promise.all(chrome.contexts.map((c) => c.newPage()))) as [Page, Page];
  });

  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    await runtime?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  // A browser sends `Origin: null` under Referrer-Policy: no-referrer, which the
  // origin check refuses: the console's own headers must let its own forms through.
  it('accepts the login form posted from the login page under the console\'s own headers', async () => {
    // Prepare: a fresh context
    const plain = await browser.newContext();
    try {
      const page = await plain.newPage();
      await page.goto(server.loginUrl());
      await expect.poll(() => page.inputValue('#token')).not.toBe('');
      await page.fill('#operator', FILER);
      // Act
      const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('button[type=submit]')]);
      // Assess: a 303 to the dashboard, not 403 CsrfRefused ("the request comes from another origin")
      expect(response.status()).toBe(303);
    } finally {
      await plain.close();
    }
  });

  it('logs operator A in from the one-time URL and files an erasure through the intake form; it awaits approval', async () => {
    // Act: log in, open the intake form, file
    await logIn(pageA, FILER, '01-login');
    await check(pageA, '02-dashboard-a');
    await pageA.click('nav >> text=請求の受付');
    expect(await pageA.textContent('h1')).toBe('請求の受付');
    await pageA.selectOption('#type', 'erase');
    await pageA.fill('#subjectId', SUBJECT);
    await pageA.selectOption('#requesterKind', 'subject');
    await pageA.selectOption('#method', 'passport');
    await pageA.fill('#evidenceRef', 'desk-1');
    await check(pageA, '03-intake');
    await Promise.all([pageA.waitForURL(/\/requests\/req-[^/]+$/), pageA.click('main button[type=submit]')]);
    // Assess: the detail page of a request filed by A, awaiting a second operator
    requestId = decodeURIComponent(new URL(pageA.url()).pathname.split('/').pop() ?? '');
    expect(await pageA.textContent('h1')).toBe(`請求 ID: ${requestId}`);
    expect(await fact(pageA, '状態')).toBe('決裁待ち');
    expect(await fact(pageA, '決裁')).toBe('決裁待ち');
    expect(await fact(pageA, '受付者')).toBe(FILER);
    // A may withdraw but is not offered the approval of their own filing.
    expect(await pageA.locator('button', { hasText: '承認して実行' }).count()).toBe(0);
    expect(await pageA.locator('button', { hasText: '取下げ' }).count()).toBe(1);
    // No URL names the subject.
    expect(pageA.url()).not.toContain(SUBJECT);
    await check(pageA, '04-detail-filed-by-a');
  });

  it('lists the request for A, and offers the intake, holds and register pages', async () => {
    // Act
    await pageA.click('nav >> text=請求一覧');
    // Assess
    expect(await pageA.textContent('h1')).toBe('請求一覧');
    const row = pageA.locator('tbody tr', { has: pageA.locator(`a:text-is("${requestId}")`) });
    expect(await row.locator('td').nth(2).textContent()).toBe('決裁待ち');
    await check(pageA, '05-requests');
    await pageA.click('nav >> text=法的保全');
    expect(await pageA.textContent('h1')).toBe('法的保全');
    await check(pageA, '06-holds');
    await pageA.click('nav >> text=公表事項');
    expect(await pageA.textContent('h1')).toBe('公表事項');
    expect(await pageA.textContent('main pre')).toContain('保有個人データに関する事項の公表');
    await check(pageA, '07-register');
  });

  it('logs approver B in a separate context; B sees the erasure preview naming the record, approves, and it is completed', async () => {
    // Prepare: B's dashboard lists it as awaiting B's approval
    await logIn(pageB, APPROVER);
    const mine = pageB.locator('section', { has: pageB.locator('#s-mine') });
    expect(await mine.locator(`a:text-is("${requestId}")`).count()).toBe(1);
    // Act: open the detail, read the preview
    await Promise.all([pageB.waitForURL(`${base()}/requests/${requestId}`), mine.locator(`a:text-is("${requestId}")`).click()]);
    const preview = pageB.locator('section', { has: pageB.locator('#s-preview') });
    expect(await preview.locator('h2').textContent()).toBe('消去の事前確認');
    expect(await preview.locator('h3').first().textContent()).toBe('消去する記録 (1)');
    expect(await preview.locator('ul').first().textContent()).toContain(RECORD);
    await check(pageB, '08-detail-preview-b');
    // Act: approve
    await pageB.fill('#approve-reason', '本人確認済み');
    await Promise.all([
      pageB.waitForResponse((r) => r.url() === `${base()}/requests/${requestId}` && r.request().method() === 'GET', { timeout: 120_000 }),
      pageB.locator('form[action$="/approve"] button').click(),
    ]);
    // Assess: completed, approved by B, no preview and no decision left to take
    expect(await fact(pageB, '状態')).toBe('完了');
    expect(await fact(pageB, '決裁')).toBe(`承認 (${APPROVER})`);
    expect(await pageB.locator('#s-preview').count()).toBe(0);
    expect(await pageB.locator('main form').count()).toBe(0);
    expect(await pageB.locator('section:has(#s-timeline) li').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining(APPROVER)]));
    await check(pageB, '09-detail-completed');
    // A sees it completed too.
    await pageA.goto(`${base()}/requests/${requestId}`);
    expect(await fact(pageA, '状態')).toBe('完了');
  });

  it('shows the overdue request in red on the dashboard', async () => {
    // Act
    await pageB.goto(`${base()}/`);
    // Assess: the late erasure's row is marked, in the computed red; the on-time rows are not
    const open = pageB.locator('section', { has: pageB.locator('#s-open') });
    const row = open.locator('tbody tr', { has: pageB.locator(`a:text-is("${lateId}")`) });
    const standing = row.locator('td').nth(2);
    expect(await standing.textContent()).toBe('決裁待ち・期限超過');
    expect(Number(await row.locator('td').nth(4).textContent())).toBeLessThan(0);
    const colour = (cell: typeof standing) => cell.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color);
    expect(await colour(standing)).toBe(OVERDUE_RED);
    expect(await standing.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { fontWeight: string } }).getComputedStyle(el).fontWeight)).toBe('700');
    // The completed request is no longer open; the audit status line is not red.
    expect(await open.locator(`a:text-is("${requestId}")`).count()).toBe(0);
    expect(await colour(pageB.locator('#s-audit + p'))).not.toBe(OVERDUE_RED);
    await check(pageB, '10-dashboard-overdue');
  });

  it('renders the dashboard in English too', async () => {
    // Act
    await pageB.click('header a[lang=en]');
    // Assess
    expect(await pageB.textContent('h1')).toBe('Dashboard');
    expect(await pageB.getAttribute('html', 'lang')).toBe('en');
    await check(pageB, '11-dashboard-en');
    await pageB.click('header a[lang=ja]');
    expect(await pageB.textContent('h1')).toBe('ダッシュボード');
  });
});
