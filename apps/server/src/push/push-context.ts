import type { Kysely, SiteDatabase } from '@siteport/db';
import type { Logger } from 'pino';
import type { PortSettingsService } from '../ports/index.js';
import type { AuditRepository, SecretBox, SiteEvents } from '../site/index.js';
import type { AgentBundle } from './agent-bundle-source.js';
import type { PushRepository, PushSettingsRow } from './push-repository.js';
import type { RegistrationWaiter } from './registration-waiter.js';

/** What the push service needs from the site server. */
export interface PushServiceDeps {
  siteCode: string;
  db: Kysely<SiteDatabase>;
  push: PushRepository;
  audit: AuditRepository;
  ports: PortSettingsService;
  events: SiteEvents;
  box: SecretBox;
  caFingerprint: string;
  /** SMSMP for pushed clients unless the push settings name one. */
  defaultManagementPoint: string;
  /** A registered client's site and reported host name (a push candidate's source), or undefined. */
  clientHost: (clientId: string) => Promise<{ siteCode: string; hostname: string } | undefined>;
  /** The offline agent bundle to upload (the prebuilt file, read at each push). */
  bundle: () => Promise<AgentBundle>;
  /**
   * A one-time registration token for a pushed host, or null when the site registers openly
   * (decision 0095): an admin chose the host, so its client is registered and approved at once.
   */
  registrationToken?: (
    siteCode: string,
    host: string,
    validSeconds: number,
    keyConfirmed: boolean,
  ) => Promise<string | null>;
  logger: Logger;
  /** How often due hosts are looked for. @default 1000 */
  tickMs?: number;
  /** Hosts installed at the same time. @default 4 */
  concurrency?: number;
  /** SSH connect + handshake timeout. @default 20000 */
  connectTimeoutMs?: number;
  /** Deadline of each remote command of an attempt (prepare, unpack and setup). @default 600000 */
  commandTimeoutMs?: number;
  /** An upload of the bundle with no progress for this long is abandoned. @default 60000 */
  uploadStallMs?: number;
}

/** What the inventory, settings and attempt code share with the push service that runs them. */
export interface PushContext {
  readonly deps: PushServiceDeps;
  readonly log: Logger;
  /** Attempts running now, by host id. */
  readonly inFlight: ReadonlyMap<string, Promise<void>>;
  /** Aborted when the service stops. */
  readonly signal: AbortSignal;
  readonly waiter: RegistrationWaiter;
  /** Whether the scheduler runs (an attempt that fails otherwise was cancelled by shutdown). */
  running(): boolean;
  /** Looks for due hosts now, when the scheduler runs. */
  kick(): void;
  /** A site's push settings, or the defaults (refused for an unknown site). */
  settingsRow(code: string): Promise<PushSettingsRow>;
}
