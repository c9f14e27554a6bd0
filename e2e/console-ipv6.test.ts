import assert from 'node:assert/strict';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { screenshotDir } from '../test-support/chromium.js';
import { newPage, openBrowser, signInAsAdmin } from '../test-support/console-fixture.js';
import { FREE_PORT_FLAGS, startCliServer } from '../test-support/server-flags.js';
import { tempDir } from '../test-support/temp-dir.js';

// SITEPORT_SCREENSHOTS=docs/screenshots refreshes the screenshot docs/ipv6.md shows.
const SCREENSHOTS = screenshotDir();

/**
 * A server on `--bind <bind>`, signed in to its console: opens Site Configuration → Sites, waits until
 * the PS1 row shows `shown`, saves the screenshot `screenshot` and resolves with the row's text
 * (undefined when no browser is available).
 */
async function sitesRow(t: TestContext, bind: string, shown: string, screenshot: string): Promise<string | undefined> {
  const browser = await openBrowser(t);
  if (browser === undefined) return undefined;
  const dataDir = tempDir(t, 'siteport-console-ipv6-');
  const { adminUrl } = await startCliServer(t, dataDir, [...FREE_PORT_FLAGS, '--bind', bind]);

  const page = await newPage(browser, 600);
  await signInAsAdmin(page, adminUrl, dataDir);
  await page.getByRole('link', { name: 'Site Configuration → Sites' }).click();
  const row = page.getByRole('table', { name: 'Sites' }).getByRole('row').filter({ hasText: 'PS1' });
  await row.filter({ hasText: shown }).waitFor();
  const text = (await row.textContent()) ?? '';
  await page.screenshot({ path: path.join(SCREENSHOTS, screenshot) });
  return text;
}

test('the Sites view shows that the management point listens on IPv6 and IPv4 (dual stack) with its address', async (t) => {
  const text = await sitesRow(t, '::', '(IPv6 + IPv4)', 'ipv6-listeners.png');
  if (text === undefined) return;
  assert.match(text, /HTTPS \[::\]:\d+ \(IPv6 \+ IPv4\) listening/);
  assert.match(text, /HTTP \[::\]:\d+ \(IPv6 \+ IPv4\) listening/);
});

test('the Sites view lists each listener once per address of an MP bound to 127.0.0.1 and ::1', async (t) => {
  const text = await sitesRow(t, '127.0.0.1,::1', '[::1]', 'ipv6-multi-bind-listeners.png');
  if (text === undefined) return;
  const https = /HTTPS 127\.0\.0\.1:(\d+) \(IPv4\) listening/.exec(text);
  assert.ok(https, text);
  assert.match(text, new RegExp(`HTTPS \\[::1\\]:${https[1]} \\(IPv6\\) listening`));
  assert.doesNotMatch(text, /\[::\]/, 'no wildcard listener');
});
