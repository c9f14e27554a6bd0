import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { requireTool } from '../test-support/require-tool.js';
import { startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';

// SITEPORT_SCREENSHOTS=docs/screenshots refreshes the screenshot docs/ipv6.md shows.
const SCREENSHOTS =
  process.env.SITEPORT_SCREENSHOTS === undefined
    ? mkdtempSync(path.join(os.tmpdir(), 'siteport-screenshots-'))
    : path.resolve(process.env.SITEPORT_SCREENSHOTS);
const CHROMIUM = '/usr/bin/chromium';

test('the Sites view shows that the management point listens on IPv6 and IPv4 (dual stack) with its address', async (t) => {
  if (!requireTool(t, CHROMIUM, 'apt-get install -y chromium')) return;
  const dataDir = tempDir(t, 'siteport-console-ipv6-');
  const run = startCli(
    [
      'server',
      '--data',
      dataDir,
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
      '--log-level',
      'warn',
    ],
    /web console: /,
  );
  t.after(async () => {
    if (run.child.exitCode !== null) return;
    const exited = new Promise((r) => run.child.once('exit', r));
    run.child.kill('SIGTERM');
    await exited;
  });
  const adminUrl = /admin API: (\S+)\/api\/v1/.exec(await run.started)![1]!;
  const password = readFileSync(path.join(dataDir, 'console-initial-password'), 'utf8').trim();

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--headless',
    ],
  });
  t.after(() => browser.close());
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 600 } })).newPage();
  await page.goto(`${adminUrl}/console/`);
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
  await page.getByRole('link', { name: 'Site Configuration → Sites' }).click();
  const row = page.getByRole('table', { name: 'Sites' }).getByRole('row').filter({ hasText: 'PS1' });
  await row.filter({ hasText: '(IPv6 + IPv4)' }).waitFor();
  const text = (await row.textContent()) ?? '';
  assert.match(text, /HTTPS \[::\]:\d+ \(IPv6 \+ IPv4\) listening/);
  assert.match(text, /HTTP \[::\]:\d+ \(IPv6 \+ IPv4\) listening/);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'ipv6-listeners.png') });
});
