import type { Command } from 'commander';
import { type PortPlan, type PortPlanItem, SiteportError, parseSiteCode } from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, withConnectionOptions } from '../admin-client.js';
import { printJson, printLines } from '../format.js';

interface PlanOptions extends AdminConnectionOptions {
  site?: string;
  json?: boolean;
  http?: string;
  https?: string;
  httpAlternate?: string;
  httpsAlternate?: string;
  notification?: string;
}

/** The options of `ports plan`: the same item names as `ports set`, each taking a port. */
const ITEMS: readonly { option: string; item: PortPlanItem; name: string }[] = [
  { option: '--http <port>', item: 'http', name: 'http' },
  { option: '--https <port>', item: 'https', name: 'https' },
  { option: '--http-alternate <port>', item: 'httpAlternate', name: 'http-alternate' },
  { option: '--https-alternate <port>', item: 'httpsAlternate', name: 'https-alternate' },
  { option: '--notification <port>', item: 'notification', name: 'notification' },
];

function portOption(value: string, name: string): number {
  if (!/^[0-9]{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
    throw new SiteportError('E_OPTION', `--${name} takes a port from 1 to 65535, not ${JSON.stringify(value)}`);
  }
  return Number(value);
}

const itemName = (item: string): string => ITEMS.find((i) => i.item === item)?.name ?? item;
const subnets = (list: readonly { subnet: string; clients: number }[]): string =>
  list.map((s) => `${s.subnet} (${s.clients})`).join(', ');

/** A port plan as text: per item, who would lose their MP and who is unknown. */
export function formatPlan(plan: PortPlan): string[] {
  const lines = [
    `Site ${plan.siteCode}: ${plan.clients} active clients; results older than ${plan.staleHours} h count as unknown`,
  ];
  for (const r of plan.items) {
    lines.push(
      `${itemName(r.item)} → ${r.port}: ${r.reachable} reach it, ${r.lose} would lose their MP, ${r.unknown} unknown`,
    );
    if (r.lose > 0) lines.push(`  would lose their MP: ${subnets(r.loseSubnets)}`);
    if (r.unknown > 0) lines.push(`  unknown (not tested or stale): ${subnets(r.unknownSubnets)}`);
  }
  if (plan.items.some((r) => r.unknown > 0))
    lines.push('to test unknown clients: list the port as a candidate, or propose the change with a pre-flight');
  return lines;
}

/** `siteport ports plan --http 8080 …`: what a port change would do, from the reachability map (decision 0109). */
export function registerPlan(ports: Command): void {
  let command = ports
    .command('plan')
    .description(
      'before changing ports: from the reachability map, how many clients would lose their MP and in which subnets, and which are unknown',
    )
    .option('--site <code>', "site code (default: the server's own site)")
    .option('--json', 'machine-readable output');
  for (const i of ITEMS) command = command.option(i.option, `a new ${i.name} port`);
  withConnectionOptions(command).action(async (options: PlanOptions) => {
    const query = new URLSearchParams();
    for (const i of ITEMS) {
      const value = options[i.item];
      if (value !== undefined) query.set(i.item, String(portOption(value, i.name)));
    }
    if ([...query.keys()].length === 0) {
      throw new SiteportError(
        'E_OPTION',
        'name at least one port to plan, e.g. siteport ports plan --http 8080 (items: --http, --https, --http-alternate, --https-alternate, --notification)',
      );
    }
    const client = await AdminClient.connect(options);
    const site =
      options.site !== undefined
        ? parseSiteCode(options.site, '--site')
        : (await client.request<{ siteCode: string }>('GET', '/health')).siteCode;
    const plan = await client.request<PortPlan>('GET', `/sites/${site}/reachability/plan?${query.toString()}`);
    if (options.json === true) printJson(plan);
    else printLines(formatPlan(plan));
  });
}
