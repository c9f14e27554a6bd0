import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { type ClientStatus, readClientStatus } from '@siteport/agent';
import { requireTool } from '../test-support/require-tool.js';
import { SITEPORT_BIN, runCli, startCli } from '../test-support/run-cli.js';
import { SLAPD_ACCOUNTS, startSlapd } from '../test-support/slapd.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';
import { LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function startAgent(t: { after: (fn: () => unknown) => void }, state: string): ChildProcess {
  const child = spawn(process.execPath, [SITEPORT_BIN, 'agent', '--state', state, '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  });
  return child;
}

async function stopAgent(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

/** Polls read the state directory in-process (cheap); the final checks run the real CLI. */
function status(state: string): Promise<ClientStatus> {
  return Promise.resolve(readClientStatus(state));
}

async function cliStatus(state: string): Promise<any> {
  const res = await runCli(['client', 'status', '--state', state, '--json']);
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout);
}

async function startPublishingSite(t: Parameters<typeof tempDir>[0]) {
  const ldap = await startSlapd(t);
  const data = tempDir(t);
  const server = startCli(
    [
      'server',
      '--data',
      data,
      ...LOOPBACK_PORT_FLAGS,
      '--policy-interval',
      '1',
      '--public-host',
      '127.0.0.1',
      '--log-level',
      'warn',
    ],
    /client communication mode/,
  );
  t.after(() => server.child.kill('SIGTERM'));
  const banner = await server.started;
  const adminUrl = /admin API: (http:\/\/[^/\s]+)/.exec(banner)?.[1];
  assert.ok(adminUrl, banner);
  const conn = ['--server', adminUrl, '--data', data];
  const secrets = tempDir(t);
  const serverPassword = path.join(secrets, 'server-password');
  const clientPassword = path.join(secrets, 'client-password');
  writeFileSync(serverPassword, `${SLAPD_ACCOUNTS.siteServer.password}\n`, { mode: 0o600 });
  writeFileSync(clientPassword, `${SLAPD_ACCOUNTS.client.password}\n`, { mode: 0o600 });
  const url = `${ldap.url}/${ldap.baseDn}`;
  const set = await runCli([
    'directory',
    'set',
    ...conn,
    '--url',
    url,
    '--bind-dn',
    SLAPD_ACCOUNTS.siteServer.dn,
    '--password-file',
    serverPassword,
    '--json',
  ]);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(JSON.parse(set.stdout).publish.state, 'published', set.stdout);
  const joinFlags = [
    '--directory',
    url,
    '--directory-bind-dn',
    SLAPD_ACCOUNTS.client.dn,
    '--directory-password-file',
    clientPassword,
  ];
  return { ldap, conn, joinFlags };
}

test('setup with --directory and no properties takes the published ones; explicit properties override them', async (t) => {
  if (!requireTool(t, 'slapd', 'apt-get install slapd ldap-utils')) return;
  const { conn, joinFlags } = await startPublishingSite(t);
  const ports = JSON.parse((await runCli(['ports', 'show', ...conn, '--json'])).stdout);
  const fingerprint = JSON.parse((await runCli(['directory', 'show', ...conn, '--json'])).stdout);
  assert.equal(fingerprint.configured, true);

  const plain = tempDir(t);
  const res = await runCli(['setup', '--state', plain, ...joinFlags, '--json']);
  assert.equal(res.code, 0, res.stderr);
  const config = JSON.parse(res.stdout);
  assert.equal(config.siteCode, 'PS1');
  assert.deepEqual(config.managementPoints, ['127.0.0.1']);
  assert.equal(config.ports.http.default, ports.http.default);
  assert.equal(config.ports.https.default, ports.https.default);
  assert.match(config.caFingerprint, /^[0-9a-f]{64}$/);
  assert.equal(config.category, 'directory-joined');
  assert.ok(!res.stdout.includes(SLAPD_ACCOUNTS.client.password), 'the password is not printed');

  const explicit = tempDir(t);
  const over = await runCli([
    'setup',
    '--state',
    explicit,
    ...joinFlags,
    'CCMHTTPPORT=8088',
    'SMSMP=mp.example.test',
    '--json',
  ]);
  assert.equal(over.code, 0, over.stderr);
  const overridden = JSON.parse(over.stdout);
  assert.equal(overridden.ports.http.default, 8088);
  assert.deepEqual(overridden.managementPoints, ['mp.example.test']);
  assert.equal(overridden.ports.https.default, ports.https.default, 'unnamed properties still come from the directory');

  const wrong = await runCli([
    'setup',
    '--state',
    tempDir(t),
    ...joinFlags.slice(0, 2),
    '--directory-bind-dn',
    SLAPD_ACCOUNTS.client.dn,
    '--directory-password-file',
    '/nonexistent',
  ]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /E_DIRECTORY_CONFIG: cannot read the directory password file/);
  const other = await runCli(['setup', '--state', tempDir(t), ...joinFlags, 'SMSSITECODE=XYZ']);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /E_DIRECTORY_NOT_FOUND: .*no siteport site XYZ is published/);
});

test('a directory-joined agent whose site changed ports while it was stopped comes back managed on the new ports; a workgroup agent does not', async (t) => {
  if (!requireTool(t, 'slapd', 'apt-get install slapd ldap-utils')) return;
  const { conn, joinFlags } = await startPublishingSite(t);
  const before = JSON.parse((await runCli(['ports', 'show', ...conn, '--json'])).stdout);
  const joined = tempDir(t);
  const workgroup = tempDir(t);
  assert.equal((await runCli(['setup', '--state', joined, ...joinFlags])).code, 0);
  const wg = await runCli([
    'setup',
    '--state',
    workgroup,
    'SMSMP=127.0.0.1',
    `CCMHTTPPORT=${before.http.default}`,
    `CCMHTTPSPORT=${before.https.default}`,
  ]);
  assert.equal(wg.code, 0, wg.stderr);

  let agents = [startAgent(t, joined), startAgent(t, workgroup)];
  for (const state of [joined, workgroup]) {
    await waitFor(`${state} running`, async () => (await status(state)).state === 'running', 30_000);
  }
  await Promise.all(agents.map(stopAgent));

  const http = await freePort();
  const https = await freePort();
  const set = await runCli(['ports', 'set', ...conn, `http=${http}`, `https=${https}`, '--json']);
  assert.equal(set.code, 0, set.stderr);
  const version = JSON.parse(set.stdout).ports.version;
  // The old ports overlap for two policy intervals (2 s here); wait until they are really closed.
  await waitFor(
    'old ports closed',
    async () => JSON.parse((await runCli(['ports', 'show', ...conn, '--json'])).stdout).overlap.length === 0,
    30_000,
  );
  await waitFor(
    'the new version published',
    async () =>
      JSON.parse((await runCli(['directory', 'show', ...conn, '--json'])).stdout).publish.publishedVersion === version,
  );

  agents = [startAgent(t, joined), startAgent(t, workgroup)];
  const back = await waitFor(
    'the directory-joined agent managed on the new ports',
    async () => {
      const s = await status(joined);
      return s.state === 'running' &&
        s.settingsVersion === version &&
        s.lastContact !== null &&
        [http, https].includes(s.lastContact.port)
        ? s
        : undefined;
    },
    30_000,
  );
  assert.deepEqual((await cliStatus(joined)).ports, back.ports, 'client status --json agrees');
  assert.equal(back.ports.http.default, http);
  assert.equal(back.ports.https.default, https);
  assert.equal(back.category, 'directory-joined');
  assert.deepEqual(back.discovery?.order, ['stored', 'directory']);
  assert.equal(back.discovery?.directory?.publishedVersion, version);
  assert.ok(back.discovery?.directory?.adoptedAt, 'adopted from the directory');

  const stranded = await waitFor(
    'the workgroup agent unreachable',
    async () => {
      const s = await status(workgroup);
      return s.state === 'unreachable' && s.lastError?.code === 'E_MP_UNREACHABLE' ? s : undefined;
    },
    30_000,
  );
  assert.equal((await cliStatus(workgroup)).category, 'workgroup');
  assert.equal(stranded.ports.http.default, before.http.default, 'the workgroup client still has the old ports');
  assert.equal(stranded.discovery?.directory, null, 'a workgroup client never reads the directory');
  const text = await runCli(['client', 'status', '--state', workgroup]);
  assert.match(text.stdout, /category\s+workgroup \(does not read the directory\)/);
  await Promise.all(agents.map(stopAgent));
});
