// Over 300 lines: the one table of stable error codes (one place decides each code's HTTP status); split by area only if it loses that.
/**
 * The one table of siteport's stable error codes. Every error that leaves a process (HTTP body,
 * CLI stderr, agent status) carries one of these codes; the HTTP status for each code is decided
 * here and nowhere else.
 */
export const ERROR_CODES = {
  E_BAD_REQUEST: { status: 400, summary: 'The request is malformed.' },
  E_VALIDATION: { status: 400, summary: 'A field has an invalid value.' },
  E_CURSOR_INVALID: {
    status: 400,
    summary: 'A paging cursor is not one this server handed out for this listing; start again without a cursor.',
  },
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
  E_START_TIME: { status: 400, summary: 'A start time is not ISO-8601 (with an offset, or local with a time zone).' },
  E_TIME_ZONE: { status: 400, summary: 'A time zone is not an IANA name this server knows.' },
  E_TIME_ZONE_REQUIRED: { status: 400, summary: 'A local start time was given without the time zone it is meant in.' },
  E_START_TIME_NONEXISTENT: { status: 400, summary: 'A local start time falls in a DST gap; it never happens.' },
  E_START_TIME_AMBIGUOUS: { status: 400, summary: 'A local start time happens twice (DST); give an offset.' },
  E_START_IN_PAST: { status: 400, summary: 'A start time is not in the future.' },
  E_START_TOO_FAR: { status: 400, summary: 'A start time is further ahead than a rollout can be scheduled.' },
  E_COLLECTION_NOT_FOUND: { status: 404, summary: 'No such client collection in the site (siteport collection list).' },
  E_COLLECTION_EXISTS: { status: 409, summary: 'The site already has a client collection of that name.' },
  E_COLLECTION_LIMIT: {
    status: 409,
    summary: 'The site has as many collections, or the collection as many windows, as it may; delete some first.',
  },
  E_WINDOW_NOT_FOUND: { status: 404, summary: 'No such maintenance window in the collection (siteport window list).' },
  E_CLIENTS_REMAIN: { status: 409, summary: 'Active clients still talk on the old ports.' },
  E_VERSION_CONFLICT: { status: 409, summary: 'The settings changed since they were read.' },
  E_INHERITED: {
    status: 409,
    summary: 'A secondary site inherits its port settings from its primary; change them there.',
  },
  E_HIERARCHY: {
    status: 409,
    summary: 'The site hierarchy does not allow this (wrong site kind, code in use, self-reference).',
  },
  E_WEB_APP_CONFLICT: {
    status: 409,
    summary: 'A web application name or path is already in use on the default web site.',
  },
  E_PAYLOAD_TOO_LARGE: { status: 413, summary: 'The request body is too large.' },
  E_CONTENT_TYPE: { status: 415, summary: 'A request body is not declared as JSON (Content-Type: application/json).' },
  E_UNAUTHORIZED: { status: 401, summary: 'The admin bearer token is missing, wrong, expired or revoked.' },
  E_UNSIGNED: { status: 401, summary: 'A client request carries no signature.' },
  E_BAD_SIGNATURE: { status: 401, summary: 'A client request signature does not verify.' },
  E_UNKNOWN_CLIENT: { status: 401, summary: 'The client id is not registered at this site.' },
  E_STALE_REQUEST: { status: 401, summary: 'A client request timestamp is outside the allowed window.' },
  E_REPLAY: { status: 401, summary: 'A client request nonce was already used.' },
  E_SESSION_EXPIRED: {
    status: 401,
    summary:
      'A client request names a client session this management point does not hold (expired, replaced or opened elsewhere).',
  },
  E_BAD_SESSION_MAC: { status: 401, summary: 'A client request MAC does not verify with its session key.' },
  E_MP_EPOCH: {
    status: 401,
    summary:
      'A signed client request is not bound to the epoch of this management point process (sent before it restarted, or meant for another process).',
  },
  E_ANSWER_UNAUTHENTICATED: {
    status: 502,
    summary:
      'A management point answer carries no valid MAC or site signature (it was altered or forged on the way, or comes from an MP too old to authenticate its answers).',
  },
  E_HTTPS_REQUIRED: { status: 403, summary: 'The site accepts client requests over HTTPS only.' },
  E_SITE_MISMATCH: { status: 403, summary: 'The client is assigned to a different site.' },
  E_NOT_FOUND: { status: 404, summary: 'No such resource.' },
  E_SITE_NOT_FOUND: { status: 404, summary: 'No such site.' },
  E_CLIENT_NOT_FOUND: { status: 404, summary: 'No such client.' },
  E_METHOD_NOT_ALLOWED: { status: 405, summary: 'The method is not allowed on this resource.' },
  E_NOT_INSTALLED: { status: 400, summary: 'No siteport client is installed in the state directory.' },
  E_STATE_CORRUPT: { status: 500, summary: 'A state file cannot be read.' },
  E_OPTION: { status: 400, summary: 'A command-line option or configuration value is invalid.' },
  E_BACKUP_INVALID: { status: 400, summary: 'A file given to restore is not a complete, unaltered siteport backup.' },
  E_DATA_DIR_NOT_EMPTY: { status: 409, summary: 'A restore goes only into a new or empty data dir.' },
  E_CONFIG: {
    status: 400,
    summary: 'The server config file cannot be read, is not valid TOML, or holds an unknown or ill-typed setting.',
  },
  E_SERVER_RUNNING: { status: 409, summary: 'A site server is running on the data dir.' },
  E_DATABASE_UNAVAILABLE: { status: 503, summary: 'The site database could not be reached or opened.' },
  E_DATABASE_BUSY: {
    status: 503,
    summary:
      'Too many long reads of the embedded site database (client counts) are already waiting; retry in a moment.',
  },
  E_DATABASE_NOT_EMPTY: {
    status: 409,
    summary: 'The target database of a migration or a restore already holds tables; use a new, empty database.',
  },
  E_PG_TOOL_FAILED: {
    status: 500,
    summary: 'pg_dump or pg_restore was not found or failed; its message follows (never the password).',
  },
  E_PG_TOOL_TIMEOUT: { status: 504, summary: 'pg_dump or pg_restore ran past --pg-timeout and was stopped.' },
  E_MIGRATION_VERIFY: {
    status: 500,
    summary: 'A copied site database does not match its source (row counts or checksums differ).',
  },
  E_MP_UNREACHABLE: { status: 503, summary: 'No management point answered on any port.' },
  E_SERVER_UNREACHABLE: { status: 503, summary: 'The admin API could not be reached.' },
  E_PEER_UNREACHABLE: {
    status: 502,
    summary: 'Another site server (primary or peer primary) could not be reached or refused the call.',
  },
  E_CA_MISMATCH: { status: 502, summary: 'The site CA does not match the expected fingerprint.' },
  E_CERTIFICATE_INVALID: {
    status: 400,
    summary:
      'A certificate to import is unusable: its key does not match, it is expired, its chain does not end in a root, it lacks server authentication or a name clients use.',
  },
  E_CERTIFICATE_IMPORTED: {
    status: 409,
    summary: 'The management point serves an imported certificate, which the site CA does not renew.',
  },
  E_CERTIFICATE_REQUEST: {
    status: 503,
    summary: "An MP process's certificate request was refused or not answered by the site server.",
  },
  E_PROTOCOL: { status: 502, summary: 'A peer answered with something that is not siteport protocol.' },
  E_PUSH_HOST_NOT_FOUND: { status: 404, summary: 'No such host in the push inventory.' },
  E_PUSH_HOST_KEY: {
    status: 502,
    summary: 'A push target presented an SSH host key other than the pinned one, or none is pinned.',
  },
  E_PUSH_HOST_KEY_UNCONFIRMED: {
    status: 502,
    summary:
      'A push target with no pinned host key presented one; no password is sent until an administrator confirms its fingerprint.',
  },
  E_PUSH_NOT_APPROVED: {
    status: 409,
    summary:
      'A push host is a candidate (learnt from a client or a scan); an administrator must approve it before any connection.',
  },
  E_PUSH_AUTH: { status: 502, summary: 'A push target refused the push account credentials.' },
  E_PUSH_UNREACHABLE: { status: 502, summary: 'A push target could not be reached over SSH.' },
  E_PUSH_NO_CREDENTIALS: { status: 400, summary: 'No push account is configured for a host.' },
  E_PUSH_COPY: { status: 502, summary: 'The agent bundle could not be copied to a push target.' },
  E_PUSH_INSTALL: { status: 502, summary: 'Client setup failed on a push target.' },
  E_PUSH_NOT_REGISTERED: { status: 504, summary: 'A pushed client did not register with the site in time.' },
  E_SECRET_STORE: {
    status: 500,
    summary:
      'The secret key file (push credentials, directory bind password) cannot be read or a stored secret cannot be decrypted.',
  },
  E_DIRECTORY_CONFIG: { status: 400, summary: 'A directory setting (URL, bind DN, password, property) is invalid.' },
  E_DIRECTORY_NOT_CONFIGURED: { status: 404, summary: 'The site has no directory configured.' },
  E_DIRECTORY_UNREACHABLE: { status: 503, summary: 'The directory server could not be reached.' },
  E_DIRECTORY_AUTH: { status: 502, summary: 'The directory refused the bind DN and password.' },
  E_DIRECTORY_ACCESS: { status: 502, summary: 'The bind DN lacks the rights siteport needs in the directory.' },
  E_DIRECTORY_SCHEMA: { status: 502, summary: "The directory lacks siteport's schema extension." },
  E_DIRECTORY_NOT_FOUND: { status: 502, summary: 'The directory has no siteport container or no entry for the site.' },
  E_DIRECTORY_ENTRY: { status: 502, summary: 'A siteport entry in the directory is malformed.' },
  E_DIRECTORY_TLS: {
    status: 502,
    summary:
      'The TLS connection to the directory failed: its certificate is not trusted by the configured CA, names another host, or TLS is not offered.',
  },
  E_DIRECTORY_FAILED: { status: 502, summary: 'The directory answered with an unexpected LDAP error.' },
  E_DNS_LOOKUP: { status: 502, summary: 'A DNS SRV lookup for management points failed.' },
  E_NOTIFY_FRAME: { status: 400, summary: 'A notification frame is malformed.' },
  E_NOTIFY_TOO_LARGE: { status: 413, summary: 'A notification frame exceeds the size limit.' },
  E_NOTIFY_VERSION: { status: 400, summary: 'The peer speaks another notification protocol version.' },
  E_NOTIFY_AUTH: { status: 401, summary: 'A notification connection did not authenticate with its registered key.' },
  E_NOTIFY_RATE: {
    status: 429,
    summary: 'A notification connection sent frames faster than allowed (a ping flood) and was closed.',
  },
  E_MAC: { status: 400, summary: 'A MAC address or SecureOn password is invalid.' },
  E_WAKE_PACKET: { status: 400, summary: 'A Wake-on-LAN magic packet is malformed.' },
  E_WAKE_NOT_SENT: {
    status: 502,
    summary: 'No magic packet went out for some clients (no MAC/IPv4 inventory, or sending failed).',
  },
  E_FORBIDDEN: {
    status: 403,
    summary:
      "The caller's role lacks the route's permission, or the site lies outside the caller's site scope (decision 0094).",
  },
  E_CSRF: {
    status: 403,
    summary: 'A state-changing browser request lacks the session CSRF token or carries a wrong one.',
  },
  E_ORIGIN: { status: 403, summary: 'A state-changing browser request comes from a foreign or missing Origin.' },
  E_SIGN_IN: { status: 401, summary: 'The console user name or password is wrong.' },
  E_SESSION: { status: 401, summary: 'The console session is missing, expired or signed out.' },
  E_USER_EXISTS: { status: 409, summary: 'A console account of that name already exists.' },
  E_PASSWORD: { status: 400, summary: 'A console password is too short or too long.' },
  E_SIGN_IN_LOCKED: {
    status: 429,
    summary:
      'Too many failed console sign-ins for the account name or from the address; sign-in is refused (even with the right password) until Retry-After seconds have passed.',
  },
  E_TOKEN_BLOCKED: {
    status: 429,
    summary:
      'Too many wrong bearer tokens came from the address; its wrong tokens are refused until Retry-After seconds have passed (a right token still works).',
  },
  E_PASSWORD_BUSY: {
    status: 503,
    summary:
      'Too many password checks (sign-ins, new passwords) are already running or waiting; retry after Retry-After seconds.',
  },
  E_ADMIN_HOST: {
    status: 421,
    summary:
      'The Host header does not name this admin listener (DNS rebinding guard); add the name with --admin-allow-host.',
  },
  E_CURRENT_PASSWORD: {
    status: 403,
    summary: 'Changing your own password needs your current password, and the one given is wrong.',
  },
  E_USER_NOT_FOUND: { status: 404, summary: 'No console account of that name.' },
  E_LAST_ADMINISTRATOR: {
    status: 409,
    summary: 'The change would leave no enabled console administrator with every site; make another one first.',
  },
  E_TOKEN_NOT_FOUND: { status: 404, summary: 'No API token or registration token of that id or name.' },
  E_TOKEN_EXISTS: { status: 409, summary: 'An active API token of that name exists already.' },
  E_RATE_LIMITED: {
    status: 429,
    summary: 'Too many registrations or session openings from one source address; retry after the Retry-After seconds.',
  },
  E_CLIENT_PENDING: {
    status: 403,
    summary: 'The client is registered but waits for an administrator to approve it (registration mode approve-new).',
  },
  E_CLIENT_BLOCKED: {
    status: 403,
    summary:
      'An administrator blocked the client: every request and its notification channel are refused until it is unblocked.',
  },
  E_CLIENT_RETIRED: {
    status: 403,
    summary:
      'The client was retired: its key is no longer accepted; the machine registers again only with a new identity.',
  },
  E_PENDING_FULL: {
    status: 503,
    summary:
      'The site holds as many clients waiting for approval as it may (--max-pending-clients); an administrator approves, blocks or retires some first.',
  },
  E_REGISTRATION_TOKEN_REQUIRED: {
    status: 403,
    summary: 'The site registers new clients only with a registration token (SMSREGTOKEN).',
  },
  E_REGISTRATION_TOKEN: {
    status: 403,
    summary: 'The registration token is unknown, expired, used up, revoked or for another site.',
  },
  E_CLIENT_STATE: {
    status: 409,
    summary: 'The client is not in a state that allows this action (e.g. approving an active client).',
  },
  E_UPGRADE_PACKAGE: {
    status: 400,
    summary:
      'An agent package is not one the release-signing key signed (wrong signer, altered bytes, bad manifest or version string); sign the bundle again with siteport upgrade sign.',
  },
  E_UPGRADE_TOO_LARGE: { status: 413, summary: 'An agent package or one of its files exceeds the size limit.' },
  E_UPGRADE_PATH: {
    status: 400,
    summary: 'An agent package holds an entry outside its folder (absolute, .., a link or a device); it is refused.',
  },
  E_UPGRADE_DOWNGRADE: {
    status: 409,
    summary:
      'The package is older than or equal to the running version and the administrator did not ask for a downgrade.',
  },
  E_UPGRADE_NOT_FOUND: { status: 404, summary: 'No such agent upgrade or agent package.' },
  E_UPGRADE_STATE: { status: 409, summary: 'The agent upgrade is not in a state that allows this action.' },
  E_UPGRADE_ACTIVE: {
    status: 409,
    summary: 'The site already runs an agent upgrade; complete, halt and roll back, or wait for it first.',
  },
  E_UPGRADE_EXISTS: { status: 409, summary: 'A package of that agent version is already registered for the site.' },
  E_RELEASE_KEY: {
    status: 400,
    summary:
      'The site has no release public key, or the key given is not an Ed25519 public key (siteport upgrade key set FILE).',
  },
  E_GATEWAY_PATH: {
    status: 404,
    summary: 'A gateway relays only the management point protocol (/mp/v1/...) of registered clients.',
  },
  E_GATEWAY_SIGNED_ONLY: {
    status: 401,
    summary: 'Through a gateway every client request is signed with the client key (no session MAC).',
  },
  E_GATEWAY_UPSTREAM: { status: 502, summary: 'The gateway reached no management point of its site.' },
  E_GATEWAY_BUSY: { status: 503, summary: 'The gateway relays as many requests as it allows; try again shortly.' },
  E_GATEWAY_NOT_CONFIGURED: {
    status: 409,
    summary: 'The site has no gateway set (siteport gateway set --host NAME --port PORT).',
  },
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
