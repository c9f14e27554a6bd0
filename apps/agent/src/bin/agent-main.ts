import { exitQuietlyOnClosedPipe } from '@siteport/protocol';
import { runAgentCli } from './agent-cli.js';

// Entry point of the offline agent bundle (siteport-agent.mjs).
exitQuietlyOnClosedPipe();
process.exitCode = await runAgentCli(process.argv.slice(2));
