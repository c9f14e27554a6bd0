// One process of the simulated notification fleet (bench/notify-fleet.ts forks several, so that no
// process nears the 20,000-descriptor limit). Every simulated client speaks the real protocol:
// `tcp` — TLS to the notification port, signs the challenge, pings, acks actions;
// `poll` — a client session opened with a signed request, then HTTPS long-polls with its MAC, acks in the next poll;
// `bare` — a TLS connection that holds and answers each frame (the baseline);
// `bare-poll` — polls of a bare HTTPS server that holds each for the wait (the long-poll's baseline).
// Bounded: an attempt stops at `connectTimeoutMs`, a client makes at most CONNECT_ATTEMPTS (after the
// agent's jittered backoff: a real agent reconnects), and no attempt starts after `connectDeadlineMs`; the
// process exits by itself after `lifetimeMs` or when its parent goes away.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import type { FleetClientContext, FleetMode } from './fleet-client-context.js';
import type { FleetTarget } from './fleet-plan.js';
import { FleetPollClient } from './fleet-poll-client.js';
import { connectWithRetries } from './fleet-retry.js';
import { openTcpClient } from './fleet-tcp-client.js';
import { BarePollClient } from './notify-bare-poll-client.js';
import type { FleetKey } from './seed-clients.js';

/** Attempts per simulated client, the first included. */
const CONNECT_ATTEMPTS = 3;

/** What the parent passes in `NOTIFY_WORKER` (JSON). */
export interface WorkerConfig {
  mode: FleetMode;
  targets: FleetTarget[];
  offset: number;
  localAddress?: string;
  caFile: string;
  keysFile: string;
  pollWaitSeconds: number;
  concurrency: number;
  connectTimeoutMs: number;
  connectDeadlineMs: number;
  lifetimeMs: number;
}

/** Sent once every client connected or failed. */
export interface ConnectedMessage {
  type: 'connected';
  connected: number;
  failed: number;
  /** Failure reasons and how often each happened. */
  failures: Record<string, number>;
  seconds: number;
  /** Clients connected per target, `host:port`. */
  perTarget: Record<string, number>;
}

/** Answer to `{type: 'report'}`: what happened since the previous report. */
export interface ReportMessage {
  type: 'report';
  /** Times (epoch ms) at which clients received an action. */
  received: number[];
  acked: number;
  /** Pings (TCP) or polls (long-poll) sent. */
  events: number;
  /** Connections lost, or polls that failed. */
  lost: number;
  /** The same, by reason (a handful of distinct reasons). */
  lostReasons: Record<string, number>;
  /** CPU time (user + system, ms) this worker used. */
  cpuMs: number;
}

const config = JSON.parse(process.env.NOTIFY_WORKER ?? '{}') as WorkerConfig;
const send = (message: ConnectedMessage | ReportMessage): void => void process.send?.(message);

let received: number[] = [];
let acked = 0;
let events = 0;
let lost = 0;
let lostReasons: Record<string, number> = {};
let cpuMark = process.cpuUsage();
let deferred: (() => void)[] = [];

/**
 * Deferred work runs once no new work came for QUIET_MS (the burst of a push is over), and at the
 * latest MAX_DEFER_MS after the first item: receive times are taken as data arrives, the
 * simulation's own decoding and acknowledging come after.
 */
const QUIET_MS = 20;
const MAX_DEFER_MS = 2000;
let deferTimer: NodeJS.Timeout | undefined;
let firstDeferred = 0;

function runDeferred(): void {
  deferTimer = undefined;
  const work = deferred;
  deferred = [];
  for (const fn of work) fn();
}

const ca = readFileSync(config.caFile, 'utf8');
const ctx: FleetClientContext = {
  mode: config.mode,
  // One secure context for every client of the worker: building one per connection (what the
  // `ca` option does) parses the CA again each time, over half a millisecond of CPU.
  secureContext: tls.createSecureContext({ ca }),
  localAddress: config.localAddress,
  pollWaitSeconds: config.pollWaitSeconds,
  connectTimeoutMs: config.connectTimeoutMs,
  received: (at) => void received.push(at),
  acked: (count = 1) => void (acked += count),
  event: () => void (events += 1),
  lost: (reason) => {
    lost += 1;
    lostReasons[reason] = (lostReasons[reason] ?? 0) + 1;
  },
  defer: (work) => {
    deferred.push(work);
    if (deferTimer === undefined) {
      firstDeferred = Date.now();
      deferTimer = setTimeout(runDeferred, QUIET_MS);
    } else if (Date.now() - firstDeferred < MAX_DEFER_MS) deferTimer.refresh();
  },
};

const keys = (JSON.parse(readFileSync(config.keysFile, 'utf8')) as FleetKey[]).map((k) => ({
  id: k.id,
  key: createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: k.d, x: k.x }, format: 'jwk' }),
}));
// Every simulated client keeps its connection between polls, as an agent does: the default of
// 256 free sockets would close most of them when a push answers thousands of polls at once.
const pollAgent = new https.Agent({
  keepAlive: true,
  maxSockets: Infinity,
  maxFreeSockets: Infinity,
  secureContext: ctx.secureContext,
  ...(config.localAddress === undefined ? {} : { localAddress: config.localAddress }),
});

async function connectAll(): Promise<void> {
  const started = Date.now();
  const deadline = started + config.connectDeadlineMs;
  const failures: Record<string, number> = {};
  const perTarget: Record<string, number> = {};
  let connected = 0;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < keys.length) {
      const index = next++;
      const { id, key } = keys[index]!;
      const target = config.targets[(config.offset + index) % config.targets.length]!;
      const reason = await connectWithRetries(
        () =>
          config.mode === 'poll'
            ? new FleetPollClient(ctx, pollAgent, target, id, key).start()
            : config.mode === 'bare-poll'
              ? new BarePollClient(ctx, pollAgent, target, id).start()
              : openTcpClient(ctx, target, id, key),
        { attempts: CONNECT_ATTEMPTS, deadline, baseMs: 1000, maxMs: 8000 },
      );
      if (reason === null) {
        connected += 1;
        const name = `${target.host}:${target.port}`;
        perTarget[name] = (perTarget[name] ?? 0) + 1;
      } else failures[reason] = (failures[reason] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: config.concurrency }, lane));
  send({
    type: 'connected',
    connected,
    failed: keys.length - connected,
    failures,
    seconds: (Date.now() - started) / 1000,
    perTarget,
  });
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'report') {
    const cpu = process.cpuUsage(cpuMark);
    cpuMark = process.cpuUsage();
    send({ type: 'report', received, acked, events, lost, lostReasons, cpuMs: (cpu.user + cpu.system) / 1000 });
    received = [];
    acked = 0;
    events = 0;
    lost = 0;
    lostReasons = {};
  }
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
setTimeout(() => process.exit(0), config.lifetimeMs);
void connectAll();
