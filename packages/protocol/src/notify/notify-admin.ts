import { type Static, Type } from '@sinclair/typebox';
import { NOTIFY_ACTIONS } from './notify-actions.js';

/** The two ways an action reaches a client. */
export const NOTIFY_CHANNELS = ['tcp', 'http-poll'] as const;
export type NotifyChannelKind = (typeof NOTIFY_CHANNELS)[number];
const Channel = Type.Union(NOTIFY_CHANNELS.map((c) => Type.Literal(c)));

/** `POST /api/v1/notify`: push an action to clients (by id, or every online client with `all`). */
export const NotifyBody = Type.Object(
  {
    clients: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 200_000 })),
    all: Type.Optional(Type.Boolean()),
    action: Type.Union(NOTIFY_ACTIONS.map((a) => Type.Literal(a))),
    /** The action's payload, checked against the action's own schema (switch-ports, wake-neighbour). */
    payload: Type.Optional(Type.Unknown()),
    /** How long to wait for each client's acknowledgement. */
    waitSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 60 })),
  },
  { additionalProperties: false },
);
export type NotifyBody = Static<typeof NotifyBody>;

/**
 * Per-client outcome of a push: `acknowledged` (the client ran it), `failed` (the client ran it and
 * reported an error), `timeout` (sent, no answer in time), `offline` (no channel and no poll within
 * the offline window), `unknown-client`.
 */
export const NOTIFY_OUTCOMES = ['acknowledged', 'failed', 'timeout', 'offline', 'unknown-client'] as const;
export type NotifyOutcome = (typeof NOTIFY_OUTCOMES)[number];

export const NotifyClientResult = Type.Object({
  clientId: Type.String(),
  outcome: Type.Union(NOTIFY_OUTCOMES.map((o) => Type.Literal(o))),
  via: Type.Union([Channel, Type.Null()]),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
});
export type NotifyClientResult = Static<typeof NotifyClientResult>;

export const NotifyResult = Type.Object({ action: Type.String(), results: Type.Array(NotifyClientResult) });
export type NotifyResult = Static<typeof NotifyResult>;

/** One client's notification channel as the admin API shows it. */
export const ChannelView = Type.Object({
  clientId: Type.String(),
  online: Type.Boolean(),
  channel: Type.Union([Channel, Type.Null()]),
  lastSeen: Type.Union([Type.String(), Type.Null()]),
  /** With several MP processes: the host of the MP that holds the channel, when it is not the one answering. */
  managementPoint: Type.Optional(Type.String()),
});
export type ChannelView = Static<typeof ChannelView>;

export const ChannelList = Type.Object({
  /** TCP port the notification listener holds now (null while it cannot listen). */
  port: Type.Union([Type.Integer(), Type.Null()]),
  tcpSessions: Type.Integer(),
  offlineAfterSeconds: Type.Integer(),
  clients: Type.Array(ChannelView),
});
export type ChannelList = Static<typeof ChannelList>;

/** How the site addresses a magic packet: unicast to the last known address, or subnet-directed broadcast. */
export const WAKE_MODES = ['unicast', 'broadcast'] as const;
export type WakeMode = (typeof WAKE_MODES)[number];

/** `POST /api/v1/wake`: wake clients by id. */
export const WakeBody = Type.Object(
  {
    clients: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 10_000 }),
    mode: Type.Optional(Type.Union(WAKE_MODES.map((m) => Type.Literal(m)))),
    password: Type.Optional(Type.String({ maxLength: 17 })),
  },
  { additionalProperties: false },
);
export type WakeBody = Static<typeof WakeBody>;

/**
 * Per-client outcome of a wake: `sent` (the site sent it), `sent-by-proxy` (an awake client on the
 * sleeping client's subnet sent it and acknowledged), `awake` (the client is online; nothing sent),
 * `no-inventory` (no MAC/IPv4 known for it), `failed`, `unknown-client`.
 */
export const WAKE_OUTCOMES = ['sent', 'sent-by-proxy', 'awake', 'no-inventory', 'failed', 'unknown-client'] as const;
export type WakeOutcome = (typeof WAKE_OUTCOMES)[number];

export const WakeClientResult = Type.Object({
  clientId: Type.String(),
  outcome: Type.Union(WAKE_OUTCOMES.map((o) => Type.Literal(o))),
  macs: Type.Array(Type.String()),
  target: Type.Union([Type.String(), Type.Null()], { description: 'address:port the packets went to' }),
  proxy: Type.Union([Type.String(), Type.Null()], { description: 'client id of the proxy that sent them' }),
  note: Type.Optional(Type.String()),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
});
export type WakeClientResult = Static<typeof WakeClientResult>;

export const WakeResult = Type.Object({
  mode: Type.String(),
  port: Type.Integer(),
  results: Type.Array(WakeClientResult),
});
export type WakeResult = Static<typeof WakeResult>;
