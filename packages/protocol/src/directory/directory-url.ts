import { SiteportError } from '../siteport-error.js';

/** A directory location: the server URL and, when the URL names one, the base DN (RFC 4516). */
export interface DirectoryLocation {
  /** `ldap://host:port` or `ldaps://host:port`, without path. */
  url: string;
  /** Base DN from the URL path, or null to read it from the root DSE. */
  baseDn: string | null;
}

const DN = /^[A-Za-z][\w-]*=[^,=]+(,\s*[A-Za-z][\w-]*=[^,=]+)*$/;

/** Whether a string looks like a distinguished name (`dc=example,dc=com`). */
export function isDistinguishedName(value: string): boolean {
  return value.length <= 1024 && DN.test(value);
}

/**
 * Parses `ldap://host[:port][/baseDN]` or `ldaps://…`. Anything else is E_DIRECTORY_CONFIG with a
 * message that shows the accepted form.
 */
export function parseDirectoryUrl(text: unknown, what = 'directory URL'): DirectoryLocation {
  const bad = (why: string): SiteportError =>
    new SiteportError(
      'E_DIRECTORY_CONFIG',
      `${what} ${why}; expected ldap://host[:port][/dc=example,dc=com] or ldaps://…`,
      {
        details: { field: 'url' },
      },
    );
  if (typeof text !== 'string' || text.length === 0 || text.length > 2048) throw bad('is missing');
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch (error) {
    throw new SiteportError(
      'E_DIRECTORY_CONFIG',
      `${what} ${JSON.stringify(text)} is not a URL; expected ldap://host[:port][/base DN]`,
      {
        cause: error,
        details: { field: 'url' },
      },
    );
  }
  if (parsed.protocol !== 'ldap:' && parsed.protocol !== 'ldaps:')
    throw bad(`has scheme ${JSON.stringify(parsed.protocol)}`);
  if (parsed.hostname === '') throw bad('names no host');
  if (parsed.username !== '' || parsed.password !== '')
    throw bad('must not carry credentials (use the bind DN and password file)');
  if (parsed.search !== '' || parsed.hash !== '') throw bad('must not have a query or fragment');
  const path = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (path !== '' && !isDistinguishedName(path)) throw bad(`has base DN ${JSON.stringify(path)}, which is not a DN`);
  return { url: `${parsed.protocol}//${parsed.host}`, baseDn: path === '' ? null : path };
}
