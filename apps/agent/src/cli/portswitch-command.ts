import type { Command } from 'commander';
import { printLines } from '@siteport/protocol';

/** `portswitch --state DIR HTTPPORT [HTTPSPORT]`: the port switch tool. */
export function registerPortswitch(program: Command): void {
  program
    .command('portswitch')
    .description("reconfigure an installed client's request ports and signal its running agent")
    .requiredOption('--state <dir>', 'client state directory')
    .option('--json', 'print the status record as JSON only', false)
    .argument('<httpPort>', 'new HTTP request port (1-65535)')
    .argument('[httpsPort]', 'new HTTPS request port (1-65535), different from the HTTP port')
    .action(async (httpPort: string, httpsPort: string | undefined, opts: { state: string; json: boolean }) => {
      const { portSwitch } = await import('../port-switch.js');
      const record = portSwitch({ stateDir: opts.state, httpPort, ...(httpsPort === undefined ? {} : { httpsPort }) });
      if (!opts.json) {
        const https =
          record.httpsPort === null
            ? `unchanged (${record.previous.https})`
            : `${record.previous.https} -> ${record.httpsPort}`;
        const agent = record.agentSignalled
          ? `running agent (pid ${String(record.agentPid)}) signalled to reload`
          : 'no agent is running; the new ports apply when it starts';
        printLines(`HTTP port ${record.previous.http} -> ${record.httpPort}; HTTPS port ${https}; ${agent}`);
      }
      process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
    });
}
