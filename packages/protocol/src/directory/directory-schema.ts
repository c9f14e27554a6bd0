/**
 * Names of siteport's directory schema: the object classes and attributes shipped in
 * `deploy/directory/siteport.schema` (OpenLDAP) and `deploy/directory/siteport-ad.ldif` (Active
 * Directory). Site server and agent read them from here so neither hard-codes a name.
 */
export const DIRECTORY_OID_BASE = '1.2.840.113556.1.8000.2554.2989.16285.19354.19568.39788.1847560.12413295';

/** Object classes: one entry per site, one per management point. */
export const DIRECTORY_CLASSES = {
  site: 'siteportSite',
  managementPoint: 'siteportManagementPoint',
} as const;

/** Attribute names, by what they hold. */
export const DIRECTORY_ATTRIBUTES = {
  siteCode: 'siteportSiteCode',
  mpHost: 'siteportMpHost',
  httpPort: 'siteportHttpPort',
  httpAlternatePort: 'siteportHttpAlternatePort',
  httpsPort: 'siteportHttpsPort',
  httpsAlternatePort: 'siteportHttpsAlternatePort',
  notificationPort: 'siteportNotificationPort',
  customWebSite: 'siteportCustomWebSite',
  settingsVersion: 'siteportSettingsVersion',
  installProperty: 'siteportInstallProperty',
  caCertificate: 'siteportCaCertificate',
  communicationMode: 'siteportCommunicationMode',
  policyInterval: 'siteportPolicyInterval',
} as const;

export type DirectoryAttribute = (typeof DIRECTORY_ATTRIBUTES)[keyof typeof DIRECTORY_ATTRIBUTES];

/** The container every siteport object lives in, directly under the base DN. */
export const DIRECTORY_CONTAINER_RDN = 'cn=System Management';

/** DN of the container under a base DN. */
export function containerDn(baseDn: string): string {
  return `${DIRECTORY_CONTAINER_RDN},${baseDn}`;
}

/** DN of a site's entry: `cn=siteport-site-PS1,cn=System Management,<base>`. */
export function siteEntryDn(baseDn: string, siteCode: string): string {
  return `cn=siteport-site-${siteCode},${containerDn(baseDn)}`;
}

/**
 * DN of a management point's entry: `cn=siteport-mp-PS1-<host>,…`. Host names are letters,
 * digits, dots, dashes and colons (IPv6), none of which needs escaping in an RDN value.
 */
export function managementPointEntryDn(baseDn: string, siteCode: string, host: string): string {
  return `cn=siteport-mp-${siteCode}-${host.replace(/:/g, '-')},${containerDn(baseDn)}`;
}

/** LDAP filter for a site's entry (site code upper-case letters/digits: nothing to escape). */
export function siteFilter(siteCode?: string): string {
  const cls = `(objectClass=${DIRECTORY_CLASSES.site})`;
  return siteCode === undefined ? cls : `(&${cls}(${DIRECTORY_ATTRIBUTES.siteCode}=${siteCode}))`;
}

/** LDAP filter for the management points of a site. */
export function managementPointFilter(siteCode: string): string {
  return `(&(objectClass=${DIRECTORY_CLASSES.managementPoint})(${DIRECTORY_ATTRIBUTES.siteCode}=${siteCode}))`;
}
