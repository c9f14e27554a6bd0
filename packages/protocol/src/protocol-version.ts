/** Version of the client↔MP protocol; an MP answers older agents as long as the major matches. */
export const PROTOCOL_VERSION = '1.0';

/** Path prefixes of the two HTTP surfaces. */
export const MP_PREFIX = '/mp/v1';
export const ADMIN_PREFIX = '/api/v1';
