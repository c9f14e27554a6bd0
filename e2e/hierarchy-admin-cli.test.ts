import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { ApplyAllResult, PortsView } from '@siteport/protocol';
import { runCli, startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';

type T = Parameters<typeof tempDir>[0];
const PORT_FLAGS = ['--admin-port', '0', '--http-port', '0', '--https-port', '0', '--notification-port', '0'];

async function startPrimary(t: T, code: string, bind: string) {
  const data = tempDir(t);
  const proc = startCli(
    ['server', '--data', data, '--site-code', code, '--bind', bind, ...PORT_FLAGS, '--log-level', 'warn'],
    /client communication mode/,
  );
  t.after(() => {
    proc.child.kill('SIGKILL');
  });
  const banner = await proc.started;
  const adminUrl = /admin API: (http:\/\/[^/\s]+)/.exec(banner)?.[1];
  assert.ok(adminUrl, banner);
  const token = readFileSync(path.join(data, 'admin-token'), 'utf8').trim();
  const api = async <B = any>(method: string, p: string, body?: unknown): Promise<{ status: number; body: B }> => {
    const res = await fetch(`${adminUrl}/api/v1${p}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as B };
  };
  return { proc, data, adminUrl, token, api, conn: ['--server', adminUrl, '--data', data] };
}

test('ports set --all-primaries changes every primary site server and reports a failing one without hiding the others', async (t) => {
  // Three primaries on their own loopback addresses, so the same new port can be bound by each.
  const [ps1, ps2, ps3] = await Promise.all([
    startPrimary(t, 'PS1', '127.0.0.1'),
    startPrimary(t, 'PS2', '127.0.0.3'),
    startPrimary(t, 'PS3', '127.0.0.4'),
  ]);
  for (const peer of [ps2, ps3]) {
    const added = await ps1.api('POST', '/hierarchy/primaries', { url: peer.adminUrl, token: peer.token });
    assert.equal(added.status, 200, JSON.stringify(added.body));
  }
  const listed = await ps1.api<{ primaries: Record<string, unknown>[] }>('GET', '/hierarchy/primaries');
  assert.deepEqual(
    listed.body.primaries.map((p) => p.siteCode),
    ['PS2', 'PS3'],
  );
  assert.ok(
    listed.body.primaries.every((p) => !('token' in p)) && !JSON.stringify(listed.body).includes(ps2.token),
    'tokens are never returned',
  );
  const { statSync } = await import('node:fs');
  assert.equal(statSync(path.join(ps1.data, 'peer-tokens.json')).mode & 0o777, 0o600);
  const badToken = await ps1.api<{ error: { code: string } }>('POST', '/hierarchy/primaries', {
    url: ps2.adminUrl,
    token: 'wrong',
  });
  assert.equal(badToken.body.error.code, 'E_UNAUTHORIZED');

  // PS3 goes away after it was added.
  ps3.proc.child.kill('SIGKILL');
  await new Promise<void>((r) => ps3.proc.child.once('exit', () => r()));

  const res = await runCli([
    'ports',
    'set',
    '--all-primaries',
    ...ps1.conn,
    'wake=7',
    'http-alternate=18123',
    '--json',
  ]);
  assert.equal(res.code, 1, 'a failed site makes the command fail');
  const result = JSON.parse(res.stdout) as ApplyAllResult;
  assert.deepEqual(
    result.results.map((r) => [r.siteCode, r.ok]),
    [
      ['PS1', true],
      ['PS2', true],
      ['PS3', false],
    ],
  );
  assert.equal(result.results[2]?.error?.code, 'E_PEER_UNREACHABLE');
  assert.match(res.stderr, /the change failed at PS3 \(2 of 3 sites changed\)/);
  for (const site of [ps1, ps2]) {
    const code = site === ps1 ? 'PS1' : 'PS2';
    const v = (await site.api<PortsView>('GET', `/sites/${code}/ports`)).body;
    assert.equal(v.wake, 7);
    assert.equal(v.http.alternate, 18123);
  }
  const audit2 = (await ps2.api<{ entries: { actor: string; action: string }[] }>('GET', '/audit?site=PS2')).body
    .entries[0];
  assert.equal(audit2?.action, 'ports.change');
  assert.equal(audit2?.actor, 'token:peer-PS1', "the peer records PS1's own peer token as the actor (decision 0094)");
  const audit1 = (
    await ps1.api<{ entries: { actor: string; action: string }[] }>('GET', '/audit?site=PS1')
  ).body.entries.find((e) => e.action === 'ports.change-all-primaries');
  assert.equal(audit1?.actor, 'token:admin', 'PS1 records who asked');

  const text = await runCli(['ports', 'set', '--all-primaries', ...ps1.conn, 'wake=9']);
  assert.match(text.stdout, /^SITE +RESULT +VERSION +DETAIL\nPS1 +applied +3 /m);
  assert.match(text.stdout, /^PS3 +failed +- +E_PEER_UNREACHABLE: cannot reach the site server/m);
  assert.match(text.stdout, /2 of 3 primary site\(s\) changed/);
});

test('siteport audit lists changes with actor and old → new values, and siteport ports firewall prints rules', async (t) => {
  const ps1 = await startPrimary(t, 'PS1', '127.0.0.1');
  assert.equal((await runCli(['ports', 'set', ...ps1.conn, 'wake=7'])).code, 0);
  assert.equal((await runCli(['ports', 'set', ...ps1.conn, 'wake=8', '--description', 'wake=lab'])).code, 0);

  const json = await runCli(['audit', ...ps1.conn, '--site', 'PS1', '--limit', '1', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const { entries } = JSON.parse(json.stdout);
  assert.equal(entries.length, 1);
  assert.equal(entries[0].action, 'ports.change');
  assert.equal(entries[0].oldValue.wake, 7);
  assert.equal(entries[0].newValue.wake, 8);
  assert.match(entries[0].actor, /^token:/);

  const table = await runCli(['audit', ...ps1.conn]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^AT +ACTOR +SITE +ACTION +OUTCOME +CHANGE$/);
  assert.match(
    lines[1] ?? '',
    /PS1 +ports\.change +applied +wake 7→8, descriptions\.wake "Wake-up packet port \(UDP\)"→"lab", version 2→3$/,
  );
  assert.match(lines[2] ?? '', /ports\.change +applied +wake 9→7, version 1→2$/);

  for (const [args, code, stderr] of [
    [['--limit', '0'], 2, /E_OPTION: --limit must be a whole number from 1 to 10000/],
    [['--site', 'TOOLONG'], 1, /E_SITE_CODE: --site must be exactly three letters or digits/],
  ] as const) {
    const bad = await runCli(['audit', ...ps1.conn, ...args]);
    assert.equal(bad.code, code, bad.stderr);
    assert.match(bad.stderr, stderr);
  }

  const current = (await ps1.api<PortsView>('GET', '/sites/PS1/ports')).body;
  const netsh = await runCli(['ports', 'firewall', ...ps1.conn, '--format', 'netsh']);
  assert.equal(netsh.code, 0, netsh.stderr);
  assert.match(
    netsh.stdout,
    new RegExp(
      `^netsh advfirewall firewall add rule name="siteport PS1 client requests HTTP TCP ${current.http.default}" dir=in action=allow protocol=TCP localport=${current.http.default}$`,
      'm',
    ),
  );
  const proposed = await runCli([
    'ports',
    'firewall',
    ...ps1.conn,
    '--format',
    'firewalld',
    '--json',
    'http=8080',
    'https=8443',
  ]);
  assert.equal(proposed.code, 0, proposed.stderr);
  const rules = JSON.parse(proposed.stdout) as { version: string; ports: { port: number }[] };
  assert.equal(rules.version, 'proposed');
  assert.deepEqual(rules.ports.map((p) => p.port).slice(0, 2), [8443, 8080]);
  const bad = await runCli(['ports', 'firewall', ...ps1.conn, '--format', 'iptables']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /E_VALIDATION: format must be one of nftables, firewalld, netsh/);
  const conflict = await runCli(['ports', 'firewall', ...ps1.conn, `http=${current.https.default}`]);
  assert.equal(conflict.code, 1);
  assert.match(conflict.stderr, /E_PORT_CONFLICT/);
});
