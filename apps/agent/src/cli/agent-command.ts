import { type Command, Option } from 'commander';
import { SiteportError } from '@siteport/protocol';
import type { LogLevel } from '../logger.js';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function seconds(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(n > 0 && n <= 86400))
    throw new SiteportError(
      'E_OPTION',
      `--${name} must be a number of seconds from 0 to 86400, got ${JSON.stringify(value)}`,
    );
  return n * 1000;
}

interface AgentFlags {
  state: string;
  logLevel: LogLevel;
  retryDefaultAfter?: string;
  requestTimeout?: string;
  dnsServer?: string[];
  hostname?: string;
  upgradeTrial?: string;
}

/** `agent --state DIR [--log-level L]`: runs the client agent daemon until SIGTERM/SIGINT. */
export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('run the client agent daemon (SIGTERM/SIGINT stop it, SIGHUP reloads client.json)')
    .requiredOption('--state <dir>', `client state directory written by ${program.name()} setup`)
    .addOption(new Option('--log-level <level>', 'log level (logs go to stderr)').choices(LEVELS).default('info'))
    .option(
      '--retry-default-after <seconds>',
      'after falling back to an alternate port, try the default port again after this long (default 300)',
    )
    .option('--request-timeout <seconds>', 'connect + response timeout per endpoint (default 5)')
    .option(
      '--dns-server <host:port>',
      'DNS server for the management point SRV lookup instead of the system resolvers (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--hostname <name>', "host name reported to the site (default: the machine's)")
    .option(
      '--upgrade-trial <seconds>',
      'how long an agent version this agent installs has to reach a management point before its launcher goes back (default 600)',
    )
    .action(async (opts: AgentFlags) => {
      const trial = seconds('upgrade-trial', opts.upgradeTrial);
      const retry = seconds('retry-default-after', opts.retryDefaultAfter);
      const timeout = seconds('request-timeout', opts.requestTimeout);
      const { runAgentProcess } = await import('../agent-process.js');
      await runAgentProcess({
        stateDir: opts.state,
        logLevel: opts.logLevel,
        ...(retry === undefined ? {} : { retryDefaultAfterMs: retry }),
        ...(timeout === undefined ? {} : { requestTimeoutMs: timeout }),
        ...(opts.dnsServer === undefined ? {} : { dnsServers: opts.dnsServer }),
        ...(opts.hostname === undefined ? {} : { hostname: opts.hostname }),
        ...(trial === undefined ? {} : { upgradeTrialMs: trial }),
      });
    });
}
