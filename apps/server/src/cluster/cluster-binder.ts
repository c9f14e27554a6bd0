import { SiteportError, isErrorCode } from '@siteport/protocol';
import type { BridgeRequests, EventBridge } from '../bridge/index.js';
import type { PortBinder } from '../ports/index.js';

/** How long the other MPs have to answer a bind check. */
const BIND_CHECK_TIMEOUT_MS = 5000;

/**
 * The test-bind of new ports for a site with several MP processes: this process's MP test-binds the new ports, then
 * every other live MP does the same through the event bridge. A port one of them cannot bind, or an
 * MP that does not answer in time, refuses the change before anything is stored.
 */
export class ClusterBinder implements PortBinder {
  constructor(
    private readonly local: PortBinder,
    private readonly requests: BridgeRequests,
    private readonly others: () => readonly { id: string; host: string }[],
    private readonly timeoutMs = BIND_CHECK_TIMEOUT_MS,
  ) {}

  async checkBindable(ports: readonly { item: string; port: number }[]): Promise<void> {
    await this.local.checkBindable(ports);
    if (ports.length === 0) return;
    const { answers, missing } = await this.requests.ask(
      { kind: 'bind-check', ports: [...ports] },
      'bind-answer',
      this.timeoutMs,
    );
    for (const answer of [...answers.values()].flat()) {
      if (answer.error === null) continue;
      const code = isErrorCode(answer.error.code) ? answer.error.code : 'E_PORT_BIND_FAILED';
      throw new SiteportError(code, `management point ${answer.host}: ${answer.error.message}`, {
        details: { managementPoint: answer.host },
      });
    }
    if (missing.length > 0) {
      const hosts = this.others()
        .filter((o) => missing.includes(o.id))
        .map((o) => o.host);
      throw new SiteportError(
        'E_MP_UNREACHABLE',
        `management point(s) ${hosts.join(', ') || missing.join(', ')} did not answer the bind check within ${this.timeoutMs / 1000} s, so the change was not accepted; retry, or stop those MPs (siteport mp list shows them)`,
        { details: { managementPoints: hosts } },
      );
    }
  }
}

/** Answers the bind checks of other processes with this MP's own test-bind. Returns the unsubscribe function. */
export function answerBindChecks(bridge: EventBridge, binder: PortBinder, host: string): () => void {
  return bridge.subscribe(({ origin, event }) => {
    if (event.kind !== 'bind-check') return;
    const answer = (error: { code: string; message: string } | null): void =>
      void bridge
        .publish({ kind: 'bind-answer', requestId: event.requestId, to: origin, host, error })
        .catch(() => undefined);
    binder.checkBindable(event.ports).then(
      () => answer(null),
      (error: unknown) =>
        answer(
          error instanceof SiteportError
            ? { code: error.code, message: error.message }
            : { code: 'E_PORT_BIND_FAILED', message: String(error) },
        ),
    );
  });
}
