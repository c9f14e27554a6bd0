import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import type { TokenView } from '@siteport/protocol';
import { runCli, startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';

/** A real `siteport server` process; returns its admin URL and data dir. */
async function startServer(t: TestContext): Promise<{ server: string; dataDir: string; connect: string[] }> {
  const dataDir = tempDir(t, 'siteport-access-cli-');
  const run = startCli(['server', '--data', dataDir, ...LOOPBACK_PORT_FLAGS, '--log-level', 'warn'], /web console: /);
  t.after(async () => {
    if (run.child.exitCode !== null) return;
    const exited = new Promise((r) => run.child.once('exit', r));
    run.child.kill('SIGTERM');
    await exited;
  });
  const server = /admin API: (\S+)\/api\/v1/.exec(await run.started)![1]!;
  return { server, dataDir, connect: ['--server', server, '--data', dataDir] };
}

async function signIn(server: string, user: string, password: string): Promise<number> {
  const res = await fetch(`${server}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server },
    body: JSON.stringify({ user, password }),
  });
  return res.status;
}

test('siteport token create, list, revoke and rotate-bootstrap manage API tokens; the secret is printed once and a revoked or rotated token stops working', async (t) => {
  const { server, dataDir, connect } = await startServer(t);
  const created = await runCli([
    'token',
    'create',
    'ci',
    '--role',
    'operator',
    '--sites',
    'ps1',
    '--expires',
    '30d',
    ...connect,
  ]);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^token ci created: id [0-9a-f]{16}, operator, PS1, expires \d{4}-\d\d-\d\dT/);
  const secret = /^(spt_\S+)$/m.exec(created.stdout)?.[1];
  assert.ok(secret !== undefined, created.stdout);
  const json = await runCli(['token', 'create', 'reader', '--role', 'analyst', '--json', ...connect]);
  assert.equal(JSON.parse(json.stdout).expiresAt, null, 'expires never by default');

  const listed = await runCli(['token', 'list', '--json', ...connect]);
  const tokens = JSON.parse(listed.stdout) as TokenView[];
  assert.deepEqual(tokens.map((x) => [x.name, x.role, x.sites, x.state]).sort(), [
    ['ci', 'operator', ['PS1'], 'active'],
    ['reader', 'analyst', null, 'active'],
  ]);
  const days = (Date.parse(tokens.find((x) => x.name === 'ci')!.expiresAt!) - Date.now()) / 86_400_000;
  assert.ok(days > 29.9 && days <= 30, `--expires 30d is 30 days from now (${days})`);
  assert.ok(!listed.stdout.includes(secret), 'the list never prints a secret');
  const table = await runCli(['token', 'list', ...connect]);
  assert.match(table.stdout, /^ID +NAME +ROLE +SITES +STATE +EXPIRES +CREATED BY$/m);

  const asCi = { env: { SITEPORT_TOKEN: secret } };
  const audit = await runCli(['audit', '--server', server, '--json'], asCi);
  assert.equal(audit.code, 0, audit.stderr);
  const forbidden = await runCli(['console', 'users', '--server', server], asCi);
  assert.equal(forbidden.code, 1);
  assert.match(forbidden.stderr, /E_FORBIDDEN: token:ci is an operator and may not/);

  for (const [args, pattern] of [
    [
      ['--role', 'operator', '--expires', 'next week'],
      /E_OPTION: --expires: expiry must be never, a duration like 30d/,
    ],
    [['--role', 'operator', '--expires', '2001-01-01T00:00:00Z'], /E_OPTION: --expires: .*lies in the past/],
    [['--role', 'root'], /E_OPTION: --role: role must be one of administrator, operator, analyst, secondary, peer/],
    [['--role', 'analyst', '--sites', 'PS1,TOOLONG'], /E_OPTION: --sites: /],
  ] as const) {
    const bad = await runCli(['token', 'create', 'bad', ...args, ...connect]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, pattern);
  }

  const revoked = await runCli(['token', 'revoke', 'ci', ...connect]);
  assert.match(revoked.stdout, /^token ci \(id [0-9a-f]{16}\) revoked at .* by token:admin$/m);
  const after = await runCli(['audit', '--server', server], asCi);
  assert.equal(after.code, 1);
  assert.match(after.stderr, /E_UNAUTHORIZED: token ci was revoked at/);

  const old = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  const rotated = await runCli(['token', 'rotate-bootstrap', ...connect]);
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(
    rotated.stdout,
    new RegExp(`bootstrap token replaced; the new one is in ${path.join(dataDir, 'admin-token')}`),
  );
  assert.equal(
    (await runCli(['audit', '--server', server], { env: { SITEPORT_TOKEN: old } })).code,
    1,
    'the old bootstrap token is refused',
  );
  const entries = JSON.parse((await runCli(['audit', '--json', ...connect])).stdout).entries as {
    action: string;
    actor: string;
  }[];
  assert.deepEqual(
    entries.filter((e) => e.action.startsWith('token.')).map((e) => [e.action, e.actor]),
    [
      ['token.rotate-bootstrap', 'token:admin'],
      ['token.revoke', 'token:admin'],
      ['token.create', 'token:admin'],
      ['token.create', 'token:admin'],
    ],
    'the audit names the token, not the OS user running the CLI',
  );
});

test('siteport console set-user, disable, enable, reset-password and delete-user manage accounts; the last administrator is kept', async (t) => {
  const { server, connect } = await startServer(t);
  const password = { env: { SITEPORT_CONSOLE_PASSWORD: 'correct horse battery' } };
  const added = await runCli(
    ['console', 'add-user', 'olga', '--role', 'operator', '--sites', 'PS1', '--json', ...connect],
    password,
  );
  assert.equal(added.code, 0, added.stderr);
  assert.deepEqual([JSON.parse(added.stdout).role, JSON.parse(added.stdout).sites], ['operator', ['PS1']]);

  const set = await runCli(['console', 'set-user', 'olga', '--role', 'analyst', '--sites', 'all', ...connect]);
  assert.equal(set.stdout, 'console account olga: analyst, every site, enabled\n');
  const nothing = await runCli(['console', 'set-user', 'olga', ...connect]);
  assert.equal(nothing.code, 2);

  assert.match(
    (await runCli(['console', 'disable', 'olga', ...connect])).stdout,
    /olga: analyst, every site, disabled/,
  );
  assert.equal(await signIn(server, 'olga', 'correct horse battery'), 401);
  const users = await runCli(['console', 'users', ...connect]);
  assert.match(users.stdout, /^olga\s+analyst\s+every site\s+disabled\s/m);
  assert.match((await runCli(['console', 'enable', 'olga', ...connect])).stdout, /enabled/);
  assert.equal(await signIn(server, 'olga', 'correct horse battery'), 200);

  const reset = await runCli(['console', 'reset-password', 'olga', ...connect], {
    env: { SITEPORT_CONSOLE_PASSWORD: 'another long passphrase' },
  });
  assert.equal(reset.code, 0, reset.stderr);
  assert.equal(await signIn(server, 'olga', 'correct horse battery'), 401);
  assert.equal(await signIn(server, 'olga', 'another long passphrase'), 200);

  const last = await runCli(['console', 'delete-user', 'admin', ...connect]);
  assert.equal(last.code, 1);
  assert.match(last.stderr, /E_LAST_ADMINISTRATOR: admin is the last enabled administrator/);
  assert.equal((await runCli(['console', 'delete-user', 'olga', ...connect])).stdout, 'console account olga deleted\n');
  assert.deepEqual(
    (JSON.parse((await runCli(['console', 'users', '--json', ...connect])).stdout) as { user: string }[]).map(
      (u) => u.user,
    ),
    ['admin'],
  );
  const entries = JSON.parse((await runCli(['audit', '--json', ...connect])).stdout).entries as {
    action: string;
    actor: string;
  }[];
  assert.deepEqual(
    [...new Set(entries.filter((e) => e.action.startsWith('console.user.')).map((e) => e.action))].sort(),
    ['console.user.create', 'console.user.delete', 'console.user.password-reset', 'console.user.update'],
  );
});
