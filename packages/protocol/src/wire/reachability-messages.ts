import { type Static, Type } from '@sinclair/typebox';
import { IsoDateTime } from './client-fields.js';

const Port = Type.Integer({ minimum: 1, maximum: 65535, description: 'a TCP port, 1 to 65535' });

/** How a port is tested: a TCP connect, or a TCP connect and a TLS handshake (never an HTTP request). */
export const REACHABILITY_TRANSPORTS = ['tcp', 'tls'] as const;
export type ReachabilityTransport = (typeof REACHABILITY_TRANSPORTS)[number];
const Transport = Type.Union(REACHABILITY_TRANSPORTS.map((t) => Type.Literal(t)));

/**
 * What one test of one port found. `reachable` counts as reachable; every other outcome counts as
 * blocked (the port did not carry a connection the client could use).
 */
export const REACHABILITY_OUTCOMES = ['reachable', 'refused', 'timeout', 'tls-failed', 'unreachable'] as const;
export type ReachabilityOutcome = (typeof REACHABILITY_OUTCOMES)[number];
const Outcome = Type.Union(REACHABILITY_OUTCOMES.map((o) => Type.Literal(o)));

/** Most results one report carries: five request/notification ports and the site's candidate ports. */
export const REACHABILITY_MAX_RESULTS = 16;
/** Most candidate ports a site publishes for agents to include in their slow probing. */
export const REACHABILITY_MAX_CANDIDATES = 8;

/** One port an agent tested. */
export const ReachabilityResult = Type.Object(
  { port: Port, transport: Transport, outcome: Outcome, testedAt: IsoDateTime },
  { additionalProperties: false },
);
export type ReachabilityResult = Static<typeof ReachabilityResult>;

/**
 * `POST /mp/v1/reachability`: which management point ports this client reached on its slow schedule.
 * It names no client: the MP records it for the client whose session or signature the request carries.
 */
export const ReachabilityReport = Type.Object(
  { results: Type.Array(ReachabilityResult, { minItems: 1, maxItems: REACHABILITY_MAX_RESULTS }) },
  { additionalProperties: false },
);
export type ReachabilityReport = Static<typeof ReachabilityReport>;

/** A port the site may move to, which agents probe beside the ports in use. */
export const ReachabilityCandidate = Type.Object({ port: Port, transport: Transport }, { additionalProperties: false });
export type ReachabilityCandidate = Static<typeof ReachabilityCandidate>;

/** The reachability probing policy tells agents: how often, and which candidate ports beside those in use. */
export const PolicyReachability = Type.Object({
  intervalSeconds: Type.Integer({ minimum: 5, maximum: 7 * 86_400 }),
  candidates: Type.Array(ReachabilityCandidate, { maxItems: REACHABILITY_MAX_CANDIDATES }),
});
export type PolicyReachability = Static<typeof PolicyReachability>;

/** `GET/PUT /sites/{code}/reachability/settings`. */
export const ReachabilitySettings = Type.Object(
  {
    intervalSeconds: Type.Integer({
      minimum: 5,
      maximum: 7 * 86_400,
      description: 'how often each agent probes, in seconds (default 21600, 6 hours)',
    }),
    staleHours: Type.Integer({
      minimum: 1,
      maximum: 24 * 90,
      description: 'a result older than this many hours counts as unknown (default 24)',
    }),
    candidates: Type.Array(ReachabilityCandidate, {
      maxItems: REACHABILITY_MAX_CANDIDATES,
      description: 'ports agents probe beside the ports in use',
    }),
  },
  { additionalProperties: false },
);
export type ReachabilitySettings = Static<typeof ReachabilitySettings>;

/** The state of one subnet × port cell. */
export const REACHABILITY_CELL_STATES = ['reachable', 'blocked', 'mixed', 'not-tested'] as const;
export type ReachabilityCellState = (typeof REACHABILITY_CELL_STATES)[number];

export const ReachabilityCell = Type.Object({
  port: Port,
  state: Type.Union(REACHABILITY_CELL_STATES.map((s) => Type.Literal(s))),
  reachable: Type.Integer({ minimum: 0, description: 'clients with a fresh reachable result' }),
  blocked: Type.Integer({ minimum: 0, description: 'clients with a fresh blocked result' }),
  stale: Type.Integer({ minimum: 0, description: 'clients whose latest result is older than staleHours' }),
  lastSeen: Type.Union([IsoDateTime, Type.Null()]),
});
export type ReachabilityCell = Static<typeof ReachabilityCell>;

/** A column of the matrix: a port and what the site uses it for (or `candidate`). */
export const ReachabilityPort = Type.Object({ port: Port, roles: Type.Array(Type.String()) });
export type ReachabilityPort = Static<typeof ReachabilityPort>;

/** `GET /sites/{code}/reachability`: subnets × ports, a page of subnets at a time. */
export const ReachabilityMatrix = Type.Object({
  siteCode: Type.String(),
  staleHours: Type.Integer(),
  ports: Type.Array(ReachabilityPort),
  subnets: Type.Array(Type.Object({ subnet: Type.String(), cells: Type.Array(ReachabilityCell) })),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type ReachabilityMatrix = Static<typeof ReachabilityMatrix>;

export const ReachabilityMatrixQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'subnets per page (default 100)' })),
    cursor: Type.Optional(Type.String({ maxLength: 64, description: 'the nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

/** The port items `ports plan` takes: the same names as `ports set`. */
export const PORT_PLAN_ITEMS = ['http', 'https', 'httpAlternate', 'httpsAlternate', 'notification'] as const;
export type PortPlanItem = (typeof PORT_PLAN_ITEMS)[number];

export const PortPlanQuery = Type.Object(
  {
    http: Type.Optional(Port),
    https: Type.Optional(Port),
    httpAlternate: Type.Optional(Port),
    httpsAlternate: Type.Optional(Port),
    notification: Type.Optional(Port),
  },
  { additionalProperties: false },
);
export type PortPlanQuery = Static<typeof PortPlanQuery>;

const SubnetCount = Type.Object({ subnet: Type.String(), clients: Type.Integer({ minimum: 0 }) });

/** What moving one item to a port would do, from the map alone. */
export const PortPlanItemResult = Type.Object({
  item: Type.String(),
  port: Port,
  reachable: Type.Integer({ minimum: 0 }),
  /** Clients whose fresh result for the port is blocked: they would lose their MP. */
  lose: Type.Integer({ minimum: 0 }),
  loseSubnets: Type.Array(SubnetCount),
  /** Clients with no fresh result for the port (never tested it, or stale). */
  unknown: Type.Integer({ minimum: 0 }),
  unknownSubnets: Type.Array(SubnetCount),
});
export type PortPlanItemResult = Static<typeof PortPlanItemResult>;

/** `GET /sites/{code}/reachability/plan?http=8080…`. */
export const PortPlan = Type.Object({
  siteCode: Type.String(),
  clients: Type.Integer({ minimum: 0, description: 'active clients of the site' }),
  staleHours: Type.Integer(),
  items: Type.Array(PortPlanItemResult),
});
export type PortPlan = Static<typeof PortPlan>;
