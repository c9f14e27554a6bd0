import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeartbeatAnswers } from './heartbeat-answers.js';
import { isoNow } from './iso-clock.js';

describe('HeartbeatAnswers', () => {
  it('serialises one answer per listener and settings version, and a new version replaces them', () => {
    const answers = new HeartbeatAnswers();
    const http = answers.get(3, 8080, 'http');
    assert.deepEqual(JSON.parse(http.text), { settingsVersion: 3, observed: { port: 8080, protocol: 'http' } });
    assert.equal(http.length, Buffer.byteLength(http.text));
    assert.equal(answers.get(3, 8080, 'http'), http, 'the same JSON for the next client on that listener');
    assert.deepEqual(JSON.parse(answers.get(3, 8080, 'https').text).observed, { port: 8080, protocol: 'https' });
    const next = answers.get(4, 8080, 'http');
    assert.notEqual(next, http);
    assert.equal(JSON.parse(next.text).settingsVersion, 4);
  });
});

describe('isoNow', () => {
  it('is the current time as an ISO string', () => {
    const before = Date.now();
    const now = Date.parse(isoNow());
    assert.ok(now >= before && now <= Date.now(), `${isoNow()} is now`);
    assert.match(isoNow(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
