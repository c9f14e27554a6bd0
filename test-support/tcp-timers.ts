// The kernel's view of loopback TCP connections (Linux /proc/net/tcp): which timer each socket has
// pending. Tests use it to see that TCP keep-alive is on, with which delay, without a socket option API.
import { readFileSync } from 'node:fs';

/** One established IPv4 connection and the timer the kernel has pending on it. */
interface TcpTimer {
  localPort: number;
  remotePort: number;
  /** `keepalive` when the keep-alive timer is pending (tr 2), `retransmit` (1), `none` (0), … */
  timer: 'none' | 'retransmit' | 'keepalive' | 'time-wait' | 'probe';
  /** Seconds until it fires. */
  inSeconds: number;
}

const TIMERS = ['none', 'retransmit', 'keepalive', 'time-wait', 'probe'] as const;

/** Established IPv4 connections with `port` at either end (Linux only; USER_HZ is 100). */
export function tcpTimers(port: number): TcpTimer[] {
  const out: TcpTimer[] = [];
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[3] !== '01') continue;
    const localPort = parseInt(f[1]!.split(':')[1]!, 16);
    const remotePort = parseInt(f[2]!.split(':')[1]!, 16);
    if (localPort !== port && remotePort !== port) continue;
    const [tr, when] = f[5]!.split(':');
    out.push({
      localPort,
      remotePort,
      timer: TIMERS[Number(tr)] ?? 'none',
      inSeconds: parseInt(when!, 16) / 100,
    });
  }
  return out;
}
