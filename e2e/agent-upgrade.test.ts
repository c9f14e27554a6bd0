// Agent upgrades end to end (decision 0111): real agents run from the offline bundle under their
// launcher, a real site server, and every step through the real `siteport upgrade` CLI.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readClientStatus } from '@siteport/agent';
import { buildAgentBundle } from '@siteport/agent/bundle';
import type { UpgradeView } from '@siteport/protocol';
import { runCli } from '../test-support/run-cli.js';
import { type Site, agents, cli, pointer, register, site, view } from '../test-support/upgrade-site.js';
import { waitFor } from '../test-support/wait-for.js';

/** Makes the release-signing key and sets its public key on the site, all through the real CLI. */
async function releaseKey(x: Site): Promise<void> {
  const made = await cli(['upgrade', 'keygen', '--out', x.keys]);
  x.fingerprint = /SMSRELEASEKEY=([0-9a-f]{64})/.exec(made)?.[1] ?? '';
  await cli(['upgrade', 'key', 'set', path.join(x.keys, 'release-key.pub.pem'), ...x.conn]);
  assert.match(await cli(['upgrade', 'key', 'show', ...x.conn]), new RegExp(`SMSRELEASEKEY=${x.fingerprint}`));
}

test(
  'agents from the offline bundle upgrade in a canary wave, then the rest after advance; the site refuses a tampered package',
  { timeout: 300_000 },
  async (t) => {
    const x = await site(t);
    await releaseKey(x);
    const dirs = await agents(x, 4, 60);
    await register(x, '0.2.0');
    assert.match(await cli(['upgrade', 'package', 'list', ...x.conn]), /^0\.2\.0 /m);

    // A package changed after signing is refused by the site, with its code.
    const tampered = await buildAgentBundle(path.join(x.work, 'tampered'), { version: '0.2.1' });
    await cli(['upgrade', 'sign', tampered.file, '--key', path.join(x.keys, 'release-key.pem')]);
    const bytes = readFileSync(tampered.file);
    bytes[bytes.length - 9] = (bytes[bytes.length - 9] ?? 0) ^ 0xff;
    writeFileSync(tampered.file, bytes);
    const refused = await runCli(['upgrade', 'package', 'add', tampered.file, ...x.conn]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /E_UPGRADE_PACKAGE/);

    const started = JSON.parse(
      await cli(['upgrade', 'start', '0.2.0', '--canary', '25', '--json', ...x.conn]),
    ) as UpgradeView;
    assert.equal(started.state, 'canary');
    assert.deepEqual([started.waves.canary.selected, started.waves.rest.selected], [1, 3]);
    const waiting = await waitFor(
      'the canary upgraded and the upgrade waits',
      async () => {
        const v = await view(x, started.id);
        return v.state === 'waiting' ? v : undefined;
      },
      120_000,
    );
    assert.equal(waiting.waves.canary.upgraded, 1);
    assert.equal(waiting.waves.rest.offered, 0, 'the rest is not offered before advance');
    const upgraded = dirs.filter((d) => pointer(d).current === '0.2.0');
    assert.equal(upgraded.length, 1);

    await cli(['upgrade', 'advance', started.id, ...x.conn]);
    const done = await waitFor(
      'every agent upgraded',
      async () => {
        const v = await view(x, started.id);
        return v.state === 'complete' ? v : undefined;
      },
      180_000,
    );
    assert.equal(done.waves.rest.upgraded, 3);
    for (const dir of dirs) {
      assert.deepEqual(pointer(dir), { current: '0.2.0', previous: null, trial: null, rolledBack: null });
      await waitFor('the new version checks in', () => readClientStatus(dir).state === 'running');
    }
    assert.match(await cli(['upgrade', 'list', ...x.conn]), /to 0\.2\.0: complete/);
  },
);

test(
  'a version that cannot reach a management point is rolled back by the launcher, and the upgrade halts at the threshold',
  { timeout: 300_000 },
  async (t) => {
    const x = await site(t);
    await releaseKey(x);
    const dirs = await agents(x, 3, 4);
    // A signed build whose agent never contacts a management point.
    await register(x, '0.3.0', (folder) =>
      writeFileSync(path.join(folder, 'siteport-agent.mjs'), 'setInterval(() => {}, 1000);\n'),
    );
    const started = JSON.parse(
      await cli(['upgrade', 'start', '0.3.0', '--canary', '100', '--threshold', '50', '--json', ...x.conn]),
    ) as UpgradeView;
    const halted = await waitFor(
      'the upgrade halted',
      async () => {
        const v = await view(x, started.id);
        return v.state === 'halted' ? v : undefined;
      },
      120_000,
    );
    assert.ok(halted.waves.canary.rolledBack >= 2, JSON.stringify(halted.waves));
    assert.match(halted.reason ?? '', /passed the threshold of 50 %/);
    await waitFor(
      'every agent back on the installed version and checking in',
      () => dirs.every((d) => pointer(d).current === null && readClientStatus(d).state === 'running'),
      120_000,
    );

    assert.match(await cli(['upgrade', 'show', started.id, ...x.conn]), /to 0\.3\.0: halted/);
    await cli(['upgrade', 'resume', started.id, ...x.conn]);
    await cli(['upgrade', 'halt', started.id, ...x.conn]);
    await cli(['upgrade', 'rollback', started.id, ...x.conn]);
    assert.equal((await view(x, started.id)).state, 'rolled-back');
    const audit = await cli(['audit', '--json', ...x.conn]);
    for (const action of ['upgrade.start', 'upgrade.halt', 'upgrade.resume', 'upgrade.roll-back'])
      assert.match(audit, new RegExp(action));
  },
);

test(
  "an administrator's roll back of an upgrade that reached its agents makes each of them go back to the version it ran before",
  { timeout: 300_000 },
  async (t) => {
    const x = await site(t);
    await releaseKey(x);
    const dirs = await agents(x, 2, 60);
    await register(x, '0.2.0');
    const started = JSON.parse(
      await cli(['upgrade', 'start', '0.2.0', '--canary', '100', '--json', ...x.conn]),
    ) as UpgradeView;
    await waitFor(
      'both agents upgraded and confirmed the new version',
      async () =>
        (await view(x, started.id)).waves.canary.upgraded === 2 &&
        dirs.every((d) => pointer(d).current === '0.2.0' && pointer(d).trial === null),
      120_000,
    );

    await cli(['upgrade', 'rollback', started.id, ...x.conn]);
    await waitFor(
      'both agents reverted to the installed version, are checking in and reported it',
      async () =>
        dirs.every((d) => pointer(d).current === null && readClientStatus(d).state === 'running') &&
        (await view(x, started.id)).waves.canary.upgraded === 0,
      120_000,
    );
    const back = await view(x, started.id);
    assert.equal(back.state, 'rolled-back');
    for (const dir of dirs)
      assert.equal(pointer(dir).rolledBack, null, 'the revert was reported, so its record is cleared');
  },
);
