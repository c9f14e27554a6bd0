import type { Command } from 'commander';
import {
  type ImpactReport,
  type RolloutView,
  SiteportError,
  isEmptyChange,
  parsePortAssignments,
  parseSiteCode,
} from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, nextCommand, withConnectionOptions } from '../admin-client.js';
import { printJson, printLines } from '../format.js';
import { formatImpact, formatRollout } from '../impact-format.js';

interface Flags extends AdminConnectionOptions {
  site?: string;
  json?: boolean;
  preflight?: boolean;
  deadline?: string;
  force?: boolean;
  description?: string[];
  at?: string;
  timeZone?: string;
  respectWindows?: boolean;
}

async function siteOf(client: AdminClient, flags: Flags): Promise<string> {
  if (flags.site !== undefined) return parseSiteCode(flags.site, '--site');
  return (await client.request<{ siteCode: string }>('GET', '/health')).siteCode;
}

function changeOf(assignments: string[], flags: Flags) {
  const change = parsePortAssignments(assignments, flags.description ?? []);
  if (isEmptyChange(change)) throw new SiteportError('E_OPTION', 'name at least one ITEM=VALUE, e.g. http=8080');
  return change;
}

function show(flags: Flags, value: unknown, lines: readonly string[]): void {
  if (flags.json === true) printJson(value);
  else printLines(lines);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `siteport rollout …` and `siteport ports impact`: tracked port changes. */
export function register(program: Command): void {
  const rollout = program
    .command('rollout')
    .description('tracked port changes: propose, pre-flight, commit, watch, finalize, roll back');
  const connected = (command: Command): Command =>
    withConnectionOptions(command.option('--json', 'machine-readable output'));

  connected(
    rollout
      .command('propose')
      .description('propose a port change; nothing is announced until commit')
      .argument('<assignments...>', 'ITEM=VALUE, e.g. http=8080 https=8443')
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--preflight', 'open the new ports in probe mode; clients report whether they reach them')
      .option('--deadline <seconds>', 'close the old ports at the latest after this long (default one day)')
      .option(
        '--at <time>',
        'schedule the start: ISO-8601 with an offset (2026-12-05T02:00+01:00, …Z) or a local time with --time-zone',
      )
      .option('--time-zone <Area/City>', 'IANA time zone of a local --at time (also shown beside UTC)')
      .option(
        '--respect-windows',
        'clients of collections with maintenance windows keep the old ports until one of their windows opens (default deadline 8 days)',
      )
      .option('--description <item=text>', 'set an item description (repeatable)', collect),
  ).action(async (assignments: string[], flags: Flags) => {
    const change = changeOf(assignments, flags);
    if (flags.timeZone !== undefined && flags.at === undefined)
      throw new SiteportError('E_OPTION', '--time-zone goes with --at: give the start time too');
    const client = await AdminClient.connect(flags);
    const site = await siteOf(client, flags);
    const body = {
      change,
      ...(flags.preflight === true ? { preflight: true } : {}),
      ...(flags.respectWindows === true ? { respectWindows: true } : {}),
      ...(flags.at === undefined
        ? {}
        : { start: { at: flags.at, ...(flags.timeZone === undefined ? {} : { timeZone: flags.timeZone }) } }),
      ...(flags.deadline === undefined ? {} : { deadlineSeconds: Number(flags.deadline) }),
    };
    const created = await client.request<RolloutView>('POST', `/sites/${site}/rollouts`, body);
    const impact = await client.request<ImpactReport>('GET', `/rollouts/${created.id}/impact`);
    show(flags, { rollout: created, impact }, [
      ...formatRollout(created),
      ...formatImpact(impact),
      created.state === 'scheduled'
        ? `starts by itself; to call it off: ${nextCommand(flags, 'rollout', 'cancel', created.id)}`
        : `next: ${nextCommand(flags, 'rollout', 'commit', created.id)}`,
    ]);
  });

  connected(
    rollout.command('list').description("a site's rollouts, newest first").option('--site <code>', 'site code'),
  ).action(async (flags: Flags) => {
    const client = await AdminClient.connect(flags);
    const { rollouts } = await client.request<{ rollouts: RolloutView[] }>(
      'GET',
      `/sites/${await siteOf(client, flags)}/rollouts`,
    );
    show(flags, { rollouts }, rollouts.length === 0 ? ['no rollouts'] : rollouts.flatMap(formatRollout));
  });

  connected(rollout.command('show').description('one rollout with its progress').argument('<id>')).action(
    async (id: string, flags: Flags) => {
      const client = await AdminClient.connect(flags);
      const view = await client.request<RolloutView>('GET', `/rollouts/${encodeURIComponent(id)}`);
      show(flags, view, formatRollout(view));
    },
  );

  connected(
    rollout.command('impact').description('impact report of a rollout, with pre-flight results').argument('<id>'),
  ).action(async (id: string, flags: Flags) => {
    const client = await AdminClient.connect(flags);
    const report = await client.request<ImpactReport>('GET', `/rollouts/${encodeURIComponent(id)}/impact`);
    show(flags, report, formatImpact(report));
  });

  for (const [name, what] of [
    ['commit', 'announce the new ports; the old ones stay served until every active client moved'],
    ['cancel', 'drop a rollout that was not committed (or a scheduled one before it starts)'],
    ['rollback', 'make the old ports current again; moved clients come back'],
  ] as const) {
    connected(rollout.command(name).description(what).argument('<id>')).action(async (id: string, flags: Flags) => {
      const client = await AdminClient.connect(flags);
      const view = await client.request<RolloutView>('POST', `/rollouts/${encodeURIComponent(id)}/${name}`, {});
      show(flags, view, formatRollout(view));
    });
  }

  connected(
    rollout
      .command('finalize')
      .description('close the ports clients are leaving (refused while active clients remain, unless --force)')
      .argument('<id>')
      .option('--force', 'close them anyway; the clients still on them are stranded'),
  ).action(async (id: string, flags: Flags) => {
    const client = await AdminClient.connect(flags);
    const view = await client.request<RolloutView>('POST', `/rollouts/${encodeURIComponent(id)}/finalize`, {
      force: flags.force === true,
    });
    show(flags, view, formatRollout(view));
  });

  const ports = program.commands.find((c) => c.name() === 'ports') ?? program.command('ports');
  connected(
    ports
      .command('impact')
      .description(
        'impact of a port change before making it: who learns the new ports how, who is at risk, remediation',
      )
      .argument('<assignments...>', 'ITEM=VALUE, e.g. http=8080')
      .option('--site <code>', "site code (default: the server's own site)"),
  ).action(async (assignments: string[], flags: Flags) => {
    const client = await AdminClient.connect(flags);
    const report = await client.request<ImpactReport>(
      'POST',
      `/sites/${await siteOf(client, flags)}/impact`,
      changeOf(assignments, flags),
    );
    show(flags, report, formatImpact(report));
  });
}
