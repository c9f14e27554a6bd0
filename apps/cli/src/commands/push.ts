// Over 300 lines: every `siteport push` subcommand and its options, one commander definition.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  type PushHostList,
  type PushHostView,
  type PushSettingsView,
  SiteportError,
  parseSiteCode,
} from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, nextCommand, withConnectionOptions } from '../admin-client.js';
import { printJson, printLines, table } from '../format.js';

interface PushOptions extends AdminConnectionOptions {
  site?: string;
  json?: boolean;
  user?: string;
  key?: string;
  passwordEnv?: string;
  hostKey?: string;
  installDir?: string;
  wait?: boolean;
  timeout?: string;
  file?: string;
}

/**
 * A subcommand's options merged with `push`'s: `push` declares the same flags (--site, --json,
 * --host-key, --data, …) and commander hands a flag to the parent that knows it, wherever it stands.
 */
function optionsOf(command: Command): PushOptions {
  return command.optsWithGlobals<PushOptions>();
}

async function siteOf(client: AdminClient, options: PushOptions): Promise<string> {
  if (options.site !== undefined) return parseSiteCode(options.site, '--site');
  return (await client.request<{ siteCode: string }>('GET', '/health')).siteCode;
}

/** `HOST` or `HOST:PORT` (IPv6 as `[addr]:port`) into the API's host object. */
export function hostArgument(word: string): { host: string; port?: number } {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(word);
  const plain = /^([^:]+)(?::(\d+))?$/.exec(word);
  const match = bracket ?? plain;
  if (match?.[1] === undefined)
    throw new SiteportError('E_OPTION', `expected HOST or HOST:PORT, got ${JSON.stringify(word)}`);
  return { host: match[1], ...(match[2] === undefined ? {} : { port: Number(match[2]) }) };
}

/** The write-only credential flags: --key FILE or --password-env VAR (a password never on the command line). */
function credential(options: PushOptions): Record<string, string> {
  const out: Record<string, string> = {};
  if (options.user !== undefined) out.user = options.user;
  if (options.key !== undefined && options.passwordEnv !== undefined)
    throw new SiteportError('E_OPTION', 'give --key or --password-env, not both');
  if (options.key !== undefined) {
    try {
      out.privateKey = readFileSync(options.key, 'utf8');
    } catch (error) {
      throw new SiteportError('E_OPTION', `cannot read --key ${options.key}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  if (options.passwordEnv !== undefined) {
    const value = process.env[options.passwordEnv];
    if (value === undefined || value === '')
      throw new SiteportError('E_OPTION', `--password-env ${options.passwordEnv}: that environment variable is empty`);
    out.password = value;
  }
  return out;
}

function describe(h: PushHostView, options: AdminConnectionOptions): string {
  switch (h.status) {
    case 'registered':
      return `registered as client ${h.clientId ?? '?'} (HTTP ${h.installedPorts?.http ?? '?'}, HTTPS ${h.installedPorts?.https ?? '?'})`;
    case 'new':
      return h.approval === 'candidate'
        ? `candidate: approve it before any connection (${nextCommand(options, 'push', 'approve', `${h.host}:${h.port}`)})`
        : h.status;
    case 'failed':
      return `failed: ${h.errorCode ?? ''}: ${h.reason ?? ''}${h.nextAttemptAt === null ? ' (no more retries)' : ` (next attempt ${h.nextAttemptAt})`}`;
    default:
      return h.status;
  }
}

function hostTable(hosts: readonly PushHostView[]): string[] {
  const rows = [['HOST', 'STATUS', 'ATTEMPTS', 'NEXT ATTEMPT', 'CLIENT', 'REASON']];
  for (const h of hosts) {
    rows.push([
      `${h.host}:${h.port}`,
      h.approval === 'candidate' ? 'candidate' : h.status,
      String(h.attempts),
      h.nextAttemptAt ?? '-',
      h.clientId ?? '-',
      h.reason ?? '',
    ]);
  }
  return table(rows);
}

async function waitForHosts(
  client: AdminClient,
  options: AdminConnectionOptions,
  code: string,
  ids: readonly string[],
  timeoutMs: number,
  json: boolean,
): Promise<PushHostView[]> {
  const deadline = Date.now() + timeoutMs;
  const shown = new Map<string, string>();
  for (;;) {
    const { hosts } = await client.request<PushHostList>('GET', `/sites/${code}/push/hosts`);
    const mine = hosts.filter((h) => ids.includes(h.id));
    for (const h of mine) {
      const line = describe(h, options);
      if (!json && shown.get(h.id) !== line) printLines(`${h.host}:${h.port}  ${line}`);
      shown.set(h.id, line);
    }
    // A failure is final for this run even when a retry is scheduled: the schedule goes on in the server.
    if (mine.every((h) => h.status === 'registered' || h.status === 'failed')) return mine;
    if (Date.now() > deadline) {
      throw new SiteportError(
        'E_PUSH_NOT_REGISTERED',
        `gave up watching after ${Math.round(timeoutMs / 1000)} s; the push goes on in the server: ${nextCommand(options, 'push', 'status')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

function hostOptions<T extends Command>(command: T): T {
  return command
    .option('--site <code>', "site code (default: the server's own site)")
    .option('--user <name>', 'SSH account on the target (default: the site push account)')
    .option('--key <file>', 'SSH private key file of the push account (stored encrypted, never shown again)')
    .option('--password-env <var>', 'use password authentication with the password in this environment variable')
    .option('--host-key <fingerprint>', 'pin the host key (SHA256:… as ssh-keygen -lf prints it)')
    .option('--install-dir <dir>', 'install root on the target (default /opt/siteport-agent)')
    .option('--json', 'machine-readable output');
}

/** `siteport push HOST… [--user] [--key]` and `siteport push hosts|add|settings`: client push installation. */
export function register(program: Command): void {
  const push = withConnectionOptions(
    hostOptions(
      program
        .command('push')
        .description(
          "install the client on hosts over SSH with the site's current ports, and show progress until each registers or fails",
        )
        .argument('[hosts...]', 'HOST or HOST:PORT (SSH port, default 22)')
        .option('--no-wait', 'queue the installs and return at once')
        .option('--timeout <seconds>', 'how long to show progress before returning', '600'),
    ),
  ).action(async (words: string[], options: PushOptions) => {
    if (words.length === 0)
      throw new SiteportError('E_OPTION', 'name at least one HOST, e.g. siteport push web1 --key ~/.ssh/push_ed25519');
    const extra = {
      ...credential(options),
      ...(options.hostKey === undefined ? {} : { hostKey: options.hostKey }),
      ...(options.installDir === undefined ? {} : { installDir: options.installDir }),
    };
    const hosts = words.map((w) => ({ ...hostArgument(w), ...extra, source: 'cli' }));
    const client = await AdminClient.connect(options);
    const code = await siteOf(client, options);
    const queued = await client.request<PushHostList>('POST', `/sites/${code}/push/install`, { hosts });
    if (options.wait === false) {
      if (options.json === true) printJson(queued);
      else printLines(hostTable(queued.hosts));
      return;
    }
    const timeout = Number(options.timeout ?? '600');
    if (!Number.isInteger(timeout) || timeout < 1)
      throw new SiteportError('E_OPTION', `--timeout must be a whole number of seconds, got ${options.timeout}`);
    const done = await waitForHosts(
      client,
      options,
      code,
      queued.hosts.map((h) => h.id),
      timeout * 1000,
      options.json === true,
    );
    if (options.json === true) printJson({ hosts: done });
    const failed = done.filter((h) => h.status !== 'registered');
    if (failed.length > 0) {
      throw new SiteportError(
        'E_PUSH_INSTALL',
        `${failed.length} of ${done.length} hosts failed: ${failed.map((h) => `${h.host}:${h.port} (${h.errorCode ?? '?'})`).join(', ')}`,
      );
    }
  });

  withConnectionOptions(
    push
      .command('status')
      .description('show the push host inventory with per-host status')
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (_local: PushOptions, command: Command) => {
    const options = optionsOf(command);
    const client = await AdminClient.connect(options);
    const list = await client.request<PushHostList>('GET', `/sites/${await siteOf(client, options)}/push/hosts`);
    if (options.json === true) printJson(list);
    else printLines(hostTable(list.hosts));
  });

  withConnectionOptions(
    hostOptions(
      push
        .command('add')
        .description('add hosts to the push inventory (with automatic push on, they get the client)')
        .argument('[hosts...]', 'HOST or HOST:PORT')
        .option('--file <file>', 'discovery file: one HOST[:PORT] per line, # comments'),
    ),
  ).action(async (words: string[], _local: PushOptions, command: Command) => {
    const options = optionsOf(command);
    const fromFile =
      options.file === undefined
        ? []
        : readFileSync(options.file, 'utf8')
            .split('\n')
            .map((l) => l.replace(/#.*/, '').trim())
            .filter((l) => l !== '');
    if (words.length + fromFile.length === 0)
      throw new SiteportError('E_OPTION', 'name at least one HOST or give --file');
    const extra = {
      ...credential(options),
      ...(options.installDir === undefined ? {} : { installDir: options.installDir }),
    };
    const hosts = [
      ...words.map((w) => ({ ...hostArgument(w), source: 'cli' })),
      ...fromFile.map((w) => ({ ...hostArgument(w), source: 'file' })),
    ].map((h) => ({ ...h, ...extra }));
    const client = await AdminClient.connect(options);
    const list = await client.request<PushHostList>('POST', `/sites/${await siteOf(client, options)}/push/hosts`, {
      hosts,
    });
    if (options.json === true) printJson(list);
    else printLines(hostTable(list.hosts));
  });

  withConnectionOptions(
    push
      .command('approve')
      .description(
        'approve push hosts: a candidate (from a client report or a scan) becomes a target, optionally pinning the host key you checked; queues an install',
      )
      .argument('<hosts...>', 'HOST or HOST:PORT as the inventory lists it')
      .option(
        '--host-key <fingerprint>',
        'pin this host key (SHA256:… as ssh-keygen -lf prints it on the host); one host only',
      )
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (words: string[], _local: PushOptions, command: Command) => {
    const options = optionsOf(command);
    if (options.hostKey !== undefined && words.length !== 1)
      throw new SiteportError('E_OPTION', '--host-key pins one host; name exactly one HOST');
    const client = await AdminClient.connect(options);
    const code = await siteOf(client, options);
    const { hosts } = await client.request<PushHostList>('GET', `/sites/${code}/push/hosts`);
    const targets = words.map((w) => {
      const { host, port } = hostArgument(w);
      const found = hosts.filter((h) => h.host === host.toLowerCase() && (port === undefined || h.port === port));
      if (found.length !== 1) {
        throw new SiteportError(
          'E_PUSH_HOST_NOT_FOUND',
          found.length === 0
            ? `${w} is not in the push inventory; see ${nextCommand(options, 'push', 'status')}`
            : `${w} is listed on ${found.length} ports; name HOST:PORT`,
        );
      }
      return found[0]!;
    });
    const body = options.hostKey === undefined ? {} : { hostKey: options.hostKey };
    const approved: PushHostView[] = [];
    for (const h of targets)
      approved.push(await client.request<PushHostView>('POST', `/sites/${code}/push/hosts/${h.id}/approve`, body));
    if (options.json === true) printJson({ hosts: approved });
    else printLines(hostTable(approved));
  });

  const settings = push.command('settings').description("read or change the site's push settings");
  withConnectionOptions(
    settings
      .command('show')
      .description("show the site's push settings (the credential's secret never)")
      .option('--site <code>', 'site code')
      .option('--json', 'machine-readable output'),
  ).action(async (_local: PushOptions, command: Command) => {
    const options = optionsOf(command);
    const client = await AdminClient.connect(options);
    const view = await client.request<PushSettingsView>('GET', `/sites/${await siteOf(client, options)}/push/settings`);
    printJson(view);
  });
  withConnectionOptions(
    hostOptions(
      settings
        .command('set')
        .description(
          'KEY=VALUE with keys autoPush, retryIntervalSeconds, retryForSeconds, registrationTimeoutSeconds, acceptNewHostKeys, managementPoint, defaultInstallDir',
        )
        .argument('[assignments...]', 'e.g. autoPush=true retryIntervalSeconds=3600'),
    ),
  ).action(async (assignments: string[], _local: PushOptions, command: Command) => {
    const options = optionsOf(command);
    const body: Record<string, unknown> = { ...credential(options) };
    for (const word of assignments) {
      const at = word.indexOf('=');
      if (at < 1) throw new SiteportError('E_OPTION', `expected KEY=VALUE, got ${JSON.stringify(word)}`);
      const value = word.slice(at + 1);
      body[word.slice(0, at)] =
        value === 'true' ? true : value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value;
    }
    if (Object.keys(body).length === 0)
      throw new SiteportError('E_OPTION', 'name at least one KEY=VALUE, --user or --key');
    const client = await AdminClient.connect(options);
    printJson(
      await client.request<PushSettingsView>('PATCH', `/sites/${await siteOf(client, options)}/push/settings`, body),
    );
  });
}
