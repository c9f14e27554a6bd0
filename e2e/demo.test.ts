import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';

test('the quick-start demo runs a site and three agent processes that check in over HTTPS and HTTP, then stops cleanly', async (t) => {
  const data = tempDir(t);
  const base = 20000 + Math.floor(Math.random() * 20000);
  const res = await runCli(
    [
      'demo',
      '--data',
      data,
      '--duration',
      '30',
      '--policy-interval',
      '2',
      '--port-base',
      String(base),
      '--admin-port',
      '0',
    ],
    {
      timeoutMs: 120_000,
    },
  );
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /siteport site PS1 is running/);
  const lastTable = res.stdout.split('clients checking in:').at(-1) ?? '';
  const rows = lastTable.split('\n').filter((line) => /^client-\d/.test(line));
  assert.equal(rows.length, 3, lastTable);
  assert.ok(
    rows.every((row) => /\srunning\s+active/.test(row)),
    lastTable,
  );
  assert.ok(
    rows.some((row) => row.includes(` ${base + 363} `) && row.includes('https')),
    'two agents on the HTTPS default',
  );
  assert.ok(
    rows.some((row) => row.includes(` ${base} `) && row.includes('http ')),
    'the HTTP-pinned agent on the HTTP default',
  );
  assert.match(res.stdout, /stopping agents and the site server/);
});
