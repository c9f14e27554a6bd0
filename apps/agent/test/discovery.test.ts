import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Agent } from '../src/index.js';
import { runSetup, StateStore } from '../src/index.js';
import { ScriptedMp, refusedPort } from './support/scripted-mp.js';
import { tempStateDir, testAgent, waitFor } from './support/agent-harness.js';
import { SrvResponder } from './support/srv-responder.js';

let mp: ScriptedMp | undefined;
let agent: Agent | undefined;
let dns: SrvResponder | undefined;
let cleanup: (() => void) | undefined;

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await mp?.closeAll();
  await dns?.close();
  cleanup?.();
});

describe('discovery order', () => {
  it('falls back to the DNS SRV record when the stored MP does not answer, and ignores records on other ports', async () => {
    mp = new ScriptedMp();
    const port = await mp.listen('http');
    mp.policy = { ...mp.policy, ports: { ...mp.policy.ports, http: { default: port, alternate: null } } };
    const wrongPort = await refusedPort();
    dns = new SrvResponder(
      new Map([
        [
          '_siteport-mp._tcp.corp.test',
          [
            { target: 'localhost', port: wrongPort, priority: 1 },
            { target: 'localhost', port, priority: 5 },
          ],
        ],
      ]),
    );
    const server = await dns.listen();
    const temp = tempStateDir();
    cleanup = temp.cleanup;
    // 127.0.0.2 is loopback too, but the scripted MP listens on 127.0.0.1 only: the stored MP refuses.
    runSetup({
      stateDir: temp.dir,
      properties: ['SMSMP=127.0.0.2', `CCMHTTPPORT=${port}`],
      httpOnly: true,
      dnsDomain: 'corp.test',
    });
    const store = new StateStore(temp.dir);
    agent = testAgent(temp.dir, { dnsServers: [server] });
    await agent.start();
    await waitFor('a contact through the SRV host', () => store.readStatus().discovery?.lastContactSource === 'dns');
    const discovery = store.readStatus().discovery!;
    assert.deepEqual(discovery.order, ['stored', 'dns']);
    assert.deepEqual(discovery.dns?.accepted, [`localhost:${port}`]);
    assert.equal(discovery.dns?.rejected.length, 1);
    assert.match(
      discovery.dns?.rejected[0] ?? '',
      new RegExp(`port ${wrongPort} is not one of this client's request ports`),
    );
    assert.equal(store.readStatus().lastContact?.mp, 'localhost');
    assert.equal(store.readConfig().category, 'workgroup');
    assert.ok(dns.queries.includes('_siteport-mp._tcp.corp.test'));
  });

  it('never looks up DNS while the stored MP answers, and reports a failed SRV lookup with E_DNS_LOOKUP', async () => {
    mp = new ScriptedMp();
    const port = await mp.listen('http');
    mp.policy = { ...mp.policy, ports: { ...mp.policy.ports, http: { default: port, alternate: null } } };
    dns = new SrvResponder(new Map());
    const server = await dns.listen();
    const temp = tempStateDir();
    cleanup = temp.cleanup;
    runSetup({
      stateDir: temp.dir,
      properties: ['SMSMP=127.0.0.1', `CCMHTTPPORT=${port}`],
      httpOnly: true,
      dnsDomain: 'corp.test',
    });
    const store = new StateStore(temp.dir);
    agent = testAgent(temp.dir, { dnsServers: [server] });
    await agent.start();
    await waitFor('a few cycles on the stored MP', () => mp!.seen('/mp/v1/heartbeat').length >= 3);
    assert.equal(dns.queries.length, 0);
    assert.equal(store.readStatus().discovery?.lastContactSource, 'stored');
    await mp.closeAll();
    await waitFor('a failed SRV lookup', () => store.readStatus().discovery?.dns?.lastError?.code === 'E_DNS_LOOKUP');
    assert.match(store.readStatus().discovery?.dns?.lastError?.message ?? '', /_siteport-mp\._tcp\.corp\.test/);
  });
});
