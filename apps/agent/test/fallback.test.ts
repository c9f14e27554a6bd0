import assert from 'node:assert/strict';
import net from 'node:net';
import { afterEach, before, describe, it } from 'node:test';
import type { Agent, ClientConfig, StateStore } from '../src/index.js';
import { ScriptedMp, refusedPort } from './support/scripted-mp.js';
import { install, tempStateDir, testAgent, waitFor } from './support/agent-harness.js';
import { createTestPki, type TestPki } from './support/test-pki.js';

let pki: TestPki;
let mp: ScriptedMp;
let agent: Agent | undefined;
let cleanup: (() => void) | undefined;

before(() => {
  pki = createTestPki();
});
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await mp.closeAll();
  cleanup?.();
});

/** Installs a client and gives client.json and the site policy the same ports. */
function prepare(ports: ClientConfig['ports'], change: Partial<ClientConfig> = {}, httpOnly = false): StateStore {
  const temp = tempStateDir();
  cleanup = temp.cleanup;
  const store = install(temp.dir, [], httpOnly);
  store.writeConfig({ ...store.readConfig(), ports, ...change });
  mp.policy = {
    ...mp.policy,
    ports: { ...mp.policy.ports, http: ports.http, https: ports.https },
    communicationMode: change.communicationMode ?? 'https-or-http',
  };
  return store;
}

const lastPort = (store: StateStore): number | undefined => store.readStatus().lastContact?.port;

describe('port fallback', () => {
  it('falls back to the alternate HTTP port when the default refuses, then returns to the default after retryDefaultAfterMs once it is back', async () => {
    mp = new ScriptedMp('PS1', pki);
    const alternate = await mp.listen('http');
    const def = await refusedPort();
    const store = prepare(
      { http: { default: def, alternate }, https: { default: await refusedPort(), alternate: null } },
      {},
      true,
    );
    agent = testAgent(store.dir, { retryDefaultAfterMs: 400 });
    await agent.start();
    await waitFor('a heartbeat on the alternate port', () =>
      mp.seen('/mp/v1/heartbeat').some((r) => r.port === alternate),
    );
    assert.equal(lastPort(store), alternate);
    assert.equal(store.readStatus().lastContact?.protocol, 'http');
    await waitFor('running', () => agent?.state === 'running');

    await mp.listen('http', def);
    const reopenedAt = mp.requests.length;
    await waitFor(
      'a heartbeat on the default port',
      () => mp.seen('/mp/v1/heartbeat').some((r) => r.port === def),
      5000,
    );
    const sinceReopen = mp.requests.slice(reopenedAt);
    const firstOnDefault = sinceReopen.findIndex((r) => r.port === def);
    assert.ok(firstOnDefault > 0, 'the alternate stays sticky until retryDefaultAfterMs has passed');
    await waitFor('status to show the default port', () => lastPort(store) === def);
    const count = mp.requests.length;
    await waitFor('two more cycles', () => mp.requests.length >= count + 4);
    assert.ok(
      mp.requests.slice(count).every((r) => r.port === def),
      'once back, the default port is used first',
    );
  });

  it('falls back to the alternate HTTPS port when the default refuses and pins the CA over it', async () => {
    mp = new ScriptedMp('PS1', pki);
    const alternate = await mp.listen('https');
    const store = prepare({
      http: { default: await refusedPort(), alternate: null },
      https: { default: await refusedPort(), alternate },
    });
    agent = testAgent(store.dir);
    await agent.start();
    await waitFor('a heartbeat', () => mp.seen('/mp/v1/heartbeat').length > 0);
    assert.deepEqual(
      mp.requests.map((r) => `${r.protocol}:${r.port}`).filter((v, i, a) => a.indexOf(v) === i),
      [`https:${alternate}`],
    );
    assert.equal(store.readText('ca'), pki.caPem);
    await waitFor('status', () => lastPort(store) === alternate);
    assert.equal(store.readStatus().lastContact?.protocol, 'https');
  });

  it('moves on when an endpoint accepts the connection but never answers (timeout)', async () => {
    mp = new ScriptedMp('PS1', pki);
    const staller = net.createServer(() => undefined);
    await new Promise<void>((resolve) => staller.listen(0, '127.0.0.1', () => resolve()));
    const stalled = (staller.address() as net.AddressInfo).port;
    const alternate = await mp.listen('http');
    const store = prepare({ http: { default: stalled, alternate }, https: { default: 1, alternate: null } }, {}, true);
    agent = testAgent(store.dir, { requestTimeoutMs: 200 });
    await agent.start();
    await waitFor('a heartbeat on the alternate', () => mp.seen('/mp/v1/heartbeat').length > 0);
    assert.equal(lastPort(store), alternate);
    await agent.stop();
    staller.close();
  });

  it('reports E_MP_UNREACHABLE listing every endpoint tried and goes unreachable when nothing answers', async () => {
    mp = new ScriptedMp('PS1', pki);
    const store = prepare({
      http: { default: await refusedPort(), alternate: await refusedPort() },
      https: { default: await refusedPort(), alternate: null },
    });
    agent = testAgent(store.dir);
    await agent.start();
    await waitFor('unreachable', () => agent?.state === 'unreachable');
    const error = store.readStatus().lastError;
    assert.equal(error?.code, 'E_MP_UNREACHABLE');
    const config = store.readConfig();
    for (const port of [config.ports.https.default, config.ports.http.default, config.ports.http.alternate]) {
      assert.match(error?.message ?? '', new RegExp(`127\\.0\\.0\\.1:${String(port)} \\(connection refused\\)`));
    }
  });
});

describe('communication modes', () => {
  it('never uses HTTP in https-only mode, even when HTTPS fails and HTTP would answer', async () => {
    mp = new ScriptedMp('PS1', pki);
    const http = await mp.listen('http');
    const httpsPort = await refusedPort();
    const store = prepare(
      { http: { default: http, alternate: null }, https: { default: httpsPort, alternate: null } },
      { communicationMode: 'https-only' },
    );
    agent = testAgent(store.dir);
    await agent.start();
    await waitFor('unreachable', () => agent?.state === 'unreachable');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(mp.requests.length, 0);
    assert.doesNotMatch(store.readStatus().lastError?.message ?? '', /http:\/\//);
  });

  it('never uses HTTPS for a client installed with --http-only', async () => {
    mp = new ScriptedMp('PS1', pki);
    const http = await mp.listen('http');
    const https = await mp.listen('https');
    const store = prepare(
      { http: { default: http, alternate: null }, https: { default: https, alternate: null } },
      {},
      true,
    );
    agent = testAgent(store.dir);
    await agent.start();
    await waitFor('three heartbeats', () => mp.seen('/mp/v1/heartbeat').length >= 3);
    assert.ok(mp.requests.every((r) => r.protocol === 'http'));
    assert.deepEqual(
      mp.requests.slice(0, 2).map((r) => r.path),
      ['/mp/v1/ca', '/mp/v1/register'],
    );
  });

  it('moves from HTTP to the next endpoint when the site answers E_HTTPS_REQUIRED', async () => {
    mp = new ScriptedMp('PS1', pki);
    mp.httpsRequired = true;
    const http = await mp.listen('http');
    const store = prepare(
      { http: { default: http, alternate: null }, https: { default: await refusedPort(), alternate: null } },
      {},
      true,
    );
    agent = testAgent(store.dir);
    await agent.start();
    await waitFor('unreachable', () => agent?.state === 'unreachable');
    assert.match(store.readStatus().lastError?.message ?? '', /the site requires HTTPS/);
  });
});

describe('registration tokens travel only over pinned HTTPS (decision 0095)', () => {
  it('an HTTP-only client holding SMSREGTOKEN never sends its registration over plain HTTP, where anyone on the path could read the token, and says why', async () => {
    mp = new ScriptedMp('PS1', pki);
    const httpPort = await mp.listen('http');
    const token = `sprt_${'a'.repeat(43)}`;
    const store = prepare(
      { http: { default: httpPort, alternate: null }, https: { default: await refusedPort(), alternate: null } },
      { clientId: null, registrationToken: token },
      true,
    );
    agent = testAgent(store.dir);
    await agent.start();
    await waitFor('the CA pinned over HTTP and the registration refused by the agent itself', () =>
      /registration token goes only over HTTPS/.test(store.readStatus().lastError?.message ?? ''),
    );
    assert.equal(mp.seen('/mp/v1/register').length, 0, 'no registration (and so no token) went out over HTTP');
    assert.equal(store.readConfig().registrationToken, token, 'the token is kept for a registration over HTTPS');
  });
});
