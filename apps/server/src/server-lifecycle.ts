import type { Logger } from 'pino';

/** Lifecycle of a server process: starting → running → stopping → stopped. */
export type ServerState = 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * The start/stop bookkeeping a site server and an MP process share: what boot opened is closed
 * in reverse order on stop, and a boot that fails closes what it had opened before rethrowing.
 */
export class ServerLifecycle {
  private current: ServerState = 'starting';
  private readonly closers: (() => Promise<void>)[] = [];

  constructor(private readonly logger: Logger) {}

  get state(): ServerState {
    return this.current;
  }

  /** Registers something boot opened, to be closed on stop (last opened, first closed). */
  onStop(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  /** Runs `boot`; on failure stops (closing what it opened) and rethrows. */
  async boot(boot: () => Promise<void>): Promise<void> {
    try {
      await boot();
    } catch (error) {
      await this.stop();
      throw error;
    }
    if (this.current === 'starting') this.current = 'running';
  }

  /** Closes everything in reverse order; a failing closer is logged and the rest still run. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.current === 'stopping' || this.current === 'stopped') return;
    this.current = 'stopping';
    for (const close of this.closers.reverse()) {
      try {
        await close();
      } catch (error) {
        this.logger.error({ err: error }, 'error while stopping');
      }
    }
    this.current = 'stopped';
  }
}
