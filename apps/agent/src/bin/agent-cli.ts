import { Command, CommanderError } from 'commander';
import { isSiteportError, printErrorLine } from '@siteport/protocol';
import { AGENT_VERSION } from '../agent-options.js';
import { registerClientCommands } from '../cli/index.js';

/** Exit codes, the same as `siteport`'s: 0 ok, 1 failure, 2 bad usage. */
const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** The offline bundle's program: the client commands of `siteport`, the same definitions. */
function buildAgentProgram(): Command {
  const program = new Command('siteport-agent')
    .description('the siteport client agent (offline bundle): setup, agent, portswitch, client status and identity')
    .version(AGENT_VERSION, '-V, --version', 'print the agent version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerClientCommands(program);
  program
    .command('launch')
    .description(
      'run the agent through its launcher: the installed version agent-version.json names, back to the previous one when a new version cannot reach a management point in time (agent upgrades)',
    )
    .requiredOption('--state <dir>', 'client state directory written by siteport-agent setup')
    .allowUnknownOption()
    .argument('[agent options...]', 'further options of siteport-agent agent')
    .action(async (extra: string[], opts: { state: string }) => {
      const { launchAgent } = await import('../upgrade/launch-command.js');
      process.exitCode = await launchAgent(opts.state, extra);
    });
  return program;
}

/** Runs one command line of the bundled agent and returns the exit code. */
export async function runAgentCli(argv: readonly string[]): Promise<number> {
  try {
    await buildAgentProgram().parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      if (error.code === 'commander.help') return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return EXIT.usage;
    }
    if (isSiteportError(error)) {
      printErrorLine(`siteport-agent: ${error.code}: ${error.message}`);
      return error.code === 'E_OPTION' || error.code === 'E_CONFIG' ? EXIT.usage : EXIT.failure;
    }
    printErrorLine(
      `siteport-agent: E_INTERNAL: ${(error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''}`,
    );
    return EXIT.failure;
  }
}
