import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { screenshotDir } from '../test-support/chromium.js';
import { newPage, openBrowser, signInAsAdmin } from '../test-support/console-fixture.js';
import { startCliServer } from '../test-support/server-flags.js';
import { tempDir } from '../test-support/temp-dir.js';

// SITEPORT_SCREENSHOTS=docs/screenshots refreshes the screenshot docs/ipv6.md shows.
const SCREENSHOTS = screenshotDir();

test('the Sites view shows that the management point listens on IPv6 and IPv4 (dual stack) with its address', async (t) => {
  const browser = await openBrowser(t);
  if (browser === undefined) return;
  const dataDir = tempDir(t, 'siteport-console-ipv6-');
  const { adminUrl } = await startCliServer(t, dataDir, [
    '--admin-port',
    '0',
    '--http-port',
    '0',
    '--https-port',
    '0',
    '--notification-port',
    '0',
    '--bind',
    '::',
  ]);

  const page = await newPage(browser, 600);
  await signInAsAdmin(page, adminUrl, dataDir);
  await page.getByRole('link', { name: 'Site Configuration → Sites' }).click();
  const row = page.getByRole('table', { name: 'Sites' }).getByRole('row').filter({ hasText: 'PS1' });
  await row.filter({ hasText: '(IPv6 + IPv4)' }).waitFor();
  const text = (await row.textContent()) ?? '';
  assert.match(text, /HTTPS \[::\]:\d+ \(IPv6 \+ IPv4\) listening/);
  assert.match(text, /HTTP \[::\]:\d+ \(IPv6 \+ IPv4\) listening/);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'ipv6-listeners.png') });
});

test('the Sites view lists each listener once per address of an MP bound to 127.0.0.1 and ::1', async (t) => {
  const browser = await openBrowser(t);
  if (browser === undefined) return;
  const dataDir = tempDir(t, 'siteport-console-multi-bind-');
  const { adminUrl } = await startCliServer(t, dataDir, [
    '--admin-port',
    '0',
    '--http-port',
    '0',
    '--https-port',
    '0',
    '--notification-port',
    '0',
    '--bind',
    '127.0.0.1,::1',
  ]);

  const page = await newPage(browser, 600);
  await signInAsAdmin(page, adminUrl, dataDir);
  await page.getByRole('link', { name: 'Site Configuration → Sites' }).click();
  const row = page.getByRole('table', { name: 'Sites' }).getByRole('row').filter({ hasText: 'PS1' });
  await row.filter({ hasText: '[::1]' }).waitFor();
  const text = (await row.textContent()) ?? '';
  const https = /HTTPS 127\.0\.0\.1:(\d+) \(IPv4\) listening/.exec(text);
  assert.ok(https, text);
  assert.match(text, new RegExp(`HTTPS \\[::1\\]:${https[1]} \\(IPv6\\) listening`));
  assert.doesNotMatch(text, /\[::\]/, 'no wildcard listener');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'ipv6-multi-bind-listeners.png') });
});
