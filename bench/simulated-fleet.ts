import https from 'node:https';
import type { ClientSessionResponse, HeartbeatResponse, Policy, RegisterResponse } from '@siteport/protocol';
import { SimulatedClient } from './fleet-signer.js';
import { EPOCH_HEADER, epochOf, noteEpoch } from './mp-epochs.js';

/** A simulated client's view of the site: its ports and settings version, as a real agent keeps them. */
interface SimState {
  client: SimulatedClient;
  /** The MP this client talks to. */
  host: string;
  httpsPort: number;
  version: number;
  lastPort: number;
  /** When this client first checked in on each port (epoch ms). */
  firstOn: Map<number, number>;
}

/** An error answer of the MP, with its siteport error code. */
class MpAnswerError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

function errorCode(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

function request<T>(
  agent: https.Agent,
  ca: string,
  host: string,
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host,
        port,
        method,
        path,
        agent,
        ca,
        headers: {
          ...headers,
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
        },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          noteEpoch(host, res.headers[EPOCH_HEADER]);
          const text = Buffer.concat(chunks).toString();
          if ((res.statusCode ?? 500) >= 400)
            reject(new MpAnswerError(`${path}: HTTP ${res.statusCode ?? 0} ${text}`, errorCode(text)));
          else resolve(JSON.parse(text) as T);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Many clients in one process speaking the real protocol over HTTPS: Ed25519 keys, signed
 * registration, then — like the agent (decision 0062) — a client session opened with a signed
 * request and heartbeat and policy carrying its MAC; each adopts new ports from policy like the
 * agent does. They share a pool of keep-alive connections (so one process can simulate thousands).
 */
export class SimulatedFleet {
  private readonly agent = new https.Agent({ keepAlive: true, maxSockets: 64 });
  readonly members: SimState[] = [];
  failures = 0;

  constructor(
    private readonly ca: string,
    private readonly httpsPort: number,
    /** MP hosts; client `i` talks to `hosts[i % n]`. */
    private readonly hosts: readonly string[] = ['127.0.0.1'],
  ) {}

  async register(count: number, concurrency = 32): Promise<void> {
    // Learn each MP process's epoch first: signed requests are bound to it (decision 0092).
    for (const host of this.hosts) await request(this.agent, this.ca, host, this.httpsPort, 'GET', '/mp/v1/ca', {});
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const host = this.hosts[next % this.hosts.length]!;
        const client = new SimulatedClient(`sim-${next++}`);
        const body = JSON.stringify({
          siteCode: 'PS1',
          hostname: client.hostname,
          publicKey: client.publicKeyPem,
          category: 'workgroup',
          agentVersion: 'bench',
        });
        const reply = await request<RegisterResponse>(
          this.agent,
          this.ca,
          host,
          this.httpsPort,
          'POST',
          '/mp/v1/register',
          client.signedHeaders('POST', '/mp/v1/register', body, epochOf(host)),
          body,
        );
        client.id = reply.clientId;
        this.members.push({
          client,
          host,
          httpsPort: reply.policy.ports.https.default,
          version: reply.policy.settingsVersion,
          lastPort: this.httpsPort,
          firstOn: new Map(),
        });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  /** One agent cycle for one client: heartbeat, then policy, adopting newer ports. */
  async cycle(m: SimState): Promise<void> {
    try {
      const beat = JSON.stringify({ settingsVersion: m.version, agentState: 'running', hostname: m.client.hostname });
      await this.send<HeartbeatResponse>(m, 'POST', '/mp/v1/heartbeat', beat);
      m.lastPort = m.httpsPort;
      if (!m.firstOn.has(m.httpsPort)) m.firstOn.set(m.httpsPort, Date.now());
      const policy = await this.send<Policy>(m, 'GET', '/mp/v1/policy');
      if (policy.settingsVersion > m.version) {
        m.version = policy.settingsVersion;
        m.httpsPort = policy.ports.https.default;
        // Like the agent: confirm on the new ports at once.
        const confirm = JSON.stringify({
          settingsVersion: m.version,
          agentState: 'running',
          hostname: m.client.hostname,
        });
        await this.send<HeartbeatResponse>(m, 'POST', '/mp/v1/heartbeat', confirm);
        m.lastPort = m.httpsPort;
        if (!m.firstOn.has(m.httpsPort)) m.firstOn.set(m.httpsPort, Date.now());
      }
    } catch {
      this.failures += 1;
    }
  }

  /**
   * One request of a client's cycle with its session MAC. Opens the session first when the client
   * holds none, and once more when the MP no longer holds it (restarted, expired), as the agent does.
   */
  private async send<T>(m: SimState, method: 'GET' | 'POST', path: string, body?: string): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      if (!m.client.hasSession) {
        const opening = m.client.sessionOpening(epochOf(m.host));
        opening.finish(
          await request<ClientSessionResponse>(
            this.agent,
            this.ca,
            m.host,
            m.httpsPort,
            'POST',
            opening.path,
            opening.headers,
            opening.body,
          ),
        );
      }
      try {
        return await request<T>(
          this.agent,
          this.ca,
          m.host,
          m.httpsPort,
          method,
          path,
          m.client.headers(method, path, body ?? ''),
          body,
        );
      } catch (error) {
        const lost =
          error instanceof MpAnswerError && (error.code === 'E_SESSION_EXPIRED' || error.code === 'E_BAD_SESSION_MAC');
        if (!lost || attempt > 0) throw error;
        m.client.dropSession();
      }
    }
  }

  /**
   * Runs every client's cycle once per `intervalMs`, spread evenly over the interval (as agents'
   * timers are), until `stop()` returns true (checked every 200 ms) or `maxMs` passes.
   */
  async run(intervalMs: number, maxMs: number, stop: () => boolean | Promise<boolean>): Promise<void> {
    let stopped = false;
    const checker = setInterval(() => {
      void Promise.resolve(stop()).then(
        (s) => (stopped ||= s),
        () => undefined,
      );
    }, 200);
    try {
      await this.rounds(intervalMs, maxMs, () => stopped);
    } finally {
      clearInterval(checker);
    }
  }

  private async rounds(intervalMs: number, maxMs: number, stopped: () => boolean): Promise<void> {
    const started = Date.now();
    const gap = intervalMs / Math.max(1, this.members.length);
    const pending = new Set<Promise<void>>();
    for (let round = 0; Date.now() - started < maxMs; round++) {
      const roundStart = started + round * intervalMs;
      for (const [i, m] of this.members.entries()) {
        const due = roundStart + i * gap;
        if (stopped()) break;
        const wait = due - Date.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const p = this.cycle(m).finally(() => pending.delete(p));
        pending.add(p);
        if (pending.size > 256) await Promise.race(pending);
      }
      if (stopped()) break;
    }
    await Promise.all(pending);
  }

  close(): void {
    this.agent.destroy();
  }
}
