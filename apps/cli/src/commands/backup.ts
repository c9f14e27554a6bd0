import path from 'node:path';
import type { Command } from 'commander';
import { shellCommand } from '@siteport/protocol';
import type { BackupManifest } from '@siteport/server';
import { printJson, printLines } from '../format.js';

function summary(manifest: BackupManifest): string {
  const files = Object.keys(manifest.files).length;
  return `${files} files, ${manifest.database === 'sqlite' ? 'with the site database' : 'without the site database (PostgreSQL: back it up with pg_dump)'}, siteport ${manifest.version}, taken ${manifest.createdAt}`;
}

/** `siteport backup --data DIR --out FILE` and `siteport restore FILE --data DIR`: a site server's data dir, saved and brought back. */
export function register(program: Command): void {
  program
    .command('backup')
    .description(
      "save a site server's data dir (database snapshot, CA and keys, tokens, secrets key) to one file; the server may keep running",
    )
    .requiredOption('--data <dir>', "the site server's data dir")
    .requiredOption('--out <file>', 'the backup file to write (new; mode 0600: it holds the site keys)')
    .option('--db <url>', 'the site database is this PostgreSQL one: the backup then holds the files only')
    .option('--json', 'print the manifest as JSON')
    .action(async (flags: { data: string; out: string; db?: string; json?: boolean }) => {
      const { createBackup } = await import('@siteport/server');
      const manifest = await createBackup({
        dataDir: flags.data,
        out: flags.out,
        ...(flags.db === undefined ? {} : { databaseUrl: flags.db }),
      });
      if (flags.json === true) printJson(manifest);
      else
        printLines(
          `backup written to ${path.resolve(flags.out)}: ${summary(manifest)}`,
          `restore it with: ${shellCommand('siteport', 'restore', path.resolve(flags.out), '--data', '<new data dir>')}`,
        );
    });

  program
    .command('restore')
    .description('restore a backup into a new or empty data dir, checked file by file against its manifest first')
    .argument('<file>', 'a file written by siteport backup')
    .requiredOption('--data <dir>', 'the data dir to create (must not exist, or be empty)')
    .option('--json', 'print the manifest as JSON')
    .action(async (file: string, flags: { data: string; json?: boolean }) => {
      const { restoreBackup } = await import('@siteport/server');
      const manifest = await restoreBackup({ file, dataDir: flags.data });
      if (flags.json === true) printJson(manifest);
      else
        printLines(
          `restored into ${path.resolve(flags.data)}: ${summary(manifest)}`,
          `start the site with: ${shellCommand('siteport', 'server', '--data', path.resolve(flags.data))}`,
        );
    });
}
