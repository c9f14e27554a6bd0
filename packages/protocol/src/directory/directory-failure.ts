import type { ErrorCode } from '../error-codes.js';
import { SiteportError } from '../siteport-error.js';

/** LDAP result codes (RFC 4511 §4.1.9) that mean the siteport schema is not installed. */
const SCHEMA_CODES = new Set([17, 18, 21, 65]);
/** Result codes that mean the bind DN lacks rights. */
const ACCESS_CODES = new Set([50]);
/** Result codes that mean the credentials are wrong. */
const CREDENTIAL_CODES = new Set([48, 49]);
/** Result codes that mean the server cannot serve now. */
const UNAVAILABLE_CODES = new Set([51, 52, 80]);

/**
 * Turns a failure of an LDAP client (a result-code error, or a socket error) into a SiteportError
 * whose message says what to do. `what` names the operation (`publish site PS1`), `url` the server.
 */
export function directoryFailure(error: unknown, what: string, url: string): SiteportError {
  if (error instanceof SiteportError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  const result = typeof e.code === 'number' ? e.code : null;
  const make = (code: ErrorCode, text: string): SiteportError =>
    new SiteportError(code, `${what}: ${text}`, {
      cause: error,
      details: { url, ...(result === null ? {} : { ldapResultCode: result }) },
    });
  const socketCode = typeof e.code === 'string' ? e.code : '';
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(socketCode)) {
    return make(
      'E_DIRECTORY_TLS',
      `the TLS connection to ${url} failed (${socketCode}: ${message}); give the CA that signed the directory's certificate (siteport directory set --ldap-ca-file) and use the host name the certificate names`,
    );
  }
  if (result !== null && CREDENTIAL_CODES.has(result)) {
    return make(
      'E_DIRECTORY_AUTH',
      `the directory ${url} refused the bind DN and password (${message}); check the bind DN and the password file`,
    );
  }
  if (result !== null && ACCESS_CODES.has(result)) {
    return make(
      'E_DIRECTORY_ACCESS',
      `the bind DN may not write there (${message}); grant it write access to cn=System Management (see README, Directory publishing)`,
    );
  }
  if (result !== null && SCHEMA_CODES.has(result)) {
    return make(
      'E_DIRECTORY_SCHEMA',
      `the directory ${url} does not know siteport's object classes or attributes (${message}); extend its schema once with deploy/directory/siteport.schema (OpenLDAP) or siteport-ad.ldif (Active Directory)`,
    );
  }
  if (result === 32) {
    return make(
      'E_DIRECTORY_NOT_FOUND',
      `an entry is missing (${message}); create the container cn=System Management under the base DN (see README, Directory publishing)`,
    );
  }
  if (result !== null && UNAVAILABLE_CODES.has(result)) {
    return make('E_DIRECTORY_UNREACHABLE', `the directory ${url} is busy or unavailable (${message}); it is retried`);
  }
  if (result === null) {
    return make(
      'E_DIRECTORY_UNREACHABLE',
      `cannot reach the directory ${url} (${message}); check that it runs and that the port is open`,
    );
  }
  return make('E_DIRECTORY_FAILED', `the directory ${url} answered LDAP result ${result} (${message})`);
}
