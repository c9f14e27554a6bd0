import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { EPOCH_HEADER, type Policy, type PortsView, type ReachabilitySettings } from '@siteport/protocol';
import { SimulatedClient } from '../bench/fleet-signer.js';
import { type TestPostgres, requirePostgres, startPostgres } from '../test-support/postgres.js';
import { startMpProcess, startSiteProcess } from '../test-support/site-process.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';

// The site server on 127.0.0.1 and an additional MP process on 127.0.0.2, one PostgreSQL database.
const MP_B = '127.0.0.2';

let pg: TestPostgres | undefined;
before(async () => {
  if (process.platform === 'linux') pg = await startPostgres().catch(() => undefined);
});
after(() => pg?.destroy());

it('a reachability settings change reaches the policy of every MP process at once, not at its next rebuild', async (t) => {
  if (!requirePostgres(t) || pg === undefined) return;
  const dbUrl = await pg.createDatabase();
  const dataDir = tempDir(t);
  const server = await startSiteProcess(t, { dataDir, dbUrl });
  const ports = (await server.api<PortsView>('GET', '/sites/PS1/ports')).body;
  await startMpProcess(t, { dataDir, dbUrl, bind: MP_B });
  const httpPort = ports.http.default;

  // A real client of each MP process, with a client session (session MACs, decision 0062).
  const policyAt = async (client: SimulatedClient, host: string): Promise<Policy> => {
    const res = await fetch(`http://${host}:${httpPort}/mp/v1/policy`, {
      headers: client.headers('GET', '/mp/v1/policy', ''),
    });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as Policy;
  };
  const clients = await Promise.all(
    ['127.0.0.1', MP_B].map(async (host) => {
      const client = new SimulatedClient(`reach-${host}`);
      // A process that started moments ago takes only signed requests bound to its epoch (decision 0092).
      const ca = await fetch(`http://${host}:${httpPort}/mp/v1/ca`);
      client.epoch = ca.headers.get(EPOCH_HEADER) ?? undefined;
      await client.register(`http://${host}:${httpPort}`);
      await client.openSession(`http://${host}:${httpPort}`);
      return { host, client };
    }),
  );
  // Both processes built their policy with the default settings.
  for (const { host, client } of clients)
    assert.equal((await policyAt(client, host)).reachability?.intervalSeconds, 21_600, host);

  const next: ReachabilitySettings = {
    intervalSeconds: 900,
    staleHours: 12,
    candidates: [{ port: 8443, transport: 'tls' }],
  };
  const put = await server.api('PUT', '/sites/PS1/reachability/settings', next);
  assert.equal(put.status, 200);
  // Every process serves the new settings within seconds (the event bridge), with no port change or restart.
  for (const { host, client } of clients) {
    const policy = await waitFor(
      `the new reachability settings in the policy of ${host}`,
      async () => {
        const p = await policyAt(client, host);
        return p.reachability?.intervalSeconds === 900 ? p : undefined;
      },
      15_000,
    );
    assert.deepEqual(policy.reachability, { intervalSeconds: 900, candidates: next.candidates });
  }
});
