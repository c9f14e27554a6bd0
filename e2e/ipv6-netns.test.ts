import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { runSetup } from '@siteport/agent';
import { type ClientList, type PortsView, defaultPortSettings, firewallRules } from '@siteport/protocol';
import { TestHost } from '../test-support/netns.js';
import { requireTool } from '../test-support/require-tool.js';
import { runCli, startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { startTestServer } from '../test-support/test-server.js';
import { waitFor } from '../test-support/wait-for.js';

const MP_NAME = 'mp.ipv6.siteport.test';

interface StatusJson {
  lastContact: { protocol: string; address?: string } | null;
}

test('agents in a dual-stack network namespace reach the MP over IPv6, and one whose IPv6 path is dropped falls back to IPv4', async (t) => {
  if (!requireTool(t, 'ip', 'apt-get install iproute2') || !requireTool(t, 'nft', 'apt-get install nftables')) return;
  const host = new TestHost(160);
  t.after(() => host.remove());
  const v6 = host.addIpv6(160);
  // The MP's name has both an IPv6 and an IPv4 address inside the namespace.
  host.setHosts([`${v6.hostAddress} ${MP_NAME}`, `${host.hostAddress} ${MP_NAME}`]);
  const s = await startTestServer(t, { bindHost: '::', policyIntervalSeconds: 1, publicHosts: [MP_NAME] });
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const root = tempDir(t);

  const startAgent = (name: string): string => {
    const stateDir = path.join(root, name);
    runSetup({
      stateDir,
      properties: [
        'SMSSITECODE=PS1',
        `SMSMP=${MP_NAME}`,
        `CCMHTTPPORT=${ports.http.default}`,
        `CCMHTTPSPORT=${ports.https.default}`,
        `SMSCAFINGERPRINT=${s.server.info.caFingerprint}`,
      ],
    });
    const agent = startCli(['agent', '--state', stateDir, '--log-level', 'warn', '--request-timeout', '3'], /$^/, {
      prefix: host.prefix,
    });
    agent.started.catch(() => undefined);
    t.after(() => agent.child.kill('SIGTERM'));
    return stateDir;
  };
  const contactAddress = async (stateDir: string): Promise<string | undefined> => {
    const cli = await runCli(['client', 'status', '--state', stateDir, '--json']);
    const json = JSON.parse(cli.stdout) as StatusJson;
    return json.lastContact?.protocol === 'https' ? json.lastContact.address : undefined;
  };

  const first = startAgent('over-ipv6');
  const firstAddress = await waitFor('the first agent checked in', () => contactAddress(first), 60_000);
  assert.equal(firstAddress, v6.hostAddress, 'Happy Eyeballs tries IPv6 first and it connects');
  const clients = (await s.admin<ClientList>('GET', '/sites/PS1/clients')).body.clients;
  assert.ok(
    clients.some((c) => c.lastContact?.address.endsWith(v6.address)),
    `the MP saw the client's IPv6 address: ${JSON.stringify(clients.map((c) => c.lastContact?.address))}`,
  );

  // A firewall in the client's network silently drops IPv6 to the MP: no refusal comes back, so the
  // IPv4 attempt starts after the attempt delay and wins.
  host.exec('nft', 'add', 'table', 'ip6', 'siteport_ipv6_test');
  host.exec('nft', 'add', 'chain', 'ip6', 'siteport_ipv6_test', 'output', '{ type filter hook output priority 0 ; }');
  host.exec('nft', 'add', 'rule', 'ip6', 'siteport_ipv6_test', 'output', 'ip6', 'daddr', v6.hostAddress, 'drop');
  const second = startAgent('ipv6-dropped');
  const secondAddress = await waitFor('the second agent checked in', () => contactAddress(second), 60_000);
  assert.equal(secondAddress, host.hostAddress, 'fell back to IPv4');
  const shown = await runCli(['client', 'status', '--state', second]);
  assert.match(shown.stdout, new RegExp(`https port ${ports.https.default} on ${MP_NAME} \\(${host.hostAddress}\\)`));
  // The first agent's kept-alive IPv6 connection went dead: its request timed out, and the next
  // connection (on whichever port the fallback tried next) raced again and went over IPv4.
  await waitFor(
    'the first agent moved to IPv4 too',
    async () => {
      const cli = await runCli(['client', 'status', '--state', first, '--json']);
      return (JSON.parse(cli.stdout) as StatusJson).lastContact?.address === host.hostAddress;
    },
    60_000,
  );
});

/** Whether a TCP connection to host:port is accepted within `ms` (a dropped SYN is a no). */
function connectsWithin(host: string, port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

test('the generated nftables rules open the site ports on IPv6 and IPv4 of a host whose input policy drops the rest', async (t) => {
  if (!requireTool(t, 'ip', 'apt-get install iproute2') || !requireTool(t, 'nft', 'apt-get install nftables')) return;
  const host = new TestHost(161);
  t.after(() => host.remove());
  const v6 = host.addIpv6(161);
  const dir = tempDir(t);
  // A host firewall like /etc/nftables.conf: drop by default, keep neighbour discovery and replies.
  writeFileSync(
    path.join(dir, 'base.nft'),
    [
      'add table inet filter',
      'add chain inet filter input { type filter hook input priority filter ; policy drop ; }',
      'add rule inet filter input ct state established,related accept',
      'add rule inet filter input meta l4proto ipv6-icmp accept',
      'add rule inet filter input iif lo accept',
      '',
    ].join('\n'),
  );
  const rules = firewallRules(
    { siteCode: 'PS1', version: 1, settings: defaultPortSettings(), role: 'management-point' },
    'nftables',
  );
  writeFileSync(path.join(dir, 'siteport.nft'), rules.text);
  host.exec('nft', '-f', path.join(dir, 'base.nft'));
  host.exec('nft', '-f', path.join(dir, 'siteport.nft'));

  // Port 443 is a site port, 8999 is not; both listen on the dual-stack wildcard inside the host.
  const listener = spawn(
    host.prefix[0]!,
    [
      ...host.prefix.slice(1),
      process.execPath,
      '-e',
      "const net=require('net');let n=0;for(const p of [443,8999])net.createServer(s=>s.end()).listen({host:'::',port:p},()=>{if(++n===2)console.log('ready')});",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => listener.kill('SIGTERM'));
  await new Promise<void>((resolve) => listener.stdout.once('data', () => resolve()));

  assert.equal(await connectsWithin(v6.address, 443, 5000), true, 'HTTPS over IPv6 allowed');
  assert.equal(await connectsWithin(host.address, 443, 5000), true, 'HTTPS over IPv4 allowed');
  assert.equal(await connectsWithin(v6.address, 8999, 1000), false, 'another port over IPv6 dropped');
  assert.equal(await connectsWithin(host.address, 8999, 1000), false, 'another port over IPv4 dropped');
});
