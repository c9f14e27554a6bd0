import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { DirectoryView, PushHostList, PushHostView } from '@siteport/protocol';
import { requireTool } from '../test-support/require-tool.js';
import { runCli, startCli } from '../test-support/run-cli.js';
import { SLAPD_ACCOUNTS, startSlapd, throwawayCa } from '../test-support/slapd.js';
import { startRecordingSshServer } from '../test-support/sshd.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';
import { LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';

/** `siteport server` in a temp data dir; returns the CLI connection flags and an admin call. */
async function startServer(t: Parameters<typeof tempDir>[0]) {
  const data = tempDir(t);
  const server = startCli(
    ['server', '--data', data, ...LOOPBACK_PORT_FLAGS, '--public-host', '127.0.0.1', '--log-level', 'warn'],
    /client communication mode/,
  );
  t.after(async () => {
    if (server.child.exitCode !== null) return;
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await exited;
  });
  const banner = await server.started;
  const adminUrl = /admin API: (http:\/\/[^/\s]+)/.exec(banner)?.[1];
  assert.ok(adminUrl, banner);
  return { data, conn: ['--server', adminUrl, '--data', data] };
}

test('siteport push with a password reads an unpinned host key and sends nothing; siteport push approve --host-key confirms it, and siteport push status and approve handle a candidate', async (t) => {
  if (!requireTool(t, 'ssh-keygen', 'apt-get install openssh-client')) return;
  const fake = await startRecordingSshServer(t);
  const { conn } = await startServer(t);
  const env = { PUSH_PW: 'Pw-e2e-never-to-an-unpinned-key' };

  const set = await runCli(
    [
      'push',
      'settings',
      'set',
      'acceptNewHostKeys=true',
      'retryIntervalSeconds=1',
      '--user',
      'root',
      '--password-env',
      'PUSH_PW',
      ...conn,
    ],
    { env },
  );
  assert.equal(set.code, 0, set.stderr);
  const pushed = await runCli(['push', `127.0.0.1:${fake.port}`, '--timeout', '60', ...conn], { env });
  assert.notEqual(pushed.code, 0, 'the push did not succeed');
  assert.match(
    pushed.stdout,
    new RegExp(
      `failed: E_PUSH_HOST_KEY_UNCONFIRMED: .*presented host key ${fake.hostKey.fingerprint.replace(/[+/]/g, '\\$&')}`,
    ),
  );
  assert.match(pushed.stdout, /siteport push approve 127\.0\.0\.1:\d+ --host-key SHA256:/);
  assert.ok(fake.handshakes() >= 1);
  assert.deepEqual(fake.attempts(), [], 'no authentication, so no password, reached the unpinned host');

  const approved = await runCli([
    'push',
    'approve',
    `127.0.0.1:${fake.port}`,
    '--host-key',
    fake.hostKey.fingerprint,
    '--json',
    ...conn,
  ]);
  assert.equal(approved.code, 0, approved.stderr);
  const view = (JSON.parse(approved.stdout) as PushHostList).hosts[0]!;
  assert.deepEqual([view.approval, view.hostKey, view.hostKeySource], ['approved', fake.hostKey.fingerprint, 'given']);
  await waitFor(
    'the password goes to the confirmed key',
    () => fake.attempts().some((a) => a.method === 'password' && a.password === env.PUSH_PW),
    30_000,
  );

  const twoHosts = await runCli([
    'push',
    'approve',
    'a.example',
    'b.example',
    '--host-key',
    fake.hostKey.fingerprint,
    ...conn,
  ]);
  assert.equal(twoHosts.code, 2, 'one --host-key for two hosts is bad usage');
  const unknown = await runCli(['push', 'approve', 'nowhere.example', ...conn]);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /E_PUSH_HOST_NOT_FOUND/);

  // A scanner's host is a candidate: push status says so, and push approve makes it a target.
  const token = (await import('node:fs')).readFileSync(path.join(conn[3]!, 'admin-token'), 'utf8').trim();
  const scan = await fetch(`${conn[1]}/api/v1/sites/PS1/push/hosts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ hosts: [{ host: '127.0.0.3', port: 1, source: 'scan' }] }),
  });
  assert.equal(scan.status, 200);
  const status = await runCli(['push', 'status', ...conn]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /127\.0\.0\.3:1\s+candidate\s/);
  const candidate = await runCli(['push', 'approve', '127.0.0.3', '--json', ...conn]);
  assert.equal(candidate.code, 0, candidate.stderr);
  assert.equal((JSON.parse(candidate.stdout) as { hosts: PushHostView[] }).hosts[0]!.approval, 'approved');
});

test('siteport directory set warns on ldap:// with a password, publishes with --start-tls --ldap-ca-file and over ldaps://, and reports a CA that does not sign the directory certificate', async (t) => {
  if (
    !requireTool(t, 'slapd', 'apt-get install slapd ldap-utils') ||
    !requireTool(t, 'openssl', 'apt-get install openssl')
  )
    return;
  const ldap = await startSlapd(t, { tls: true });
  const tls = ldap.tls!;
  const { conn } = await startServer(t);
  const dir = tempDir(t);
  const passwordFile = path.join(dir, 'bind-password');
  writeFileSync(passwordFile, `${SLAPD_ACCOUNTS.siteServer.password}\n`, { mode: 0o600 });
  const other = await throwawayCa(dir, 'other');
  const account = ['--bind-dn', SLAPD_ACCOUNTS.siteServer.dn, '--password-file', passwordFile];

  const plain = await runCli(['directory', 'set', '--url', `${ldap.url}/${ldap.baseDn}`, ...account, ...conn]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(
    plain.stderr,
    /^warning: the bind password for cn=siteport-server,.* is sent in clear text to ldap:\/\/127\.0\.0\.1:\d+; use ldaps:\/\/ or StartTLS/m,
  );
  assert.match(plain.stdout, /TLS: {16}none \(clear text\)/);
  assert.match(plain.stdout, /WARNING: {12}the bind password/);

  const startTls = await runCli([
    'directory',
    'set',
    '--url',
    `${ldap.url}/${ldap.baseDn}`,
    ...account,
    '--start-tls',
    '--ldap-ca-file',
    tls.ca.caFile,
    ...conn,
  ]);
  assert.equal(startTls.code, 0, startTls.stderr);
  assert.equal(startTls.stderr, '', 'no warning and no publish failure');
  assert.match(startTls.stdout, /state: {14}published/);
  assert.match(startTls.stdout, /TLS: {16}starttls, CA: the configured certificate/);

  const ldaps = await runCli([
    'directory',
    'set',
    '--url',
    `${tls.ldapsUrl}/${ldap.baseDn}`,
    ...account,
    '--ldap-ca-file',
    tls.ca.caFile,
    '--json',
    ...conn,
  ]);
  assert.equal(ldaps.code, 0, ldaps.stderr);
  const view = JSON.parse(ldaps.stdout) as DirectoryView;
  assert.deepEqual([view.tls, view.tlsCa, view.publish.state, view.warnings], ['ldaps', 'custom', 'published', []]);

  // directory remove takes the site's entries out and stops publishing; show then says so.
  const removed = await runCli(['directory', 'remove', '--json', ...conn]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal((JSON.parse(removed.stdout) as DirectoryView).configured, false);
  const shown = await runCli(['directory', 'show', '--json', ...conn]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.deepEqual(
    [(JSON.parse(shown.stdout) as DirectoryView).configured, (JSON.parse(shown.stdout) as DirectoryView).url],
    [false, null],
  );

  const wrong = await runCli([
    'directory',
    'set',
    '--url',
    `${tls.ldapsUrl}/${ldap.baseDn}`,
    ...account,
    '--ldap-ca-file',
    other.caFile,
    ...conn,
  ]);
  assert.equal(wrong.code, 0, 'the settings are saved; publishing is retried');
  assert.match(wrong.stderr, /publishing failed and is retried: E_DIRECTORY_TLS: .*--ldap-ca-file/);
  const missing = await runCli([
    'directory',
    'set',
    '--url',
    `${tls.ldapsUrl}/${ldap.baseDn}`,
    '--ldap-ca-file',
    path.join(dir, 'absent.pem'),
    ...conn,
  ]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /cannot read --ldap-ca-file/);
});
