import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImpactReport, RolloutView } from '@siteport/protocol';
import { freePort } from '../test-support/ports.js';
import { runCli } from '../test-support/run-cli.js';
import { startTestServer } from '../test-support/test-server.js';

test('siteport rollout propose, list, show, impact, commit, finalize, cancel and rollback drive tracked changes through the real CLI', async (t) => {
  const srv = await startTestServer(t);
  const conn = ['--server', srv.adminUrl, '--data', srv.dataDir];
  const json = async <T>(args: string[]): Promise<T> => {
    const res = await runCli([...args, ...conn, '--json']);
    assert.equal(res.code, 0, `${args.join(' ')}: ${res.stderr}`);
    return JSON.parse(res.stdout) as T;
  };

  const previewPort = await freePort();
  const preview = await json<ImpactReport>(['ports', 'impact', `https=${previewPort}`]);
  assert.deepEqual([preview.rolloutId, preview.added], [null, [{ protocol: 'https', port: previewPort }]]);

  // Propose in text mode: the printed next step commits it, as printed.
  const proposed = await runCli(['rollout', 'propose', `https=${await freePort()}`, ...conn]);
  assert.equal(proposed.code, 0, proposed.stderr);
  const next = /^next: (siteport rollout commit (\S+) --server \S+ --data \S+)$/m.exec(proposed.stdout);
  assert.ok(next, proposed.stdout);
  const id = next[2]!;
  assert.equal((await json<RolloutView>(['rollout', 'show', id])).state, 'validated');
  const committed = await runCli(next[1]!.split(' ').slice(1));
  assert.equal(committed.code, 0, committed.stderr);
  assert.equal((await json<RolloutView>(['rollout', 'show', id])).state, 'overlapping');
  const { rollouts } = await json<{ rollouts: RolloutView[] }>(['rollout', 'list']);
  assert.deepEqual(
    rollouts.map((r) => r.id),
    [id],
  );
  assert.equal((await json<ImpactReport>(['rollout', 'impact', id])).rolloutId, id);
  assert.equal((await json<RolloutView>(['rollout', 'finalize', id])).state, 'finalized');

  const { rollout: dropped } = await json<{ rollout: RolloutView }>([
    'rollout',
    'propose',
    `https=${await freePort()}`,
  ]);
  assert.equal((await json<RolloutView>(['rollout', 'cancel', dropped.id])).state, 'cancelled');

  const { rollout: back } = await json<{ rollout: RolloutView }>([
    'rollout',
    'propose',
    `https=${await freePort()}`,
    '--deadline',
    '600',
  ]);
  await json<RolloutView>(['rollout', 'commit', back.id]);
  assert.match((await json<RolloutView>(['rollout', 'rollback', back.id])).state, /^(rolling-back|rolled-back)$/);

  const unknown = await runCli(['rollout', 'show', 'no-such-rollout', ...conn]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^siteport: E_[A-Z_]+: /);
  const usage = await runCli(['rollout', 'propose', ...conn]);
  assert.equal(usage.code, 2, 'no ITEM=VALUE');
  const again = await runCli(['rollout', 'finalize', id, '--force', ...conn]);
  assert.equal(again.code, 1, 'a finalized rollout is not finalized twice');
});
