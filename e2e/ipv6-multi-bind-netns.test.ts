import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import type { PortsView, RolloutView } from '@siteport/protocol';
import { TestHost } from '../test-support/netns.js';
import { connects } from '../test-support/ports.js';
import { requireTool } from '../test-support/require-tool.js';
import { type CliClientStatus, cliClientStatus, startRealAgent } from '../test-support/real-agent.js';
import { runCli } from '../test-support/run-cli.js';
import { FREE_PORT_FLAGS, startCliServer } from '../test-support/server-flags.js';
import { type HasAfter, tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';

/** `siteport server` with free ports, policy every second and `flags`, optionally inside a namespace. */
const startServer = (t: HasAfter, dataDir: string, flags: string[], prefix?: string[]) =>
  startCliServer(
    t,
    dataDir,
    [...FREE_PORT_FLAGS, '--policy-interval', '1', ...flags],
    prefix === undefined ? {} : { prefix },
  );

const lastContact = async (stateDir: string): Promise<CliClientStatus['lastContact']> =>
  (await cliClientStatus(stateDir)).lastContact;

test('an MP bound to one IPv4 and a second IPv6 address of a veth link serves an agent in the namespace on each, and a rollout moves the port on both', async (t) => {
  if (!requireTool(t, 'ip', 'apt-get install iproute2')) return;
  const host = new TestHost(190);
  t.after(() => host.remove());
  const v6 = host.addIpv6(190);
  const dir = tempDir(t, 'siteport-multi-bind-netns-');
  const dataDir = path.join(dir, 'data');
  const { banner, adminUrl, ca, json } = await startServer(t, dataDir, [
    '--bind',
    `${host.hostAddress},${v6.hostAddress}`,
  ]);
  assert.match(
    banner,
    new RegExp(`^management point addresses: ${host.hostAddress.replaceAll('.', '\\.')}, ${v6.hostAddress}$`, 'm'),
  );
  const conn = ['--server', adminUrl, '--data', dataDir];
  const ports = await json<PortsView>(['ports', 'show']);
  const where = async (port: number): Promise<boolean[]> =>
    Promise.all([host.hostAddress, v6.hostAddress, '127.0.0.1', '::1'].map((a) => connects(port, a)));
  assert.deepEqual(await where(ports.https.default), [true, true, false, false], 'the two addresses and no other');

  const agents = [
    { stateDir: path.join(dir, 'agent-v4'), address: host.hostAddress },
    { stateDir: path.join(dir, 'agent-v6'), address: v6.hostAddress },
  ];
  for (const agent of agents) {
    startRealAgent(t, { stateDir: agent.stateDir, mp: agent.address, ports, ca, prefix: host.prefix });
    const contact = await waitFor(
      `the agent in the namespace reached the MP over ${agent.address}`,
      async () => {
        const c = await lastContact(agent.stateDir);
        return c?.protocol === 'https' ? c : undefined;
      },
      60_000,
    );
    assert.equal(contact.address, agent.address);
  }

  const moved = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen({ host: v6.hostAddress, port: 0, ipv6Only: true }, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  const { rollout } = await json<{ rollout: RolloutView }>(['rollout', 'propose', `https=${moved}`]);
  await json<RolloutView>(['rollout', 'commit', rollout.id]);
  await waitFor(
    'the new port on both addresses during the overlap',
    async () => (await where(moved)).slice(0, 2).every(Boolean),
    60_000,
  );
  for (const agent of agents) {
    await waitFor(
      `the agent on ${agent.address} moved to the new port`,
      async () => (await lastContact(agent.stateDir))?.port === moved,
      60_000,
    );
  }
  // Every client moved: the rollout finalizes by itself, or here.
  const finalized = await runCli(['rollout', 'finalize', rollout.id, '--force', ...conn, '--json']);
  assert.ok(finalized.code === 0 || /it is finalized/.test(finalized.stderr), finalized.stderr);
  await waitFor(
    'the old port closed on both addresses',
    async () => (await where(ports.https.default)).every((open) => !open),
    60_000,
  );
  assert.deepEqual(await where(moved), [true, true, false, false]);
});

test('on a host with IPv6 disabled an MP on the default :: serves IPv4: a real agent registers and a port change is test-bound', async (t) => {
  if (!requireTool(t, 'ip', 'apt-get install iproute2')) return;
  const host = new TestHost(191);
  t.after(() => host.remove());
  for (const scope of ['all', 'default', 'lo']) host.exec('sysctl', '-qw', `net.ipv6.conf.${scope}.disable_ipv6=1`);
  assert.equal(host.exec('sh', '-c', 'ip -6 addr show | wc -l').trim(), '0', 'no IPv6 address in the namespace');
  const dir = tempDir(t, 'siteport-no-ipv6-');
  const dataDir = path.join(dir, 'data');
  // The server runs inside the namespace; its address there is host.address.
  const { banner, adminUrl, ca } = await startServer(t, dataDir, ['--public-host', host.address], host.prefix);
  assert.match(banner, /^management point addresses: (::|0\.0\.0\.0)$/m);
  const conn = ['--server', adminUrl, '--data', dataDir];
  const cli = (args: string[]) => runCli([...args, ...conn], { prefix: host.prefix });
  const shown = await cli(['ports', 'show', '--json']);
  assert.equal(shown.code, 0, shown.stderr);
  const ports = JSON.parse(shown.stdout) as PortsView;
  assert.equal(await connects(ports.https.default, host.address), true, 'reachable over IPv4 from outside');

  const stateDir = path.join(dir, 'agent');
  startRealAgent(t, { stateDir, mp: host.address, ports, ca });
  const contact = await waitFor(
    'the agent outside reached the MP over IPv4',
    async () => {
      const c = await lastContact(stateDir);
      return c?.protocol === 'https' ? c : undefined;
    },
    60_000,
  );
  assert.equal(contact.address, host.address);
  // The namespace holds nothing but this server's ports: any other port is free there.
  const taken = new Set([ports.http.default, ports.https.default, ports.notification]);
  let free = 30_001;
  while (taken.has(free)) free += 1;
  const alternate = await cli(['ports', 'set', `https-alternate=${free}`]);
  assert.equal(alternate.code, 0, `the test-bind passes without IPv6: ${alternate.stderr}`);
});
