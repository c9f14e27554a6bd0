import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { type Browser, type Page, chromium } from 'playwright-core';
import { CHROMIUM, chromiumFlags } from './chromium.js';
import { requireTool } from './require-tool.js';

/**
 * The console set-up the browser tests share: a headless Chromium closed after the test, a page of
 * the test viewport, and signing in through the console's own form.
 */

/** Launches Chromium, closed after the test; undefined (the test is skipped) when it is not installed. */
export async function openBrowser(t: TestContext): Promise<Browser | undefined> {
  if (!requireTool(t, CHROMIUM, 'apt-get install -y chromium')) return undefined;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumFlags(), headless: true });
  t.after(() => browser.close());
  return browser;
}

/** A page in a fresh browser context (no cookies), 1280 wide. */
export async function newPage(browser: Browser, height = 860): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height } });
  return context.newPage();
}

/** The console password `siteport server` wrote for `admin` in its data directory. */
export function adminPassword(dataDir: string): string {
  return readFileSync(path.join(dataDir, 'console-initial-password'), 'utf8').trim();
}

/**
 * Opens the console of the admin API at `adminUrl` and signs in; resolves once the console shows who
 * is signed in. `shot` is the path of a screenshot of the filled-in form, taken before signing in.
 */
export async function signIn(page: Page, adminUrl: string, user: string, password: string, shot?: string) {
  await page.goto(`${adminUrl}/console/`);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  if (shot !== undefined) await page.screenshot({ path: shot });
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
}

/** Signs in as `admin` with the initial password of the server whose data directory is `dataDir`. */
export function signInAsAdmin(page: Page, adminUrl: string, dataDir: string): Promise<void> {
  return signIn(page, adminUrl, 'admin', adminPassword(dataDir));
}
