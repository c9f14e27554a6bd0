// How a simulated notification fleet is spread over worker processes, management points and
// loopback source addresses, checked before anything is started.
import { readFileSync } from 'node:fs';

/** One management point process the fleet connects to. */
export interface FleetTarget {
  host: string;
  port: number;
}

/** One worker process: its key file, where its clients start in the fleet, and its source address. */
export interface WorkerPlan {
  keysFile: string;
  /** Index of the worker's first client in the whole fleet; client `offset + k` goes to `targets[(offset + k) % targets.length]`. */
  offset: number;
  clients: number;
  /** Loopback address the worker's sockets bind to, or undefined to let the kernel pick. */
  localAddress: string | undefined;
}

/** Most worker processes one fleet forks. */
export const MAX_WORKERS = 64;
/**
 * Most clients in one worker: half the 20,000 open files one process may hold. Fewer, fuller
 * workers interrupt the MPs less during a fan-out (a bare TLS server wrote one frame to 16,000
 * connections in about 20 µs each with 2 reading processes, 40 µs with 8).
 */
export const MAX_CLIENTS_PER_WORKER = 10_000;
/** Default most clients per management point: its process holds one descriptor per client under the 20,000 limit. */
export const DEFAULT_MAX_PER_TARGET = 19_500;

/** Number of ephemeral ports the kernel hands out (`net.ipv4.ip_local_port_range`). */
export function ephemeralPortCount(): number {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && high !== undefined && high >= low) return high - low + 1;
  } catch {
    // Not Linux: assume the kernel default below.
  }
  return 28_232;
}

function isLoopback(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1' || host === 'localhost';
}

/**
 * Plans the workers of a fleet: one per key file, clients spread round-robin over the targets,
 * worker `i` bound to `sourceAddresses[i % n]`. Refuses (with what to change) a plan that sends
 * traffic off loopback, forks too many workers, puts too many clients in one worker or on one
 * target, or needs more ephemeral ports than a source address has: with a bound source address
 * every socket takes its own port of that address, whatever the destination.
 */
export function planFleet(input: {
  keyCounts: readonly { file: string; clients: number }[];
  targets: readonly FleetTarget[];
  sourceAddresses?: readonly string[];
  maxPerTarget?: number;
  ephemeralPorts?: number;
}): WorkerPlan[] {
  const { keyCounts, targets } = input;
  const sources = input.sourceAddresses ?? [];
  const maxPerTarget = input.maxPerTarget ?? DEFAULT_MAX_PER_TARGET;
  const portsPerAddress = Math.floor((input.ephemeralPorts ?? ephemeralPortCount()) * 0.9);
  if (targets.length === 0) throw new Error('a fleet needs at least one target {host, port}');
  for (const t of targets) {
    if (!isLoopback(t.host)) throw new Error(`target ${t.host}: the simulated fleet only sends traffic to loopback`);
    if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535)
      throw new Error(`target port ${t.port} is not 1–65535`);
  }
  for (const s of sources)
    if (!isLoopback(s)) throw new Error(`source address ${s} is not a loopback address (127.0.0.x)`);
  if (keyCounts.length === 0) throw new Error('a fleet needs at least one key file');
  if (keyCounts.length > MAX_WORKERS)
    throw new Error(
      `${keyCounts.length} key files would fork more than ${MAX_WORKERS} workers; put more clients in each file`,
    );
  const plans: WorkerPlan[] = [];
  let offset = 0;
  const perSource = new Map<string, number>();
  for (const [i, { file, clients }] of keyCounts.entries()) {
    if (clients > MAX_CLIENTS_PER_WORKER)
      throw new Error(`${file} holds ${clients} clients, more than ${MAX_CLIENTS_PER_WORKER} per worker`);
    const localAddress = sources.length === 0 ? undefined : sources[i % sources.length];
    if (localAddress !== undefined) perSource.set(localAddress, (perSource.get(localAddress) ?? 0) + clients);
    plans.push({ keysFile: file, offset, clients, localAddress });
    offset += clients;
  }
  const total = offset;
  const mostPerTarget = Math.ceil(total / targets.length);
  if (mostPerTarget > maxPerTarget) {
    throw new Error(
      `${total} clients over ${targets.length} target(s) puts ${mostPerTarget} on one management point, more than ${maxPerTarget}; add targets`,
    );
  }
  for (const [address, clients] of perSource) {
    if (clients > portsPerAddress)
      throw new Error(
        `${clients} clients on source address ${address} exceed its ${portsPerAddress} usable ephemeral ports; add source addresses`,
      );
  }
  if (sources.length === 0 && mostPerTarget > portsPerAddress) {
    throw new Error(
      `${mostPerTarget} clients to one target exceed the ${portsPerAddress} usable ephemeral ports of one source address; give sourceAddresses`,
    );
  }
  return plans;
}
