/** A table of the site database as the copy sees it: its name and the columns it is read in order of. */
export interface CopyTable {
  name: string;
  key: string[];
}

/**
 * Every table of the site database, parents before the tables whose foreign keys point at them,
 * each with its primary key. A table added by a migration must be added here (the copy refuses a
 * source with a table it does not know).
 */
export const COPY_TABLES: readonly CopyTable[] = Object.freeze([
  { name: 'sites', key: ['code'] },
  { name: 'port_settings', key: ['site_code'] },
  { name: 'clients', key: ['id'] },
  { name: 'rollouts', key: ['id'] },
  { name: 'probe_reports', key: ['rollout_id', 'client_id'] },
  { name: 'audit_log', key: ['seq'] },
  { name: 'client_interfaces', key: ['client_id', 'name', 'address'] },
  { name: 'push_settings', key: ['site_code'] },
  { name: 'push_hosts', key: ['id'] },
  { name: 'directory_settings', key: ['site_code'] },
  { name: 'secondary_sites', key: ['code'] },
  { name: 'inherited_overlaps', key: ['site_code', 'protocol', 'port'] },
  { name: 'peer_primaries', key: ['site_code'] },
  { name: 'web_sites', key: ['site_code'] },
  { name: 'web_applications', key: ['site_code', 'name'] },
  { name: 'console_users', key: ['name'] },
  { name: 'console_sessions', key: ['id_hash'] },
  { name: 'management_points', key: ['id'] },
  { name: 'site_events', key: ['seq'] },
  { name: 'admin_tokens', key: ['id'] },
  { name: 'registration_settings', key: ['site_code'] },
  { name: 'registration_tokens', key: ['id'] },
  { name: 'release_keys', key: ['site_code'] },
  { name: 'agent_packages', key: ['site_code', 'version'] },
  { name: 'agent_upgrades', key: ['id'] },
  { name: 'agent_upgrade_clients', key: ['upgrade_id', 'client_id'] },
  { name: 'reachability_results', key: ['site_code', 'client_id', 'port'] },
  { name: 'reachability_settings', key: ['site_code'] },
  { name: 'gateway_settings', key: ['site_code'] },
  { name: 'client_collections', key: ['id'] },
  { name: 'maintenance_windows', key: ['id'] },
]);
