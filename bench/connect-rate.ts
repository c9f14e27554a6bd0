// The connect rate of a fleet over its connect phase, from samples of the connected count: how
// fast clients connect when few are connected, against how fast when the site is nearly full.
import { readFileSync } from 'node:fs';

/** One sample: seconds since the fleet started, clients connected by then. */
export type ConnectSample = readonly [seconds: number, connected: number];

/**
 * Clients per second while the connected count went from `at - width / 2` to `at + width / 2`,
 * read off the samples by linear interpolation; NaN when the fleet never got that far.
 */
export function rateAround(samples: readonly ConnectSample[], at: number, width: number): number {
  const [low, high] = [Math.max(0, at - width / 2), at + width / 2];
  const from = timeAt(samples, low);
  const to = timeAt(samples, high);
  if (from === undefined || to === undefined || to <= from) return Number.NaN;
  return (high - low) / (to - from);
}

/** When the connected count first reached `count`, interpolated between samples. */
function timeAt(samples: readonly ConnectSample[], count: number): number | undefined {
  for (let i = 0; i < samples.length; i += 1) {
    const [t, n] = samples[i]!;
    if (n < count) continue;
    if (i === 0) return t;
    const [t0, n0] = samples[i - 1]!;
    return n === n0 ? t : t0 + ((count - n0) / (n - n0)) * (t - t0);
  }
  return undefined;
}

/** TCP sockets in use in this network namespace (`/proc/net/sockstat`); both ends of a loopback connection count. */
export function tcpSocketsInUse(): number {
  const match = /^TCP: inuse (\d+)/m.exec(readFileSync('/proc/net/sockstat', 'utf8'));
  return match === null ? Number.NaN : Number(match[1]);
}

/** Samples the connected count every `everyMs` until stopped: sockets in use above the start, halved (both ends are here). */
export function sampleConnects(everyMs = 2000, socketsInUse = tcpSocketsInUse): { stop: () => ConnectSample[] } {
  const start = Date.now();
  const base = socketsInUse();
  const samples: ConnectSample[] = [[0, 0]];
  const timer = setInterval(() => {
    samples.push([(Date.now() - start) / 1000, Math.max(0, (socketsInUse() - base) / 2)]);
  }, everyMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      return samples;
    },
  };
}
