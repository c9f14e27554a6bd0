import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { ManagementPointList, PortsView, SiteView } from '@siteport/protocol';
import { requirePostgres, startPostgres } from '../test-support/postgres.js';
import { connects } from '../test-support/ports.js';
import { cliClientStatus, startRealAgent } from '../test-support/real-agent.js';
import { runCli } from '../test-support/run-cli.js';
import { startMpProcess, startSiteProcess } from '../test-support/site-process.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';

// The site server on 127.0.0.1; an additional MP process on 127.0.0.5 and ::1, with the same site ports.
const MP_ADDRESSES = ['127.0.0.5', '::1'];

test('an additional MP process bound to two addresses: siteport mp list shows both, both serve, and policy names both', async (t) => {
  if (!requirePostgres(t)) return;
  const pg = await startPostgres();
  t.after(() => pg.destroy());
  const dbUrl = await pg.createDatabase();
  const dataDir = tempDir(t, 'siteport-multi-bind-pg-');
  const server = await startSiteProcess(t, { dataDir, dbUrl });
  const ports = (await server.api<PortsView>('GET', '/sites/PS1/ports')).body;
  const ca = (await server.api<SiteView>('GET', '/sites/PS1')).body.caFingerprint;
  await startMpProcess(t, { dataDir, dbUrl, bind: MP_ADDRESSES.join(',') });
  for (const address of MP_ADDRESSES) {
    assert.ok(await connects(ports.https.default, address), `HTTPS on ${address}`);
    assert.ok(await connects(ports.notification, address), `notification on ${address}`);
  }

  const conn = ['--server', server.adminUrl, '--data', dataDir];
  const list = await runCli(['mp', 'list', '--json', ...conn]);
  assert.equal(list.code, 0, list.stderr);
  const mp = (JSON.parse(list.stdout) as ManagementPointList).managementPoints.find((m) => m.role === 'mp');
  assert.deepEqual([mp?.host, mp?.bindAddress, mp?.state], ['127.0.0.5', '127.0.0.5,::1', 'running']);
  const table = await runCli(['mp', 'list', ...conn]);
  assert.match(table.stdout, /^127\.0\.0\.5\s+127\.0\.0\.5,::1\s+mp\s+running/m);

  // An agent configured with the site server learns every address of the other MP from policy.
  const stateDir = path.join(tempDir(t), 'client');
  startRealAgent(t, { stateDir, mp: '127.0.0.1', ports, ca });
  const learned = await waitFor(
    'policy names the MP process by each of its addresses',
    async () => {
      const { managementPoints } = await cliClientStatus(stateDir);
      return MP_ADDRESSES.every((a) => managementPoints.includes(a)) ? managementPoints : undefined;
    },
    60_000,
  );
  assert.ok(learned.includes('127.0.0.1'), JSON.stringify(learned));
});
