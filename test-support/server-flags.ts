/** `siteport server` flags for a test: every port picked free, the management point on loopback. */
export const LOOPBACK_PORT_FLAGS: readonly string[] = Object.freeze([
  '--admin-port',
  '0',
  '--http-port',
  '0',
  '--https-port',
  '0',
  '--notification-port',
  '0',
  '--bind',
  '127.0.0.1',
]);
