import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { StateStore, requestNonce } from '@siteport/agent';
import { EPOCH_HEADER, type PortsView, type SiteView } from '@siteport/protocol';
import { createFleet } from '../test-support/agent-fleet.js';
import { TestMpClient, call } from '../test-support/mp-client.js';
import { type TestPostgres, requirePostgres, startPostgres } from '../test-support/postgres.js';
import { startMpProcess, startSiteProcess } from '../test-support/site-process.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';

// The site server on 127.0.0.1 and an additional MP process on 127.0.0.2, one PostgreSQL database.
const MP_A = '127.0.0.2';

describe('blocking a client reaches every management point process', () => {
  let pg: TestPostgres | undefined;
  before(async () => {
    if (process.platform === 'linux') pg = await startPostgres().catch(() => undefined);
  });
  after(() => pg?.destroy());

  it("a client blocked through the site server loses its channel and requests at another MP process within a second; that MP's other client is unaffected", async (t) => {
    if (!requirePostgres(t) || pg === undefined) return;
    const dbUrl = await pg.createDatabase();
    const dataDir = tempDir(t);
    const server = await startSiteProcess(t, { dataDir, dbUrl });
    const ports = (await server.api<PortsView>('GET', '/sites/PS1/ports')).body;
    const ca = (await server.api<SiteView>('GET', '/sites/PS1')).body.caFingerprint;
    await startMpProcess(t, { dataDir, dbUrl, bind: MP_A });
    const fleet = createFleet(t, { count: 2, ports, caFingerprint: ca, mpHost: MP_A });
    await Promise.all(fleet.map((a) => a.start()));
    const [victim, bystander] = fleet as [(typeof fleet)[0], (typeof fleet)[0]];
    const ids = await waitFor(
      'both registered through MP A',
      () => {
        const got = fleet.map((a) => new StateStore(a.stateDir).readConfig().clientId);
        return got.every((id) => id !== null) ? got : undefined;
      },
      30_000,
    );
    await waitFor('both channels at MP A', () => fleet.every((a) => a.agent?.notification?.state === 'tcp'), 30_000);
    const thief = new TestMpClient();
    thief.clientId = ids[0]!;
    const key = createPrivateKey(new StateStore(victim.stateDir).readText('key') ?? '');
    // Signed as an agent signs: bound to MP A's epoch (decision 0092), which a process that just started takes.
    const epoch = (await fetch(`http://${MP_A}:${ports.http.default}/mp/v1/ca`)).headers.get(EPOCH_HEADER) ?? undefined;
    const policyAtA = () =>
      call(`http://${MP_A}:${ports.http.default}/mp/v1/policy`, {
        headers: thief.signedHeaders('GET', '/mp/v1/policy', Buffer.alloc(0), { nonce: requestNonce(epoch) }, key),
      });
    assert.equal((await policyAtA()).status, 200, 'MP A serves the client (and caches it) before the block');

    await server.api('POST', `/sites/PS1/clients/${ids[0]!}/block`, {});
    await waitFor('the channel at MP A is closed', () => victim.agent?.notification?.state !== 'tcp', 1000, 20);
    const refused = await policyAtA();
    assert.equal(refused.status, 403);
    assert.equal(
      refused.body.error.code,
      'E_CLIENT_BLOCKED',
      'MP A dropped its cached status through the event bridge',
    );
    assert.equal(bystander.agent?.notification?.state, 'tcp');
    await bystander.agent?.cycleNow();
  });
});
