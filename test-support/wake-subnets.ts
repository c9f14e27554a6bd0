import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { until } from './notify-fixture.js';
import { requireTool } from './require-tool.js';
import type { HasAfter } from './temp-dir.js';

/** The namespaces and addresses {@link twoSubnets} made. */
export interface WakeSubnets {
  /** Host B: on the uplink and on subnet B. */
  nsB: string;
  /** The sleeping host S: on subnet B only. */
  nsS: string;
  /** The site's address on the uplink (root namespace). */
  site: string;
  /** S's address on subnet B. */
  sleeper: string;
  /** Subnet B. */
  network: string;
}

/** Whether network namespaces can be made here (iproute2, root); skips the test, or fails it under SITEPORT_REQUIRE_ALL=1. */
export function requireNamespaces(t: Parameters<typeof requireTool>[0]): boolean {
  if (!requireTool(t, 'ip', 'apt-get install iproute2')) return false;
  if (process.getuid?.() === 0) return true;
  if (process.env.SITEPORT_REQUIRE_ALL === '1') throw new Error('network namespaces need root');
  t.skip('network namespaces need root');
  return false;
}

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

/**
 * Two subnets in network namespaces made for this test: the uplink 10.201.N.0/30 joins the site
 * (root namespace) to host B, and subnet 10.202.N.0/24 joins B to the sleeping host S. The root
 * namespace gets an `unreachable` route for subnet B, so the site provably cannot send there and no
 * packet for it can leave this machine.
 */
export function twoSubnets(t: HasAfter): WakeSubnets {
  const n = 20 + (process.pid % 200);
  const tag = `${process.pid % 100000}`;
  const nsB = `spB_${tag}`;
  const nsS = `spS_${tag}`;
  const up = `spu${tag}`;
  const subnet = `10.202.${n}.0/24`;
  t.after(() => {
    for (const args of [
      ['route', 'del', 'unreachable', subnet],
      ['link', 'del', up],
      ['netns', 'del', nsB],
      ['netns', 'del', nsS],
    ]) {
      try {
        ip(...args);
      } catch {
        // Already gone with its namespace.
      }
    }
  });
  ip('netns', 'add', nsB);
  ip('netns', 'add', nsS);
  ip('link', 'add', up, 'type', 'veth', 'peer', 'name', 'up0', 'netns', nsB);
  ip('addr', 'add', `10.201.${n}.1/30`, 'dev', up);
  ip('link', 'set', up, 'up');
  ip('route', 'add', 'unreachable', subnet);
  ip('-n', nsB, 'addr', 'add', `10.201.${n}.2/30`, 'dev', 'up0');
  ip('-n', nsB, 'link', 'set', 'up0', 'up');
  ip('-n', nsB, 'link', 'set', 'lo', 'up');
  ip('-n', nsB, 'link', 'add', 'lanB', 'type', 'veth', 'peer', 'name', 'lanS', 'netns', nsS);
  ip('-n', nsB, 'addr', 'add', `10.202.${n}.1/24`, 'dev', 'lanB');
  ip('-n', nsB, 'link', 'set', 'lanB', 'up');
  ip('-n', nsS, 'addr', 'add', `10.202.${n}.2/24`, 'dev', 'lanS');
  ip('-n', nsS, 'link', 'set', 'lanS', 'up');
  ip('-n', nsS, 'link', 'set', 'lo', 'up');
  return { nsB, nsS, site: `10.201.${n}.1`, sleeper: `10.202.${n}.2`, network: `10.202.${n}.0/24` };
}

/** Runs a command in a network namespace, output piped. */
export function spawnIn(ns: string, args: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A sleeping host's NIC: a UDP receiver in a namespace that records each datagram as `FROM HEX`. */
export async function udpReceiverIn(t: HasAfter, ns: string, port: number): Promise<{ datagrams: () => string[] }> {
  const rx = spawnIn(ns, [
    process.execPath,
    '-e',
    `const s=require('node:dgram').createSocket('udp4');s.on('message',(m,r)=>console.log(r.address+' '+m.toString('hex')));s.bind(${port},()=>console.log('ready'));`,
  ]);
  t.after(() => rx.kill());
  let out = '';
  rx.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await until('the UDP receiver', () => out.includes('ready'));
  return { datagrams: () => out.split('\n').filter((l) => l !== '' && l !== 'ready') };
}

/** Whether the root namespace (the site) can send a datagram to this address. */
export async function canSendTo(address: string, port: number): Promise<boolean> {
  const probe = dgram.createSocket('udp4');
  const error = await new Promise<Error | null>((resolve) =>
    probe.send(Buffer.alloc(1), port, address, (e) => resolve(e ?? null)),
  );
  probe.close();
  return error === null;
}
