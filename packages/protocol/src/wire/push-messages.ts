import { type Static, Type } from '@sinclair/typebox';

/** Per-host push status: the path of one installation, and where it ended. */
export const PUSH_STATUSES = ['new', 'queued', 'connecting', 'copying', 'installing', 'registered', 'failed'] as const;
export type PushStatus = (typeof PUSH_STATUSES)[number];

/** Where a host in the inventory came from; `client` is set by the server only (a client's reported host name). */
export const PUSH_SOURCES = ['api', 'cli', 'file', 'scan', 'client'] as const;
export type PushSource = (typeof PUSH_SOURCES)[number];

/** Sources whose hosts an administrator entered: they are push targets at once. */
export const PUSH_ENTERED_SOURCES: readonly PushSource[] = ['api', 'cli', 'file'];

/**
 * Whether a host may be connected to: `approved` (entered or approved by an administrator) or
 * `candidate` (learnt from a client report or a scan; no SSH connection until approved).
 */
export const PUSH_APPROVALS = ['approved', 'candidate'] as const;
export type PushApproval = (typeof PUSH_APPROVALS)[number];

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

/** A push account as the API shows it: who, how, and whether a secret is stored — never the secret. */
export const PushCredentialView = Type.Object({
  user: Nullable(Type.String()),
  auth: Type.Union([Type.Literal('key'), Type.Literal('password'), Type.Null()]),
  secretStored: Type.Boolean(),
});
export type PushCredentialView = Static<typeof PushCredentialView>;

/** `GET /api/v1/sites/{code}/push/settings`. */
export const PushSettingsView = Type.Object({
  siteCode: Type.String(),
  /** Site-wide automatic push: hosts added to the inventory get the client without an install action. */
  autoPush: Type.Boolean(),
  retryIntervalSeconds: Type.Integer(),
  retryForSeconds: Type.Integer(),
  registrationTimeoutSeconds: Type.Integer(),
  /** Pin an unknown host's SSH key on first use (recorded per host); off means a fingerprint must be given. */
  acceptNewHostKeys: Type.Boolean(),
  /** The management point host pushed clients are given as SMSMP. */
  managementPoint: Type.String(),
  defaultInstallDir: Type.String(),
  credential: PushCredentialView,
  updatedAt: Type.String(),
});
export type PushSettingsView = Static<typeof PushSettingsView>;

/** One host of the push inventory with its current push status. */
export const PushHostView = Type.Object({
  id: Type.String(),
  siteCode: Type.String(),
  host: Type.String(),
  port: Type.Integer(),
  installDir: Type.String(),
  source: Type.String(),
  /** `candidate`: learnt from a client or a scan; nothing connects to it until an administrator approves it. */
  approval: Type.Union([Type.Literal('approved'), Type.Literal('candidate')]),
  status: Type.String(),
  /** Error code of the last failure (E_PUSH_…), null unless failed. */
  errorCode: Nullable(Type.String()),
  /** Why the last attempt failed, in words that say what to do. */
  reason: Nullable(Type.String()),
  attempts: Type.Integer(),
  lastAttemptAt: Nullable(Type.String()),
  /** When the next attempt runs; null when none is scheduled (registered, or retries given up). */
  nextAttemptAt: Nullable(Type.String()),
  hostKey: Nullable(Type.String()),
  hostKeySource: Type.Union([Type.Literal('given'), Type.Literal('first-use'), Type.Null()]),
  /** The key an unpinned host presented; confirm it (approve with `hostKey`) before a password is sent. */
  presentedHostKey: Nullable(Type.String()),
  credential: PushCredentialView,
  clientId: Nullable(Type.String()),
  registeredAt: Nullable(Type.String()),
  /** The request ports the last successful install configured. */
  installedPorts: Type.Union([
    Type.Object({ http: Type.Integer(), https: Type.Integer(), settingsVersion: Type.Integer() }),
    Type.Null(),
  ]),
});
export type PushHostView = Static<typeof PushHostView>;

export const PushHostList = Type.Object({ hosts: Type.Array(PushHostView) });
export type PushHostList = Static<typeof PushHostList>;

const SshPort = Type.Integer({ minimum: 1, maximum: 65535 });
const HostText = Type.String({ minLength: 1, maxLength: 253, description: 'a host name or IP address' });
const PushUser = Type.String({
  pattern: '^[A-Za-z_][A-Za-z0-9_.-]{0,31}$',
  description: 'an account name of letters, digits, _ . - (at most 32)',
});
const PrivateKey = Type.String({
  maxLength: 16384,
  pattern: '-----BEGIN [A-Z ]*PRIVATE KEY-----',
  description: 'an SSH private key in PEM or OpenSSH format (-----BEGIN … PRIVATE KEY-----), at most 16 KiB',
});
const PushPassword = Type.String({ minLength: 1, maxLength: 1024 });
const HostKey = Type.String({
  maxLength: 100,
  pattern: '^\\s*(?:[Ss][Hh][Aa]256:)?[A-Za-z0-9+/]{43}=*\\s*$',
  description: 'a SHA-256 host key fingerprint as ssh-keygen -lf prints it (SHA256:<43 base64 characters>)',
});
const InstallDir = Type.String({
  maxLength: 300,
  pattern: '^/[A-Za-z0-9._/-]+$',
  description: 'an absolute path of letters, digits and . _ - / (no ..)',
});

/** Sources a request body may name; `client` is the server's own (a client's reported host name). */
export const PUSH_BODY_SOURCES = ['api', 'cli', 'file', 'scan'] as const satisfies readonly PushSource[];

/** One host as the API and CLI add it; credentials are write-only. */
export const PushHostInput = Type.Object(
  {
    host: HostText,
    port: Type.Optional(SshPort),
    user: Type.Optional(PushUser),
    privateKey: Type.Optional(PrivateKey),
    password: Type.Optional(PushPassword),
    hostKey: Type.Optional(HostKey),
    installDir: Type.Optional(InstallDir),
    source: Type.Optional(Type.Union(PUSH_BODY_SOURCES.map((s) => Type.Literal(s)))),
  },
  { additionalProperties: false },
);
export type PushHostInput = Static<typeof PushHostInput>;

/** `POST …/push/hosts` (add to the inventory) and `POST …/push/install` (install client now). */
export const PushHostsBody = Type.Object(
  { hosts: Type.Array(PushHostInput, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);
export type PushHostsBody = Static<typeof PushHostsBody>;

/** `POST …/push/candidates`: offer a client's reported host name for push; an administrator approves it before any connection. */
export const PushCandidateBody = Type.Object(
  {
    clientId: Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$', description: 'a client id (letters, digits and -)' }),
    port: Type.Optional(SshPort),
  },
  { additionalProperties: false },
);
export type PushCandidateBody = Static<typeof PushCandidateBody>;

/** `POST …/push/hosts/{id}/approve`: make a host a push target, optionally pinning the host key the administrator checked. */
export const PushApproveBody = Type.Object({ hostKey: Type.Optional(HostKey) }, { additionalProperties: false });
export type PushApproveBody = Static<typeof PushApproveBody>;

/** `PATCH …/push/settings`; secrets are write-only: send them, never read them back. */
export const PushSettingsBody = Type.Object(
  {
    autoPush: Type.Optional(Type.Boolean()),
    retryIntervalSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 24 * 3600 })),
    retryForSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 90 * 24 * 3600 })),
    registrationTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    acceptNewHostKeys: Type.Optional(Type.Boolean()),
    managementPoint: Type.Optional(HostText),
    defaultInstallDir: Type.Optional(InstallDir),
    user: Type.Optional(PushUser),
    privateKey: Type.Optional(PrivateKey),
    password: Type.Optional(PushPassword),
  },
  { additionalProperties: false },
);
export type PushSettingsBody = Static<typeof PushSettingsBody>;
