import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NotifyAction } from '@siteport/protocol';
import { NotificationHub, type TcpPeer } from './notification-hub.js';

function peer(): TcpPeer & { sent: NotifyAction[]; closed: string | null } {
  const p = {
    sent: [] as NotifyAction[],
    closed: null as string | null,
    sendAction: (action: NotifyAction) => void p.sent.push(action),
    close: (reason: string) => void (p.closed = reason),
  };
  return p;
}

describe('NotificationHub', () => {
  it('reports an offline client without sending, and a client silent past the window as offline', async () => {
    let now = 1_000_000;
    const hub = new NotificationHub({ offlineAfterMs: 300_000, now: () => now });
    const tcp = peer();
    hub.attachTcp('a', tcp);
    assert.equal(hub.channelOf('a'), 'tcp');
    now += 300_001;
    assert.equal(hub.isOnline('a'), false);
    assert.deepEqual(await hub.deliver(['a', 'b'], { action: 'policy' }, 50), [
      { clientId: 'a', outcome: 'offline', via: null },
      { clientId: 'b', outcome: 'offline', via: null },
    ]);
    assert.equal(tcp.sent.length, 0);
  });

  it('re-sends an unacknowledged TCP action on the long-poll when the client switches, and reports the channel that acked', async () => {
    const hub = new NotificationHub({ offlineAfterMs: 300_000 });
    const tcp = peer();
    hub.attachTcp('a', tcp);
    const pending = hub.deliver(['a'], { action: 'heartbeat' }, 5000);
    assert.equal(tcp.sent.length, 1);
    const answered: (readonly NotifyAction[])[] = [];
    hub.poll('a', { answer: (actions) => answered.push(actions) });
    assert.equal(tcp.closed, 'the client switched to the long-poll');
    assert.deepEqual(
      answered.map((a) => a.map((x) => x.action)),
      [['heartbeat']],
    );
    hub.acknowledge('a', { id: answered[0]![0]!.id, ok: true }, 'http-poll');
    assert.deepEqual(await pending, [{ clientId: 'a', outcome: 'acknowledged', via: 'http-poll' }]);
  });

  it('answers a waiting poll at once, queues for a polling client between polls, and records failures', async () => {
    const hub = new NotificationHub({ offlineAfterMs: 300_000 });
    const got: (readonly NotifyAction[])[] = [];
    const waiter = { answer: (actions: readonly NotifyAction[]) => void got.push(actions) };
    hub.poll('p', waiter);
    const first = hub.deliver(['p'], { action: 'policy' }, 5000);
    assert.equal(got.length, 1);
    hub.release('p', waiter);
    hub.acknowledge(
      'p',
      { id: got[0]![0]!.id, ok: false, error: { code: 'E_MP_UNREACHABLE', message: 'no MP' } },
      'http-poll',
    );
    assert.deepEqual(await first, [
      { clientId: 'p', outcome: 'failed', via: 'http-poll', error: { code: 'E_MP_UNREACHABLE', message: 'no MP' } },
    ]);
    const second = hub.deliver(['p'], { action: 'policy' }, 30);
    hub.poll('p', { answer: (actions) => got.push(actions) });
    assert.equal(got[1]!.length, 1, 'the queued action answers the next poll');
    assert.deepEqual(await second, [{ clientId: 'p', outcome: 'timeout', via: 'http-poll' }]);
  });

  it('counts a client with a long-poll waiting as online even when the wait is longer than the offline window', () => {
    let now = 1_000_000;
    const hub = new NotificationHub({ offlineAfterMs: 60_000, now: () => now });
    const waiter = { answer: () => undefined };
    hub.poll('p', waiter);
    now += 120_000;
    assert.equal(hub.isOnline('p'), true);
    assert.equal(hub.channelOf('p'), 'http-poll');
    hub.release('p', waiter);
    assert.equal(hub.isOnline('p'), false, 'without a waiting poll, silence past the window is offline');
  });

  it('hands every waiting poll of one push the same actions array (encoded once by the endpoint)', () => {
    const hub = new NotificationHub({ offlineAfterMs: 300_000 });
    const got: (readonly NotifyAction[])[] = [];
    for (const id of ['a', 'b', 'c']) hub.poll(id, { answer: (actions) => got.push(actions) });
    void hub.deliver(['a', 'b', 'c'], { action: 'policy' }, 0);
    assert.equal(got.length, 3);
    assert.ok(got.every((actions) => actions === got[0]));
    assert.ok(Object.isFrozen(got[0]));
  });

  it('keeps at most 32 actions for a long-polling client between its polls, dropping the oldest', () => {
    const hub = new NotificationHub({ offlineAfterMs: 300_000 });
    const idle = { answer: () => undefined };
    hub.poll('p', idle);
    hub.release('p', idle);
    for (let i = 0; i < 100; i += 1) void hub.deliver(['p'], { action: 'policy', payload: { n: i } }, 0);
    const got: (readonly NotifyAction[])[] = [];
    hub.poll('p', { answer: (actions) => got.push(actions) });
    assert.equal(got[0]?.length, 32);
    assert.deepEqual(got[0]?.[0]?.payload, { n: 68 }, 'the newest 32 are kept');
  });

  it('logs one line per push with the number of clients and how long writing to them took', async () => {
    const lines: { fields: Record<string, unknown>; msg: string }[] = [];
    const hub = new NotificationHub({
      offlineAfterMs: 300_000,
      logger: { info: (fields: Record<string, unknown>, msg: string) => void lines.push({ fields, msg }) } as never,
    });
    hub.attachTcp('a', peer());
    hub.attachTcp('b', peer());
    void hub.deliver(['a', 'b'], { action: 'heartbeat' }, 0);
    await new Promise((resolve) => process.nextTick(resolve));
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.msg, 'action sent');
    assert.equal(lines[0]!.fields.clients, 2);
    assert.equal(typeof lines[0]!.fields.writeMs, 'number');
  });
});
