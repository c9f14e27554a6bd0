import type { Command } from 'commander';
import { runSetup } from '@siteport/agent';

/** `siteport setup --state DIR [--http-only] [PROPERTY=VALUE …]`: installs or reconfigures a client (SPEC S9). */
export function register(program: Command): void {
  program
    .command('setup')
    .description('install or reconfigure a client in a state directory with installation properties')
    .requiredOption('--state <dir>', 'client state directory')
    .option('--http-only', 'never use HTTPS to reach the management point', false)
    .option('--json', 'print the written configuration as JSON', false)
    .argument('[properties...]', 'SMSSITECODE, SMSMP, CCMHTTPPORT, CCMHTTPSPORT, CCMHOSTNAME, CCMALWAYSINF, SMSCAFINGERPRINT as NAME=VALUE')
    .action((properties: string[], opts: { state: string; httpOnly: boolean; json: boolean }) => {
      const config = runSetup({ stateDir: opts.state, properties, httpOnly: opts.httpOnly });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
        return;
      }
      const alt = (port: number | null): string => (port === null ? '' : ` (alternate ${port})`);
      const lines = [
        `siteport client configured in ${opts.state}`,
        `  site code:          ${config.siteCode}`,
        `  management points:  ${config.managementPoints.join(', ') || '-'}`,
        `  internet MP:        ${config.internetManagementPoint ?? '-'}${config.alwaysInternet ? ' (internet-only)' : ''}`,
        `  HTTP port:          ${config.ports.http.default}${alt(config.ports.http.alternate)}`,
        `  HTTPS port:         ${config.httpOnly ? 'not used (--http-only)' : `${config.ports.https.default}${alt(config.ports.https.alternate)}`}`,
        `  CA fingerprint:     ${config.caFingerprint ?? 'trusted on first use'}`,
        `  registered:         ${config.clientId === null ? 'no (the agent registers at its first start)' : config.clientId}`,
        `start the agent with: siteport agent --state ${opts.state}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
