import net from 'node:net';

/** A TCP port that was free a moment ago on `host` (bind 0, read, release). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen({ host, port: 0 }, r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Whether something accepts TCP connections on host:port. */
export function connects(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Holds a TCP port on one address only (IPv6 with IPV6_V6ONLY, so the IPv4 side stays free). */
export async function holdPort(host: string, port = 0): Promise<{ port: number; close: () => Promise<void> }> {
  const holder = net.createServer();
  await new Promise<void>((resolve, reject) => {
    holder.once('error', reject);
    holder.listen({ host, port, ipv6Only: net.isIPv6(host) }, resolve);
  });
  return {
    port: (holder.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => holder.close(() => resolve())),
  };
}

/** A port free on both 127.0.0.1 and ::1. */
export async function freeOnBoth(): Promise<number> {
  for (;;) {
    const v4 = await holdPort('127.0.0.1');
    const v6 = await holdPort('::1', v4.port).catch(() => undefined);
    await v4.close();
    if (v6 === undefined) continue;
    await v6.close();
    return v4.port;
  }
}
