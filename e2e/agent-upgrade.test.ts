// Agent upgrades end to end (decision 0111): real agents run from the offline bundle under their
// launcher, a real site server, and every step through the real `siteport upgrade` CLI.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { readClientStatus } from '@siteport/agent';
import { buildAgentBundle } from '@siteport/agent/bundle';
import type { ClientList, PortsView, UpgradeView } from '@siteport/protocol';
import { runCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { type TestServer, startTestServer } from '../test-support/test-server.js';
import { waitFor } from '../test-support/wait-for.js';

interface Site {
  s: TestServer;
  work: string;
  conn: string[];
  fingerprint: string;
  keys: string;
  baseScript: string;
}

async function cli(args: string[]): Promise<string> {
  const result = await runCli(args);
  assert.equal(result.code, 0, `siteport ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** A site with a release key (made and set through the CLI) and the base bundle unpacked. */
async function site(t: TestContext): Promise<Site> {
  const work = tempDir(t, 'siteport-upgrade-');
  const base = await buildAgentBundle(path.join(work, 'base'));
  execFileSync('tar', ['-xzf', base.file, '-C', work]);
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  const conn = ['--server', s.adminUrl, '--data', s.dataDir];
  const keys = path.join(work, 'keys');
  const made = await cli(['upgrade', 'keygen', '--out', keys]);
  const fingerprint = /SMSRELEASEKEY=([0-9a-f]{64})/.exec(made)?.[1] ?? '';
  await cli(['upgrade', 'key', 'set', path.join(keys, 'release-key.pub.pem'), ...conn]);
  assert.match(await cli(['upgrade', 'key', 'show', ...conn]), new RegExp(`SMSRELEASEKEY=${fingerprint}`));
  return { s, work, conn, fingerprint, keys, baseScript: path.join(work, base.folder, 'siteport-agent.mjs') };
}

/** Installs `count` clients with the bundle's setup and runs each under `siteport-agent launch`. */
async function agents(t: TestContext, x: Site, count: number, trialSeconds: number): Promise<string[]> {
  const ports = (await x.s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const children: ChildProcess[] = [];
  t.after(async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
          }),
      ),
    );
  });
  const dirs: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const state = path.join(x.work, `agent-${i}`);
    execFileSync(process.execPath, [
      x.baseScript,
      'setup',
      '--state',
      state,
      'SMSSITECODE=PS1',
      'SMSMP=127.0.0.1',
      `CCMHTTPPORT=${ports.http.default}`,
      `CCMHTTPSPORT=${ports.https.default}`,
      `SMSCAFINGERPRINT=${x.s.server.info.caFingerprint}`,
      `SMSRELEASEKEY=${x.fingerprint}`,
    ]);
    const child = spawn(
      process.execPath,
      [
        x.baseScript,
        'launch',
        '--state',
        state,
        '--log-level',
        'warn',
        '--hostname',
        `agent-${i}`,
        '--upgrade-trial',
        String(trialSeconds),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.resume();
    children.push(child);
    dirs.push(state);
  }
  await waitFor(`${count} agents checked in`, async () => {
    const list = (await x.s.admin<ClientList>('GET', '/sites/PS1/clients')).body;
    return list.clients.filter((c) => c.lastContact !== null).length === count;
  });
  return dirs;
}

/** Builds a bundle of `version`, signs it through the CLI and registers it. */
async function register(x: Site, version: string, edit?: (folder: string) => void): Promise<void> {
  const out = path.join(x.work, `v${version}`);
  const bundle = await buildAgentBundle(out, { version });
  if (edit !== undefined) {
    execFileSync('tar', ['-xzf', bundle.file, '-C', out]);
    edit(path.join(out, bundle.folder));
    execFileSync('tar', ['-czf', bundle.file, '-C', out, bundle.folder]);
  }
  await cli(['upgrade', 'sign', bundle.file, '--key', path.join(x.keys, 'release-key.pem')]);
  await cli(['upgrade', 'package', 'add', bundle.file, ...x.conn]);
}

async function view(x: Site, id: string): Promise<UpgradeView> {
  return JSON.parse(await cli(['upgrade', 'show', id, '--json', ...x.conn])) as UpgradeView;
}

/** The agent's version pointer (none before its first upgrade: the installed version runs). */
function pointer(state: string): { current: string | null; trial: unknown } {
  const file = path.join(state, 'agent-version.json');
  if (!existsSync(file)) return { current: null, trial: null };
  return JSON.parse(readFileSync(file, 'utf8')) as { current: string | null; trial: unknown };
}

test(
  'agents from the offline bundle upgrade in a canary wave, then the rest after advance; the site refuses a tampered package',
  { timeout: 300_000 },
  async (t) => {
    const x = await site(t);
    const dirs = await agents(t, x, 4, 60);
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
    const dirs = await agents(t, x, 3, 4);
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

    for (const action of ['resume', 'halt', 'rollback']) await cli(['upgrade', action, started.id, ...x.conn]);
    assert.equal((await view(x, started.id)).state, 'rolled-back');
    const audit = await cli(['audit', '--json', ...x.conn]);
    for (const action of ['upgrade.start', 'upgrade.halt', 'upgrade.resume', 'upgrade.roll-back'])
      assert.match(audit, new RegExp(action));
  },
);
