import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { type Browser, type Page, chromium } from 'playwright-core';
import type { ConsoleUserView } from '@siteport/protocol';
import { requireTool } from '../test-support/require-tool.js';
import { startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';
import { LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';
import { CHROMIUM, chromiumFlags } from '../test-support/chromium.js';

const FLAGS = chromiumFlags();

async function startSite(
  t: TestContext,
): Promise<{ adminUrl: string; dataDir: string; users: () => Promise<ConsoleUserView[]> }> {
  const dataDir = tempDir(t, 'siteport-users-browser-');
  const flags = [...LOOPBACK_PORT_FLAGS, '--log-level', 'warn'];
  const run = startCli(['server', '--data', dataDir, ...flags], /web console: /);
  t.after(async () => {
    if (run.child.exitCode !== null) return;
    const exited = new Promise((r) => run.child.once('exit', r));
    run.child.kill('SIGTERM');
    await exited;
  });
  const adminUrl = /admin API: (\S+)\/api\/v1/.exec(await run.started)![1]!;
  const token = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  const users = async (): Promise<ConsoleUserView[]> =>
    (
      (await (
        await fetch(`${adminUrl}/api/v1/console/users`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { users: ConsoleUserView[] }
    ).users;
  return { adminUrl, dataDir, users };
}

async function signIn(browser: Browser, adminUrl: string, user: string, password: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  await page.goto(`${adminUrl}/console/`);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
  return page;
}

const row = (page: Page, user: string) =>
  page
    .getByRole('table', { name: 'Users' })
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: user, exact: true }) });

test('an administrator manages users in the Users view, a user changes its own password, and a disabled user is signed out at once', async (t) => {
  if (!requireTool(t, CHROMIUM, 'apt-get install -y chromium')) return;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  t.after(() => browser.close());
  const shots = tempDir(t, 'siteport-users-shots-');
  const site = await startSite(t);
  const admin = await signIn(
    browser,
    site.adminUrl,
    'admin',
    readFileSync(path.join(site.dataDir, 'console-initial-password'), 'utf8').trim(),
  );

  await admin.getByRole('link', { name: 'Security → Users' }).click();
  const add = admin.getByRole('form', { name: 'Add user' });
  await add.getByLabel('New user').fill('olga');
  await add.getByLabel('Role').selectOption('operator');
  await add.getByLabel('Sites').fill('PS1');
  await add.getByLabel('Password').fill('correct horse battery');
  await add.getByRole('button', { name: 'Add user' }).click();
  await row(admin, 'olga').waitFor();
  assert.deepEqual(
    await row(admin, 'olga')
      .getByRole('cell')
      .allTextContents()
      .then((c) => c.slice(0, 4)),
    ['olga', 'operator', 'PS1', 'enabled'],
  );

  await row(admin, 'olga').getByRole('button', { name: 'Edit' }).click();
  const edit = admin.getByRole('dialog', { name: 'Edit olga' });
  await edit.getByLabel('Role').selectOption('analyst');
  await edit.getByLabel(/Sites/).fill('');
  await edit.getByRole('button', { name: 'Save' }).click();
  await waitFor(
    'olga to be an analyst of every site',
    async () => (await row(admin, 'olga').getByRole('cell').nth(1).textContent()) === 'analyst',
  );
  assert.equal(await row(admin, 'olga').getByRole('cell').nth(2).textContent(), 'every site');

  await row(admin, 'olga').getByRole('button', { name: 'Reset password' }).click();
  const reset = admin.getByRole('dialog', { name: 'New password for olga' });
  await reset.getByLabel('New password').fill('set by the administrator');
  await reset.getByRole('button', { name: 'Save' }).click();
  await reset.waitFor({ state: 'detached' });
  await admin.screenshot({ path: path.join(shots, 'users-view.png') });

  await row(admin, 'admin').getByRole('button', { name: 'Delete' }).click();
  const del = admin.getByRole('dialog', { name: 'Delete admin?' });
  await del.getByRole('button', { name: 'Delete' }).click();
  assert.match(
    (await del.getByRole('alert').textContent()) ?? '',
    /admin is the last enabled administrator .*\(E_LAST_ADMINISTRATOR\)/,
  );
  await del.getByRole('button', { name: 'Cancel' }).click();

  const olga = await signIn(browser, site.adminUrl, 'olga', 'set by the administrator');
  assert.match((await olga.getByTestId('who').textContent()) ?? '', /olga \(read-only analyst\)/);
  assert.equal(await olga.getByRole('link', { name: 'Security → Users' }).count(), 0, 'an analyst sees no Users view');
  await olga.getByRole('button', { name: 'Change password' }).click();
  const dialog = olga.getByRole('dialog', { name: 'Change password' });
  await dialog.getByLabel('Current password').fill('not my password at all');
  await dialog.getByLabel('New password', { exact: true }).fill('chosen by olga herself');
  await dialog.getByLabel('New password again').fill('chosen by olga herself');
  await dialog.getByRole('button', { name: 'Change' }).click();
  assert.match(
    (await dialog.getByRole('alert').textContent()) ?? '',
    /current password is wrong.*\(E_CURRENT_PASSWORD\)/,
  );
  await dialog.getByLabel('Current password').fill('set by the administrator');
  await dialog.getByRole('button', { name: 'Change' }).click();
  await dialog.getByRole('status').waitFor();
  await olga.screenshot({ path: path.join(shots, 'change-password.png') });
  await dialog.getByRole('button', { name: 'Close' }).click();

  await row(admin, 'olga').getByRole('button', { name: 'Disable' }).click();
  await waitFor(
    'olga to be disabled',
    async () => (await site.users()).find((u) => u.user === 'olga')?.disabled === true,
  );
  await olga.reload();
  await olga.getByRole('button', { name: 'Sign in' }).waitFor();
  const refused = await olga.evaluate(
    async () =>
      (
        await fetch('/api/v1/session', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user: 'olga', password: 'chosen by olga herself' }),
        })
      ).status,
  );
  assert.equal(refused, 401, 'a disabled account cannot sign in');

  await row(admin, 'olga').getByRole('button', { name: 'Delete' }).click();
  await admin.getByRole('dialog', { name: 'Delete olga?' }).getByRole('button', { name: 'Delete' }).click();
  await row(admin, 'olga').waitFor({ state: 'detached' });
  assert.deepEqual(
    (await site.users()).map((u) => u.user),
    ['admin'],
  );
});
