import type { Command } from 'commander';
import {
  type CreatedToken,
  SiteportError,
  type TokenView,
  isSiteportError,
  parseSiteScope,
  parseTokenExpiry,
  parseTokenName,
  parseTokenRole,
} from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, withConnectionOptions } from '../admin-client.js';
import { printJson, printLines, table } from '../format.js';

interface Flags extends AdminConnectionOptions {
  role?: string;
  sites?: string;
  expires?: string;
  json?: boolean;
}

/** A flag that does not parse is bad usage (exit 2), whatever the parser's own code. */
function flag<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (isSiteportError(error)) throw new SiteportError('E_OPTION', `${name}: ${error.message}`, { cause: error });
    throw error;
  }
}

const scopeText = (sites: string[] | null): string => (sites === null ? 'every site' : sites.join(','));

/** `siteport token …`: API tokens of the admin API (decision 0094); administrators only. */
export function register(program: Command): void {
  const token = program
    .command('token')
    .description('API tokens: create (the secret is shown once), list, revoke; rotate the bootstrap token');
  withConnectionOptions(
    token
      .command('create')
      .description('create an API token with a role, optional site scope and expiry; prints its secret once')
      .argument('<name>', 'token name, audited as token:<name>: letters, digits, ".", "_", "@", "-"')
      .requiredOption('--role <role>', 'administrator, operator, analyst, secondary, peer or gateway')
      .option('--sites <codes>', 'limit to these sites, comma-separated (e.g. PS1,S01); all = every site', 'all')
      .option(
        '--expires <when>',
        'never, a duration from now (90m, 12h, 30d) or a date-time like 2026-01-31T18:00:00Z',
        'never',
      )
      .option('--json', 'machine-readable output (includes the secret)'),
  ).action(async (name: string, flags: Flags) => {
    const body = {
      name: flag('<name>', () => parseTokenName(name)),
      role: flag('--role', () => parseTokenRole(flags.role)),
      sites: flag('--sites', () => parseSiteScope(flags.sites ?? 'all', '--sites')),
      expiresAt: flag('--expires', () => parseTokenExpiry(flags.expires ?? 'never', new Date())),
    };
    const client = await AdminClient.connect(flags);
    const created = await client.request<CreatedToken>('POST', '/tokens', body);
    if (flags.json === true) {
      printJson(created);
      return;
    }
    printLines(
      `token ${created.name} created: id ${created.id}, ${created.role}, ${scopeText(created.sites)}, expires ${created.expiresAt ?? 'never'}`,
      'secret (shown only now; keep it in a file only you can read):',
      created.secret,
    );
  });
  withConnectionOptions(
    token
      .command('list')
      .description('list API tokens (never their secrets)')
      .option('--json', 'machine-readable output'),
  ).action(async (flags: Flags) => {
    const client = await AdminClient.connect(flags);
    const { tokens } = await client.request<{ tokens: TokenView[] }>('GET', '/tokens');
    if (flags.json === true) {
      printJson(tokens);
      return;
    }
    const rows = [
      ['ID', 'NAME', 'ROLE', 'SITES', 'STATE', 'EXPIRES', 'CREATED BY'],
      ...tokens.map((t) => [t.id, t.name, t.role, scopeText(t.sites), t.state, t.expiresAt ?? 'never', t.createdBy]),
    ];
    printLines(tokens.length === 0 ? 'no API tokens' : table(rows));
  });
  withConnectionOptions(
    token
      .command('revoke')
      .description('revoke an API token; it is refused from the next request on')
      .argument('<id-or-name>', 'token id, or the name of an active token')
      .option('--json', 'machine-readable output'),
  ).action(async (ref: string, flags: Flags) => {
    const client = await AdminClient.connect(flags);
    const revoked = await client.request<TokenView>('DELETE', `/tokens/${encodeURIComponent(ref)}`);
    if (flags.json === true) printJson(revoked);
    else
      printLines(
        `token ${revoked.name} (id ${revoked.id}) revoked at ${revoked.revokedAt ?? '?'} by ${revoked.revokedBy ?? '?'}`,
      );
  });
  withConnectionOptions(
    token
      .command('rotate-bootstrap')
      .description('replace the bootstrap token in <data dir>/admin-token; the old one is refused at once')
      .option('--json', 'machine-readable output'),
  ).action(async (flags: Flags) => {
    const client = await AdminClient.connect(flags);
    const rotated = await client.request<{ file: string }>('POST', '/tokens/bootstrap/rotate');
    if (flags.json === true) printJson(rotated);
    else printLines(`bootstrap token replaced; the new one is in ${rotated.file} on the server`);
  });
}
