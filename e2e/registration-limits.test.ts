import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { readClientStatus, runSetup } from '@siteport/agent';
import { CLIENT_SESSION_PATH, type ClientList, type PortsView } from '@siteport/protocol';
import { TestMpClient, call } from '../test-support/mp-client.js';
import { startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';
import { LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';

type T = Parameters<typeof tempDir>[0];

/** A spawned `siteport server` with small per-source limits, and a JSON admin call. */
async function limitedServer(t: T, registrations: number, sessions: number, extra: string[] = []) {
  const dataDir = tempDir(t, 'siteport-limits-');
  const run = startCli(
    [
      'server',
      '--data',
      dataDir,
      ...LOOPBACK_PORT_FLAGS,
      '--policy-interval',
      '1',
      '--log-level',
      'warn',
      '--registrations-per-source',
      String(registrations),
      '--sessions-per-source',
      String(sessions),
      ...extra,
    ],
    /client communication mode/,
  );
  t.after(async () => {
    if (run.child.exitCode !== null) return;
    const exited = new Promise((r) => run.child.once('exit', r));
    run.child.kill('SIGTERM');
    await exited;
  });
  const banner = await run.started;
  const adminUrl = /admin API: (http:\/\/[^/\s]+)/.exec(banner)?.[1] ?? '';
  const fingerprint = /SMSCAFINGERPRINT\): ([0-9a-f]{64})/.exec(banner)?.[1] ?? '';
  const { readFile } = await import('node:fs/promises');
  const token = (await readFile(path.join(dataDir, 'admin-token'), 'utf8')).trim();
  const admin = async <B>(p: string, method = 'GET', body?: unknown): Promise<B> =>
    (await (
      await fetch(`${adminUrl}/api/v1${p}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    ).json()) as B;
  const ports = await admin<PortsView>('/sites/PS1/ports');
  return { dataDir, admin, ports, fingerprint, http: `http://127.0.0.1:${ports.http.default}` };
}

/** One signed registration of a fresh key from `localAddress`. */
async function registerFresh(http: string, n: number, localAddress = '127.0.0.1') {
  const client = new TestMpClient();
  const body = Buffer.from(
    JSON.stringify({
      siteCode: 'PS1',
      hostname: `fake-${n}`,
      publicKey: client.publicKeyPem,
      category: 'workgroup',
      agentVersion: 'attack',
    }),
  );
  const res = await call(`${http}/mp/v1/register`, {
    method: 'POST',
    body,
    localAddress,
    headers: client.signedHeaders('POST', '/mp/v1/register', body),
  });
  return { res, client };
}

test('one source registering fake clients in a loop gets 429 with Retry-After after its budget, while another source still registers and an honest agent backs off and gets in', async (t) => {
  const site = await limitedServer(t, 20, 600);
  const started = Date.now();
  const statuses: number[] = [];
  let retryAfter = 0;
  for (let i = 0; i < 200; i += 1) {
    const { res } = await registerFresh(site.http, i);
    statuses.push(res.status);
    if (res.status === 429) {
      assert.equal(res.body.error.code, 'E_RATE_LIMITED');
      retryAfter = Number(res.headers['retry-after']);
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${String(res.headers['retry-after'])}`);
      assert.equal(res.body.error.details.retryAfterSeconds, retryAfter);
    } else assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  const seconds = (Date.now() - started) / 1000;
  const accepted = statuses.filter((s) => s === 200).length;
  // 20 at once, then one every 3 s (20 a minute) while the loop ran.
  assert.ok(
    accepted >= 20 && accepted <= 21 + Math.ceil(seconds / 3),
    `${accepted} of 200 registrations accepted in ${seconds.toFixed(1)} s`,
  );
  assert.deepEqual(statuses.slice(0, 20), Array<number>(20).fill(200), 'the burst is served');
  assert.ok(statuses.filter((s) => s === 429).length >= 200 - accepted, 'everything else was refused with 429');

  const other = await registerFresh(site.http, 1000, '127.0.0.2');
  assert.equal(other.res.status, 200, `another source still registers: ${JSON.stringify(other.res.body)}`);
  const list = await site.admin<ClientList>('/sites/PS1/clients');
  assert.equal(list.clients.length, accepted + 1, 'the site holds only the clients it accepted');

  // An honest agent from the throttled source is told to wait, waits, and then registers.
  const stateDir = path.join(tempDir(t), 'honest');
  runSetup({
    stateDir,
    properties: [
      'SMSSITECODE=PS1',
      'SMSMP=127.0.0.1',
      `CCMHTTPPORT=${site.ports.http.default}`,
      `CCMHTTPSPORT=${site.ports.https.default}`,
      `SMSCAFINGERPRINT=${site.fingerprint}`,
    ],
  });
  const agent = startCli(['agent', '--state', stateDir, '--log-level', 'warn'], /$^/);
  agent.started.catch(() => undefined);
  t.after(() => void agent.child.kill('SIGTERM'));
  // The attacker keeps the source's bucket empty until the agent has been refused once (bounded: 150 tries, 5 a second).
  let attacks = 0;
  while (readClientStatus(stateDir).lastError?.code !== 'E_RATE_LIMITED') {
    assert.ok(attacks < 150, 'the agent was never rate-limited while the source was flooding');
    await registerFresh(site.http, 2000 + attacks);
    attacks += 1;
    await new Promise((r) => setTimeout(r, 200));
  }
  const warned = await waitFor(
    'the agent logs its wait',
    () => /"code":"E_RATE_LIMITED","retryInMs":(\d+)/.exec(agent.output().stderr)?.[1],
    10_000,
  );
  assert.ok(
    Number(warned) >= 1000,
    `the agent waits at least the Retry-After second(s), not its 1 s backoff doubling from zero: ${warned} ms`,
  );
  await waitFor(
    'the agent registers after waiting',
    () => readClientStatus(stateDir).clientId !== null && readClientStatus(stateDir).state === 'running',
    30_000,
  );
});

test('one source opening client sessions in a loop gets 429 after its budget; the registered client still works with signed requests', async (t) => {
  const site = await limitedServer(t, 60, 5);
  const { res, client } = await registerFresh(site.http, 0);
  assert.equal(res.status, 200);
  client.clientId = res.body.clientId as string;
  const statuses: number[] = [];
  for (let i = 0; i < 50; i += 1) {
    const x = String(generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }).x);
    const body = Buffer.from(JSON.stringify({ publicKey: x }));
    const opened = await call(`${site.http}${CLIENT_SESSION_PATH}`, {
      method: 'POST',
      body,
      headers: client.signedHeaders('POST', CLIENT_SESSION_PATH, body),
    });
    statuses.push(opened.status);
    if (opened.status === 429) assert.equal(opened.body.error.code, 'E_RATE_LIMITED');
  }
  assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
  assert.ok(
    statuses.slice(5).filter((s) => s === 429).length >= 40,
    `session openings after the budget are refused: ${statuses.join(',')}`,
  );
  const policy = await call(`${site.http}/mp/v1/policy`, {
    headers: client.signedHeaders('GET', '/mp/v1/policy', Buffer.alloc(0)),
  });
  assert.equal(policy.status, 200, 'policy and heartbeat are not limited');
});

test('keys from many source addresses cannot grow the approval queue past --max-pending-clients; once an administrator retires one, the next registers', async (t) => {
  const site = await limitedServer(t, 0, 600, ['--max-pending-clients', '5']);
  await site.admin('/sites/PS1/registration', 'PATCH', { mode: 'approve-new' });
  const codes: string[] = [];
  let refusal: { code?: string; message?: string } = {};
  // Each fake client from its own loopback address, so no per-source limit is what stops them.
  for (let i = 0; i < 12; i += 1) {
    const { res } = await registerFresh(site.http, i, `127.0.3.${i + 1}`);
    codes.push(`${res.status} ${String(res.body.error?.code)}`);
    if (res.status === 503) refusal = res.body.error;
  }
  // A registered pending key is told to wait for approval (403); past the cap nothing is stored (503).
  assert.deepEqual(codes, [
    ...Array<string>(5).fill('403 E_CLIENT_PENDING'),
    ...Array<string>(7).fill('503 E_PENDING_FULL'),
  ]);
  assert.match(refusal.message ?? '', /--max-pending-clients/);
  const list = await site.admin<ClientList>('/sites/PS1/clients');
  assert.equal(list.clients.filter((c) => c.status === 'pending').length, 5, 'the queue holds five');

  const first = list.clients[0]?.clientId ?? '';
  await site.admin(`/sites/PS1/clients/${first}/retire`, 'POST', {});
  const next = await registerFresh(site.http, 100, '127.0.3.100');
  assert.equal(`${next.res.status} ${String(next.res.body.error?.code)}`, '403 E_CLIENT_PENDING');
  const after = await site.admin<ClientList>('/sites/PS1/clients');
  assert.equal(after.clients.filter((c) => c.status === 'pending').length, 5);
  assert.ok(
    after.clients.some((c) => c.hostname === 'fake-100'),
    'the new key waits for approval',
  );
});
