import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireTool } from '../test-support/require-tool.js';
import { runCli, startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';

test('siteport server prints the ports it bound, and ports show/set work against it with exit codes 0, 1 and 2', async (t) => {
  const data = tempDir(t);
  const server = startCli(
    ['server', '--data', data, ...LOOPBACK_PORT_FLAGS, '--log-level', 'warn'],
    /client communication mode/,
  );
  t.after(() => server.child.kill('SIGTERM'));
  const banner = await server.started;
  const adminUrl = /admin API: (http:\/\/[^/\s]+)/.exec(banner)?.[1];
  assert.ok(adminUrl, banner);
  const conn = ['--server', adminUrl, '--data', data];

  const shown = await runCli(['ports', 'show', ...conn, '--json']);
  assert.equal(shown.code, 0, shown.stderr);
  const view = JSON.parse(shown.stdout);
  for (const key of ['siteCode', 'http', 'https', 'notification', 'wake', 'customWebSite', 'version'])
    assert.ok(key in view, key);
  assert.equal(view.wake, 9);

  const set = await runCli(['ports', 'set', ...conn, 'wake=7', '--description', 'wake=subnet broadcast', '--json']);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(JSON.parse(set.stdout).ports.wake, 7);

  const table: [string[], number, RegExp][] = [
    [['http=0'], 1, /^siteport: E_PORT_RANGE: http must be a whole number from 1 to 65535, got "0"\n$/],
    [['https=65536'], 1, /^siteport: E_PORT_RANGE: /],
    [['http=abc'], 1, /^siteport: E_PORT_RANGE: /],
    [[`https=${view.http.default}`], 1, /^siteport: E_PORT_CONFLICT: https and http would both use TCP port/],
    [['ftp=21'], 1, /^siteport: E_UNKNOWN_ITEM: /],
    [[], 2, /name at least one ITEM=VALUE/],
  ];
  for (const [args, code, stderr] of table) {
    const res = await runCli(['ports', 'set', ...conn, ...args]);
    assert.equal(res.code, code, `${args.join(' ')}: ${res.stderr}`);
    assert.match(res.stderr, stderr);
  }
  const after = JSON.parse((await runCli(['ports', 'show', ...conn, '--json'])).stdout);
  assert.equal(after.version, 2, 'only the one valid change was stored');

  const usage = await runCli(['ports', 'show', '--bogus']);
  assert.equal(usage.code, 2);
  const unreachable = await runCli([
    'ports',
    'show',
    '--server',
    'http://127.0.0.1:1',
    '--token-file',
    `${data}/admin-token`,
  ]);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /^siteport: E_SERVER_UNREACHABLE: cannot reach the admin API/);
});

test('a server that may not bind a privileged port says to use root or CAP_NET_BIND_SERVICE', async (t) => {
  if (!requireTool(t, 'setpriv', 'apt-get install util-linux')) return;
  const data = tempDir(t);
  const res = await runCli(
    [
      'server',
      '--data',
      data,
      '--admin-port',
      '0',
      '--http-port',
      '80',
      '--https-port',
      '0',
      '--notification-port',
      '0',
    ],
    {
      // Drops CAP_NET_BIND_SERVICE from the bounding set: even root may then not bind below 1024.
      prefix: ['setpriv', '--bounding-set', '-net_bind_service'],
    },
  );
  assert.equal(res.code, 1, res.stderr);
  assert.match(
    res.stderr,
    /siteport: E_PORT_PRIVILEGED: http port 80 is below 1024 and this process may not bind it: run siteport server as root, grant CAP_NET_BIND_SERVICE/,
  );
});

test('bad server options are usage errors with exit code 2', async () => {
  const res = await runCli(['server', '--data', '/tmp/unused', '--http-port', '70000']);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /E_OPTION: --http-port must be a whole number from 0/);
  const missing = await runCli(['server']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--data/);
});
