import type { ClientPresence } from '../clients/index.js';
import type { NotificationHub } from './notification-hub.js';
import type { RemoteNotify } from './remote-notify.js';

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
