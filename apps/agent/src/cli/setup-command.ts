import type { Command } from 'commander';
import { printLines, shellCommand } from '@siteport/protocol';
import type { ClientConfig } from '../client-config.js';

interface SetupFlags {
  state: string;
  httpOnly: boolean;
  json: boolean;
  directory?: string;
  directoryBindDn?: string;
  directoryPasswordFile?: string;
  dnsDomain?: string;
  newIdentity: boolean;
  reregister: boolean;
}

/**
 * `setup --state DIR [--http-only] [--directory URL [--directory-bind-dn DN
 * --directory-password-file FILE]] [--dns-domain D] [PROPERTY=VALUE …]`: installs or reconfigures a
 * client. With `--directory` the published installation properties are the base and
 * explicit ones win; the client becomes directory-joined.
 */
export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description('install or reconfigure a client in a state directory with installation properties')
    .requiredOption('--state <dir>', 'client state directory')
    .option('--http-only', 'never use HTTPS to reach the management point', false)
    .option(
      '--directory <url>',
      'ldap://host[:port][/base DN]: read the published properties there and keep following the site there',
    )
    .option('--directory-bind-dn <dn>', 'DN to bind to the directory as (default: anonymous)')
    .option('--directory-password-file <file>', 'file whose first line is the bind password')
    .option('--dns-domain <domain>', 'DNS domain of the _siteport-mp._tcp SRV record (last discovery step)')
    .option(
      '--new-identity',
      'create a new identity key even if one is installed (a retired client registers anew)',
      false,
    )
    .option('--reregister', 'keep the identity key but register again at the next start (a reinstall by push)', false)
    .option('--json', 'print the written configuration as JSON', false)
    .argument(
      '[properties...]',
      'SMSSITECODE, SMSMP, CCMHTTPPORT, CCMHTTPSPORT, CCMHOSTNAME, CCMALWAYSINF, SMSCAFINGERPRINT, SMSREGTOKEN as NAME=VALUE',
    )
    .action(async (properties: string[], opts: SetupFlags) => {
      let config: ClientConfig;
      let published: string[] | null = null;
      // Loaded per run: the directory client (ldapts) and key generation stay out of `--help`.
      const [{ runDirectorySetup }, { runSetup }, { StateStore }] = await Promise.all([
        import('../discovery/directory-setup.js'),
        import('../setup.js'),
        import('../state-store.js'),
      ]);
      if (opts.directory !== undefined) {
        const result = await runDirectorySetup({
          stateDir: opts.state,
          properties,
          httpOnly: opts.httpOnly,
          url: opts.directory,
          ...(opts.directoryBindDn === undefined ? {} : { bindDn: opts.directoryBindDn }),
          ...(opts.directoryPasswordFile === undefined ? {} : { passwordFile: opts.directoryPasswordFile }),
          ...(opts.dnsDomain === undefined ? {} : { dnsDomain: opts.dnsDomain }),
        });
        config = result.config;
        published = result.published;
      } else {
        config = runSetup({
          stateDir: opts.state,
          properties,
          httpOnly: opts.httpOnly,
          newIdentity: opts.newIdentity,
          ...(opts.dnsDomain === undefined ? {} : { dnsDomain: opts.dnsDomain }),
        });
      }
      // A push reinstall keeps the key (and so the site's client id) but registers again, so the
      // site sees the reinstalled client come up.
      if (opts.reregister && config.clientId !== null) {
        config = { ...config, clientId: null };
        new StateStore(opts.state).writeConfig(config);
      }
      if (opts.json) {
        // The registration token is a secret: said whether there is one, never printed.
        const { registrationToken, ...shown } = config;
        process.stdout.write(
          `${JSON.stringify({ ...shown, registrationToken: registrationToken == null ? null : '[set]', publishedProperties: published }, null, 2)}\n`,
        );
        return;
      }
      const alt = (port: number | null): string => (port === null ? '' : ` (alternate ${port})`);
      printLines(
        `siteport client configured in ${opts.state}`,
        `  site code:          ${config.siteCode}`,
        `  category:           ${config.category}`,
        `  management points:  ${config.managementPoints.join(', ') || '-'}`,
        `  internet MP:        ${config.internetManagementPoint ?? '-'}${config.alwaysInternet ? ' (internet-only)' : ''}`,
        `  HTTP port:          ${config.ports.http.default}${alt(config.ports.http.alternate)}`,
        `  HTTPS port:         ${config.httpOnly ? 'not used (--http-only)' : `${config.ports.https.default}${alt(config.ports.https.alternate)}`}`,
        `  CA fingerprint:     ${config.caFingerprint ?? 'trusted on first use'}`,
        `  directory:          ${config.directory == null ? 'none (not directory-joined)' : `${config.directory.url} as ${config.directory.bindDn ?? 'anonymous'}`}`,
        published === null ? [] : [`  published properties: ${published.join(' ')}`],
        `  registration token: ${config.registrationToken == null ? 'none' : 'set (sent at the first registration, then removed)'}`,
        `  registered:         ${config.clientId === null ? 'no (the agent registers at its first start)' : config.clientId}`,
        `start the agent with: ${shellCommand(program.name(), 'agent', '--state', opts.state)}`,
      );
    });
}
