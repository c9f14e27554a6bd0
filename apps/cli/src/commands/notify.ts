import type { Command } from 'commander';
import { type NotifyBody, type NotifyResult, NOTIFY_ACTIONS, SiteportError, isNotifyAction } from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, withConnectionOptions } from '../admin-client.js';
import { refuseFailed } from '../client-outcomes.js';
import { printJson, printLines, table } from '../format.js';

interface NotifyOptions extends AdminConnectionOptions {
  action: string;
  all?: boolean;
  payload?: string;
  wait?: string;
  json?: boolean;
}

/** Parses `--wait` (seconds, 0–25 so the admin call stays within its 30 s timeout). */
export function parseWait(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || n > 25)
    throw new SiteportError('E_OPTION', `--wait must be seconds from 0 to 25, got ${JSON.stringify(text)}`);
  return n;
}

function parsePayload(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SiteportError(
      'E_OPTION',
      `--payload must be JSON, e.g. '{"http":{"default":8080,"alternate":null},"https":{"default":8443,"alternate":null}}'`,
      { cause: error },
    );
  }
}

/** `siteport notify CLIENT… --action …`: pushes an action through the notification channel. */
export function register(program: Command): void {
  withConnectionOptions(
    program
      .command('notify')
      .description(
        'push an action to clients over the notification channel (TCP, or their HTTP(S) long-poll); per-client results',
      )
      .argument('[clients...]', 'client ids')
      .requiredOption('--action <name>', `one of ${NOTIFY_ACTIONS.join(', ')}`)
      .option('--all', 'every client that is online now')
      .option(
        '--payload <json>',
        'action payload (switch-ports: {http,https,notification?}; wake-neighbour: {macs,address,port,broadcast})',
      )
      .option('--wait <seconds>', 'how long to wait for acknowledgements (default 10)')
      .option('--json', 'machine-readable output'),
  ).action(async (clients: string[], options: NotifyOptions) => {
    if (!isNotifyAction(options.action))
      throw new SiteportError(
        'E_OPTION',
        `--action must be one of ${NOTIFY_ACTIONS.join(', ')}, got ${JSON.stringify(options.action)}`,
      );
    if (clients.length === 0 && options.all !== true)
      throw new SiteportError('E_OPTION', 'name at least one client id, or pass --all');
    const body: NotifyBody = { action: options.action };
    if (clients.length > 0) body.clients = clients;
    if (options.all === true) body.all = true;
    const payload = parsePayload(options.payload);
    if (payload !== undefined) body.payload = payload;
    const wait = parseWait(options.wait);
    if (wait !== undefined) body.waitSeconds = wait;
    const admin = await AdminClient.connect(options);
    const result = await admin.request<NotifyResult>('POST', '/notify', body);
    if (options.json === true) printJson(result);
    else {
      const rows = [
        ['CLIENT', 'OUTCOME', 'VIA', 'ERROR'],
        ...result.results.map((r) => [
          r.clientId,
          r.outcome,
          r.via ?? '-',
          r.error === undefined ? '' : `${r.error.code}: ${r.error.message}`,
        ]),
      ];
      printLines(table(rows));
    }
    refuseFailed(
      result.results,
      (outcome) => outcome === 'acknowledged',
      { code: 'E_MP_UNREACHABLE', verb: `did not acknowledge ${options.action}` },
      options,
    );
  });
}
