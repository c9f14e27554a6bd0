import { runSetup } from '@siteport/agent';
import type { PortsView } from '@siteport/protocol';
import { runCli, startCli } from './run-cli.js';
import type { HasAfter } from './temp-dir.js';

/**
 * A real agent process (`siteport agent`, in `prefix`'s namespace when given) set up in `stateDir`
 * for site PS1 with one MP address, the site's default ports and its CA; stopped after the test.
 */
export function startRealAgent(
  t: HasAfter,
  options: { stateDir: string; mp: string; ports: PortsView; ca: string; prefix?: string[] },
): void {
  runSetup({
    stateDir: options.stateDir,
    properties: [
      'SMSSITECODE=PS1',
      `SMSMP=${options.mp}`,
      `CCMHTTPPORT=${options.ports.http.default}`,
      `CCMHTTPSPORT=${options.ports.https.default}`,
      `SMSCAFINGERPRINT=${options.ca}`,
    ],
  });
  const agent = startCli(
    ['agent', '--state', options.stateDir, '--log-level', 'warn'],
    /$^/,
    options.prefix === undefined ? {} : { prefix: options.prefix },
  );
  agent.started.catch(() => undefined);
  t.after(() => agent.child.kill('SIGTERM'));
}

/** What `siteport client status --json` says of an agent's state. */
export interface CliClientStatus {
  clientId: string | null;
  managementPoints: string[];
  lastContact: { protocol: string; port: number; address?: string } | null;
}

/** Reads an agent's state through `siteport client status --json`. */
export const cliClientStatus = async (stateDir: string): Promise<CliClientStatus> =>
  JSON.parse((await runCli(['client', 'status', '--state', stateDir, '--json'])).stdout) as CliClientStatus;
