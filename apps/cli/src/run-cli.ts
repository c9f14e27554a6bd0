import { Command, CommanderError } from 'commander';
import { SITEPORT_VERSION, isSiteportError } from '@siteport/protocol';
import { COMMANDS } from './commands/index.js';
import { printErrorLine } from './format.js';

/** Exit codes of every `siteport` command. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Builds the `siteport` program with every command registered. */
export function buildProgram(): Command {
  const program = new Command('siteport')
    .description(
      'siteport: site server, management point and client agent with configurable client communication ports',
    )
    .version(SITEPORT_VERSION, '-V, --version', 'print the siteport version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.configureOutput({ writeErr: (text) => process.stderr.write(text) });
  for (const register of COMMANDS) register(program);
  return program;
}

/**
 * Runs one command line and returns the exit code: 0 on success, 1 on failure with a one-line
 * reason on stderr, 2 on bad usage.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help asked for is a success; help shown because no (sub)command was named is a usage error.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      if (error.code === 'commander.help') return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return EXIT.usage;
    }
    if (isSiteportError(error)) {
      printErrorLine(`siteport: ${error.code}: ${error.message}`);
      return error.code === 'E_OPTION' || error.code === 'E_CONFIG' ? EXIT.usage : EXIT.failure;
    }
    const message = error instanceof Error ? error.message : String(error);
    printErrorLine(`siteport: E_INTERNAL: ${message.split('\n')[0] ?? ''}`);
    return EXIT.failure;
  }
}
