import type { Command } from 'commander';
import {
  CLIENT_ACTIONS,
  CLIENT_STATUSES,
  type ClientActionResult,
  type ClientList,
  type ClientStatus,
  SiteportError,
} from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, withConnectionOptions } from '../admin-client.js';
import { printJson, printLines, table } from '../format.js';
import { siteOf } from './registration.js';

interface ListOptions extends AdminConnectionOptions {
  site?: string;
  status?: string;
  json?: boolean;
}

interface ActionOptions extends AdminConnectionOptions {
  site?: string;
  reason?: string;
  json?: boolean;
}

const DESCRIPTIONS: Record<(typeof CLIENT_ACTIONS)[number], string> = {
  approve: 'approve pending clients: they get policy at their next check',
  block: 'block clients: every request and their notification channel are refused at once, at every MP',
  unblock: 'unblock blocked clients',
  retire: "retire clients: their keys are no longer accepted; the records stay for history and leave the site's counts",
};

/** `siteport clients list|approve|block|unblock|retire`: a site's clients and the administrator's actions on them (decision 0095). */
export function register(program: Command): void {
  const clients = program
    .command('clients')
    .description("a site's clients: list them, approve, block, unblock or retire them");

  withConnectionOptions(
    clients
      .command('list')
      .description('list the clients of a site with registration status, last contact and state')
      .option('--status <status>', `only clients in this status: ${CLIENT_STATUSES.join(', ')}`)
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (options: ListOptions) => {
    const status = options.status;
    if (status !== undefined && !(CLIENT_STATUSES as readonly string[]).includes(status)) {
      throw new SiteportError(
        'E_OPTION',
        `--status must be one of ${CLIENT_STATUSES.join(', ')}, got ${JSON.stringify(status)}`,
      );
    }
    const client = await AdminClient.connect(options);
    const list = await client.request<ClientList>('GET', `/sites/${await siteOf(client, options.site)}/clients`);
    const shown = list.clients.filter((c) => status === undefined || c.status === (status as ClientStatus));
    if (options.json === true) {
      printJson({ ...list, clients: shown });
      return;
    }
    const rows = [
      ['CLIENT', 'HOST', 'STATUS', 'ACTIVITY', 'LAST CONTACT', 'ADDRESS', 'AGENT STATE'],
      ...shown.map((c) => [
        c.clientId,
        c.hostname,
        c.status,
        c.activity,
        c.lastContact?.at ?? 'never',
        c.lastContact?.address ?? '-',
        c.agentState,
      ]),
    ];
    printLines(shown.length === 0 ? 'no clients' : table(rows));
  });

  for (const action of CLIENT_ACTIONS) {
    withConnectionOptions(
      clients
        .command(action)
        .description(DESCRIPTIONS[action])
        .argument('<ids...>', 'client ids (from clients list)')
        .option('--reason <text>', 'why (kept in the audit log)')
        .option('--site <code>', "site code (default: the server's own site)")
        .option('--json', 'machine-readable output'),
    ).action(async (ids: string[], options: ActionOptions) => {
      const client = await AdminClient.connect(options);
      const code = await siteOf(client, options.site);
      const body = options.reason === undefined ? {} : { reason: options.reason };
      const results: ClientActionResult[] = [];
      for (const id of ids)
        results.push(
          await client.request<ClientActionResult>(
            'POST',
            `/sites/${code}/clients/${encodeURIComponent(id)}/${action}`,
            body,
          ),
        );
      if (options.json === true) printJson({ results });
      else printLines(results.map((r) => `client ${r.clientId}: ${r.from} → ${r.status}`));
    });
  }
}
