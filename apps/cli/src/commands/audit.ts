import type { Command } from 'commander';
import { type AuditEntryView, SiteportError, parseSiteCode } from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, withConnectionOptions } from '../admin-client.js';
import { printJson, printLines, table } from '../format.js';

interface AuditOptions extends AdminConnectionOptions {
  site?: string;
  limit: string;
  json?: boolean;
}

function flatten(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out);
  } else if (prefix !== '') out.set(prefix, JSON.stringify(value));
  return out;
}

/** What an entry changed, as `key old→new` pairs (only the keys that differ). */
export function describeChange(oldValue: unknown, newValue: unknown): string {
  const before = flatten(oldValue);
  const after = flatten(newValue);
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  const changed = keys.filter((k) => before.get(k) !== after.get(k));
  return changed.map((k) => `${k} ${before.get(k) ?? '∅'}→${after.get(k) ?? '∅'}`).join(', ') || '(no difference)';
}

/** `siteport audit`: the audit log of settings changes, newest first. */
export function register(program: Command): void {
  withConnectionOptions(
    program
      .command('audit')
      .description('show the audit log of settings changes: who, when, old → new, outcome (newest first)')
      .option('--site <code>', 'only entries of this site')
      .option('--limit <n>', 'at most this many entries (1–10000)', '50')
      .option('--json', 'machine-readable output'),
  ).action(async (options: AuditOptions) => {
    if (!/^\d+$/.test(options.limit) || Number(options.limit) < 1 || Number(options.limit) > 10_000) {
      throw new SiteportError(
        'E_OPTION',
        `--limit must be a whole number from 1 to 10000, got ${JSON.stringify(options.limit)}`,
      );
    }
    const query = new URLSearchParams({ limit: options.limit });
    if (options.site !== undefined) query.set('site', parseSiteCode(options.site, '--site'));
    const client = await AdminClient.connect(options);
    const { entries } = await client.request<{ entries: AuditEntryView[] }>('GET', `/audit?${query.toString()}`);
    if (options.json === true) {
      printJson({ entries });
      return;
    }
    const rows = [
      ['AT', 'ACTOR', 'SITE', 'ACTION', 'OUTCOME', 'CHANGE'],
      ...entries.map((e) => [
        e.at,
        e.actor,
        e.siteCode ?? '-',
        e.action,
        e.outcome,
        describeChange(e.oldValue, e.newValue),
      ]),
    ];
    printLines(entries.length === 0 ? ['no audit entries'] : table(rows));
  });
}
