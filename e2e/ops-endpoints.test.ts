import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimulatedClient } from '../bench/fleet-signer.js';
import { promSample } from '../test-support/prometheus.js';
import { runCli, startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';

test('siteport server --ops-port serves Prometheus /metrics, /health and /ready on loopback, counting real client requests', async (t) => {
  const data = tempDir(t);
  const server = startCli(
    ['server', '--data', data, ...LOOPBACK_PORT_FLAGS, '--ops-port', '0', '--log-level', 'warn'],
    /client communication mode/,
  );
  t.after(() => server.child.kill('SIGTERM'));
  const banner = await server.started;
  const ops = /^operations: (http:\/\/127\.0\.0\.1:\d+)\/metrics, /m.exec(banner)?.[1];
  assert.ok(ops, banner);
  const httpPort = /^http\s+(\d+)\s/m.exec(banner)?.[1];
  assert.ok(httpPort, banner);
  const mp = `http://127.0.0.1:${httpPort}`;

  const health = await fetch(`${ops}/health`);
  assert.deepEqual([health.status, await health.json()], [200, { status: 'ok' }]);
  const ready = await fetch(`${ops}/ready`);
  const readyBody = (await ready.json()) as { status: string; checks: { name: string; ok: boolean }[] };
  assert.equal(ready.status, 200, JSON.stringify(readyBody));
  assert.deepEqual(
    readyBody.checks.map((c) => [c.name, c.ok]),
    [
      ['database', true],
      ['listeners', true],
      ['cluster', true],
    ],
  );

  // Real client traffic: a registration, a session and three policy requests; and paths no MP serves.
  const client = new SimulatedClient('ops-1');
  await client.register(mp);
  await client.openSession(mp);
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${mp}/mp/v1/policy`, { headers: client.headers('GET', '/mp/v1/policy', '') });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  }
  for (const junk of ['/mp/v1/a', '/mp/v1/b', '/mp/v1/c?x=1']) await (await fetch(`${mp}${junk}`)).arrayBuffer();

  const scraped = await fetch(`${ops}/metrics`);
  assert.equal(scraped.status, 200);
  assert.match(scraped.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await scraped.text();
  const site = { site: 'PS1', role: 'site' };
  assert.equal(promSample(text, 'siteport_mp_requests_total', { ...site, route: 'policy', code: '200' }), 3);
  assert.equal(promSample(text, 'siteport_mp_requests_total', { ...site, route: 'register', code: '200' }), 1);
  assert.equal(promSample(text, 'siteport_mp_requests_total', { ...site, route: 'session', code: '200' }), 1);
  assert.equal(
    promSample(text, 'siteport_mp_requests_total', { ...site, route: 'mp-other', code: '404' }),
    3,
    'unknown paths share one label',
  );
  assert.equal(promSample(text, 'siteport_clients_online', { ...site, channel: 'tcp' }), 0);
  assert.equal(promSample(text, 'siteport_mp_listeners', { ...site, state: 'listening' }), 2);
  assert.equal(promSample(text, 'siteport_mp_listeners', { ...site, state: 'failed' }), 0);
  assert.match(text, /^nodejs_eventloop_lag_p99_seconds\{site="PS1",role="site"\} [\d.e-]+$/m);
  assert.match(text, /^# TYPE siteport_notify_ack_seconds histogram$/m);
  assert.ok(!/siteport_db_pool_connections\{/.test(text), 'no pool on SQLite');

  // A rollout in progress shows up by state.
  const conn = ['--server', /admin API: (http:\/\/[^/\s]+)/.exec(banner)![1]!, '--data', data];
  const proposed = await runCli(['rollout', 'propose', 'https=1', ...conn, '--json']);
  assert.equal(proposed.code, 0, proposed.stderr);
  assert.equal(
    promSample(await (await fetch(`${ops}/metrics`)).text(), 'siteport_rollouts_open', { ...site, state: 'validated' }),
    1,
  );

  const post = await fetch(`${ops}/metrics`, { method: 'POST' });
  assert.equal(post.status, 405);
  const other = await fetch(`${ops}/api/v1/sites`);
  assert.equal(other.status, 404);
});

test('siteport server refuses an unknown --log-level or --ops-port as bad usage, before opening anything', async (t) => {
  const data = tempDir(t);
  const level = await runCli(['server', '--data', data, ...LOOPBACK_PORT_FLAGS, '--log-level', 'loud']);
  assert.equal(level.code, 2);
  assert.match(
    level.stderr,
    /^siteport: E_OPTION: --log-level must be one of fatal, error, warn, info, debug, trace, silent, got "loud"\n$/,
  );
  const port = await runCli(['server', '--data', data, ...LOOPBACK_PORT_FLAGS, '--ops-port', 'x']);
  assert.equal(port.code, 2);
  assert.match(port.stderr, /--ops-port must be a whole number/);
  for (const flag of ['--audit-retention-days', '--rollout-retention-days', '--retired-client-retention-days']) {
    const days = await runCli(['server', '--data', data, ...LOOPBACK_PORT_FLAGS, flag, '-1']);
    assert.equal(days.code, 2, days.stderr);
    assert.match(days.stderr, new RegExp(`${flag} must be a whole number of days from 0 \\(keep forever\\) to 36500`));
  }
});
