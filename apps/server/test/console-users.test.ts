import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConsoleUserView } from '@siteport/protocol';
import { type TestServer, startTestServer } from '../../../test-support/test-server.js';
import { browser, call, initialPassword, makeToken, makeUser, signIn } from './support/admin-callers.js';

const PASSWORD = 'correct horse battery';

async function users(s: TestServer): Promise<[string, string, string[] | null, boolean][]> {
  return (await s.admin<{ users: ConsoleUserView[] }>('GET', '/console/users')).body.users.map((u) => [
    u.user,
    u.role,
    u.sites,
    u.disabled,
  ]);
}

async function lastAudit(
  s: TestServer,
  action: string,
): Promise<{ actor: string; oldValue: any; newValue: any } | undefined> {
  return (
    await s.admin<{ entries: { action: string; actor: string; oldValue: any; newValue: any }[] }>('GET', '/audit')
  ).body.entries.find((e) => e.action === action);
}

test('disabling an account ends its sessions at once and it cannot sign in until it is enabled again', async (t) => {
  const s = await startTestServer(t);
  await makeUser(s, 'olga', 'operator');
  const session = await browser(s, 'olga', PASSWORD);
  const admin = await browser(s, 'admin', initialPassword(s));
  assert.equal((await call(s, session, 'GET', '/sites/PS1/ports')).status, 200);

  const disabled = await call(s, admin, 'PATCH', '/console/users/olga', { disabled: true });
  assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
  assert.equal(disabled.body.disabled, true);
  const after = await call(s, session, 'PATCH', '/sites/PS1/ports', { descriptions: { http: 'after disable' } });
  assert.equal(after.status, 401);
  assert.equal(after.body.error.code, 'E_SESSION');
  const again = await signIn(s, 'olga', PASSWORD);
  assert.equal(again.status, 401);
  assert.equal(again.body.error.code, 'E_SIGN_IN', 'a disabled account is refused like a wrong password');
  const audit = await lastAudit(s, 'console.user.update');
  assert.equal(audit?.actor, 'user:admin');
  assert.deepEqual([audit?.oldValue.disabled, audit?.newValue.disabled], [false, true]);

  assert.equal((await call(s, admin, 'PATCH', '/console/users/olga', { disabled: false })).body.disabled, false);
  assert.equal((await signIn(s, 'olga', PASSWORD)).status, 200);
});

test('deleting an account ends its sessions, and it is gone from the list', async (t) => {
  const s = await startTestServer(t);
  await makeUser(s, 'dave', 'analyst');
  const session = await browser(s, 'dave', PASSWORD);
  const res = await s.admin<any>('DELETE', '/console/users/dave');
  assert.deepEqual(res.body, { deleted: 'dave' });
  assert.equal((await call(s, session, 'GET', '/session')).status, 401);
  assert.deepEqual(
    (await users(s)).map((u) => u[0]),
    ['admin'],
  );
  assert.equal((await lastAudit(s, 'console.user.delete'))?.actor, 'token:admin');
  assert.equal((await s.admin<any>('DELETE', '/console/users/dave')).body.error.code, 'E_USER_NOT_FOUND');
});

test('the last enabled administrator with every site cannot be deleted, disabled, demoted or limited to a site', async (t) => {
  const s = await startTestServer(t);
  await makeUser(s, 'scoped-admin', 'administrator', ['PS1']);
  const attempts: [string, string, unknown][] = [
    ['DELETE', '/console/users/admin', undefined],
    ['PATCH', '/console/users/admin', { disabled: true }],
    ['PATCH', '/console/users/admin', { role: 'operator' }],
    ['PATCH', '/console/users/admin', { sites: ['PS1'] }],
  ];
  for (const [method, p, body] of attempts) {
    const res = await s.admin<any>(method, p, body);
    assert.equal(res.status, 409, `${method} ${p} ${JSON.stringify(body)}`);
    assert.equal(res.body.error.code, 'E_LAST_ADMINISTRATOR');
    assert.match(
      res.body.error.message,
      /admin is the last enabled administrator with every site .*make another account an administrator first/,
    );
  }
  assert.deepEqual(await users(s), [
    ['admin', 'administrator', null, false],
    ['scoped-admin', 'administrator', ['PS1'], false],
  ]);
  await makeUser(s, 'second', 'administrator');
  assert.equal(
    (await s.admin('PATCH', '/console/users/admin', { role: 'operator' })).status,
    200,
    'with a second administrator the first may be demoted',
  );
  assert.equal((await s.admin<any>('DELETE', '/console/users/second')).body.error.code, 'E_LAST_ADMINISTRATOR');
});

test("an administrator's password reset ends the account's sessions and only the new password signs in", async (t) => {
  const s = await startTestServer(t);
  await makeUser(s, 'rita', 'operator');
  const session = await browser(s, 'rita', PASSWORD);
  const res = await s.admin<any>('POST', '/console/users/rita/password', { password: 'a brand new passphrase' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal((await call(s, session, 'GET', '/session')).status, 401);
  assert.equal((await signIn(s, 'rita', PASSWORD)).status, 401);
  assert.equal((await signIn(s, 'rita', 'a brand new passphrase')).status, 200);
  assert.equal(
    (await s.admin<any>('POST', '/console/users/rita/password', { password: 'short' })).body.error.code,
    'E_PASSWORD',
  );
  const audit = await lastAudit(s, 'console.user.password-reset');
  assert.equal(audit?.actor, 'token:admin');
  assert.ok(!JSON.stringify(audit).includes('brand new'), 'no password in the audit');
});

test("changing one's own password needs the current one, ends the other sessions and keeps this one", async (t) => {
  const s = await startTestServer(t);
  await makeUser(s, 'carl', 'analyst');
  const here = await browser(s, 'carl', PASSWORD);
  const elsewhere = await browser(s, 'carl', PASSWORD);
  const wrong = await call(s, here, 'PUT', '/session/password', {
    currentPassword: 'not my password',
    newPassword: 'my new long passphrase',
  });
  assert.equal(wrong.status, 403);
  assert.equal(wrong.body.error.code, 'E_CURRENT_PASSWORD');
  assert.equal((await call(s, elsewhere, 'GET', '/session')).status, 200, 'a wrong current password ends nothing');

  const ok = await call(s, here, 'PUT', '/session/password', {
    currentPassword: PASSWORD,
    newPassword: 'my new long passphrase',
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal((await call(s, here, 'GET', '/session')).status, 200, 'this session stays');
  assert.equal((await call(s, elsewhere, 'GET', '/session')).status, 401, 'the other session ended');
  assert.equal((await signIn(s, 'carl', PASSWORD)).status, 401);
  assert.equal((await signIn(s, 'carl', 'my new long passphrase')).status, 200);
  assert.equal(
    (await lastAudit(s, 'console.user.password-change'))?.actor,
    'user:carl',
    'an analyst may change its own password, audited as itself',
  );
  const token = await s.admin<any>('PUT', '/session/password', {
    currentPassword: 'x',
    newPassword: 'my new long passphrase',
  });
  assert.equal(token.body.error.code, 'E_VALIDATION', 'a token has no password to change');
});

test('a role or site scope change applies to a live session at its next request', async (t) => {
  const s = await startTestServer(t);
  await makeUser(s, 'otto', 'operator');
  const session = await browser(s, 'otto', PASSWORD);
  assert.equal(
    (await call(s, session, 'PATCH', '/sites/PS1/ports', { descriptions: { http: 'as operator' } })).status,
    200,
  );
  await s.admin('PATCH', '/console/users/otto', { role: 'analyst' });
  const demoted = await call(s, session, 'PATCH', '/sites/PS1/ports', { descriptions: { http: 'as analyst' } });
  assert.equal(demoted.status, 403);
  assert.equal(demoted.body.error.code, 'E_FORBIDDEN');
  await s.admin('PATCH', '/console/users/otto', { role: 'operator', sites: ['PS2'] });
  const view = await call(s, session, 'GET', '/session');
  assert.deepEqual([view.body.role, view.body.sites], ['operator', ['PS2']]);
  assert.equal((await call(s, session, 'GET', '/sites/PS1/ports')).status, 403, 'PS1 is now outside its scope');
});

test('an operator session and a PS1-limited administrator cannot add, change, reset or delete an account', async (t) => {
  const s = await startTestServer(t);
  await makeUser(s, 'olga', 'operator');
  const operator = await browser(s, 'olga', PASSWORD);
  const limited = await makeToken(s, 'ps1-admin', 'administrator', ['PS1']);
  const attempts: [string, string, unknown][] = [
    ['POST', '/console/users', { user: 'mallory', role: 'administrator', password: 'a long enough password' }],
    ['PATCH', '/console/users/olga', { role: 'administrator' }],
    ['PATCH', '/console/users/admin', { disabled: true }],
    ['POST', '/console/users/admin/password', { password: 'taken over by olga' }],
    ['DELETE', '/console/users/admin', undefined],
  ];
  for (const [method, p, body] of attempts) {
    for (const [who, res] of [
      ['operator session', await call(s, operator, method, p, body)],
      ['PS1-limited administrator token', await s.admin<any>(method, p, body, limited)],
    ] as const) {
      assert.equal(res.status, 403, `${who}: ${method} ${p}`);
      assert.equal(res.body.error.code, 'E_FORBIDDEN');
    }
  }
  assert.deepEqual(await users(s), [
    ['admin', 'administrator', null, false],
    ['olga', 'operator', null, false],
  ]);
  assert.equal((await signIn(s, 'admin', initialPassword(s))).status, 200);
});
