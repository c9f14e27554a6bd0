import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { PortsView, RolloutView } from '@siteport/protocol';
import { createFleet } from '../test-support/agent-fleet.js';
import { screenshotDir } from '../test-support/chromium.js';
import { newPage, openBrowser, signInAsAdmin } from '../test-support/console-fixture.js';
import { freePort } from '../test-support/ports.js';
import { LOOPBACK_PORT_FLAGS, startCliServer } from '../test-support/server-flags.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';

/** `HH:MM` of `instant` on the wall clock of Asia/Seoul (UTC+09:00 all year). */
const seoulClock = (instant: number): string => new Date(instant + 9 * 3_600_000).toISOString().slice(11, 16);

test('the console lists the clients a window-respecting rollout keeps on the old ports, with their window in UTC and in its zone, and the collections with their next opening', async (t) => {
  const browser = await openBrowser(t);
  if (browser === undefined) return;
  const data = tempDir(t, 'siteport-windows-browser-');
  const server = await startCliServer(t, data, [...LOOPBACK_PORT_FLAGS, '--policy-interval', '1']);
  const { api } = server;
  const ports = await api<PortsView>('GET', '/sites/PS1/ports');
  const fleet = createFleet(t, { count: 2, ports, caFingerprint: server.ca });
  await Promise.all(fleet.map((a) => a.start()));
  await waitFor('the fleet checked in', () => fleet.every((a) => a.status().lastContact !== null), 30_000);

  await api('POST', '/sites/PS1/collections', { name: 'night-shift', hostGlob: 'agent-002' });
  const opensAt = Date.now() + 4 * 3_600_000;
  await api('POST', '/sites/PS1/collections/night-shift/windows', {
    days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
    start: seoulClock(opensAt),
    durationMinutes: 60,
    timeZone: 'Asia/Seoul',
  });
  const rollout = await api<RolloutView>('POST', '/sites/PS1/rollouts', {
    change: { http: { default: await freePort() }, https: { default: await freePort() } },
    respectWindows: true,
  });
  await api('POST', `/rollouts/${rollout.id}/commit`, {});

  const page = await newPage(browser);
  await signInAsAdmin(page, server.adminUrl, data);
  await page.getByRole('link', { name: 'Port change rollouts' }).click();
  await page.getByRole('table', { name: 'Rollouts of PS1' }).getByRole('row').nth(1).click();
  await page.getByTestId('rollout-waiting-count').waitFor();
  await waitFor('agent-001 moved', async () => (await page.getByTestId('moved').textContent()) === '1', 30_000, 250);
  assert.match(
    (await page.getByTestId('rollout-waiting-count').textContent()) ?? '',
    /^Respects maintenance windows: 1 client\(s\) wait/,
  );
  const row = page.getByRole('table', { name: 'Clients waiting for a maintenance window' }).getByRole('row').nth(1);
  const text = (await row.textContent()) ?? '';
  assert.match(text, /^agent-002night-shift\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC = .* \+09:00 \(Asia\/Seoul\)$/);
  await page.screenshot({ path: path.join(screenshotDir(), 'maintenance-windows.png'), fullPage: true });

  // Administration → Maintenance windows: the collection, who it matches and when its window opens.
  await page.getByRole('link', { name: 'Maintenance windows' }).click();
  const collection = page.getByRole('table', { name: 'Collections of PS1' }).getByRole('row').nth(1);
  await collection.waitFor();
  const cells = await collection.getByRole('cell').allTextContents();
  assert.deepEqual(cells.slice(0, 3), ['night-shift', 'host names agent-002', '1']);
  assert.match(
    cells[3] ?? '',
    /^sun, mon, tue, wed, thu, fri, sat \d{2}:\d{2} for 60 min \(Asia\/Seoul\) — opens .* UTC = .* \+09:00$/,
  );
  await page.screenshot({ path: path.join(screenshotDir(), 'maintenance-windows-collections.png'), fullPage: true });
});
