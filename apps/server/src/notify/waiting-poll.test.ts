import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import type { NotifyAction } from '@siteport/protocol';
import { NotificationHub } from './notification-hub.js';
import { PollDeadlines } from './poll-deadlines.js';
import { type PollPlace, WaitingPoll } from './waiting-poll.js';

const AUTH = { kind: 'signature', request: { clientId: 'p', nonce: 'n', method: 'POST', path: '/' } } as never;

function setup(): { place: PollPlace; sent: (readonly NotifyAction[])[]; now: { ms: number } } {
  const now = { ms: 0 };
  const sent: (readonly NotifyAction[])[] = [];
  const place: PollPlace = {
    hub: new NotificationHub({ offlineAfterMs: 300_000 }),
    deadlines: new PollDeadlines(1000, () => now.ms),
    send: (_res, actions) => void sent.push(actions),
  };
  return { place, sent, now };
}

const response = (): ServerResponse & EventEmitter =>
  Object.assign(new EventEmitter(), { destroyed: false }) as unknown as ServerResponse & EventEmitter;

describe('WaitingPoll', () => {
  it('is answered once by an action, and its deadline is taken out', () => {
    const { place, sent, now } = setup();
    new WaitingPoll(place, 'p', response(), AUTH).start(20_000);
    assert.equal(place.deadlines.size, 1);
    void place.hub.deliver(['p'], { action: 'policy' }, 0);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.[0]?.action, 'policy');
    assert.equal(place.deadlines.size, 0);
    now.ms = 30_000;
    place.deadlines.tick();
    assert.equal(sent.length, 1, 'not answered again when its wait would have run out');
  });

  it('answers with no action when its wait runs out, and the hub no longer counts it as waiting', () => {
    const { place, sent, now } = setup();
    new WaitingPoll(place, 'p', response(), AUTH).start(20_000);
    assert.equal(place.hub.channelOf('p'), 'http-poll');
    now.ms = 20_000;
    place.deadlines.tick();
    assert.deepEqual(sent, [[]]);
    void place.hub.deliver(['p'], { action: 'policy' }, 0);
    assert.equal(sent.length, 1, 'a later action is queued for the next poll, not written to the answered one');
  });

  it('sends nothing once its request closed, and leaves neither a waiter nor a deadline behind', () => {
    const { place, sent } = setup();
    const res = response();
    new WaitingPoll(place, 'p', res, AUTH).start(20_000);
    res.emit('close');
    assert.equal(place.deadlines.size, 0);
    void place.hub.deliver(['p'], { action: 'policy' }, 0);
    assert.equal(sent.length, 0);
  });

  it('answers at once with queued actions, or with none when the client asked not to wait', () => {
    const { place, sent } = setup();
    new WaitingPoll(place, 'p', response(), AUTH).start(0);
    assert.deepEqual(sent, [[]]);
    void place.hub.deliver(['p'], { action: 'policy' }, 0);
    new WaitingPoll(place, 'p', response(), AUTH).start(20_000);
    assert.equal(sent[1]?.length, 1);
    assert.equal(place.deadlines.size, 0);
  });
});
