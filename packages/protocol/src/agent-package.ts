import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * A release agent version: `MAJOR.MINOR.PATCH` with an optional `-prerelease` of dot-separated
 * letters, digits and hyphens, at most 64 characters (the clients table's column). Numbers have no
 * leading zeros, so one version has one spelling.
 */
export const AGENT_PACKAGE_VERSION_PATTERN =
  '^(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$';

export const AgentPackageVersion = Type.String({
  minLength: 5,
  maxLength: 64,
  pattern: AGENT_PACKAGE_VERSION_PATTERN,
  description: 'a release version, MAJOR.MINOR.PATCH[-prerelease]',
});

/** Largest agent package a server stores and an agent downloads (the bundle is about 2 MB). */
export const MAX_AGENT_PACKAGE_BYTES = 64 * 1024 * 1024;

/**
 * The signature file next to a bundle (`siteport-agent-<version>.tar.gz.sig`): what the release
 * signer vouches for, and an Ed25519 signature over {@link agentPackageSigningString}.
 */
export const AgentPackageSignature = Type.Object(
  {
    format: Type.Literal(1),
    version: AgentPackageVersion,
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the .tar.gz, lower-case hex' }),
    bytes: Type.Integer({ minimum: 1, maximum: MAX_AGENT_PACKAGE_BYTES }),
    keyId: Type.String({
      pattern: '^[0-9a-f]{16}$',
      description: 'first 16 hex digits of the SHA-256 of the release public key (DER, SPKI)',
    }),
    signature: Type.String({ minLength: 86, maxLength: 88, pattern: '^[A-Za-z0-9+/]+={0,2}$' }),
  },
  { additionalProperties: false },
);
export type AgentPackageSignature = Static<typeof AgentPackageSignature>;

/** Whether a parsed signature file has every field in its allowed form. */
export function isAgentPackageSignature(value: unknown): value is AgentPackageSignature {
  return Value.Check(AgentPackageSignature, value);
}

/** The exact bytes the release-signing key signs: every field of the signature file but the signature. */
export function agentPackageSigningString(sig: Omit<AgentPackageSignature, 'signature'>): string {
  return `siteport-agent-package/${sig.format}\n${sig.version}\n${sig.sha256}\n${sig.bytes}\n${sig.keyId}\n`;
}

const VERSION_RE = new RegExp(AGENT_PACKAGE_VERSION_PATTERN);

/** Whether a string is a release version ({@link AGENT_PACKAGE_VERSION_PATTERN}). */
export function isReleaseVersion(value: string): boolean {
  return value.length <= 64 && VERSION_RE.test(value);
}

function comparePrerelease(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  const left = a.split('.');
  const right = b.split('.');
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const x = left[i];
    const y = right[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const nx = /^[0-9]+$/.test(x) ? Number(x) : NaN;
    const ny = /^[0-9]+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) return nx < ny ? -1 : 1;
    if (!Number.isNaN(nx)) return -1;
    if (!Number.isNaN(ny)) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Orders two release versions (semantic-versioning precedence): negative when `a` is older, 0 when
 * equal, positive when newer. Versions that are not release versions compare as older than any
 * release version, so an agent built from a checkout never refuses a release.
 */
export function compareAgentVersions(a: string, b: string): number {
  const pa = VERSION_RE.exec(a);
  const pb = VERSION_RE.exec(b);
  if (pa === null || pb === null) return pa === null ? (pb === null ? 0 : -1) : 1;
  for (let i = 1; i <= 3; i += 1) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return d;
  }
  return comparePrerelease(pa[4]?.slice(1), pb[4]?.slice(1));
}
