import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import type { PortsView, PushHostList, PushHostView, RegisterResponse } from '@siteport/protocol';
import { TestMpClient, call } from '../../../test-support/mp-client.js';
import { requireTool } from '../../../test-support/require-tool.js';
import { sshKeyPair, startRecordingSshServer } from '../../../test-support/sshd.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { type TestServer, startTestServer } from '../../../test-support/test-server.js';
import { waitFor } from '../../../test-support/wait-for.js';
import { waitForHosts } from './support/push-harness.js';

/** A TCP listener on a loopback address that counts the connections it gets (the "host" a client named). */
async function countingListener(
  t: Parameters<typeof startTestServer>[0],
  host: string,
): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as net.AddressInfo).port, connections: () => connections };
}

/** Registers a client through the real MP over HTTPS, reporting `hostname` as its own name. */
async function registerClient(srv: TestServer, hostname: string): Promise<string> {
  const ports = (await srv.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const ca = (await call(`http://127.0.0.1:${ports.http.default}/mp/v1/ca`)).body.caCertificate as string;
  const client = new TestMpClient();
  const body = Buffer.from(
    JSON.stringify({
      siteCode: 'PS1',
      hostname,
      publicKey: client.publicKeyPem,
      category: 'workgroup',
      agentVersion: 'test',
    }),
  );
  const reg = await call(`https://127.0.0.1:${ports.https.default}/mp/v1/register`, {
    method: 'POST',
    body,
    ca,
    headers: client.signedHeaders('POST', '/mp/v1/register', body),
  });
  assert.equal(reg.status, 200, JSON.stringify(reg.body));
  return (reg.body as RegisterResponse).clientId;
}

test('a client that names itself 127.0.0.3 gets no SSH connection from a push of its device, nor does a scanned host, until an administrator approves the host', async (t) => {
  const target = await countingListener(t, '127.0.0.3');
  const scanned = await countingListener(t, '127.0.0.3');
  const srv = await startTestServer(t);
  const key = sshKeyPair(tempDir(t), 'push_ed25519');
  // The most permissive push settings: automatic push, first-use host keys, a root account, fast retries.
  const set = await srv.admin('PATCH', '/sites/PS1/push/settings', {
    autoPush: true,
    acceptNewHostKeys: true,
    user: 'root',
    privateKey: key.privateKey,
    retryIntervalSeconds: 1,
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const clientId = await registerClient(srv, '127.0.0.3');

  // The console's "Push install" on that device, and a scanner reporting a host.
  const pushed = await srv.admin<PushHostList>('POST', '/sites/PS1/push/candidates', { clientId, port: target.port });
  assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
  const candidate = pushed.body.hosts[0]!;
  const scan = await srv.admin<PushHostList>('POST', '/sites/PS1/push/hosts', {
    hosts: [{ host: '127.0.0.3', port: scanned.port, source: 'scan' }],
  });
  assert.equal(scan.status, 200, JSON.stringify(scan.body));
  const refused = await srv.admin<{ error: { code: string } }>('POST', '/sites/PS1/push/hosts', {
    hosts: [{ host: '127.0.0.4', source: 'client' }],
  });
  assert.equal(refused.status, 400, 'a request body cannot claim the server-only source "client"');

  // The scheduler ticks every second: several ticks pass with neither host connected to.
  await new Promise((resolve) => setTimeout(resolve, 3500));
  assert.equal(target.connections(), 0, 'nothing connected to the host name the client reported');
  assert.equal(scanned.connections(), 0, 'nothing connected to the scanned host');
  assert.deepEqual(
    [candidate.host, candidate.port, candidate.source, candidate.approval, candidate.status],
    ['127.0.0.3', target.port, 'client', 'candidate', 'new'],
  );
  assert.equal(scan.body.hosts[0]!.approval, 'candidate');
  const hosts = (await srv.admin<PushHostList>('GET', '/sites/PS1/push/hosts')).body.hosts;
  assert.ok(
    hosts.every((h) => h.approval === 'candidate' && h.status === 'new' && h.attempts === 0),
    JSON.stringify(hosts),
  );

  // After the administrator approves it, the push does connect (the listener would have seen it).
  const approved = await srv.admin<PushHostView>('POST', `/sites/PS1/push/hosts/${candidate.id}/approve`, {});
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.equal(approved.body.approval, 'approved');
  await waitFor('the approved host is connected to', () => Promise.resolve(target.connections() > 0), 15_000);
  assert.equal(scanned.connections(), 0, 'the other candidate is still left alone');
  const audit = await srv.admin<{
    entries: { action: string; actor: string; newValue: { hosts?: { source: string }[]; clientId?: string } }[];
  }>('GET', '/audit?limit=50');
  assert.ok(
    audit.body.entries.some((e) => e.action === 'push-host-approve'),
    'the approval is audited',
  );
  assert.ok(
    audit.body.entries.some((e) => e.action === 'push-install' && e.newValue.clientId === clientId),
    'the candidate names the client it came from',
  );
});

test('a password is never sent to an SSH server whose host key is not pinned, even with first-use pinning on; it is sent only after an administrator confirms the key', async (t) => {
  if (!requireTool(t, 'ssh-keygen', 'apt-get install openssh-client')) return;
  const fake = await startRecordingSshServer(t);
  const srv = await startTestServer(t);
  const password = 'Pw-only-for-a-confirmed-key-71c2';
  const set = await srv.admin('PATCH', '/sites/PS1/push/settings', {
    acceptNewHostKeys: true,
    user: 'root',
    password,
    retryIntervalSeconds: 1,
    retryForSeconds: 60,
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));

  const added = await srv.admin<PushHostList>('POST', '/sites/PS1/push/install', {
    hosts: [{ host: '127.0.0.1', port: fake.port }],
  });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  const id = added.body.hosts[0]!.id;
  const [waiting] = await waitForHosts(srv.admin, 'PS1', (h) => h.status === 'failed', [id], 30_000);
  assert.ok(fake.handshakes() >= 1, 'the site did reach the server (its key was read)');
  assert.deepEqual(fake.attempts(), [], 'no authentication was attempted: the password never left the site');
  assert.equal(waiting!.errorCode, 'E_PUSH_HOST_KEY_UNCONFIRMED', JSON.stringify(waiting));
  assert.equal(waiting!.presentedHostKey, fake.hostKey.fingerprint);
  assert.equal(waiting!.hostKey, null, 'the key was not pinned');
  assert.equal(waiting!.nextAttemptAt, null, 'the host waits for the administrator, not for the retry schedule');
  assert.match(waiting!.reason ?? '', /siteport push approve 127\.0\.0\.1:\d+ --host-key SHA256:/);

  // The administrator checks the fingerprint on the host and confirms it: now the password is used.
  const confirmed = await srv.admin<PushHostView>('POST', `/sites/PS1/push/hosts/${id}/approve`, {
    hostKey: waiting!.presentedHostKey,
  });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  assert.equal(confirmed.body.hostKey, fake.hostKey.fingerprint);
  const [refused] = await waitForHosts(srv.admin, 'PS1', (h) => h.status === 'failed' && h.attempts >= 2, [id], 30_000);
  assert.equal(refused!.errorCode, 'E_PUSH_AUTH', JSON.stringify(refused));
  assert.ok(
    fake.attempts().some((a) => a.method === 'password' && a.password === password),
    `after confirmation the password goes to the pinned key: ${JSON.stringify(fake.attempts().map((a) => a.method))}`,
  );
});
