import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PERMISSIONS, type PortsView, type RolloutView } from '@siteport/protocol';
import { freePort } from '../../../test-support/ports.js';
import { type TestServer, startTestServer } from '../../../test-support/test-server.js';
import { addClient, addSite, browser, call, makeToken, makeUser } from './support/admin-callers.js';

interface Operation {
  method: string;
  path: string;
  permission: string;
  security?: unknown[];
}

async function operations(s: TestServer): Promise<Operation[]> {
  const doc = (await (await fetch(`${s.adminUrl}/api/v1/openapi.json`)).json()) as {
    paths: Record<string, Record<string, Record<string, unknown>>>;
  };
  return Object.entries(doc.paths).flatMap(([p, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path: p.replace(/^\/api\/v1/, ''),
      permission: op['x-siteport-permission'] as string,
      ...(op.security === undefined ? {} : { security: op.security as unknown[] }),
    })),
  );
}

const changes = (op: Operation): boolean => op.method !== 'GET';

async function auditCount(s: TestServer): Promise<number> {
  return (await s.admin<{ entries: unknown[] }>('GET', '/audit?limit=10000')).body.entries.length;
}

test('every operation of the full route table names a permission from the table, and only public operations go without credentials', async (t) => {
  const s = await startTestServer(t);
  const ops = await operations(s);
  assert.ok(ops.length >= 50, `the whole route table is listed (${ops.length} operations)`);
  for (const op of ops) {
    assert.ok(
      Object.hasOwn(PERMISSIONS, op.permission),
      `${op.method} ${op.path} names a known permission, got ${op.permission}`,
    );
    assert.equal(
      op.permission === 'public',
      Array.isArray(op.security) && op.security.length === 0,
      `${op.method} ${op.path}: public exactly when no credentials`,
    );
  }
  assert.deepEqual(
    ops.filter((o) => o.permission === 'public').map((o) => `${o.method} ${o.path}`),
    ['GET /health', 'POST /session'],
  );
});

test('an analyst token, an analyst session and an administrator token limited to another site get 403 on every changing route, and nothing changes', async (t) => {
  const s = await startTestServer(t);
  const port = await freePort();
  const proposed = await s.admin<RolloutView>('POST', '/sites/PS1/rollouts', { change: { http: { default: port } } });
  assert.equal(proposed.status, 200, JSON.stringify(proposed.body));
  await makeUser(s, 'ana', 'analyst');
  const analystToken = await makeToken(s, 'reader', 'analyst');
  const elsewhere = await makeToken(s, 'ps2-admin', 'administrator', ['PS2']);
  const session = await browser(s, 'ana', 'correct horse battery');
  const before = { ports: (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body, audit: await auditCount(s) };

  const values: Record<string, string> = {
    code: 'PS1',
    secondary: 'S01',
    id: proposed.body.id,
    name: 'app',
    user: 'admin',
    token: 'reader',
  };
  const ops = (await operations(s)).filter(
    (op) => changes(op) && op.permission !== 'public' && op.permission !== 'session',
  );
  assert.ok(ops.length >= 25, `${ops.length} changing operations`);
  let tried = 0;
  for (const op of ops) {
    const p = op.path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? 'x');
    const attempts: [string, () => Promise<{ status: number; body: any }>][] = [
      ['the PS2-limited administrator token', () => s.admin(op.method, p, {}, elsewhere)],
    ];
    if (op.permission !== 'impact.preview') {
      attempts.push(
        ['the analyst token', () => s.admin(op.method, p, {}, analystToken)],
        ['the analyst session', () => call(s, session, op.method, p, {})],
      );
    }
    for (const [who, attempt] of attempts) {
      const res = await attempt();
      assert.equal(res.status, 403, `${who}: ${op.method} ${p} → ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'E_FORBIDDEN', `${who}: ${op.method} ${p}`);
      tried += 1;
    }
  }
  assert.ok(tried >= 70);
  const after = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  assert.deepEqual(after, before.ports, 'the settings are untouched');
  assert.equal((await s.admin<RolloutView>('GET', `/rollouts/${proposed.body.id}`)).body.state, proposed.body.state);
  assert.equal(await auditCount(s), before.audit, 'not one audited change');
  const tokens = (await s.admin<{ tokens: { name: string; state: string }[] }>('GET', '/tokens')).body.tokens;
  assert.deepEqual(tokens.map((x) => [x.name, x.state]).sort(), [
    ['ps2-admin', 'active'],
    ['reader', 'active'],
  ]);
  assert.deepEqual(
    (await s.admin<{ users: { user: string; role: string }[] }>('GET', '/console/users')).body.users.map((u) => [
      u.user,
      u.role,
    ]),
    [
      ['admin', 'administrator'],
      ['ana', 'analyst'],
    ],
  );
});

test("a token limited to PS1 reads PS1's clients but not PS2's: PS2 paths, a PS2 client by id and PS2's audit are refused, and lists leave PS2 out", async (t) => {
  const s = await startTestServer(t);
  await addSite(s, 'PS2');
  await addClient(s, 'PS1', 'client-ps1', 'alpha');
  await addClient(s, 'PS2', 'client-ps2', 'bravo');
  await s.admin('PATCH', '/sites/PS2/ports', { descriptions: { http: 'ps2 secret description' } });
  await s.admin('PATCH', '/sites/PS1/ports', { descriptions: { http: 'ps1 description' } });
  const ps1 = await makeToken(s, 'ps1-reader', 'analyst', ['PS1']);

  const own = await s.admin<{ clients: { hostname: string }[] }>('GET', '/sites/PS1/clients', undefined, ps1);
  assert.equal(own.status, 200);
  assert.deepEqual(
    own.body.clients.map((c) => c.hostname),
    ['alpha'],
  );
  assert.equal((await s.admin('GET', '/clients/client-ps1', undefined, ps1)).status, 200);

  for (const p of [
    '/sites/PS2/clients',
    '/sites/PS2/ports',
    '/sites/PS2',
    '/clients/client-ps2',
    '/audit?site=PS2',
    '/sites/PS2/rollouts',
  ]) {
    const res = await s.admin<any>('GET', p, undefined, ps1);
    assert.equal(res.status, 403, `${p} → ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'E_FORBIDDEN');
    assert.doesNotMatch(JSON.stringify(res.body), /bravo|ps2 secret/);
  }
  const audit = (
    await s.admin<{ entries: { siteCode: string | null; actor: string }[] }>('GET', '/audit', undefined, ps1)
  ).body.entries;
  assert.ok(
    audit.length > 0 && audit.every((e) => e.siteCode === 'PS1'),
    'the audit shows PS1 entries only (no PS2, no account changes)',
  );
  const all = (await s.admin<{ entries: { siteCode: string | null }[] }>('GET', '/audit')).body.entries;
  assert.ok(
    all.some((e) => e.siteCode === 'PS2'),
    'an unlimited caller sees PS2 entries',
  );
  const sites = (await s.admin<{ sites: { siteCode: string }[] }>('GET', '/sites', undefined, ps1)).body.sites;
  assert.deepEqual(
    sites.map((v) => v.siteCode),
    ['PS1'],
  );
});

test("a token caller sending X-Siteport-Actor: alice is audited as the token's own name", async (t) => {
  const s = await startTestServer(t);
  const ci = await makeToken(s, 'ci-pipeline', 'operator');
  for (const [token, expected, wake] of [
    [s.token, 'token:admin', 'bootstrap'],
    [ci, 'token:ci-pipeline', 'api token'],
  ] as const) {
    const res = await fetch(`${s.adminUrl}/api/v1/sites/PS1/ports`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-siteport-actor': 'alice' },
      body: JSON.stringify({ descriptions: { wake } }),
    });
    assert.equal(res.status, 200);
    const entry = (await s.admin<{ entries: { actor: string; newValue: any }[] }>('GET', '/audit?site=PS1&limit=1'))
      .body.entries[0];
    assert.equal(entry?.newValue.descriptions.wake, wake);
    assert.equal(entry?.actor, expected, 'the actor comes from the credential, not the header');
  }
});

test('an operator changes ports and runs a rollout but may not add a user, create a token, or touch push or directory credentials', async (t) => {
  const s = await startTestServer(t);
  const op = await makeToken(s, 'oscar', 'operator');
  assert.equal(
    (await s.admin('PATCH', '/sites/PS1/ports', { descriptions: { http: 'operator was here' } }, op)).status,
    200,
  );
  const rollout = await s.admin<RolloutView>(
    'POST',
    '/sites/PS1/rollouts',
    { change: { http: { default: await freePort() } } },
    op,
  );
  assert.equal(rollout.status, 200, JSON.stringify(rollout.body));
  assert.equal(
    (await s.admin<RolloutView>('POST', `/rollouts/${rollout.body.id}/cancel`, undefined, op)).body.state,
    'cancelled',
  );
  const refused: [string, string, unknown][] = [
    ['POST', '/console/users', { user: 'mallory', role: 'administrator', password: 'a long enough password' }],
    ['POST', '/tokens', { name: 'escalate', role: 'administrator' }],
    ['PATCH', '/sites/PS1/push/settings', { account: { user: 'root', password: 'x' } }],
    ['PUT', '/sites/PS1/directory', { url: 'ldap://127.0.0.1:389', bindDn: 'cn=x', password: 'y' }],
    ['POST', '/hierarchy/primaries', { url: 'http://127.0.0.1:1', token: 'x' }],
  ];
  for (const [method, p, body] of refused) {
    const res = await s.admin<any>(method, p, body, op);
    assert.equal(res.status, 403, `${method} ${p}`);
    assert.equal(res.body.error.code, 'E_FORBIDDEN');
    assert.match(res.body.error.message, /token:oscar is an operator and may not .*ask an administrator/);
  }
  // Pinning a host key decides where the push account's password goes: an operator adds hosts but pins no key (decision 0093).
  const hostKey = `SHA256:${'A'.repeat(43)}`;
  for (const [p, body] of [
    ['/sites/PS1/push/install', { hosts: [{ host: '127.0.0.9', port: 22, hostKey }] }],
    ['/sites/PS1/push/hosts', { hosts: [{ host: '127.0.0.9', port: 22, hostKey }] }],
    ['/sites/PS1/push/hosts/some-host/approve', { hostKey }],
  ] as const) {
    const res = await s.admin<any>('POST', p, body, op);
    assert.equal(res.status, 403, `${p}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'E_FORBIDDEN');
  }
  const audit = (await s.admin<{ entries: { actor: string; action: string }[] }>('GET', '/audit?site=PS1')).body
    .entries;
  assert.deepEqual([...new Set(audit.filter((e) => e.actor === 'token:oscar').map((e) => e.action))].sort(), [
    'ports.change',
    'ports.rollout.cancelled',
    'ports.rollout.propose',
  ]);
});
