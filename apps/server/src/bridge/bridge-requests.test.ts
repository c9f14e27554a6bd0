import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BridgeEvent, BridgeState, EventBridge, ReceivedEvent } from './event-bridge.js';
import { BridgeRequests } from './bridge-requests.js';

/**
 * An event bridge whose answers sit "unread" until catchUp(), as on a busy process whose timer
 * runs before the notification of an answer that arrived in time.
 */
class UnreadBridge implements EventBridge {
  readonly origin = 'issuer';
  readonly state: BridgeState = 'listening';
  readonly published: BridgeEvent[] = [];
  readonly unread: ReceivedEvent[] = [];
  catchUps = 0;
  private handlers: ((event: ReceivedEvent) => void)[] = [];

  publish(event: BridgeEvent): Promise<void> {
    this.published.push(event);
    return Promise.resolve();
  }

  catchUp(): Promise<void> {
    this.catchUps += 1;
    for (const event of this.unread.splice(0)) this.deliverNow(event);
    return Promise.resolve();
  }

  subscribe(handler: (event: ReceivedEvent) => void): () => void {
    this.handlers.push(handler);
    return () => (this.handlers = this.handlers.filter((h) => h !== handler));
  }

  deliverNow(event: ReceivedEvent): void {
    for (const h of this.handlers) h(event);
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }
}

let seq = 0;
const answer = (origin: string, requestId: string): ReceivedEvent => ({
  seq: (seq += 1),
  origin,
  at: new Date().toISOString(),
  event: {
    kind: 'notify-result',
    requestId,
    to: 'issuer',
    results: [{ clientId: `client-of-${origin}`, outcome: 'acknowledged', via: 'tcp' }],
  },
});

test('at the timeout the event log is read once more: an answer that arrived but was not read yet counts, a silent MP is missing', async () => {
  const bridge = new UnreadBridge();
  const requests = new BridgeRequests(bridge, () => [{ id: 'mp-a' }, { id: 'mp-b' }, { id: 'mp-c' }]);
  const asked = requests.ask(
    { kind: 'notify-request', clients: null, action: { action: 'policy' }, waitMs: 50 },
    'notify-result',
    50,
  );
  await new Promise((resolve) => setImmediate(resolve));
  const requestId = (bridge.published[0] as { requestId: string }).requestId;
  bridge.deliverNow(answer('mp-a', requestId));
  bridge.unread.push(answer('mp-b', requestId));
  const { answers, missing, readAtDeadline } = await asked;
  assert.deepEqual([...answers.keys()].sort(), ['mp-a', 'mp-b']);
  assert.deepEqual(missing, ['mp-c']);
  assert.deepEqual(readAtDeadline, ['mp-b']);
  assert.equal(bridge.catchUps, 1);
});

test('a request every MP answered in time needs no last look', async () => {
  const bridge = new UnreadBridge();
  const requests = new BridgeRequests(bridge, () => [{ id: 'mp-a' }]);
  const asked = requests.ask(
    { kind: 'notify-request', clients: null, action: { action: 'policy' }, waitMs: 5000 },
    'notify-result',
    5000,
  );
  await new Promise((resolve) => setImmediate(resolve));
  const started = Date.now();
  bridge.deliverNow(answer('mp-a', (bridge.published[0] as { requestId: string }).requestId));
  const { missing, readAtDeadline } = await asked;
  assert.deepEqual(missing, []);
  assert.deepEqual(readAtDeadline, []);
  assert.equal(bridge.catchUps, 0);
  assert.ok(Date.now() - started < 1000, 'resolved when the last answer came, not at the timeout');
});

test('an answer in parts is complete with its last part; an MP whose last part did not come is missing, its parts are kept', async () => {
  const bridge = new UnreadBridge();
  const requests = new BridgeRequests(bridge, () => [{ id: 'mp-a' }, { id: 'mp-b' }]);
  const asked = requests.ask(
    { kind: 'notify-request', clients: null, action: { action: 'policy' }, waitMs: 100 },
    'notify-result',
    100,
  );
  await new Promise((resolve) => setImmediate(resolve));
  const requestId = (bridge.published[0] as { requestId: string }).requestId;
  const part = (origin: string, clientId: string, more: boolean): ReceivedEvent => ({
    seq: (seq += 1),
    origin,
    at: new Date().toISOString(),
    event: {
      kind: 'notify-result',
      requestId,
      to: 'issuer',
      results: [{ clientId, outcome: 'acknowledged', via: 'tcp' }],
      ...(more ? { more: true } : {}),
    },
  });
  bridge.deliverNow(part('mp-a', 'a1', true));
  bridge.deliverNow(part('mp-a', 'a2', false));
  bridge.deliverNow(part('mp-b', 'b1', true));
  const { answers, missing } = await asked;
  assert.deepEqual(missing, ['mp-b']);
  assert.deepEqual(
    answers.get('mp-a')?.map((a) => a.results[0]?.clientId),
    ['a1', 'a2'],
  );
  assert.deepEqual(
    answers.get('mp-b')?.map((a) => a.results[0]?.clientId),
    ['b1'],
  );
});
