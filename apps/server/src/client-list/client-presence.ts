import type { NotifyChannelKind } from '@siteport/protocol';
import type { NotificationHub } from '../notify/notification-hub.js';
import type { RemoteNotify } from '../notify/remote-notify.js';

/** How the site reaches its clients now: the notification presence of this and the other MP processes. */
export interface ClientPresence {
  /** The channel a client is reachable on now, or null when it is offline. */
  channelOf(clientId: string): NotifyChannelKind | null;
  /** Clients online now, per channel. */
  counts(): Record<NotifyChannelKind, number>;
}

/** Presence read from this process's hub and, on PostgreSQL with several MPs, the others'. */
export function hubPresence(
  hub: () => NotificationHub | undefined,
  remote: () => RemoteNotify | undefined,
): ClientPresence {
  return {
    channelOf: (id) => hub()?.channelOf(id) ?? remote()?.channelOf(id) ?? null,
    counts: () => {
      const here = hub();
      const counts = here?.onlineCounts() ?? { tcp: 0, 'http-poll': 0 };
      for (const view of remote()?.views() ?? []) {
        if (view.channel !== null && here?.isOnline(view.clientId) !== true) counts[view.channel] += 1;
      }
      return counts;
    },
  };
}

/** No notification presence (a process without a hub): every client counts as channel `none`. */
export const NO_PRESENCE: ClientPresence = { channelOf: () => null, counts: () => ({ tcp: 0, 'http-poll': 0 }) };
