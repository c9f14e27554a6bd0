import { type Static, Type } from '@sinclair/typebox';
import { CLIENT_CATEGORIES } from './enums.js';
import { PrintableText, WireId } from './client-fields.js';
import { WaitingClient } from './window-messages.js';

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Protocol = Type.Union([Type.Literal('http'), Type.Literal('https')]);
const PortsOf = Type.Object({
  http: Type.Object({ default: Port, alternate: Type.Union([Port, Type.Null()]) }),
  https: Type.Object({ default: Port, alternate: Type.Union([Port, Type.Null()]) }),
  notification: Port,
});

/** Progress of a rollout: where the site's clients are. */
export const RolloutProgress = Type.Object({
  total: Type.Integer(),
  moved: Type.Integer({ description: 'active clients that confirmed on the new ports' }),
  onOldPorts: Type.Integer({ description: 'active clients still talking on ports that go away' }),
  inactive: Type.Integer({ description: 'clients not heard from within the active window' }),
});

/** When a scheduled rollout starts: UTC, and the wall time in the zone it was given in. */
export const RolloutSchedule = Type.Object({
  startsAt: Type.String({ description: 'UTC, ISO-8601' }),
  timeZone: Type.Union([Type.String(), Type.Null()], { description: 'IANA time zone the start was given in' }),
  local: Type.Union([Type.String(), Type.Null()], {
    description: 'the start in that zone: 2026-12-05 02:00:00 +01:00',
  }),
  secondsUntilStart: Type.Union([Type.Integer(), Type.Null()], { description: 'while scheduled' }),
});

/**
 * `start` of a proposed rollout: an ISO-8601 time with an offset (`2026-12-05T02:00:00+01:00`,
 * `…Z`), or a local time (`2026-12-05T02:00`) with the IANA zone it is meant in. The server
 * refuses a local time that does not exist or exists twice around a clock change, and the past.
 */
export const RolloutStart = Type.Object(
  {
    at: Type.String({ minLength: 16, maxLength: 32, pattern: '^[0-9T:.+Z -]+$' }),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_+/-]+$' })),
  },
  { additionalProperties: false },
);

export const RolloutView = Type.Object({
  id: Type.String(),
  siteCode: Type.String(),
  state: Type.String({
    description: 'scheduled | validated | preflight | overlapping | rolling-back | finalized | rolled-back | cancelled',
  }),
  from: PortsOf,
  to: PortsOf,
  oldVersion: Type.Integer(),
  newVersion: Type.Union([Type.Integer(), Type.Null()]),
  preflight: Type.Boolean(),
  deadline: Type.String(),
  createdAt: Type.String(),
  createdBy: Type.String(),
  committedAt: Type.Union([Type.String(), Type.Null()]),
  endedAt: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.Union([
    Type.Object({ reason: Type.String(), stranded: Type.Array(Type.String()), by: Type.String() }),
    Type.Null(),
  ]),
  schedule: Type.Union([RolloutSchedule, Type.Null()], {
    description: 'when a scheduled rollout starts (null for one started by hand)',
  }),
  progress: RolloutProgress,
  respectWindows: Type.Optional(
    Type.Boolean({
      description: 'clients of windowed collections keep the old ports until one of their windows opens',
    }),
  ),
  waiting: Type.Optional(
    Type.Array(WaitingClient, { description: 'clients kept on the old ports until their window opens (first 500)' }),
  ),
  waitingCount: Type.Optional(Type.Integer({ description: 'how many clients wait for a window' })),
});
export type RolloutView = Static<typeof RolloutView>;

export const ProbeResultSchema = Type.Object({
  protocol: Protocol,
  port: Port,
  reachable: Type.Boolean(),
  error: Type.Optional(PrintableText(200)),
  /** Taken from the reachability map (a fresh result), not probed in this pre-flight (decision 0109). */
  fromMap: Type.Optional(Type.Boolean()),
});

/** One client in an impact report: how it learns the new ports, and what to run if it cannot. */
export const ImpactClient = Type.Object({
  clientId: Type.String(),
  hostname: Type.String(),
  category: CLIENT_CATEGORIES,
  activity: Type.Union([Type.Literal('active'), Type.Literal('inactive')]),
  lastContact: Type.Union([Type.Object({ at: Type.String(), port: Port, protocol: Protocol }), Type.Null()]),
  learnsVia: Type.Union([Type.Literal('directory'), Type.Literal('policy'), Type.Literal('nothing')]),
  atRisk: Type.Boolean(),
  reason: Type.Optional(Type.String()),
  remediation: Type.Array(Type.String()),
  probe: Type.Optional(Type.Array(ProbeResultSchema)),
});
export type ImpactClient = Static<typeof ImpactClient>;

export const ImpactReport = Type.Object({
  siteCode: Type.String(),
  rolloutId: Type.Union([Type.String(), Type.Null()]),
  removed: Type.Array(Type.Object({ protocol: Protocol, port: Port })),
  added: Type.Array(Type.Object({ protocol: Protocol, port: Port })),
  counts: Type.Record(
    Type.String(),
    Type.Object({
      total: Type.Integer(),
      active: Type.Integer(),
      directory: Type.Integer(),
      policy: Type.Integer(),
      nothing: Type.Integer(),
    }),
  ),
  atRisk: Type.Array(ImpactClient),
  clients: Type.Array(ImpactClient),
  warnings: Type.Array(
    Type.Object({ code: Type.String(), message: Type.String(), clients: Type.Optional(Type.Array(Type.String())) }),
  ),
  preflight: Type.Union([
    Type.Object({
      reported: Type.Integer(),
      /** Clients with results taken from the reachability map (decision 0109). */
      fromMap: Type.Optional(Type.Integer()),
      unreachable: Type.Array(
        Type.Object({ protocol: Protocol, port: Port, clients: Type.Array(Type.String()), message: Type.String() }),
      ),
    }),
    Type.Null(),
  ]),
});
export type ImpactReport = Static<typeof ImpactReport>;

/** `POST /mp/v1/probe-report`: what a client reached during a pre-flight. */
export const ProbeReport = Type.Object({
  rolloutId: WireId,
  results: Type.Array(ProbeResultSchema, { maxItems: 16 }),
});
export type ProbeReport = Static<typeof ProbeReport>;
