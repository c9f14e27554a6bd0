import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Agent, StateStore } from '../src/index.js';
import { ScriptedMp, refusedPort } from './support/scripted-mp.js';
import { install, tempStateDir, testAgent, waitFor } from './support/agent-harness.js';

let mp: ScriptedMp;
let agent: Agent | undefined;
let cleanup: (() => void) | undefined;

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await mp.closeAll();
  cleanup?.();
});

async function runningAgent(): Promise<{ store: StateStore; oldPort: number }> {
  mp = new ScriptedMp();
  const oldPort = await mp.listen('http');
  const temp = tempStateDir();
  cleanup = temp.cleanup;
  const store = install(temp.dir, [`CCMHTTPPORT=${oldPort}`], true);
  mp.policy = { ...mp.policy, ports: { ...mp.policy.ports, http: { default: oldPort, alternate: null } } };
  agent = testAgent(store.dir);
  await agent.start();
  await waitFor('registration and a heartbeat', () => mp.seen('/mp/v1/heartbeat').length > 0);
  return { store, oldPort };
}

describe('site policy', () => {
  it('adopts a policy with a higher settingsVersion and sends the next request to the new port', async () => {
    const { store, oldPort } = await runningAgent();
    const newPort = await mp.listen('http');
    mp.publish({
      ports: { ...mp.policy.ports, http: { default: newPort, alternate: oldPort } },
      policyIntervalSeconds: 30,
      managementPoints: ['127.0.0.1', 'mp2.example'],
    });
    await waitFor('a request on the new port', () => mp.requests.some((r) => r.port === newPort));
    const config = store.readConfig();
    assert.equal(config.settingsVersion, 2);
    assert.deepEqual(config.ports.http, { default: newPort, alternate: oldPort });
    assert.equal(config.policyIntervalSeconds, 30);
    assert.deepEqual(config.managementPoints, ['127.0.0.1', 'mp2.example']);
    const firstNew = mp.requests.findIndex((r) => r.port === newPort);
    assert.ok(
      mp.requests.slice(firstNew).every((r) => r.port === newPort),
      'no request goes back to the old port',
    );
    await waitFor('status to show the new port', () => store.readStatus().lastContact?.port === newPort);
  });

  it('ignores a policy whose settingsVersion is not newer than the stored one', async () => {
    const { store, oldPort } = await runningAgent();
    mp.policy = {
      ...mp.policy,
      ports: { ...mp.policy.ports, http: { default: await refusedPort(), alternate: null } },
    };
    const seen = mp.seen('/mp/v1/policy').length;
    await waitFor('two more policy downloads', () => mp.seen('/mp/v1/policy').length >= seen + 2);
    assert.equal(store.readConfig().ports.http.default, oldPort);
  });

  it('registers again when the site answers E_UNKNOWN_CLIENT', async () => {
    const { store } = await runningAgent();
    const firstId = store.readConfig().clientId;
    mp.clients.clear();
    await waitFor('a second registration', () => mp.seen('/mp/v1/register').length >= 2);
    await waitFor(
      'a new client id',
      () => store.readConfig().clientId !== firstId && store.readConfig().clientId !== null,
    );
    const id = store.readConfig().clientId;
    await waitFor('a heartbeat with the new id', () => mp.seen('/mp/v1/heartbeat').some((r) => r.clientId === id));
  });

  it('refuses to pin a CA whose fingerprint differs from SMSCAFINGERPRINT', async () => {
    mp = new ScriptedMp();
    const port = await mp.listen('http');
    const temp = tempStateDir();
    cleanup = temp.cleanup;
    const store = install(temp.dir, [`CCMHTTPPORT=${port}`, `SMSCAFINGERPRINT=${'ab'.repeat(32)}`], true);
    agent = testAgent(store.dir);
    await agent.start();
    await waitFor('an error', () => store.readStatus().lastError !== null);
    assert.equal(store.readStatus().lastError?.code, 'E_CA_MISMATCH');
    assert.equal(store.readText('ca'), undefined);
    assert.equal(mp.seen('/mp/v1/register').length, 0);
  });
});
