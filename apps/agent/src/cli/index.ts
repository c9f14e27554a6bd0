import type { Command } from 'commander';
import { registerAgent } from './agent-command.js';
import { registerClient } from './client-command.js';
import { registerPortswitch } from './portswitch-command.js';
import { registerSetup } from './setup-command.js';

// The client's commands, one definition for `siteport` and for the offline agent bundle's
// `siteport-agent`: the two cannot drift apart.
export { identityOf } from './client-command.js';
export { registerAgent, registerClient, registerPortswitch, registerSetup };

/** Adds every client command (setup, agent, portswitch, client status/identity) to a program. */
export function registerClientCommands(program: Command): void {
  for (const register of [registerSetup, registerAgent, registerPortswitch, registerClient]) register(program);
}
