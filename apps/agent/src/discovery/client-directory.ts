/** How a directory-joined client reaches its directory (stored in client.json; the password in its own 0600 file). */
export interface ClientDirectory {
  /** `ldap://host:port` or `ldaps://host:port`. */
  url: string;
  /** Null: read from the root DSE. */
  baseDn: string | null;
  /** Null: bind anonymously. */
  bindDn: string | null;
}

/** Returns why a parsed `directory` value of client.json is invalid, or null. */
export function clientDirectoryProblem(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object') return 'directory is not an object';
  const d = value as Record<string, unknown>;
  if (typeof d.url !== 'string') return 'directory.url is missing';
  if (d.baseDn !== null && typeof d.baseDn !== 'string') return 'directory.baseDn is invalid';
  if (d.bindDn !== null && typeof d.bindDn !== 'string') return 'directory.bindDn is invalid';
  return null;
}
