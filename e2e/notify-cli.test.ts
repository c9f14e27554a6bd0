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
  // An id the site does not know is named as such, with a lookup that works as printed.
  const notClient =
    /^siteport: E_CLIENT_NOT_FOUND: nobody is not a client of this site \(see (siteport clients list --server \S+ --data \S+)\)\n$/.exec(
      mixed.stderr,
    );
  assert.ok(notClient, mixed.stderr);
  const lookup = await runCli(notClient[1]!.split(' ').slice(1));
  assert.equal(lookup.code, 0, lookup.stderr);
  assert.match(lookup.stdout, new RegExp(clientId));

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
  assert.match(
    wake.stderr,
    new RegExp(`^siteport: E_WAKE_NOT_SENT: 1 of 2 clients could not be woken: ${asleep} \\(no-inventory\\)\n$`),
  );
  const unknown = await runCli(['wake', 'nobody', ...conn]);
  assert.equal(unknown.code, 1);
  assert.match(
    unknown.stderr,
    /^siteport: E_CLIENT_NOT_FOUND: nobody is not a client of this site \(see siteport clients list --server /,
  );
  const badPassword = await runCli(['wake', asleep, '--password', 'xyz', ...conn]);
  assert.equal(badPassword.code, 1);
  assert.match(badPassword.stderr, /^siteport: E_MAC: a SecureOn password is 4 or 6 hex byte pairs/);
});
