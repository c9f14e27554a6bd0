import type { Command } from 'commander';
import {
  type PortChangeResult,
  type PortsView,
  SiteportError,
  isEmptyChange,
  parsePortAssignments,
  parseSiteCode,
} from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, nextCommand, withConnectionOptions } from '../admin-client.js';
import { printJson, printLines, table } from '../format.js';
import { setAllPrimaries } from './ports-all-primaries.js';
import { registerFirewall } from './ports-firewall.js';
import { registerPlan } from './ports-plan.js';

interface PortsOptions extends AdminConnectionOptions {
  allPrimaries?: boolean;
  site?: string;
  json?: boolean;
  description?: string[];
  expectVersion?: string;
}

async function siteOf(client: AdminClient, options: PortsOptions): Promise<string> {
  if (options.site !== undefined) return parseSiteCode(options.site, '--site');
  return (await client.request<{ siteCode: string }>('GET', '/health')).siteCode;
}

/** The Ports tab as text. */
export function formatPorts(view: PortsView): string[] {
  const d = view.descriptions;
  const show = (port: number | null): string => (port === null ? '-' : String(port));
  const rows = [
    ['ITEM', 'PORT', 'DESCRIPTION'],
    ['http', show(view.http.default), d.http],
    ['http-alternate', show(view.http.alternate), d['http-alternate']],
    ['https', show(view.https.default), d.https],
    ['https-alternate', show(view.https.alternate), d['https-alternate']],
    ['notification', `${view.notification}/tcp`, d.notification],
    ['wake', `${view.wake}/udp`, d.wake],
  ];
  const lines = [
    `Site ${view.siteCode}: client communication ports (version ${view.version}, changed ${view.updatedAt})`,
    ...table(rows),
    `custom web site (SMSWeb): ${view.customWebSite ? 'yes' : 'no'}`,
    `client communication mode: ${view.communicationMode}`,
  ];
  for (const o of view.overlap)
    lines.push(`still serving old ${o.protocol.toUpperCase()} port ${o.port} until ${o.until}`);
  if (view.inheritedFrom !== undefined)
    lines.push(
      `inherited from primary site ${view.inheritedFrom}: read-only here, change them on ${view.inheritedFrom}`,
    );
  return lines;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `siteport ports show|set`: read and change a site's ports through the admin API. */
export function register(program: Command): void {
  const ports = program.command('ports').description("read or change a site's client communication ports");

  withConnectionOptions(
    ports
      .command('show')
      .description("show a site's port settings")
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (options: PortsOptions) => {
    const client = await AdminClient.connect(options);
    const view = await client.request<PortsView>('GET', `/sites/${await siteOf(client, options)}/ports`);
    if (options.json === true) printJson(view);
    else printLines(formatPorts(view));
  });

  withConnectionOptions(
    ports
      .command('set')
      .description(
        'change port settings: ITEM=VALUE with items http, http-alternate, https, https-alternate, notification, wake, custom-web-site, communication-mode',
      )
      .argument('[assignments...]', 'e.g. http=8080 http-alternate=none custom-web-site=true')
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--description <item=text>', 'set an item description (repeatable)', collect)
      .option('--expect-version <n>', 'refuse if the settings are no longer at this version')
      .option('--all-primaries', 'apply the change to this primary site and every peer primary (one result per site)')
      .option('--json', 'machine-readable output'),
  ).action(async (assignments: string[], options: PortsOptions) => {
    const change = parsePortAssignments(assignments, options.description ?? []);
    if (isEmptyChange(change))
      throw new SiteportError('E_OPTION', 'name at least one ITEM=VALUE to change, e.g. siteport ports set http=8080');
    if (options.allPrimaries === true) {
      if (options.expectVersion !== undefined || options.site !== undefined)
        throw new SiteportError('E_OPTION', '--all-primaries cannot be combined with --expect-version or --site');
      await setAllPrimaries(await AdminClient.connect(options), change, options.json === true);
      return;
    }
    if (options.expectVersion !== undefined) change.expectedVersion = Number(options.expectVersion);
    const client = await AdminClient.connect(options);
    const result = await client.request<PortChangeResult>(
      'PATCH',
      `/sites/${await siteOf(client, options)}/ports`,
      change,
    );
    if (options.json === true) {
      printJson(result);
      return;
    }
    printLines(
      formatPorts(result.ports),
      result.warnings.map((warning) => `warning: ${warning.message}`),
      result.rolloutId === null
        ? []
        : [
            `the change is rolling out as ${result.rolloutId}: ${nextCommand(options, 'rollout', 'show', result.rolloutId)}`,
          ],
    );
  });

  registerFirewall(ports);
  registerPlan(ports);
}
