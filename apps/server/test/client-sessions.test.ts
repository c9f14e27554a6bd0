import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { generateKeyPairSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { type ClientSession, sessionHeaders, startClientSession } from '@siteport/agent';
import {
  CLIENT_SESSION_PATH,
  type ClientSessionResponse,
  type NotifyResult,
  type PortsView,
  type RegisterResponse,
  SESSION_HEADERS,
  SIGNATURE_HEADERS,
} from '@siteport/protocol';
import { TestMpClient, call } from '../../../test-support/mp-client.js';
import { NftBlock } from '../../../test-support/nft-block.js';
import { startNotifyAgent, until } from '../../../test-support/notify-fixture.js';
import { requireTool } from '../../../test-support/require-tool.js';
import { startTestServer } from '../../../test-support/test-server.js';

const POLL = '/mp/v1/notify/poll';
const POLICY = '/mp/v1/policy';
const HEARTBEAT = '/mp/v1/heartbeat';
const sessionEvents = diagnostics.channel('siteport:mp:session');

/** A client request as the MP's listener answered it: how it was authenticated, and the status. */
interface Answered {
  path: string;
  mac: boolean;
  signed: boolean;
  status: number;
}

/** Records every `/mp/v1` request the in-process servers answer (node:http's own diagnostics channel) until the test ends. */
function answeredRequests(t: { after(fn: () => unknown): void }): Answered[] {
  const seen: Answered[] = [];
  const channel = diagnostics.channel('http.server.response.finish');
  const onFinish = (message: unknown): void => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    const path = (request.url ?? '').split('?')[0] ?? '';
    if (!path.startsWith('/mp/v1/')) return;
    seen.push({
      path,
      mac: request.headers[SESSION_HEADERS.mac] !== undefined,
      signed: request.headers[SIGNATURE_HEADERS.signature] !== undefined,
      status: response.statusCode,
    });
  };
  channel.subscribe(onFinish);
  t.after(() => channel.unsubscribe(onFinish));
  return seen;
}

/** Counts the sessions opened for one client (the MP's `siteport:mp:session` channel) until the test ends. */
function sessionOpens(t: { after(fn: () => unknown): void }, clientId: () => string): { count: () => number } {
  // Every opening is kept and filtered when counted: the agent opens its first session while it
  // starts, before the test knows the client id it registered with.
  const opened: string[] = [];
  const onSession = (message: unknown): void => void opened.push((message as { clientId: string }).clientId);
  sessionEvents.subscribe(onSession);
  t.after(() => sessionEvents.unsubscribe(onSession));
  return { count: () => opened.filter((id) => id === clientId()).length };
}

async function registered(t: Parameters<typeof startTestServer>[0]) {
  const srv = await startTestServer(t);
  const ports = (await srv.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const base = `http://127.0.0.1:${ports.http.default}`;
  const client = new TestMpClient();
  const body = Buffer.from(
    JSON.stringify({
      siteCode: 'PS1',
      hostname: 'poller',
      publicKey: client.publicKeyPem,
      category: 'workgroup',
      agentVersion: 'test',
    }),
  );
  const reg = await call(`${base}/mp/v1/register`, {
    method: 'POST',
    body,
    headers: client.signedHeaders('POST', '/mp/v1/register', body),
  });
  assert.equal(reg.status, 200, JSON.stringify(reg.body));
  client.clientId = (reg.body as RegisterResponse).clientId;
  /** Opens a session with a signed request, as the agent does. */
  const open = async (signer = client): Promise<ClientSession> => {
    const pending = startClientSession(client.clientId);
    const sessionBody = Buffer.from(JSON.stringify({ publicKey: pending.publicKey }));
    const res = await call(`${base}${CLIENT_SESSION_PATH}`, {
      method: 'POST',
      body: sessionBody,
      headers: signer.signedHeaders('POST', CLIENT_SESSION_PATH, sessionBody),
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((res.body as ClientSessionResponse).scope, 'requests');
    return pending.finish(res.body as ClientSessionResponse);
  };
  const poll = (headers: Record<string, string>, body: Buffer) =>
    call(`${base}${POLL}`, { method: 'POST', body, headers });
  return { srv, base, client, open, poll };
}

describe('client sessions over HTTP', () => {
  it('a policy download and a heartbeat carrying the session MAC are answered, and a forged MAC is refused', async (t) => {
    const { srv, base, client, open } = await registered(t);
    const session = await open();
    const policy = await call(`${base}${POLICY}`, { headers: sessionHeaders(session, 'GET', POLICY, Buffer.alloc(0)) });
    assert.equal(policy.status, 200, JSON.stringify(policy.body));
    assert.equal(policy.body.siteCode, 'PS1');
    const beat = Buffer.from(JSON.stringify({ settingsVersion: 1, agentState: 'running', hostname: 'poller' }));
    const heartbeat = await call(`${base}${HEARTBEAT}`, {
      method: 'POST',
      body: beat,
      headers: sessionHeaders(session, 'POST', HEARTBEAT, beat),
    });
    assert.equal(heartbeat.status, 200, JSON.stringify(heartbeat.body));
    assert.equal(heartbeat.body.observed.protocol, 'http');
    await until(
      'the heartbeat recorded',
      async () =>
        (await srv.admin<{ agentState: string }>('GET', `/clients/${client.clientId}`)).body.agentState === 'running',
    );

    const forged = { ...session, key: Buffer.alloc(32, 7) };
    const refusedPolicy = await call(`${base}${POLICY}`, {
      headers: sessionHeaders(forged, 'GET', POLICY, Buffer.alloc(0)),
    });
    assert.equal(refusedPolicy.status, 401);
    assert.equal(refusedPolicy.body.error.code, 'E_BAD_SESSION_MAC');
    const refusedBeat = await call(`${base}${HEARTBEAT}`, {
      method: 'POST',
      body: beat,
      headers: sessionHeaders(forged, 'POST', HEARTBEAT, beat),
    });
    assert.equal(refusedBeat.body.error.code, 'E_BAD_SESSION_MAC');
    // The MAC covers the path: a policy MAC does not open the heartbeat.
    const moved = await call(`${base}${HEARTBEAT}`, {
      method: 'POST',
      body: beat,
      headers: sessionHeaders(session, 'GET', POLICY, beat),
    });
    assert.equal(moved.body.error.code, 'E_BAD_SESSION_MAC');

    // Without session headers a request is verified as a signed one (agents that predate sessions).
    const signed = await call(`${base}${POLICY}`, { headers: client.signedHeaders('GET', POLICY, Buffer.alloc(0)) });
    assert.equal(signed.status, 200);
    // Registration and opening a session still need a signature.
    const again = Buffer.from(JSON.stringify({ publicKey: startClientSession(client.clientId).publicKey }));
    const macOnly = await call(`${base}${CLIENT_SESSION_PATH}`, {
      method: 'POST',
      body: again,
      headers: sessionHeaders(session, 'POST', CLIENT_SESSION_PATH, again),
    });
    assert.equal(macOnly.body.error.code, 'E_UNSIGNED');
  });

  it('an agent checks in with its session MAC, and opens a new session by itself after the management point restarted', async (t) => {
    const srv = await startTestServer(t);
    const answered = answeredRequests(t);
    let id = '';
    const opens = sessionOpens(t, () => id);
    const { agent, clientId } = await startNotifyAgent(t, srv);
    id = clientId;
    await agent.cycleNow();
    const checkIn = (from: number): Answered[] =>
      answered.slice(from).filter((r) => r.path === POLICY || r.path === HEARTBEAT);
    assert.ok(checkIn(0).length >= 2, JSON.stringify(answered));
    assert.ok(
      checkIn(0).every((r) => r.mac && !r.signed && r.status === 200),
      JSON.stringify(checkIn(0)),
    );
    assert.equal(opens.count(), 1, 'one session for the client');

    await srv.stop();
    const restarted = await startTestServer(t, { dataDir: srv.dataDir });
    const since = answered.length;
    await agent.cycleNow();
    const after = answered.slice(since);
    assert.ok(
      after.some((r) => r.mac && r.status === 401),
      `the old session is refused: ${JSON.stringify(after)}`,
    );
    assert.ok(
      after.some((r) => r.path === CLIENT_SESSION_PATH && r.signed && r.status === 200),
      'a new session is opened with a signed request',
    );
    const accepted = checkIn(since).filter((r) => r.status === 200);
    assert.ok(
      accepted.some((r) => r.path === POLICY) && accepted.some((r) => r.path === HEARTBEAT),
      JSON.stringify(after),
    );
    assert.ok(
      accepted.every((r) => r.mac && !r.signed),
      JSON.stringify(accepted),
    );
    assert.equal(opens.count(), 2);
    const view = await restarted.admin<{ lastContact: { port: number } | null }>('GET', `/clients/${clientId}`);
    assert.equal(view.status, 200);
  });

  it('a long-poll authenticated by the session MAC is answered like a signed one, and acknowledges a pushed action', async (t) => {
    const { srv, client, open, poll } = await registered(t);
    const session = await open();
    const first = Buffer.from(JSON.stringify({ waitSeconds: 5, acks: [] }));
    const waiting = poll(sessionHeaders(session, 'POST', POLL, first), first);
    await until(
      'the poll to wait',
      async () =>
        (await srv.admin<{ clients: { channel: string }[] }>('GET', '/notify/clients')).body.clients[0]?.channel ===
        'http-poll',
    );
    const push = srv.admin<NotifyResult>('POST', '/notify', {
      clients: [client.clientId],
      action: 'heartbeat',
      waitSeconds: 10,
    });
    const answered = await waiting;
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    const [action] = answered.body.actions as { id: string; action: string }[];
    assert.equal(action?.action, 'heartbeat');
    const ack = Buffer.from(JSON.stringify({ waitSeconds: 0, acks: [{ id: action.id, ok: true }] }));
    assert.equal((await poll(sessionHeaders(session, 'POST', POLL, ack), ack)).status, 200);
    assert.deepEqual((await push).body.results, [
      { clientId: client.clientId, outcome: 'acknowledged', via: 'http-poll' },
    ]);
  });

  it('refuses a bad MAC, a replay, a stale request, an unknown session and a session opened without the registered key, with codes', async (t) => {
    const { client, open, poll, base } = await registered(t);
    const session = await open();
    const body = Buffer.from(JSON.stringify({ waitSeconds: 0, acks: [] }));
    const expectCode = async (headers: Record<string, string>, code: string, payload = body): Promise<void> => {
      const res = await poll(headers, payload);
      assert.equal(res.status, 401, `${code}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, code);
    };
    await expectCode(sessionHeaders({ ...session, key: Buffer.alloc(32, 7) }, 'POST', POLL, body), 'E_BAD_SESSION_MAC');
    await expectCode(
      sessionHeaders(session, 'POST', POLL, body),
      'E_BAD_SESSION_MAC',
      Buffer.from(JSON.stringify({ waitSeconds: 1, acks: [] })),
    );
    const once = sessionHeaders(session, 'POST', POLL, body);
    assert.equal((await poll(once, body)).status, 200);
    await expectCode(once, 'E_REPLAY');
    const realNow = Date.now;
    Date.now = () => realNow() - 10 * 60_000;
    const stale = sessionHeaders(session, 'POST', POLL, body);
    Date.now = realNow;
    await expectCode(stale, 'E_STALE_REQUEST');
    await expectCode(
      sessionHeaders({ ...session, id: 'AAAAAAAAAAAAAAAAAAAAAA' }, 'POST', POLL, body),
      'E_SESSION_EXPIRED',
    );
    // A newer session replaces the old one.
    const newer = await open();
    await expectCode(sessionHeaders(session, 'POST', POLL, body), 'E_SESSION_EXPIRED');
    assert.equal((await poll(sessionHeaders(newer, 'POST', POLL, body), body)).status, 200);

    // Opening a session needs the client's registered key.
    const impostor = new TestMpClient();
    impostor.clientId = client.clientId;
    const pending = startClientSession(client.clientId);
    const open2 = Buffer.from(JSON.stringify({ publicKey: pending.publicKey }));
    const forged = await call(`${base}${CLIENT_SESSION_PATH}`, {
      method: 'POST',
      body: open2,
      headers: impostor.signedHeaders(
        'POST',
        CLIENT_SESSION_PATH,
        open2,
        {},
        generateKeyPairSync('ed25519').privateKey,
      ),
    });
    assert.equal(forged.body.error.code, 'E_BAD_SIGNATURE');
    const unsigned = await call(`${base}${CLIENT_SESSION_PATH}`, { method: 'POST', body: open2 });
    assert.equal(unsigned.body.error.code, 'E_UNSIGNED');
    const badKey = Buffer.from(JSON.stringify({ publicKey: 'not a key' }));
    const refused = await call(`${base}${CLIENT_SESSION_PATH}`, {
      method: 'POST',
      body: badKey,
      headers: client.signedHeaders('POST', CLIENT_SESSION_PATH, badKey),
    });
    assert.equal(refused.body.error.code, 'E_VALIDATION');
  });

  it('an agent on the long-poll opens a new session by itself after the management point restarted, one for its polls and check-ins', async (t) => {
    if (!requireTool(t, 'nft', 'apt-get install nftables')) return;
    const srv = await startTestServer(t, { notifyKeepAliveSeconds: 1 });
    let id = '';
    const opens = sessionOpens(t, () => id);
    const { agent, clientId } = await startNotifyAgent(t, srv, { retryTcpMs: 600_000 });
    id = clientId;
    await until('the TCP channel', () => agent.notification?.state === 'tcp');
    const firewall = new NftBlock();
    t.after(() => firewall.remove());
    firewall.block(srv.server.info.ports.notification);
    await until('the long-poll fallback', () => agent.notification?.state === 'polling');
    const before = await srv.admin<NotifyResult>('POST', '/notify', { clients: [clientId], action: 'heartbeat' });
    assert.deepEqual(before.body.results, [{ clientId, outcome: 'acknowledged', via: 'http-poll' }]);
    assert.equal(opens.count(), 1, 'the check-in after registration and the long-poll share one session');

    await srv.stop();
    const again = await startTestServer(t, { dataDir: srv.dataDir, notifyKeepAliveSeconds: 1 });
    await until(
      'the agent back on the long-poll of the restarted MP',
      async () =>
        (await again.admin<{ clients: { channel: string }[] }>('GET', '/notify/clients')).body.clients[0]?.channel ===
        'http-poll',
    );
    const after = await again.admin<NotifyResult>('POST', '/notify', { clients: [clientId], action: 'heartbeat' });
    assert.deepEqual(after.body.results, [{ clientId, outcome: 'acknowledged', via: 'http-poll' }]);
    // The pushed heartbeat ran a check-in: it used the session the long-poll opened.
    assert.equal(opens.count(), 2, 'one more session, with the restarted MP');
  });
});
