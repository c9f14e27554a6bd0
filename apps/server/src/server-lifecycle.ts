import type { Logger } from 'pino';

/** Lifecycle of a server process: starting → running → stopping → stopped. */
export type ServerState = 'starting' | 'running' | 'stopping' | 'stopped';

/** A part of a server process that runs between start and stop: listeners, timers, connections. */
export interface Component {
  /** What the part is, for the log of a failed stop. */
  readonly name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

/**
 * The start/stop bookkeeping a site server and an MP process share: components start in the order
 * given and stop in reverse, and a boot that fails stops what it had started before rethrowing.
 */
export class ServerLifecycle {
  private current: ServerState = 'starting';
  private readonly started: { name: string; stop: () => Promise<void> | void }[] = [];

  constructor(private readonly logger: Logger) {}

  get state(): ServerState {
    return this.current;
  }

  /** Starts a component; it stops on {@link stop} (last started, first stopped). */
  async start(component: Component): Promise<void> {
    await component.start();
    this.started.push({ name: component.name, stop: () => component.stop() });
  }

  /** Starts components one after the other, in the order given. */
  async startAll(components: readonly Component[]): Promise<void> {
    for (const component of components) await this.start(component);
  }

  /** Registers something boot opened (a database, a lock), to be closed on stop. */
  onStop(name: string, close: () => Promise<void> | void): void {
    this.started.push({ name, stop: close });
  }

  /** Runs `boot`; on failure stops (closing what it opened) and rethrows. */
  async boot<T>(boot: () => Promise<T>): Promise<T> {
    let booted: T;
    try {
      booted = await boot();
    } catch (error) {
      await this.stop();
      throw error;
    }
    if (this.current === 'starting') this.current = 'running';
    return booted;
  }

  /** Stops everything in reverse order; a failing part is logged and the rest still stop. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.current === 'stopping' || this.current === 'stopped') return;
    this.current = 'stopping';
    for (const { name, stop } of this.started.reverse()) {
      try {
        await stop();
      } catch (error) {
        this.logger.error({ err: error, component: name }, 'error while stopping');
      }
    }
    this.current = 'stopped';
  }
}
