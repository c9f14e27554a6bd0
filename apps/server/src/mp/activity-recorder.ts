import type { Logger } from 'pino';
import type { ClientRepository, ContactUpdate } from '../clients/index.js';

/**
 * Collects what client requests tell (last contact, port, protocol) in memory and writes it in
 * one transaction per second, so a busy MP does not write the database on every heartbeat.
 */
export class ActivityRecorder {
  private pending = new Map<string, ContactUpdate>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly clients: ClientRepository,
    private readonly logger: Logger,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  record(update: ContactUpdate): void {
    // The update is the caller's own object: merged in place, no copy per request.
    const previous = this.pending.get(update.id);
    if (previous === undefined) this.pending.set(update.id, update);
    else Object.assign(previous, update);
  }

  /** Writes what is pending; concurrent calls are serialised. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = [...this.pending.values()];
      this.pending = new Map();
      try {
        await this.clients.recordContacts(batch);
      } catch (error) {
        this.logger.error({ err: error, count: batch.length }, 'could not record client activity; will retry');
        for (const update of batch) if (!this.pending.has(update.id)) this.pending.set(update.id, update);
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.flush();
  }
}
