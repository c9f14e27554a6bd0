import { type Command, Option } from 'commander';
import { type LogLevel, runAgentProcess } from '@siteport/agent';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `siteport agent --state DIR [--log-level L]`: runs the client agent daemon until SIGTERM/SIGINT. */
export function register(program: Command): void {
  program
    .command('agent')
    .description('run the client agent daemon (SIGTERM/SIGINT stop it, SIGHUP reloads client.json)')
    .requiredOption('--state <dir>', 'client state directory written by siteport setup')
    .addOption(new Option('--log-level <level>', 'log level (logs go to stderr)').choices(LEVELS).default('info'))
    .action(async (opts: { state: string; logLevel: LogLevel }) => {
      await runAgentProcess({ stateDir: opts.state, logLevel: opts.logLevel });
    });
}
