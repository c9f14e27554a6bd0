import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, chmodSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { PushHostView, PushSettingsView } from '@siteport/protocol';
import { requireTool } from '../../../test-support/require-tool.js';
import { startSshd, sshKeyPair } from '../../../test-support/sshd.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { startTestServer } from '../../../test-support/test-server.js';
import { agentPid, freePort, installRoots, installedConfig, waitForHosts } from './support/push-harness.js';

test('push installs the client on two hosts with the site current ports, and a push after a port change reinstalls with the new ports keeping each client id', async (t) => {
  if (!requireTool(t, 'sshd', 'apt-get install openssh-server')) return;
  const dir = tempDir(t);
  const pushKey = sshKeyPair(dir, 'push_ed25519');
  const [a, b] = await Promise.all([
    startSshd(t, { authorizedKeys: [pushKey.publicKey] }),
    startSshd(t, { authorizedKeys: [pushKey.publicKey] }),
  ]);
  const base = installRoots(t);
  const roots = [path.join(base, 'host-a'), path.join(base, 'host-b')];
  const srv = await startTestServer(t);
  const site = srv.server.info.siteCode;

  const set = await srv.admin<PushSettingsView>('PATCH', `/sites/${site}/push/settings`, {
    managementPoint: '127.0.0.1',
    user: 'root',
    privateKey: pushKey.privateKey,
    registrationTimeoutSeconds: 60,
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.deepEqual(set.body.credential, { user: 'root', auth: 'key', secretStored: true });

  const hosts = [
    { host: '127.0.0.1', port: a.port, hostKey: a.hostKey.fingerprint, installDir: roots[0] },
    { host: '127.0.0.1', port: b.port, hostKey: b.hostKey.fingerprint, installDir: roots[1] },
  ];
  const queued = await srv.admin<{ hosts: PushHostView[] }>('POST', `/sites/${site}/push/install`, { hosts });
  assert.equal(queued.status, 200, JSON.stringify(queued.body));
  const ids = queued.body.hosts.map((h) => h.id);
  const first = await waitForHosts(
    srv.admin,
    site,
    (h) => h.status === 'registered' || (h.status === 'failed' && h.nextAttemptAt === null),
    ids,
  );
  const ports = srv.server.info.ports;
  for (const [i, h] of first.entries()) {
    assert.equal(h.status, 'registered', JSON.stringify(h));
    assert.deepEqual(h.installedPorts, {
      http: ports.http.default,
      https: ports.https.default,
      settingsVersion: ports.version,
    });
    const config = installedConfig(roots[i]!);
    assert.equal(config.ports.http.default, ports.http.default);
    assert.equal(config.ports.https.default, ports.https.default);
    assert.ok(agentPid(roots[i]!) !== null, 'the pushed agent runs');
  }
  const clients = await srv.admin<{ clients: { clientId: string }[] }>('GET', `/sites/${site}/clients`);
  for (const h of first)
    assert.ok(
      clients.body.clients.some((c) => c.clientId === h.clientId),
      `client ${h.clientId} is registered at the site`,
    );

  const [http, https] = [await freePort(), await freePort()];
  const changed = await srv.admin('PATCH', `/sites/${site}/ports`, {
    http: { default: http },
    https: { default: https },
  });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  const again = await srv.admin<{ hosts: PushHostView[] }>('POST', `/sites/${site}/push/install`, {
    hosts: hosts.map(({ host, port }) => ({ host, port })),
  });
  assert.equal(again.status, 200);
  const second = await waitForHosts(
    srv.admin,
    site,
    (h) =>
      (h.status === 'registered' && h.installedPorts?.http === http) ||
      (h.status === 'failed' && h.nextAttemptAt === null),
    ids,
  );
  for (const [i, h] of second.entries()) {
    assert.equal(h.status, 'registered', JSON.stringify(h));
    assert.equal(h.installedPorts?.https, https);
    assert.equal(h.clientId, first[i]!.clientId, 'the reinstall kept the client identity');
    const config = installedConfig(roots[i]!);
    assert.equal(config.ports.http.default, http);
    assert.equal(config.ports.https.default, https);
    assert.ok(existsSync(path.join(roots[i]!, 'previous')), 'the previous release is kept beside the new one');
    assert.ok(!existsSync(path.join(roots[i]!, 'incoming')), 'the upload folder is removed');
  }
});

function leftovers(root: string): string[] {
  return existsSync(root)
    ? readdirSync(root).filter((n) => ['current', 'state', 'incoming', 'release.staging', 'state.staging'].includes(n))
    : [];
}

test('a wrong host key, wrong credentials, an unreachable host, a full disk and a failing setup each end in a clear per-host failure, retried per schedule, with nothing half-installed left active', async (t) => {
  if (!requireTool(t, 'sshd', 'apt-get install openssh-server')) return;
  if (!requireTool(t, 'mount', 'apt-get install mount')) return;
  const dir = tempDir(t);
  const pushKey = sshKeyPair(dir, 'push_ed25519');
  const otherKey = sshKeyPair(dir, 'other_ed25519');
  const fakeBin = path.join(dir, 'old-node-bin');
  mkdirSync(fakeBin);
  // A target whose node is too old: the installer must refuse before touching anything.
  writeFileSync(
    path.join(fakeBin, 'node'),
    '#!/bin/sh\ncase "$1" in --version) echo v18.19.0; exit 0;; esac\nexit 1\n',
  );
  chmodSync(path.join(fakeBin, 'node'), 0o755);
  const oldNode = [`SetEnv PATH=${fakeBin}:/usr/local/bin:/usr/bin:/bin`];
  const [good, wrongKey, noAuth, full, oldNodeHost, reinstalled] = await Promise.all([
    startSshd(t, { authorizedKeys: [pushKey.publicKey] }),
    startSshd(t, { authorizedKeys: [pushKey.publicKey] }),
    startSshd(t, { authorizedKeys: [otherKey.publicKey] }),
    startSshd(t, { authorizedKeys: [pushKey.publicKey] }),
    startSshd(t, { authorizedKeys: [pushKey.publicKey], extra: oldNode }),
    startSshd(t, { authorizedKeys: [pushKey.publicKey] }),
  ]);
  void good;
  // Port 1 (tcpmux) is outside the ephemeral range, so no concurrently running test can bind it: always refused.
  const unreachablePort = 1;
  const base = installRoots(t);
  const fullDir = path.join(base, 'full');
  mkdirSync(fullDir);
  // A 16 KiB tmpfs: too small for the bundle, so the copy fails with "no space left" (unmounted by installRoots).
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', fullDir]);
  const roots = {
    wrongKey: path.join(base, 'wrong-key'),
    noAuth: path.join(base, 'no-auth'),
    unreachable: path.join(base, 'unreachable'),
    full: path.join(fullDir, 'root'),
    oldNode: path.join(base, 'old-node'),
    reinstalled: path.join(base, 'reinstalled'),
  };
  const srv = await startTestServer(t);
  const site = srv.server.info.siteCode;
  await srv.admin('PATCH', `/sites/${site}/push/settings`, {
    managementPoint: '127.0.0.1',
    user: 'root',
    privateKey: pushKey.privateKey,
    retryIntervalSeconds: 1,
    retryForSeconds: 600,
    registrationTimeoutSeconds: 60,
  });

  // First a good install on the host that later breaks.
  const ok = await srv.admin<{ hosts: PushHostView[] }>('POST', `/sites/${site}/push/install`, {
    hosts: [
      {
        host: '127.0.0.1',
        port: reinstalled.port,
        hostKey: reinstalled.hostKey.fingerprint,
        installDir: roots.reinstalled,
      },
    ],
  });
  const [installed] = await waitForHosts(
    srv.admin,
    site,
    (h) => h.status === 'registered' || (h.status === 'failed' && h.nextAttemptAt === null),
    [ok.body.hosts[0]!.id],
  );
  assert.equal(installed!.status, 'registered', JSON.stringify(installed));
  const runningPid = agentPid(roots.reinstalled);
  assert.ok(runningPid !== null);
  await reinstalled.restart(oldNode);

  const cases = [
    {
      name: 'wrongKey',
      host: { port: wrongKey.port, hostKey: otherKey.fingerprint, installDir: roots.wrongKey },
      code: 'E_PUSH_HOST_KEY',
      reason: /presented host key SHA256:\S+ but SHA256:\S+ is pinned/,
    },
    {
      name: 'noAuth',
      host: { port: noAuth.port, hostKey: noAuth.hostKey.fingerprint, installDir: roots.noAuth },
      code: 'E_PUSH_AUTH',
      reason: /refused the push account's private key/,
    },
    {
      name: 'unreachable',
      host: { port: unreachablePort, installDir: roots.unreachable },
      code: 'E_PUSH_UNREACHABLE',
      reason: /ECONNREFUSED/,
    },
    {
      name: 'full',
      host: { port: full.port, hostKey: full.hostKey.fingerprint, installDir: roots.full },
      code: 'E_PUSH_COPY',
      reason: /disk .* full|No space|no space/i,
    },
    {
      name: 'oldNode',
      host: { port: oldNodeHost.port, hostKey: oldNodeHost.hostKey.fingerprint, installDir: roots.oldNode },
      code: 'E_PUSH_INSTALL',
      reason: /Node\.js 20 or later is required, found v18\.19\.0/,
    },
    {
      name: 'reinstalled',
      host: { port: reinstalled.port, installDir: roots.reinstalled },
      code: 'E_PUSH_INSTALL',
      reason: /Node\.js 20 or later is required/,
    },
  ] as const;
  const queued = await srv.admin<{ hosts: PushHostView[] }>('POST', `/sites/${site}/push/install`, {
    hosts: cases.map((c) => ({ host: '127.0.0.1', ...c.host })),
  });
  assert.equal(queued.status, 200, JSON.stringify(queued.body));
  const byPort = new Map(queued.body.hosts.map((h) => [h.port, h.id]));
  const ids = cases.map((c) => byPort.get(c.host.port)!);
  // Retried per schedule (every second here): wait for a second failed attempt on every host…
  await waitForHosts(srv.admin, site, (h) => h.attempts >= 2, ids, 120_000);
  // …then close the retry window: the attempt already scheduled runs, fails, and no further one is planned.
  assert.equal((await srv.admin('PATCH', `/sites/${site}/push/settings`, { retryForSeconds: 0 })).status, 200);
  const final = await waitForHosts(
    srv.admin,
    site,
    (h) => h.status === 'failed' && h.nextAttemptAt === null,
    ids,
    120_000,
  );
  for (const c of cases) {
    const h = final.find((x) => x.port === c.host.port)!;
    assert.equal(h.errorCode, c.code, `${c.name}: ${JSON.stringify(h)}`);
    assert.match(h.reason ?? '', c.reason, c.name);
    assert.ok(h.attempts >= 2, `${c.name} was retried per schedule (${h.attempts} attempts)`);
    if (c.name !== 'reinstalled')
      assert.deepEqual(leftovers(c.host.installDir), [], `${c.name}: nothing half-installed`);
  }
  // The host that had a working client keeps it: same agent process, same release, same state.
  assert.equal(agentPid(roots.reinstalled), runningPid, 'the previous agent still runs');
  assert.deepEqual(leftovers(roots.reinstalled).sort(), ['current', 'state']);
  assert.equal(installedConfig(roots.reinstalled).clientId !== undefined, true);
});
