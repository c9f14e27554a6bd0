import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { AuditEntryView, RolloutView } from '@siteport/protocol';
import { screenshotDir } from '../test-support/chromium.js';
import { newPage, openBrowser, signInAsAdmin } from '../test-support/console-fixture.js';
import { freePort } from '../test-support/ports.js';
import { LOOPBACK_PORT_FLAGS, startCliServer } from '../test-support/server-flags.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';

test('the console shows a scheduled rollout with its start in UTC and in its zone, and an administrator cancels it there', async (t) => {
  const browser = await openBrowser(t);
  if (browser === undefined) return;
  const data = tempDir(t, 'siteport-scheduled-browser-');
  const server = await startCliServer(t, data, [...LOOPBACK_PORT_FLAGS, '--policy-interval', '1']);
  const { api } = server;
  // Two hours ahead, given with an offset and shown in Asia/Seoul (UTC+09:00 all year).
  const startsAt = new Date(Math.ceil((Date.now() + 2 * 3_600_000) / 60_000) * 60_000);
  const scheduled = await api<RolloutView>('POST', '/sites/PS1/rollouts', {
    change: { http: { default: await freePort() }, https: { default: await freePort() } },
    start: { at: startsAt.toISOString(), timeZone: 'Asia/Seoul' },
  });

  const page = await newPage(browser);
  await signInAsAdmin(page, server.adminUrl, data);
  await page.getByRole('link', { name: 'Port change rollouts' }).click();
  await page.getByRole('table', { name: 'Rollouts of PS1' }).getByRole('row').nth(1).click();
  await page.getByTestId('rollout-schedule').waitFor();
  assert.equal(await page.getByTestId('rollout-state').textContent(), 'scheduled');
  const seoul = new Date(startsAt.getTime() + 9 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
  const line = (await page.getByTestId('rollout-schedule').textContent()) ?? '';
  assert.ok(
    line.startsWith(
      `Starts at ${startsAt.toISOString().slice(0, 19).replace('T', ' ')} UTC = ${seoul} +09:00 (Asia/Seoul)`,
    ),
    line,
  );
  assert.match(line, /\(in [\d,]+ s\)$/);
  await page.screenshot({ path: path.join(screenshotDir(), 'scheduled-rollout.png'), fullPage: true });

  await page.getByRole('button', { name: 'Cancel scheduled rollout' }).click();
  await waitFor(
    'the console shows it cancelled',
    async () => (await page.getByTestId('rollout-state').textContent()) === 'cancelled',
    20_000,
    250,
  );
  assert.equal((await api<RolloutView>('GET', `/rollouts/${scheduled.id}`)).state, 'cancelled');
  const { entries } = await api<{ entries: AuditEntryView[] }>('GET', '/audit?site=PS1');
  assert.ok(entries.some((e) => e.action === 'ports.rollout.cancelled' && e.actor === 'user:admin'));
});
