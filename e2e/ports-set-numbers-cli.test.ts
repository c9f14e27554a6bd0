import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PortChangeResult } from '@siteport/protocol';
import { freePort } from '../test-support/ports.js';
import { runCli } from '../test-support/run-cli.js';
import { startTestServer } from '../test-support/test-server.js';

test('siteport ports set http=PORT still moves the port now that the API refuses ports given as strings', async (t) => {
  const s = await startTestServer(t);
  const port = await freePort();
  const res = await runCli([
    'ports',
    'set',
    '--server',
    s.adminUrl,
    '--data',
    s.dataDir,
    `http=${port}`,
    'wake=9',
    '--json',
  ]);
  assert.equal(res.code, 0, res.stderr);
  const result = JSON.parse(res.stdout) as PortChangeResult;
  assert.equal(result.ports.http.default, port);
  assert.equal(result.ports.wake, 9);
  assert.notEqual(result.rolloutId, null, 'the move is a rollout');
});
