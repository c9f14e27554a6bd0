/**
 * The one table of siteport's stable error codes. Every error that leaves a process (HTTP body,
 * CLI stderr, agent status) carries one of these codes; the HTTP status for each code is decided
 * here and nowhere else.
 */
export const ERROR_CODES = {
  E_BAD_REQUEST: { status: 400, summary: 'The request is malformed.' },
  E_VALIDATION: { status: 400, summary: 'A field has an invalid value.' },
  E_PORT_RANGE: { status: 400, summary: 'A port number is not a whole number from 1 to 65535.' },
  E_PORT_CONFLICT: { status: 400, summary: 'Two port items that must differ share a port.' },
  E_UNKNOWN_ITEM: { status: 400, summary: 'An unknown port item or setting was named.' },
  E_DESCRIPTION: { status: 400, summary: 'A description is too long or contains control characters.' },
  E_SITE_CODE: { status: 400, summary: 'A site code is not three letters or digits.' },
  E_SETUP_PROPERTY: { status: 400, summary: 'A client installation property is invalid.' },
  E_PORT_IN_USE: { status: 409, summary: 'A port is already held by another program.' },
  E_PORT_PRIVILEGED: { status: 409, summary: 'A privileged port cannot be bound by this process.' },
  E_PORT_BIND_FAILED: { status: 409, summary: 'A port could not be bound for another reason.' },
  E_ROLLOUT_ACTIVE: { status: 409, summary: 'Another port change of the site is still rolling out.' },
  E_ROLLOUT_STATE: { status: 409, summary: 'The rollout is not in a state that allows this action.' },
  E_ROLLOUT_NOT_FOUND: { status: 404, summary: 'No such rollout.' },
  E_CLIENTS_REMAIN: { status: 409, summary: 'Active clients still talk on the old ports.' },
  E_VERSION_CONFLICT: { status: 409, summary: 'The settings changed since they were read.' },
  E_INHERITED: { status: 409, summary: 'A secondary site inherits its port settings from its primary; change them there.' },
  E_HIERARCHY: { status: 409, summary: 'The site hierarchy does not allow this (wrong site kind, code in use, self-reference).' },
  E_WEB_APP_CONFLICT: { status: 409, summary: 'A web application name or path is already in use on the default web site.' },
  E_PAYLOAD_TOO_LARGE: { status: 413, summary: 'The request body is too large.' },
  E_UNAUTHORIZED: { status: 401, summary: 'The admin bearer token is missing or wrong.' },
  E_UNSIGNED: { status: 401, summary: 'A client request carries no signature.' },
  E_BAD_SIGNATURE: { status: 401, summary: 'A client request signature does not verify.' },
  E_UNKNOWN_CLIENT: { status: 401, summary: 'The client id is not registered at this site.' },
  E_STALE_REQUEST: { status: 401, summary: 'A client request timestamp is outside the allowed window.' },
  E_REPLAY: { status: 401, summary: 'A client request nonce was already used.' },
  E_SESSION_EXPIRED: { status: 401, summary: 'A client request names a poll session this management point does not hold (expired, replaced or opened elsewhere).' },
  E_BAD_SESSION_MAC: { status: 401, summary: 'A client request MAC does not verify with its poll session key.' },
  E_HTTPS_REQUIRED: { status: 403, summary: 'The site accepts client requests over HTTPS only.' },
  E_SITE_MISMATCH: { status: 403, summary: 'The client is assigned to a different site.' },
  E_NOT_FOUND: { status: 404, summary: 'No such resource.' },
  E_SITE_NOT_FOUND: { status: 404, summary: 'No such site.' },
  E_CLIENT_NOT_FOUND: { status: 404, summary: 'No such client.' },
  E_METHOD_NOT_ALLOWED: { status: 405, summary: 'The method is not allowed on this resource.' },
  E_NOT_INSTALLED: { status: 400, summary: 'No siteport client is installed in the state directory.' },
  E_STATE_CORRUPT: { status: 500, summary: 'A state file cannot be read.' },
  E_OPTION: { status: 400, summary: 'A command-line option or configuration value is invalid.' },
  E_MP_UNREACHABLE: { status: 503, summary: 'No management point answered on any port.' },
  E_SERVER_UNREACHABLE: { status: 503, summary: 'The admin API could not be reached.' },
  E_PEER_UNREACHABLE: { status: 502, summary: 'Another site server (primary or peer primary) could not be reached or refused the call.' },
  E_CA_MISMATCH: { status: 502, summary: 'The site CA does not match the expected fingerprint.' },
  E_PROTOCOL: { status: 502, summary: 'A peer answered with something that is not siteport protocol.' },
  E_PUSH_HOST_NOT_FOUND: { status: 404, summary: 'No such host in the push inventory.' },
  E_PUSH_HOST_KEY: { status: 502, summary: 'A push target presented an SSH host key other than the pinned one, or none is pinned.' },
  E_PUSH_AUTH: { status: 502, summary: 'A push target refused the push account credentials.' },
  E_PUSH_UNREACHABLE: { status: 502, summary: 'A push target could not be reached over SSH.' },
  E_PUSH_NO_CREDENTIALS: { status: 400, summary: 'No push account is configured for a host.' },
  E_PUSH_COPY: { status: 502, summary: 'The agent bundle could not be copied to a push target.' },
  E_PUSH_INSTALL: { status: 502, summary: 'Client setup failed on a push target.' },
  E_PUSH_NOT_REGISTERED: { status: 504, summary: 'A pushed client did not register with the site in time.' },
  E_SECRET_STORE: { status: 500, summary: 'The push secret key file cannot be read or a stored secret cannot be decrypted.' },
  E_DIRECTORY_CONFIG: { status: 400, summary: 'A directory setting (URL, bind DN, password, property) is invalid.' },
  E_DIRECTORY_NOT_CONFIGURED: { status: 404, summary: 'The site has no directory configured.' },
  E_DIRECTORY_UNREACHABLE: { status: 503, summary: 'The directory server could not be reached.' },
  E_DIRECTORY_AUTH: { status: 502, summary: 'The directory refused the bind DN and password.' },
  E_DIRECTORY_ACCESS: { status: 502, summary: 'The bind DN lacks the rights siteport needs in the directory.' },
  E_DIRECTORY_SCHEMA: { status: 502, summary: "The directory lacks siteport's schema extension." },
  E_DIRECTORY_NOT_FOUND: { status: 502, summary: 'The directory has no siteport container or no entry for the site.' },
  E_DIRECTORY_ENTRY: { status: 502, summary: 'A siteport entry in the directory is malformed.' },
  E_DIRECTORY_FAILED: { status: 502, summary: 'The directory answered with an unexpected LDAP error.' },
  E_DNS_LOOKUP: { status: 502, summary: 'A DNS SRV lookup for management points failed.' },
  E_NOTIFY_FRAME: { status: 400, summary: 'A notification frame is malformed.' },
  E_NOTIFY_TOO_LARGE: { status: 413, summary: 'A notification frame exceeds the size limit.' },
  E_NOTIFY_VERSION: { status: 400, summary: 'The peer speaks another notification protocol version.' },
  E_NOTIFY_AUTH: { status: 401, summary: 'A notification connection did not authenticate with its registered key.' },
  E_MAC: { status: 400, summary: 'A MAC address or SecureOn password is invalid.' },
  E_WAKE_PACKET: { status: 400, summary: 'A Wake-on-LAN magic packet is malformed.' },
  E_FORBIDDEN: { status: 403, summary: 'The signed-in account (an analyst) may read but not change the site.' },
  E_CSRF: { status: 403, summary: 'A state-changing browser request lacks the session CSRF token or carries a wrong one.' },
  E_ORIGIN: { status: 403, summary: 'A state-changing browser request comes from a foreign or missing Origin.' },
  E_SIGN_IN: { status: 401, summary: 'The console user name or password is wrong.' },
  E_SESSION: { status: 401, summary: 'The console session is missing, expired or signed out.' },
  E_USER_EXISTS: { status: 409, summary: 'A console account of that name already exists.' },
  E_PASSWORD: { status: 400, summary: 'A console password is too short or too long.' },
  E_INTERNAL: { status: 500, summary: 'An unexpected internal error.' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Whether a string is one of the codes in {@link ERROR_CODES}. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** The HTTP status for a code: the only place that mapping is made. */
export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}
