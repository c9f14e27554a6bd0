import type { Command } from 'commander';
import {
  CLIENT_ACTIONS,
  CLIENT_STATUSES,
  type ClientActionResult,
  CLIENT_ACTIVITIES,
  CLIENT_CHANNELS,
  CLIENT_PAGE_DEFAULT_LIMIT,
  CLIENT_PAGE_MAX_LIMIT,
  type ClientList,
  type ClientListQueryName,
  SiteportError,
} from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, nextCommand, withConnectionOptions } from '../admin-client.js';
import { printJson, printLines, table } from '../format.js';
import { siteOf } from './registration.js';

interface ListOptions extends AdminConnectionOptions {
  site?: string;
  status?: string;
  activity?: string;
  channel?: string;
  port?: string;
  lastSeenBefore?: string;
  lastSeenAfter?: string;
  limit?: string;
  cursor?: string;
  all?: boolean;
  json?: boolean;
}

/** The list's options and the query parameter each becomes (the server validates the values). */
const FILTER_OPTIONS: readonly [keyof ListOptions, ClientListQueryName, string][] = [
  ['status', 'status', '--status'],
  ['activity', 'activity', '--activity'],
  ['channel', 'channel', '--channel'],
  ['port', 'port', '--port'],
  ['lastSeenBefore', 'lastSeenBefore', '--last-seen-before'],
  ['lastSeenAfter', 'lastSeenAfter', '--last-seen-after'],
];

/** A server refusal of a query parameter, told with the option that set it. */
function asOptionError(error: unknown): unknown {
  if (!(error instanceof SiteportError) || error.code !== 'E_VALIDATION') return error;
  const field = error.details?.field;
  const option = [...FILTER_OPTIONS, ['limit', 'limit', '--limit'] as const].find(([, name]) => name === field)?.[2];
  if (option === undefined) return error;
  return new SiteportError('E_OPTION', `${option}: ${error.message}`, { cause: error });
}

function wholeNumber(option: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= max))
    throw new SiteportError(
      'E_OPTION',
      `${option} must be a whole number from 1 to ${max}, got ${JSON.stringify(text)}`,
    );
  return n;
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
      .description(
        `list the clients of a site with registration status, last contact and state, a page at a time (${CLIENT_PAGE_DEFAULT_LIMIT} unless --limit; --all for every page)`,
      )
      .option('--status <status>', `only clients in this status: ${CLIENT_STATUSES.join(', ')}`)
      .option(
        '--activity <activity>',
        `only clients seen within the active window or not: ${CLIENT_ACTIVITIES.join(', ')}`,
      )
      .option('--channel <channel>', `only clients reachable now over: ${CLIENT_CHANNELS.join(', ')}`)
      .option('--port <port>', 'only clients whose last request came in on this port')
      .option(
        '--last-seen-before <time>',
        'only clients last seen before this ISO 8601 time (2026-01-31 or 2026-01-31T08:00:00Z)',
      )
      .option('--last-seen-after <time>', 'only clients last seen at or after this ISO 8601 time')
      .option('--limit <n>', `clients per page, 1 to ${CLIENT_PAGE_MAX_LIMIT} (default ${CLIENT_PAGE_DEFAULT_LIMIT})`)
      .option('--cursor <cursor>', 'start at this page (the next-page cursor a previous listing printed)')
      .option('--all', 'every page, one after another (from --cursor when given)')
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
    const limit = wholeNumber('--limit', options.limit, CLIENT_PAGE_MAX_LIMIT);
    const query = new URLSearchParams();
    for (const [key, name] of FILTER_OPTIONS) {
      const value = options[key];
      if (typeof value === 'string') query.set(name, value);
    }
    // --all without --limit reads the largest pages: fewer round trips.
    const pageSize = limit ?? (options.all === true ? CLIENT_PAGE_MAX_LIMIT : undefined);
    if (pageSize !== undefined) query.set('limit', String(pageSize));
    const client = await AdminClient.connect(options);
    const code = await siteOf(client, options.site);
    const shown: ClientList['clients'] = [];
    let page: ClientList;
    let cursor = options.cursor;
    do {
      const q = new URLSearchParams(query);
      if (cursor !== undefined) q.set('cursor', cursor);
      page = await client
        .request<ClientList>('GET', `/sites/${code}/clients?${q.toString()}`)
        .catch((error: unknown) => {
          throw asOptionError(error);
        });
      shown.push(...page.clients);
      cursor = page.nextCursor;
    } while (options.all === true && cursor !== undefined);
    if (options.json === true) {
      printJson({
        clients: shown,
        activeWindowSeconds: page.activeWindowSeconds,
        ...(cursor === undefined ? {} : { nextCursor: cursor }),
      });
      return;
    }
    const rows = [
      ['CLIENT', 'HOST', 'STATUS', 'ACTIVITY', 'LAST CONTACT', 'PORT', 'ADDRESS', 'AGENT STATE'],
      ...shown.map((c) => [
        c.clientId,
        c.hostname,
        c.status,
        c.activity,
        c.lastContact?.at ?? 'never',
        c.lastContact === null ? '-' : `${c.lastContact.protocol}:${c.lastContact.port}`,
        c.lastContact?.address ?? '-',
        c.agentState,
      ]),
    ];
    printLines(shown.length === 0 ? 'no clients' : table(rows));
    if (cursor !== undefined) {
      const words: string[] = ['clients', 'list'];
      for (const [key, , option] of FILTER_OPTIONS) {
        const value = options[key];
        if (typeof value === 'string') words.push(option, value);
      }
      if (limit !== undefined) words.push('--limit', String(limit));
      if (options.site !== undefined) words.push('--site', options.site);
      printLines(`more clients: ${nextCommand(options, ...words, '--cursor', cursor)} (or --all)`);
    }
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
