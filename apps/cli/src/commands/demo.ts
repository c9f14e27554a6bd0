import type { Command } from 'commander';
import { parseDemoOptions } from '../demo/demo-options.js';

/** `siteport demo`: the quick-start job (a site and a few agents on loopback). */
export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'run a demo site with its management point and a few real agents on loopback, and show them checking in',
    )
    .option('--data <dir>', 'where the demo keeps the site and client state', 'demo-data')
    .option('--clients <n>', 'number of agent processes', '3')
    .option('--port-base <n>', 'first demo port (HTTP); the others follow from it', '18080')
    .option('--admin-port <n>', 'admin API port', '18440')
    .option('--policy-interval <seconds>', 'policy interval of the demo site', '10')
    .option('--duration <seconds>', 'stop by itself after this long (0 = until Ctrl-C)', '0')
    .action(async (flags: Record<string, string>) => {
      const options = parseDemoOptions(flags);
      const { runDemo } = await import('../demo/run-demo.js');
      await runDemo(options);
    });
}
