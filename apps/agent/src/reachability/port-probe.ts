import net from 'node:net';
import tls from 'node:tls';
import type { ReachabilityCandidate, ReachabilityOutcome, ReachabilityResult } from '@siteport/protocol';

/** A socket error as one of the map's outcomes; `connected` says whether TCP had connected already. */
function outcomeOf(error: NodeJS.ErrnoException, connected: boolean): ReachabilityOutcome {
  if (error.code === 'ECONNREFUSED') return 'refused';
  if (error.code === 'ETIMEDOUT') return 'timeout';
  if (connected) return 'tls-failed';
  if (error.code === 'EHOSTUNREACH' || error.code === 'ENETUNREACH' || error.code === 'ECONNRESET')
    return 'unreachable';
  // A certificate or handshake error before `connect` was seen still means TCP got through.
  return error.code?.startsWith('ERR_TLS') === true ||
    error.code?.startsWith('ERR_SSL') === true ||
    /certificate|self.signed|handshake|alert/i.test(error.message)
    ? 'tls-failed'
    : 'unreachable';
}

/**
 * Tests one MP port: a TCP connect, and for `tls` a TLS handshake against the site CA; never an
 * HTTP request. The socket is closed as soon as the outcome is known.
 */
export function probePort(
  host: string,
  target: ReachabilityCandidate,
  options: { caPem: string | undefined; timeoutMs: number; now?: () => Date },
): Promise<ReachabilityResult> {
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const socket =
      target.transport === 'tls'
        ? tls.connect({
            host,
            port: target.port,
            ...(options.caPem === undefined ? { rejectUnauthorized: false } : { ca: options.caPem }),
            ...(net.isIP(host) === 0 ? { servername: host } : {}),
          })
        : net.connect({ host, port: target.port });
    const done = (outcome: ReachabilityOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({
        port: target.port,
        transport: target.transport,
        outcome,
        testedAt: (options.now?.() ?? new Date()).toISOString(),
      });
    };
    const timer = setTimeout(() => done('timeout'), options.timeoutMs);
    socket.once('connect', () => {
      connected = true;
      if (target.transport === 'tcp') done('reachable');
    });
    socket.once('secureConnect', () => done('reachable'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(outcomeOf(error, connected)));
  });
}
