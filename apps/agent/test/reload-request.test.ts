import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { StateStore, portSwitch, readClientStatus } from '../src/index.js';
import { ScriptedMp } from './support/scripted-mp.js';
import { install, tempStateDir, waitFor } from './support/agent-harness.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(REPO, 'apps/cli/bin/siteport.js');
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('reload without a signal (the Windows path, run on Linux)', () => {
  it('a port switch made as on Windows reaches the running agent through the request file, with no SIGHUP', async () => {
    const mp = new ScriptedMp();
    cleanups.push(() => mp.closeAll());
    const oldPort = await mp.listen('http');
    const newPort = await mp.listen('http');
    mp.policy = { ...mp.policy, ports: { ...mp.policy.ports, http: { default: oldPort, alternate: null } } };
    const temp = tempStateDir();
    cleanups.push(temp.cleanup);
    install(temp.dir, [`CCMHTTPPORT=${oldPort}`], true);
    const child: ChildProcess = spawn(process.execPath, [BIN, 'agent', '--state', temp.dir, '--log-level', 'warn'], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    await waitFor(
      'the agent to check in on the old port',
      () => mp.seen('/mp/v1/heartbeat').some((r) => r.port === oldPort),
      20_000,
    );

    // A SIGHUP reaching this agent would make it reload too: make any signal fail the test instead.
    const realKill = process.kill.bind(process);
    const signalled: Array<string | number | undefined> = [];
    process.kill = (pid: number, signal?: string | number) => {
      if (pid === child.pid && signal !== 0) signalled.push(signal);
      return realKill(pid, signal);
    };
    let record;
    try {
      record = portSwitch({ stateDir: temp.dir, httpPort: String(newPort), platform: 'win32' });
    } finally {
      process.kill = realKill;
    }
    assert.deepEqual(signalled, [], 'no signal was sent');
    assert.equal(record.agentSignalled, true);
    assert.equal(record.agentPid, child.pid);

    // The policy interval is 60 s: only the reload request can make the agent call this soon.
    await waitFor(
      'a heartbeat on the new port',
      () => mp.seen('/mp/v1/heartbeat').some((r) => r.port === newPort),
      5000,
    );
    assert.equal(existsSync(new StateStore(temp.dir).file('reloadRequest')), false, 'the agent took the request');
    await waitFor('status to show the new port', () => readClientStatus(temp.dir).lastContact?.port === newPort);

    child.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, signal: null }, stderr);
  });
});
