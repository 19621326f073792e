/**
 * What the console's browser tests share: Debian's Chromium, headless,
 * with one context (cookie jar, session) per operator, and the check of a
 * page — a full-page screenshot (test/browser/screenshots/, ignored by
 * git), then axe-core over it: no serious or critical violation.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Debian's Chromium (`apt-get install chromium`); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly unknown[] }[];
}

/** A browser with one context per operator, and the page check. */
export interface ConsoleBrowser {
  readonly browser: Browser;
  readonly contexts: readonly BrowserContext[];
  /** Screenshots `page` as `name`.png, then fails on any serious or critical axe violation. */
  check(page: Page, name: string): Promise<void>;
  /** Axe findings below serious, per page, for the record. */
  readonly minor: readonly string[];
  close(): Promise<void>;
}

/** Launches Chromium with `operators` contexts (ja-JP, 1280×800, actions wait `timeoutMs`: a hang guard — a form post may run a state machine in-process on a busy machine). */
export async function launchConsoleBrowser(operators: number, timeoutMs = 120_000): Promise<ConsoleBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: the browser tests need it — install it (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`);
  }
  await mkdir(SHOTS, { recursive: true });
  const axeSource = await readFile(AXE_SOURCE, 'utf8');
  // playwright-core passes --no-sandbox itself (chromiumSandbox defaults to
  // false), which Chromium needs when the tests run as root (CI containers).
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: 60_000 });
  const contexts: BrowserContext[] = [];
  for (let i = 0; i < operators; i += 1) {
    const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(timeoutMs);
    contexts.push(context);
  }
  const minor: string[] = [];
  const check = async (page: Page, name: string) => {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    // page.evaluate runs through the DevTools protocol, which the page's CSP
    // (script-src 'self', nothing inline) does not govern — so axe is
    // injected without weakening the CSP under test (addScriptTag would add
    // an inline script, which the CSP rightly refuses).
    await page.evaluate(axeSource);
    const violations = (await page.evaluate('axe.run(document).then((r) => r.violations)')) as AxeViolation[];
    const summary = (v: AxeViolation) => `${name}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`;
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    minor.push(...violations.filter((v) => !bad.includes(v)).map(summary));
    expect(bad.map(summary), `axe on ${name}`).toEqual([]);
  };
  return {
    browser,
    contexts,
    check,
    minor,
    close: async () => {
      if (minor.length > 0) console.log(`axe findings below serious:\n${minor.join('\n')}`);
      for (const context of contexts) await context.close();
      await browser.close();
    },
  };
}
