import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CreatedToken, PortsView, ReachabilityMatrix } from '@siteport/protocol';
import { GatewayServer } from '../src/gateway/index.js';
import { createLogger } from '../src/logger.js';
import { TestMpClient, call } from '../../../test-support/mp-client.js';
import { startTestServer } from '../../../test-support/test-server.js';

/**
 * A report of what a client reaches describes the client's own network; the MP files it under the
 * subnet of the address the request came from. Through a gateway that address is the gateway's, so
 * a client outside the network could fill the map of the gateway's subnet with its own results.
 */
test("a client outside the network cannot write the reachability map of the gateway's subnet: reachability and pre-flight reports through the gateway are refused, and nothing is recorded", async (t) => {
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  await s.admin('PUT', '/sites/PS1/gateway', { host: '127.0.0.1', port: 443 });
  const secret = (await s.admin<CreatedToken>('POST', '/tokens', { name: 'gw', role: 'gateway', sites: ['PS1'] })).body
    .secret;
  const gateway = new GatewayServer(
    { server: s.adminUrl, token: secret, siteCode: 'PS1', listenHost: '127.0.0.1', port: 0 },
    createLogger('silent'),
  );
  await gateway.start();
  t.after(() => gateway.stop());
  const ca = (await s.admin<{ caCertificate: string }>('GET', '/sites/PS1/gateway/upstream', undefined, secret)).body
    .caCertificate;

  // A registered client, which reaches the gateway from 127.0.1.9 (another subnet than the gateway's).
  const client = new TestMpClient();
  const registration = Buffer.from(
    JSON.stringify({
      siteCode: 'PS1',
      hostname: 'outside-1',
      publicKey: client.publicKeyPem,
      category: 'workgroup',
      agentVersion: '1.0.0',
    }),
  );
  const registered = await call(`http://127.0.0.1:${ports.http.default}/mp/v1/register`, {
    method: 'POST',
    body: registration,
    headers: client.signedHeaders('POST', '/mp/v1/register', registration),
  });
  assert.equal(registered.status, 200, JSON.stringify(registered.body));
  client.clientId = registered.body.clientId as string;
  const viaGateway = (path: string, body: Buffer) =>
    call(`https://127.0.0.1:${gateway.port}${path}`, {
      method: 'POST',
      body,
      ca,
      localAddress: '127.0.1.9',
      headers: client.signedHeaders('POST', path, body),
    });

  // The gateway relays this client's signed requests (its policy) ...
  const policy = await call(`https://127.0.0.1:${gateway.port}/mp/v1/policy`, {
    ca,
    localAddress: '127.0.1.9',
    headers: client.signedHeaders('GET', '/mp/v1/policy', Buffer.alloc(0)),
  });
  assert.equal(policy.status, 200, JSON.stringify(policy.body));

  // ... but not its claims about which ports are blocked.
  const testedAt = new Date().toISOString();
  const blocked = (port: number) => ({ port, transport: 'tcp', outcome: 'timeout', testedAt });
  const report = Buffer.from(JSON.stringify({ results: [blocked(ports.http.default), blocked(ports.https.default)] }));
  const refused = await viaGateway('/mp/v1/reachability', report);
  assert.equal(refused.status, 404, JSON.stringify(refused.body));
  assert.equal(refused.body.error.code, 'E_GATEWAY_PATH');
  const preflight = Buffer.from(JSON.stringify({ rolloutId: 'x', results: [] }));
  const preflightRefused = await viaGateway('/mp/v1/probe-report', preflight);
  assert.equal(preflightRefused.status, 404, JSON.stringify(preflightRefused.body));
  assert.equal(preflightRefused.body.error.code, 'E_GATEWAY_PATH');

  const map = (await s.admin<ReachabilityMatrix>('GET', '/sites/PS1/reachability')).body;
  assert.deepEqual(
    map.subnets.map((row) => row.subnet),
    [],
    "no subnet row: nothing was filed under the gateway's subnet",
  );

  // Sent to the MP directly, the same report is filed under the client's own subnet.
  const direct = await call(`http://127.0.0.1:${ports.http.default}/mp/v1/reachability`, {
    method: 'POST',
    body: report,
    localAddress: '127.0.1.9',
    headers: client.signedHeaders('POST', '/mp/v1/reachability', report),
  });
  assert.equal(direct.status, 200, JSON.stringify(direct.body));
  const after = (await s.admin<ReachabilityMatrix>('GET', '/sites/PS1/reachability')).body;
  assert.deepEqual(
    after.subnets.map((row) => row.subnet),
    ['127.0.1.0/24'],
  );
});
