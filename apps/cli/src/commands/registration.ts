import type { Command } from 'commander';
import {
  MAX_TOKEN_SECONDS,
  REGISTRATION_MODES,
  type RegistrationView,
  SiteportError,
  type RegistrationTokenCreateBody,
  type RegistrationTokenCreated,
  type RegistrationTokenList,
  type RegistrationTokenView,
  isRegistrationMode,
  parseSiteCode,
} from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, withConnectionOptions } from '../admin-client.js';
import { printJson, printLines, table } from '../format.js';

interface SiteOptions extends AdminConnectionOptions {
  site?: string;
  json?: boolean;
}

interface TokenCreateOptions extends SiteOptions {
  uses?: string;
  expires?: string;
  label?: string;
  anySite?: boolean;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Parses `--expires`: seconds, or a number with s, m, h or d (`7d`), from 60 s to 365 d. */
export function parseExpiry(text: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text);
  const seconds = match === null ? Number.NaN : Number(match[1]) * (UNITS[match[2] || 's'] ?? 1);
  if (!Number.isInteger(seconds) || seconds < 60 || seconds > MAX_TOKEN_SECONDS) {
    throw new SiteportError(
      'E_OPTION',
      `--expires must be a lifetime from 60s to 365d, like 3600, 90m, 12h or 7d; got ${JSON.stringify(text)}`,
    );
  }
  return seconds;
}

/** The site to act on: `--site`, else the server's own site. */
export async function siteOf(client: AdminClient, site: string | undefined): Promise<string> {
  if (site !== undefined) return parseSiteCode(site, '--site');
  return (await client.request<{ siteCode: string }>('GET', '/health')).siteCode;
}

function formatView(v: RegistrationView): string[] {
  const c = v.clients;
  return [
    `Site ${v.siteCode}: registration mode ${v.mode}${v.updatedBy === null ? ' (default)' : ` (set by ${v.updatedBy} at ${v.updatedAt ?? '-'})`}`,
    `clients: ${c.active} active, ${c.pending} pending approval, ${c.blocked} blocked, ${c.retired} retired`,
  ];
}

function tokenRows(tokens: readonly RegistrationTokenView[]): string[] {
  const rows = [
    ['ID', 'STATE', 'USES', 'EXPIRES', 'SITE', 'LABEL', 'CREATED BY'],
    ...tokens.map((t) => [
      t.id,
      t.state,
      `${t.uses}/${t.maxUses}`,
      t.expiresAt,
      t.siteCode ?? 'any',
      t.label || '-',
      t.createdBy,
    ]),
  ];
  return table(rows);
}

/**
 * `siteport registration show|set|token …`: who may become a client of a site (decision 0095) —
 * the registration mode and registration tokens, through the admin API.
 */
export function register(program: Command): void {
  const registration = program
    .command('registration')
    .description(
      'who may become a client of a site: registration mode (open, approve-new, token) and registration tokens',
    );

  withConnectionOptions(
    registration
      .command('show')
      .description("show a site's registration mode and its clients per registration status")
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (options: SiteOptions) => {
    const client = await AdminClient.connect(options);
    const view = await client.request<RegistrationView>(
      'GET',
      `/sites/${await siteOf(client, options.site)}/registration`,
    );
    if (options.json === true) printJson(view);
    else printLines(formatView(view));
  });

  withConnectionOptions(
    registration
      .command('set')
      .description(`set a site's registration mode: ${REGISTRATION_MODES.join(', ')}`)
      .argument(
        '<mode>',
        'open: every client registers at once; approve-new: new clients wait for approval; token: only clients with a registration token',
      )
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (mode: string, options: SiteOptions) => {
    if (!isRegistrationMode(mode))
      throw new SiteportError(
        'E_OPTION',
        `the mode must be one of ${REGISTRATION_MODES.join(', ')}, got ${JSON.stringify(mode)}`,
      );
    const client = await AdminClient.connect(options);
    const view = await client.request<RegistrationView>(
      'PATCH',
      `/sites/${await siteOf(client, options.site)}/registration`,
      { mode },
    );
    if (options.json === true) printJson(view);
    else printLines(formatView(view));
  });

  const token = registration
    .command('token')
    .description('registration tokens: created, listed and revoked by administrators; setup passes one as SMSREGTOKEN');

  withConnectionOptions(
    token
      .command('create')
      .description('create a registration token; its secret is printed once (the site keeps only its hash)')
      .option('--uses <n>', 'how many registrations it allows', '1')
      .option('--expires <lifetime>', 'lifetime: seconds or 90m, 12h, 7d (60s to 365d)', '7d')
      .option('--label <text>', 'what it is for (shown in lists and the audit log)')
      .option('--any-site', 'valid at every site served from this database, not only this one')
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (options: TokenCreateOptions) => {
    const uses = Number(options.uses);
    if (!/^\d{1,6}$/.test(options.uses ?? '') || uses < 1 || uses > 100_000)
      throw new SiteportError(
        'E_OPTION',
        `--uses must be a whole number from 1 to 100000, got ${JSON.stringify(options.uses)}`,
      );
    const body: RegistrationTokenCreateBody = { uses, expiresInSeconds: parseExpiry(options.expires ?? '7d') };
    if (options.label !== undefined) body.label = options.label;
    if (options.anySite === true) body.anySite = true;
    const client = await AdminClient.connect(options);
    const created = await client.request<RegistrationTokenCreated>(
      'POST',
      `/sites/${await siteOf(client, options.site)}/registration/tokens`,
      body,
    );
    if (options.json === true) {
      printJson(created);
      return;
    }
    const v = created.view;
    printLines([
      created.token,
      `registration token ${v.id}: ${v.maxUses} use(s), expires ${v.expiresAt}, valid at ${v.siteCode === null ? 'every site of this database' : `site ${v.siteCode}`}`,
      'shown once: pass it to setup as SMSREGTOKEN=<token>; the site keeps only its hash',
    ]);
  });

  withConnectionOptions(
    token
      .command('list')
      .description('list the registration tokens created at a site (never their secrets)')
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (options: SiteOptions) => {
    const client = await AdminClient.connect(options);
    const list = await client.request<RegistrationTokenList>(
      'GET',
      `/sites/${await siteOf(client, options.site)}/registration/tokens`,
    );
    if (options.json === true) printJson(list);
    else printLines(list.tokens.length === 0 ? 'no registration tokens' : tokenRows(list.tokens));
  });

  withConnectionOptions(
    token
      .command('revoke')
      .description('revoke a registration token at once (it stays listed, revoked)')
      .argument('<id>', 'token id (from token list)')
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (id: string, options: SiteOptions) => {
    const client = await AdminClient.connect(options);
    const view = await client.request<RegistrationTokenView>(
      'POST',
      `/sites/${await siteOf(client, options.site)}/registration/tokens/${encodeURIComponent(id)}/revoke`,
    );
    if (options.json === true) printJson(view);
    else printLines(`registration token ${view.id} is ${view.state} (used ${view.uses} of ${view.maxUses})`);
  });
}
