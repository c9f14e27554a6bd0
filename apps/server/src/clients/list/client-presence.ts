import type { NotifyChannelKind } from '@siteport/protocol';

/** How the site reaches its clients now: the notification presence of this and the other MP processes. */
export interface ClientPresence {
  /** The channel a client is reachable on now, or null when it is offline. */
  channelOf(clientId: string): NotifyChannelKind | null;
  /** Clients online now, per channel. */
  counts(): Record<NotifyChannelKind, number>;
}

/** No notification presence (a process without a hub): every client counts as channel `none`. */
export const NO_PRESENCE: ClientPresence = { channelOf: () => null, counts: () => ({ tcp: 0, 'http-poll': 0 }) };
