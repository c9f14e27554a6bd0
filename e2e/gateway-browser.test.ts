import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { AuditEntryView, GatewayView } from '@siteport/protocol';
import { screenshotDir } from '../test-support/chromium.js';
import { newPage, openBrowser, signInAsAdmin } from '../test-support/console-fixture.js';
import { LOOPBACK_PORT_FLAGS, startCliServer } from '../test-support/server-flags.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';

test('the console sets the gateway (Administration → Gateway), refuses a bad host with the reason, shows it in Korean, and removes it; each change audited', async (t) => {
  const browser = await openBrowser(t);
  if (browser === undefined) return;
  const data = tempDir(t, 'siteport-gateway-browser-');
  const server = await startCliServer(t, data, [...LOOPBACK_PORT_FLAGS, '--policy-interval', '1']);
  const { api } = server;

  const page = await newPage(browser);
  await signInAsAdmin(page, server.adminUrl, data);
  await page.getByRole('link', { name: 'Gateway' }).click();
  await page.getByTestId('gateway-current').waitFor();
  assert.match((await page.getByTestId('gateway-current').textContent()) ?? '', /^No gateway/);

  const form = page.getByRole('form', { name: 'Gateway setting' });
  await form.getByLabel('Public host name').fill('gw..example');
  await form.getByLabel('Public port').fill('443');
  await form.getByRole('button', { name: 'Save gateway' }).click();
  await waitFor(
    'the refusal is shown',
    async () => /E_VALIDATION/.test((await page.getByTestId('gateway-result').textContent()) ?? ''),
    20_000,
    250,
  );
  assert.equal((await api<GatewayView>('GET', '/sites/PS1/gateway')).gateway, null, 'nothing was written');

  await form.getByLabel('Public host name').fill('gateway.example.com');
  await form.getByRole('button', { name: 'Save gateway' }).click();
  await waitFor(
    'the console shows the gateway',
    async () => (await page.getByTestId('gateway-current').textContent()) === 'https://gateway.example.com:443',
    20_000,
    250,
  );
  assert.deepEqual((await api<GatewayView>('GET', '/sites/PS1/gateway')).gateway, {
    host: 'gateway.example.com',
    port: 443,
  });
  await page.screenshot({ path: path.join(screenshotDir(), 'gateway.png'), fullPage: true });

  await page.getByTestId('language').selectOption('ko');
  await page.getByRole('heading', { name: '네트워크 외부 클라이언트용 게이트웨이' }).waitFor();
  await page.screenshot({ path: path.join(screenshotDir(), 'gateway-ko.png'), fullPage: true });
  await page.getByRole('button', { name: '게이트웨이 제거' }).click();
  await waitFor(
    'the gateway is removed',
    async () => /^게이트웨이 없음/.test((await page.getByTestId('gateway-current').textContent()) ?? ''),
    20_000,
    250,
  );
  const { entries } = await api<{ entries: AuditEntryView[] }>('GET', '/audit?site=PS1');
  const actions = entries.filter((e) => e.action.startsWith('gateway.')).map((e) => `${e.action} ${e.actor}`);
  assert.deepEqual(actions.sort(), ['gateway.clear user:admin', 'gateway.set user:admin']);
});
