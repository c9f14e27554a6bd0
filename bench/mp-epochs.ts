// The epoch each management point host announced last (decision 0092). Simulated clients bind their
// signed requests to it, as the agent does: an MP process that started less than five minutes ago
// (an additional `--role mp` process, a restarted one) refuses signed requests that are not bound.
import { EPOCH_HEADER } from '@siteport/protocol';

const epochs = new Map<string, string>();

/** Remembers the epoch an answer from `host` named (the `x-siteport-epoch` header value). */
export function noteEpoch(host: string, value: string | string[] | null | undefined): void {
  if (typeof value === 'string' && /^[A-Za-z0-9_-]{22}$/.test(value)) epochs.set(host, value);
}

/** The epoch `host` announced last, if any. */
export function epochOf(host: string): string | undefined {
  return epochs.get(host);
}

export { EPOCH_HEADER };
