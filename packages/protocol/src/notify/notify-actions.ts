import { type Static, Type } from '@sinclair/typebox';
import { MP_PREFIX } from '../protocol-version.js';
import { SiteportError } from '../siteport-error.js';
import {
  ErrorCodeField,
  InterfaceName,
  Ipv4AddressField,
  MacAddressField,
  PrintableText,
  WireId,
  toPrintable,
} from '../wire/client-fields.js';

/**
 * What the site can ask a client to do through the notification channel (or, as fallback, the
 * long-poll): download policy now, send a heartbeat and inventory now, switch request ports, wake
 * a neighbour on its subnet.
 */
export const NOTIFY_ACTIONS = ['policy', 'heartbeat', 'switch-ports', 'wake-neighbour'] as const;
export type NotifyActionName = (typeof NOTIFY_ACTIONS)[number];

/** Whether a string names a {@link NOTIFY_ACTIONS} entry. */
export function isNotifyAction(value: unknown): value is NotifyActionName {
  return typeof value === 'string' && (NOTIFY_ACTIONS as readonly string[]).includes(value);
}

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const RequestPorts = Type.Object({ default: Port, alternate: Type.Union([Port, Type.Null()]) });

/** Payload of `switch-ports`: the request ports to use from now on (and the notification port). */
export const SwitchPortsPayload = Type.Object({
  http: RequestPorts,
  https: RequestPorts,
  notification: Type.Optional(Port),
});
export type SwitchPortsPayload = Static<typeof SwitchPortsPayload>;

/** Payload of `wake-neighbour`: send a magic packet for each MAC to `address:port` from the client's subnet. */
export const WakeNeighbourPayload = Type.Object({
  macs: Type.Array(Type.String({ pattern: '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$' }), { minItems: 1, maxItems: 64 }),
  address: Type.String({ maxLength: 64 }),
  port: Port,
  broadcast: Type.Boolean(),
  password: Type.Optional(Type.String({ pattern: '^[0-9a-f]{2}(:[0-9a-f]{2}){3,5}$' })),
});
export type WakeNeighbourPayload = Static<typeof WakeNeighbourPayload>;

/** One action as it travels to the client, over TCP (`action` frame) or in a long-poll answer. */
export const NotifyAction = Type.Object({
  id: Type.String({ maxLength: 64 }),
  action: Type.Union(NOTIFY_ACTIONS.map((a) => Type.Literal(a))),
  payload: Type.Optional(Type.Unknown()),
});
export type NotifyAction = Static<typeof NotifyAction>;

/** The client's answer to one action. */
export const NotifyAck = Type.Object({
  id: WireId,
  ok: Type.Boolean(),
  error: Type.Optional(Type.Object({ code: ErrorCodeField, message: PrintableText(1024) })),
});
export type NotifyAck = Static<typeof NotifyAck>;

/** The ack of an action that failed: the error's code (E_INTERNAL when it has none) and its message made printable. */
export function failedAck(id: string, error: unknown): NotifyAck {
  const code = error instanceof SiteportError ? error.code : 'E_INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  return { id, ok: false, error: { code, message: toPrintable(message, 1024) } };
}

/** `challenge` frame: a fresh nonce the client signs. */
export const ChallengeMessage = Type.Object({
  siteCode: Type.String(),
  nonce: Type.String({ minLength: 16, maxLength: 128 }),
});
export type ChallengeMessage = Static<typeof ChallengeMessage>;

/** `auth` frame: the client id and its Ed25519 signature over {@link notifyAuthString}, base64. */
export const AuthMessage = Type.Object({
  clientId: WireId,
  signature: Type.String({
    maxLength: 256,
    pattern: '^[A-Za-z0-9+/=_-]+$',
    description: 'an Ed25519 signature in base64',
  }),
});
export type AuthMessage = Static<typeof AuthMessage>;

/**
 * `ready` frame: how often the client pings; the server drops a connection silent for 3 intervals.
 * With `tcpKeepAlive` (server liveness `tcp`, decision 0108) the client does not ping: it turns on
 * TCP keep-alive with that interval as the idle time, and the kernel finds a dead connection.
 */
export const ReadyMessage = Type.Object({
  keepAliveSeconds: Type.Integer({ minimum: 1 }),
  tcpKeepAlive: Type.Optional(Type.Boolean()),
});
export type ReadyMessage = Static<typeof ReadyMessage>;

/** `error` frame: why the connection is being closed. */
export const ErrorMessage = Type.Object({ code: Type.String(), message: Type.String() });
export type ErrorMessage = Static<typeof ErrorMessage>;

/** The exact string a client signs to authenticate a notification connection. */
export function notifyAuthString(siteCode: string, clientId: string, nonce: string): string {
  return ['siteport-notify-v1', siteCode, clientId, nonce].join('\n');
}

/**
 * Longest wait of a long-poll that no common proxy cuts (they close connections idle for 60 s);
 * agents fall back to it when a longer poll was cut on the way (decision 0061).
 */
export const SAFE_POLL_WAIT_SECONDS = 50;
/** Longest wait a long-poll may ask for. */
export const MAX_POLL_WAIT_SECONDS = 300;

/** Path of the long-poll, the HTTP(S) fallback of the notification channel. */
export const POLL_PATH = `${MP_PREFIX}/notify/poll`;

/** `POST /mp/v1/notify/poll` (signed, or with the client session's MAC): acks of the actions just handled and how long to wait. */
export const PollRequest = Type.Object({
  waitSeconds: Type.Integer({ minimum: 0, maximum: MAX_POLL_WAIT_SECONDS }),
  acks: Type.Array(NotifyAck, { maxItems: 64 }),
});
export type PollRequest = Static<typeof PollRequest>;

/** Answer of a long-poll: the actions waiting (empty when the wait ran out) and the channel's port. */
export const PollResponse = Type.Object({
  actions: Type.Array(NotifyAction),
  notificationPort: Port,
  keepAliveSeconds: Type.Integer({ minimum: 1 }),
});
export type PollResponse = Static<typeof PollResponse>;

/** One network interface of a client, as inventory reports it (IPv4 only for Wake-on-LAN). */
export const InterfaceInventory = Type.Object({
  name: InterfaceName,
  mac: MacAddressField,
  address: Ipv4AddressField,
  prefixLength: Type.Integer({ minimum: 0, maximum: 32 }),
});
export type InterfaceInventory = Static<typeof InterfaceInventory>;

/** `POST /mp/v1/inventory` (signed): the client's network interfaces. */
export const InventoryRequest = Type.Object({ interfaces: Type.Array(InterfaceInventory, { maxItems: 64 }) });
export type InventoryRequest = Static<typeof InventoryRequest>;
