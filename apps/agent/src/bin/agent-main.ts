import { runAgentCli } from './agent-cli.js';

// Entry point of the offline agent bundle (siteport-agent.mjs).
process.exitCode = await runAgentCli(process.argv.slice(2));
