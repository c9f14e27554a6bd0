import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSiteportError } from '@siteport/protocol';
import { ClientReportLimit, REPORT_BURST } from './client-report-limit.js';

test('a client gets a burst of reports, then one per half interval with the seconds to wait; check takes nothing; other clients are unaffected', () => {
  let now = 0;
  const limit = new ClientReportLimit({ what: 'reachability reports', now: () => now });
  for (let i = 0; i < REPORT_BURST; i += 1) {
    limit.check('a', 60);
    limit.take('a', 60);
  }
  const limited = (e: unknown) =>
    isSiteportError(e, 'E_RATE_LIMITED') && e.details?.retryAfterSeconds === 30 && /one every 60 s/.test(e.message);
  assert.throws(() => limit.check('a', 60), limited);
  assert.throws(() => limit.take('a', 60), limited);
  limit.take('b', 60);
  now += 30_000;
  limit.check('a', 60);
  limit.check('a', 60);
  limit.take('a', 60);
  assert.throws(() => limit.take('a', 60), limited);
});

test('a client following the agent schedule (first report at once, then every 0.9 interval, the interval shortened and lengthened) is never refused', () => {
  let now = 0;
  const limit = new ClientReportLimit({ what: 'reachability reports', now: () => now });
  for (const interval of [21_600, 5, 3600, 5, 86_400, 5]) {
    for (let i = 0; i < 50; i += 1) {
      limit.take('agent', interval);
      now += 0.9 * interval * 1000;
    }
  }
});

test('the map of clients stays bounded under many clients; the client sending now is never the one forgotten', () => {
  let now = 0;
  const limit = new ClientReportLimit({ what: 'reachability reports', maxClients: 100, now: () => now });
  for (let i = 0; i < REPORT_BURST; i += 1) limit.take('flooder', 3600);
  for (let i = 0; i < 10_000; i += 1) {
    now += 1;
    limit.take(`client-${i}`, 3600);
    assert.throws(
      () => limit.take('flooder', 3600),
      (e: unknown) => isSiteportError(e, 'E_RATE_LIMITED'),
    );
    assert.ok(limit.size <= 100);
  }
});
