// Over 300 lines: the table types of every migration in one place, as Kysely reads them.
import type { ColumnType, Generated } from 'kysely';

/**
 * The site database. Types are dialect-neutral on purpose: timestamps are ISO 8601 text,
 * booleans are 0/1 integers, structured values are JSON text, so the same queries run on
 * SQLite and PostgreSQL.
 */
export interface SiteDatabase {
  sites: SitesTable;
  port_settings: PortSettingsTable;
  rollouts: RolloutsTable;
  probe_reports: ProbeReportsTable;
  clients: ClientsTable;
  audit_log: AuditLogTable;
  push_settings: PushSettingsTable;
  push_hosts: PushHostsTable;
  directory_settings: DirectorySettingsTable;
  secondary_sites: SecondarySitesTable;
  inherited_overlaps: InheritedOverlapsTable;
  peer_primaries: PeerPrimariesTable;
  web_sites: WebSitesTable;
  web_applications: WebApplicationsTable;
  client_interfaces: ClientInterfacesTable;
  console_users: ConsoleUsersTable;
  console_sessions: ConsoleSessionsTable;
  management_points: ManagementPointsTable;
  site_events: SiteEventsTable;
  admin_tokens: AdminTokensTable;
  registration_settings: RegistrationSettingsTable;
  registration_tokens: RegistrationTokensTable;
  release_keys: ReleaseKeysTable;
  agent_packages: AgentPackagesTable;
  agent_upgrades: AgentUpgradesTable;
  agent_upgrade_clients: AgentUpgradeClientsTable;
  reachability_results: ReachabilityResultsTable;
  reachability_settings: ReachabilitySettingsTable;
  gateway_settings: GatewaySettingsTable;
  client_collections: ClientCollectionsTable;
  maintenance_windows: MaintenanceWindowsTable;
}

export interface SitesTable {
  code: string;
  name: string;
  kind: 'primary' | 'secondary';
  parent_code: string | null;
  policy_interval_seconds: number;
  active_window_seconds: number;
  created_at: string;
}

export interface PortSettingsTable {
  site_code: string;
  http_default: number;
  http_alternate: number | null;
  https_default: number;
  https_alternate: number | null;
  notification: number;
  wake: number;
  custom_web_site: number;
  communication_mode: string;
  /** JSON object item → description. */
  descriptions: string;
  version: number;
  updated_at: string;
  updated_by: string;
}

/** A tracked change of request ports (see apps/server/src/rollouts). Settings are JSON text. */
export interface RolloutsTable {
  id: string;
  site_code: string;
  state: string;
  old_settings: string;
  new_settings: string;
  old_version: number;
  new_version: number | null;
  rollback_version: number | null;
  preflight: number;
  deadline: string;
  created_at: string;
  created_by: string;
  committed_at: string | null;
  ended_at: string | null;
  /** JSON: how the rollout ended (reason, stranded clients). */
  outcome: string | null;
  /** When a `scheduled` rollout starts (UTC ISO-8601); null for one started by hand. */
  starts_at: string | null;
  /** The IANA time zone the start was given in (shown beside UTC); null when none was given. */
  time_zone: string | null;
  /** 1: clients of windowed collections keep the old ports until one of their windows opens (decision 0114). */
  respect_windows: ColumnType<number, number | undefined, number>;
}

/** What one client reported about reaching the new ports during a pre-flight. JSON results. */
export interface ProbeReportsTable {
  rollout_id: string;
  client_id: string;
  at: string;
  results: string;
}

export interface ClientsTable {
  id: string;
  site_code: string;
  hostname: string;
  public_key: string;
  key_fingerprint: string;
  category: string;
  agent_version: string;
  registered_at: string;
  last_contact_at: string | null;
  last_port: number | null;
  last_protocol: 'http' | 'https' | null;
  last_address: string | null;
  settings_version: number;
  agent_state: string;
  /** Where the client says its state dir is (for remediation commands). */
  state_dir: string | null;
  /** Registration status: active, pending, blocked or retired (decision 0095). */
  status: string;
  /** When an administrator (or a token) last changed the status. */
  status_changed_at: string | null;
}

export interface AuditLogTable {
  seq: Generated<number>;
  at: string;
  actor: string;
  site_code: string | null;
  action: string;
  old_value: string | null;
  new_value: string | null;
  outcome: string;
}

/** A network interface a client reported in inventory (IPv4 with its MAC), for Wake-on-LAN. */
export interface ClientInterfacesTable {
  client_id: string;
  name: string;
  mac: string;
  address: string;
  prefix_length: number;
  /** `10.0.1.0/24`: the subnet, indexed to find wake-up proxies. */
  network: string;
  reported_at: string;
}

export type Timestamp = ColumnType<string, string, string>;

/** A site's client push settings; `secret` is the AES-256-GCM ciphertext of the push account's key or password. */
export interface PushSettingsTable {
  site_code: string;
  auto_push: number;
  retry_interval_seconds: number;
  retry_for_seconds: number;
  registration_timeout_seconds: number;
  accept_new_host_keys: number;
  management_point: string | null;
  default_install_dir: string;
  user_name: string | null;
  auth_kind: 'key' | 'password' | null;
  secret: string | null;
  updated_at: string;
}

/** The push host inventory: one row per host:port, its own credentials (optional, encrypted) and push status. */
export interface PushHostsTable {
  id: string;
  site_code: string;
  host: string;
  port: number;
  install_dir: string | null;
  source: string;
  user_name: string | null;
  auth_kind: 'key' | 'password' | null;
  secret: string | null;
  host_key: string | null;
  host_key_source: 'given' | 'first-use' | null;
  /** `approved` (entered or approved by an administrator) or `candidate` (learnt from a client or a scan): only approved hosts are connected to. */
  approval: 'approved' | 'candidate';
  /** The host key an unpinned host presented, waiting for an administrator to confirm it. */
  presented_host_key: string | null;
  status: string;
  error_code: string | null;
  reason: string | null;
  attempts: number;
  queued_at: string | null;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  client_id: string | null;
  key_fingerprint: string | null;
  registered_at: string | null;
  /** JSON `{ http, https, settingsVersion }` of the last successful install. */
  installed_ports: string | null;
  created_at: string;
  updated_at: string;
}

/** Where and as whom a site publishes itself to a directory (one row per site that publishes). */
export interface DirectorySettingsTable {
  site_code: string;
  /** `ldap://host:port` or `ldaps://host:port`. */
  url: string;
  /** Null: read from the root DSE. */
  base_dn: string | null;
  bind_dn: string | null;
  /** Plain text as versions before migration 0011 stored it; sealed into `bind_secret` and emptied at the next server start. */
  bind_password: string | null;
  /** The bind password sealed with the site's secret key (AES-256-GCM, `v1:…`). */
  bind_secret: string | null;
  /** 1: upgrade an `ldap://` connection with StartTLS before binding. */
  start_tls: number;
  /** PEM of the CA certificate(s) to trust for `ldaps://`/StartTLS; null: the default store. */
  tls_ca: string | null;
  /** JSON array of NAME=VALUE installation properties the administrator added. */
  install_properties: string;
  updated_at: string;
  updated_by: string;
}

/** On a primary: a secondary site attached to it, with what it last reported. */
export interface SecondarySitesTable {
  code: string;
  parent_code: string;
  admin_url: string;
  ca_fingerprint: string;
  registered_at: string;
  last_seen_at: string;
  synced_version: number;
  /** JSON: the secondary's last status report. */
  status: string;
}

/** On a secondary: old request ports its primary's MPs still serve (mirrored with the settings). */
export interface InheritedOverlapsTable {
  site_code: string;
  protocol: 'http' | 'https';
  port: number;
  until: string;
}

/** Another primary site of the hierarchy; its admin token lives in a 0600 file, not here. */
export interface PeerPrimariesTable {
  site_code: string;
  url: string;
  ca_certificate: string | null;
  added_at: string;
  added_by: string;
}

/** The default web site's own bindings, used while the MP is on the custom web site SMSWeb. */
export interface WebSitesTable {
  site_code: string;
  default_http: number;
  default_https: number;
  updated_at: string;
}

/** A web application served on the default web site. */
export interface WebApplicationsTable {
  site_code: string;
  name: string;
  path: string;
  content: string | null;
  created_at: string;
}

/** A local account of the web console; `password_hash` is `scrypt$N$r$p$salt$hash` (base64url). */
export interface ConsoleUsersTable {
  name: string;
  role: 'administrator' | 'operator' | 'analyst';
  password_hash: string;
  created_at: string;
  created_by: string;
  /** JSON array of the site codes the account is limited to; null for every site (decision 0094). */
  sites: string | null;
  /** When an administrator disabled the account; null while it may sign in. */
  disabled_at: string | null;
}

/** An API token of the admin API (decision 0094); only the SHA-256 of its secret is stored. */
export interface AdminTokensTable {
  id: string;
  name: string;
  role: 'administrator' | 'operator' | 'analyst' | 'secondary' | 'peer' | 'gateway';
  /** JSON array of the site codes the token is limited to; null for every site. */
  sites: string | null;
  secret_hash: string;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
}

/** A signed-in browser session; only the SHA-256 of the cookie value is stored. */
export interface ConsoleSessionsTable {
  id_hash: string;
  user_name: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
}

/** One management point process of a site (registry). `state` is what the process last wrote. */
export interface ManagementPointsTable {
  id: string;
  site_code: string;
  /** Host name clients use for this MP. */
  host: string;
  bind_address: string;
  /** `site` (the site server's own MP) or `mp` (an additional MP process). */
  role: 'site' | 'mp';
  started_at: string;
  /** Last heartbeat; a `running` row silent for longer than the stale window is dead. */
  last_seen_at: string;
  state: 'running' | 'stopped';
}

/** Cross-process events (PostgreSQL); `seq` orders them and lets a listener catch up. Payload is JSON text. */
export interface SiteEventsTable {
  seq: Generated<number>;
  /** Id of the process (its management_points row) that published the event. */
  origin: string;
  kind: string;
  payload: string;
  at: string;
}

/** A site's registration mode (decision 0095); a site without a row registers openly. */
export interface RegistrationSettingsTable {
  site_code: string;
  /** `open`, `approve-new` or `token`. */
  mode: string;
  updated_at: string;
  updated_by: string;
}

/** A registration token: only the SHA-256 of its secret is stored. */
export interface RegistrationTokensTable {
  id: string;
  /** The site it is valid at; null: every site served from this database. */
  site_code: string | null;
  /** The site it was created at (listing, per-site administration). */
  created_under: string;
  token_hash: string;
  label: string;
  max_uses: number;
  uses: number;
  expires_at: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
}

/** A site's release public key (agent upgrades, decision 0111). */
export interface ReleaseKeysTable {
  site_code: string;
  public_key: string;
  fingerprint: string;
  set_at: string;
  set_by: string;
}

/** A signed agent package an administrator registered. */
export interface AgentPackagesTable {
  site_code: string;
  version: string;
  sha256: string;
  bytes: number;
  signature: string;
  data_base64: string;
  created_at: string;
  created_by: string;
}

/** An agent upgrade rollout. */
export interface AgentUpgradesTable {
  id: string;
  site_code: string;
  version: string;
  state: string;
  halted_from: string | null;
  canary_percent: number;
  failure_threshold_percent: number;
  auto_advance: number;
  allow_downgrade: number;
  reason: string | null;
  created_at: string;
  created_by: string;
  ended_at: string | null;
}

/** One client selected for an upgrade: its wave and what became of it. */
export interface AgentUpgradeClientsTable {
  upgrade_id: string;
  client_id: string;
  wave: string;
  status: string;
  from_version: string;
  detail: string | null;
  updated_at: string;
}

/** The gateway clients outside the network use (decision 0113), one per site. */
export interface GatewaySettingsTable {
  site_code: string;
  host: string;
  port: number;
  updated_at: string;
  updated_by: string;
}

/** Each client's latest reachability result per MP port (decision 0109). */
export interface ReachabilityResultsTable {
  site_code: string;
  client_id: string;
  port: number;
  /** `tcp` or `tls`. */
  transport: string;
  /** One of REACHABILITY_OUTCOMES. */
  outcome: string;
  /** The client's subnet as the MP saw it: /24 for IPv4, /64 for IPv6. */
  subnet: string;
  tested_at: string;
  /** `agent` (slow probing) or `preflight` (a rollout's pre-flight). */
  source: string;
}

/** How often agents probe, when a result is stale, and the candidate ports (JSON), one row per site. */
export interface ReachabilitySettingsTable {
  site_code: string;
  interval_seconds: number;
  stale_hours: number;
  candidates: string;
  updated_at: string;
  updated_by: string;
}

/** A named collection of a site's clients (decision 0114). Lists are JSON text. */
export interface ClientCollectionsTable {
  id: string;
  site_code: string;
  name: string;
  /** Host-name glob (`*` and `?` only), or null. */
  host_glob: string | null;
  /** JSON array of CIDR subnets matched against the client's last address. */
  subnets: string;
  /** JSON array of explicit client ids. */
  client_ids: string;
  created_at: string;
  created_by: string;
}

/** A recurring weekly maintenance window of a collection, in an IANA time zone (decision 0114). */
export interface MaintenanceWindowsTable {
  id: string;
  collection_id: string;
  /** Comma-separated days: `mon,tue,…`. */
  days: string;
  /** Local `HH:MM` the window opens at. */
  start: string;
  duration_minutes: number;
  time_zone: string;
  created_at: string;
  created_by: string;
}
