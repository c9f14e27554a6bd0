import type { Command } from 'commander';
import {
  type FirewallRules,
  parseFirewallFormat,
  parseFirewallRole,
  parsePortAssignments,
  parseSiteCode,
} from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, withConnectionOptions } from '../admin-client.js';
import { printJson, printLines } from '../format.js';

interface FirewallOptions extends AdminConnectionOptions {
  site?: string;
  format: string;
  role: string;
  json?: boolean;
}

/** `siteport ports firewall [--format nftables|firewalld|netsh] [--role …] [ITEM=VALUE …]`. */
export function registerFirewall(ports: Command): void {
  withConnectionOptions(
    ports
      .command('firewall')
      .description(
        'print ready-to-apply firewall rules for the current ports, or for proposed ones given as ITEM=VALUE',
      )
      .argument('[assignments...]', 'proposed settings, e.g. http=8080 https=8443 (none: the current settings)')
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--format <format>', 'nftables, firewalld or netsh', 'nftables')
      .option(
        '--role <role>',
        'management-point (inbound client traffic) or client (wake-up packets)',
        'management-point',
      )
      .option('--json', 'machine-readable output (ports and text)'),
  ).action(async (assignments: string[], options: FirewallOptions) => {
    const format = parseFirewallFormat(options.format);
    const role = parseFirewallRole(options.role);
    parsePortAssignments(assignments);
    const client = await AdminClient.connect(options);
    const site =
      options.site === undefined
        ? (await client.request<{ siteCode: string }>('GET', '/health')).siteCode
        : parseSiteCode(options.site, '--site');
    const query = new URLSearchParams({ format, role });
    for (const a of assignments) query.append('set', a);
    const rules = await client.request<FirewallRules>('GET', `/sites/${site}/firewall?${query.toString()}`);
    if (options.json === true) printJson(rules);
    else printLines(rules.text.replace(/\n$/, '').split('\n'));
  });
}
