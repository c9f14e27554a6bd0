import { exitQuietlyOnClosedPipe } from '@siteport/protocol';
import { runAgentCli } from './agent-cli.js';

// Entry point of the single-executable agent (Node SEA): SEA runs one CommonJS script, which
// has no top-level await, so the exit code is set when the command settles.
exitQuietlyOnClosedPipe();
void runAgentCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
