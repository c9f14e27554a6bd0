import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { SITEPORT_VERSION } from '@siteport/protocol';
import { freePort } from '../test-support/ports.js';
import { SITEPORT_BIN, runCli } from '../test-support/run-cli.js';
import { startTestServer } from '../test-support/test-server.js';
import { tempDir } from '../test-support/temp-dir.js';

test('siteport --version, help, and no command: version and help exit 0, a missing command is a usage error (2)', async () => {
  for (const flag of ['--version', '-V']) {
    const version = await runCli([flag]);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout, `${SITEPORT_VERSION}\n`);
  }
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: siteport \[options\] \[command\]/);
  const bare = await runCli([]);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /^Usage: siteport \[options\] \[command\]/);
  const group = await runCli(['ports']);
  assert.equal(group.code, 2, 'a command group without its subcommand');
  assert.match(group.stderr, /^Usage: siteport ports \[options\] \[command\]/);
  assert.equal((await runCli(['help', 'ports'])).code, 0);
  const unknown = await runCli(['portz']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'portz'/);
});

test('siteport output piped into a reader that goes away (| head) ends quietly, without an EPIPE trace', () => {
  // `true` exits at once; siteport starts writing later, into a closed pipe.
  const run = spawnSync(
    'bash',
    ['-c', `"${process.execPath}" "${SITEPORT_BIN}" --help | true; echo "exit \${PIPESTATUS[0]}"`],
    { encoding: 'utf8' },
  );
  assert.equal(run.stderr, '');
  assert.equal(run.stdout, 'exit 0\n');
});

test('a next step the CLI prints works as printed: it carries the connection flags the command was given', async (t) => {
  const srv = await startTestServer(t);
  const conn = ['--server', srv.adminUrl, '--data', srv.dataDir];
  const set = await runCli(['ports', 'set', ...conn, `https=${await freePort()}`]);
  assert.equal(set.code, 0, set.stderr);
  const hint = /the change is rolling out as (\S+): (siteport rollout show .*)$/m.exec(set.stdout);
  assert.ok(hint, set.stdout);
  assert.equal(hint[2], `siteport rollout show ${hint[1]} --server ${srv.adminUrl} --data ${srv.dataDir}`);
  const shown = await runCli(hint[2].split(' ').slice(1));
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(hint[1]!));
});

test('siteport client identity prints the installed client key fingerprint that push installation matches on', async (t) => {
  const state = path.join(tempDir(t), 'client');
  const setup = await runCli(['setup', '--state', state, 'SMSSITECODE=PS1', 'SMSMP=127.0.0.1']);
  assert.equal(setup.code, 0, setup.stderr);
  assert.match(setup.stdout, new RegExp(`^start the agent with: siteport agent --state ${state}$`, 'm'));
  const identity = await runCli(['client', 'identity', '--state', state]);
  assert.equal(identity.code, 0, identity.stderr);
  const parsed = JSON.parse(identity.stdout) as { keyFingerprint: string; clientId: string | null; siteCode: string };
  assert.deepEqual([parsed.siteCode, parsed.clientId], ['PS1', null]);
  assert.match(parsed.keyFingerprint, /^[0-9a-f]{64}$/);
  const none = await runCli(['client', 'identity', '--state', path.join(state, 'absent')]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^siteport: E_/);
});
