import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parse } from 'smol-toml';
import { SiteportError, shellCommand } from '@siteport/protocol';
import type { BackupManifest } from '@siteport/server';
import { printJson, printLines } from '../format.js';
import { DEFAULT_CONFIG_FILE } from '../server-config.js';

interface PgFlags {
  db?: string;
  config?: string;
  pgBin?: string;
  pgTimeout: string;
}

function summary(manifest: BackupManifest): string {
  const files = Object.keys(manifest.files).length;
  const database =
    manifest.database === 'sqlite'
      ? 'with the site database'
      : manifest.databaseDump !== undefined
        ? 'with the site database (PostgreSQL dump)'
        : 'without the site database (a files-only backup of a PostgreSQL site)';
  return `${files} files, ${database}, siteport ${manifest.version}, taken ${manifest.createdAt}`;
}

/**
 * The site database as the site server would find it: `--db`, else SITEPORT_DB, else the `db`
 * setting of the config file (`--config`, SITEPORT_CONFIG, else /etc/siteport/server.toml when present).
 */
function siteDatabase(flags: PgFlags): { url: string; fromSettings: boolean } | undefined {
  if (flags.db !== undefined) return { url: flags.db, fromSettings: false };
  const fromEnv = process.env.SITEPORT_DB;
  if (fromEnv !== undefined && fromEnv !== '') return { url: fromEnv, fromSettings: true };
  const file =
    flags.config ?? process.env.SITEPORT_CONFIG ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (file === undefined) return undefined;
  let table: Record<string, unknown>;
  try {
    table = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SiteportError(
      'E_CONFIG',
      `cannot read the config file ${file}: ${(error as Error).message.split('\n')[0] ?? ''}`,
      {
        cause: error,
      },
    );
  }
  const db = table.db;
  if (db === undefined || db === '') return undefined;
  if (typeof db !== 'string') throw new SiteportError('E_CONFIG', `${file}: db must be a string`);
  return { url: db, fromSettings: true };
}

function pgOptions(flags: PgFlags): { pgBin?: string; timeoutSeconds: number } {
  const timeoutSeconds = Number(flags.pgTimeout);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 7 * 86_400)
    throw new SiteportError(
      'E_OPTION',
      `--pg-timeout must be whole seconds from 1 to 604800, got ${JSON.stringify(flags.pgTimeout)}`,
    );
  const pgBin = flags.pgBin ?? (process.env.SITEPORT_PG_BIN === '' ? undefined : process.env.SITEPORT_PG_BIN);
  return { timeoutSeconds, ...(pgBin === undefined ? {} : { pgBin }) };
}

function withPgOptions(command: Command, db: string): Command {
  return command
    .option('--db <url>', db)
    .option(
      '--config <file>',
      "the site server's config file, whose db setting names the database (also SITEPORT_CONFIG)",
    )
    .option(
      '--pg-bin <dir>',
      'the directory of pg_dump and pg_restore (also SITEPORT_PG_BIN; default: PATH, then /usr/lib/postgresql/<newest>/bin)',
    )
    .option('--pg-timeout <seconds>', 'stop pg_dump / pg_restore after this long', '3600');
}

/** `siteport backup --data DIR --out FILE` and `siteport restore FILE --data DIR`: a site server's data dir, saved and brought back. */
export function register(program: Command): void {
  withPgOptions(
    program
      .command('backup')
      .description(
        "save a site server's data dir and a consistent snapshot of its database (SQLite or PostgreSQL) to one file; the server may keep running",
      )
      .requiredOption('--data <dir>', "the site server's data dir")
      .requiredOption('--out <file>', 'the backup file to write (new; mode 0600: it holds the site keys)'),
    'the site database is this PostgreSQL one (also SITEPORT_DB or the config file): pg_dump takes its snapshot',
  )
    .option('--json', 'print the manifest as JSON')
    .action(async (flags: { data: string; out: string; json?: boolean } & PgFlags) => {
      const { createBackup } = await import('@siteport/server');
      const database = siteDatabase(flags);
      const manifest = await createBackup({
        dataDir: flags.data,
        out: flags.out,
        ...(database === undefined ? {} : { databaseUrl: database.url }),
        ...pgOptions(flags),
      });
      if (flags.json === true) printJson(manifest);
      else
        printLines(
          `backup written to ${path.resolve(flags.out)}: ${summary(manifest)}`,
          `restore it with: ${shellCommand('siteport', 'restore', path.resolve(flags.out), '--data', '<new data dir>', ...(manifest.databaseDump === undefined ? [] : ['--db', '<new empty database URL>']))}`,
        );
    });

  withPgOptions(
    program
      .command('restore')
      .description(
        'restore a backup into a new or empty data dir (and a PostgreSQL site database into a new, empty database), checked file by file against its manifest first',
      )
      .argument('<file>', 'a file written by siteport backup')
      .requiredOption('--data <dir>', 'the data dir to create (must not exist, or be empty)'),
    'restore the PostgreSQL site database of the backup into this new, empty database (also SITEPORT_DB or the config file)',
  )
    .option('--json', 'print the manifest as JSON')
    .action(async (file: string, flags: { data: string; json?: boolean } & PgFlags) => {
      const { restoreBackup } = await import('@siteport/server');
      const { redactedUrl } = await import('@siteport/db');
      const database = siteDatabase(flags);
      const manifest = await restoreBackup({
        file,
        dataDir: flags.data,
        ...(database === undefined ? {} : { database }),
        ...pgOptions(flags),
      });
      if (flags.json === true) printJson(manifest);
      else if (manifest.databaseDump !== undefined && database !== undefined)
        printLines(
          `restored into ${path.resolve(flags.data)} and ${redactedUrl(database.url)}: ${summary(manifest)}`,
          `start the site with: ${shellCommand('siteport', 'server', '--data', path.resolve(flags.data), '--db', redactedUrl(database.url))}`,
        );
      else
        printLines(
          `restored into ${path.resolve(flags.data)}: ${summary(manifest)}`,
          `start the site with: ${shellCommand('siteport', 'server', '--data', path.resolve(flags.data))}`,
        );
    });
}
