import assert from 'node:assert/strict';
import { statSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CSRF_HEADER, type PortsView, type SessionView } from '@siteport/protocol';
import { startTestServer, type TestServer } from '../../../test-support/test-server.js';

interface AuditRow {
  action: string;
  actor: string;
  newValue: unknown;
}

interface UserRow {
  user: string;
  role: string;
}

interface Browser {
  cookie: string;
  csrf: string;
  session: SessionView;
}

async function signIn(
  s: TestServer,
  user: string,
  password: string,
): Promise<{ status: number; body: any; setCookie: string | null }> {
  const res = await fetch(`${s.adminUrl}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: s.adminUrl },
    body: JSON.stringify({ user, password }),
  });
  return { status: res.status, body: await res.json(), setCookie: res.headers.get('set-cookie') };
}

async function browser(s: TestServer, user: string, password: string): Promise<Browser> {
  const res = await signIn(s, user, password);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const cookie = res.setCookie!.split(';')[0]!;
  return { cookie, csrf: res.body.csrfToken, session: res.body };
}

async function call(
  s: TestServer,
  b: Browser,
  method: string,
  p: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${s.adminUrl}/api/v1${p}`, {
    method,
    headers: { cookie: b.cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const initialPassword = (s: TestServer): string =>
  readFileSync(path.join(s.dataDir, 'console-initial-password'), 'utf8').trim();

test('the first start creates the administrator "admin" with a password in a 0600 file, and signing in sets a strict HttpOnly cookie', async (t) => {
  const s = await startTestServer(t);
  const file = path.join(s.dataDir, 'console-initial-password');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(s.server.info.consolePasswordFile, file);
  const res = await signIn(s, 'admin', initialPassword(s));
  assert.equal(res.status, 200);
  assert.equal(res.body.role, 'administrator');
  assert.equal(res.body.via, 'session');
  assert.match(res.body.csrfToken, /^[\w-]{40,}$/);
  const cookie = res.setCookie!;
  assert.match(
    cookie,
    /^siteport_session=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
    'no Secure flag on the plain-HTTP loopback listener',
  );

  const audit = (await s.admin<{ entries: AuditRow[] }>('GET', '/audit')).body.entries;
  assert.ok(
    audit.some(
      (e) =>
        e.action === 'console.user.create' &&
        (e.newValue as { user: string }).user === 'admin' &&
        e.actor === 'first-start',
    ),
  );
});

test('a wrong password and an unknown user are refused alike with E_SIGN_IN', async (t) => {
  const s = await startTestServer(t);
  const wrong = await signIn(s, 'admin', 'not-the-password');
  const unknown = await signIn(s, 'nobody', 'not-the-password');
  for (const res of [wrong, unknown]) {
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'E_SIGN_IN');
    assert.equal(res.setCookie, null);
  }
  assert.equal(wrong.body.error.message, unknown.body.error.message);
  const malformed = await signIn(s, '<script>', 'x');
  assert.equal(malformed.body.error.code, 'E_VALIDATION');
});

test('a state-changing session request without the CSRF token, with a wrong one, or from a foreign or missing Origin is refused and changes nothing', async (t) => {
  const s = await startTestServer(t);
  const b = await browser(s, 'admin', initialPassword(s));
  const change = { descriptions: { http: 'changed by an attacker' } };
  const cases: [string, Record<string, string>, string][] = [
    ['no CSRF token', { origin: s.adminUrl }, 'E_CSRF'],
    ['a wrong CSRF token', { origin: s.adminUrl, [CSRF_HEADER]: 'x'.repeat(43) }, 'E_CSRF'],
    ['a foreign Origin', { origin: 'http://evil.example', [CSRF_HEADER]: b.csrf }, 'E_ORIGIN'],
    ['no Origin', { [CSRF_HEADER]: b.csrf }, 'E_ORIGIN'],
  ];
  for (const [what, headers, code] of cases) {
    const res = await call(s, b, 'PATCH', '/sites/PS1/ports', change, headers);
    assert.equal(res.status, 403, what);
    assert.equal(res.body.error.code, code, what);
  }
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  assert.notEqual(ports.descriptions.http, 'changed by an attacker');
  assert.equal(ports.version, 1);

  const ok = await call(
    s,
    b,
    'PATCH',
    '/sites/PS1/ports',
    { descriptions: { http: 'intranet clients' } },
    { origin: s.adminUrl, [CSRF_HEADER]: b.csrf },
  );
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.ports.descriptions.http, 'intranet clients');
  const audit = (await s.admin<any>('GET', '/audit?site=PS1')).body.entries;
  assert.equal(audit[0].actor, 'user:admin', 'the audit names the signed-in user');
});

test('a foreign Origin cannot even sign in (login CSRF)', async (t) => {
  const s = await startTestServer(t);
  const res = await fetch(`${s.adminUrl}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
    body: JSON.stringify({ user: 'admin', password: initialPassword(s) }),
  });
  assert.equal(res.status, 403);
  assert.equal(((await res.json()) as any).error.code, 'E_ORIGIN');
  assert.equal(res.headers.get('set-cookie'), null);
});

test('a read-only analyst can read and preview impact but the API refuses every change with E_FORBIDDEN', async (t) => {
  const s = await startTestServer(t);
  const created = await s.admin<any>('POST', '/console/users', {
    user: 'ana',
    role: 'analyst',
    password: 'correct horse battery',
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.equal(created.body.createdBy, 'token:admin');
  const b = await browser(s, 'ana', 'correct horse battery');
  assert.equal(b.session.role, 'analyst');
  const headers = { origin: s.adminUrl, [CSRF_HEADER]: b.csrf };

  assert.equal((await call(s, b, 'GET', '/sites/PS1/ports')).status, 200);
  assert.equal((await call(s, b, 'GET', '/sites/PS1/clients')).status, 200);
  assert.equal((await call(s, b, 'GET', '/audit')).status, 200);
  const impact = await call(s, b, 'POST', '/sites/PS1/impact', { http: { default: 18081 } }, headers);
  assert.equal(impact.status, 200, JSON.stringify(impact.body));

  const refused: [string, string, unknown][] = [
    ['PATCH', '/sites/PS1/ports', { descriptions: { http: 'analyst was here' } }],
    ['POST', '/sites/PS1/rollouts', { change: { http: { default: 18081 } } }],
    ['POST', '/console/users', { user: 'mallory', role: 'administrator', password: 'a long enough password' }],
  ];
  for (const [method, p, body] of refused) {
    const res = await call(s, b, method, p, body, headers);
    assert.equal(res.status, 403, `${method} ${p}`);
    assert.equal(res.body.error.code, 'E_FORBIDDEN', `${method} ${p}`);
  }
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  assert.equal(ports.version, 1, 'nothing changed');
  assert.equal((await s.admin<any>('GET', '/sites/PS1/rollouts')).body.rollouts.length, 0);
  const users = (await s.admin<{ users: UserRow[] }>('GET', '/console/users')).body.users.map((u) => u.user);
  assert.deepEqual(users, ['admin', 'ana']);
});

test('signing out ends the session on the server; the old cookie no longer works', async (t) => {
  const s = await startTestServer(t);
  const b = await browser(s, 'admin', initialPassword(s));
  assert.equal((await call(s, b, 'GET', '/session')).body.user, 'admin');
  const out = await call(s, b, 'DELETE', '/session', undefined, { origin: s.adminUrl, [CSRF_HEADER]: b.csrf });
  assert.equal(out.status, 200);
  assert.equal(out.body.signedOut, true);
  const after = await call(s, b, 'GET', '/session');
  assert.equal(after.status, 401);
  assert.equal(after.body.error.code, 'E_SESSION');
  const none = await fetch(`${s.adminUrl}/api/v1/sites`);
  assert.equal(((await none.json()) as any).error.code, 'E_UNAUTHORIZED');
});

test('the bearer token keeps working for the CLI without Origin or CSRF, and answers /session as an administrator', async (t) => {
  const s = await startTestServer(t);
  const who = await s.admin<SessionView>('GET', '/session');
  const { permissions, ...rest } = who.body;
  assert.deepEqual(rest, {
    user: 'token:admin',
    role: 'administrator',
    sites: null,
    via: 'token',
    csrfToken: null,
    expiresAt: null,
  });
  assert.ok(permissions.includes('accounts.manage'), 'the bootstrap token holds every permission');
  const res = await s.admin<any>('PATCH', '/sites/PS1/ports', { descriptions: { wake: 'wake-up packets' } });
  assert.equal(res.status, 200);
});

test('bad console account input is refused with a clear code and creates nothing', async (t) => {
  const s = await startTestServer(t);
  const cases: [unknown, string][] = [
    [{ user: 'bob', role: 'analyst', password: 'short' }, 'E_PASSWORD'],
    [{ user: 'bob', role: 'root', password: 'a long enough password' }, 'E_VALIDATION'],
    [{ user: 'bob smith', role: 'analyst', password: 'a long enough password' }, 'E_VALIDATION'],
    [{ user: 'bob', role: 'analyst', password: 'a long enough password', admin: true }, 'E_VALIDATION'],
    [{ user: 'admin', role: 'analyst', password: 'a long enough password' }, 'E_USER_EXISTS'],
    ['[]', 'E_BAD_REQUEST'],
  ];
  for (const [body, code] of cases) {
    const res = await s.admin<any>('POST', '/console/users', body);
    assert.equal(res.body.error?.code, code, JSON.stringify(body));
  }
  const users = (await s.admin<{ users: UserRow[] }>('GET', '/console/users')).body.users;
  assert.deepEqual(
    users.map((u) => [u.user, u.role]),
    [['admin', 'administrator']],
  );
});

test('the console is served under /console/ with a strict content security policy, and / redirects there', async (t) => {
  const s = await startTestServer(t);
  const root = await fetch(`${s.adminUrl}/`, { redirect: 'manual' });
  assert.equal(root.status, 302);
  assert.equal(root.headers.get('location'), '/console/');
  const page = await fetch(`${s.adminUrl}/console/devices`);
  assert.equal(page.status, 200, 'client-side routes get index.html');
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self';/);
  assert.equal(page.headers.get('x-frame-options'), 'DENY');
  assert.match(await page.text(), /<div id="root">/);
  const escape = await fetch(`${s.adminUrl}/console/..%2f..%2fpackage.json`);
  assert.doesNotMatch(await escape.text(), /"workspaces"/, 'no file outside the build is served');
});
