// Monitoring → Reachability in Chromium: the subnet × port matrix of a site whose clients reported
// through the real MP, in English and Korean, with the screenshots of docs/reachability.md.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { PortsView } from '@siteport/protocol';
import { screenshotDir } from '../test-support/chromium.js';
import { newPage, openBrowser, signInAsAdmin } from '../test-support/console-fixture.js';
import { TestMpClient, call } from '../test-support/mp-client.js';
import { startTestServer } from '../test-support/test-server.js';

/** Registers a client from `localAddress` and sends one reachability report from there. */
async function reportFrom(http: string, localAddress: string, name: string, results: unknown[]): Promise<void> {
  const client = new TestMpClient();
  const reg = Buffer.from(
    JSON.stringify({
      siteCode: 'PS1',
      hostname: name,
      publicKey: client.publicKeyPem,
      category: 'workgroup',
      agentVersion: '1.0.0',
    }),
  );
  const registered = await call(`${http}/mp/v1/register`, {
    method: 'POST',
    body: reg,
    localAddress,
    headers: client.signedHeaders('POST', '/mp/v1/register', reg),
  });
  assert.equal(registered.status, 200, JSON.stringify(registered.body));
  client.clientId = registered.body.clientId as string;
  const body = Buffer.from(JSON.stringify({ results }));
  const res = await call(`${http}/mp/v1/reachability`, {
    method: 'POST',
    body,
    localAddress,
    headers: client.signedHeaders('POST', '/mp/v1/reachability', body),
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

test('the reachability view shows each subnet × port as reachable, blocked, mixed or not tested with counts, in English and Korean', async (t) => {
  const browser = await openBrowser(t);
  if (browser === undefined) return;
  const s = await startTestServer(t);
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const http = `http://127.0.0.1:${ports.http.default}`;
  const at = new Date().toISOString();
  const result = (port: number, transport: string, outcome: string) => ({ port, transport, outcome, testedAt: at });
  const notify = ports.notification;
  await reportFrom(http, '127.0.0.1', 'office-1', [
    result(ports.http.default, 'tcp', 'reachable'),
    result(notify, 'tls', 'reachable'),
  ]);
  await reportFrom(http, '127.0.0.1', 'office-2', [
    result(ports.http.default, 'tcp', 'reachable'),
    result(notify, 'tls', 'timeout'),
  ]);
  await reportFrom(http, '127.0.1.5', 'branch-1', [
    result(ports.http.default, 'tcp', 'reachable'),
    result(notify, 'tls', 'refused'),
  ]);

  const page = await newPage(browser, 720);
  await signInAsAdmin(page, s.adminUrl, s.dataDir);

  await page.getByRole('link', { name: 'Reachability' }).click();
  const table = page.getByRole('table', { name: 'Reachability of site PS1 by subnet and port' });
  await table.waitFor();
  const office = table.getByTestId('subnet-127.0.0.0/24');
  const branch = table.getByTestId('subnet-127.0.1.0/24');
  assert.match(
    (await office.getByTestId(`cell-${ports.http.default}`).textContent()) ?? '',
    /^reachable2 reachable · 0 blocked/,
  );
  assert.match((await office.getByTestId(`cell-${notify}`).textContent()) ?? '', /^mixed1 reachable · 1 blocked/);
  assert.match((await branch.getByTestId(`cell-${notify}`).textContent()) ?? '', /^blocked0 reachable · 1 blocked/);
  assert.equal(await branch.getByTestId(`cell-${ports.https.default}`).textContent(), 'not tested');
  // Columns go by port number, and the test's ports are free ports in any order: find the HTTP port's column.
  const httpColumn = table.getByRole('columnheader').filter({ hasText: String(ports.http.default) });
  assert.match((await httpColumn.textContent()) ?? '', /HTTP/);
  await page.screenshot({ path: path.join(screenshotDir(), 'reachability.png'), fullPage: true });

  await page.getByTestId('language').selectOption('ko');
  const korean = page.getByRole('table', { name: '사이트 PS1의 서브넷별·포트별 도달 가능성' });
  await korean.waitFor();
  const branchKo = korean.getByTestId('subnet-127.0.1.0/24');
  assert.match((await branchKo.getByTestId(`cell-${notify}`).textContent()) ?? '', /^차단됨도달 가능 0 · 차단 1/);
  assert.equal(await branchKo.getByTestId(`cell-${ports.https.default}`).textContent(), '테스트 안 됨');
  await page.screenshot({ path: path.join(screenshotDir(), 'reachability-ko.png'), fullPage: true });
});
