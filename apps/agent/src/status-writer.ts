import type { Logger } from 'pino';
import type { SiteportError } from '@siteport/protocol';
import { type AgentStatus, initialAgentStatus } from './agent-status.js';
import type { StateStore } from './state-store.js';

/**
 * The agent's report in status.json (`siteport client status` reads it): the status in memory and
 * its writes. A write that fails is logged; status.json is a report, never a reason to stop.
 */
export class StatusWriter {
  status: AgentStatus = initialAgentStatus();

  constructor(
    private readonly store: StateStore,
    private readonly log: Logger,
  ) {}

  /** Starts from what the last run wrote, without its error; a torn file starts fresh. */
  resume(): void {
    try {
      this.status = { ...this.store.readStatus(), lastError: null };
    } catch (error) {
      this.log.warn({ err: error }, 'status.json unreadable; starting with a fresh status');
    }
  }

  /** Records the error of a failed cycle or reload and writes it. */
  recordError(error: SiteportError): void {
    this.status.lastError = { code: error.code, message: error.message, at: new Date().toISOString() };
    this.flush();
  }

  flush(): void {
    try {
      this.store.writeStatus(this.status);
    } catch (error) {
      this.log.error({ err: error, file: this.store.file('status') }, 'cannot write status.json');
    }
  }
}
