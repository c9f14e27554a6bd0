import assert from 'node:assert/strict';
import { createHash, createPrivateKey, randomBytes, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { test } from 'node:test';
import { readClientStatus, runSetup } from '@siteport/agent';
import {
  type AuditList,
  type ClientList,
  type CreatedToken,
  type GatewayView,
  type PortsView,
  type RolloutView,
  SIGNATURE_HEADERS,
  canonicalRequest,
} from '@siteport/protocol';
import { TestHost } from '../test-support/netns.js';
import { freePort } from '../test-support/ports.js';
import { requireTool } from '../test-support/require-tool.js';
import { runCli, startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { startTestServer } from '../test-support/test-server.js';
import { waitFor } from '../test-support/wait-for.js';

/**
 * A client outside the network: a network namespace whose firewall (nftables) drops every
 * management point port, so the only way to the site is the gateway's public port. It registers,
 * downloads policy and sends heartbeats through the gateway; a port change with a rollout inside
 * does not cost it contact; when the MP ports open again it goes back to them.
 */
test('an agent that reaches only the gateway registers, checks in, survives a port rollout and returns to direct MPs', async (t) => {
  if (!requireTool(t, 'ip', 'apt-get install iproute2') || !requireTool(t, 'nft', 'apt-get install nftables')) return;
  const host = new TestHost(170);
  t.after(() => host.remove());
  const s = await startTestServer(t, {
    policyIntervalSeconds: 1,
    bindHost: '0.0.0.0',
    publicHosts: [host.hostAddress],
  });
  const tokenFile = path.join(s.dataDir, 'admin-token');
  const admin = ['--server', s.adminUrl, '--token-file', tokenFile];
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const gatewayPort = await freePort('0.0.0.0');

  // The setting, through the CLI: set, show, and an invalid host refused with nothing written.
  const bad = await runCli(['gateway', 'set', ...admin, '--host', 'not a host', '--port', String(gatewayPort)]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /E_VALIDATION/);
  const set = await runCli(['gateway', 'set', ...admin, '--host', host.hostAddress, '--port', String(gatewayPort)]);
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, new RegExp(`gateway https://${host.hostAddress.replace(/\./g, '\\.')}:${gatewayPort}`));
  const shown = JSON.parse((await runCli(['gateway', 'show', ...admin, '--json'])).stdout) as GatewayView;
  assert.deepEqual(shown.gateway, { host: host.hostAddress, port: gatewayPort });
  assert.equal(shown.updatedBy, 'token:admin');

  // The gateway's own credential: a token of the gateway role, scoped to the site.
  const created = await s.admin<CreatedToken>('POST', '/tokens', {
    name: 'gateway-1',
    role: 'gateway',
    sites: ['PS1'],
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const gatewayTokenFile = path.join(tempDir(t), 'gateway-token');
  writeFileSync(gatewayTokenFile, created.body.secret, { mode: 0o600 });
  const gateway = startCli(
    [
      'gateway',
      'run',
      '--server',
      s.adminUrl,
      '--token-file',
      gatewayTokenFile,
      '--site',
      'PS1',
      '--listen',
      '0.0.0.0',
      '--port',
      String(gatewayPort),
      '--refresh-ms',
      '500',
      '--key-ttl-ms',
      '500',
      '--max-connections',
      '100',
      '--max-body-bytes',
      '65536',
      '--max-concurrent',
      '32',
      '--upstream-timeout-ms',
      '10000',
      '--log-level',
      'warn',
    ],
    /listening on port/,
  );
  t.after(() => gateway.child.kill('SIGTERM'));
  const banner = await gateway.started;
  assert.match(
    banner,
    new RegExp(`listening on port ${gatewayPort} \\(public name ${host.hostAddress.replace(/\./g, '\\.')}\\)`),
  );

  const newPorts = { http: await freePort('0.0.0.0'), https: await freePort('0.0.0.0') };
  // Outside: the namespace's firewall drops every packet to an MP port, as an internet edge does
  // (no reset: each direct attempt waits for the agent's request timeout).
  host.exec('nft', 'add', 'table', 'inet', 'siteport_gateway');
  host.exec('nft', 'add', 'chain', 'inet', 'siteport_gateway', 'output', '{ type filter hook output priority 0 ; }');
  for (const port of [ports.http.default, ports.https.default, newPorts.http, newPorts.https]) {
    host.exec('nft', 'add', 'rule', 'inet', 'siteport_gateway', 'output', 'tcp', 'dport', String(port), 'drop');
  }

  const stateDir = path.join(tempDir(t), 'outside-client');
  runSetup({
    stateDir,
    properties: [
      'SMSSITECODE=PS1',
      `SMSMP=${host.hostAddress}`,
      `CCMHTTPPORT=${ports.http.default}`,
      `CCMHTTPSPORT=${ports.https.default}`,
      `SMSCAFINGERPRINT=${s.server.info.caFingerprint}`,
      `SMSGATEWAY=${host.hostAddress}:${gatewayPort}`,
    ],
  });
  const agent = startCli(
    ['agent', '--state', stateDir, '--log-level', 'warn', '--request-timeout', '1', '--retry-default-after', '20'],
    /$^/,
    { prefix: host.prefix },
  );
  agent.started.catch(() => undefined);
  t.after(() => agent.child.kill('SIGTERM'));

  const clients = async (): Promise<ClientList['clients']> =>
    (await s.admin<ClientList>('GET', '/sites/PS1/clients')).body.clients;
  const registered = await waitFor(
    'the outside client registered through the gateway',
    async () => (await clients()).find((c) => c.lastContact !== null),
    60_000,
  );
  // The MP saw the gateway, never the client's own address.
  assert.equal(registered.lastContact?.address.endsWith(host.address), false, JSON.stringify(registered));
  const throughGateway = await waitFor(
    'policy and heartbeat through the gateway',
    () => {
      const status = readClientStatus(stateDir);
      return status.lastContact?.via === 'gateway' && status.settingsVersion >= ports.version ? status : undefined;
    },
    30_000,
  );
  assert.equal(throughGateway.lastContact?.port, gatewayPort);
  const cliStatus = await runCli(['client', 'status', '--state', stateDir]);
  assert.match(cliStatus.stdout, /through the gateway/);

  // Attacks on the real gateway process: each refused by the gateway itself, nothing relayed.
  const ca = readFileSync(path.join(s.dataDir, 'pki', 'ca.pem'), 'utf8');
  const viaGateway = (
    target: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<{ status: number; code: string | undefined; signedBySite: boolean }> =>
    new Promise((resolve, reject) => {
      const req = https.request({
        host: host.hostAddress,
        port: gatewayPort,
        method: body === undefined ? 'GET' : 'POST',
        path: target,
        ca,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          const code = (JSON.parse(text || '{}') as { error?: { code?: string } }).error?.code;
          resolve({
            status: res.statusCode ?? 0,
            code,
            signedBySite: res.headers['x-siteport-answer-signature'] !== undefined,
          });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  const clientKey = createPrivateKey(readFileSync(path.join(stateDir, 'key.pem'), 'utf8'));
  const signedAs = (method: string, target: string, body = ''): Record<string, string> => {
    const timestamp = String(Date.now());
    const nonce = randomBytes(16).toString('base64url');
    const bodySha256 = createHash('sha256').update(body).digest('hex');
    const canonical = canonicalRequest({
      method,
      path: target,
      clientId: registered.clientId,
      timestamp,
      nonce,
      bodySha256,
    });
    return {
      [SIGNATURE_HEADERS.client]: registered.clientId,
      [SIGNATURE_HEADERS.timestamp]: timestamp,
      [SIGNATURE_HEADERS.nonce]: nonce,
      [SIGNATURE_HEADERS.signature]: sign(null, Buffer.from(canonical), clientKey).toString('base64'),
    };
  };
  const bearer = { authorization: `Bearer ${s.token}` };
  assert.deepEqual(await viaGateway('/api/v1/sites', bearer), {
    status: 404,
    code: 'E_GATEWAY_PATH',
    signedBySite: false,
  });
  assert.equal((await viaGateway(`${s.adminUrl}/api/v1/sites`, bearer)).code, 'E_GATEWAY_PATH');
  assert.equal((await viaGateway('/mp/v1/policy')).code, 'E_UNSIGNED');
  const forged = {
    ...signedAs('GET', '/mp/v1/policy'),
    [SIGNATURE_HEADERS.signature]: randomBytes(64).toString('base64'),
  };
  assert.equal((await viaGateway('/mp/v1/policy', forged)).code, 'E_BAD_SIGNATURE');
  const big = JSON.stringify({ pad: 'x'.repeat(70_000) });
  assert.equal((await viaGateway('/mp/v1/heartbeat', signedAs('POST', '/mp/v1/heartbeat', big), big)).status, 413);
  const relayed = await viaGateway('/mp/v1/policy', signedAs('GET', '/mp/v1/policy'));
  assert.deepEqual(relayed, { status: 200, code: undefined, signedBySite: true }, 'a signed request goes through');
  // The gateway's token reads what a gateway needs and nothing else.
  const asGateway = await fetch(`${s.adminUrl}/api/v1/sites/PS1/clients`, {
    headers: { authorization: `Bearer ${created.body.secret}` },
  });
  assert.equal(asGateway.status, 403);

  // A port change inside, with a rollout: the outside client follows it without losing contact.
  let longestGapMs = 0;
  let lastAt = Date.parse(throughGateway.lastContact.at);
  const watch = setInterval(() => {
    const at = readClientStatus(stateDir).lastContact?.at;
    if (at === undefined) return;
    const now = Date.parse(at);
    longestGapMs = Math.max(longestGapMs, Date.now() - lastAt);
    lastAt = Math.max(lastAt, now);
  }, 250);
  t.after(() => clearInterval(watch));
  const proposed = (
    await s.admin<RolloutView>('POST', '/sites/PS1/rollouts', {
      change: { http: { default: newPorts.http }, https: { default: newPorts.https } },
      preflight: false,
    })
  ).body;
  await s.admin('POST', `/rollouts/${proposed.id}/commit`);
  await waitFor(
    'the outside client adopted the new ports',
    () => readClientStatus(stateDir).ports.https.default === newPorts.https,
    30_000,
  );
  await s.admin('POST', `/rollouts/${proposed.id}/finalize`, { force: true });
  await waitFor(
    'the rollout finalized',
    async () => (await s.admin<RolloutView>('GET', `/rollouts/${proposed.id}`)).body.state === 'finalized',
    30_000,
  );
  const afterFinalize = Date.now();
  await waitFor(
    'contact through the gateway to the new ports after the old ones closed',
    () => Date.parse(readClientStatus(stateDir).lastContact?.at ?? '') > afterFinalize + 1000,
    30_000,
  );
  clearInterval(watch);
  // A new endpoint list is tried from the top: a few dropped attempts of 1 s each before the gateway.
  assert.ok(longestGapMs < 10_000, `the outside client went ${longestGapMs} ms without contact`);
  const seen = (await clients()).find((c) => c.clientId === registered.clientId);
  assert.equal(seen?.lastContact?.port, newPorts.https, 'the MP served it on its new HTTPS port');
  assert.equal(seen?.managed, 'managed');

  // The firewall opens: the agent goes back to the management points directly.
  host.exec('nft', 'delete', 'table', 'inet', 'siteport_gateway');
  await waitFor(
    'direct contact with the management point again',
    () => {
      const contact = readClientStatus(stateDir).lastContact;
      return (
        contact !== null &&
        contact.via === undefined &&
        contact.mp === host.hostAddress &&
        contact.port === newPorts.https
      );
    },
    30_000,
  );

  // Blocked by an administrator: the gateway refuses the client's correctly signed requests itself.
  await s.admin('POST', `/sites/PS1/clients/${registered.clientId}/block`);
  const refused = await waitFor(
    'the gateway refuses the blocked client',
    async () => {
      const answer = await viaGateway('/mp/v1/policy', signedAs('GET', '/mp/v1/policy'));
      return answer.code === 'E_CLIENT_BLOCKED' ? answer : undefined;
    },
    10_000,
  );
  assert.equal(refused.signedBySite, false, 'refused by the gateway, not by the management point behind it');

  // Removing the gateway is audited like setting it and issuing its certificate.
  const cleared = await runCli(['gateway', 'clear', ...admin, '--json']);
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.equal((JSON.parse(cleared.stdout) as GatewayView).gateway, null);
  const audit = (await s.admin<AuditList>('GET', '/audit?site=PS1')).body.entries;
  const actions = audit.filter((e) => e.action.startsWith('gateway.')).map((e) => `${e.action} ${e.actor}`);
  assert.deepEqual(actions.sort(), [
    'gateway.certificate token:gateway-1',
    'gateway.clear token:admin',
    'gateway.set token:admin',
  ]);
});
