/**
 * The console's sweeps and audit pages in Debian's Chromium: operator A
 * runs a dry run and files a manual sweep order (its controller puts
 * sweeps under approval); operator B approves it from the list; the
 * history shows it as a chart and a table; the audit page shows one
 * subject's events from a form. Every page is screenshotted
 * (test/browser/screenshots/sweeps-*.png) and checked with axe-core: no
 * serious or critical violation.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningConsole, startConsole } from '#functions/console/server.ts';
import { type EmbeddedRuntime, openEmbeddedRuntime } from '#functions/runtime.ts';
import { APPROVER, FILER, runCliCaptured } from '../cli-run.ts';
import { type ConsoleBrowser, launchConsoleBrowser } from './browser-harness.ts';

const NOW = '2026-12-01T00:00:00Z';
const SUBJECT = 'S-JLIS-3002';
const sample = (name: string) => fileURLToPath(new URL(`../../shared/samples/${name}`, import.meta.url));

describe('wasure console sweeps and audit pages in Chromium', () => {
  let root: string;
  let runtime: EmbeddedRuntime;
  let server: RunningConsole;
  let chrome: ConsoleBrowser;
  let pageA: Page;
  let pageB: Page;

  const base = () => `http://127.0.0.1:${server.port}`;
  const check = (page: Page, name: string) => chrome.check(page, `sweeps-${name}`);

  /** Signs in from a fresh one-time URL (the page's script moves the token into the form). */
  const logIn = async (page: Page, operator: string) => {
    await page.goto(server.loginUrl());
    await expect.poll(() => page.inputValue('#token')).not.toBe('');
    await page.fill('#operator', operator);
    await Promise.all([page.waitForURL(`${base()}/`), page.click('button[type=submit]')]);
  };

  /** Every URL the page's links, forms and resources name. */
  const urls = (page: Page) => page.locator('[href],[action],[src]').evaluateAll((els) => els.map((el) => el.getAttribute('href') ?? el.getAttribute('action') ?? el.getAttribute('src') ?? ''));

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'wasure-browser-sweeps-'));
    const dir = join(root, 'state');
    // The sample catalogue, with its first controller asking for sweep approval.
    const raw = JSON.parse(await readFile(sample('catalogue.json'), 'utf8'));
    raw.controllers[0].approval = { requires: ['erase', 'correct', 'sweep'] };
    const catalogue = join(root, 'catalogue.json');
    await writeFile(catalogue, JSON.stringify(raw));
    const ingest = await runCliCaptured(['ingest', sample('records.jsonl'), '--local', dir, '--now', NOW, '--catalogue', catalogue, '--json']);
    if (ingest.code !== 0) throw new Error(`wasure ingest failed (${ingest.code}): ${ingest.stderr}`);
    runtime = await openEmbeddedRuntime({ cwd: process.cwd(), env: {}, dir, now: NOW, catalogueFile: catalogue });
    server = await startConsole({ runtime, stateDir: dir });
    chrome = await launchConsoleBrowser(2, 120_000);
    [pageA, pageB] = (await Promise.all(chrome.contexts.map((c) => c.newPage()))) as [Page, Page];
  });

  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    await runtime?.close();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it('lets operator A run a dry run from the sweeps page: what would be erased, per dataset', { timeout: 300_000 }, async () => {
    // Act
    await logIn(pageA, FILER);
    await Promise.all([pageA.waitForURL(`${base()}/sweeps`), pageA.click('nav a[href="/sweeps"]')]);
    await check(pageA, '01-empty');
    await pageA.click('#s-dry + p + form button[type=submit]');
    // Assess
    await expect.poll(() => pageA.locator('#s-dry-result').count()).toBe(1);
    expect(await pageA.textContent('#s-dry-result')).toContain('2026-12-01 09:00:00 JST');
    expect(await pageA.locator('section[role=status] ul').first().locator('li').count()).toBeGreaterThan(0);
    await check(pageA, '02-dry-run');
  });

  it('lets A file a sweep order (no approve button for A), and B approve it; the history shows it as a chart and a table', { timeout: 400_000 }, async () => {
    // Act: A files
    await pageA.goto(`${base()}/sweeps`);
    await Promise.all([pageA.waitForURL(`${base()}/sweeps`), pageA.click('form[action="/sweeps/orders"] button[type=submit]')]);
    // Assess: listed for A with a reject form only
    const forms = await pageA.locator('form[action^="/sweeps/orders/SO-"]').evaluateAll((els) => els.map((el) => el.getAttribute('action') ?? ''));
    expect(forms).toHaveLength(1);
    expect(forms[0]).toMatch(/\/reject$/);
    await check(pageA, '03-order-filed');
    // Act: B approves
    await logIn(pageB, APPROVER);
    await pageB.goto(`${base()}/sweeps`);
    await Promise.all([pageB.waitForURL(`${base()}/sweeps`), pageB.click('form[action$="/approve"] button[type=submit]')]);
    // Assess
    expect(await pageB.locator('form[action$="/approve"]').count()).toBe(0);
    expect(await pageB.locator('figure.chart svg[role=img] rect').count()).toBeGreaterThan(0);
    expect(await pageB.locator('#sweep-table tbody tr').count()).toBe(1);
    expect(await pageB.locator('#sweep-table tbody tr td').nth(5).textContent()).toBe('完了');
    await check(pageB, '04-history');
  });

  it('shows the last sweep on the dashboard', async () => {
    // Act
    await pageB.goto(`${base()}/`);
    // Assess
    const sweeps = pageB.locator('section', { has: pageB.locator('#s-sweeps') });
    expect(await sweeps.textContent()).toContain('完了');
    expect(await sweeps.textContent()).toContain('wasure sweep');
    await check(pageB, '05-dashboard');
  });

  it('shows the audit trail and one subject\'s events from a form, the subject id in no URL', async () => {
    // Act
    await Promise.all([pageB.waitForURL(`${base()}/audit`), pageB.click('nav a[href="/audit"]')]);
    await check(pageB, '06-audit');
    await pageB.fill('#log-subject', SUBJECT);
    await Promise.all([pageB.waitForURL(`${base()}/audit/log`), pageB.click('form[action="/audit/log"] button[type=submit]')]);
    // Assess
    expect(pageB.url()).not.toContain(SUBJECT);
    expect(await pageB.textContent('#s-events')).toContain('本人別の監査ログ');
    expect(await pageB.locator('section', { has: pageB.locator('#s-events') }).locator('tbody tr').count()).toBeGreaterThan(0);
    for (const url of await urls(pageB)) expect(url).not.toContain(SUBJECT);
    await check(pageB, '07-audit-subject');
  });

  it('renders both pages in English too', async () => {
    // Act
    await pageB.goto(`${base()}/sweeps?lang=en`);
    // Assess
    expect(await pageB.textContent('h1')).toBe('Retention sweeps');
    await check(pageB, '08-sweeps-en');
    await pageB.goto(`${base()}/audit`);
    expect(await pageB.textContent('h1')).toBe('Audit trail');
    await check(pageB, '09-audit-en');
    await pageB.goto(`${base()}/?lang=ja`);
  });
});
