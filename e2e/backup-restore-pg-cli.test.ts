import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { postgresTables } from '@siteport/db';
import type { ClientList, PortsView } from '@siteport/protocol';
import { createFleet } from '../test-support/agent-fleet.js';
import { POSTGRES_BIN, type TestPostgres, requirePostgres, startPostgres } from '../test-support/postgres.js';
import { runCli } from '../test-support/run-cli.js';
import { LOOPBACK_PORT_FLAGS, startCliServer } from '../test-support/server-flags.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';

/** The site's database role logs in with a password (SCRAM); `:` and `\` test the password file's escaping. */
const ROLE = 'siteport_app';
const PASSWORD = 'Xq7:pw\\s3cret@db';

let pg: TestPostgres | undefined;

before(async () => {
  if (!existsSync(path.join(POSTGRES_BIN, 'initdb'))) return;
  pg = await startPostgres();
  const hba = path.join(pg.dir, 'data', 'pg_hba.conf');
  writeFileSync(
    hba,
    `local all all trust\nhost all ${ROLE} 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 trust\n`,
  );
  await pg.psql('postgres', `CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD.replaceAll("'", "''")}'`);
  await pg.psql('postgres', 'SELECT pg_reload_conf()');
  const probe = `postgres://${ROLE}@127.0.0.1:${pg.port}/postgres`;
  await waitFor(
    'password authentication is on',
    () =>
      postgresTables(probe).then(
        () => false,
        () => true,
      ),
    10_000,
  );
});
after(() => pg?.destroy());

/** A new, empty database owned by the site's role; its URL with the password and the database name. */
async function siteDatabase(): Promise<{ url: string; name: string }> {
  const name = new URL(await pg!.createDatabase('site')).pathname.slice(1);
  await pg!.psql('postgres', `ALTER DATABASE ${name} OWNER TO ${ROLE}`);
  return { url: `postgres://${ROLE}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${pg!.port}/${name}`, name };
}

/** A --pg-bin dir whose pg_dump and pg_restore record their own process-list line and environment, then run the real ones. */
function recordingPgBin(dir: string): string {
  const bin = path.join(dir, 'pg-bin');
  mkdirSync(bin);
  for (const tool of ['pg_dump', 'pg_restore']) {
    const log = path.join(dir, tool);
    writeFileSync(
      path.join(bin, tool),
      [
        '#!/bin/sh',
        `ps -ww -o args= -p $$ > '${log}.ps'`,
        `tr '\\0' '\\n' < /proc/$$/environ > '${log}.env'`,
        `if [ -n "$PGPASSFILE" ]; then stat -c %a "$PGPASSFILE" > '${log}.passmode'; fi`,
        `exec '${path.join(POSTGRES_BIN, tool)}' "$@"`,
        '',
      ].join('\n'),
    );
    chmodSync(path.join(bin, tool), 0o755);
  }
  return bin;
}

function unpack(file: string, into: string): string {
  mkdirSync(into);
  execFileSync('tar', ['-xzf', file, '-C', into]);
  return into;
}

test('siteport backup of a running PostgreSQL site takes a pg_dump snapshot into the archive, and siteport restore brings site and database back into a fresh data dir and database; its agent reconnects with its client id', async (t) => {
  if (!requirePostgres(t)) return;
  const dir = tempDir(t);
  const source = await siteDatabase();
  const config = path.join(dir, 'server.toml');
  writeFileSync(config, `db = ${JSON.stringify(source.url)}\n`, { mode: 0o600 });
  const a = path.join(dir, 'a');
  const first = await startCliServer(t, a, ['--config', config, ...LOOPBACK_PORT_FLAGS, '--policy-interval', '2']);
  const conn = (data: string, url: string) => ['--server', url, '--data', data];
  const ports = JSON.parse((await runCli(['ports', 'show', '--json', ...conn(a, first.adminUrl)])).stdout) as PortsView;
  const [agent] = createFleet(t, { count: 1, ports, caFingerprint: first.ca });
  await agent!.start();
  t.after(() => agent!.stop());
  const clientId = await waitFor('the agent registered', () => agent!.status().clientId ?? undefined, 30_000);

  // The backup reads the database from the server's own config file while the server runs.
  const pgBin = recordingPgBin(dir);
  const file = path.join(dir, 'site.backup');
  const saved = await runCli([
    'backup',
    '--data',
    a,
    '--out',
    file,
    '--config',
    config,
    '--pg-bin',
    pgBin,
    '--pg-timeout',
    '120',
  ]);
  assert.equal(saved.code, 0, saved.stderr);
  assert.match(
    saved.stdout,
    /^backup written to .*site\.backup: \d+ files, with the site database \(PostgreSQL dump\)/m,
  );
  assert.match(saved.stdout, /siteport restore .*site\.backup --data '<new data dir>' --db '<new empty database URL>'/);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'it holds the site keys');
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('.stage-') || f.endsWith('.partial')),
    [],
    'no stage or partial file left',
  );
  const dumpedBy = readFileSync(path.join(dir, 'pg_dump.ps'), 'utf8');
  assert.match(
    dumpedBy,
    new RegExp(`--dbname=postgres://${ROLE}@127\\.0\\.0\\.1:${pg!.port}/${source.name}`),
    'pg_dump connects to the site database',
  );
  assert.match(dumpedBy, /--format=custom/);
  const dumpEnv = readFileSync(path.join(dir, 'pg_dump.env'), 'utf8');
  const passFile = /^PGPASSFILE=(.*)$/m.exec(dumpEnv)?.[1];
  assert.ok(passFile !== undefined, 'the password goes to pg_dump in a password file');
  assert.equal(readFileSync(path.join(dir, 'pg_dump.passmode'), 'utf8').trim(), '600');
  assert.ok(!existsSync(passFile), 'the password file is removed afterwards');
  const secrets = [PASSWORD, encodeURIComponent(PASSWORD)];
  for (const secret of secrets) {
    assert.ok(!dumpedBy.includes(secret), 'no password in the process list');
    assert.ok(!dumpEnv.includes(secret), "no password in pg_dump's environment");
    assert.ok(!saved.stdout.includes(secret) && !saved.stderr.includes(secret), 'no password in the output');
  }

  const content = unpack(file, path.join(dir, 'content'));
  const manifestText = readFileSync(path.join(content, 'siteport-backup.json'), 'utf8');
  const manifest = JSON.parse(manifestText) as {
    database: string;
    databaseDump: string;
    files: Record<string, string>;
  };
  assert.equal(manifest.database, 'postgres');
  assert.equal(manifest.databaseDump, 'site-db.pgdump');
  assert.match(manifest.files['site-db.pgdump']!, /^[0-9a-f]{64}$/);
  assert.ok(!('site.db' in manifest.files), 'no SQLite file in a PostgreSQL site backup');
  for (const secret of secrets) assert.ok(!manifestText.includes(secret), 'no password in the manifest');
  await first.stop();

  // A backup of a PostgreSQL site needs a database to restore into.
  const noTarget = await runCli(['restore', file, '--data', path.join(dir, 'n')], { env: { SITEPORT_DB: '' } });
  assert.equal(noTarget.code, 2);
  assert.match(noTarget.stderr, /E_OPTION: .*holds a PostgreSQL site database; name the new, empty database/);
  assert.ok(!existsSync(path.join(dir, 'n')), 'nothing restored');

  const target = await siteDatabase();
  const b = path.join(dir, 'b');
  const restored = await runCli(['restore', file, '--data', b, '--db', target.url, '--pg-bin', pgBin]);
  assert.equal(restored.code, 0, restored.stderr);
  assert.match(
    restored.stdout,
    /^restored into .*b and postgres:\/\/siteport_app:\*\*\*@127\.0\.0\.1:\d+\/site_\d+_\d+: \d+ files, with the site database \(PostgreSQL dump\)/m,
  );
  const restoredBy = readFileSync(path.join(dir, 'pg_restore.ps'), 'utf8');
  assert.match(
    restoredBy,
    new RegExp(`--single-transaction .*--dbname=postgres://${ROLE}@127\\.0\\.0\\.1:${pg!.port}/${target.name}`),
  );
  for (const secret of secrets) {
    assert.ok(!restoredBy.includes(secret), 'no password in the process list');
    assert.ok(
      !readFileSync(path.join(dir, 'pg_restore.env'), 'utf8').includes(secret),
      "no password in pg_restore's environment",
    );
    assert.ok(!restored.stdout.includes(secret) && !restored.stderr.includes(secret), 'no password in the output');
  }
  assert.equal(statSync(b).mode & 0o777, 0o700);
  assert.ok(!existsSync(path.join(b, 'site-db.pgdump')), 'the dump went into the database, not the data dir');
  assert.equal(readFileSync(path.join(b, 'admin-token'), 'utf8'), readFileSync(path.join(a, 'admin-token'), 'utf8'));
  assert.equal(
    await pg!.psql(target.name, `SELECT count(*) FROM clients WHERE id = '${clientId}'`),
    '1\n',
    'the client is in the restored database',
  );

  // The restored site on the new database serves on its ports again; the agent, which knew nothing of this, comes back.
  const config2 = path.join(dir, 'server-b.toml');
  writeFileSync(config2, `db = ${JSON.stringify(target.url)}\n`, { mode: 0o600 });
  const second = await startCliServer(t, b, ['--config', config2, '--admin-port', '0', '--bind', '127.0.0.1']);
  assert.equal(second.ca, first.ca, 'the same site CA');
  const restartedAt = new Date().toISOString();
  await waitFor(
    'the agent talks to the restored site',
    () => (agent!.status().lastContact?.at ?? '') > restartedAt,
    60_000,
  );
  assert.equal(agent!.status().clientId, clientId, 'the same client id');
  const list = await runCli(['clients', 'list', '--json', ...conn(b, second.adminUrl)]);
  assert.equal(list.code, 0, list.stderr);
  assert.ok((JSON.parse(list.stdout) as ClientList).clients.some((c) => c.clientId === clientId));
});

test('siteport restore refuses a PostgreSQL site backup whose dump was altered, and a target database that is not empty, before it changes anything', async (t) => {
  if (!requirePostgres(t)) return;
  const dir = tempDir(t);
  const source = await siteDatabase();
  const a = path.join(dir, 'a');
  const first = await startCliServer(t, a, ['--db', source.url, ...LOOPBACK_PORT_FLAGS]);
  await first.stop();
  const file = path.join(dir, 'site.backup');
  const saved = await runCli(['backup', '--data', a, '--out', file], { env: { SITEPORT_DB: source.url } });
  assert.equal(saved.code, 0, saved.stderr);

  // An altered dump (a statement appended, the manifest left as it was) is refused by its checksum.
  const content = unpack(file, path.join(dir, 'content'));
  writeFileSync(
    path.join(content, 'site-db.pgdump'),
    `${readFileSync(path.join(content, 'site-db.pgdump'), 'latin1')}DROP TABLE clients;\n`,
    'latin1',
  );
  const tampered = path.join(dir, 'tampered.backup');
  execFileSync('tar', ['-czf', tampered, '-C', content, '.']);
  const target = await siteDatabase();
  const fromTampered = await runCli(['restore', tampered, '--data', path.join(dir, 't'), '--db', target.url]);
  assert.equal(fromTampered.code, 1);
  assert.match(fromTampered.stderr, /E_BACKUP_INVALID: .*site-db\.pgdump does not match its checksum/);
  assert.deepEqual(await postgresTables(target.url), [], 'nothing restored into the database');
  assert.ok(!existsSync(path.join(dir, 't')), 'nothing restored into a data dir');

  // A manifest that lists the dump's checksum but no longer names it as the database is refused too.
  const manifestFile = path.join(content, 'siteport-backup.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    databaseDump?: string;
    files: Record<string, string>;
  };
  delete manifest.databaseDump;
  writeFileSync(manifestFile, JSON.stringify(manifest));
  const unnamed = path.join(dir, 'unnamed.backup');
  execFileSync('tar', ['-czf', unnamed, '-C', content, '.']);
  const fromUnnamed = await runCli(['restore', unnamed, '--data', path.join(dir, 'u'), '--db', target.url]);
  assert.equal(fromUnnamed.code, 1);
  assert.match(fromUnnamed.stderr, /E_BACKUP_INVALID: .*holds site-db\.pgdump but its manifest does not name it/);
  assert.deepEqual(await postgresTables(target.url), []);

  // A target database that already holds a table is refused, and keeps what it held.
  const busy = await siteDatabase();
  await pg!.psql(
    busy.name,
    `CREATE TABLE keep (x integer); INSERT INTO keep VALUES (42); ALTER TABLE keep OWNER TO ${ROLE}`,
  );
  const intoBusy = await runCli(['restore', file, '--data', path.join(dir, 'b'), '--db', busy.url]);
  assert.equal(intoBusy.code, 1);
  assert.match(
    intoBusy.stderr,
    /E_DATABASE_NOT_EMPTY: the target database postgres:\/\/siteport_app:\*\*\*@.* is not empty \(public\.keep\)/,
  );
  assert.ok(!intoBusy.stderr.includes(PASSWORD) && !intoBusy.stderr.includes(encodeURIComponent(PASSWORD)));
  assert.deepEqual(await postgresTables(busy.url), ['public.keep']);
  assert.equal(await pg!.psql(busy.name, 'SELECT x FROM keep'), '42\n');
  assert.ok(!existsSync(path.join(dir, 'b')), 'nothing restored into a data dir');

  // The site's own live database is not empty either.
  const intoSource = await runCli(['restore', file, '--data', path.join(dir, 's'), '--db', source.url]);
  assert.equal(intoSource.code, 1);
  assert.match(intoSource.stderr, /E_DATABASE_NOT_EMPTY: .*public\.admin_tokens/);
});

test('siteport backup of a PostgreSQL site that fails or runs past --pg-timeout leaves no file, and its error never shows the password', async (t) => {
  if (!requirePostgres(t)) return;
  const dir = tempDir(t);
  const source = await siteDatabase();
  const data = path.join(dir, 'data');
  mkdirSync(data);
  writeFileSync(path.join(data, 'admin-token'), 'token\n');
  const left = () => readdirSync(dir).filter((f) => f !== 'data' && f !== 'slow-bin');

  const wrong = source.url.replace(encodeURIComponent(PASSWORD), 'not-the-password');
  const refused = await runCli(['backup', '--data', data, '--out', path.join(dir, 'x.backup'), '--db', wrong]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /E_PG_TOOL_FAILED: pg_dump failed \(exit 1\): .*password authentication failed for user "siteport_app"/,
  );
  assert.ok(!refused.stderr.includes('not-the-password'));
  assert.deepEqual(left(), [], 'no backup, partial or stage file');

  const slow = path.join(dir, 'slow-bin');
  mkdirSync(slow);
  writeFileSync(path.join(slow, 'pg_dump'), '#!/bin/sh\nexec sleep 30\n');
  chmodSync(path.join(slow, 'pg_dump'), 0o755);
  const started = Date.now();
  const stalled = await runCli([
    'backup',
    '--data',
    data,
    '--out',
    path.join(dir, 'y.backup'),
    '--db',
    source.url,
    '--pg-bin',
    slow,
    '--pg-timeout',
    '1',
  ]);
  assert.equal(stalled.code, 1);
  assert.match(
    stalled.stderr,
    /E_PG_TOOL_TIMEOUT: pg_dump did not finish within 1 s and was stopped; raise --pg-timeout/,
  );
  assert.ok(Date.now() - started < 20_000, 'stopped at the deadline');
  assert.deepEqual(left(), [], 'no backup, partial or stage file');

  const noData = await runCli([
    'backup',
    '--data',
    path.join(dir, 'nowhere'),
    '--out',
    path.join(dir, 'w.backup'),
    '--db',
    source.url,
  ]);
  assert.equal(noData.code, 2);
  assert.match(noData.stderr, /E_OPTION: .*nowhere is not a directory; give the --data dir of a site server/);
  const noOutDir = await runCli([
    'backup',
    '--data',
    data,
    '--out',
    path.join(dir, 'missing', 'w.backup'),
    '--db',
    source.url,
  ]);
  assert.equal(noOutDir.code, 2);
  assert.match(
    noOutDir.stderr,
    /E_OPTION: cannot write beside .*w\.backup \(ENOENT\); name a file in an existing, writable directory/,
  );

  const badTimeout = await runCli([
    'backup',
    '--data',
    data,
    '--out',
    path.join(dir, 'z.backup'),
    '--db',
    source.url,
    '--pg-timeout',
    'soon',
  ]);
  assert.equal(badTimeout.code, 2);
  assert.match(badTimeout.stderr, /E_OPTION: --pg-timeout must be whole seconds/);
});
