import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { type PollSession, sessionHeaders, startPollSession } from '@siteport/agent';
import { type NotifyResult, POLL_SESSION_PATH, type PollSessionResponse, type PortsView, type RegisterResponse } from '@siteport/protocol';
import { TestMpClient, call } from '../../../test-support/mp-client.js';
import { NftBlock } from '../../../test-support/nft-block.js';
import { startNotifyAgent, until } from '../../../test-support/notify-fixture.js';
import { requireTool } from '../../../test-support/require-tool.js';
import { startTestServer } from '../../../test-support/test-server.js';

const POLL = '/mp/v1/notify/poll';
const sessionEvents = diagnostics.channel('siteport:notify:session');

async function registered(t: Parameters<typeof startTestServer>[0]) {
  const srv = await startTestServer(t);
  const ports = (await srv.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const base = `http://127.0.0.1:${ports.http.default}`;
  const client = new TestMpClient();
  const body = Buffer.from(JSON.stringify({ siteCode: 'PS1', hostname: 'poller', publicKey: client.publicKeyPem, category: 'workgroup', agentVersion: 'test' }));
  const reg = await call(`${base}/mp/v1/register`, { method: 'POST', body, headers: client.signedHeaders('POST', '/mp/v1/register', body) });
  assert.equal(reg.status, 200, JSON.stringify(reg.body));
  client.clientId = (reg.body as RegisterResponse).clientId;
  /** Opens a session with a signed request, as the agent does. */
  const open = async (signer = client): Promise<PollSession> => {
    const pending = startPollSession(client.clientId);
    const sessionBody = Buffer.from(JSON.stringify({ publicKey: pending.publicKey }));
    const res = await call(`${base}${POLL_SESSION_PATH}`, { method: 'POST', body: sessionBody, headers: signer.signedHeaders('POST', POLL_SESSION_PATH, sessionBody) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return pending.finish(res.body as PollSessionResponse);
  };
  const poll = (headers: Record<string, string>, body: Buffer) => call(`${base}${POLL}`, { method: 'POST', body, headers });
  return { srv, base, client, open, poll };
}

describe('poll sessions over HTTP', () => {
  it('a long-poll authenticated by the session MAC is answered like a signed one, and acknowledges a pushed action', async (t) => {
    const { srv, client, open, poll } = await registered(t);
    const session = await open();
    const first = Buffer.from(JSON.stringify({ waitSeconds: 5, acks: [] }));
    const waiting = poll(sessionHeaders(session, 'POST', POLL, first), first);
    await until('the poll to wait', async () => (await srv.admin<{ clients: { channel: string }[] }>('GET', '/notify/clients')).body.clients[0]?.channel === 'http-poll');
    const push = srv.admin<NotifyResult>('POST', '/notify', { clients: [client.clientId], action: 'heartbeat', waitSeconds: 10 });
    const answered = await waiting;
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    const [action] = answered.body.actions as { id: string; action: string }[];
    assert.equal(action?.action, 'heartbeat');
    const ack = Buffer.from(JSON.stringify({ waitSeconds: 0, acks: [{ id: action.id, ok: true }] }));
    assert.equal((await poll(sessionHeaders(session, 'POST', POLL, ack), ack)).status, 200);
    assert.deepEqual((await push).body.results, [{ clientId: client.clientId, outcome: 'acknowledged', via: 'http-poll' }]);
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
    await expectCode(sessionHeaders(session, 'POST', POLL, body), 'E_BAD_SESSION_MAC', Buffer.from(JSON.stringify({ waitSeconds: 1, acks: [] })));
    const once = sessionHeaders(session, 'POST', POLL, body);
    assert.equal((await poll(once, body)).status, 200);
    await expectCode(once, 'E_REPLAY');
    const realNow = Date.now;
    Date.now = () => realNow() - 10 * 60_000;
    const stale = sessionHeaders(session, 'POST', POLL, body);
    Date.now = realNow;
    await expectCode(stale, 'E_STALE_REQUEST');
    await expectCode(sessionHeaders({ ...session, id: 'AAAAAAAAAAAAAAAAAAAAAA' }, 'POST', POLL, body), 'E_SESSION_EXPIRED');
    // A newer session replaces the old one.
    const newer = await open();
    await expectCode(sessionHeaders(session, 'POST', POLL, body), 'E_SESSION_EXPIRED');
    assert.equal((await poll(sessionHeaders(newer, 'POST', POLL, body), body)).status, 200);

    // Opening a session needs the client's registered key.
    const impostor = new TestMpClient();
    impostor.clientId = client.clientId;
    const pending = startPollSession(client.clientId);
    const open2 = Buffer.from(JSON.stringify({ publicKey: pending.publicKey }));
    const forged = await call(`${base}${POLL_SESSION_PATH}`, { method: 'POST', body: open2, headers: impostor.signedHeaders('POST', POLL_SESSION_PATH, open2, {}, generateKeyPairSync('ed25519').privateKey) });
    assert.equal(forged.body.error.code, 'E_BAD_SIGNATURE');
    const unsigned = await call(`${base}${POLL_SESSION_PATH}`, { method: 'POST', body: open2 });
    assert.equal(unsigned.body.error.code, 'E_UNSIGNED');
    const badKey = Buffer.from(JSON.stringify({ publicKey: 'not a key' }));
    const refused = await call(`${base}${POLL_SESSION_PATH}`, { method: 'POST', body: badKey, headers: client.signedHeaders('POST', POLL_SESSION_PATH, badKey) });
    assert.equal(refused.body.error.code, 'E_VALIDATION');
  });

  it('an agent on the long-poll opens a new session by itself after the management point restarted', async (t) => {
    if (!requireTool(t, 'nft', 'apt-get install nftables')) return;
    const srv = await startTestServer(t, { notifyKeepAliveSeconds: 1 });
    const { agent, clientId } = await startNotifyAgent(t, srv, { retryTcpMs: 600_000 });
    await until('the TCP channel', () => agent.notification?.state === 'tcp');
    const firewall = new NftBlock();
    t.after(() => firewall.remove());
    firewall.block(srv.server.info.ports.notification);
    await until('the long-poll fallback', () => agent.notification?.state === 'polling');
    const opened: string[] = [];
    const onSession = (message: unknown): void => void opened.push((message as { clientId: string }).clientId);
    sessionEvents.subscribe(onSession);
    t.after(() => sessionEvents.unsubscribe(onSession));
    const before = await srv.admin<NotifyResult>('POST', '/notify', { clients: [clientId], action: 'heartbeat' });
    assert.deepEqual(before.body.results, [{ clientId, outcome: 'acknowledged', via: 'http-poll' }]);

    await srv.stop();
    const again = await startTestServer(t, { dataDir: srv.dataDir, notifyKeepAliveSeconds: 1 });
    await until('the agent back on the long-poll of the restarted MP', async () => (await again.admin<{ clients: { channel: string }[] }>('GET', '/notify/clients')).body.clients[0]?.channel === 'http-poll');
    const after = await again.admin<NotifyResult>('POST', '/notify', { clients: [clientId], action: 'heartbeat' });
    assert.deepEqual(after.body.results, [{ clientId, outcome: 'acknowledged', via: 'http-poll' }]);
    assert.ok(opened.filter((id) => id === clientId).length >= 1, 'the agent opened a session with the restarted MP');
  });
});
