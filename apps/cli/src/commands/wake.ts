import type { Command } from 'commander';
import type { WakeBody, WakeResult } from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, withConnectionOptions } from '../admin-client.js';
import { refuseFailed } from '../client-outcomes.js';
import { printJson, printLines, table } from '../format.js';

interface WakeOptions extends AdminConnectionOptions {
  broadcast?: boolean;
  password?: string;
  json?: boolean;
}

const GOOD = new Set(['sent', 'sent-by-proxy', 'awake']);

/** `siteport wake CLIENT…`: Wake-on-LAN through the site (directly or via a proxy client on the subnet). */
export function register(program: Command): void {
  withConnectionOptions(
    program
      .command('wake')
      .description("send Wake-on-LAN magic packets to clients on the site's wake-up port; per-client results")
      .argument('<clients...>', 'client ids')
      .option(
        '--broadcast',
        'subnet-directed broadcast instead of unicast to the last known address (riskier: routers must forward directed broadcasts)',
      )
      .option('--password <hex>', 'SecureOn password, 4 or 6 bytes like 01:02:03:04:05:06')
      .option('--json', 'machine-readable output'),
  ).action(async (clients: string[], options: WakeOptions) => {
    const body: WakeBody = { clients, mode: options.broadcast === true ? 'broadcast' : 'unicast' };
    if (options.password !== undefined) body.password = options.password;
    const admin = await AdminClient.connect(options);
    const result = await admin.request<WakeResult>('POST', '/wake', body);
    if (options.json === true) printJson(result);
    else {
      const rows = [
        ['CLIENT', 'OUTCOME', 'TARGET', 'PROXY', 'NOTE'],
        ...result.results.map((r) => [
          r.clientId,
          r.outcome,
          r.target ?? '-',
          r.proxy ?? '-',
          r.error?.message ?? r.note ?? '',
        ]),
      ];
      printLines(table(rows));
    }
    refuseFailed(
      result.results,
      (outcome) => GOOD.has(outcome),
      { code: 'E_WAKE_NOT_SENT', verb: 'could not be woken' },
      options,
    );
  });
}
