import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { PushHostList, PushSettingsView } from '@siteport/protocol';
import { requireTool } from '../test-support/require-tool.js';
import { runCli } from '../test-support/run-cli.js';
import { startTestServer } from '../test-support/test-server.js';
import { tempDir } from '../test-support/temp-dir.js';

test('siteport push add, push status and push settings show/set keep the inventory and the credential, with shared options after any subcommand', async (t) => {
  if (!requireTool(t, 'ssh-keygen', 'apt-get install openssh-client')) return;
  const srv = await startTestServer(t);
  const conn = ['--server', srv.adminUrl, '--data', srv.dataDir];
  const dir = tempDir(t);

  const file = path.join(dir, 'discovered');
  writeFileSync(file, '# from a scan\nhost-b.example:2222\n\n');
  const added = await runCli(['push', 'add', 'host-a.example', '--file', file, '--json', ...conn]);
  assert.equal(added.code, 0, added.stderr);
  const status = await runCli(['push', 'status', '--json', ...conn]);
  assert.equal(status.code, 0, status.stderr);
  const hosts = (JSON.parse(status.stdout) as PushHostList).hosts.map((h) => `${h.host}:${h.port}`).sort();
  assert.deepEqual(hosts, ['host-a.example:22', 'host-b.example:2222']);
  const text = await runCli(['push', 'status', ...conn]);
  assert.match(text.stdout, /^HOST\s+STATUS\s+ATTEMPTS/);
  assert.match(text.stdout, /host-b\.example:2222/);
  const bad = await runCli(['push', 'add', 'host:notaport', ...conn]);
  assert.notEqual(bad.code, 0);

  const key = path.join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const set = await runCli([
    'push',
    'settings',
    'set',
    'retryIntervalSeconds=120',
    '--user',
    'deploy',
    '--key',
    key,
    ...conn,
  ]);
  assert.equal(set.code, 0, set.stderr);
  const shown = await runCli(['push', 'settings', 'show', '--json', ...conn]);
  assert.equal(shown.code, 0, shown.stderr);
  const settings = JSON.parse(shown.stdout) as PushSettingsView;
  assert.equal(settings.retryIntervalSeconds, 120);
  assert.deepEqual(settings.credential, { user: 'deploy', auth: 'key', secretStored: true });
  assert.ok(!shown.stdout.includes('PRIVATE KEY'), 'the key never comes back');
  const both = await runCli(['push', 'settings', 'set', '--key', key, '--password-env', 'X', ...conn]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /give --key or --password-env, not both/);
});
