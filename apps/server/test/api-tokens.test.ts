import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { CreatedToken, SessionView, TokenView } from '@siteport/protocol';
import { type TestServer, startTestServer } from '../../../test-support/test-server.js';
import { browser, call, makeToken, makeUser } from './support/admin-callers.js';

async function who(s: TestServer, token: string): Promise<{ status: number; body: any }> {
  return s.admin<SessionView>('GET', '/session', undefined, token);
}

test('a created token works at once with its role and scope; its secret is shown once and only its SHA-256 is in the database', async (t) => {
  const s = await startTestServer(t);
  const created = await s.admin<CreatedToken>('POST', '/tokens', { name: 'ci', role: 'operator', sites: ['ps1'] });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.match(created.body.secret, /^spt_[0-9a-f]{16}_[\w-]{43}$/);
  assert.deepEqual(
    { ...created.body, secret: undefined, createdAt: undefined, id: undefined },
    {
      name: 'ci',
      role: 'operator',
      sites: ['PS1'],
      createdBy: 'token:admin',
      expiresAt: null,
      revokedAt: null,
      revokedBy: null,
      state: 'active',
      secret: undefined,
      createdAt: undefined,
      id: undefined,
    },
  );
  const me = await who(s, created.body.secret);
  assert.equal(me.status, 200);
  assert.deepEqual(
    [me.body.user, me.body.role, me.body.sites, me.body.via],
    ['token:ci', 'operator', ['PS1'], 'token'],
  );
  assert.ok(!(me.body.permissions as string[]).includes('accounts.manage'));

  const listed = (await s.admin<{ tokens: TokenView[] }>('GET', '/tokens')).body.tokens;
  assert.equal(listed.length, 1);
  assert.ok(!JSON.stringify(listed).includes(created.body.secret.slice(21)), 'the list never shows the secret');
  const rows = await s.server.db.selectFrom('admin_tokens').selectAll().execute();
  const secretPart = created.body.secret.slice(21);
  assert.equal(rows.length, 1);
  assert.match(rows[0]!.secret_hash, /^[0-9a-f]{64}$/);
  assert.ok(!JSON.stringify(rows).includes(secretPart), 'the database holds no secret');
  const audit = (await s.admin<{ entries: { action: string; actor: string; newValue: unknown }[] }>('GET', '/audit'))
    .body.entries;
  const entry = audit.find((e) => e.action === 'token.create');
  assert.equal(entry?.actor, 'token:admin');
  assert.ok(!JSON.stringify(audit).includes(secretPart), 'the audit holds no secret');
});

test('a revoked token is refused with 401 at its next request, without a restart', async (t) => {
  const s = await startTestServer(t);
  const secret = await makeToken(s, 'laptop', 'administrator');
  assert.equal((await who(s, secret)).status, 200);
  const revoked = await s.admin<TokenView>('DELETE', '/tokens/laptop');
  assert.equal(revoked.status, 200);
  assert.deepEqual([revoked.body.state, revoked.body.revokedBy], ['revoked', 'token:admin']);
  for (const [method, p, body] of [
    ['GET', '/session', undefined],
    ['PATCH', '/sites/PS1/ports', { descriptions: { http: 'stolen token' } }],
    ['POST', '/tokens', { name: 'again', role: 'administrator' }],
  ] as const) {
    const res = await s.admin<any>(method, p, body, secret);
    assert.equal(res.status, 401, `${method} ${p}`);
    assert.equal(res.body.error.code, 'E_UNAUTHORIZED');
    assert.match(res.body.error.message, /token laptop was revoked at .*; ask an administrator for a new one/);
  }
  assert.equal(
    (await s.admin<{ tokens: TokenView[] }>('GET', '/tokens')).body.tokens.length,
    1,
    'the revoked token created nothing',
  );
  const audit = (await s.admin<{ entries: { action: string; actor: string }[] }>('GET', '/audit')).body.entries;
  assert.ok(audit.some((e) => e.action === 'token.revoke' && e.actor === 'token:admin'));
  const forged = `${secret.slice(0, -4)}AAAA`;
  assert.equal((await who(s, forged)).status, 401, 'a right id with a wrong secret is refused');
});

test('an expired token is refused with 401 as soon as its expiry passes', async (t) => {
  const s = await startTestServer(t);
  const expiresAt = new Date(Date.now() + 1500).toISOString();
  const secret = await makeToken(s, 'short-lived', 'analyst', null, expiresAt);
  assert.equal((await who(s, secret)).status, 200);
  await sleep(Math.max(0, Date.parse(expiresAt) - Date.now()) + 100);
  const res = await who(s, secret);
  assert.equal(res.status, 401);
  assert.match(res.body.error.message, /token short-lived expired at/);
  assert.equal((await s.admin<{ tokens: TokenView[] }>('GET', '/tokens')).body.tokens[0]?.state, 'expired');
});

test('rotating the bootstrap token refuses the old one at once, and the file holds the new one', async (t) => {
  const s = await startTestServer(t);
  const res = await s.admin<{ file: string }>('POST', '/tokens/bootstrap/rotate');
  assert.equal(res.status, 200);
  assert.equal(res.body.file, s.server.info.adminTokenFile);
  assert.ok(
    !JSON.stringify(res.body).includes(readFileSync(s.server.info.adminTokenFile, 'utf8').trim()),
    'the new token is not in the answer',
  );
  assert.equal((await who(s, s.token)).status, 401);
  const fresh = readFileSync(s.server.info.adminTokenFile, 'utf8').trim();
  assert.notEqual(fresh, s.token);
  const audit = await s.admin<{ entries: { action: string; actor: string }[] }>('GET', '/audit', undefined, fresh);
  assert.equal(audit.status, 200);
  assert.ok(audit.body.entries.some((e) => e.action === 'token.rotate-bootstrap' && e.actor === 'token:admin'));
});

test('bad token input is refused with a clear code and creates nothing', async (t) => {
  const s = await startTestServer(t);
  await makeToken(s, 'taken', 'analyst');
  const cases: [unknown, string][] = [
    [{ name: 'x', role: 'root' }, 'E_VALIDATION'],
    [{ name: 'has space', role: 'analyst' }, 'E_VALIDATION'],
    [{ name: 'x', role: 'analyst', sites: ['TOOLONG'] }, 'E_VALIDATION'],
    [{ name: 'x', role: 'analyst', sites: 'PS1' }, 'E_VALIDATION'],
    [{ name: 'x', role: 'analyst', sites: [] }, 'E_VALIDATION'],
    [{ name: 'x', role: 'analyst', expiresAt: '2000-01-01T00:00:00Z' }, 'E_VALIDATION'],
    [{ name: 'x', role: 'analyst', expiresAt: 'tomorrow' }, 'E_VALIDATION'],
    [{ name: 'x', role: 'secondary' }, 'E_VALIDATION'],
    [{ name: 'x', role: 'analyst', admin: true }, 'E_VALIDATION'],
    [{ name: 'taken', role: 'analyst' }, 'E_TOKEN_EXISTS'],
    ['[]', 'E_BAD_REQUEST'],
  ];
  for (const [body, code] of cases) {
    const res = await s.admin<any>('POST', '/tokens', body);
    assert.equal(res.body.error?.code, code, JSON.stringify(body));
  }
  assert.equal((await s.admin<any>('DELETE', '/tokens/nothing-here')).body.error.code, 'E_TOKEN_NOT_FOUND');
  assert.deepEqual(
    (await s.admin<{ tokens: TokenView[] }>('GET', '/tokens')).body.tokens.map((x) => x.name),
    ['taken'],
  );
});

test('only an administrator with every site manages tokens: an analyst session, an operator and a PS1-limited administrator are refused', async (t) => {
  const s = await startTestServer(t);
  await makeUser(s, 'ana', 'analyst');
  const session = await browser(s, 'ana', 'correct horse battery');
  const operator = await makeToken(s, 'op', 'operator');
  const limitedAdmin = await makeToken(s, 'ps1-admin', 'administrator', ['PS1']);
  const create = { name: 'escalated', role: 'administrator' };
  const attempts = [
    await call(s, session, 'POST', '/tokens', create),
    await s.admin<any>('POST', '/tokens', create, operator),
    await s.admin<any>('POST', '/tokens', create, limitedAdmin),
    await s.admin<any>('GET', '/tokens', undefined, limitedAdmin),
    await s.admin<any>('DELETE', '/tokens/op', undefined, operator),
    await s.admin<any>('POST', '/tokens/bootstrap/rotate', undefined, limitedAdmin),
  ];
  for (const res of attempts) {
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'E_FORBIDDEN');
  }
  const names = (await s.admin<{ tokens: TokenView[] }>('GET', '/tokens')).body.tokens.map((x) => [x.name, x.state]);
  assert.deepEqual(names.sort(), [
    ['op', 'active'],
    ['ps1-admin', 'active'],
  ]);
  assert.equal((await who(s, s.token)).status, 200, 'the bootstrap token was not rotated');
});
