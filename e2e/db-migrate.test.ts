import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { AuditList, ClientView, PortsView } from '@siteport/protocol';
import { createFleet } from '../test-support/agent-fleet.js';
import { requirePostgres, startPostgres } from '../test-support/postgres.js';
import { runCli, startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';
import { LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';

const PORT_FLAGS = ['--policy-interval', '2', ...LOOPBACK_PORT_FLAGS, '--log-level', 'warn'];

interface Started {
  stop: () => Promise<void>;
  admin: <T>(method: string, path: string, body?: unknown) => Promise<T>;
}

function startServer(t: { after: (fn: () => unknown) => void }, data: string, extra: string[] = []): Promise<Started> {
  const server = startCli(['server', '--data', data, ...PORT_FLAGS, ...extra], /client communication mode/);
  const stop = async (): Promise<void> => {
    if (server.child.exitCode !== null) return;
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await exited;
  };
  t.after(stop);
  return server.started.then((banner) => {
    const adminUrl = /admin API: (http:\/\/[^/\s]+)/.exec(banner)![1]!;
    const token = readFileSync(`${data}/admin-token`, 'utf8').trim();
    return {
      stop,
      admin: async <T>(method: string, path: string, body?: unknown): Promise<T> => {
        const res = await fetch(`${adminUrl}/api/v1${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
        return (await res.json()) as T;
      },
    };
  });
}

test('db migrate-to copies a stopped SQLite site into PostgreSQL with matching counts and checksums, and the site runs on there with its clients', async (t) => {
  if (!requirePostgres(t)) return;
  const pg = await startPostgres();
  t.after(() => pg.destroy());
  const data = tempDir(t);

  // A site with history: registered clients, a settings change, an audit trail.
  const first = await startServer(t, data);
  const ports = await first.admin<PortsView>('GET', '/sites/PS1/ports');
  const site = await first.admin<{ caFingerprint: string }>('GET', '/sites/PS1');
  const fleet = createFleet(t, { count: 3, ports, caFingerprint: site.caFingerprint });
  for (const agent of fleet) await agent.start();
  const registered = await waitFor('three registered clients', async () => {
    const list = (await first.admin<{ clients: ClientView[] }>('GET', '/sites/PS1/clients')).clients;
    return list.length === 3 && list.map((c) => c.clientId).sort();
  });
  await first.admin('PATCH', '/sites/PS1/ports', { wake: 7 });
  const auditBefore = await first.admin<AuditList>('GET', '/audit?limit=100');

  const url = await pg.createDatabase();
  const whileRunning = await runCli(['db', 'migrate-to', url, '--data', data]);
  assert.equal(whileRunning.code, 1, whileRunning.stderr);
  assert.match(
    whileRunning.stderr,
    /^siteport: E_SERVER_RUNNING: the site server \(pid \d+\) is running on .*; stop it first/,
  );
  await first.stop();

  const migrated = await runCli(['db', 'migrate-to', url, '--data', data, '--json']);
  assert.equal(migrated.code, 0, migrated.stderr);
  const { tables } = JSON.parse(migrated.stdout) as {
    tables: {
      table: string;
      sourceRows: number;
      targetRows: number;
      sourceChecksum: string;
      targetChecksum: string;
      verified: boolean;
    }[];
  };
  const rows = Object.fromEntries(tables.map((c) => [c.table, c.targetRows]));
  assert.equal(rows.clients, 3);
  assert.equal(rows.sites, 1);
  assert.equal(rows.audit_log, auditBefore.entries.length);
  for (const c of tables) {
    assert.ok(c.verified, c.table);
    assert.equal(c.sourceRows, c.targetRows, c.table);
    assert.equal(c.sourceChecksum, c.targetChecksum, c.table);
  }
  assert.equal(await pg.psql(url.split('/').pop()!, 'SELECT count(*) FROM clients'), '3\n');

  const again = await runCli(['db', 'migrate-to', url, '--data', data]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^siteport: E_DATABASE_NOT_EMPTY: the target database already holds data/);

  // The same site, now on PostgreSQL: same ports, same clients, the audit trail continues.
  const second = await startServer(t, data, ['--db', url]);
  const portsAfter = await second.admin<PortsView>('GET', '/sites/PS1/ports');
  assert.equal(portsAfter.https.default, ports.https.default);
  assert.equal(portsAfter.wake, 7);
  const clients = (await second.admin<{ clients: ClientView[] }>('GET', '/sites/PS1/clients')).clients;
  assert.deepEqual(clients.map((c) => c.clientId).sort(), registered);
  await second.admin('PATCH', '/sites/PS1/ports', { wake: 8 });
  const auditAfter = await second.admin<AuditList>('GET', '/audit?limit=100');
  assert.equal(auditAfter.entries.length, auditBefore.entries.length + 1);
  assert.ok(
    auditAfter.entries[0]!.seq > auditBefore.entries[0]!.seq,
    'new audit entries continue after the copied ones',
  );
  // The clients keep talking to the site, which now answers from PostgreSQL.
  const since = new Date().toISOString();
  for (const agent of fleet) await agent.agent?.cycleNow();
  await waitFor(
    'a heartbeat recorded on PostgreSQL',
    async () => {
      const list = (await second.admin<{ clients: ClientView[] }>('GET', '/sites/PS1/clients')).clients;
      return list.every((c) => (c.lastContact?.at ?? '') >= since);
    },
    60_000,
    500,
  );
});

test('db migrate-to refuses what it cannot do with a clear reason and changes nothing', async (t) => {
  const data = tempDir(t);
  const noDb = await runCli(['db', 'migrate-to', 'postgres://postgres@127.0.0.1:1/x', '--data', data]);
  assert.equal(noDb.code, 2);
  assert.match(noDb.stderr, /^siteport: E_OPTION: no embedded site database in /);
  const notPg = await runCli(['db', 'migrate-to', 'mysql://x', '--data', data]);
  assert.equal(notPg.code, 2);
  assert.match(notPg.stderr, /E_OPTION: --db must be postgres:/);
  const usage = await runCli(['db', 'migrate-to']);
  assert.equal(usage.code, 2);
});
