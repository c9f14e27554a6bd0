import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WakeResult } from '@siteport/protocol';
import { startNotifyAgent, until } from '../test-support/notify-fixture.js';
import { runCli } from '../test-support/run-cli.js';
import { sleepingClient } from '../test-support/sleeping-client.js';
import { startTestServer } from '../test-support/test-server.js';

test('siteport notify and wake report per client and exit 0 only when every client succeeded', async (t) => {
  const srv = await startTestServer(t, { notifyKeepAliveSeconds: 1 });
  const conn = ['--server', srv.adminUrl, '--data', srv.dataDir];
  const { agent, clientId } = await startNotifyAgent(t, srv);
  await until('the TCP channel', () => agent.notification?.state === 'tcp');

  const ok = await runCli(['notify', clientId, '--action', 'policy', ...conn, '--json']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(JSON.parse(ok.stdout), {
    action: 'policy',
    results: [{ clientId, outcome: 'acknowledged', via: 'tcp' }],
  });

  const mixed = await runCli(['notify', clientId, 'nobody', '--action', 'heartbeat', ...conn]);
  assert.equal(mixed.code, 1);
  assert.match(mixed.stdout, new RegExp(`${clientId}\\s+acknowledged\\s+tcp`));
  assert.match(mixed.stdout, /nobody\s+unknown-client\s+-/);
  assert.match(mixed.stderr, /^siteport: E_MP_UNREACHABLE: 1 of 2 clients did not acknowledge heartbeat\n$/);

  const all = await runCli(['notify', '--all', '--action', 'policy', ...conn, '--json']);
  assert.equal(all.code, 0, all.stderr);
  assert.equal(JSON.parse(all.stdout).results.length, 1);

  const usage: [string[], RegExp][] = [
    [['notify', 'x', '--action', 'reboot'], /--action must be one of policy, heartbeat, switch-ports, wake-neighbour/],
    [['notify', '--action', 'policy'], /name at least one client id, or pass --all/],
    [['notify', 'x', '--action', 'switch-ports', '--payload', '{nope'], /--payload must be JSON/],
    [['notify', 'x', '--action', 'policy', '--wait', '99'], /--wait must be seconds from 0 to 25/],
  ];
  for (const [args, stderr] of usage) {
    const res = await runCli([...args, ...conn]);
    assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
    assert.match(res.stderr, stderr);
  }
  const badPayload = await runCli(['notify', clientId, '--action', 'switch-ports', '--payload', '{"http":1}', ...conn]);
  assert.equal(badPayload.code, 1);
  assert.match(badPayload.stderr, /^siteport: E_VALIDATION: switch-ports needs a payload/);

  const asleep = await sleepingClient(srv, 'asleep', []);
  const wake = await runCli(['wake', clientId, asleep, ...conn, '--json']);
  assert.equal(wake.code, 1);
  assert.deepEqual(
    (JSON.parse(wake.stdout) as WakeResult).results.map((r) => [r.clientId, r.outcome]),
    [
      [clientId, 'awake'],
      [asleep, 'no-inventory'],
    ],
  );
  const badPassword = await runCli(['wake', asleep, '--password', 'xyz', ...conn]);
  assert.equal(badPassword.code, 1);
  assert.match(badPassword.stderr, /^siteport: E_MAC: a SecureOn password is 4 or 6 hex byte pairs/);
});
