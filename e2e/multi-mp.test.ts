import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type {
  ChannelList,
  ManagementPointList,
  NotifyResult,
  PortsView,
  RolloutView,
  SiteView,
  WakeResult,
} from '@siteport/protocol';
import { StateStore, runSetup } from '@siteport/agent';
import { createFleet, type FleetAgent } from '../test-support/agent-fleet.js';
import { type TestPostgres, requirePostgres, startPostgres } from '../test-support/postgres.js';
import { connects, freePort } from '../test-support/ports.js';
import { runCli } from '../test-support/run-cli.js';
import { promSample } from '../test-support/prometheus.js';
import { type SiteServerProcess, startMpProcess, startSiteProcess } from '../test-support/site-process.js';
import { tempDir } from '../test-support/temp-dir.js';
import { SITEPORT_BIN } from '../test-support/run-cli.js';
import { sleepingClientAt } from '../test-support/sleeping-client.js';
import { canSendTo, requireNamespaces, spawnIn, twoSubnets, udpReceiverIn } from '../test-support/wake-subnets.js';
import { waitFor } from '../test-support/wait-for.js';

// Several MP processes of one site on one machine: the site server on 127.0.0.1, additional MPs on
// 127.0.0.2 and 127.0.0.3, all with the same site ports, on one PostgreSQL database.
const SITE = '127.0.0.1';
const MP_A = '127.0.0.2';
const MP_B = '127.0.0.3';
const MAC = '52:54:00:be:ef:02';

describe('several management points of one site on PostgreSQL', () => {
  let pg: TestPostgres | undefined;
  before(async () => {
    if (process.platform === 'linux') pg = await startPostgres().catch(() => undefined);
  });
  after(() => pg?.destroy());

  async function site(
    t: Parameters<typeof tempDir>[0],
  ): Promise<{ server: SiteServerProcess; dataDir: string; dbUrl: string; ports: PortsView; ca: string }> {
    const dbUrl = await pg!.createDatabase();
    const dataDir = tempDir(t);
    const server = await startSiteProcess(t, { dataDir, dbUrl });
    const ports = (await server.api<PortsView>('GET', '/sites/PS1/ports')).body;
    const ca = (await server.api<SiteView>('GET', '/sites/PS1')).body.caFingerprint;
    return { server, dataDir, dbUrl, ports, ca };
  }

  const config = (a: FleetAgent) => new StateStore(a.stateDir).readConfig();

  it('an MP process refuses to start without PostgreSQL; an action issued through the site server reaches a client connected to another MP, with its result; every MP test-binds a new port', async (t) => {
    if (!requirePostgres(t) || pg === undefined) return;
    const { server, dataDir, dbUrl, ports, ca } = await site(t);
    const onSqlite = await runCli(['server', '--role', 'mp', '--data', dataDir, '--bind', MP_A]);
    assert.equal(onSqlite.code, 2);
    assert.match(onSqlite.stderr, /E_OPTION: --role mp needs --db postgres/);

    const mpA = await startMpProcess(t, { dataDir, dbUrl, bind: MP_A, extra: ['--ops-port', '0', '--ops-bind', MP_A] });
    const ops = /^operations: (http:\/\/[\d.]+:\d+)\/metrics/m.exec(mpA.banner)?.[1];
    assert.ok(ops?.startsWith(`http://${MP_A}:`), mpA.banner);
    const [agent] = createFleet(t, { count: 1, ports, caFingerprint: ca, mpHost: MP_A });
    await agent!.start();
    const clientId = await waitFor('registered through MP A', () => config(agent!).clientId ?? undefined, 30_000);
    await waitFor('notification channel to MP A', () => agent!.agent?.notification?.state === 'tcp', 30_000);
    assert.equal(agent!.status().lastContact?.mp, MP_A);

    const list = await runCli(['mp', 'list', '--json', '--server', server.adminUrl, '--data', dataDir]);
    assert.equal(list.code, 0, list.stderr);
    const mps = (JSON.parse(list.stdout) as ManagementPointList).managementPoints;
    assert.deepEqual(mps.map((m) => [m.host, m.role, m.state]).sort(), [
      [SITE, 'site', 'running'],
      [MP_A, 'mp', 'running'],
    ]);
    await waitFor('policy names both MPs', () => config(agent!).managementPoints.includes(SITE), 20_000);

    // Presence: the site server knows which MP holds the client's channel.
    const channel = await waitFor(
      'presence of the client at MP A',
      async () => {
        const list = (await server.api<ChannelList>('GET', '/notify/clients')).body;
        return list.clients.find((c) => c.clientId === clientId && c.online);
      },
      20_000,
    );
    assert.equal(channel.managementPoint, MP_A);
    assert.equal(channel.channel, 'tcp');

    const before = agent!.status().lastPolicyAt;
    const pushed = (
      await server.api<NotifyResult>('POST', '/notify', { clients: [clientId], action: 'policy', waitSeconds: 10 })
    ).body;
    assert.deepEqual(pushed.results, [{ clientId, outcome: 'acknowledged', via: 'tcp' }]);
    assert.notEqual(agent!.status().lastPolicyAt, before, 'the client ran the action');

    // MP A's operations listener: ready (database, listeners, registry and event bridge), and its
    // metrics count the client it holds, the acknowledgement it received and its database pool.
    const ready = await fetch(`${ops}/ready`);
    const readyBody = (await ready.json()) as { checks: { name: string; ok: boolean; detail: string }[] };
    assert.equal(ready.status, 200, JSON.stringify(readyBody));
    assert.match(readyBody.checks.find((c) => c.name === 'cluster')!.detail, /event bridge listening/);
    const metrics = await (await fetch(`${ops}/metrics`)).text();
    const mpLabels = { site: 'PS1', role: 'mp' };
    assert.equal(promSample(metrics, 'siteport_clients_online', { ...mpLabels, channel: 'tcp' }), 1);
    assert.equal(promSample(metrics, 'siteport_notify_ack_seconds_count', { ...mpLabels, via: 'tcp' }), 1);
    assert.equal(promSample(metrics, 'siteport_db_pool_connections', { ...mpLabels, state: 'max' }), 10);
    assert.equal(promSample(metrics, 'siteport_mp_requests_total', { ...mpLabels, route: 'register', code: '200' }), 1);

    // Every MP test-binds: a port another program holds on MP A's address refuses the change.
    const port = await freePort(MP_A);
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen({ host: MP_A, port }, resolve));
    t.after(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    const refused = await server.api<{ error: { code: string; message: string } }>(
      'PATCH',
      '/sites/PS1/ports',
      { http: { alternate: port } },
      true,
    );
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'E_PORT_IN_USE');
    assert.match(refused.body.error.message, new RegExp(`management point ${MP_A.replace(/\./g, '\\.')}`));
    assert.equal(
      (await server.api<PortsView>('GET', '/sites/PS1/ports')).body.version,
      ports.version,
      'nothing stored',
    );
  });

  it('kill -9 of one MP mid-rollout: its clients fail over to the other MPs, requests and notification channels, and the rollout finalizes with nobody stranded', async (t) => {
    if (!requirePostgres(t) || pg === undefined) return;
    const { server, dataDir, dbUrl, ports, ca } = await site(t);
    await startMpProcess(t, { dataDir, dbUrl, bind: MP_A });
    const victim = await startMpProcess(t, { dataDir, dbUrl, bind: MP_B });
    const fleet = createFleet(t, {
      count: 4,
      ports,
      caFingerprint: ca,
      mpHost: MP_B,
      httpOnly: (i) => i === 3,
      requestTimeoutMs: 2000,
    });
    await Promise.all(fleet.map((a) => a.start()));
    await waitFor(
      'every client on MP B knows all three MPs',
      () =>
        fleet.every(
          (a) =>
            a.status().lastContact?.mp === MP_B &&
            [SITE, MP_A, MP_B].every((h) => config(a).managementPoints.includes(h)),
        ),
      40_000,
    );
    await waitFor(
      'every notification channel is up',
      () => fleet.every((a) => a.agent?.notification?.state === 'tcp'),
      30_000,
    );

    const https = await freePort();
    const change = (await server.api<{ rolloutId: string }>('PATCH', '/sites/PS1/ports', { https: { default: https } }))
      .body;
    assert.ok(change.rolloutId, 'moving the HTTPS port is a rollout');
    await victim.kill9();
    for (const host of [SITE, MP_A]) {
      assert.ok(await connects(https, host), `${host} serves the new HTTPS port`);
      assert.ok(await connects(ports.https.default, host), `${host} still serves the old HTTPS port`);
    }
    const ended = await waitFor(
      'rollout finalized',
      async () => {
        const r = (await server.api<RolloutView>('GET', `/rollouts/${change.rolloutId}`)).body;
        return r.state === 'finalized' ? r : undefined;
      },
      60_000,
    );
    assert.deepEqual(ended.outcome?.stranded, [], 'nobody stranded');
    const now = (await server.api<PortsView>('GET', '/sites/PS1/ports')).body;
    await waitFor(
      'every client talks to a live MP on the final ports',
      () =>
        fleet.every((a) => {
          const last = a.status().lastContact;
          return (
            last !== null &&
            last.mp !== MP_B &&
            last.port === (last.protocol === 'http' ? now.http.default : now.https.default)
          );
        }),
      20_000,
    );

    // The notification channels moved too: every client is online at a live MP and acknowledges an action.
    const ids = fleet.map((a) => config(a).clientId!);
    await waitFor(
      'every client online at a live MP',
      async () => {
        const channels = (await server.api<ChannelList>('GET', '/notify/clients')).body.clients;
        return ids.every((id) =>
          channels.some((c) => c.clientId === id && c.online && c.channel === 'tcp' && c.managementPoint !== MP_B),
        );
      },
      30_000,
    );
    const pushed = (
      await server.api<NotifyResult>('POST', '/notify', { all: true, action: 'heartbeat', waitSeconds: 10 })
    ).body;
    assert.deepEqual(pushed.results.map((r) => r.clientId).sort(), [...ids].sort());
    assert.ok(
      pushed.results.every((r) => r.outcome === 'acknowledged' && r.via === 'tcp'),
      JSON.stringify(pushed.results),
    );

    const dead = await waitFor(
      'the killed MP is dead in the registry',
      async () => {
        const list = (await server.api<ManagementPointList>('GET', '/sites/PS1/management-points')).body;
        return list.managementPoints.find((m) => m.host === MP_B && m.state === 'dead');
      },
      30_000,
    );
    assert.equal(dead.role, 'mp');
  });

  it('PostgreSQL restarted during operation: the MPs reconnect, no event is lost, clients keep working', async (t) => {
    if (!requirePostgres(t) || pg === undefined) return;
    const { server, dataDir, dbUrl, ports, ca } = await site(t);
    const mpA = await startMpProcess(t, { dataDir, dbUrl, bind: MP_A, extra: ['--ops-port', '0', '--ops-bind', MP_A] });
    const ops = /^operations: (http:\/\/[\d.]+:\d+)\/metrics/m.exec(mpA.banner)?.[1];
    assert.ok(ops?.startsWith(`http://${MP_A}:`), mpA.banner);
    const [agent] = createFleet(t, { count: 1, ports, caFingerprint: ca, mpHost: MP_A });
    await agent!.start();
    const clientId = await waitFor('registered through MP A', () => config(agent!).clientId ?? undefined, 30_000);
    await waitFor('notification channel to MP A', () => agent!.agent?.notification?.state === 'tcp', 30_000);

    await pg.restart();
    const restartedAt = new Date().toISOString();
    // A settings change right after the restart: announced to MP A through the bridge, which may
    // still be reconnecting (it catches up).
    const alternate = await freePort();
    await waitFor(
      'the change is stored once the database answers',
      async () => (await server.api('PATCH', '/sites/PS1/ports', { http: { alternate } }, true)).status === 200,
      30_000,
    );
    await waitFor('MP A opened the new alternate port', () => connects(alternate, MP_A), 30_000);

    const pushed = await waitFor(
      'an action reaches the client on MP A',
      async () => {
        const r = (
          await server.api<NotifyResult>('POST', '/notify', {
            clients: [clientId],
            action: 'heartbeat',
            waitSeconds: 5,
          })
        ).body;
        return r.results[0]?.outcome === 'acknowledged' ? r : undefined;
      },
      30_000,
    );
    assert.equal(pushed.results[0]?.via, 'tcp');
    await waitFor(
      'the client adopted the new settings and checks in after the restart',
      () => {
        const s = agent!.status();
        return (
          s.settingsVersion === ports.version + 1 &&
          s.lastPolicyAt !== null &&
          s.lastPolicyAt > restartedAt &&
          s.state === 'running'
        );
      },
      30_000,
    );
    assert.equal(agent!.agent?.notification?.state, 'tcp', 'the notification channel stayed up');
  });
  it('Wake-on-LAN through another MP: the site server cannot reach subnet B, and the awake client there, connected to MP A, sends the magic packet', async (t) => {
    if (!requirePostgres(t) || pg === undefined) return;
    if (!requireNamespaces(t)) return;
    const net = twoSubnets(t);
    const { server, dataDir, dbUrl, ports } = await site(t);
    // MP A listens on the uplink to host B; the site server only on loopback.
    await startMpProcess(t, { dataDir, dbUrl, bind: net.site, extra: ['--notify-keepalive', '5'] });
    const wakePort = 9;
    await server.api('PATCH', '/sites/PS1/ports', { wake: wakePort });
    const rx = await udpReceiverIn(t, net.nsS, wakePort);
    assert.equal(await canSendTo(net.sleeper, wakePort), false, 'the site server cannot send to subnet B');

    // The proxy: a real `siteport agent` process on host B, whose only reachable MP is MP A.
    const state = tempDir(t, 'siteport-proxy-agent-');
    runSetup({
      stateDir: state,
      properties: [`SMSMP=${net.site}`, `CCMHTTPPORT=${ports.http.default}`, `CCMHTTPSPORT=${ports.https.default}`],
      httpOnly: false,
    });
    const agent = spawnIn(net.nsB, [process.execPath, SITEPORT_BIN, 'agent', '--state', state]);
    let agentErr = '';
    agent.stderr!.on('data', (d: Buffer) => (agentErr = (agentErr + d.toString()).slice(-3000)));
    t.after(() => agent.kill('SIGTERM'));
    const proxy = await waitFor(
      "the proxy on MP A's TCP channel, as the site server sees it",
      async () => {
        const list = (await server.api<ChannelList>('GET', '/notify/clients')).body;
        return list.clients.find((c) => c.online && c.channel === 'tcp' && c.managementPoint === net.site);
      },
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; agent log: ${agentErr}`);
    });
    const sleeper = await sleepingClientAt(`http://127.0.0.1:${ports.http.default}`, 'sleeper-b', [
      { name: 'eth0', mac: MAC, address: net.sleeper, prefixLength: 24 },
    ]);
    const database = new URL(dbUrl).pathname.slice(1);
    await waitFor(
      'the proxy reported its address on subnet B',
      async () => {
        const rows = await pg!.psql(
          database,
          `SELECT address FROM client_interfaces WHERE client_id = '${proxy.clientId}' AND network = '${net.network}'`,
        );
        return rows.includes(net.sleeper.replace(/\.2$/, '.1')) ? true : undefined;
      },
      30_000,
    );

    const woken = await server.api<WakeResult>('POST', '/wake', { clients: [sleeper, proxy.clientId] });
    assert.deepEqual(woken.body.results, [
      {
        clientId: sleeper,
        outcome: 'sent-by-proxy',
        macs: [MAC],
        target: `${net.sleeper}:${wakePort}`,
        proxy: proxy.clientId,
      },
      {
        clientId: proxy.clientId,
        outcome: 'awake',
        macs: [],
        target: null,
        proxy: null,
        note: 'the client is connected to another management point of the site; nothing was sent',
      },
    ]);
    const packet = await waitFor(
      'the magic packet on subnet B',
      () => rx.datagrams().find((l) => l.includes('ff'.repeat(6))),
      10_000,
    );
    const [from, hex] = packet.split(' ');
    assert.equal(from, net.sleeper.replace(/\.2$/, '.1'), 'sent by the proxy from its subnet-B address');
    assert.equal(hex, 'ff'.repeat(6) + MAC.replace(/:/g, '').repeat(16));
  });
});
