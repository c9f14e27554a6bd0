import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import type { PushHostView } from '@siteport/protocol';
import { SiteServer } from '@siteport/server';
import { requireTool } from '../../../test-support/require-tool.js';
import { startSshd, sshKeyPair } from '../../../test-support/sshd.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { installRoots, waitForHosts } from './support/push-harness.js';

test('the push password and private key never appear in logs, API responses or audit records, nor in plain text in the database', async (t) => {
  if (!requireTool(t, 'sshd', 'apt-get install openssh-server')) return;
  const dir = tempDir(t);
  const hostKey = sshKeyPair(dir, 'host_push_ed25519');
  const authorized = sshKeyPair(dir, 'authorized_ed25519');
  const sshd = await startSshd(t, { authorizedKeys: [authorized.publicKey] });
  const password = 'Pw-9f3c1a7e-never-in-any-output';
  const keyMarker = hostKeyMarker(hostKey.privateKey);
  let logs = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs += chunk.toString();
      done();
    },
  });
  const data = path.join(dir, 'data');
  const server = await SiteServer.start(
    { dataDir: data, adminPort: 0, httpPort: 0, httpsPort: 0, notificationPort: 0, bindHost: '127.0.0.1' },
    pino({ level: 'trace' }, sink),
  );
  t.after(() => server.stop());
  const token = readFileSync(server.info.adminTokenFile, 'utf8').trim();
  const site = server.info.siteCode;
  const responses: string[] = [];
  const admin = async <T>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${server.info.adminUrl}/api/v1${p}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    responses.push(text);
    return { status: res.status, body: JSON.parse(text) as T };
  };
  const roots = installRoots(t);

  // The site account uses a password (explicitly chosen); one host has its own private key.
  const set = await admin('PATCH', `/sites/${site}/push/settings`, {
    user: 'root',
    password,
    retryIntervalSeconds: 1,
    retryForSeconds: 0,
    acceptNewHostKeys: true,
    managementPoint: '127.0.0.1',
  });
  assert.equal(set.status, 200);
  const added = await admin<{ hosts: PushHostView[] }>('POST', `/sites/${site}/push/install`, {
    hosts: [
      { host: '127.0.0.1', port: sshd.port, installDir: path.join(roots, 'by-password') },
      { host: 'localhost', port: sshd.port, privateKey: hostKey.privateKey, installDir: path.join(roots, 'by-key') },
    ],
  });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  const ids = added.body.hosts.map((h) => h.id);
  const failed = await waitForHosts(admin, site, (h) => h.status === 'failed' && h.nextAttemptAt === null, ids, 60_000);
  const byKey = failed.find((h) => h.host === 'localhost')!;
  assert.equal(byKey.errorCode, 'E_PUSH_AUTH', JSON.stringify(byKey));
  assert.equal(
    byKey.hostKeySource,
    'first-use',
    'first-use pinning was allowed for key authentication and is recorded',
  );
  assert.equal(byKey.hostKey, sshd.hostKey.fingerprint);
  // A password goes only to a confirmed key: the first connection reads the key and stops there.
  const byPassword = failed.find((h) => h.host === '127.0.0.1')!;
  assert.equal(byPassword.errorCode, 'E_PUSH_HOST_KEY_UNCONFIRMED', JSON.stringify(byPassword));
  assert.equal(byPassword.presentedHostKey, sshd.hostKey.fingerprint);
  const confirmed = await admin<PushHostView>('POST', `/sites/${site}/push/hosts/${byPassword.id}/approve`, {
    hostKey: byPassword.presentedHostKey,
  });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  const [refused] = await waitForHosts(
    admin,
    site,
    (h) => h.status === 'failed' && h.attempts >= 2,
    [byPassword.id],
    60_000,
  );
  assert.equal(refused!.errorCode, 'E_PUSH_AUTH', JSON.stringify(refused));
  assert.match(refused!.reason!, /refused the push account's password/);
  await admin('GET', `/sites/${site}/push/settings`);
  const audit = await admin<{ entries: { action: string; newValue: unknown }[] }>('GET', '/audit?limit=100');
  const actions = audit.body.entries.map((e) => e.action);
  for (const action of ['push-settings', 'push-install', 'push-host-key-pinned', 'push-host-approve'])
    assert.ok(actions.includes(action), `audit has ${action}`);
  assert.ok(JSON.stringify(audit.body).includes('[redacted]'), 'the audit says a secret was set, redacted');
  await server.stop();

  assert.ok(logs.includes('push settings changed'), 'the push component logged at trace level');
  const apiText = responses.join('\n');
  const dbText = readFileSync(path.join(data, 'site.db')).toString('latin1') + readWal(data);
  for (const [where, text] of [
    ['logs', logs],
    ['API responses', apiText],
    ['database', dbText],
  ] as const) {
    assert.ok(!text.includes(password), `the password is not in the ${where}`);
    assert.ok(!text.includes(keyMarker), `the private key is not in the ${where}`);
  }
  assert.equal(statSync(path.join(data, 'push-secret.key')).mode & 0o777, 0o600, 'the key file is 0600');
});

/** A distinctive slice of the private key's base64 body. */
function hostKeyMarker(pem: string): string {
  return pem.split('\n').slice(2, 3).join('').slice(0, 40);
}

function readWal(data: string): string {
  try {
    return readFileSync(path.join(data, 'site.db-wal')).toString('latin1');
  } catch {
    return '';
  }
}
