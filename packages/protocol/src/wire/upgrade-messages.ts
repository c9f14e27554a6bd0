import { type Static, Type } from '@sinclair/typebox';
import { AgentPackageVersion, MAX_AGENT_PACKAGE_BYTES } from '../agent-package.js';
import { AgentVersion } from './client-fields.js';

/** Largest part of a package in one MP answer, before base64 (the agent reads answers of at most 1 MiB). */
export const UPGRADE_PART_BYTES = 512 * 1024;

const UpgradeId = Type.String({ pattern: '^[0-9a-f-]{36}$', description: 'an upgrade id' });

/** Policy's hint that the site runs an agent upgrade; the agent then asks for its own offer. */
export const PolicyUpgradeHint = Type.Object({ id: UpgradeId });

/** `GET /mp/v1/upgrade`: what this client is offered, if anything. */
export const UpgradeOfferResponse = Type.Object({
  offer: Type.Union([
    Type.Null(),
    Type.Object({
      upgradeId: UpgradeId,
      /** `install` the version, or `revert` to the version this client ran before it (an administrator rolled the upgrade back). */
      action: Type.Union([Type.Literal('install'), Type.Literal('revert')]),
      version: AgentPackageVersion,
      sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
      bytes: Type.Integer({ minimum: 1, maximum: MAX_AGENT_PACKAGE_BYTES }),
      parts: Type.Integer({ minimum: 1, maximum: Math.ceil(MAX_AGENT_PACKAGE_BYTES / UPGRADE_PART_BYTES) }),
      allowDowngrade: Type.Boolean(),
      /** The site's release public key (SPKI PEM); the agent uses it only when it matches its pinned fingerprint. */
      releaseKey: Type.String({ maxLength: 1024 }),
    }),
  ]),
});
export type UpgradeOfferResponse = Static<typeof UpgradeOfferResponse>;
export type UpgradeOffer = NonNullable<UpgradeOfferResponse['offer']>;

/** `GET /mp/v1/upgrade/package?version=V&part=N`: one part of a package; part 0 carries the signature file. */
export const UpgradePackagePart = Type.Object({
  version: AgentPackageVersion,
  part: Type.Integer({ minimum: 0 }),
  parts: Type.Integer({ minimum: 1 }),
  data: Type.String({ maxLength: Math.ceil(UPGRADE_PART_BYTES / 3) * 4, pattern: '^[A-Za-z0-9+/]*={0,2}$' }),
  signature: Type.Optional(Type.String({ maxLength: 4096 })),
});
export type UpgradePackagePart = Static<typeof UpgradePackagePart>;

/** What became of an offer on this client. */
export const UpgradeOutcome = Type.Union([
  Type.Literal('upgraded'),
  Type.Literal('failed'),
  Type.Literal('rolled-back'),
  Type.Literal('reverted'),
]);
export type UpgradeOutcome = Static<typeof UpgradeOutcome>;

/** `POST /mp/v1/upgrade/report`. */
export const UpgradeReport = Type.Object(
  {
    upgradeId: UpgradeId,
    version: AgentPackageVersion,
    outcome: UpgradeOutcome,
    runningVersion: AgentVersion,
    detail: Type.Optional(Type.String({ maxLength: 500, pattern: '^[^\\u0000-\\u001f\\u007f]*$' })),
  },
  { additionalProperties: false },
);
export type UpgradeReport = Static<typeof UpgradeReport>;

/** `PUT /sites/{code}/release-key`: the release public key agents pin with SMSRELEASEKEY. */
export const ReleaseKeyBody = Type.Object(
  { publicKey: Type.String({ minLength: 1, maxLength: 1024, description: 'Ed25519 public key, SPKI PEM' }) },
  { additionalProperties: false },
);

export const ReleaseKeyView = Type.Object({
  siteCode: Type.String(),
  publicKey: Type.Union([Type.String(), Type.Null()]),
  fingerprint: Type.Union([Type.String(), Type.Null()]),
});
export type ReleaseKeyView = Static<typeof ReleaseKeyView>;

/** `POST /sites/{code}/agent-packages`: a built bundle (base64) and its signature file. */
export const AgentPackageBody = Type.Object(
  {
    package: Type.String({
      minLength: 4,
      maxLength: Math.ceil(MAX_AGENT_PACKAGE_BYTES / 3) * 4,
      pattern: '^[A-Za-z0-9+/]*={0,2}$',
      description: 'the .tar.gz, base64',
    }),
    signature: Type.Unknown({ description: 'the parsed .sig file (checked against the site release key)' }),
  },
  { additionalProperties: false },
);

export const AgentPackageView = Type.Object({
  version: Type.String(),
  sha256: Type.String(),
  bytes: Type.Integer(),
  createdAt: Type.String(),
  createdBy: Type.String(),
});
export type AgentPackageView = Static<typeof AgentPackageView>;
export const AgentPackageList = Type.Object({ packages: Type.Array(AgentPackageView) });
export type AgentPackageList = Static<typeof AgentPackageList>;

/** `POST /sites/{code}/upgrades`. */
export const StartUpgradeBody = Type.Object(
  {
    version: AgentPackageVersion,
    canaryPercent: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100, description: 'share of clients in the canary wave (default 10)' }),
    ),
    failureThresholdPercent: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100,
        description: 'halt when more of the offered clients fail or roll back (default 20)',
      }),
    ),
    autoAdvance: Type.Optional(
      Type.Boolean({ description: 'go on to the rest once the canaries answered under the threshold' }),
    ),
    allowDowngrade: Type.Optional(
      Type.Boolean({ description: 'offer the version to clients that run a newer one too' }),
    ),
  },
  { additionalProperties: false },
);
export type StartUpgradeBody = Static<typeof StartUpgradeBody>;

const WaveCounts = Type.Object({
  selected: Type.Integer(),
  offered: Type.Integer(),
  upgraded: Type.Integer(),
  failed: Type.Integer(),
  rolledBack: Type.Integer(),
});

/** An agent upgrade with its progress per wave. */
export const UpgradeView = Type.Object({
  id: Type.String(),
  siteCode: Type.String(),
  version: Type.String(),
  state: Type.Union(
    ['pending', 'canary', 'waiting', 'rest', 'complete', 'halted', 'rolled-back'].map((s) => Type.Literal(s)),
  ),
  haltedFrom: Type.Union([Type.Literal('canary'), Type.Literal('rest'), Type.Null()]),
  canaryPercent: Type.Integer(),
  failureThresholdPercent: Type.Integer(),
  autoAdvance: Type.Boolean(),
  allowDowngrade: Type.Boolean(),
  reason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  createdBy: Type.String(),
  endedAt: Type.Union([Type.String(), Type.Null()]),
  waves: Type.Object({ canary: WaveCounts, rest: WaveCounts }),
  failureRate: Type.Number(),
});
export type UpgradeView = Static<typeof UpgradeView>;
export const UpgradeList = Type.Object({ upgrades: Type.Array(UpgradeView) });
export type UpgradeList = Static<typeof UpgradeList>;
