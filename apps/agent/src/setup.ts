import { SiteportError, isHostName, parseSetupProperties, splitSetupProperties } from '@siteport/protocol';
import { CLIENT_CONFIG_SCHEMA, type ClientConfig, DEFAULT_POLICY_INTERVAL_SECONDS } from './client-config.js';
import type { ClientDirectory } from './discovery/client-directory.js';
import { generateIdentityKeyPem } from './identity-key.js';
import { StateStore } from './state-store.js';

/** Options of {@link runSetup}. */
export interface SetupOptions {
  /** The client state directory; created with mode 0700. */
  stateDir: string;
  /** `NAME=VALUE` installation properties as typed (SMSSITECODE, SMSMP, CCMHTTPPORT, …). */
  properties: readonly string[];
  /** Never use HTTPS. @default false */
  httpOnly?: boolean;
  /** Directory access: makes the client directory-joined (see `runDirectorySetup`). */
  directory?: { settings: ClientDirectory; password: string | null };
  /** DNS domain for the `_siteport-mp._tcp` SRV lookup. */
  dnsDomain?: string;
  /** Create a new identity key even if one is installed (a retired client registers anew). @default false */
  newIdentity?: boolean;
}

/**
 * Installs or reconfigures a client (client setup with installation properties). Properties are validated
 * before anything is written. A reinstall keeps the identity key and client id unless the site
 * code changes or `newIdentity` asks for a new one; it always takes the ports from the properties
 * and re-adopts the next site policy.
 */
export function runSetup(options: SetupOptions): ClientConfig {
  const props = parseSetupProperties(splitSetupProperties(options.properties));
  if (options.dnsDomain !== undefined && !isHostName(options.dnsDomain)) {
    throw new SiteportError(
      'E_OPTION',
      `--dns-domain must be a DNS domain such as corp.example.com, got ${JSON.stringify(options.dnsDomain)}`,
    );
  }
  const store = new StateStore(options.stateDir);
  const previous = readPrevious(store);
  const siteChanged = previous !== null && props.siteCode !== 'AUTO' && props.siteCode !== previous.siteCode;
  const keepIdentity =
    previous !== null && !siteChanged && options.newIdentity !== true && store.readText('key') !== undefined;

  store.ensureDir();
  if (!keepIdentity) {
    store.writeText('key', generateIdentityKeyPem());
    // A new identity (or another site) needs a fresh trust-on-first-use of the site CA.
    store.remove('ca');
  }
  const config: ClientConfig = {
    schema: CLIENT_CONFIG_SCHEMA,
    siteCode: props.siteCode === 'AUTO' && keepIdentity ? previous.siteCode : props.siteCode,
    managementPoints: props.managementPoint === null ? [] : [props.managementPoint],
    internetManagementPoint: props.internetManagementPoint,
    alwaysInternet: props.alwaysInternet,
    httpOnly: options.httpOnly ?? false,
    caFingerprint: props.caFingerprint,
    releaseKeyFingerprint: props.releaseKeyFingerprint,
    category: props.alwaysInternet
      ? 'internet-only'
      : options.directory !== undefined
        ? 'directory-joined'
        : 'workgroup',
    ports: {
      http: { default: props.httpPort, alternate: null },
      https: { default: props.httpsPort, alternate: null },
    },
    clientId: keepIdentity ? previous.clientId : null,
    settingsVersion: 0,
    communicationMode: 'https-or-http',
    policyIntervalSeconds: DEFAULT_POLICY_INTERVAL_SECONDS,
    directory: options.directory?.settings ?? null,
    dnsDomain: options.dnsDomain ?? null,
    registrationToken: props.registrationToken,
    gateway: props.gateway,
  };
  if (options.directory?.password != null) store.writeText('directoryPassword', options.directory.password);
  else store.remove('directoryPassword');
  store.writeConfig(config);
  return config;
}

/** The installed config, or null when none is installed or it is unreadable (setup rewrites it). */
function readPrevious(store: StateStore): ClientConfig | null {
  if (!store.isInstalled()) return null;
  try {
    return store.readConfig();
  } catch {
    return null;
  }
}
