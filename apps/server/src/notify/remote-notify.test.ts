import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Logger } from 'pino';
import type { NotifyAction, NotifyClientResult } from '@siteport/protocol';
import type { BridgeEvent, BridgeState, EventBridge, ReceivedEvent } from '../bridge/event-bridge.js';
import { BridgeRequests } from '../bridge/bridge-requests.js';
import { NotificationHub } from './notification-hub.js';
import { RemoteNotify, answerWithin } from './remote-notify.js';

test('an answering MP stops waiting one margin before the asker’s wait ends, at most half of it earlier', () => {
  // Asker waits 60 s + 3 s: the answer has 6 s to travel back.
  assert.equal(answerWithin(60_000, 3000), 57_000);
  // A short wait keeps half of itself for the clients.
  assert.equal(answerWithin(2000, 3000), 1000);
  assert.equal(answerWithin(0, 3000), 0);
  // Never longer than the asker's own wait, never less than half of it.
  for (const wait of [500, 5000, 30_000, 60_000]) {
    const within = answerWithin(wait, 3000);
    assert.ok(within <= wait && within >= wait / 2, `${wait} → ${within}`);
  }
});

/** Processes of one site on an in-memory event log; `drop` loses chosen events on the way. */
class Bus {
  private seq = 0;
  readonly published: { origin: string; event: BridgeEvent }[] = [];
  private readonly handlers = new Map<string, ((event: ReceivedEvent) => void)[]>();
  drop: (event: BridgeEvent) => boolean = () => false;

  bridge(origin: string): EventBridge {
    const handlers: ((event: ReceivedEvent) => void)[] = [];
    this.handlers.set(origin, handlers);
    const state: BridgeState = 'listening';
    return {
      origin,
      state,
      publish: (event) => {
        this.published.push({ origin, event });
        const received: ReceivedEvent = { seq: (this.seq += 1), origin, at: new Date().toISOString(), event };
        if (!this.drop(event)) {
          for (const [to, list] of this.handlers)
            if (to !== origin) setImmediate(() => list.forEach((h) => h(received)));
        }
        return Promise.resolve();
      },
      catchUp: () => Promise.resolve(),
      subscribe: (handler) => {
        handlers.push(handler);
        return () => handlers.splice(handlers.indexOf(handler), 1);
      },
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
    };
  }
}

const quiet = { warn: () => undefined } as unknown as Logger;

/** The outcome both tests expect: the client that acked counts, the one that dropped timed out. */
function assertFastAckedDroppedTimedOut(results: NotifyClientResult[]): void {
  assert.deepEqual(
    results.sort((a, b) => a.clientId.localeCompare(b.clientId)),
    [
      { clientId: 'dropped', outcome: 'timeout', via: 'http-poll' },
      { clientId: 'fast', outcome: 'acknowledged', via: 'tcp' },
    ],
  );
}

/** An issuing process and an answering MP whose hub holds a client that acks at once and one that dropped. */
async function twoProcesses(bus: Bus): Promise<{ issuer: RemoteNotify; answerer: RemoteNotify }> {
  const hub = new NotificationHub({ offlineAfterMs: 300_000 });
  const acking = {
    sendAction: (action: NotifyAction) =>
      setTimeout(() => hub.acknowledge('fast', { id: action.id, ok: true }, 'tcp'), 5),
    close: () => undefined,
  };
  hub.attachTcp('fast', acking);
  const dropped = { sendAction: () => undefined, close: () => undefined };
  hub.attachTcp('dropped', dropped);
  hub.detachTcp('dropped', dropped);
  const make = (origin: string, other: string, processHub: NotificationHub): RemoteNotify => {
    const bridge = bus.bridge(origin);
    const others = () => [{ id: other, host: `${other}.example` }];
    return new RemoteNotify({
      bridge,
      hub: processHub,
      requests: new BridgeRequests(bridge, others),
      others,
      logger: quiet,
      answerMarginMs: 500,
      resultEveryMs: 20,
    });
  };
  const answerer = make('mp-b', 'site', hub);
  const issuer = make('site', 'mp-b', new NotificationHub({ offlineAfterMs: 300_000 }));
  answerer.start();
  issuer.start();
  for (let i = 0; i < 100 && !issuer.isOnline('dropped'); i += 1)
    await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(issuer.isOnline('fast') && issuer.isOnline('dropped'), 'the issuer learned the answerer’s clients');
  return { issuer, answerer };
}

test('an answering MP sends acknowledgements as they come and the stragglers last', async () => {
  const bus = new Bus();
  const { issuer, answerer } = await twoProcesses(bus);
  try {
    assertFastAckedDroppedTimedOut(await issuer.deliver(null, { action: 'policy' }, 1500));
    const parts = bus.published
      .filter((p) => p.event.kind === 'notify-result')
      .map((p) => p.event as Extract<BridgeEvent, { kind: 'notify-result' }>);
    assert.deepEqual(
      parts.map((p) => [p.results.map((r) => r.clientId), p.more ?? false]),
      [
        [['fast'], true],
        [['dropped'], false],
      ],
    );
  } finally {
    answerer.stop();
    issuer.stop();
  }
});

test('when an MP’s last part comes too late, the acknowledgements it already sent count and its other clients time out', async () => {
  const bus = new Bus();
  bus.drop = (event) => event.kind === 'notify-result' && event.more !== true;
  const { issuer, answerer } = await twoProcesses(bus);
  try {
    assertFastAckedDroppedTimedOut(await issuer.deliver(null, { action: 'policy' }, 1500));
    const named = await issuer.deliver(['dropped'], { action: 'policy' }, 1000);
    assert.deepEqual(named, [{ clientId: 'dropped', outcome: 'timeout', via: 'http-poll' }]);
  } finally {
    answerer.stop();
    issuer.stop();
  }
});

test('presence: each round publishes only who came, changed channel or left; nothing when nothing changed', async () => {
  const bus = new Bus();
  let now = 1_000_000;
  const hub = new NotificationHub({ offlineAfterMs: 60_000, now: () => now });
  // a and c: sessions the kernel's keep-alive watches (online while open); b pings (online while heard from).
  const watched = { sendAction: () => undefined, close: () => undefined, kernelKeepAlive: true };
  const session = { sendAction: () => undefined, close: () => undefined };
  hub.attachTcp('a', watched);
  hub.attachTcp('b', session);
  const bridge = bus.bridge('mp-b');
  const others = () => [{ id: 'site', host: 'site.example' }];
  const remote = new RemoteNotify({
    bridge,
    hub,
    requests: new BridgeRequests(bridge, others),
    others,
    logger: quiet,
    presenceEveryMs: 10,
  });
  const presence = (): BridgeEvent[] => bus.published.map((p) => p.event).filter((e) => e.kind === 'presence');
  const settle = async (): Promise<BridgeEvent[]> => {
    bus.published.length = 0;
    await new Promise((resolve) => setTimeout(resolve, 40));
    return presence();
  };
  remote.start();
  try {
    assert.deepEqual((await settle()).flatMap((e) => (e.kind === 'presence' ? e.online : [])).sort(), [
      'a tcp',
      'b tcp',
    ]);
    assert.deepEqual(await settle(), [], 'no change, no event');
    hub.detachTcp('b', session);
    hub.attachTcp('c', watched);
    const changed = await settle();
    assert.deepEqual(
      changed.map((e) => (e.kind === 'presence' ? [[...e.online].sort(), e.offline] : [])),
      [[['b http-poll', 'c tcp'], []]],
      'c came; b lost its TCP session and is reachable by long-poll until its offline window passes',
    );
    now += 61_000;
    const left = await settle();
    assert.deepEqual(
      left.map((e) => (e.kind === 'presence' ? [e.online, [...e.offline].sort()] : [])),
      [[[], ['b']]],
      'b left once its offline window passed; a and c are held by kernel-watched TCP sessions',
    );
  } finally {
    remote.stop();
  }
});
