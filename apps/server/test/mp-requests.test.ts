import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import type { PortsView, RegisterResponse } from '@siteport/protocol';
import { TestMpClient, call } from '../../../test-support/mp-client.js';
import { startTestServer } from '../../../test-support/test-server.js';

async function setup(t: Parameters<typeof startTestServer>[0]) {
  const s = await startTestServer(t);
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const http = `http://127.0.0.1:${ports.http.default}`;
  const https = `https://127.0.0.1:${ports.https.default}`;
  const ca = (await call(`${http}/mp/v1/ca`)).body.caCertificate as string;
  const client = new TestMpClient();
  const body = Buffer.from(
    JSON.stringify({
      siteCode: 'PS1',
      hostname: 'host-a',
      publicKey: client.publicKeyPem,
      category: 'workgroup',
      agentVersion: 'test',
    }),
  );
  const reg = await call(`${https}/mp/v1/register`, {
    method: 'POST',
    body,
    ca,
    headers: client.signedHeaders('POST', '/mp/v1/register', body),
  });
  assert.equal(reg.status, 200, JSON.stringify(reg.body));
  client.clientId = (reg.body as RegisterResponse).clientId;
  return { s, ports, http, https, ca, client };
}

test('a registered client downloads policy over HTTPS with the pinned site CA and over HTTP', async (t) => {
  const { http, https, ca, client, ports } = await setup(t);
  for (const base of [https, http]) {
    const res = await call(`${base}/mp/v1/policy`, {
      ca,
      headers: client.signedHeaders('GET', '/mp/v1/policy', Buffer.alloc(0)),
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.siteCode, 'PS1');
    assert.equal(res.body.settingsVersion, 1);
    assert.deepEqual(res.body.ports.http, ports.http);
  }
});

test('the heartbeat records the port and protocol the client used', async (t) => {
  const { s, https, ca, client, ports } = await setup(t);
  const body = Buffer.from(JSON.stringify({ settingsVersion: 1, agentState: 'running', hostname: 'host-a' }));
  const res = await call(`${https}/mp/v1/heartbeat`, {
    method: 'POST',
    body,
    ca,
    headers: client.signedHeaders('POST', '/mp/v1/heartbeat', body),
  });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.observed, { port: ports.https.default, protocol: 'https' });
  const view = await s.admin<any>('GET', `/clients/${client.clientId}`);
  assert.equal(view.body.lastContact.port, ports.https.default);
  assert.equal(view.body.lastContact.protocol, 'https');
  assert.equal(view.body.agentState, 'running');
  assert.equal(view.body.activity, 'active');
});

test('unsigned, unknown, wrongly signed, replayed and stale requests are rejected', async (t) => {
  const { http, client } = await setup(t);
  const path = '/mp/v1/policy';
  const empty = Buffer.alloc(0);
  const expectCode = async (headers: Record<string, string>, code: string): Promise<void> => {
    const res = await call(`${http}${path}`, { headers });
    assert.equal(res.status, 401, code);
    assert.equal(res.body.error.code, code);
  };
  await expectCode({}, 'E_UNSIGNED');
  const stranger = new TestMpClient();
  stranger.clientId = '00000000-0000-4000-8000-000000000000';
  await expectCode(stranger.signedHeaders('GET', path, empty), 'E_UNKNOWN_CLIENT');
  await expectCode(
    client.signedHeaders('GET', path, empty, {}, generateKeyPairSync('ed25519').privateKey),
    'E_BAD_SIGNATURE',
  );
  await expectCode(client.signedHeaders('GET', '/mp/v1/other', empty), 'E_BAD_SIGNATURE');
  const once = client.signedHeaders('GET', path, empty);
  assert.equal((await call(`${http}${path}`, { headers: once })).status, 200);
  await expectCode(once, 'E_REPLAY');
  await expectCode(
    client.signedHeaders('GET', path, empty, { timestamp: String(Date.now() - 10 * 60 * 1000) }),
    'E_STALE_REQUEST',
  );
  await expectCode(
    client.signedHeaders('GET', path, empty, { timestamp: String(Date.now() + 10 * 60 * 1000) }),
    'E_STALE_REQUEST',
  );
});

test('in HTTPS-only mode the MP refuses plain HTTP client requests', async (t) => {
  const { s, http, https, ca, client } = await setup(t);
  await s.admin('PATCH', '/sites/PS1/ports', { communicationMode: 'https-only' });
  const refused = await call(`${http}/mp/v1/policy`, {
    headers: client.signedHeaders('GET', '/mp/v1/policy', Buffer.alloc(0)),
  });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, 'E_HTTPS_REQUIRED');
  const ok = await call(`${https}/mp/v1/policy`, {
    ca,
    headers: client.signedHeaders('GET', '/mp/v1/policy', Buffer.alloc(0)),
  });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.communicationMode, 'https-only');
});

test('registration with a key of the wrong type, a bad body or a foreign site is refused', async (t) => {
  const { http } = await setup(t);
  const client = new TestMpClient();
  const send = async (payload: unknown) => {
    const body = Buffer.from(JSON.stringify(payload));
    return call(`${http}/mp/v1/register`, {
      method: 'POST',
      body,
      headers: client.signedHeaders('POST', '/mp/v1/register', body),
    });
  };
  const base = {
    siteCode: 'PS1',
    hostname: 'h',
    publicKey: client.publicKeyPem,
    category: 'workgroup',
    agentVersion: 't',
  };
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();
  assert.equal((await send({ ...base, publicKey: rsa })).body.error.code, 'E_BAD_REQUEST');
  assert.equal((await send({ ...base, category: 'martian' })).body.error.code, 'E_VALIDATION');
  assert.equal((await send({ ...base, siteCode: 'XY1' })).body.error.code, 'E_SITE_MISMATCH');
  const big = await call(`${http}/mp/v1/register`, { method: 'POST', body: Buffer.alloc(100_000, 32) });
  assert.equal(big.status, 413);
  assert.equal((await call(`${http}/nothing`)).body.error.code, 'E_NOT_FOUND');
});
