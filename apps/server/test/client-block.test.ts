import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { test } from 'node:test';
import type { StateStore } from '@siteport/agent';
import {
  type AuditList,
  type ClientList,
  type NotifyFrame,
  type NotifyResult,
  type SiteView,
  FrameDecoder,
  REGISTRATION_CLIENT_ID,
  encodeFrame,
  framePayloadJson,
  isSiteportError,
  notifyAuthString,
} from '@siteport/protocol';
import { TestMpClient, call } from '../../../test-support/mp-client.js';
import { startNotifyAgent, until } from '../../../test-support/notify-fixture.js';
import { type TestServer, startTestServer } from '../../../test-support/test-server.js';

/** Signs requests with an agent's own key, as an attacker holding that client's state dir would. */
function impersonate(store: StateStore, clientId: string): TestMpClient {
  const client = new TestMpClient();
  client.clientId = clientId;
  const key = createPrivateKey(store.readText('key') ?? '');
  const signedHeaders = client.signedHeaders.bind(client);
  client.signedHeaders = (method, p, body, overrides = {}) => signedHeaders(method, p, body, overrides, key);
  return client;
}

/** Opens the notification port and authenticates as a client; resolves with the error code the server answers, or 'ready'. */
async function notifyAs(srv: TestServer, store: StateStore, clientId: string): Promise<string> {
  const ca = readFileSync(path.join(srv.dataDir, 'pki', 'ca.pem'), 'utf8');
  const socket = tls.connect({ host: '127.0.0.1', port: srv.server.info.ports.notification, ca });
  const frames: NotifyFrame[] = [];
  const decoder = new FrameDecoder();
  socket.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk)));
  socket.on('error', () => undefined);
  try {
    await until('the challenge', () => frames.some((f) => f.type === 'challenge'), 5000);
    const { nonce } = framePayloadJson(frames[0]!) as { nonce: string };
    const signature = sign(
      null,
      Buffer.from(notifyAuthString('PS1', clientId, nonce)),
      createPrivateKey(store.readText('key') ?? ''),
    ).toString('base64');
    socket.write(encodeFrame('auth', { clientId, signature }));
    await until(
      'an answer to the auth frame',
      () => frames.some((f) => f.type === 'error' || f.type === 'ready'),
      5000,
    );
    const error = frames.find((f) => f.type === 'error');
    return error === undefined ? 'ready' : String(framePayloadJson(error).code);
  } finally {
    socket.destroy();
  }
}

function policyOf(srv: TestServer, as: TestMpClient) {
  const port = srv.server.info.ports.http.default;
  return call(`http://127.0.0.1:${port}/mp/v1/policy`, {
    headers: as.signedHeaders('GET', '/mp/v1/policy', Buffer.alloc(0)),
  });
}

test("a blocked client's requests and notification connection are refused within a second, the MP's other clients are unaffected, and unblocking restores it", async (t) => {
  const srv = await startTestServer(t, { notifyKeepAliveSeconds: 1 });
  const victim = await startNotifyAgent(t, srv, { hostname: 'blocked-host' });
  const bystander = await startNotifyAgent(t, srv, { hostname: 'other-host' });
  await until(
    'both notification channels',
    () => victim.agent.notification?.state === 'tcp' && bystander.agent.notification?.state === 'tcp',
  );
  const attacker = impersonate(victim.store, victim.clientId);
  assert.equal((await policyOf(srv, attacker)).status, 200, 'served before the block');

  const blocked = await srv.admin<{ from: string; status: string }>(
    'POST',
    `/sites/PS1/clients/${victim.clientId}/block`,
    { reason: 'stolen laptop' },
  );
  assert.equal(blocked.status, 200, JSON.stringify(blocked.body));
  assert.deepEqual([blocked.body.from, blocked.body.status], ['active', 'blocked']);
  await until(
    'the blocked client loses its notification channel',
    () => victim.agent.notification?.state !== 'tcp',
    1000,
  );
  const refused = await policyOf(srv, attacker);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, 'E_CLIENT_BLOCKED');
  assert.equal(
    await notifyAs(srv, victim.store, victim.clientId),
    'E_CLIENT_BLOCKED',
    'a new notification connection is refused',
  );
  await assert.rejects(
    victim.agent.cycleNow(),
    (e: unknown) => isSiteportError(e, 'E_CLIENT_BLOCKED'),
    'its session MAC no longer works either',
  );
  const registration = await registerWithKeyOf(srv, victim.store, 'blocked-host');
  assert.equal(registration.body.error.code, 'E_CLIENT_BLOCKED', 'registering the key again does not escape the block');

  assert.equal(bystander.agent.notification?.state, 'tcp', 'the other client keeps its channel');
  await bystander.agent.cycleNow();
  const pushed = await srv.admin<NotifyResult>('POST', '/notify', {
    clients: [bystander.clientId],
    action: 'policy',
    waitSeconds: 10,
  });
  assert.equal(pushed.body.results[0]?.outcome, 'acknowledged');

  const audit = await srv.admin<AuditList>('GET', '/audit?site=PS1');
  const entry = audit.body.entries.find((e) => e.action === 'client-block');
  assert.ok(entry, 'the block is audited');
  assert.deepEqual(entry.newValue, { clientId: victim.clientId, status: 'blocked', reason: 'stolen laptop' });

  assert.equal((await srv.admin('POST', `/sites/PS1/clients/${victim.clientId}/unblock`)).status, 200);
  assert.equal((await policyOf(srv, attacker)).status, 200, 'served again');
  await victim.agent.cycleNow();
  await until('the notification channel is back', () => victim.agent.notification?.state === 'tcp', 20_000);
});

/** Registers again with an agent's key, as its machine (or a thief of its state dir) would. */
function registerWithKeyOf(srv: TestServer, store: StateStore, hostname: string) {
  const key = createPrivateKey(store.readText('key') ?? '');
  const publicKey = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  const body = Buffer.from(
    JSON.stringify({ siteCode: 'PS1', hostname, publicKey, category: 'workgroup', agentVersion: 't' }),
  );
  const signer = new TestMpClient();
  signer.clientId = REGISTRATION_CLIENT_ID;
  return call(`http://127.0.0.1:${srv.server.info.ports.http.default}/mp/v1/register`, {
    method: 'POST',
    body,
    headers: signer.signedHeaders('POST', '/mp/v1/register', body, {}, key),
  });
}

test('a retired client is refused with its old key, leaves the counts, stays listed, and cannot register again with its old key', async (t) => {
  const srv = await startTestServer(t);
  const old = await startNotifyAgent(t, srv, { hostname: 'decommissioned' });
  const kept = await startNotifyAgent(t, srv, { hostname: 'kept' });
  await old.agent.stop();
  assert.equal((await srv.admin<SiteView>('GET', '/sites/PS1')).body.clients.total, 2);
  const retired = await srv.admin<{ status: string }>('POST', `/sites/PS1/clients/${old.clientId}/retire`, {});
  assert.equal(retired.body.status, 'retired');
  const refused = await policyOf(srv, impersonate(old.store, old.clientId));
  assert.equal(refused.body.error.code, 'E_CLIENT_RETIRED');
  assert.equal(
    (await registerWithKeyOf(srv, old.store, 'decommissioned')).body.error.code,
    'E_CLIENT_RETIRED',
    'its key is no longer accepted for a registration either',
  );
  const site = (await srv.admin<SiteView>('GET', '/sites/PS1')).body;
  assert.equal(site.clients.total, 1, 'retired clients leave the counts');
  const list = (await srv.admin<ClientList>('GET', '/sites/PS1/clients')).body;
  assert.deepEqual(
    list.clients.map((c) => [c.hostname, c.status]).sort(),
    [
      ['decommissioned', 'retired'],
      ['kept', 'active'],
    ],
    'the record stays for history',
  );
  const twice = await srv.admin<{ error: { code: string } }>('POST', `/sites/PS1/clients/${old.clientId}/approve`, {});
  assert.equal(twice.status, 409);
  assert.equal(twice.body.error.code, 'E_CLIENT_STATE');
  assert.equal((await policyOf(srv, impersonate(kept.store, kept.clientId))).status, 200);
});
