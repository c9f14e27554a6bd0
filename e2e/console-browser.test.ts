import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { ClientList, PortsView, RolloutView } from '@siteport/protocol';
import { createFleet } from '../test-support/agent-fleet.js';
import { freePort } from '../test-support/ports.js';
import { screenshotDir } from '../test-support/chromium.js';
import { adminPassword, newPage, openBrowser, signIn } from '../test-support/console-fixture.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';
import { LOOPBACK_PORT_FLAGS, startCliServer } from '../test-support/server-flags.js';

// Screenshots go to a temp dir, so a test run changes no committed file; SITEPORT_SCREENSHOTS=docs/screenshots
// refreshes the ones the docs show.
const SCREENSHOTS = screenshotDir();

interface Site {
  adminUrl: string;
  dataDir: string;
  token: string;
  admin: <T>(method: string, p: string, body?: unknown) => Promise<{ status: number; body: T }>;
}

/** A real `siteport server` process on free ports, with a short policy interval. */
async function startSite(t: TestContext, activeWindowSeconds = 10): Promise<Site> {
  const dataDir = tempDir(t, 'siteport-console-');
  const { adminUrl } = await startCliServer(t, dataDir, [
    ...LOOPBACK_PORT_FLAGS,
    '--policy-interval',
    '1',
    '--active-window',
    String(activeWindowSeconds),
    '--public-host',
    '127.0.0.1',
  ]);
  const token = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  const admin = async <T>(method: string, p: string, body?: unknown) => {
    const res = await fetch(`${adminUrl}/api/v1${p}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  return { adminUrl, dataDir, token, admin };
}

/** Sign in → Administration → Sites → primary site → Properties → Ports tab. */
async function openPortsTab(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Site Configuration → Sites' }).click();
  await page.getByRole('table', { name: 'Sites' }).getByRole('row').filter({ hasText: 'PS1' }).click();
  await page.getByRole('button', { name: 'Properties' }).click();
  await page.getByRole('tabpanel', { name: 'Ports' }).waitFor();
}

test('the port-change procedure in Chromium: a port change through Port Details, impact preview and confirmation rolls out to real agents, and Devices shows them on the new port', async (t) => {
  const browser = await openBrowser(t);
  if (browser === undefined) return;
  const site = await startSite(t);
  const ports = (await site.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const caFingerprint = (await site.admin<{ caFingerprint: string }>('GET', '/sites/PS1')).body.caFingerprint;
  const fleet = createFleet(t, { count: 3, ports, caFingerprint, httpOnly: () => true });
  await Promise.all(fleet.map((a) => a.start()));
  await waitFor(
    'three agents checked in',
    async () =>
      (await site.admin<ClientList>('GET', '/sites/PS1/clients')).body.clients.filter((c) => c.lastContact !== null)
        .length === 3,
    60_000,
  );

  const page = await newPage(browser);
  await signIn(page, site.adminUrl, 'admin', adminPassword(site.dataDir), path.join(SCREENSHOTS, 'sign-in.png'));
  await page.getByRole('link', { name: 'Site Configuration → Sites' }).click();
  await page.getByRole('table', { name: 'Sites' }).getByRole('row').filter({ hasText: 'PS1' }).click();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'sites.png') });
  await page.getByRole('button', { name: 'Properties' }).click();
  const tab = page.getByRole('tabpanel', { name: 'Ports' });
  await tab.locator('tr[data-item="http"]').click();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'ports-tab.png') });
  await tab.getByRole('button', { name: 'Properties' }).click();

  const next = await freePort();
  const details = page.getByRole('dialog', { name: 'Port Details' });
  await details.getByLabel('Port number').fill(String(next));
  await details.getByLabel('Description').fill('Intranet clients, moved off the shared web site');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'port-details.png') });
  await details.getByRole('button', { name: 'OK' }).click();
  await assert.doesNotReject(details.waitFor({ state: 'detached' }));
  assert.equal(
    await tab.locator('tr[data-item="http"] td').nth(1).textContent(),
    String(next),
    'the Ports tab shows the pending port',
  );

  await page.getByRole('button', { name: 'OK', exact: true }).click();
  const impact = page.getByRole('dialog', { name: 'Impact of this change' });
  await impact.waitFor();
  assert.equal(await impact.getByTestId('removed').textContent(), `HTTP ${ports.http.default}`);
  assert.equal(await impact.getByTestId('added').textContent(), `HTTP ${next}`);
  const categories = impact.getByRole('table', { name: 'Clients per category' });
  const workgroup = await categories
    .getByRole('row')
    .filter({ hasText: 'Workgroup' })
    .getByRole('cell')
    .allTextContents();
  assert.deepEqual(
    workgroup,
    ['Workgroup', '3', '3', '0', '3', '0'],
    'three active workgroup clients, all learn the new ports by policy during the overlap',
  );
  await page.screenshot({ path: path.join(SCREENSHOTS, 'impact-preview.png'), fullPage: true });
  await impact.getByRole('button', { name: 'Confirm change' }).click();

  const done = page.getByRole('dialog', { name: 'Change applied' });
  await done.waitFor();
  const warnings = (await done.locator('.warnings').textContent()) ?? '';
  assert.match(warnings, /3 client\(s\) last talked on/, 'the S6 warning names the concrete number of clients');
  await done.getByRole('button', { name: 'OK' }).click();
  await page.getByRole('heading', { name: 'Sites' }).waitFor();

  const rollout = (await site.admin<{ rollouts: RolloutView[] }>('GET', '/sites/PS1/rollouts')).body.rollouts[0]!;
  assert.equal(rollout.to.http.default, next);
  assert.equal(rollout.createdBy, 'user:admin');
  await page.getByRole('link', { name: 'Port change rollouts' }).click();
  await page.getByRole('table', { name: 'Rollouts of PS1' }).getByRole('row').nth(1).click();
  await waitFor(
    'the rollout view shows it finalized',
    async () => (await page.getByTestId('rollout-state').textContent()) === 'finalized',
    60_000,
    250,
  );
  assert.equal(await page.getByTestId('moved').textContent(), '3');
  assert.equal(await page.getByTestId('on-old-ports').textContent(), '0');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'rollout.png'), fullPage: true });

  await page.getByRole('link', { name: 'Devices' }).click();
  const cells = page.getByRole('table', { name: 'Devices of PS1' }).getByTestId('port-in-use');
  await waitFor(
    'Devices shows every agent on the new port',
    async () => {
      const texts = await cells.allTextContents();
      return texts.length === 3 && texts.every((x) => x === `HTTP ${next}`);
    },
    30_000,
    250,
  );
  const firstRow = page.getByRole('table', { name: 'Devices of PS1' }).getByRole('row').nth(1);
  await firstRow.getByRole('button', { name: 'Download policy now' }).click();
  await waitFor(
    'the policy action is acknowledged',
    async () =>
      /^policy: acknowledged via (tcp|http-poll)$/.test(
        (await firstRow.getByTestId('action-result').textContent()) ?? '',
      ),
    30_000,
    250,
  );
  await firstRow.getByRole('button', { name: 'Wake up' }).click();
  await waitFor(
    'an online device needs no wake-up',
    async () => (await firstRow.getByTestId('action-result').textContent()) === 'wake: awake',
    30_000,
    250,
  );
  await firstRow.getByRole('button', { name: 'Port switch' }).click();
  await waitFor(
    'the port switch is acknowledged',
    async () => (await firstRow.getByTestId('action-result').textContent()) === 'switch-ports: acknowledged',
    30_000,
    250,
  );
  // The device's host name is the agent's own claim: a push makes it a candidate, approved under Client push.
  const deviceName = ((await firstRow.getByRole('cell').first().textContent()) ?? '').toLowerCase();
  await firstRow.getByRole('button', { name: 'Push install' }).click();
  await waitFor(
    'the push install makes a candidate',
    async () =>
      (await firstRow.getByTestId('action-result').textContent()) ===
      `push: candidate ${deviceName}, approve it under Push`,
    30_000,
    250,
  );
  const pushed = (await site.admin<{ hosts: { host: string; approval: string }[] }>('GET', '/sites/PS1/push/hosts'))
    .body.hosts;
  assert.deepEqual(
    pushed.map((h) => [h.host, h.approval]),
    [[deviceName, 'candidate']],
    `push inventory: ${JSON.stringify(pushed)}`,
  );
  await page.screenshot({ path: path.join(SCREENSHOTS, 'devices.png'), fullPage: true });
  await page.getByRole('link', { name: 'Client push' }).click();
  const pushRow = page.getByRole('table', { name: 'Push hosts' }).getByRole('row').nth(1);
  await waitFor(
    'Client push lists the candidate',
    async () => ((await pushRow.getByRole('cell').nth(2).textContent()) ?? '') === 'candidate',
    30_000,
    250,
  );
  await pushRow.getByRole('button', { name: 'Approve' }).click();
  await waitFor(
    'the approved host is queued',
    async () => /^approved: /.test((await pushRow.getByTestId('push-result').textContent()) ?? ''),
    30_000,
    250,
  );
  assert.equal(
    (await site.admin<{ hosts: { approval: string }[] }>('GET', '/sites/PS1/push/hosts')).body.hosts[0]?.approval,
    'approved',
  );
  for (const agent of fleet)
    assert.equal(agent.status().lastContact?.port, next, `${agent.name} talks on the new port`);

  await page.getByRole('link', { name: 'Audit' }).click();
  await page.getByLabel('Contains').fill('user:admin');
  const rows = page.getByRole('table', { name: 'Audit log' }).getByRole('row');
  await waitFor('the audit shows the console user’s change', async () => (await rows.count()) > 1);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'audit.png'), fullPage: true });
});

test('invalid input in Port Details (0, 65536, letters, a port equal to another item) shows the error and changes nothing', async (t) => {
  const browser = await openBrowser(t);
  if (browser === undefined) return;
  const site = await startSite(t);
  const before = (await site.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const page = await newPage(browser);
  await signIn(page, site.adminUrl, 'admin', adminPassword(site.dataDir));
  await openPortsTab(page);
  const tab = page.getByRole('tabpanel', { name: 'Ports' });
  await tab.locator('tr[data-item="http"]').click();
  await tab.getByRole('button', { name: 'Properties' }).click();
  const details = page.getByRole('dialog', { name: 'Port Details' });
  const cases: [string, RegExp][] = [
    ['0', /http must be a whole number from 1 to 65535, got "0"/],
    ['65536', /http must be a whole number from 1 to 65535, got "65536"/],
    ['eighty', /http must be a whole number from 1 to 65535, got "eighty"/],
    [String(before.https.default), new RegExp(`${before.https.default}`)],
  ];
  for (const [value, message] of cases) {
    await details.getByLabel('Port number').fill(value);
    await details.getByRole('button', { name: 'OK' }).click();
    const alert = details.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', message, value);
    assert.equal(await details.getByLabel('Port number').getAttribute('aria-invalid'), 'true');
    if (value === String(before.https.default))
      await page.screenshot({ path: path.join(SCREENSHOTS, 'port-details-error.png') });
  }
  await details.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(
    await tab.locator('tr[data-item="http"] td').nth(1).textContent(),
    String(before.http.default),
    'the Ports tab is unchanged',
  );
  await page.getByRole('button', { name: 'OK', exact: true }).click();
  await page.getByRole('heading', { name: 'Sites' }).waitFor();
  const after = (await site.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  assert.deepEqual(after, before, 'nothing changed on the site');
  assert.equal((await site.admin<{ rollouts: unknown[] }>('GET', '/sites/PS1/rollouts')).body.rollouts.length, 0);
});

test('a read-only analyst sees no change controls in the browser, and the API refuses the changes the analyst sends anyway', async (t) => {
  const browser = await openBrowser(t);
  if (browser === undefined) return;
  const site = await startSite(t);
  assert.equal(
    (await site.admin('POST', '/console/users', { user: 'ana', role: 'analyst', password: 'correct horse battery' }))
      .status,
    200,
  );
  const page = await newPage(browser);
  await signIn(page, site.adminUrl, 'ana', 'correct horse battery');
  assert.match((await page.getByTestId('who').textContent()) ?? '', /ana \(read-only analyst\)/);
  await openPortsTab(page);
  const tab = page.getByRole('tabpanel', { name: 'Ports' });
  await tab.locator('tr[data-item="http"]').click();
  assert.equal(await tab.getByRole('button', { name: 'Properties' }).count(), 0, 'no Properties button');
  assert.equal(await page.getByRole('button', { name: 'Apply' }).count(), 0, 'no Apply');
  assert.equal(await page.getByRole('button', { name: 'OK', exact: true }).count(), 0, 'no OK');
  assert.equal(await tab.getByRole('checkbox', { name: /Use custom web site/ }).isDisabled(), true);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'analyst-ports.png') });

  const answer = await page.evaluate(async () => {
    const session = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string };
    const res = await fetch('/api/v1/sites/PS1/ports', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-siteport-csrf': session.csrfToken },
      body: JSON.stringify({ http: { default: 18123 } }),
    });
    return { status: res.status, body: (await res.json()) as { error: { code: string } } };
  });
  assert.equal(answer.status, 403);
  assert.equal(answer.body.error.code, 'E_FORBIDDEN');
  assert.equal((await site.admin<PortsView>('GET', '/sites/PS1/ports')).body.version, 1);
});

test('in the browser, a change without the CSRF token and a change posted from a page of a foreign origin are refused', async (t) => {
  const browser = await openBrowser(t);
  if (browser === undefined) return;
  const site = await startSite(t);
  const page = await newPage(browser);
  await signIn(page, site.adminUrl, 'admin', adminPassword(site.dataDir));

  const noCsrf = await page.evaluate(async () => {
    const res = await fetch('/api/v1/sites/PS1/ports', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ descriptions: { http: 'no token' } }),
    });
    return { status: res.status, body: (await res.json()) as { error: { code: string } } };
  });
  assert.equal(noCsrf.status, 403);
  assert.equal(noCsrf.body.error.code, 'E_CSRF');

  // Another origin (another port on the same host is same-site, so SameSite alone would not stop it).
  const evil = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>evil</title>');
  });
  await new Promise<void>((r) => evil.listen({ host: '127.0.0.1', port: 0 }, r));
  t.after(() => new Promise<void>((r) => evil.close(() => r())));
  const evilUrl = `http://127.0.0.1:${(evil.address() as net.AddressInfo).port}/`;
  await page.goto(evilUrl);
  await page.evaluate(async (target) => {
    await fetch(`${target}/api/v1/console/users`, {
      method: 'POST',
      mode: 'no-cors',
      credentials: 'include',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ user: 'mallory', role: 'administrator', password: 'a long enough password' }),
    });
  }, site.adminUrl);
  const users = (await site.admin<{ users: { user: string }[] }>('GET', '/console/users')).body.users.map(
    (u) => u.user,
  );
  assert.deepEqual(users, ['admin'], 'the cross-origin request created nothing');
  const audit = (await site.admin<{ entries: { action: string; actor: string }[] }>('GET', '/audit')).body.entries;
  assert.ok(!audit.some((e) => JSON.stringify(e).includes('mallory')));
  assert.equal((await site.admin<PortsView>('GET', '/sites/PS1/ports')).body.version, 1);
});

test('the rollout view shows progress, refuses a plain finalize while an active client is on the old ports, rolls back, and force-finalizes with the stranded client shown unmanaged in Devices', async (t) => {
  const browser = await openBrowser(t);
  if (browser === undefined) return;
  // A long active window: the stopped agent stays "active on the old ports" for the whole test.
  const site = await startSite(t, 300);
  const ports = (await site.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const caFingerprint = (await site.admin<{ caFingerprint: string }>('GET', '/sites/PS1')).body.caFingerprint;
  const [online, offline] = createFleet(t, { count: 2, ports, caFingerprint, httpOnly: () => true });
  await Promise.all([online!.start(), offline!.start()]);
  await waitFor(
    'both agents checked in',
    async () =>
      (await site.admin<ClientList>('GET', '/sites/PS1/clients')).body.clients.filter((c) => c.lastContact !== null)
        .length === 2,
    60_000,
  );
  await offline!.stop();

  const page = await newPage(browser);
  page.on('dialog', (dialog) => void dialog.accept());
  await signIn(page, site.adminUrl, 'admin', adminPassword(site.dataDir));
  const change = async (): Promise<string> => {
    const res = await site.admin<{ rolloutId: string }>('PATCH', '/sites/PS1/ports', {
      http: { default: await freePort() },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.rolloutId;
  };
  const state = page.getByTestId('rollout-state');
  const progressIs = (moved: string, old: string) => async () =>
    (await page.getByTestId('moved').textContent()) === moved &&
    (await page.getByTestId('on-old-ports').textContent()) === old;

  const first = await change();
  await page.goto(`${site.adminUrl}/console/#/rollouts/${first}`);
  await waitFor('one client moved, one still on the old ports', progressIs('1', '1'), 30_000, 250);
  assert.equal(await state.textContent(), 'overlapping');
  await page.getByRole('button', { name: 'Finalize', exact: true }).click();
  assert.match((await page.getByRole('alert').textContent()) ?? '', /E_CLIENTS_REMAIN/);
  await page.getByRole('button', { name: 'Roll back' }).click();
  await waitFor('the rollout is rolling back', async () => (await state.textContent()) === 'rolling-back', 30_000, 250);
  await waitFor(
    'the moved client came back',
    async () => (await site.admin<RolloutView>('GET', `/rollouts/${first}`)).body.progress.moved === 1,
    30_000,
    250,
  );
  // The stopped agent never confirms the rollback version, so the API counts it as remaining: a plain finish is refused, a forced one ends the rollback.
  await page.getByRole('button', { name: 'Finish rollback', exact: true }).click();
  await waitFor(
    'the plain finish is refused',
    async () => /E_CLIENTS_REMAIN/.test((await page.getByRole('alert').textContent()) ?? ''),
    10_000,
    250,
  );
  await page.getByRole('button', { name: 'Force finish rollback' }).click();
  await waitFor('the rollout rolled back', async () => (await state.textContent()) === 'rolled-back', 30_000, 250);
  assert.equal(
    (await site.admin<PortsView>('GET', '/sites/PS1/ports')).body.http.default,
    ports.http.default,
    'the old HTTP port is current again',
  );

  const second = await change();
  await page.goto(`${site.adminUrl}/console/#/rollouts/${second}`);
  await waitFor('one client moved, one still on the old ports', progressIs('1', '1'), 30_000, 250);
  await page.getByRole('button', { name: 'Force finalize' }).click();
  await waitFor('the rollout finalized by force', async () => (await state.textContent()) === 'finalized', 30_000, 250);
  assert.match((await state.locator('..').textContent()) ?? '', /1 stranded/);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'rollout-forced.png'), fullPage: true });

  await page.getByRole('link', { name: 'Devices' }).click();
  const row = page.locator(`tr[data-client="${offline!.status().clientId}"]`);
  await waitFor(
    'Devices shows the stranded agent as unmanaged with a reason',
    async () => /^unmanaged: ./.test((await row.getByRole('cell').nth(6).textContent()) ?? ''),
    30_000,
    250,
  );
});
