import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { readClientStatus, runSetup } from '@siteport/agent';
import type { NotifyResult, PortsView } from '@siteport/protocol';
import { HostileProxy, authHeadersOf } from '../test-support/hostile-proxy.js';
import { freePort } from '../test-support/ports.js';
import { startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { startTestServer } from '../test-support/test-server.js';
import { waitFor } from '../test-support/wait-for.js';

type T = Parameters<typeof tempDir>[0];

/** The address the agents are told is their MP: only the proxy listens there (the site binds 127.0.0.1). */
const PROXY_HOST = '127.0.0.2';
const POLICY = '/mp/v1/policy';
const HEARTBEAT = '/mp/v1/heartbeat';
const POLL = '/mp/v1/notify/poll';
const REGISTER = '/mp/v1/register';

/**
 * A site whose HTTP request port a hostile proxy on 127.0.0.2 fronts, and a real `siteport agent`
 * process installed --http-only with SMSMP=127.0.0.2 and the site's CA fingerprint: every request
 * and answer of the agent goes through the proxy. Nothing listens on 127.0.0.2's notification port,
 * so the agent falls back to the long-poll, through the proxy too.
 */
async function siteBehindProxy(t: T) {
  // Registered first, so it runs first (after-hooks run in order): every agent has exited before
  // its state dir is removed — an agent still writing its status made that removal fail.
  const agents: ChildProcess[] = [];
  t.after(async () => {
    for (const child of agents) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  });
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const proxy = await HostileProxy.start(
    t,
    { host: PROXY_HOST, port: ports.http.default },
    { host: '127.0.0.1', port: ports.http.default },
  );
  const stateDir = path.join(tempDir(t), 'client');
  runSetup({
    stateDir,
    properties: [
      'SMSSITECODE=PS1',
      `SMSMP=${PROXY_HOST}`,
      `CCMHTTPPORT=${ports.http.default}`,
      `CCMHTTPSPORT=${ports.https.default}`,
      `SMSCAFINGERPRINT=${s.server.info.caFingerprint}`,
    ],
    httpOnly: true,
  });
  const start = () => {
    const agent = startCli(['agent', '--state', stateDir, '--log-level', 'warn', '--request-timeout', '2'], /$^/);
    agent.started.catch(() => undefined);
    agents.push(agent.child);
    return agent;
  };
  return { s, ports, proxy, stateDir, start };
}

test('a real agent behind a hostile HTTP proxy keeps its policy and ports when the proxy forges policy, heartbeat and long-poll answers, and reports the refusal', async (t) => {
  const { s, ports, proxy, stateDir, start } = await siteBehindProxy(t);
  const agent = start();
  const installed = await waitFor('the agent registered and checks in through the proxy', () => {
    const status = readClientStatus(stateDir);
    return status.state === 'running' && status.clientId !== null && status.lastContact?.port === ports.http.default
      ? status
      : undefined;
  });
  const clientId = installed.clientId!;
  await waitFor('the agent long-polls through the proxy', () => proxy.count(proxy.seen, POLL) > 0);
  // A genuine action travels the same long-poll through the proxy: the channel works.
  const genuine = (
    await s.admin<NotifyResult>('POST', '/notify', { clients: [clientId], action: 'policy', waitSeconds: 20 })
  ).body;
  assert.equal(genuine.results[0]?.outcome, 'acknowledged', JSON.stringify(genuine));

  const attacker = { http: await freePort(), https: await freePort(), notification: await freePort() };
  let beats = 0;
  proxy.rewrite = (path, body) => {
    // Policy: a newer version naming an attacker MP, other request ports and a dead notification
    // port, with the genuine answer's MAC kept. Every other heartbeat: a newer version, MAC
    // stripped (the others pass, so that the check-in goes on to ask for policy).
    if (path === POLICY) {
      const forged = {
        ...(body as object),
        settingsVersion: 134,
        managementPoints: ['127.0.0.9'],
        ports: {
          http: { default: attacker.http, alternate: null },
          https: { default: attacker.https, alternate: null },
          notification: attacker.notification,
          wake: 9,
        },
      };
      return { body: forged, keepAuth: true };
    }
    if (path === HEARTBEAT && (beats += 1) % 2 === 1) {
      return { body: { ...(body as object), settingsVersion: 134 }, keepAuth: false };
    }
    return undefined;
  };
  await waitFor(
    'forged policy and heartbeat answers reached the agent',
    () => proxy.count(proxy.forged, POLICY) >= 1 && proxy.count(proxy.forged, HEARTBEAT) >= 1,
  );
  // Long-polls are answered by the proxy itself at once: a switch-ports action to the attacker's
  // ports, stapled with the MAC of the last genuine poll answer.
  proxy.forge = (path, genuineHeaders) =>
    path === POLL
      ? {
          headers: authHeadersOf(genuineHeaders),
          body: {
            actions: [
              {
                id: 'forged-1',
                action: 'switch-ports',
                payload: {
                  http: { default: attacker.http, alternate: null },
                  https: { default: attacker.https, alternate: null },
                  notification: attacker.notification,
                },
              },
            ],
            notificationPort: attacker.notification,
            keepAliveSeconds: 60,
          },
        }
      : undefined;
  proxy.forgePending();

  await waitFor('a forged long-poll answer reached the agent', () => proxy.count(proxy.forged, POLL) >= 1);
  // Give it a few more policy intervals to adopt anything it would adopt.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const after = readClientStatus(stateDir);
  assert.equal(after.settingsVersion, installed.settingsVersion, 'no forged policy version was adopted');
  assert.deepEqual(
    after.ports,
    installed.ports,
    'neither forged policy nor the forged switch-ports action moved the request ports',
  );
  assert.deepEqual(after.managementPoints, installed.managementPoints, "the attacker's MP was not learnt");
  assert.equal(after.lastError?.code, 'E_ANSWER_UNAUTHENTICATED', 'the agent reports why it keeps its policy');
  assert.match(after.lastError?.message ?? '', /answer refused/);
  assert.ok(
    proxy.count(proxy.forged, POLICY) >= 2,
    'the agent kept asking the proxy for policy, and kept refusing the forgeries',
  );
  assert.match(agent.output().stderr, /refused a management point answer that is not authenticated/);

  // The proxy turns honest again: the agent talks to the site as before, on its own ports.
  proxy.rewrite = undefined;
  proxy.forge = undefined;
  const since = Date.now();
  const recovered = await waitFor('the agent checks in again with no error', () => {
    const status = readClientStatus(stateDir);
    return status.lastError === null && status.lastPolicyAt !== null && Date.parse(status.lastPolicyAt) > since
      ? status
      : undefined;
  });
  assert.deepEqual(recovered.ports, installed.ports);
});

test("a real agent behind a hostile HTTP proxy does not show itself blocked, retired or waiting for approval on a forged refusal, and does on the site's signed one", async (t) => {
  const { s, ports, proxy, stateDir, start } = await siteBehindProxy(t);
  start();
  const installed = await waitFor('the agent registered and checks in through the proxy', () => {
    const status = readClientStatus(stateDir);
    return status.state === 'running' && status.clientId !== null && status.lastContact?.port === ports.http.default
      ? status
      : undefined;
  });
  const clientId = installed.clientId!;
  const refusals = [
    ['E_CLIENT_BLOCKED', 'blocked'],
    ['E_CLIENT_RETIRED', 'retired'],
    ['E_CLIENT_PENDING', 'waiting-approval'],
  ] as const;
  for (const [code] of refusals) {
    const before = proxy.count(proxy.forged, HEARTBEAT);
    // Every heartbeat is refused by the proxy in the site's words, with the auth headers of a genuine answer.
    proxy.forge = (path, genuineHeaders) =>
      path === HEARTBEAT
        ? {
            status: 403,
            headers: authHeadersOf(genuineHeaders),
            body: { error: { code, message: `client ${clientId} is refused` } },
          }
        : undefined;
    await waitFor(`forged ${code} answers reached the agent`, () => proxy.count(proxy.forged, HEARTBEAT) >= before + 2);
    const status = readClientStatus(stateDir);
    assert.equal(status.state, 'running', `a forged ${code} does not change the agent's state`);
    assert.equal(status.lastError?.code, 'E_ANSWER_UNAUTHENTICATED', `the agent reports the forged ${code} as refused`);
  }
  proxy.forge = undefined;
  // The site blocks the client for real: its signed refusal crosses the same proxy and is believed.
  const blocked = await s.admin('POST', `/sites/PS1/clients/${clientId}/block`, {});
  assert.equal(blocked.status, 200, JSON.stringify(blocked.body));
  await waitFor('the agent shows the genuine block', () => readClientStatus(stateDir).state === 'blocked');
  assert.equal(readClientStatus(stateDir).lastError?.code, 'E_CLIENT_BLOCKED');
});

test('a real agent registering through a hostile HTTP proxy refuses a registration answer with a forged policy, then registers once the answers are genuine', async (t) => {
  const { ports, proxy, stateDir, start } = await siteBehindProxy(t);
  const attacker = await freePort();
  proxy.rewrite = (path, body) => {
    if (path !== REGISTER) return undefined;
    const answer = body as { policy: Record<string, unknown> };
    return {
      body: {
        ...answer,
        policy: {
          ...answer.policy,
          settingsVersion: 134,
          managementPoints: ['127.0.0.9'],
          ports: {
            http: { default: attacker, alternate: null },
            https: { default: attacker + 1, alternate: null },
            notification: attacker + 2,
            wake: 9,
          },
        },
      },
      keepAuth: true,
    };
  };
  start();
  await waitFor('a forged registration answer reached the agent', () => proxy.count(proxy.forged, REGISTER) >= 1);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const refused = readClientStatus(stateDir);
  assert.equal(refused.clientId, null, 'no client id taken from a forged answer');
  assert.equal(refused.settingsVersion, 0, 'no forged policy adopted at registration');
  assert.equal(refused.ports.http.default, ports.http.default);
  assert.equal(refused.lastError?.code, 'E_ANSWER_UNAUTHENTICATED');

  proxy.rewrite = undefined;
  const registered = await waitFor('registered with the genuine answer', () => {
    const status = readClientStatus(stateDir);
    return status.clientId !== null && status.state === 'running' ? status : undefined;
  });
  assert.equal(registered.settingsVersion, 1);
  assert.deepEqual(registered.managementPoints, [PROXY_HOST]);
});

test('a real agent whose CA fingerprint is known refuses a site CA that a proxy substituted on its first contact over HTTP', async (t) => {
  const { proxy, stateDir, start } = await siteBehindProxy(t);
  const other = await startTestServer(t, { siteCode: 'PS1' });
  const otherCa = (await fetch(`http://127.0.0.1:${other.server.info.ports.http.default}/mp/v1/ca`).then((r) =>
    r.json(),
  )) as Record<string, unknown>;
  proxy.rewrite = (path) => (path === '/mp/v1/ca' ? { body: otherCa, keepAuth: false } : undefined);
  start();
  const refused = await waitFor('the substituted CA was refused', () => {
    const status = readClientStatus(stateDir);
    return proxy.count(proxy.forged, '/mp/v1/ca') >= 1 && status.lastError?.code === 'E_CA_MISMATCH'
      ? status
      : undefined;
  });
  assert.equal(refused.clientId, null);
  assert.equal(proxy.count(proxy.seen, REGISTER), 0, 'the agent never registered with the substituted CA');
});
