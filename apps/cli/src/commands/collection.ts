import type { Command } from 'commander';
import { type CollectionView, SiteportError, parseSiteCode } from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, withConnectionOptions } from '../admin-client.js';
import { printJson, printLines } from '../format.js';

interface Flags extends AdminConnectionOptions {
  site?: string;
  json?: boolean;
  hostGlob?: string;
  subnet?: string[];
  client?: string[];
  days?: string;
  start?: string;
  duration?: string;
  timeZone?: string;
}

async function siteOf(client: AdminClient, flags: Flags): Promise<string> {
  if (flags.site !== undefined) return parseSiteCode(flags.site, '--site');
  return (await client.request<{ siteCode: string }>('GET', '/health')).siteCode;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const ALL_DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** `mon-fri`, `sat,sun`, `daily` → day names; anything else is refused. */
function parseDays(text: string): string[] {
  if (text === 'daily') return [...ALL_DAYS];
  const days = new Set<string>();
  for (const part of text.toLowerCase().split(',')) {
    const range = /^([a-z]{3})-([a-z]{3})$/.exec(part);
    const [from, to] = range === null ? [part, part] : [range[1]!, range[2]!];
    const a = ALL_DAYS.indexOf(from);
    const b = ALL_DAYS.indexOf(to);
    if (a < 0 || b < 0) {
      throw new SiteportError(
        'E_OPTION',
        `--days takes day names (sun mon tue wed thu fri sat), ranges (mon-fri), lists (sat,sun) or daily, not ${text.slice(0, 40)}`,
      );
    }
    for (let i = a; ; i = (i + 1) % 7) {
      days.add(ALL_DAYS[i]!);
      if (i === b) break;
    }
  }
  return [...days];
}

/** `90`, `90m`, `2h`, `1h30m` → minutes. */
function parseDuration(text: string): number {
  const m = /^(?:(\d{1,2})h)?(?:(\d{1,4})m?)?$/.exec(text);
  if (m === null || (m[1] === undefined && m[2] === undefined))
    throw new SiteportError(
      'E_OPTION',
      `--duration takes minutes or hours (90, 90m, 2h, 1h30m), not ${text.slice(0, 40)}`,
    );
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

function describe(c: CollectionView): string[] {
  const rules = [
    ...(c.hostGlob === null ? [] : [`host ${c.hostGlob}`]),
    ...c.subnets.map((s) => `subnet ${s}`),
    ...(c.clientIds.length === 0 ? [] : [`${c.clientIds.length} client id(s)`]),
  ];
  const lines = [`collection ${c.name} (site ${c.siteCode}): ${c.members} member(s); ${rules.join(', ')}`];
  if (c.windows.length === 0)
    lines.push('  no maintenance window: a window-respecting rollout moves its clients at once');
  for (const w of c.windows) {
    const next =
      w.next === null
        ? 'no opening within 8 days'
        : w.next.open
          ? `open now until ${w.next.closesAt} UTC`
          : `next opens ${w.next.opensAt} UTC = ${w.next.local} ${w.timeZone}`;
    lines.push(`  window ${w.id}: ${w.days.join(',')} ${w.start} for ${w.durationMinutes} min ${w.timeZone}; ${next}`);
  }
  return lines;
}

/** `siteport collection …` and `siteport window …`: client collections and their maintenance windows (decision 0114). */
export function register(program: Command): void {
  const connected = (command: Command): Command =>
    withConnectionOptions(
      command
        .option('--site <code>', "site code (default: the server's own site)")
        .option('--json', 'machine-readable output'),
    );
  const collection = program
    .command('collection')
    .description('collections of clients that port rollouts move in their maintenance windows (create, list, delete)');
  connected(
    collection
      .command('create')
      .description('create a collection: a client matching any rule is a member; audited')
      .argument('<name>', 'letters, digits and . _ -, at most 64')
      .option('--host-glob <glob>', 'host names, with * and ? wildcards (e.g. "db-*.example.org")')
      .option('--subnet <cidr>', "a subnet of the clients' last address, e.g. 10.1.0.0/16 (repeatable)", collect)
      .option('--client <id>', 'an explicit client id (repeatable)', collect),
  ).action(async (name: string, flags: Flags) => {
    const client = await AdminClient.connect(flags);
    const view = await client.request<CollectionView>('POST', `/sites/${await siteOf(client, flags)}/collections`, {
      name,
      ...(flags.hostGlob === undefined ? {} : { hostGlob: flags.hostGlob }),
      ...(flags.subnet === undefined ? {} : { subnets: flags.subnet }),
      ...(flags.client === undefined ? {} : { clientIds: flags.client }),
    });
    if (flags.json === true) printJson(view);
    else printLines(...describe(view));
  });
  connected(collection.command('list').description("a site's collections with their members and windows")).action(
    async (flags: Flags) => {
      const client = await AdminClient.connect(flags);
      const { collections } = await client.request<{ collections: CollectionView[] }>(
        'GET',
        `/sites/${await siteOf(client, flags)}/collections`,
      );
      if (flags.json === true) printJson({ collections });
      else printLines(...(collections.length === 0 ? ['no collections'] : collections.flatMap(describe)));
    },
  );
  connected(
    collection.command('delete').description('delete a collection and its windows; audited').argument('<name>'),
  ).action(async (name: string, flags: Flags) => {
    const client = await AdminClient.connect(flags);
    const result = await client.request<{ deleted: string }>(
      'DELETE',
      `/sites/${await siteOf(client, flags)}/collections/${encodeURIComponent(name)}`,
    );
    if (flags.json === true) printJson(result);
    else printLines(`deleted collection ${result.deleted}`);
  });

  const window = program
    .command('window')
    .description(
      'maintenance windows of a collection: when a window-respecting rollout may move its clients (add, list, remove)',
    );
  connected(
    window
      .command('add')
      .description('add a recurring weekly window in an IANA time zone; audited')
      .argument('<collection>')
      .requiredOption('--days <days>', 'mon-fri, sat,sun, daily, …')
      .requiredOption('--start <HH:MM>', 'local time the window opens')
      .requiredOption('--duration <time>', 'how long it stays open: 90, 90m, 2h, 1h30m (at most 24 h)')
      .requiredOption('--time-zone <Area/City>', 'IANA time zone of --start (e.g. Europe/Berlin, UTC)'),
  ).action(async (name: string, flags: Flags) => {
    const body = {
      days: parseDays(flags.days ?? ''),
      start: flags.start,
      durationMinutes: parseDuration(flags.duration ?? ''),
      timeZone: flags.timeZone,
    };
    const client = await AdminClient.connect(flags);
    const view = await client.request<CollectionView>(
      'POST',
      `/sites/${await siteOf(client, flags)}/collections/${encodeURIComponent(name)}/windows`,
      body,
    );
    if (flags.json === true) printJson(view);
    else printLines(...describe(view));
  });
  connected(
    window.command('list').description("a collection's windows and when each opens next").argument('<collection>'),
  ).action(async (name: string, flags: Flags) => {
    const client = await AdminClient.connect(flags);
    const { collections } = await client.request<{ collections: CollectionView[] }>(
      'GET',
      `/sites/${await siteOf(client, flags)}/collections`,
    );
    const found = collections.find((c) => c.name === name);
    if (found === undefined)
      throw new SiteportError(
        'E_COLLECTION_NOT_FOUND',
        `no collection ${name.slice(0, 64)}; list them with siteport collection list`,
      );
    if (flags.json === true) printJson({ windows: found.windows });
    else printLines(...describe(found));
  });
  connected(
    window
      .command('remove')
      .description('remove a window from a collection; audited')
      .argument('<collection>')
      .argument('<window-id>'),
  ).action(async (name: string, id: string, flags: Flags) => {
    const client = await AdminClient.connect(flags);
    const view = await client.request<CollectionView>(
      'DELETE',
      `/sites/${await siteOf(client, flags)}/collections/${encodeURIComponent(name)}/windows/${encodeURIComponent(id)}`,
    );
    if (flags.json === true) printJson(view);
    else printLines(...describe(view));
  });
}
