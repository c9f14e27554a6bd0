import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ConsoleUserView } from '@siteport/protocol';
import { adminPassword, newPage, openBrowser, signIn as signInOn } from '../test-support/console-fixture.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';
import { LOOPBACK_PORT_FLAGS, startCliServer } from '../test-support/server-flags.js';

async function startSite(
  t: TestContext,
): Promise<{ adminUrl: string; dataDir: string; users: () => Promise<ConsoleUserView[]> }> {
  const dataDir = tempDir(t, 'siteport-users-browser-');
  const { adminUrl } = await startCliServer(t, dataDir, LOOPBACK_PORT_FLAGS);
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
  const page = await newPage(browser);
  await signInOn(page, adminUrl, user, password);
  return page;
}

const row = (page: Page, user: string) =>
  page
    .getByRole('table', { name: 'Users' })
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: user, exact: true }) });

test('an administrator manages users in the Users view, a user changes its own password, and a disabled user is signed out at once', async (t) => {
  const browser = await openBrowser(t);
  if (browser === undefined) return;
  const shots = tempDir(t, 'siteport-users-shots-');
  const site = await startSite(t);
  const admin = await signIn(browser, site.adminUrl, 'admin', adminPassword(site.dataDir));

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
