import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { DataRetention } from '../src/retention/data-retention.js';
import { startTestServer } from '../../../test-support/test-server.js';

const NOW = Date.parse('2026-12-04T00:00:00.000Z');
const daysAgo = (days: number): string => new Date(NOW - days * 86_400_000).toISOString();

test('data retention removes old audit entries, finished rollouts and retired clients with what hangs on them, and nothing else', async (t) => {
  const { server } = await startTestServer(t);
  const db = server.db;
  const audit = (at: string, action: string) => ({
    at,
    actor: 'test',
    site_code: 'PS1',
    action,
    old_value: null,
    new_value: null,
    outcome: 'applied',
  });
  await db
    .insertInto('audit_log')
    .values([audit(daysAgo(400), 'old'), audit(daysAgo(10), 'recent')])
    .execute();
  const rollout = (id: string, state: string, created: number, ended: number | null) => ({
    id,
    site_code: 'PS1',
    state,
    old_settings: '{}',
    new_settings: '{}',
    old_version: 1,
    new_version: null,
    rollback_version: null,
    preflight: 0,
    deadline: daysAgo(created - 1),
    created_at: daysAgo(created),
    created_by: 'test',
    committed_at: null,
    ended_at: ended === null ? null : daysAgo(ended),
    outcome: null,
  });
  await db
    .insertInto('rollouts')
    .values([
      rollout('old-finished', 'finalized', 200, 199),
      rollout('old-cancelled', 'cancelled', 150, null),
      rollout('recent-finished', 'rolled-back', 200, 5),
      rollout('old-in-progress', 'overlapping', 200, null),
    ])
    .execute();
  const client = (id: string, status: string, changed: number | null) => ({
    id,
    site_code: 'PS1',
    hostname: id,
    public_key: 'k',
    key_fingerprint: id,
    category: 'workgroup',
    agent_version: '0.1.0',
    registered_at: daysAgo(300),
    last_contact_at: null,
    last_port: null,
    last_protocol: null,
    last_address: null,
    settings_version: 0,
    agent_state: 'idle',
    state_dir: null,
    status,
    status_changed_at: changed === null ? null : daysAgo(changed),
  });
  await db
    .insertInto('clients')
    .values([
      client('retired-long-ago', 'retired', 120),
      client('retired-lately', 'retired', 3),
      client('blocked-long-ago', 'blocked', 300),
      client('active', 'active', null),
    ])
    .execute();
  await db
    .insertInto('probe_reports')
    .values([
      { rollout_id: 'old-finished', client_id: 'active', at: daysAgo(199), results: '[]' },
      { rollout_id: 'old-in-progress', client_id: 'retired-long-ago', at: daysAgo(199), results: '[]' },
    ])
    .execute();
  await db
    .insertInto('client_interfaces')
    .values({
      client_id: 'retired-long-ago',
      name: 'eth0',
      mac: '52:54:00:00:00:01',
      address: '10.0.0.5',
      prefix_length: 24,
      network: '10.0.0.0/24',
      reported_at: daysAgo(130),
    })
    .execute();

  const retention = new DataRetention({
    db,
    policy: { auditDays: 365, rolloutDays: 90, retiredClientDays: 90 },
    logger: pino({ level: 'silent' }),
    now: () => NOW,
  });
  assert.deepEqual(await retention.sweep(), { audit: 1, rollouts: 2, clients: 1 });

  const actions = (await db.selectFrom('audit_log').select('action').orderBy('seq').execute()).map((r) => r.action);
  assert.ok(!actions.includes('old') && actions.includes('recent'));
  assert.equal(actions.at(-1), 'retention.sweep', 'the sweep is audited');
  assert.deepEqual(
    (await db.selectFrom('rollouts').select('id').orderBy('id').execute()).map((r) => r.id),
    ['old-in-progress', 'recent-finished'],
  );
  assert.deepEqual(
    (await db.selectFrom('clients').select('id').orderBy('id').execute()).map((r) => r.id),
    ['active', 'blocked-long-ago', 'retired-lately'],
  );
  assert.deepEqual(
    await db.selectFrom('probe_reports').selectAll().execute(),
    [],
    'the reports of a removed rollout and of a removed client went with them',
  );
  assert.deepEqual(await db.selectFrom('client_interfaces').selectAll().execute(), []);

  assert.deepEqual(await retention.sweep(), { audit: 0, rollouts: 0, clients: 0 }, 'a second sweep finds nothing');
  const forever = new DataRetention({
    db,
    policy: { auditDays: 0, rolloutDays: 0, retiredClientDays: 0 },
    logger: pino({ level: 'silent' }),
    now: () => NOW + 10_000 * 86_400_000,
  });
  assert.deepEqual(await forever.sweep(), { audit: 0, rollouts: 0, clients: 0 }, '0 keeps everything');
});
