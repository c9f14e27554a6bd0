import type { ClientCategory, CommunicationMode, RequestPorts } from '@siteport/protocol';
import { type ClientDirectory, clientDirectoryProblem } from './discovery/client-directory.js';
import { type ClientGateway, gatewayConfigProblem } from './gateway/index.js';

/** Schema version of `client.json`. */
export const CLIENT_CONFIG_SCHEMA = 1;

/** Policy interval a fresh client uses until the site's policy says otherwise. */
export const DEFAULT_POLICY_INTERVAL_SECONDS = 60;

/**
 * The installed client's configuration (`client.json`): written by setup, by port switch and when
 * a newer site policy is adopted; read by the agent and by `siteport client status`.
 */
export interface ClientConfig {
  schema: typeof CLIENT_CONFIG_SCHEMA;
  /** The assigned site, or `AUTO` until the first registration assigns one. */
  siteCode: string;
  /** Intranet management points, tried in order (SMSMP, then hosts learnt from policy). */
  managementPoints: string[];
  /** Internet-facing management point (CCMHOSTNAME). */
  internetManagementPoint: string | null;
  /** CCMALWAYSINF=1: only the internet-facing MP is contacted. */
  alwaysInternet: boolean;
  /** Installed with `--http-only`: never use HTTPS. */
  httpOnly: boolean;
  /** Expected SHA-256 fingerprint of the site CA (SMSCAFINGERPRINT), lower-case hex. */
  caFingerprint: string | null;
  /** SHA-256 fingerprint of the release-signing public key upgrades must be signed with (SMSRELEASEKEY, decision 0111). */
  releaseKeyFingerprint?: string | null;
  category: ClientCategory;
  ports: { http: RequestPorts; https: RequestPorts };
  /** Id the site assigned at registration; null until registered. */
  clientId: string | null;
  /** Settings version of the last adopted site policy; 0 before any. */
  settingsVersion: number;
  communicationMode: CommunicationMode;
  policyIntervalSeconds: number;
  /** Directory access (setup --directory): the client is directory-joined and reads its site there. */
  directory?: ClientDirectory | null;
  /** DNS domain whose `_siteport-mp._tcp` SRV record names management points (last discovery step). */
  dnsDomain?: string | null;
  /** SMSREGTOKEN: sent with the registration, removed once the site registered this client (decision 0095). */
  registrationToken?: string | null;
  /** The site's gateway from policy: used only when no management point answers directly (decision 0113). */
  gateway?: ClientGateway | null;
}

/** The request ports of a client, as port switch and policy change them. */
export type ClientPorts = ClientConfig['ports'];

/**
 * The management point hosts to contact, in order: an internet-only client uses only its
 * internet-facing MP; any other client tries its intranet MPs first and the internet MP last.
 */
export function managementPointHosts(config: ClientConfig): string[] {
  if (config.alwaysInternet) return config.internetManagementPoint === null ? [] : [config.internetManagementPoint];
  const hosts = [...config.managementPoints];
  if (config.internetManagementPoint !== null && !hosts.includes(config.internetManagementPoint)) {
    hosts.push(config.internetManagementPoint);
  }
  return hosts;
}

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

function isRequestPorts(value: unknown): value is RequestPorts {
  if (typeof value !== 'object' || value === null) return false;
  const { default: def, alternate } = value as Record<string, unknown>;
  return isPort(def) && (alternate === null || isPort(alternate));
}

/** Returns the first reason a parsed `client.json` does not have the expected shape, or null. */
export function clientConfigProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const c = value as Record<string, unknown>;
  if (c.schema !== CLIENT_CONFIG_SCHEMA) return `unsupported schema ${JSON.stringify(c.schema)}`;
  if (typeof c.siteCode !== 'string') return 'siteCode is missing';
  if (!Array.isArray(c.managementPoints) || !c.managementPoints.every((h) => typeof h === 'string')) {
    return 'managementPoints is not a list of host names';
  }
  if (c.internetManagementPoint !== null && typeof c.internetManagementPoint !== 'string')
    return 'internetManagementPoint is invalid';
  if (typeof c.alwaysInternet !== 'boolean' || typeof c.httpOnly !== 'boolean')
    return 'alwaysInternet/httpOnly are not booleans';
  if (c.caFingerprint !== null && typeof c.caFingerprint !== 'string') return 'caFingerprint is invalid';
  const releaseKey = c.releaseKeyFingerprint;
  if (
    releaseKey !== undefined &&
    releaseKey !== null &&
    (typeof releaseKey !== 'string' || !/^[0-9a-f]{64}$/.test(releaseKey))
  )
    return 'releaseKeyFingerprint is invalid';
  if (typeof c.category !== 'string') return 'category is missing';
  const ports = c.ports as Record<string, unknown> | undefined;
  if (typeof ports !== 'object' || ports === null || !isRequestPorts(ports.http) || !isRequestPorts(ports.https)) {
    return 'ports are missing or out of range';
  }
  if (c.clientId !== null && typeof c.clientId !== 'string') return 'clientId is invalid';
  if (typeof c.settingsVersion !== 'number' || !Number.isInteger(c.settingsVersion) || c.settingsVersion < 0)
    return 'settingsVersion is invalid';
  if (c.communicationMode !== 'https-or-http' && c.communicationMode !== 'https-only')
    return 'communicationMode is invalid';
  if (typeof c.policyIntervalSeconds !== 'number' || !(c.policyIntervalSeconds >= 1))
    return 'policyIntervalSeconds is invalid';
  const directory = clientDirectoryProblem(c.directory);
  if (directory !== null) return directory;
  if (c.dnsDomain !== undefined && c.dnsDomain !== null && typeof c.dnsDomain !== 'string')
    return 'dnsDomain is invalid';
  if (c.registrationToken !== undefined && c.registrationToken !== null && typeof c.registrationToken !== 'string')
    return 'registrationToken is invalid';
  const gateway = gatewayConfigProblem(c.gateway);
  if (gateway !== null) return gateway;
  return null;
}
