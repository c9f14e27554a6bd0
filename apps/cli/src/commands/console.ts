import type { Command } from 'commander';
import { type ConsoleUserView, SiteportError, parseConsoleRole, parseNewPassword, parseUserName } from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, withConnectionOptions } from '../admin-client.js';
import { printJson, printLines, table } from '../format.js';

interface Flags extends AdminConnectionOptions {
  role?: string;
  passwordStdin?: boolean;
  json?: boolean;
}

/** Environment variable a script may pass the new account's password in (never as an argument: `ps` shows those). */
export const PASSWORD_ENV = 'SITEPORT_CONSOLE_PASSWORD';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function passwordOf(flags: Flags): Promise<string> {
  if (flags.passwordStdin === true) return parseNewPassword(await readStdin());
  const fromEnv = process.env[PASSWORD_ENV];
  if (fromEnv !== undefined) return parseNewPassword(fromEnv);
  throw new SiteportError('E_OPTION', `give the password on standard input with --password-stdin, or in ${PASSWORD_ENV}`);
}

/** `siteport console …`: local accounts of the web console. */
export function register(program: Command): void {
  const consoleCommand = program.command('console').description('web console accounts (administrator or read-only analyst)');
  withConnectionOptions(
    consoleCommand
      .command('add-user')
      .description('create a console account')
      .argument('<name>', 'user name: letters, digits, ".", "_", "@", "-"')
      .option('--role <role>', 'administrator or analyst', 'analyst')
      .option('--password-stdin', `read the password from standard input (else from ${PASSWORD_ENV})`)
      .option('--json', 'machine-readable output'),
  ).action(async (name: string, flags: Flags) => {
    const body = { user: parseUserName(name), role: parseConsoleRole(flags.role), password: await passwordOf(flags) };
    const client = await AdminClient.connect(flags);
    const created = await client.request<ConsoleUserView>('POST', '/console/users', body);
    if (flags.json === true) printJson(created);
    else printLines(`console account ${created.user} (${created.role}) created`);
  });
  withConnectionOptions(consoleCommand.command('users').description('list console accounts').option('--json', 'machine-readable output')).action(async (flags: Flags) => {
    const client = await AdminClient.connect(flags);
    const { users } = await client.request<{ users: ConsoleUserView[] }>('GET', '/console/users');
    if (flags.json === true) printJson(users);
    else printLines(table(users.map((u) => [u.user, u.role, `created ${u.createdAt} by ${u.createdBy}`])));
  });
}
