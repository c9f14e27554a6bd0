import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { ChannelList, NotifyResult } from '@siteport/protocol';
import { startTestServer } from '../test-support/test-server.js';
import { until } from '../test-support/notify-fixture.js';
import { stopProcess, waitOutput } from './bench-process.js';
import { planFleet } from './fleet-plan.js';
import { startFleet } from './notify-fleet.js';
import { seedClients } from './seed-clients.js';

describe('fleet plan', () => {
  it('spreads clients round-robin over the targets and binds worker i to source address i mod n', () => {
    const plans = planFleet({
      keyCounts: [
        { file: 'a', clients: 5000 },
        { file: 'b', clients: 5000 },
        { file: 'c', clients: 2000 },
      ],
      targets: [
        { host: '127.0.0.1', port: 10123 },
        { host: '127.0.0.1', port: 10124 },
      ],
      sourceAddresses: ['127.0.0.2', '127.0.0.3'],
    });
    assert.deepEqual(
      plans.map((p) => [p.offset, p.clients, p.localAddress]),
      [
        [0, 5000, '127.0.0.2'],
        [5000, 5000, '127.0.0.3'],
        [10000, 2000, '127.0.0.2'],
      ],
    );
  });

  it('refuses traffic off loopback, too many clients per worker, per target or per source address, and no target', () => {
    const one = [{ host: '127.0.0.1', port: 443 }];
    assert.throws(
      () => planFleet({ keyCounts: [{ file: 'a', clients: 10 }], targets: [{ host: '10.0.0.1', port: 443 }] }),
      /only sends traffic to loopback/,
    );
    assert.throws(
      () => planFleet({ keyCounts: [{ file: 'a', clients: 10 }], targets: one, sourceAddresses: ['192.168.1.2'] }),
      /not a loopback address/,
    );
    assert.throws(
      () => planFleet({ keyCounts: [{ file: 'a', clients: 10_001 }], targets: one }),
      /more than 10000 per worker/,
    );
    const many = Array.from({ length: 5 }, (_, i) => ({ file: String(i), clients: 5000 }));
    assert.throws(
      () => planFleet({ keyCounts: many, targets: one, sourceAddresses: ['127.0.0.2', '127.0.0.3'] }),
      /on one management point, more than 19500; add targets/,
    );
    const targets = Array.from({ length: 4 }, (_, i) => ({ host: '127.0.0.1', port: 10000 + i }));
    assert.throws(
      () => planFleet({ keyCounts: many, targets, sourceAddresses: ['127.0.0.2'], ephemeralPorts: 20_000 }),
      /source address 127.0.0.2 exceed its 18000 usable ephemeral ports/,
    );
    assert.throws(
      () => planFleet({ keyCounts: many, targets: [], sourceAddresses: ['127.0.0.2'] }),
      /at least one target/,
    );
  });
});

describe('simulated notification fleet', () => {
  it('connects to several targets from several loopback source addresses and reports counts per target', async (t) => {
    const srv = await startTestServer(t);
    await srv.stop();
    const keyFiles = await seedClients(srv.dataDir, 12, 'PS1', { perFile: 6 });
    const pki = path.join(srv.dataDir, 'pki');
    const cert = `${readFileSync(path.join(pki, 'site.pem'), 'utf8').trim()}\n${readFileSync(path.join(pki, 'ca.pem'), 'utf8').trim()}\n`;
    const key = readFileSync(path.join(pki, 'site-key.pem'), 'utf8');
    const seen: string[][] = [[], []];
    const servers = await Promise.all(
      [0, 1].map(
        (i) =>
          new Promise<tls.Server>((resolve) => {
            const server = tls.createServer({ cert, key }, (socket) => {
              seen[i]!.push(socket.remoteAddress ?? '');
              socket.on('error', () => undefined);
            });
            server.listen(0, '127.0.0.1', () => resolve(server));
          }),
      ),
    );
    t.after(() => servers.forEach((s) => s.close()));
    const fleet = await startFleet({
      mode: 'bare',
      targets: servers.map((s) => ({ host: '127.0.0.1', port: (s.address() as { port: number }).port })),
      sourceAddresses: ['127.0.0.2', '127.0.0.3'],
      caFile: path.join(pki, 'ca.pem'),
      keyFiles,
      lifetimeSeconds: 120,
    });
    t.after(() => fleet.stop());
    assert.equal(fleet.connected, 12);
    assert.equal(fleet.failed, 0);
    assert.deepEqual(Object.values(fleet.perTarget), [6, 6]);
    await until('both servers to see their six connections', () => seen[0]!.length + seen[1]!.length === 12);
    assert.deepEqual(
      seen.map((s) => s.length),
      [6, 6],
    );
    assert.deepEqual([...new Set(seen.flat())].sort(), ['127.0.0.2', '127.0.0.3']);
  });

  it('bare fleets: readers timestamp and answer a bare fan-out frame; bare long-polls poll again when the bare server answers 204', async (t) => {
    const srv = await startTestServer(t);
    await srv.stop();
    const keyFiles = await seedClients(srv.dataDir, 10, 'PS1', { perFile: 10 });
    const caFile = path.join(srv.dataDir, 'pki', 'ca.pem');
    const start = async (script: string, args: string[]): Promise<{ child: ChildProcess; port: number }> => {
      const child = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      t.after(() => stopProcess(child));
      return { child, port: Number((await waitOutput(child, /port (\d+)/))[1]) };
    };
    const tlsServer = await start('./bare-tls-server.mjs', [srv.dataDir]);
    const pollServer = await start('./bare-https-poll-server.mjs', [srv.dataDir, '1']);
    const bare = await startFleet({
      mode: 'bare',
      targets: [{ host: '127.0.0.1', port: tlsServer.port }],
      sourceAddresses: ['127.0.0.2'],
      caFile,
      keyFiles,
      lifetimeSeconds: 60,
    });
    t.after(() => bare.stop());
    const polls = await startFleet({
      mode: 'bare-poll',
      targets: [{ host: '127.0.0.1', port: pollServer.port }],
      sourceAddresses: ['127.0.0.3'],
      caFile,
      keyFiles,
      pollWaitSeconds: 1,
      lifetimeSeconds: 60,
    });
    t.after(() => polls.stop());
    assert.equal(bare.connected, 10);
    assert.equal(polls.connected, 10);
    const pushed = waitOutput(tlsServer.child, /pushed (\d+)/);
    tlsServer.child.stdin!.write('push 60\n');
    assert.equal((await pushed)[1], '10');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const fanout = await bare.report();
    assert.equal(fanout.received.length, 10);
    assert.equal(fanout.acked, 10, 'every reader answered');
    const idle = await polls.report();
    assert.ok(idle.events >= 20, `${idle.events} polls: the first and at least one more per client`);
    assert.equal(idle.lost, 0);
  });

  for (const mode of ['tcp', 'poll'] as const) {
    it(`speaks the real ${mode === 'tcp' ? 'TCP channel' : 'long-poll'} protocol: every client receives a push and acknowledges it, with receive times`, async (t) => {
      const first = await startTestServer(t);
      await first.stop();
      const keyFiles = await seedClients(first.dataDir, 20, 'PS1', { perFile: 10 });
      const srv = await startTestServer(t, { dataDir: first.dataDir });
      const ports = srv.server.info.ports;
      const fleet = await startFleet({
        mode,
        targets: [{ host: '127.0.0.1', port: mode === 'tcp' ? ports.notification : ports.https.default }],
        sourceAddresses: ['127.0.0.2'],
        caFile: path.join(srv.dataDir, 'pki', 'ca.pem'),
        keyFiles,
        pollWaitSeconds: 20,
        lifetimeSeconds: 120,
      });
      t.after(() => fleet.stop());
      assert.equal(fleet.connected, 20, JSON.stringify(fleet.failures));
      await until(
        'every client reachable',
        async () =>
          (await srv.admin<ChannelList>('GET', '/notify/clients')).body.clients.filter((c) => c.online).length === 20,
      );
      const t0 = Date.now();
      const push = await srv.admin<NotifyResult>('POST', '/notify', { all: true, action: 'policy', waitSeconds: 10 });
      assert.equal(
        push.body.results.filter((r) => r.outcome === 'acknowledged').length,
        20,
        JSON.stringify(push.body.results.slice(0, 3)),
      );
      assert.ok(push.body.results.every((r) => r.via === (mode === 'tcp' ? 'tcp' : 'http-poll')));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const report = await fleet.report();
      assert.equal(report.received.length, 20);
      assert.ok(report.received.every((at) => at >= t0 && at <= Date.now()));
      assert.equal(report.acked, 20);
      assert.ok(report.cpuMs > 0);
    });
  }
});
