import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { promSample } from '../../../../test-support/prometheus.js';
import { OpsMetrics } from './ops-metrics.js';
import { readiness } from './readiness.js';
import { requestRoute } from './request-routes.js';

describe('requestRoute', () => {
  it('labels the MP endpoints by name and everything else with one of two labels, whatever a client sends', () => {
    assert.equal(requestRoute('/mp/v1/policy'), 'policy');
    assert.equal(requestRoute('/mp/v1/heartbeat?x=1'), 'heartbeat');
    assert.equal(requestRoute('/mp/v1/notify/poll'), 'poll');
    assert.equal(requestRoute('/mp/v1/notify/session'), 'session');
    assert.equal(requestRoute('/mp/v1/' + 'a'.repeat(5000)), 'mp-other');
    assert.equal(requestRoute('/ccmsetup/x'), 'web');
    assert.equal(requestRoute(undefined), 'web');
  });
});

describe('readiness', () => {
  it('is ready only when every check passes; a throwing check fails with its message, a hanging one at its deadline', async () => {
    const ok = await readiness({ a: () => Promise.resolve({ name: 'a', ok: true, detail: 'fine' }) });
    assert.equal(ok.ready, true);
    const started = Date.now();
    const bad = await readiness({
      a: () => Promise.resolve({ name: 'a', ok: true, detail: 'fine' }),
      database: () => Promise.reject(new Error('connection refused')),
      cluster: () => new Promise(() => undefined),
    });
    assert.equal(bad.ready, false);
    assert.deepEqual(
      bad.checks.map((c) => [c.name, c.ok, c.detail]),
      [
        ['a', true, 'fine'],
        ['database', false, 'connection refused'],
        ['cluster', false, 'no answer within 2000 ms'],
      ],
    );
    assert.ok(Date.now() - started < 3000);
  });
});

describe('OpsMetrics', () => {
  it('counts answered requests by route and code, acknowledgements by channel, and reads the gauges when scraped', async () => {
    const metrics = new OpsMetrics({
      siteCode: 'PS1',
      role: 'site',
      onlineClients: () => ({ tcp: 4, 'http-poll': 2 }),
      openRollouts: () => Promise.resolve({ overlapping: 1 }),
      pool: () => ({ total: 3, idle: 2, waiting: 0, max: 10 }),
      listeners: () => [{ state: 'listening' }, { state: 'failed' }],
    });
    try {
      for (const [url, status] of [
        ['/mp/v1/policy', 200],
        ['/mp/v1/policy', 200],
        ['/mp/v1/nope', 404],
      ] as const) {
        const res = Object.assign(new EventEmitter(), { statusCode: status });
        metrics.observe({ url } as never, res as never);
        res.emit('finish');
      }
      diagnostics.channel('siteport:notify:acknowledged').publish({ via: 'http-poll', ms: 30 });
      diagnostics
        .channel('siteport:net:refused')
        .publish({ kind: 'request', reason: 'per-source', source: '192.0.2.1' });
      const text = await metrics.text();
      const site = { site: 'PS1', role: 'site' };
      assert.equal(promSample(text, 'siteport_mp_requests_total', { ...site, route: 'policy', code: '200' }), 2);
      assert.equal(promSample(text, 'siteport_mp_requests_total', { ...site, route: 'mp-other', code: '404' }), 1);
      assert.equal(promSample(text, 'siteport_clients_online', { ...site, channel: 'http-poll' }), 2);
      assert.equal(promSample(text, 'siteport_rollouts_open', { ...site, state: 'overlapping' }), 1);
      assert.equal(promSample(text, 'siteport_mp_listeners', { ...site, state: 'failed' }), 1);
      assert.equal(promSample(text, 'siteport_db_pool_connections', { ...site, state: 'idle' }), 2);
      assert.equal(
        promSample(text, 'siteport_notify_ack_seconds_bucket', { ...site, via: 'http-poll', le: '0.05' }),
        1,
      );
      assert.equal(
        promSample(text, 'siteport_connections_refused_total', { ...site, kind: 'request', reason: 'per-source' }),
        1,
      );
      assert.ok(!text.includes('192.0.2.1'), 'no source address becomes a label');
    } finally {
      metrics.close();
    }
  });
});
