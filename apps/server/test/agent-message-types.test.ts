import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sign } from 'node:crypto';
import tls from 'node:tls';
import { test } from 'node:test';
import {
  CLIENT_SESSION_PATH,
  FrameDecoder,
  type NotifyFrame,
  type PortsView,
  type RegisterResponse,
  encodeFrame,
  framePayloadJson,
  notifyAuthString,
} from '@siteport/protocol';
import { TestMpClient, call } from '../../../test-support/mp-client.js';
import { until } from '../../../test-support/notify-fixture.js';
import { type TestServer, startTestServer } from '../../../test-support/test-server.js';

const REGISTRATION = { siteCode: 'PS1', hostname: 'host-a', category: 'workgroup', agentVersion: '0.1.0' };

async function registered(t: Parameters<typeof startTestServer>[0]) {
  const s = await startTestServer(t);
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const base = `http://127.0.0.1:${ports.http.default}`;
  const client = new TestMpClient();
  const send = (p: string, payload: unknown, who = client) => {
    const body = Buffer.from(JSON.stringify(payload));
    return call(`${base}${p}`, { method: 'POST', body, headers: who.signedHeaders('POST', p, body) });
  };
  const reg = await send('/mp/v1/register', { ...REGISTRATION, publicKey: client.publicKeyPem });
  assert.equal(reg.status, 200, JSON.stringify(reg.body));
  client.clientId = (reg.body as RegisterResponse).clientId;
  return { s, client, send };
}

/** What an agent message can have changed: the client rows, interfaces and pre-flight reports. */
async function stored(s: TestServer): Promise<unknown> {
  const db = s.server.db;
  return {
    clients: await db
      .selectFrom('clients')
      .select(['id', 'hostname', 'agent_state', 'settings_version', 'state_dir'])
      .orderBy('id')
      .execute(),
    interfaces: await db.selectFrom('client_interfaces').selectAll().execute(),
    probes: await db.selectFrom('probe_reports').selectAll().execute(),
  };
}

test('every JSON message an agent sends the management point is checked against its schema: wrong types are refused with E_VALIDATION naming the field, and nothing is stored', async (t) => {
  const { s, client, send } = await registered(t);
  const before = await stored(s);
  const fresh = new TestMpClient();
  const beat = { settingsVersion: 1, agentState: 'running', hostname: 'host-a' };
  const cases: [path: string, body: unknown, field: string, who?: TestMpClient][] = [
    ['/mp/v1/register', { ...REGISTRATION, publicKey: fresh.publicKeyPem, category: 5 }, '/category', fresh],
    ['/mp/v1/register', { ...REGISTRATION, publicKey: fresh.publicKeyPem, agentVersion: 1 }, '/agentVersion', fresh],
    ['/mp/v1/register', { ...REGISTRATION, publicKey: fresh.publicKeyPem, siteCode: ['PS1'] }, '/siteCode', fresh],
    ['/mp/v1/heartbeat', { ...beat, settingsVersion: '1' }, '/settingsVersion'],
    ['/mp/v1/heartbeat', { ...beat, hostname: 5 }, '/hostname'],
    ['/mp/v1/heartbeat', { ...beat, stateDir: 7 }, '/stateDir'],
    [
      '/mp/v1/heartbeat',
      { ...beat, portSwitch: { at: '2026-01-31T08:00:00Z', httpPort: '80', httpsPort: null } },
      '/portSwitch/httpPort',
    ],
    ['/mp/v1/probe-report', { rolloutId: 5, results: [] }, '/rolloutId'],
    ['/mp/v1/probe-report', { rolloutId: 'r1', results: 'none' }, '/results'],
    [CLIENT_SESSION_PATH, { publicKey: 5 }, '/publicKey'],
    ['/mp/v1/notify/poll', { waitSeconds: '5', acks: [] }, '/waitSeconds'],
    ['/mp/v1/notify/poll', { waitSeconds: 0, acks: [{ id: 'a1', ok: 'yes' }] }, '/acks/0/ok'],
    ['/mp/v1/inventory', { interfaces: 'eth0' }, '/interfaces'],
    [
      '/mp/v1/inventory',
      { interfaces: [{ name: 'eth0', mac: '00:11:22:33:44:55', address: '10.0.0.5', prefixLength: '24' }] },
      '/interfaces/0/prefixLength',
    ],
  ];
  for (const [p, body, field, who] of cases) {
    const res = await send(p, body, who);
    const what = `${p} ${JSON.stringify(body).slice(0, 100)}`;
    assert.equal(res.status, 400, `${what} → ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'E_VALIDATION', what);
    assert.equal(res.body.error.details.field, field, `${what}: ${res.body.error.message}`);
    assert.match(res.body.error.message, new RegExp(`: ${field} (must be|is required)`), what);
  }
  assert.deepEqual(await stored(s), before, 'nothing of a refused message is stored');
  assert.equal((await send('/mp/v1/heartbeat', beat)).status, 200, 'the same client is still served');
  assert.equal(client.clientId.length > 0, true);
});

test('auth and ack frames of the notification channel are checked against their schemas: wrong types close the connection with the field named', async (t) => {
  const { s, client } = await registered(t);
  const ca = readFileSync(path.join(s.dataDir, 'pki', 'ca.pem'), 'utf8');
  const connect = async () => {
    const socket = tls.connect({ host: '127.0.0.1', port: s.server.info.ports.notification, ca });
    const frames: NotifyFrame[] = [];
    const decoder = new FrameDecoder();
    let closed = false;
    socket.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk)));
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    await until('the challenge', () => frames.some((f) => f.type === 'challenge'), 5000);
    const refused = async (): Promise<{ code: string; message: string }> => {
      await until('an error frame and the close', () => closed && frames.some((f) => f.type === 'error'), 5000);
      return framePayloadJson(frames.find((f) => f.type === 'error')!) as { code: string; message: string };
    };
    return { socket, frames, refused, challenge: framePayloadJson(frames[0]!) as { siteCode: string; nonce: string } };
  };

  const typeless = await connect();
  typeless.socket.write(encodeFrame('auth', { clientId: 5, signature: true }));
  const auth = await typeless.refused();
  assert.equal(auth.code, 'E_NOTIFY_AUTH');
  assert.match(auth.message, /^auth frame: \/clientId must be /);

  const peer = await connect();
  const signature = sign(
    null,
    Buffer.from(notifyAuthString(peer.challenge.siteCode, client.clientId, peer.challenge.nonce)),
    client.privateKey,
  );
  peer.socket.write(encodeFrame('auth', { clientId: client.clientId, signature: signature.toString('base64') }));
  await until('ready', () => peer.frames.some((f) => f.type === 'ready'), 5000);
  peer.socket.write(encodeFrame('ack', { id: 'a1', ok: 'yes' }));
  const ack = await peer.refused();
  assert.equal(ack.code, 'E_NOTIFY_FRAME');
  assert.match(ack.message, /^ack frame: \/ok must be true or false/);
});
