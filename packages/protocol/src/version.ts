/** The version of siteport (server, CLI and agent ship together): `siteport --version`, the agent's registration. */
export const SITEPORT_VERSION = '0.1.0';
