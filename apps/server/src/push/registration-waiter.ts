import { SiteportError } from '@siteport/protocol';

interface Seen {
  clientId: string;
  at: number;
}

/** How long a registration is remembered for a waiter that subscribes after it happened. */
const REMEMBER_MS = 10 * 60 * 1000;

/**
 * Matches client registrations (from the MP) to push attempts by the client's key fingerprint.
 * Registrations are remembered for ten minutes, because a pushed agent can register before the
 * installer's SSH command has even returned.
 */
export class RegistrationWaiter {
  private readonly seen = new Map<string, Seen>();
  private readonly waiting = new Map<string, (clientId: string) => void>();

  /** Called for every registration the MP accepts. */
  registered(keyFingerprint: string, clientId: string, now = Date.now()): void {
    this.seen.set(keyFingerprint, { clientId, at: now });
    for (const [fp, entry] of this.seen) if (now - entry.at > REMEMBER_MS) this.seen.delete(fp);
    this.waiting.get(keyFingerprint)?.(clientId);
  }

  /** Resolves with the client id once the key registers at or after `since`; E_PUSH_NOT_REGISTERED after `timeoutMs`. */
  wait(
    keyFingerprint: string,
    since: number,
    timeoutMs: number,
    describe: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const earlier = this.seen.get(keyFingerprint);
    if (earlier !== undefined && earlier.at >= since) return Promise.resolve(earlier.clientId);
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiting.delete(keyFingerprint);
        signal?.removeEventListener('abort', onAbort);
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new SiteportError(
            'E_PUSH_NOT_REGISTERED',
            `the client was installed on ${describe} and started, but did not register within ${Math.round(timeoutMs / 1000)} s; check that the host reaches the management point on the site's request ports (agent log: <install dir>/agent.log)`,
          ),
        );
      }, timeoutMs);
      const onAbort = (): void => {
        done();
        reject(
          new SiteportError(
            'E_PUSH_NOT_REGISTERED',
            `stopped waiting for ${describe} to register: the site server is stopping`,
          ),
        );
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(keyFingerprint, (clientId) => {
        done();
        resolve(clientId);
      });
    });
  }
}
