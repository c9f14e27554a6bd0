import os from 'node:os';
import { ipv4InSubnet } from '@siteport/protocol';

/** IPv4 subnets this host has an interface on (loopback included), as address + prefix length. */
function localSubnets(): { address: string; prefixLength: number }[] {
  const list: { address: string; prefixLength: number }[] = [];
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family !== 'IPv4' || a.cidr === null) continue;
      list.push({ address: a.address, prefixLength: Number(a.cidr.split('/')[1]) });
    }
  }
  return list;
}

/** Whether this host is on the same link as `address` (so a packet to it needs no router). */
export function isOnLink(address: string, subnets = localSubnets()): boolean {
  return subnets.some((s) => ipv4InSubnet(address, s.address, s.prefixLength));
}
