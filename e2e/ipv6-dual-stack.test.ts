import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { PortsView } from '@siteport/protocol';
import { connects, freeOnBoth, holdPort } from '../test-support/ports.js';
import { cliClientStatus, startRealAgent } from '../test-support/real-agent.js';
import { runCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { startTestServer } from '../test-support/test-server.js';
import { waitFor } from '../test-support/wait-for.js';

test('an MP on the dual-stack wildcard answers on ::1 and 127.0.0.1, and a real agent configured with ::1 talks IPv6', async (t) => {
  const s = await startTestServer(t, { bindHost: '::', policyIntervalSeconds: 1 });
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  assert.ok(await connects(ports.https.default, '::1'), 'HTTPS on ::1');
  assert.ok(await connects(ports.https.default, '127.0.0.1'), 'HTTPS on 127.0.0.1');
  assert.ok(await connects(ports.http.default, '::1'), 'HTTP on ::1');

  const stateDir = path.join(tempDir(t), 'client');
  startRealAgent(t, { stateDir, mp: '::1', ports, ca: s.server.info.caFingerprint });
  const status = await waitFor(
    'the agent contacted the MP over HTTPS',
    async () => {
      const { lastContact } = await cliClientStatus(stateDir);
      return lastContact?.protocol === 'https' ? lastContact : undefined;
    },
    60_000,
  );
  assert.equal(status.address, '::1', 'the certificate names ::1, so HTTPS verified over IPv6');
});

test('siteport ports set refuses a port busy on IPv6 only and one busy on IPv4 only, naming the family and the holder', async (t) => {
  const s = await startTestServer(t, { bindHost: '::' });
  const before = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const conn = ['--server', s.adminUrl, '--data', s.dataDir];

  const v6 = await holdPort('::1', await freeOnBoth());
  t.after(() => v6.close());
  const refused6 = await runCli(['ports', 'set', ...conn, `https-alternate=${v6.port}`]);
  assert.equal(refused6.code, 1, refused6.stdout);
  assert.match(
    refused6.stderr,
    new RegExp(`https-alternate port ${v6.port} is already in use on IPv6 \\(::\\) by node \\(pid ${process.pid}\\)`),
  );
  assert.equal(refused6.stderr.trim().split('\n').length, 1, 'a one-line reason');

  const v4 = await holdPort('127.0.0.1', await freeOnBoth());
  t.after(() => v4.close());
  const refused4 = await runCli(['ports', 'set', ...conn, `http-alternate=${v4.port}`]);
  assert.equal(refused4.code, 1);
  assert.match(
    refused4.stderr,
    new RegExp(
      `http-alternate port ${v4.port} is already in use on IPv4 \\(0\\.0\\.0\\.0\\) by node \\(pid ${process.pid}\\)`,
    ),
  );

  const after = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  assert.equal(after.version, before.version, 'nothing was stored');

  await v6.close();
  const accepted = await runCli(['ports', 'set', ...conn, `https-alternate=${v6.port}`]);
  assert.equal(accepted.code, 0, accepted.stderr);
  await waitFor(
    'the new alternate listens on both families',
    async () => (await connects(v6.port, '::1')) && (await connects(v6.port, '127.0.0.1')),
  );
});
