import { exitQuietlyOnClosedPipe } from '@siteport/protocol';
import { runAgentCli } from './agent-cli.js';

// Entry point of the offline agent bundle (siteport-agent.mjs).
exitQuietlyOnClosedPipe();
const code = await runAgentCli(process.argv.slice(2));
// An agent that installed a new version already set the exit code its launcher restarts on.
if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
