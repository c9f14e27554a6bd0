import { startCli } from './run-cli.js';
import type { HasAfter } from './temp-dir.js';

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

/** `siteport server` on `data` with `flags`; resolves with the admin URL, the CA fingerprint and a stop function (also run after the test). */
export async function startCliServer(t: HasAfter, data: string, flags: readonly string[]) {
  const server = startCli(['server', '--data', data, ...flags, '--log-level', 'warn'], /client communication mode/);
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  const stop = async (): Promise<void> => {
    if (server.child.exitCode === null) server.child.kill('SIGTERM');
    await exited;
  };
  t.after(stop);
  const banner = await server.started;
  return {
    adminUrl: /admin API: (http:\/\/[^/\s]+)/.exec(banner)![1]!,
    ca: /SMSCAFINGERPRINT\): (\w+)/.exec(banner)![1]!,
    stop,
  };
}
