import os from 'node:os';
import { type InterfaceInventory, toPrintable } from '@siteport/protocol';

/**
 * The client's IPv4 interfaces with a real MAC address, as inventory reports them for
 * Wake-on-LAN (loopback and interfaces without a MAC are left out).
 */
export function collectInterfaces(
  source: ReturnType<typeof os.networkInterfaces> = os.networkInterfaces(),
): InterfaceInventory[] {
  const list: InterfaceInventory[] = [];
  for (const [name, addresses] of Object.entries(source)) {
    for (const a of addresses ?? []) {
      if (a.family !== 'IPv4' || a.internal || a.mac === '00:00:00:00:00:00' || a.cidr === null) continue;
      list.push({
        name: toPrintable(name, 64),
        mac: a.mac.toLowerCase(),
        address: a.address,
        prefixLength: Number(a.cidr.split('/')[1]),
      });
    }
  }
  return list.slice(0, 64);
}
