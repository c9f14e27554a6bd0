import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SiteportError } from '@siteport/protocol';
import type { StateStore } from '../src/index.js';
import { portSwitch, readClientStatus } from '../src/index.js';
import { ScriptedMp } from './support/scripted-mp.js';
import { install, tempStateDir, waitFor } from './support/agent-harness.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(REPO, 'apps/cli/bin/siteport.js');
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function installed(properties: string[] = []): StateStore {
  const temp = tempStateDir();
  cleanups.push(temp.cleanup);
  return install(temp.dir, properties);
}

function failure(fn: () => unknown): SiteportError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof SiteportError, `expected a SiteportError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a failure');
}

describe('port switch rules', () => {
  const cases: Array<{ http: string; https?: string; code: string; message: RegExp }> = [
    { http: '0', code: 'E_PORT_RANGE', message: /HTTPPORT must be a whole number from 1 to 65535, got "0"/ },
    { http: '65536', code: 'E_PORT_RANGE', message: /HTTPPORT .* got "65536"/ },
    { http: 'abc', code: 'E_PORT_RANGE', message: /HTTPPORT .* got "abc"/ },
    { http: '', code: 'E_PORT_RANGE', message: /HTTPPORT .* got ""/ },
    { http: '-1', code: 'E_PORT_RANGE', message: /HTTPPORT/ },
    { http: '8080', https: '0', code: 'E_PORT_RANGE', message: /HTTPSPORT .* got "0"/ },
    { http: '8080', https: '65536', code: 'E_PORT_RANGE', message: /HTTPSPORT .* got "65536"/ },
    { http: '8080', https: 'x443', code: 'E_PORT_RANGE', message: /HTTPSPORT/ },
    { http: '8080', https: '8080', code: 'E_PORT_CONFLICT', message: /must differ, both are 8080/ },
    {
      http: '443',
      code: 'E_PORT_CONFLICT',
      message: /the HTTPS port would equal the HTTP port \(443\).*give HTTPSPORT as well/,
    },
  ];
  for (const c of cases) {
    it(`refuses HTTPPORT=${JSON.stringify(c.http)} HTTPSPORT=${JSON.stringify(c.https ?? null)} with ${c.code} and leaves client.json unchanged`, () => {
      const store = installed();
      const before = readFileSync(store.file('config'), 'utf8');
      const error = failure(() =>
        portSwitch({ stateDir: store.dir, httpPort: c.http, ...(c.https === undefined ? {} : { httpsPort: c.https }) }),
      );
      assert.equal(error.code, c.code);
      assert.match(error.message, c.message);
      assert.equal(readFileSync(store.file('config'), 'utf8'), before);
      assert.equal(existsSync(store.file('portSwitch')), false);
    });
  }

  it('fails with E_NOT_INSTALLED when the directory has no client', () => {
    const temp = tempStateDir();
    cleanups.push(temp.cleanup);
    const error = failure(() => portSwitch({ stateDir: temp.dir, httpPort: '8080' }));
    assert.equal(error.code, 'E_NOT_INSTALLED');
    assert.match(error.message, /run siteport setup --state/);
  });

  it('writes the new ports and a record saying no agent was signalled when none runs', () => {
    const store = installed();
    const record = portSwitch({ stateDir: store.dir, httpPort: '8080', httpsPort: '8443' });
    assert.deepEqual(store.readConfig().ports, {
      http: { default: 8080, alternate: null },
      https: { default: 8443, alternate: null },
    });
    assert.equal(record.agentSignalled, false);
    assert.equal(record.agentPid, null);
    assert.deepEqual(record.previous, { http: 80, https: 443 });
    assert.deepEqual(store.readPortSwitch(), record);
  });

  it('keeps HTTPS unchanged when only the HTTP port is given, and the CLI prints the record', () => {
    const store = installed(['CCMHTTPSPORT=9443']);
    const run = spawnSync(process.execPath, [BIN, 'portswitch', '--state', store.dir, '--json', '8081'], {
      encoding: 'utf8',
      cwd: REPO,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { httpsPort: unknown }).httpsPort, null);
    assert.deepEqual(store.readConfig().ports.https, { default: 9443, alternate: null });
    assert.equal(store.readConfig().ports.http.default, 8081);
    const bad = spawnSync(process.execPath, [BIN, 'portswitch', '--state', store.dir, '70000'], {
      encoding: 'utf8',
      cwd: REPO,
    });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^siteport: E_PORT_RANGE: HTTPPORT must be a whole number from 1 to 65535/);
  });
});

describe('port switch with a running agent', () => {
  it('signals the running siteport agent process, which moves to the new port, and client status shows the record', async () => {
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
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });

    await waitFor(
      'the agent to check in on the old port',
      () => mp.seen('/mp/v1/heartbeat').some((r) => r.port === oldPort),
      20_000,
    );
    await waitFor('the agent to report running', () => readClientStatus(temp.dir).state === 'running');
    assert.equal(readClientStatus(temp.dir).agentRunning, true);

    const record = portSwitch({ stateDir: temp.dir, httpPort: String(newPort) });
    assert.equal(record.agentSignalled, true);
    assert.equal(record.agentPid, child.pid);
    // The policy interval is 60 s: only SIGHUP can make the agent call this soon.
    await waitFor(
      'a heartbeat on the new port',
      () => mp.seen('/mp/v1/heartbeat').some((r) => r.port === newPort),
      5000,
    );
    const beat = mp.seen('/mp/v1/heartbeat').find((r) => r.port === newPort);
    assert.deepEqual((beat?.body as { portSwitch?: unknown }).portSwitch, {
      at: record.at,
      httpPort: newPort,
      httpsPort: null,
    });

    await waitFor('status to show the new port', () => readClientStatus(temp.dir).lastContact?.port === newPort);
    const cli = spawnSync(process.execPath, [BIN, 'client', 'status', '--state', temp.dir, '--json'], {
      encoding: 'utf8',
      cwd: REPO,
    });
    assert.equal(cli.status, 0, cli.stderr);
    const status = JSON.parse(cli.stdout) as Record<string, any>;
    assert.deepEqual(status.portSwitch, record);
    assert.equal(status.ports.http.default, newPort);
    assert.equal(status.lastContact.port, newPort);
    assert.equal(status.lastContact.protocol, 'http');
    assert.equal(status.state, 'running');

    const second = spawnSync(process.execPath, [BIN, 'agent', '--state', temp.dir], { encoding: 'utf8', cwd: REPO });
    // E_OPTION (exit 2): the --state directory is held by another agent; protocol has no dedicated code.
    assert.equal(second.status, 2);
    assert.match(second.stderr, /^siteport: E_OPTION: another siteport agent \(pid \d+\) is already running/);

    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.equal(existsSync(path.join(temp.dir, 'agent.pid')), false);
    assert.equal(readClientStatus(temp.dir).state, 'stopped');
  });
});
