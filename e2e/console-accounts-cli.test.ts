import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli, startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';

test('siteport server prints the console URL, and siteport console add-user creates an analyst who can sign in; a too-short password is refused with exit 1 and a missing one with exit 2', async (t) => {
  const dataDir = tempDir(t, 'siteport-console-cli-');
  const run = startCli(['server', '--data', dataDir, ...LOOPBACK_PORT_FLAGS, '--log-level', 'warn'], /web console: /);
  t.after(async () => {
    if (run.child.exitCode !== null) return;
    const exited = new Promise((r) => run.child.once('exit', r));
    run.child.kill('SIGTERM');
    await exited;
  });
  const out = await run.started;
  const match = /web console: (http:\/\/127\.0\.0\.1:\d+)\/console\/ {2}\(user admin, first password in (\S+)\)/.exec(
    out,
  );
  assert.ok(match, out);
  const [, server, passwordFile] = match;
  assert.equal(passwordFile, path.join(dataDir, 'console-initial-password'));
  assert.equal(statSync(passwordFile).mode & 0o777, 0o600);

  const connect = ['--server', server!, '--data', dataDir];
  const short = await runCli(['console', 'add-user', 'ana', '--role', 'analyst', ...connect], {
    env: { SITEPORT_CONSOLE_PASSWORD: 'short' },
  });
  assert.equal(short.code, 1);
  assert.match(short.stderr, /E_PASSWORD/);
  const none = await runCli(['console', 'add-user', 'ana', ...connect], {
    env: { SITEPORT_CONSOLE_PASSWORD: undefined },
  });
  assert.equal(none.code, 2, 'no password given is bad usage');
  assert.match(none.stderr, /--password-stdin/);

  const added = await runCli(['console', 'add-user', 'ana', '--role', 'analyst', '--json', ...connect], {
    env: { SITEPORT_CONSOLE_PASSWORD: 'correct horse battery' },
  });
  assert.equal(added.code, 0, added.stderr);
  assert.equal(JSON.parse(added.stdout).role, 'analyst');
  const users = await runCli(['console', 'users', '--json', ...connect]);
  assert.deepEqual(
    (JSON.parse(users.stdout) as { user: string }[]).map((u) => u.user),
    ['admin', 'ana'],
  );

  for (const [user, password] of [
    ['ana', 'correct horse battery'],
    ['admin', readFileSync(passwordFile, 'utf8').trim()],
  ] as const) {
    const res = await fetch(`${server}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server! },
      body: JSON.stringify({ user, password }),
    });
    assert.equal(res.status, 200, user);
  }
});
