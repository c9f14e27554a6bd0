import type { Command } from 'commander';
import { type ManagementPointList, parseSiteCode } from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, withConnectionOptions } from '../admin-client.js';
import { printJson, printLines, table } from '../format.js';

interface MpListOptions extends AdminConnectionOptions {
  site?: string;
  json?: boolean;
}

/** `siteport mp list`: the management point processes of a site. */
export function register(program: Command): void {
  const mp = program
    .command('mp')
    .description('the management point processes of a site (several MPs share a PostgreSQL site database)');
  withConnectionOptions(
    mp
      .command('list')
      .description(
        'list the MP processes of a site: host clients use, bind address, role, running/stopped/dead, last heartbeat',
      )
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (options: MpListOptions) => {
    const client = await AdminClient.connect(options);
    const code =
      options.site !== undefined
        ? parseSiteCode(options.site, '--site')
        : (await client.request<{ siteCode: string }>('GET', '/health')).siteCode;
    const list = await client.request<ManagementPointList>('GET', `/sites/${code}/management-points`);
    if (options.json === true) {
      printJson(list);
      return;
    }
    const rows = [
      ['HOST', 'BIND', 'ROLE', 'STATE', 'STARTED', 'LAST HEARTBEAT', 'ID'],
      ...list.managementPoints.map((m) => [m.host, m.bindAddress, m.role, m.state, m.startedAt, m.lastSeenAt, m.id]),
    ];
    const live = list.managementPoints.filter((m) => m.state === 'running').length;
    printLines(
      `Site ${list.siteCode}: ${live} running management point(s) (dead after ${list.staleAfterSeconds} s without a heartbeat)`,
      table(rows),
    );
  });
}
