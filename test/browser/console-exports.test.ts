/**
 * The console's disclosure download and breach assessment in Chromium:
 * an operator files a disclosure of a business's subject (no approval
 * needed), downloads its package through the one-time link, finds the
 * subject's records in the zip, and is refused the link a second time;
 * then assesses a breach through the form and opens the 速報 draft. Every
 * console page is screenshotted and checked with axe-core.
 */
import { readFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILER } from '../cli-run.ts';
import { type ConsoleClient, startConsoleClient } from '../integration/console-client.ts';
import { type ConsoleBrowser, launchConsoleBrowser } from './browser-harness.ts';

const NOW = '2026-11-22T00:00:00Z';
/** A subject of gunma-yorozu (a business: a disclosure needs no approval) and its one record. */
const SUBJECT = 'S-GNM-2002';
const RECORD = 'gnm-0002';

describe('console downloads and breach assessment in Chromium', () => {
  let client: ConsoleClient;
  let chrome: ConsoleBrowser;
  let page: Page;
  let link = '';

  const base = () => `http://127.0.0.1:${client.server.port}`;

  beforeAll(async () => {
    client = await startConsoleClient(NOW);
    chrome = await launchConsoleBrowser(1);
    const [context] = chrome.contexts;
    if (context === undefined) throw new Error('no browser context');
    page = await context.newPage();
    await page.goto(client.server.loginUrl());
    // The page's script moves the token from the fragment into the form.
    await page.waitForFunction("document.getElementById('token').value !== ''");
    await page.fill('#operator', FILER);
    await Promise.all([page.waitForURL(`${base()}/`), page.click('button[type=submit]')]);
  });

  afterAll(async () => {
    await chrome?.close();
    await client?.close();
  });

  it('files a disclosure through the intake form; it is completed and offers the download', { timeout: 120_000 }, async () => {
    // Act
    await page.click('nav >> text=請求の受付');
    await page.selectOption('#type', 'export');
    await page.fill('#subjectId', SUBJECT);
    await page.selectOption('#method', 'passport');
    await page.fill('#evidenceRef', 'desk-7');
    await Promise.all([page.waitForURL(/\/requests\/req-[^/]+$/, { timeout: 90_000 }), page.click('main button[type=submit]')]);
    // Assess
    expect(page.url()).not.toContain(SUBJECT);
    const standing = await page.locator('tr', { has: page.locator('th:text-is("状態")') }).locator('td').textContent();
    expect(standing).toBe('完了');
    expect(await page.locator('form[action$="/export-link"] button').textContent()).toBe('開示データのダウンロード');
    await chrome.check(page, 'exports-01-request');
  });

  it('issues a one-time link and downloads the zip of the subject\'s package through it', async () => {
    // Act
    await page.click('form[action$="/export-link"] button');
    await page.waitForSelector('a.download');
    link = (await page.getAttribute('a.download', 'href')) ?? '';
    await chrome.check(page, 'exports-02-link');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a.download')]);
    // Assess
    expect(link).toMatch(/^\/exports\/req-[A-Za-z0-9-]+\/[A-Za-z0-9_-]{43}$/);
    expect(download.suggestedFilename()).toMatch(/^req-.+\.zip$/);
    const files = unzipSync(new Uint8Array(await readFile(await download.path())));
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['data.json', 'data.csv', 'summary.html', 'manifest.json']));
    const data = new TextDecoder().decode(files['data.json']);
    expect(data).toContain(RECORD);
    expect(data).toContain(SUBJECT);
    expect(new TextDecoder().decode(files['data.csv'])).toContain(RECORD);
  });

  it('refuses the link on its second use with 410 Gone and says why', async () => {
    // Act
    const response = await page.goto(`${base()}${link}`);
    // Assess
    expect(response?.status()).toBe(410);
    expect(await page.textContent('main')).toContain('使用済み');
    await chrome.check(page, 'exports-03-link-used');
  });

  it('assesses a breach from the form: leaked health data with the keys is reportable, with its deadlines and drafts', async () => {
    // Prepare
    await page.goto(`${base()}/`);
    await page.click('nav >> text=漏えい等の評価');
    expect(await page.textContent('h1')).toBe('漏えい等の評価');
    await chrome.check(page, 'breach-01-form');
    // Act
    await page.fill('#records', 'stm-0001\nstm-0002');
    await page.check('#manner-leak');
    await page.check('#keyExposed');
    await page.fill('#occurred', '2026-11-20');
    await Promise.all([page.waitForResponse((r) => r.url() === `${base()}/breach` && r.request().method() === 'POST'), page.click('main form button[type=submit]')]);
    // Assess
    const verdict = page.locator('#s-assessment + p');
    expect(await verdict.textContent()).toContain('個人情報保護委員会への報告が必要です');
    const fired = page.locator('section:has(#s-assessment) tbody tr', { hasText: '該当' }).first();
    expect(await fired.textContent()).toContain('要配慮');
    expect(await page.textContent('.deadlines')).toMatch(/速報: 2026-11-2\d 23:59 JST.*確報: 2026-12-\d\d 23:59 JST/);
    await chrome.check(page, 'breach-02-assessment');
    // Act: the 速報 draft
    await page.click('text=速報の報告書案');
    // Assess
    expect(page.url()).toMatch(/\/breach\/brc-[A-Za-z0-9_-]+\/report\/preliminary$/);
    expect(await page.textContent('body')).toContain('速報');
    await page.screenshot({ path: 'test/browser/screenshots/breach-03-preliminary.png', fullPage: true });
  });
});
