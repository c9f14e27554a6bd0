import type { NotifyAction, PollResponse } from '@siteport/protocol';
import { JsonText } from '../http/index.js';

/**
 * Encodes long-poll answers, reusing the bytes while the same answer goes to many clients: a
 * fan-out hands every waiting poll the same actions array, and an empty answer only changes with
 * the notification port. One JSON serialisation per push instead of one per client.
 */
export class PollAnswers {
  private last: { actions: readonly NotifyAction[]; port: number; keepAlive: number; bytes: JsonText } | undefined;
  private empty: { port: number; keepAlive: number; bytes: JsonText } | undefined;

  /** The JSON bytes of a {@link PollResponse}. */
  encode(actions: readonly NotifyAction[], notificationPort: number, keepAliveSeconds: number): JsonText {
    if (actions.length === 0) {
      if (this.empty?.port !== notificationPort || this.empty.keepAlive !== keepAliveSeconds) {
        this.empty = {
          port: notificationPort,
          keepAlive: keepAliveSeconds,
          bytes: serialise([], notificationPort, keepAliveSeconds),
        };
      }
      return this.empty.bytes;
    }
    const last = this.last;
    if (last?.actions === actions && last.port === notificationPort && last.keepAlive === keepAliveSeconds)
      return last.bytes;
    const bytes = serialise(actions, notificationPort, keepAliveSeconds);
    this.last = { actions, port: notificationPort, keepAlive: keepAliveSeconds, bytes };
    return bytes;
  }
}

function serialise(actions: readonly NotifyAction[], notificationPort: number, keepAliveSeconds: number): JsonText {
  const response: PollResponse = { actions: [...actions], notificationPort, keepAliveSeconds };
  return JsonText.of(response);
}
