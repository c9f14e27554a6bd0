import type { Command } from 'commander';
import {
  type ConsoleUserView,
  SiteportError,
  checkNewPassword,
  parseConsoleRole,
  parseSiteScope,
  parseUserName,
} from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, withConnectionOptions } from '../admin-client.js';
import { printJson, printLines, table } from '../format.js';

interface Flags extends AdminConnectionOptions {
  role?: string;
  sites?: string;
  passwordStdin?: boolean;
  json?: boolean;
}

/** Environment variable a script may pass the new account's password in (never as an argument: `ps` shows those). */
export const PASSWORD_ENV = 'SITEPORT_CONSOLE_PASSWORD';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function passwordOf(flags: Flags): Promise<string> {
  if (flags.passwordStdin === true) return checkNewPassword(await readStdin());
  const fromEnv = process.env[PASSWORD_ENV];
  if (fromEnv !== undefined) return checkNewPassword(fromEnv);
  throw new SiteportError(
    'E_OPTION',
    `give the password on standard input with --password-stdin, or in ${PASSWORD_ENV}`,
  );
}

/** `siteport console …`: local accounts of the web console. */
export function register(program: Command): void {
  const consoleCommand = program
    .command('console')
    .description('web console accounts (administrator, operator or read-only analyst, optionally limited to sites)');
  withConnectionOptions(
    consoleCommand
      .command('add-user')
      .description('create a console account')
      .argument('<name>', 'user name: letters, digits, ".", "_", "@", "-"')
      .option('--role <role>', 'administrator, operator or analyst', 'analyst')
      .option(
        '--sites <codes>',
        'limit the account to these sites, comma-separated (e.g. PS1,S01); all = every site',
        'all',
      )
      .option('--password-stdin', `read the password from standard input (else from ${PASSWORD_ENV})`)
      .option('--json', 'machine-readable output'),
  ).action(async (name: string, flags: Flags) => {
    const body = {
      user: parseUserName(name),
      role: parseConsoleRole(flags.role),
      sites: parseSiteScope(flags.sites ?? 'all', '--sites'),
      password: await passwordOf(flags),
    };
    const client = await AdminClient.connect(flags);
    const created = await client.request<ConsoleUserView>('POST', '/console/users', body);
    if (flags.json === true) printJson(created);
    else printLines(`console account ${created.user} (${created.role}) created`);
  });
  withConnectionOptions(
    consoleCommand.command('users').description('list console accounts').option('--json', 'machine-readable output'),
  ).action(async (flags: Flags) => {
    const client = await AdminClient.connect(flags);
    const { users } = await client.request<{ users: ConsoleUserView[] }>('GET', '/console/users');
    if (flags.json === true) printJson(users);
    else
      printLines(
        table(
          users.map((u) => [
            u.user,
            u.role,
            scopeText(u.sites),
            u.disabled ? 'disabled' : 'enabled',
            `created ${u.createdAt} by ${u.createdBy}`,
          ]),
        ),
      );
  });
  withConnectionOptions(
    consoleCommand
      .command('set-user')
      .description("change an account's role and/or site scope (takes effect at its next request)")
      .argument('<name>', 'the account')
      .option('--role <role>', 'administrator, operator or analyst')
      .option('--sites <codes>', 'limit to these sites, comma-separated; all = every site')
      .option('--json', 'machine-readable output'),
  ).action(async (name: string, flags: Flags) => {
    const body = {
      ...(flags.role === undefined ? {} : { role: parseConsoleRole(flags.role) }),
      ...(flags.sites === undefined ? {} : { sites: parseSiteScope(flags.sites, '--sites') }),
    };
    if (Object.keys(body).length === 0) throw new SiteportError('E_OPTION', 'give --role and/or --sites');
    await update(name, body, flags);
  });
  for (const [command, disabled, what] of [
    ['disable', true, 'disable an account: it cannot sign in and its sessions end at once'],
    ['enable', false, 'enable a disabled account again'],
  ] as const) {
    withConnectionOptions(
      consoleCommand
        .command(command)
        .description(what)
        .argument('<name>', 'the account')
        .option('--json', 'machine-readable output'),
    ).action((name: string, flags: Flags) => update(name, { disabled }, flags));
  }
  withConnectionOptions(
    consoleCommand
      .command('delete-user')
      .description('delete an account and end its sessions')
      .argument('<name>', 'the account'),
  ).action(async (name: string, flags: Flags) => {
    const client = await AdminClient.connect(flags);
    const { deleted } = await client.request<{ deleted: string }>('DELETE', `/console/users/${parseUserName(name)}`);
    printLines(`console account ${deleted} deleted`);
  });
  withConnectionOptions(
    consoleCommand
      .command('reset-password')
      .description("set a new password for an account; ends the account's sessions")
      .argument('<name>', 'the account')
      .option('--password-stdin', `read the password from standard input (else from ${PASSWORD_ENV})`),
  ).action(async (name: string, flags: Flags) => {
    const password = await passwordOf(flags);
    const client = await AdminClient.connect(flags);
    await client.request<ConsoleUserView>('POST', `/console/users/${parseUserName(name)}/password`, { password });
    printLines(`password of console account ${name} reset; its sessions ended`);
  });
}

const scopeText = (sites: string[] | null): string => (sites === null ? 'every site' : sites.join(','));

async function update(name: string, body: Record<string, unknown>, flags: Flags): Promise<void> {
  const client = await AdminClient.connect(flags);
  const user = await client.request<ConsoleUserView>('PATCH', `/console/users/${parseUserName(name)}`, body);
  if (flags.json === true) printJson(user);
  else
    printLines(
      `console account ${user.user}: ${user.role}, ${scopeText(user.sites)}, ${user.disabled ? 'disabled' : 'enabled'}`,
    );
}
