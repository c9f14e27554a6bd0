import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditEntryView, PortsView, RolloutView } from '@siteport/protocol';
import { createFleet } from '../test-support/agent-fleet.js';
import { freePort } from '../test-support/ports.js';
import { runCli } from '../test-support/run-cli.js';
import { startCliServer, LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';

/** `2026-12-04T23:10:05` — the wall time of `instant` in Asia/Kolkata (UTC+05:30 all year). */
function kolkata(instant: number): string {
  return new Date(instant + 330 * 60_000).toISOString().slice(0, 19);
}

test('siteport rollout propose --at --time-zone schedules a move; the server is stopped over the start time, starts it at boot (audited as missed) and real agents move', async (t) => {
  const data = tempDir(t);
  const flags = [...LOOPBACK_PORT_FLAGS, '--policy-interval', '1', '--active-window', '30'];
  let server = await startCliServer(t, data, flags);
  const conn = () => ['--server', server.adminUrl, '--data', data];
  const json = async <T>(args: string[]): Promise<T> => {
    const res = await runCli([...args, ...conn(), '--json']);
    assert.equal(res.code, 0, `${args.join(' ')}: ${res.stderr}`);
    return JSON.parse(res.stdout) as T;
  };
  const initial = await json<PortsView>(['ports', 'show']);
  const fleet = createFleet(t, { count: 3, ports: initial, caFingerprint: server.ca, httpOnly: (i) => i === 2 });
  await Promise.all(fleet.map((a) => a.start()));
  const allOn = (http: number, https: number) => () =>
    fleet.every((a) => {
      const last = a.status().lastContact;
      return last !== null && last.port === (last.protocol === 'http' ? http : https);
    });
  await waitFor('the fleet checked in', allOn(initial.http.default, initial.https.default), 30_000);

  // Refused before anything is stored: a zone without a time, and a local time that never happens.
  const zoneOnly = await runCli(['rollout', 'propose', 'http=1', '--time-zone', 'Asia/Kolkata', ...conn()]);
  assert.equal(zoneOnly.code, 2, 'a usage error');
  assert.match(zoneOnly.stderr, /E_OPTION: --time-zone goes with --at/);
  const nextYear = new Date().getUTCFullYear() + 1;
  // US clocks go forward at 02:00 on the second Sunday of March.
  const secondSunday = 8 + ((7 - new Date(Date.UTC(nextYear, 2, 1)).getUTCDay()) % 7);
  const gap = await runCli([
    'rollout',
    'propose',
    'http=1',
    '--at',
    `${nextYear}-03-${String(secondSunday).padStart(2, '0')}T02:30`,
    '--time-zone',
    'America/New_York',
    ...conn(),
  ]);
  assert.equal(gap.code, 1);
  assert.match(gap.stderr, /E_START_TIME_NONEXISTENT: .*does not exist in America\/New_York/);

  // A schedule that is cancelled before its start.
  const { rollout: dropped } = await json<{ rollout: RolloutView }>([
    'rollout',
    'propose',
    `http=${await freePort()}`,
    '--at',
    new Date(Date.now() + 3_600_000).toISOString(),
  ]);
  assert.equal(dropped.state, 'scheduled');
  assert.equal((await json<RolloutView>(['rollout', 'cancel', dropped.id])).state, 'cancelled');

  // The real one: a local time in Asia/Kolkata, 12 s ahead.
  const [http, https] = [await freePort(), await freePort()];
  const startsAt = Math.ceil((Date.now() + 12_000) / 1000) * 1000;
  const proposed = await runCli([
    'rollout',
    'propose',
    `http=${http}`,
    `https=${https}`,
    '--at',
    kolkata(startsAt),
    '--time-zone',
    'Asia/Kolkata',
    ...conn(),
  ]);
  assert.equal(proposed.code, 0, proposed.stderr);
  const utc = new Date(startsAt).toISOString();
  assert.match(
    proposed.stdout,
    new RegExp(`starts ${utc} UTC = ${kolkata(startsAt).replace('T', ' ')} \\+05:30 Asia/Kolkata`),
  );
  assert.match(proposed.stdout, /to call it off: siteport rollout cancel \S+/);
  const id = /^rollout (\S+) \(site/m.exec(proposed.stdout)![1]!;
  const { rollouts } = await json<{ rollouts: RolloutView[] }>(['rollout', 'list']);
  const listed = rollouts.find((r) => r.id === id)!;
  assert.deepEqual(
    [listed.state, listed.schedule?.startsAt, listed.schedule?.timeZone],
    ['scheduled', utc, 'Asia/Kolkata'],
  );

  await server.stop();
  assert.ok(
    Date.now() < startsAt,
    'the server was down before the start time (a loaded machine made this test inconclusive)',
  );
  await new Promise((resolve) => setTimeout(resolve, startsAt - Date.now() + 1000));
  server = await startCliServer(t, data, flags);

  const started = await waitFor('the missed rollout started at boot', async () => {
    const v = await json<RolloutView>(['rollout', 'show', id]);
    return v.state === 'overlapping' ? v : undefined;
  });
  assert.ok(Date.parse(started.committedAt!) > startsAt);
  const { entries } = await json<{ entries: AuditEntryView[] }>(['audit', '--site', 'PS1']);
  const start = entries.find((e) => e.action === 'ports.rollout.start');
  assert.equal(start?.actor, 'siteport');
  const said = start?.newValue as { rolloutId: string; missedWhileDown: boolean; note: string; lateSeconds: number };
  assert.equal(said.rolloutId, id);
  assert.equal(said.missedWhileDown, true);
  assert.match(said.note, /not running at the start time; started at boot/);
  assert.ok(said.lateSeconds >= 1);
  assert.ok(entries.some((e) => e.action === 'ports.rollout.schedule' && e.actor.startsWith('token:')));

  await waitFor('every agent on the new ports', allOn(http, https), 60_000);
});
