import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { register } from '../apps/cli/src/commands/server.js';
import { applyConfigFile, applyEnvironment } from '../apps/cli/src/server-config.js';
import { runCli, startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';

const EXAMPLE = new URL('../deploy/config/server.toml', import.meta.url);

/** Starts `siteport server` with these arguments and environment; resolves with its banner, then stops it. */
async function banner(t: Parameters<typeof tempDir>[0], args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const server = startCli(['server', ...args], /client communication mode/, { env });
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  t.after(async () => {
    if (server.child.exitCode === null) server.child.kill('SIGTERM');
    await exited;
  });
  const text = await server.started;
  server.child.kill('SIGTERM');
  await exited;
  return text;
}

test('siteport server --config reads a TOML file; SITEPORT_* variables win over it and flags over both', async (t) => {
  const dir = tempDir(t);
  const config = path.join(dir, 'server.toml');
  writeFileSync(
    config,
    [
      `data = "${path.join(dir, 'a')}"`,
      'site-code = "CF1"',
      'admin-port = 0',
      'http-port = 0',
      'https-port = 0',
      'notification-port = 0',
      'bind = "127.0.0.1"',
      'public-host = ["127.0.0.1", "localhost"]',
      'ops-port = 0',
      'log-level = "warn"',
      'audit-retention-days = 400',
      'rollout-retention-days = 30',
      'retired-client-retention-days = 0',
      '',
    ].join('\n'),
  );
  const fromFile = await banner(t, ['--config', config]);
  assert.match(fromFile, /^siteport site CF1 is running$/m);
  assert.match(fromFile, /^operations: http:\/\/127\.0\.0\.1:\d+\/metrics/m, 'ops-port from the file');
  assert.match(fromFile, new RegExp(`token: ${path.join(dir, 'a')}/admin-token`));

  const env = { SITEPORT_CONFIG: config, SITEPORT_SITE_CODE: 'CF2', SITEPORT_DATA: path.join(dir, 'b') };
  const fromEnv = await banner(t, [], env);
  assert.match(
    fromEnv,
    /^siteport site CF2 is running$/m,
    'the config file named by SITEPORT_CONFIG, the site code from the environment',
  );

  const fromFlags = await banner(t, ['--data', path.join(dir, 'c'), '--site-code', 'CF3'], env);
  assert.match(fromFlags, /^siteport site CF3 is running$/m);
  assert.match(fromFlags, new RegExp(`token: ${path.join(dir, 'c')}/admin-token`));
});

test('a bad config file is refused with E_CONFIG naming the file, the key or the line, exit code 2, and nothing started', async (t) => {
  const dir = tempDir(t);
  const cases: [string, RegExp][] = [
    ['bogus = 1\n', /E_CONFIG: .*bad\.toml: unknown setting "bogus"; settings are the long options of siteport server/],
    ['admin-port = [1, 2]\n', /E_CONFIG: .*bad\.toml: admin-port takes one value, not a list, got \[1,2\]/],
    ['public-host = [{ a = 1 }]\n', /E_CONFIG: .*public-host must be a list of strings or numbers/],
    ['data = "/x"\nadmin-port =\n', /E_CONFIG: .*bad\.toml is not valid TOML at line 2, column \d+/],
    ['admin-port = "http"\n', /E_OPTION: --admin-port must be a whole number/],
  ];
  for (const [text, stderr] of cases) {
    const file = path.join(dir, 'bad.toml');
    writeFileSync(file, `data = "${path.join(dir, 'data')}"\n${text}`.replace(/^data = .*\ndata = /, 'data = '));
    const res = await runCli(['server', '--config', file]);
    assert.equal(res.code, 2, `${text}: ${res.stderr}`);
    assert.match(res.stderr, stderr);
  }
  const missing = await runCli(['server', '--config', path.join(dir, 'absent.toml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /E_CONFIG: cannot read the config file .*absent\.toml/);
});

test('the example config of the deploy directory holds only settings siteport server knows', () => {
  const program = new Command('siteport');
  register(program);
  const server = program.commands.find((c) => c.name() === 'server')!;
  assert.equal(applyConfigFile(server, EXAMPLE.pathname), EXAMPLE.pathname);
  assert.deepEqual(server.opts().publicHost, ['mp1.example.org']);
  assert.equal(server.getOptionValueSource('siteCode'), 'config');
  assert.match(
    readFileSync(new URL('../deploy/systemd/siteport-server.service', import.meta.url), 'utf8'),
    /server --config \/etc\/siteport\/server\.toml$/m,
  );
});

test('SITEPORT_* variables set what no flag set, a repeatable option from a comma-separated list, and win over the file', () => {
  const program = new Command('siteport');
  register(program);
  const server = program.commands.find((c) => c.name() === 'server')!;
  server.setOptionValueWithSource('adminPort', '9000', 'cli');
  applyEnvironment(server, {
    SITEPORT_PUBLIC_HOST: 'mp1.example.org, mp1',
    SITEPORT_ADMIN_PORT: '1',
    SITEPORT_SITE_CODE: 'ENV',
  });
  applyConfigFile(server, EXAMPLE.pathname);
  assert.deepEqual(server.opts().publicHost, ['mp1.example.org', 'mp1']);
  assert.equal(server.opts().adminPort, '9000', 'the flag wins');
  assert.equal(server.opts().siteCode, 'ENV', 'the environment wins over the file');
  assert.equal(server.opts().opsPort, '9464', 'the file fills the rest');
});
