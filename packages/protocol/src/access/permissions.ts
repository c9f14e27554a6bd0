/**
 * Who may do what on the admin API (decision 0094). Every admin route names one permission; a
 * role is a set of permissions. Adding a route means picking a permission from this table (or
 * adding one here with the roles that hold it).
 */

/** Roles of console accounts: administrators manage everything, operators run the site, analysts read. */
export const CONSOLE_ROLES = ['administrator', 'operator', 'analyst'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

/**
 * Roles of API tokens: the console roles, plus the two link roles another site server holds here:
 * `secondary` (a secondary site mirroring this primary) and `peer` (a peer primary applying a
 * hierarchy-wide port change).
 */
export const TOKEN_ROLES = [...CONSOLE_ROLES, 'secondary', 'peer', 'gateway'] as const;
export type AdminRole = (typeof TOKEN_ROLES)[number];

/** Every permission, with what it allows. */
export const PERMISSIONS = {
  public: 'no credentials needed: liveness, signing in',
  session: 'any authenticated caller: who am I, sign out, change its own password',
  'site.read': 'read sites, clients, rollouts, audit, push/directory/web settings, hierarchy, notification presence',
  'ports.read': "read a site's port settings (a secondary mirrors its primary's; a peer checks its peer)",
  'impact.preview': 'preview the impact of a port change (changes nothing)',
  'ports.change': 'change port settings and run rollouts (propose, schedule, commit, cancel, roll back, finalize)',
  'web.change': 'move the default web site, add and remove its web applications',
  'push.run': 'add hosts to the push inventory and (re)install clients',
  'push.configure': 'change push settings, including the push account credentials',
  'notify.send': 'push actions to clients over the notification channel, send Wake-on-LAN',
  'clients.manage':
    'approve, block, unblock and retire clients; client collections and maintenance windows; how often agents probe MP ports',
  'registration.configure': "change a site's registration mode, create and revoke registration tokens",
  'directory.configure': 'configure and remove directory publishing, including its bind credentials',
  'hierarchy.link': 'attach a secondary site and long-poll its primary (the secondary link)',
  'hierarchy.manage': 'add and remove peer primaries, change the ports of every primary',
  'accounts.manage': 'console accounts and API tokens: create, change, disable, delete, revoke',
  'certificates.manage': "import and renew the management point's TLS certificate",
  'upgrades.configure': "set the site's release public key and register signed agent packages",
  'upgrades.run': 'run agent upgrades: start, advance, halt, resume, roll back',
  'gateway.configure': 'set and remove the gateway that clients outside the network use',
  'gateway.relay':
    'a gateway process: read the management point endpoints and client keys it verifies with, get its TLS certificate',
} as const;
export type Permission = keyof typeof PERMISSIONS;

const READ: readonly Permission[] = ['session', 'site.read', 'ports.read', 'impact.preview'];
const OPERATE: readonly Permission[] = [
  ...READ,
  'ports.change',
  'web.change',
  'push.run',
  'notify.send',
  'clients.manage',
  'upgrades.run',
];

/** The permissions of each role; `public` needs none. */
export const ROLE_PERMISSIONS: Readonly<Record<AdminRole, readonly Permission[]>> = Object.freeze({
  administrator: Object.keys(PERMISSIONS) as Permission[],
  operator: OPERATE,
  analyst: READ,
  secondary: ['session', 'ports.read', 'hierarchy.link'],
  peer: ['session', 'ports.read', 'ports.change'],
  gateway: ['session', 'gateway.relay'],
});

/**
 * Permissions only a caller without a site scope may use: they reach beyond one site (accounts,
 * tokens, the peer primaries of the hierarchy).
 */
export const ALL_SITES_PERMISSIONS: readonly Permission[] = ['accounts.manage', 'hierarchy.manage'];

/** Whether a role holds a permission. */
export function roleAllows(role: AdminRole, permission: Permission): boolean {
  return permission === 'public' || ROLE_PERMISSIONS[role].includes(permission);
}
