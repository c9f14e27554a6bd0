import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditEntryView, CollectionView, PortsView, RolloutView } from '@siteport/protocol';
import { createFleet } from '../test-support/agent-fleet.js';
import { freePort } from '../test-support/ports.js';
import { runCli } from '../test-support/run-cli.js';
import { startCliServer, LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';

/** `HH:MM` of `instant` on the wall clock of Asia/Kolkata (UTC+05:30 all year). */
function kolkataClock(instant: number): string {
  return new Date(instant + 330 * 60_000).toISOString().slice(11, 16);
}

test('siteport rollout propose --respect-windows: real agents of a collection whose window is open move, those of a closed window keep the old ports and are reported waiting across a server restart, and move when their window opens', async (t) => {
  const data = tempDir(t);
  const flags = [...LOOPBACK_PORT_FLAGS, '--policy-interval', '1', '--active-window', '10'];
  let server = await startCliServer(t, data, flags);
  const conn = () => ['--server', server.adminUrl, '--data', data];
  const cli = async (args: string[]) => {
    const res = await runCli([...args, ...conn()]);
    assert.equal(res.code, 0, `${args.join(' ')}: ${res.stderr}`);
    return res.stdout;
  };
  const json = async <T>(args: string[]): Promise<T> => JSON.parse(await cli([...args, '--json'])) as T;

  const initial = await json<PortsView>(['ports', 'show']);
  const fleet = createFleet(t, { count: 4, ports: initial, caFingerprint: server.ca, httpOnly: (i) => i === 3 });
  await Promise.all(fleet.map((a) => a.start()));
  const on = (http: number, https: number) => (i: number) => {
    const last = fleet[i]!.status().lastContact;
    return last !== null && last.port === (last.protocol === 'http' ? http : https);
  };
  const onOld = on(initial.http.default, initial.https.default);
  await waitFor('the fleet checked in', () => fleet.every((_, i) => onOld(i)), 30_000);
  const { clients } = await json<{ clients: { clientId: string; hostname: string }[] }>(['clients', 'list', '--all']);
  const ids = fleet.map((a) => clients.find((c) => c.hostname === a.name)!.clientId);

  // Hostile input is refused with a stable code and stores nothing.
  const refused = async (args: string[], code: RegExp) => {
    const res = await runCli([...args, ...conn()]);
    assert.notEqual(res.code, 0, args.join(' '));
    assert.match(res.stderr, code);
  };
  await refused(['collection', 'create', 'x'.repeat(65), '--client', ids[0]!], /E_VALIDATION/);
  await refused(['collection', 'create', 'regex', '--host-glob', '(a+)+$'], /E_VALIDATION/);
  await refused(['collection', 'create', 'norule'], /E_VALIDATION: a collection needs a membership rule/);
  await refused(['collection', 'create', 'badnet', '--subnet', '10.0.0.0/33'], /E_VALIDATION: subnet/);

  // early: two clients by id, with a window open now; late: one by host-name glob, its window opens in 6 h.
  await cli(['collection', 'create', 'early', '--client', ids[0]!, '--client', ids[1]!]);
  const late = await json<CollectionView>(['collection', 'create', 'late', '--host-glob', 'AGENT-*3']);
  assert.equal(late.members, 1, 'the glob matches agent-003 case-insensitively');
  const now = Date.now();
  await cli([
    'window',
    'add',
    'early',
    '--days',
    'daily',
    '--start',
    kolkataClock(now - 3_600_000),
    '--duration',
    '3h',
    '--time-zone',
    'Asia/Kolkata',
  ]);
  await refused(
    ['window', 'add', 'late', '--days', 'daily', '--start', '02:00', '--duration', '1h', '--time-zone', 'Mars/Olympus'],
    /E_TIME_ZONE/,
  );
  await refused(
    ['window', 'add', 'late', '--days', 'daily', '--start', '02:00', '--duration', '25h', '--time-zone', 'UTC'],
    /E_VALIDATION/,
  );
  const closed = await json<CollectionView>([
    'window',
    'add',
    'late',
    '--days',
    'daily',
    '--start',
    kolkataClock(now + 6 * 3_600_000),
    '--duration',
    '1h',
    '--time-zone',
    'Asia/Kolkata',
  ]);
  const closedWindow = closed.windows[0]!;
  assert.equal(closedWindow.next?.open, false);
  const { windows } = await json<{ windows: CollectionView['windows'] }>(['window', 'list', 'early']);
  assert.equal(windows[0]?.next?.open, true);
  const listed = await cli(['collection', 'list']);
  assert.match(listed, /collection early \(site PS1\): 2 member\(s\)/);
  assert.match(listed, /collection late \(site PS1\): 1 member\(s\); host AGENT-\*3/);

  // The rollout: agents 1, 2 (window open) and 4 (in no collection) move; agent 3 waits.
  const [http, https] = [await freePort(), await freePort()];
  const { rollout } = await json<{ rollout: RolloutView }>([
    'rollout',
    'propose',
    `http=${http}`,
    `https=${https}`,
    '--respect-windows',
  ]);
  assert.equal(rollout.respectWindows, true);
  await cli(['rollout', 'commit', rollout.id]);
  const onNew = on(http, https);
  await waitFor('agents 1, 2 and 4 on the new ports', () => onNew(0) && onNew(1) && onNew(3), 60_000);
  const waiting = async () => json<RolloutView>(['rollout', 'show', rollout.id]);
  const shown = await waiting();
  assert.equal(shown.state, 'overlapping');
  assert.equal(shown.waitingCount, 1);
  assert.deepEqual(
    [
      shown.waiting?.[0]?.hostname,
      shown.waiting?.[0]?.collection,
      shown.waiting?.[0]?.windowId,
      shown.waiting?.[0]?.timeZone,
    ],
    ['agent-003', 'late', closedWindow.id, 'Asia/Kolkata'],
  );
  assert.equal(shown.waiting?.[0]?.opensAt, closedWindow.next?.opensAt);
  assert.ok(onOld(2), 'agent 3 keeps the old ports');
  assert.match(
    await cli(['rollout', 'show', rollout.id]),
    /agent-003 \(\S+\) waits for late: opens \S+ UTC = .* Asia\/Kolkata/,
  );

  // A restart changes nothing: the rollout still holds agent 3 on the old ports.
  await server.stop();
  server = await startCliServer(t, data, flags);
  const heardAgain = Date.now();
  await waitFor(
    'agent 3 talks to the restarted server',
    () => Date.parse(fleet[2]!.status().lastPolicyAt ?? '0') > heardAgain,
    60_000,
  );
  await new Promise((resolve) => setTimeout(resolve, 3000));
  assert.ok(onOld(2), 'agent 3 still on the old ports after the restart');
  assert.equal(fleet[2]!.status().settingsVersion, rollout.oldVersion);
  const after = await waiting();
  assert.deepEqual([after.state, after.waitingCount, after.waiting?.[0]?.hostname], ['overlapping', 1, 'agent-003']);

  // Its window opens (edited to open now): agent 3 moves and the rollout completes by itself.
  await cli(['window', 'remove', 'late', closedWindow.id]);
  await cli([
    'window',
    'add',
    'late',
    '--days',
    'sun-sat',
    '--start',
    kolkataClock(Date.now() - 60_000),
    '--duration',
    '90m',
    '--time-zone',
    'Asia/Kolkata',
  ]);
  await waitFor('agent 3 on the new ports', () => onNew(2), 60_000);
  const done = await waitFor(
    'the rollout finalized',
    async () => {
      const v = await waiting();
      return v.state === 'finalized' ? v : undefined;
    },
    90_000,
  );
  assert.equal(done.outcome?.reason, 'all-moved');
  const { entries } = await json<{ entries: AuditEntryView[] }>(['audit', '--site', 'PS1']);
  for (const action of ['collection.create', 'window.add', 'window.remove'])
    assert.ok(
      entries.some((e) => e.action === action && e.actor.startsWith('token:')),
      action,
    );
  await cli(['collection', 'delete', 'early']);
  assert.doesNotMatch(await cli(['collection', 'list']), /collection early/);
});
