import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { describe, it } from 'node:test';
import type { ChannelList, NotifyResult } from '@siteport/protocol';
import { startNotifyAgent, until } from '../../../test-support/notify-fixture.js';
import { requireTool } from '../../../test-support/require-tool.js';
import { startTestServer } from '../../../test-support/test-server.js';

const policyEvents = diagnostics.channel('siteport:agent:policy');

/** A table of our own that drops TCP to and from one port (the test's notification port); removed after. */
function blockPort(t: { after(fn: () => unknown): void }, port: number): () => void {
  const table = `siteport_test_${process.pid}_${port}`;
  execFileSync('nft', ['-f', '-'], {
    input: `table inet ${table} {\n chain input {\n  type filter hook input priority -10; policy accept;\n  tcp dport ${port} drop\n  tcp sport ${port} drop\n }\n}\n`,
  });
  let removed = false;
  const unblock = (): void => {
    if (removed) return;
    removed = true;
    execFileSync('nft', ['delete', 'table', 'inet', table]);
  };
  t.after(unblock);
  return unblock;
}

describe('notification channel', () => {
  it('delivers a policy action over TCP, the agent checks in and acknowledges, and the client shows online on tcp', async (t) => {
    const srv = await startTestServer(t, { notifyKeepAliveSeconds: 1 });
    const { agent, clientId } = await startNotifyAgent(t, srv);
    await until('the TCP channel', () => agent.notification?.state === 'tcp');
    let policies = 0;
    const onPolicy = (): void => void (policies += 1);
    policyEvents.subscribe(onPolicy);
    t.after(() => policyEvents.unsubscribe(onPolicy));

    const res = await srv.admin<NotifyResult>('POST', '/notify', {
      clients: [clientId, 'no-such-client'],
      action: 'policy',
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.results, [
      { clientId, outcome: 'acknowledged', via: 'tcp' },
      { clientId: 'no-such-client', outcome: 'unknown-client', via: null },
    ]);
    assert.equal(policies, 1, 'the action ran exactly one policy download');

    const channels = await srv.admin<ChannelList>('GET', '/notify/clients');
    assert.equal(channels.body.port, srv.server.info.ports.notification);
    assert.equal(channels.body.offlineAfterSeconds, 300);
    assert.deepEqual(
      channels.body.clients.map((c) => [c.clientId, c.online, c.channel]),
      [[clientId, true, 'tcp']],
    );
  });

  it('rejects pushes with a bad action, payload or no target, with a code', async (t) => {
    const srv = await startTestServer(t);
    const cases: [unknown, string][] = [
      [{ action: 'reboot', clients: ['x'] }, 'E_VALIDATION'],
      [{ action: 'policy' }, 'E_VALIDATION'],
      [{ action: 'policy', clients: ['x'], payload: { a: 1 } }, 'E_VALIDATION'],
      [
        {
          action: 'switch-ports',
          clients: ['x'],
          payload: { http: { default: 80, alternate: null }, https: { default: 80, alternate: null } },
        },
        'E_PORT_CONFLICT',
      ],
      [
        {
          action: 'switch-ports',
          clients: ['x'],
          payload: { http: { default: 0, alternate: null }, https: { default: 443, alternate: null } },
        },
        'E_VALIDATION',
      ],
      [
        {
          action: 'wake-neighbour',
          clients: ['x'],
          payload: { macs: ['zz'], address: '10.0.0.1', port: 9, broadcast: false },
        },
        'E_VALIDATION',
      ],
      ['[1]', 'E_BAD_REQUEST'],
    ];
    for (const [body, code] of cases) {
      const res = await srv.admin<{ error: { code: string } }>('POST', '/notify', body);
      assert.equal(res.body.error.code, code, JSON.stringify(body));
      assert.ok(res.status >= 400 && res.status < 500);
    }
  });

  it('falls back to the HTTP(S) long-poll when nftables blocks the notification port, and returns to TCP when it is open again', async (t) => {
    if (!requireTool(t, 'nft', 'apt-get install nftables')) return;
    const srv = await startTestServer(t, { notifyKeepAliveSeconds: 1 });
    const { agent, clientId } = await startNotifyAgent(t, srv, { retryTcpMs: 1500 });
    await until('the TCP channel', () => agent.notification?.state === 'tcp');

    const unblock = blockPort(t, srv.server.info.ports.notification);
    await until('the long-poll fallback', () => agent.notification?.state === 'polling');
    await until(
      'the site to see the long-poll',
      async () => (await srv.admin<ChannelList>('GET', '/notify/clients')).body.clients[0]?.channel === 'http-poll',
    );
    const overPoll = await srv.admin<NotifyResult>('POST', '/notify', { clients: [clientId], action: 'heartbeat' });
    assert.deepEqual(overPoll.body.results, [{ clientId, outcome: 'acknowledged', via: 'http-poll' }]);
    const switched = await srv.admin<NotifyResult>('POST', '/notify', { clients: [clientId], action: 'policy' });
    assert.deepEqual(switched.body.results, [{ clientId, outcome: 'acknowledged', via: 'http-poll' }]);
    // Still blocked after several TCP retries: the agent keeps polling.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    assert.equal(agent.notification?.state, 'polling');

    unblock();
    await until('the TCP channel again', () => agent.notification?.state === 'tcp');
    const back = await srv.admin<NotifyResult>('POST', '/notify', { clients: [clientId], action: 'policy' });
    assert.deepEqual(back.body.results, [{ clientId, outcome: 'acknowledged', via: 'tcp' }]);
  });

  it('holds old and new notification ports during a rollout, and a policy push moves the agent to the new port', async (t) => {
    const srv = await startTestServer(t, { notifyKeepAliveSeconds: 1 });
    const { agent, clientId } = await startNotifyAgent(t, srv);
    await until('the TCP channel', () => agent.notification?.state === 'tcp');
    const old = srv.server.info.ports.notification;
    const net = await import('node:net');
    const free = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const change = await srv.admin('PATCH', `/sites/${srv.server.info.siteCode}/ports`, { notification: free });
    assert.equal(change.status, 200, JSON.stringify(change.body));
    await until(
      'the listener on the new port',
      async () => (await srv.admin<ChannelList>('GET', '/notify/clients')).body.port === free,
    );
    // The old port stays open while the rollout overlaps: the agent is not cut off.
    assert.equal(agent.notification?.notificationPort, old);
    assert.equal(agent.notification?.state, 'tcp');
    const push = await srv.admin<NotifyResult>('POST', '/notify', { clients: [clientId], action: 'policy' });
    assert.deepEqual(push.body.results, [{ clientId, outcome: 'acknowledged', via: 'tcp' }]);
    await until('the agent on the new port', () => agent.notification?.connectedPort === free);
    const res = await srv.admin<NotifyResult>('POST', '/notify', { clients: [clientId], action: 'heartbeat' });
    assert.deepEqual(res.body.results, [{ clientId, outcome: 'acknowledged', via: 'tcp' }]);
  });
});
