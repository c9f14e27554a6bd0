import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { StateStore, readClientStatus } from '@siteport/agent';
import type { ClientList } from '@siteport/protocol';
import { TestMpClient, call } from '../test-support/mp-client.js';
import { errorOf, installAndRun, registrationSite, runAgent, stateOf } from '../test-support/registration-site.js';
import { runCli } from '../test-support/run-cli.js';
import { waitFor } from '../test-support/wait-for.js';

test('in approve-new mode a fresh real agent is pending and gets no policy until an administrator approves it; retire, setup --new-identity, block and unblock through the CLI', async (t) => {
  const { s, ports, cli } = await registrationSite(t);
  assert.match(
    await cli('registration', 'set', 'approve-new'),
    /registration mode approve-new \(set by .+\)\nclients: 0 active, 0 pending approval/,
  );

  const { stateDir, agent } = await installAndRun(t, s, ports, 'pending');
  await waitFor('the agent waits for approval', stateOf(stateDir, 'waiting-approval'), 30_000);
  assert.match((await runCli(['client', 'status', '--state', stateDir])).stdout, /state +waiting for approval/);
  const pending = JSON.parse(await cli('clients', 'list', '--status', 'pending', '--json')) as ClientList;
  assert.equal(pending.clients.length, 1);
  const id = pending.clients[0]!.clientId;
  assert.equal(pending.clients[0]!.status, 'pending');
  // Two more policy intervals: still no policy, and a request with the pending client's key is refused.
  await new Promise((r) => setTimeout(r, 2500));
  const waiting = readClientStatus(stateDir);
  assert.equal(waiting.state, 'waiting-approval');
  assert.equal(waiting.lastPolicyAt, null, 'no policy before approval');
  assert.equal(waiting.settingsVersion, 0);
  assert.equal(errorOf(stateDir), 'E_CLIENT_PENDING');
  const thief = new TestMpClient();
  thief.clientId = id;
  const key = createPrivateKey(new StateStore(stateDir).readText('key') ?? '');
  const policy = await call(`http://127.0.0.1:${ports.http.default}/mp/v1/policy`, {
    headers: thief.signedHeaders('GET', '/mp/v1/policy', Buffer.alloc(0), {}, key),
  });
  assert.equal(policy.body.error.code, 'E_CLIENT_PENDING');

  assert.match(
    await cli('clients', 'approve', id, '--reason', 'known machine'),
    new RegExp(`client ${id}: pending → active`),
  );
  const running = await waitFor(
    'the approved agent runs with policy',
    () => {
      const st = readClientStatus(stateDir);
      return st.state === 'running' && st.settingsVersion >= 1 ? st : undefined;
    },
    30_000,
  );
  assert.equal(running.clientId, id, 'the same client id after approval');

  assert.equal(JSON.parse(await cli('clients', 'retire', id, '--json')).results[0].status, 'retired');
  await waitFor('the agent sees it is retired', stateOf(stateDir, 'retired'), 30_000);
  await agent.stop();

  // The same machine registers anew with a new identity, under the site's mode (pending again).
  const again = await runCli([
    'setup',
    '--state',
    stateDir,
    '--new-identity',
    'SMSSITECODE=PS1',
    'SMSMP=127.0.0.1',
    `CCMHTTPPORT=${ports.http.default}`,
    `CCMHTTPSPORT=${ports.https.default}`,
    `SMSCAFINGERPRINT=${s.server.info.caFingerprint}`,
  ]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /registered: +no/);
  runAgent(t, stateDir);
  await waitFor('the new identity waits for approval', stateOf(stateDir, 'waiting-approval'), 30_000);
  const fresh = (JSON.parse(await cli('clients', 'list', '--status', 'pending', '--json')) as ClientList).clients;
  assert.equal(fresh.length, 1);
  const newId = fresh[0]!.clientId;
  assert.notEqual(newId, id);
  const listed = (await s.admin<ClientList>('GET', '/sites/PS1/clients')).body.clients;
  assert.equal(listed.find((c) => c.status === 'retired')?.clientId, id, 'the retired record stays');

  await cli('clients', 'block', newId, '--reason', 'unknown machine');
  await waitFor('the agent sees it is blocked', stateOf(stateDir, 'blocked'), 30_000);
  assert.equal(errorOf(stateDir), 'E_CLIENT_BLOCKED');
  await cli('clients', 'unblock', newId);
  await waitFor('the unblocked agent runs', stateOf(stateDir, 'running'), 30_000);
  const refused = await runCli([
    'clients',
    'approve',
    newId,
    '--server',
    s.adminUrl,
    '--token-file',
    path.join(s.dataDir, 'admin-token'),
  ]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /^siteport: E_CLIENT_STATE: client .+ is active; approve applies to a pending client\n$/,
  );
});
