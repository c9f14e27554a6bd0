import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Kysely, type SiteDatabase, sql } from '@siteport/db';
import type { ReachabilitySettings } from '@siteport/protocol';
import { apiToken } from '../../../test-support/api-token.js';
import { testDatabaseDialect } from '../../../test-support/postgres.js';
import { startTestServer } from '../../../test-support/test-server.js';

/** Makes every insert into the audit log fail, as a full disk or a lost connection would. */
async function refuseAuditRecords(db: Kysely<SiteDatabase>): Promise<void> {
  if (testDatabaseDialect() === 'postgres') {
    await sql`create function refuse_audit() returns trigger as $$ begin raise exception 'audit log full'; end $$ language plpgsql`.execute(
      db,
    );
    await sql`create trigger refuse_audit before insert on audit_log for each row execute function refuse_audit()`.execute(
      db,
    );
  } else {
    await sql`create trigger refuse_audit before insert on audit_log begin select raise(abort, 'audit log full'); end`.execute(
      db,
    );
  }
}

test('a reachability settings change whose audit record cannot be written changes nothing: no unaudited setting is applied', async (t) => {
  const s = await startTestServer(t);
  const before = (await s.admin<ReachabilitySettings>('GET', '/sites/PS1/reachability/settings')).body;
  const next = { intervalSeconds: 60, staleHours: 2, candidates: [{ port: 8443, transport: 'tls' }] };
  assert.notDeepEqual(before, next);

  await refuseAuditRecords(s.server.db);
  const refused = await s.admin<{ error: { code: string } }>('PUT', '/sites/PS1/reachability/settings', next);
  assert.equal(refused.status, 500, JSON.stringify(refused.body));
  assert.deepEqual(
    (await s.admin<ReachabilitySettings>('GET', '/sites/PS1/reachability/settings')).body,
    before,
    'the settings are as they were',
  );
  const audited = await s.server.db
    .selectFrom('audit_log')
    .select('action')
    .where('action', '=', 'reachability.settings')
    .execute();
  assert.deepEqual(audited, []);

  await sql`drop trigger refuse_audit${sql.raw(testDatabaseDialect() === 'postgres' ? ' on audit_log' : '')}`.execute(
    s.server.db,
  );
  const applied = await s.admin<ReachabilitySettings>('PUT', '/sites/PS1/reachability/settings', next);
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
  assert.deepEqual((await s.admin<ReachabilitySettings>('GET', '/sites/PS1/reachability/settings')).body, next);
});

test("a hierarchy link token reads the ports it mirrors but not the site's subnets and their clients: the reachability map and the port plan are refused to secondary and peer tokens", async (t) => {
  const s = await startTestServer(t);
  const token = async (role: string): Promise<string> => {
    const made = await s.admin<{ secret: string }>('POST', '/tokens', { name: `link-${role}`, role, sites: ['PS1'] });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    return made.body.secret;
  };
  for (const role of ['secondary', 'peer']) {
    const secret = await token(role);
    assert.equal(
      (await s.admin('GET', '/sites/PS1/ports', undefined, secret)).status,
      200,
      `${role} mirrors the ports`,
    );
    for (const path of ['/sites/PS1/reachability', '/sites/PS1/reachability/plan?http=8080']) {
      const res = await s.admin<{ error: { code: string } }>('GET', path, undefined, secret);
      assert.equal(res.status, 403, `${role}: ${path} → ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'E_FORBIDDEN');
    }
  }
  const analyst = await token('analyst');
  assert.equal((await s.admin('GET', '/sites/PS1/reachability/plan?http=8080', undefined, analyst)).status, 200);
});

test('a peer link token, which may change the ports, cannot set how often every agent of the site probes and reports; an operator can', async (t) => {
  const s = await startTestServer(t);
  const before = (await s.admin<ReachabilitySettings>('GET', '/sites/PS1/reachability/settings')).body;
  const peer = await apiToken(s, 'peer', ['PS1']);
  // Every agent probing every 5 s, and candidate ports of the peer's choosing.
  const flood: ReachabilitySettings = {
    intervalSeconds: 5,
    staleHours: 1,
    candidates: [{ port: 22, transport: 'tcp' }],
  };
  const refused = await s.admin<{ error: { code: string } }>('PUT', '/sites/PS1/reachability/settings', flood, peer);
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.equal(refused.body.error.code, 'E_FORBIDDEN');
  assert.deepEqual((await s.admin<ReachabilitySettings>('GET', '/sites/PS1/reachability/settings')).body, before);
  assert.equal(
    (await s.admin('GET', '/sites/PS1/ports', undefined, peer)).status,
    200,
    'the peer still reads the ports',
  );

  const operator = await apiToken(s, 'operator', ['PS1']);
  const applied = await s.admin('PUT', '/sites/PS1/reachability/settings', flood, operator);
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
});
