import { promises as dns } from 'node:dns';
import net from 'node:net';

/** One address of an MP host. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to the addresses of one family (an empty list when it has none). */
export type FamilyResolver = (host: string, family: 4 | 6) => Promise<ResolvedAddress[]>;

/** Opens a connection to one address; aborting the signal must close it. */
export type Connector<S> = (target: ResolvedAddress & { port: number }, signal: AbortSignal) => Promise<S>;

/** What won the race. */
export interface EyeballsWinner<S> {
  socket: S;
  address: string;
  family: 4 | 6;
  /** The addresses attempted, in the order they were started. */
  attempted: string[];
}

export interface EyeballsOptions<S> {
  host: string;
  port: number;
  resolve?: FamilyResolver;
  connect: Connector<S>;
  /** Closes a connection that lost the race. */
  close: (socket: S) => void;
  /** Wait after starting an attempt before starting the next (RFC 8305 "connection attempt delay"). @default 250 */
  attemptDelayMs?: number;
  /** Wait for the IPv6 answer after the IPv4 answer came first (RFC 8305 "resolution delay"). @default 50 */
  resolutionDelayMs?: number;
  /** Attempts at most this many addresses. @default 16 */
  maxAttempts?: number;
  /** Attempts connecting at once; a further one waits until one ends. @default 4 */
  maxInFlight?: number;
  /** An attempt not connected by then is abandoned (its socket destroyed) as failed (ETIMEDOUT). @default 5000 */
  attemptTimeoutMs?: number;
  /** Aborting it abandons the race: every attempt is destroyed and the race rejects. */
  signal?: AbortSignal;
}

/** Default connection attempt delay. */
const ATTEMPT_DELAY_MS = 250;
const RESOLUTION_DELAY_MS = 50;
const MAX_ATTEMPTS = 16;
const MAX_IN_FLIGHT = 4;
const ATTEMPT_TIMEOUT_MS = 5000;

/** The error of an abandoned attempt or race: the abort reason when it has a code, else ABORT_ERR. */
function abandoned(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && typeof (reason as { code?: unknown }).code === 'string') return reason;
  return Object.assign(new Error('connection attempt abandoned', { cause: reason }), { code: 'ABORT_ERR' });
}

/** Resolves through the system resolver (getaddrinfo: /etc/hosts, DNS), one family at a time. */
const systemResolver: FamilyResolver = async (host, family) => {
  try {
    const answers = await dns.lookup(host, { family, all: true, verbatim: true });
    return answers.map((a) => ({ address: a.address, family }));
  } catch (error) {
    // A host with no address of this family is not a failure of the other family.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA' || code === 'EAI_NODATA' || code === 'EAI_ADDRFAMILY') return [];
    throw error;
  }
};

/** Connects a plain TCP socket to one address. */
export const tcpConnector: Connector<net.Socket> = (target, signal) =>
  new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abandoned(signal));
      return;
    }
    const socket = net.connect({ host: target.address, port: target.port, family: target.family });
    const onAbort = (): void => {
      socket.destroy();
      reject(abandoned(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(socket);
    });
    socket.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(error);
    });
  });

/**
 * Connects to a host the Happy Eyeballs way (RFC 8305): both families are resolved at once, the
 * addresses are interleaved starting with IPv6, a further attempt starts when the previous one has not
 * connected within the attempt delay (or at once when it failed), the first connection wins and
 * every other attempt is abandoned or closed. Rejects with the last attempt's error (its `code` kept,
 * so a refused or unreachable address reads as such) when none connects.
 */
export function happyEyeballs<S>(options: EyeballsOptions<S>): Promise<EyeballsWinner<S>> {
  const literal = net.isIP(options.host);
  // An address literal is a race of one address: the same timeout and abort apply.
  const resolve: FamilyResolver | undefined =
    literal === 0
      ? options.resolve
      : (_host, family) => Promise.resolve(family === literal ? [{ address: options.host, family }] : []);
  return new Race({
    ...options,
    ...(resolve === undefined ? {} : { resolve }),
    ...(literal === 0 ? {} : { resolutionDelayMs: 0 }),
  }).run();
}

/** One connection attempt in flight. */
interface Attempt {
  controller: AbortController;
  timer: NodeJS.Timeout;
  timedOut: boolean;
}

class Race<S> {
  private readonly queues: Record<4 | 6, ResolvedAddress[]> = { 4: [], 6: [] };
  private readonly resolving = new Set<4 | 6>([4, 6]);
  private readonly attempts = new Set<Attempt>();
  private readonly attempted: string[] = [];
  private lastFamily: 4 | 6 = 4;
  private lastError: unknown = undefined;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private settled = false;
  private resolveRace!: (winner: EyeballsWinner<S>) => void;
  private rejectRace!: (error: unknown) => void;

  constructor(private readonly options: EyeballsOptions<S>) {}

  run(): Promise<EyeballsWinner<S>> {
    const promise = new Promise<EyeballsWinner<S>>((resolve, reject) => {
      this.resolveRace = resolve;
      this.rejectRace = reject;
    });
    const signal = this.options.signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.abandon(abandoned(signal));
        return promise;
      }
      const onAbort = (): void => this.abandon(abandoned(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      void promise.then(
        () => signal.removeEventListener('abort', onAbort),
        () => signal.removeEventListener('abort', onAbort),
      );
    }
    const resolve = this.options.resolve ?? systemResolver;
    for (const family of [6, 4] as const) {
      resolve(this.options.host, family).then(
        (addresses) => this.resolved(family, addresses),
        (error: unknown) => {
          this.lastError = error;
          this.resolved(family, []);
        },
      );
    }
    return promise;
  }

  private resolved(family: 4 | 6, addresses: ResolvedAddress[]): void {
    this.resolving.delete(family);
    if (this.settled) return;
    this.queues[family].push(...addresses.filter((a) => a.family === family));
    if (this.started) {
      // No attempt is waiting on its delay: start the new addresses now.
      if (this.timer === undefined) this.next();
      else this.finishIfDone();
      return;
    }
    // IPv6 first: with only IPv4 answered, give IPv6 the resolution delay before starting.
    if (family === 6 || !this.resolving.has(6)) this.begin();
    else setTimeout(() => this.begin(), this.options.resolutionDelayMs ?? RESOLUTION_DELAY_MS);
  }

  private begin(): void {
    if (this.started || this.settled) return;
    this.started = true;
    this.next();
  }

  /** Picks the next address: the other family than the last attempt's where it has one (interleaving). */
  private pick(): ResolvedAddress | undefined {
    const other = this.lastFamily === 6 ? 4 : 6;
    const address = this.queues[other].shift() ?? this.queues[this.lastFamily].shift();
    if (address !== undefined) this.lastFamily = address.family;
    return address;
  }

  private next(): void {
    if (this.settled) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    // At most maxInFlight attempts at once: the next starts when one of them ends.
    if (this.attempts.size >= (this.options.maxInFlight ?? MAX_IN_FLIGHT)) return;
    const target = this.attempted.length < (this.options.maxAttempts ?? MAX_ATTEMPTS) ? this.pick() : undefined;
    if (target === undefined) {
      this.finishIfDone();
      return;
    }
    this.attempted.push(target.address);
    const timeoutMs = this.options.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS;
    const attempt: Attempt = {
      controller: new AbortController(),
      timedOut: false,
      timer: setTimeout(() => {
        attempt.timedOut = true;
        attempt.controller.abort();
      }, timeoutMs),
    };
    this.attempts.add(attempt);
    this.options.connect({ ...target, port: this.options.port }, attempt.controller.signal).then(
      (socket) => {
        this.ended(attempt);
        if (this.settled) {
          this.options.close(socket);
          return;
        }
        this.win(socket, target);
      },
      (error: unknown) => {
        this.ended(attempt);
        if (this.settled) return;
        this.lastError = attempt.timedOut
          ? Object.assign(new Error(`connecting to ${target.address} timed out after ${timeoutMs} ms`), {
              code: 'ETIMEDOUT',
            })
          : error;
        this.next();
      },
    );
    this.timer = setTimeout(() => this.next(), this.options.attemptDelayMs ?? ATTEMPT_DELAY_MS);
  }

  private ended(attempt: Attempt): void {
    clearTimeout(attempt.timer);
    this.attempts.delete(attempt);
  }

  /** Destroys every attempt in flight. */
  private abortAll(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const attempt of this.attempts) {
      clearTimeout(attempt.timer);
      attempt.controller.abort();
    }
    this.attempts.clear();
  }

  /** The caller gave up (its request timed out or was closed): nothing of the race is left running. */
  private abandon(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.abortAll();
    this.rejectRace(error);
  }

  private win(socket: S, target: ResolvedAddress): void {
    this.settled = true;
    this.abortAll();
    this.resolveRace({ socket, address: target.address, family: target.family, attempted: [...this.attempted] });
  }

  /** Fails the race once nothing is left to try: no attempt running, no address queued, no answer awaited. */
  private finishIfDone(): void {
    if (this.settled || this.attempts.size > 0 || this.resolving.size > 0) return;
    if (
      this.queues[4].length + this.queues[6].length > 0 &&
      this.attempted.length < (this.options.maxAttempts ?? MAX_ATTEMPTS)
    )
      return;
    this.settled = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.rejectRace(
      this.lastError ??
        Object.assign(new Error(`${this.options.host} has no IPv6 or IPv4 address`), { code: 'ENOTFOUND' }),
    );
  }
}
