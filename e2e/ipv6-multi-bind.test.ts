import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import type { PortsView, RolloutView } from '@siteport/protocol';
import { connects, freeOnBoth, holdPort } from '../test-support/ports.js';
import { cliClientStatus, startRealAgent } from '../test-support/real-agent.js';
import { runCli } from '../test-support/run-cli.js';
import { FREE_PORT_FLAGS, startCliServer } from '../test-support/server-flags.js';
import { type HasAfter, tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';

const ADDRESSES = ['127.0.0.1', '::1'] as const;

const onEvery = async (port: number): Promise<boolean[]> =>
  Promise.all([...ADDRESSES, '127.0.0.2'].map((address) => connects(port, address)));

/** A real agent configured with one MP address; resolves with its state folder. */
function startAgent(t: HasAfter, dir: string, mp: string, ports: PortsView, ca: string): string {
  const stateDir = path.join(dir, `client-${net.isIPv6(mp) ? 'v6' : 'v4'}`);
  startRealAgent(t, { stateDir, mp, ports, ca });
  return stateDir;
}

test('an MP bound to 127.0.0.1 and ::1 (--bind twice) serves agents on each address, test-binds each, and a rollout moves its ports on both', async (t) => {
  const dir = tempDir(t, 'siteport-multi-bind-');
  const dataDir = path.join(dir, 'data');
  const { banner, adminUrl, ca, api, json } = await startCliServer(t, dataDir, [
    ...FREE_PORT_FLAGS,
    '--bind',
    '127.0.0.1',
    '--bind',
    '::1',
    '--policy-interval',
    '1',
  ]);
  assert.match(banner, /^management point addresses: 127\.0\.0\.1, ::1$/m);
  const conn = ['--server', adminUrl, '--data', dataDir];

  const ports = await json<PortsView>(['ports', 'show']);
  for (const port of [ports.http.default, ports.https.default, ports.notification]) {
    assert.deepEqual(await onEvery(port), [true, true, false], `port ${port} on 127.0.0.1 and ::1 only`);
  }

  // The console's Sites view lists each listener with its address (GET /sites feeds it).
  const sites = await api<{ sites: { listeners: { protocol: string; port: number; address?: string }[] }[] }>(
    'GET',
    '/sites',
  );
  const https = sites.sites[0]!.listeners.filter((l) => l.protocol === 'https' && l.port === ports.https.default);
  assert.deepEqual(https.map((l) => l.address).sort(), ['127.0.0.1', '::1']);

  // A real agent per address; each learns both addresses from policy and keeps a notification channel.
  const v4 = startAgent(t, dir, '127.0.0.1', ports, ca);
  const v6 = startAgent(t, dir, '::1', ports, ca);
  for (const [stateDir, address] of [
    [v4, '127.0.0.1'],
    [v6, '::1'],
  ] as const) {
    const status = await waitFor(
      `the agent configured with ${address} contacted the MP over HTTPS and learned both addresses`,
      async () => {
        const s = await cliClientStatus(stateDir);
        return s.lastContact?.protocol === 'https' && s.managementPoints.length === 2 ? s : undefined;
      },
      60_000,
    );
    assert.equal(status.lastContact?.address, address, 'the certificate names each address');
    assert.deepEqual([...status.managementPoints].sort(), ['127.0.0.1', '::1']);
  }
  await waitFor(
    'both agents acknowledge over their TCP notification channels',
    async () => {
      const res = await runCli(['notify', '--all', '--action', 'policy', ...conn, '--json']);
      const results = (JSON.parse(res.stdout || '{"results":[]}') as { results: { via: string }[] }).results;
      return results.length === 2 && results.every((r) => r.via === 'tcp');
    },
    60_000,
    1000,
  );

  // The test-bind checks each address and names the one that is busy.
  const busy6 = await holdPort('::1', await freeOnBoth());
  const refused6 = await runCli(['ports', 'set', ...conn, `https-alternate=${busy6.port}`]);
  await busy6.close();
  assert.equal(refused6.code, 1, refused6.stdout);
  assert.match(
    refused6.stderr,
    new RegExp(
      `https-alternate port ${busy6.port} is already in use on IPv6 \\(::1\\) by node \\(pid ${process.pid}\\)`,
    ),
  );
  const busy4 = await holdPort('127.0.0.1', await freeOnBoth());
  const refused4 = await runCli(['ports', 'set', ...conn, `http-alternate=${busy4.port}`]);
  await busy4.close();
  assert.equal(refused4.code, 1);
  assert.match(refused4.stderr, new RegExp(`port ${busy4.port} is already in use on IPv4 \\(127\\.0\\.0\\.1\\)`));

  // A rollout: during the overlap old and new ports listen on both addresses; afterwards only the new ones.
  const [https2, notification2] = [await freeOnBoth(), await freeOnBoth()];
  const { rollout } = await json<{ rollout: RolloutView }>([
    'rollout',
    'propose',
    `https=${https2}`,
    `notification=${notification2}`,
  ]);
  await json<RolloutView>(['rollout', 'commit', rollout.id]);
  for (const port of [ports.https.default, https2, ports.notification, notification2]) {
    await waitFor(
      `port ${port} open on both addresses during the overlap`,
      async () => (await onEvery(port)).slice(0, 2).every(Boolean),
      60_000,
    );
  }
  for (const stateDir of [v4, v6]) {
    await waitFor(
      'the agent moved to the new HTTPS port',
      async () => (await cliClientStatus(stateDir)).lastContact?.port === https2,
      60_000,
    );
  }
  // Every client moved: the rollout finalizes by itself, or here.
  const finalized = await runCli(['rollout', 'finalize', rollout.id, '--force', ...conn, '--json']);
  assert.ok(finalized.code === 0 || /it is finalized/.test(finalized.stderr), finalized.stderr);
  for (const port of [ports.https.default, ports.notification]) {
    await waitFor(
      `old port ${port} closed on both addresses`,
      async () => (await onEvery(port)).every((open) => !open),
      60_000,
    );
  }
  for (const port of [https2, notification2]) {
    assert.deepEqual(await onEvery(port), [true, true, false], `new port ${port} on both addresses`);
  }
});

test('siteport server refuses a wildcard next to an address, an address twice, and a name, before opening anything', async (t) => {
  const dir = tempDir(t, 'siteport-multi-bind-bad-');
  const refused: [string[], RegExp][] = [
    [
      ['--bind', '::', '--bind', '127.0.0.1'],
      /E_OPTION: --bind :: already listens on every IPv6 and IPv4 address; give either :: alone or only specific addresses \(127\.0\.0\.1\)/,
    ],
    [['--bind', '127.0.0.1,::1,0:0::1'], /E_OPTION: --bind names ::1 twice; give each address once/],
    [['--bind', 'mp1.example.org'], /E_OPTION: --bind takes IP addresses like 10\.0\.0\.5 or fd00::5/],
  ];
  for (const [flags, message] of refused) {
    const res = await runCli(['server', '--data', path.join(dir, 'data'), '--admin-port', '0', ...flags]);
    assert.equal(res.code, 2, 'a usage error');
    assert.match(res.stderr, message);
  }
  // SITEPORT_BIND takes a comma list, and the config file a list, checked the same way.
  const fromEnv = await runCli(['server', '--data', path.join(dir, 'data'), '--admin-port', '0'], {
    env: { SITEPORT_BIND: '127.0.0.1, 127.0.0.1' },
  });
  assert.equal(fromEnv.code, 2);
  assert.match(fromEnv.stderr, /E_OPTION: --bind names 127\.0\.0\.1 twice/);
  const config = path.join(dir, 'server.toml');
  await writeFile(config, 'bind = ["::1", "0.0.0.0"]\n');
  const fromFile = await runCli(['server', '--data', path.join(dir, 'data'), '--config', config]);
  assert.equal(fromFile.code, 2);
  assert.match(fromFile.stderr, /E_OPTION: --bind 0\.0\.0\.0 already listens on every IPv4 address/);
});
