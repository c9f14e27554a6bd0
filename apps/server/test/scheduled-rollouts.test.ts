import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PortsView, RolloutView } from '@siteport/protocol';
import { startTestServer } from '../../../test-support/test-server.js';
import { apiToken } from '../../../test-support/api-token.js';
import { waitFor } from '../../../test-support/wait-for.js';
import { freePort } from '../../../test-support/ports.js';

interface AuditEntry {
  action: string;
  actor: string;
  newValue: Record<string, unknown> | null;
}
type Err = { error: { code: string; message: string } };

const inSeconds = (s: number): string => new Date(Date.now() + s * 1000).toISOString();

test('a scheduled rollout waits in scheduled with its start in UTC and its zone, blocks other moves, and starts by itself', async (t) => {
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  const http = await freePort();
  const startsAt = inSeconds(3);
  const created = await s.admin<RolloutView>('POST', '/sites/PS1/rollouts', {
    change: { http: { default: http } },
    start: { at: startsAt, timeZone: 'America/New_York' },
    deadlineSeconds: 600,
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const r = created.body;
  assert.equal(r.state, 'scheduled');
  assert.equal(r.schedule?.startsAt, startsAt);
  assert.equal(r.schedule?.timeZone, 'America/New_York');
  assert.match(r.schedule?.local ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} -0[45]:00$/);
  assert.ok((r.schedule?.secondsUntilStart ?? 0) >= 1);
  assert.equal(Date.parse(r.deadline), Date.parse(startsAt) + 600_000, 'the deadline counts from the start');
  assert.equal((await s.admin<PortsView>('GET', '/sites/PS1/ports')).body.version, 1, 'nothing announced yet');

  const other = await s.admin<Err>('POST', '/sites/PS1/rollouts', { change: { http: { default: await freePort() } } });
  assert.equal(other.body.error.code, 'E_ROLLOUT_ACTIVE', 'a scheduled rollout holds the site like an open one');

  const started = await waitFor('the scheduled rollout started', async () => {
    const v = (await s.admin<RolloutView>('GET', `/rollouts/${r.id}`)).body;
    return v.state === 'overlapping' ? v : undefined;
  });
  assert.ok(Date.parse(started.committedAt!) >= Date.parse(startsAt), 'not before its time');
  assert.equal(started.schedule?.secondsUntilStart, null);
  assert.equal((await s.admin<PortsView>('GET', '/sites/PS1/ports')).body.http.default, http);
  const audit = (await s.admin<{ entries: AuditEntry[] }>('GET', '/audit?site=PS1')).body.entries;
  const schedule = audit.find((e) => e.action === 'ports.rollout.schedule');
  assert.ok(schedule?.actor.startsWith('token:'), JSON.stringify(schedule));
  assert.equal(schedule?.newValue?.startsAt, startsAt);
  const start = audit.find((e) => e.action === 'ports.rollout.start');
  assert.equal(start?.actor, 'siteport');
  assert.equal(start?.newValue?.missedWhileDown, false);
  assert.equal(start?.newValue?.rolloutId, r.id);
});

test('scheduling and cancelling need ports.change in the site scope; a cancelled schedule never starts and is audited', async (t) => {
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  const token = (role: string, sites?: string[]): Promise<string> => apiToken(s, role, sites);
  const analyst = await token('analyst');
  const body = { change: { http: { default: await freePort() } }, start: { at: inSeconds(4) } };
  const refused = await s.admin<Err>('POST', '/sites/PS1/rollouts', body, analyst);
  assert.equal(refused.status, 403);

  const created = await s.admin<RolloutView>('POST', '/sites/PS1/rollouts', body);
  assert.equal(created.body.state, 'scheduled');
  assert.equal(created.body.schedule?.timeZone, null);
  const notAllowed = await s.admin<Err>('POST', `/rollouts/${created.body.id}/cancel`, {}, analyst);
  assert.equal(notAllowed.status, 403);
  const otherSite = await token('operator', ['XX1']);
  const outOfScope = await s.admin<Err>('POST', `/rollouts/${created.body.id}/cancel`, {}, otherSite);
  assert.equal(outOfScope.status, 403, JSON.stringify(outOfScope.body));

  const cancelled = await s.admin<RolloutView>('POST', `/rollouts/${created.body.id}/cancel`, {});
  assert.equal(cancelled.body.state, 'cancelled');
  await new Promise((resolve) => setTimeout(resolve, 5000));
  assert.equal((await s.admin<RolloutView>('GET', `/rollouts/${created.body.id}`)).body.state, 'cancelled');
  assert.equal((await s.admin<PortsView>('GET', '/sites/PS1/ports')).body.version, 1, 'it never started');
  const audit = (await s.admin<{ entries: AuditEntry[] }>('GET', '/audit?site=PS1')).body.entries;
  const entry = audit.find((e) => e.action === 'ports.rollout.cancelled');
  assert.ok(entry?.actor.startsWith('token:'), JSON.stringify(entry));
  assert.equal(audit.filter((e) => e.action === 'ports.rollout.start').length, 0);
});

test('bad start times are refused at the edge with their codes and store nothing', async (t) => {
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  const change = { http: { default: await freePort() } };
  const year = new Date().getUTCFullYear() + 1;
  const cases: [unknown, string][] = [
    [{ at: '2020-01-01T00:00:00Z' }, 'E_START_IN_PAST'],
    [{ at: `${year}-03-01T02:00` }, 'E_TIME_ZONE_REQUIRED'],
    [{ at: `${year}-03-01T02:00`, timeZone: 'Nowhere/City' }, 'E_TIME_ZONE'],
    [{ at: `${year}-03-01T02:00`, timeZone: 'Europe/Berlin; rm -rf /' }, 'E_VALIDATION'],
    [{ at: 'next tuesday at noon' }, 'E_VALIDATION'],
    [{ at: `${year}-02-30T02:00Z` }, 'E_START_TIME'],
    [{ at: inSeconds(60), extra: 1 }, 'E_VALIDATION'],
  ];
  // A gap and a repeated hour in the coming year (EU rule: last Sunday of March and of October).
  const lastSunday = (month: number): number => {
    const d = new Date(Date.UTC(year, month + 1, 0));
    return d.getUTCDate() - d.getUTCDay();
  };
  cases.push([{ at: `${year}-03-${lastSunday(2)}T02:30`, timeZone: 'Europe/Berlin' }, 'E_START_TIME_NONEXISTENT']);
  cases.push([{ at: `${year}-10-${lastSunday(9)}T02:30`, timeZone: 'Europe/Berlin' }, 'E_START_TIME_AMBIGUOUS']);
  for (const [start, expected] of cases) {
    const res = await s.admin<Err>('POST', '/sites/PS1/rollouts', { change, start });
    assert.equal(res.body.error?.code, expected, `${JSON.stringify(start)}: ${JSON.stringify(res.body)}`);
    assert.equal(res.status, 400);
  }
  const withPreflight = await s.admin<Err>('POST', '/sites/PS1/rollouts', {
    change,
    preflight: true,
    start: { at: inSeconds(60) },
  });
  assert.equal(withPreflight.body.error.code, 'E_VALIDATION');
  const { rollouts } = (await s.admin<{ rollouts: RolloutView[] }>('GET', '/sites/PS1/rollouts')).body;
  assert.deepEqual(rollouts, [], 'nothing stored');
});

test('a scheduled rollout whose site settings changed meanwhile is cancelled at its start, with the reason in the audit', async (t) => {
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  const created = await s.admin<RolloutView>('POST', '/sites/PS1/rollouts', {
    change: { http: { default: await freePort() } },
    start: { at: inSeconds(3) },
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const direct = await s.admin('PATCH', '/sites/PS1/ports', { wake: 9 });
  assert.equal(direct.status, 200, JSON.stringify(direct.body));
  const ended = await waitFor('cancelled at its start', async () => {
    const v = (await s.admin<RolloutView>('GET', `/rollouts/${created.body.id}`)).body;
    return v.state === 'cancelled' ? v : undefined;
  });
  assert.equal(ended.outcome?.by, 'siteport');
  const audit = (await s.admin<{ entries: AuditEntry[] }>('GET', '/audit?site=PS1')).body.entries;
  const entry = audit.find((e) => e.action === 'ports.rollout.cancelled');
  assert.match(String(entry?.newValue?.startFailed), /changed/);
});
