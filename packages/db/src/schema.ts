import type { ColumnType, Generated } from 'kysely';

/**
 * The site database. Types are dialect-neutral on purpose: timestamps are ISO 8601 text,
 * booleans are 0/1 integers, structured values are JSON text, so the same queries run on
 * SQLite and PostgreSQL.
 */
export interface SiteDatabase {
  sites: SitesTable;
  port_settings: PortSettingsTable;
  port_overlaps: PortOverlapsTable;
  clients: ClientsTable;
  audit_log: AuditLogTable;
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

/** Old request ports an MP keeps serving until `until`, so polling clients can move. */
export interface PortOverlapsTable {
  site_code: string;
  protocol: 'http' | 'https';
  port: number;
  until: string;
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

export type Timestamp = ColumnType<string, string, string>;
