import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { AgentLauncher, RESTART_EXIT_CODE } from './launcher.js';
import { VersionPointerStore } from './version-pointer.js';

/** A state dir with a base agent and installed versions; each script appends its name to ran.log. */
function fixture(
  versions: Record<string, string>,
  base = 'process.exit(0);',
): { dir: string; store: VersionPointerStore; baseScript: string; ran: () => string[] } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-launcher-'));
  const log = path.join(dir, 'ran.log');
  const script = (name: string, body: string): string =>
    `import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(log)}, ${JSON.stringify(`${name}\n`)});\nconst pointerFile = ${JSON.stringify(path.join(dir, 'agent-version.json'))};\n${body}\n`;
  const baseScript = path.join(dir, 'base.mjs');
  writeFileSync(baseScript, script('base', base));
  const store = new VersionPointerStore(dir);
  for (const [version, body] of Object.entries(versions)) {
    mkdirSync(store.versionDir(version), { recursive: true });
    writeFileSync(path.join(store.versionDir(version), 'siteport-agent.mjs'), script(version, body));
  }
  appendFileSync(log, '');
  return { dir, store, baseScript, ran: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

const HANG = 'setInterval(() => {}, 1000);';
const CONFIRM =
  "const p = JSON.parse(readFileSync(pointerFile, 'utf8')); p.trial = null; writeFileSync(pointerFile, JSON.stringify(p)); process.exit(0);";

test('a version on trial that never reaches an MP is stopped at its deadline and the previous one runs again', async () => {
  const f = fixture({ '0.2.0': HANG });
  try {
    f.store.activate('0.2.0', 1500);
    const states: string[] = [];
    const code = await new AgentLauncher({
      stateDir: f.dir,
      baseScript: f.baseScript,
      checkIntervalMs: 100,
      onState: (s) => states.push(s),
    }).run();
    assert.equal(code, 0);
    assert.deepEqual(f.ran(), ['0.2.0', 'base']);
    const pointer = f.store.read();
    assert.equal(pointer.current, null);
    assert.equal(pointer.trial, null);
    assert.deepEqual(
      { from: pointer.rolledBack?.from, to: pointer.rolledBack?.to, reason: pointer.rolledBack?.reason },
      { from: '0.2.0', to: null, reason: 'no-contact' },
    );
    assert.ok(states.includes('rolling-back'));
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('a version on trial that exits with an error is rolled back to the version before it', async () => {
  const f = fixture({ '0.2.0': 'process.exit(0);', '0.3.0': 'process.exit(3);' });
  try {
    f.store.activate('0.2.0', 60_000);
    f.store.confirm();
    f.store.activate('0.3.0', 60_000);
    const code = await new AgentLauncher({ stateDir: f.dir, baseScript: f.baseScript, checkIntervalMs: 100 }).run();
    assert.equal(code, 0);
    assert.deepEqual(f.ran(), ['0.3.0', '0.2.0']);
    assert.equal(f.store.read().current, '0.2.0');
    assert.equal(f.store.read().rolledBack?.reason, 'exited');
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('an agent that activated a new version and exits to restart is started as the new version, which confirms', async () => {
  const activate = `const now = Date.now(); writeFileSync(pointerFile, JSON.stringify({ current: '0.2.0', previous: null, trial: { since: new Date(now).toISOString(), deadline: new Date(now + 60000).toISOString() }, rolledBack: null })); process.exit(${RESTART_EXIT_CODE});`;
  const f = fixture({ '0.2.0': CONFIRM }, activate);
  try {
    const code = await new AgentLauncher({ stateDir: f.dir, baseScript: f.baseScript, checkIntervalMs: 100 }).run();
    assert.equal(code, 0);
    assert.deepEqual(f.ran(), ['base', '0.2.0']);
    assert.deepEqual(f.store.read(), { current: '0.2.0', previous: null, trial: null, rolledBack: null });
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('an expired trial found at start is rolled back before anything runs', async () => {
  const f = fixture({ '0.2.0': 'process.exit(9);' });
  try {
    f.store.activate('0.2.0', 10, new Date(Date.now() - 60_000));
    assert.equal(await new AgentLauncher({ stateDir: f.dir, baseScript: f.baseScript }).run(), 0);
    assert.deepEqual(f.ran(), ['base']);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('the pointer keeps the current and previous installs; confirm prunes older ones; a hostile version name is refused', () => {
  const f = fixture({ '0.2.0': '', '0.3.0': '', '0.4.0': '' });
  try {
    f.store.activate('0.2.0', 1000);
    f.store.confirm();
    f.store.activate('0.3.0', 1000);
    f.store.confirm();
    f.store.activate('0.4.0', 1000);
    f.store.confirm();
    assert.deepEqual(f.store.read(), { current: '0.4.0', previous: '0.3.0', trial: null, rolledBack: null });
    assert.deepEqual(readdirSync(path.join(f.dir, 'versions')).sort(), ['0.3.0', '0.4.0']);
    assert.throws(() => f.store.versionDir('../../x'), { code: 'E_UPGRADE_PACKAGE' });
    writeFileSync(f.store.file, JSON.stringify({ current: '../etc', previous: null }));
    assert.throws(() => f.store.read(), { code: 'E_STATE_CORRUPT' });
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('a SIGHUP given to the launcher reaches the running agent, which keeps running (reload, not restart)', async () => {
  const onHup =
    "process.on('SIGHUP', () => { appendFileSync(pointerFile.replace('agent-version.json', 'ran.log'), 'hup\\n'); setTimeout(() => process.exit(0), 50); }); setInterval(() => {}, 1000);";
  const f = fixture({}, onHup);
  try {
    const states: string[] = [];
    const launcher = new AgentLauncher({ stateDir: f.dir, baseScript: f.baseScript, onState: (s) => states.push(s) });
    const done = launcher.run();
    // Wait for the agent to be up (it logged its start and set its handler), then pass the signal on.
    for (let i = 0; i < 200 && !f.ran().includes('base'); i++) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 200));
    launcher.signal('SIGHUP');
    assert.equal(await done, 0);
    assert.deepEqual(f.ran(), ['base', 'hup'], 'the agent got the signal once and was not restarted');
    assert.equal(states.filter((s) => s === 'starting').length, 1);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});
