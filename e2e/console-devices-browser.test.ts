import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { newPage, openBrowser, signInAsAdmin } from '../test-support/console-fixture.js';
import { type TestServer, startTestServer } from '../test-support/test-server.js';
import { waitFor } from '../test-support/wait-for.js';
import { screenshotDir } from '../test-support/chromium.js';

const SCREENSHOTS = screenshotDir();

interface Seeded {
  id: string;
  status: 'active' | 'blocked';
  port: 80 | 8530;
}

/** 120 clients straight into the site database: every fourth blocked, every third last seen on 8530. */
async function seed(s: TestServer): Promise<Seeded[]> {
  const now = Date.now();
  const rows: Seeded[] = Array.from({ length: 120 }, (_, i) => ({
    id: `20000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    status: i % 4 === 0 ? 'blocked' : 'active',
    port: i % 3 === 0 ? 8530 : 80,
  }));
  await s.server.db
    .insertInto('clients')
    .values(
      rows.map((r, i) => ({
        id: r.id,
        site_code: 'PS1',
        hostname: `desk-${String(i).padStart(3, '0')}`,
        public_key: 'k',
        key_fingerprint: r.id,
        category: 'workgroup',
        agent_version: '0.1.0',
        registered_at: new Date(now - 86_400_000).toISOString(),
        last_contact_at: new Date(now - 60_000).toISOString(),
        last_port: r.port,
        last_protocol: 'http' as const,
        last_address: '127.0.0.1',
        settings_version: 1,
        agent_state: 'idle',
        state_dir: null,
        status: r.status,
        status_changed_at: null,
      })),
    )
    .execute();
  return rows;
}

test('the Devices view in Chromium pages through a site 50 devices at a time, shows the total from the counts, filters on the server, and never asks for every client', async (t) => {
  const browser = await openBrowser(t);
  if (browser === undefined) return;
  const s = await startTestServer(t);
  const rows = await seed(s);
  const ids = rows.map((r) => r.id).sort();
  const page = await newPage(browser);
  const clientRequests: URL[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (/\/api\/v1\/sites\/[^/]+\/clients$/.test(url.pathname)) clientRequests.push(url);
  });
  await signInAsAdmin(page, s.adminUrl, s.dataDir);
  await page.getByRole('link', { name: 'Devices' }).click();

  const table = page.getByRole('table', { name: 'Devices of PS1' });
  const shownIds = (): Promise<string[]> =>
    table
      .locator('tbody tr')
      .evaluateAll((trs: { getAttribute: (name: string) => string | null }[]) =>
        trs.map((tr) => tr.getAttribute('data-client') ?? ''),
      );
  const summary = page.getByTestId('devices-summary');
  const pageNumber = page.getByTestId('page-number');
  const showing = async (what: string, number: string, expected: string[]): Promise<void> => {
    await waitFor(
      what,
      async () =>
        (await pageNumber.textContent()) === number && JSON.stringify(await shownIds()) === JSON.stringify(expected),
      20_000,
      100,
    );
  };
  await showing('the first page', 'Page 1', ids.slice(0, 50));
  await waitFor(
    'the total from the counts',
    async () => /Site PS1: 50 of 120 client\(s\) shown/.test((await summary.textContent()) ?? ''),
    20_000,
    100,
  );
  assert.match((await summary.textContent()) ?? '', /Reachable now: 0 over TCP, 0 over the long-poll, 120 not\./);
  const previous = page.getByRole('button', { name: 'Previous page' });
  const next = page.getByRole('button', { name: 'Next page' });
  assert.equal(await previous.isDisabled(), true);
  await next.click();
  await showing('the second page', 'Page 2', ids.slice(50, 100));
  await next.click();
  await showing('the last page', 'Page 3', ids.slice(100));
  assert.equal(await next.isDisabled(), true);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'devices-paging.png'), fullPage: true });
  await previous.click();
  await showing('back on the second page', 'Page 2', ids.slice(50, 100));

  // A filter goes to the server and starts at the first page again.
  await page.getByLabel('Registration').selectOption('blocked');
  const blocked = rows
    .filter((r) => r.status === 'blocked')
    .map((r) => r.id)
    .sort();
  await showing('the blocked devices', 'Page 1', blocked);
  assert.ok((await table.getByTestId('registration').allTextContents()).every((text) => text === 'blocked'));
  await page.getByLabel('Last port').fill('8530');
  const blockedOn8530 = rows
    .filter((r) => r.status === 'blocked' && r.port === 8530)
    .map((r) => r.id)
    .sort();
  await showing('the blocked devices last seen on 8530', 'Page 1', blockedOn8530);
  assert.ok((await table.getByTestId('port-in-use').allTextContents()).every((text) => text === 'HTTP 8530'));
  await page.getByLabel('Channel').selectOption('tcp');
  await showing('no blocked device on 8530 holds a TCP channel', 'Page 1', []);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'devices-filtered.png'), fullPage: true });

  // Every request for clients asked for one page; the filters went along.
  assert.ok(clientRequests.length >= 6, `${clientRequests.length} requests`);
  assert.ok(
    clientRequests.every((url) => url.searchParams.get('limit') === '50'),
    clientRequests.map(String).join('\n'),
  );
  assert.ok(
    clientRequests.some(
      (url) =>
        url.searchParams.get('status') === 'blocked' &&
        url.searchParams.get('port') === '8530' &&
        url.searchParams.get('channel') === 'tcp',
    ),
  );
});
