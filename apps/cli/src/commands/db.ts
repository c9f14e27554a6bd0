import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { TableCopy } from '@siteport/db';
import { SiteportError, shellCommand } from '@siteport/protocol';
import { printJson, printLines, table } from '../format.js';

interface MigrateFlags {
  data: string;
  json?: boolean;
}

/** The human report: one line per table with both counts and the checksum, then the next step. */
function report(copies: TableCopy[], redactedUrl: string, dataDir: string): string[] {
  const rows = [
    ['TABLE', 'SOURCE ROWS', 'TARGET ROWS', 'CHECKSUM (SHA-256)', 'VERIFIED'],
    ...copies.map((c) => [
      c.table,
      String(c.sourceRows),
      String(c.targetRows),
      c.targetChecksum.slice(0, 16),
      c.verified ? 'yes' : 'NO',
    ]),
  ];
  const total = copies.reduce((n, c) => n + c.sourceRows, 0);
  return [
    ...table(rows),
    '',
    `copied ${total} rows in ${copies.length} tables to ${redactedUrl}; counts and checksums match.`,
    `The embedded database ${path.join(dataDir, 'site.db')} is left as it was (keep it as a backup).`,
    `Start the site on PostgreSQL with: ${shellCommand('siteport', 'server', '--data', dataDir, '--db', redactedUrl)}`,
  ];
}

/** `siteport db migrate-to URL`: copies a site's embedded SQLite database into an empty PostgreSQL database. */
export function register(program: Command): void {
  const db = program.command('db').description('site database maintenance');
  db.command('migrate-to')
    .description(
      "copy a stopped site's embedded SQLite database into an empty PostgreSQL database, verified by row counts and checksums",
    )
    .argument('<url>', 'postgres://user[:password]@host[:port]/database (an empty database; create it with createdb)')
    .requiredOption('--data <dir>', "the site server's data dir (holds site.db)")
    .option('--json', 'machine-readable output')
    .action(async (url: string, flags: MigrateFlags) => {
      const [{ copyDatabase, databaseLocation, openDatabase, redactedUrl }, { lockHolder }] = await Promise.all([
        import('@siteport/db'),
        import('@siteport/server'),
      ]);
      const dataDir = path.resolve(flags.data);
      const target = databaseLocation(dataDir, url);
      if (target.kind !== 'postgres')
        throw new SiteportError('E_OPTION', `the target must be a postgres://… URL, got ${JSON.stringify(url)}`);
      const source = databaseLocation(dataDir, undefined);
      if (source.kind !== 'sqlite' || !existsSync(source.file)) {
        throw new SiteportError(
          'E_OPTION',
          `no embedded site database in ${dataDir} (expected ${path.join(dataDir, 'site.db')}); give the --data dir of the site server`,
        );
      }
      const holder = await lockHolder(dataDir);
      if (holder !== undefined) {
        throw new SiteportError(
          'E_SERVER_RUNNING',
          `the site server (pid ${holder}) is running on ${dataDir}; stop it first — changes it writes during the copy would be lost`,
        );
      }
      const from = await openDatabase(source);
      try {
        const to = await openDatabase(target);
        try {
          const copies = await copyDatabase(from, to);
          if (flags.json === true) printJson({ target: redactedUrl(url), tables: copies });
          else printLines(report(copies, redactedUrl(url), dataDir));
        } finally {
          await to.destroy();
        }
      } finally {
        await from.destroy();
      }
    });
}
