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
