import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * One definition of every field a client reports to a management point (registration, heartbeat,
 * pre-flight report, inventory, notification acks). The MP refuses a request whose field is
 * outside these rules with E_VALIDATION naming the field, before anything is stored; the agent
 * checks its own values against the same schemas before it sends them. Values end up in the
 * admin's output (tables, impact reports, remediation commands), so each is bounded and limited
 * to a charset that cannot forge lines or terminal escapes.
 */

/**
 * A regular-expression character class of what no displayed text may hold: control characters
 * (C0, DEL, C1), line and paragraph separators and bidirectional overrides.
 */
export const CONTROL_CHARACTER_CLASS =
  '[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]';
const CONTROL_CHARACTERS = new RegExp(CONTROL_CHARACTER_CLASS, 'g');
const PRINTABLE = `^[^${CONTROL_CHARACTER_CLASS.slice(1)}*$`;
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';

/** Printable text of at most `maxLength` characters: no control characters, separators or bidi overrides. */
export function PrintableText(maxLength: number, minLength = 0) {
  return Type.String({
    minLength,
    maxLength,
    pattern: PRINTABLE,
    description: `printable text of at most ${maxLength} characters (no control characters)`,
  });
}

/** Text made to fit {@link PrintableText}: control characters become spaces, then it is cut to `maxLength`. */
export function toPrintable(text: string, maxLength: number): string {
  return text.replace(CONTROL_CHARACTERS, ' ').slice(0, maxLength);
}

/** A client's host name: a DNS name (labels of letters, digits and inner hyphens, joined by dots). */
export const ClientHostName = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: `^${LABEL}(?:\\.${LABEL})*$`,
  description: 'a DNS host name of at most 253 characters (letters, digits, hyphens, dots)',
});

/** The states of the agent daemon, as a heartbeat reports them (see the agent's AgentState). */
export const AGENT_STATES = [
  'idle',
  'starting',
  'registering',
  'waiting-approval',
  'running',
  'unreachable',
  'blocked',
  'retired',
  'stopping',
  'stopped',
] as const;
export type AgentStateName = (typeof AGENT_STATES)[number];

/** A heartbeat's `agentState`: one of {@link AGENT_STATES}. */
export const AgentStateField = Type.Union(
  AGENT_STATES.map((s) => Type.Literal(s)),
  { description: `one of ${AGENT_STATES.join(', ')}` },
);

/** The agent's version: letters, digits, `.`, `+`, `_`, `-`. */
export const AgentVersion = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[0-9A-Za-z][0-9A-Za-z.+_-]*$',
  description: 'a version of at most 64 characters (letters, digits, . + _ -)',
});

/**
 * The client's state directory: an absolute path of letters, digits, space and `/ . _ - + @ % , : = ~`
 * (remediation commands name it; shell metacharacters and control characters are refused).
 */
export const StateDirPath = Type.String({
  minLength: 1,
  maxLength: 1024,
  pattern: '^/[A-Za-z0-9 ._+@%,:=~/-]*$',
  description: 'an absolute path of at most 1024 characters: letters, digits, space and / . _ - + @ % , : = ~',
});

/** An id the site or the client made up (rollout, notification action): letters, digits, `.`, `_`, `:`, `-`. */
export const WireId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9._:-]+$',
  description: 'an id of at most 64 letters, digits or . _ : -',
});

/** A stable error code as a client reports it (`E_…`). */
export const ErrorCodeField = Type.String({
  maxLength: 64,
  pattern: '^E_[A-Z0-9_]+$',
  description: 'an error code like E_PORT_IN_USE',
});

/** An ISO 8601 date-time with a zone (`2025-01-31T12:00:00.000Z`). */
export const IsoDateTime = Type.String({
  maxLength: 40,
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?(?:Z|[+-]\\d{2}:\\d{2})$',
  description: 'an ISO 8601 date-time with a zone',
});

/** A lower-case MAC address `aa:bb:cc:dd:ee:ff`. */
export const MacAddressField = Type.String({
  pattern: '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$',
  description: 'a lower-case MAC address like 00:11:22:33:44:55',
});

/** A dotted IPv4 address. */
export const Ipv4AddressField = Type.String({
  maxLength: 15,
  pattern: '^(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?:\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$',
  description: 'a dotted IPv4 address',
});

/** A network interface name as the operating system reports it. */
export const InterfaceName = PrintableText(64, 1);

/** An Ed25519 public key as SPKI PEM (base64 lines between the BEGIN/END lines). */
export const PublicKeyPem = Type.String({
  maxLength: 1024,
  pattern: '^[A-Za-z0-9+/= \\r\\n-]+$',
  description: 'an Ed25519 public key, SPKI PEM',
});

/** The site a client asks to join: a three-character site code, or AUTO. */
export const WantedSiteCode = Type.String({
  pattern: '^(?:[A-Za-z0-9]{3}|[Aa][Uu][Tt][Oo])$',
  description: 'a three-character site code or AUTO',
});

function checker<T extends TSchema>(schema: T): (value: unknown) => value is Static<T> {
  return (value: unknown): value is Static<T> => Value.Check(schema, value);
}

/** Whether a value is a valid {@link ClientHostName}. */
export const isClientHostName = checker(ClientHostName);
/** Whether a value is a valid {@link StateDirPath}. */
export const isStateDirPath = checker(StateDirPath);
/** Whether a value is a valid {@link AgentVersion}. */
export const isAgentVersion = checker(AgentVersion);
