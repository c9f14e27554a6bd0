import { promises as fs } from 'node:fs';
import net from 'node:net';
import { SiteportError, isPrivilegedPort } from '@siteport/protocol';
import { findPortOwner } from './port-owner.js';

const CAP_NET_BIND_SERVICE = 10;

/** The lowest port this machine lets unprivileged processes bind (Linux sysctl), else 1024. */
async function unprivilegedPortStart(): Promise<number> {
  const text = await fs.readFile('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').catch(() => '1024');
  const value = Number(text.trim());
  return Number.isInteger(value) ? value : 1024;
}

/** Whether the effective capability set holds CAP_NET_BIND_SERVICE (root normally has it; a bounding set may drop it). */
async function hasBindCapability(): Promise<boolean> {
  const status = await fs.readFile('/proc/self/status', 'utf8').catch(() => '');
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (capEff === undefined) return process.getuid?.() === 0;
  return (BigInt(`0x${capEff}`) & (1n << BigInt(CAP_NET_BIND_SERVICE))) !== 0n;
}

/** Whether this process may bind a port: always for unprivileged ports, else by uid/capability/sysctl. */
async function mayBindPort(port: number): Promise<boolean> {
  if (!isPrivilegedPort(port)) return true;
  if (port >= (await unprivilegedPortStart())) return true;
  return hasBindCapability();
}

/** The error for a refused privileged bind, with what to do about it. */
function privilegedPortError(port: number, item: string, cause?: unknown): SiteportError {
  return new SiteportError(
    'E_PORT_PRIVILEGED',
    `${item} port ${port} is below 1024 and this process may not bind it: run siteport server as root, ` +
      `grant CAP_NET_BIND_SERVICE (systemd: AmbientCapabilities=CAP_NET_BIND_SERVICE; or setcap cap_net_bind_service=+ep on the node binary), ` +
      `or choose a port of 1024 or above`,
    { details: { item, port }, ...(cause === undefined ? {} : { cause }) },
  );
}

/**
 * Turns a failed listen() into the error an administrator can act on. With `family`, the message and
 * details name the address family the port is busy on and the holder is looked up in that family only.
 */
export async function bindError(
  error: unknown,
  port: number,
  item: string,
  family?: { family: 4 | 6; address: string },
): Promise<SiteportError> {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return privilegedPortError(port, item, error);
  if (code === 'EADDRINUSE') {
    const owner = await findPortOwner(port, family?.family);
    const who = owner === null ? 'another program' : `${owner.name} (pid ${owner.pid})`;
    const on = family === undefined ? '' : ` on IPv${family.family} (${family.address})`;
    return new SiteportError(
      'E_PORT_IN_USE',
      `${item} port ${port} is already in use${on} by ${who}; stop it or choose another port`,
      {
        details: {
          item,
          port,
          ...(family === undefined ? {} : { family: `IPv${family.family}`, address: family.address }),
          ...(owner === null ? {} : { owner: owner.name, pid: owner.pid }),
        },
        cause: error,
      },
    );
  }
  return new SiteportError('E_PORT_BIND_FAILED', `${item} port ${port} cannot be bound: ${(error as Error).message}`, {
    details: { item, port },
    cause: error,
  });
}

/** Errors of an IPv6 bind on a host without IPv6: that family is not served, so not checked. */
const NO_IPV6 = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EPROTONOSUPPORT']);

/** The separate binds one listen address stands for: the dual-stack wildcard is IPv4 and IPv6 apart. */
function bindTargets(host: string): { address: string; family: 4 | 6; ipv6Only: boolean }[] {
  if (host === '::') {
    return [
      { address: '0.0.0.0', family: 4, ipv6Only: false },
      { address: '::', family: 6, ipv6Only: true },
    ];
  }
  return [{ address: host, family: net.isIPv6(host) ? 6 : 4, ipv6Only: net.isIPv6(host) }];
}

/**
 * Binds a TCP port on `host` and releases it at once: proves the MP could listen there before a
 * change is accepted. The dual-stack wildcard `::` is bound once per family (IPv6 with IPV6_V6ONLY),
 * so a port busy on one family only is caught and named. Throws E_PORT_IN_USE (with the family and
 * the holder's name where the OS tells it), E_PORT_PRIVILEGED or E_PORT_BIND_FAILED.
 */
export async function testBind(host: string, port: number, item: string): Promise<void> {
  if (!(await mayBindPort(port))) throw privilegedPortError(port, item);
  for (const target of bindTargets(host)) {
    const server = net.createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: target.address, port, exclusive: true, ipv6Only: target.ipv6Only }, () => resolve());
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (host === '::' && target.family === 6 && code !== undefined && NO_IPV6.has(code)) continue;
      throw await bindError(error, port, item, target);
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
