import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { findPgTool, libpqConnection, runPgTool } from './pg-tool.js';

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-pg-tool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A stand-in for a PostgreSQL client program: a shell script. */
function tool(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

test('the connection for argv has no password, from the user info or the query', () => {
  assert.deepEqual(libpqConnection('postgres://app:s%3Acr%40t@db:5433/site?sslmode=require'), {
    dbname: 'postgres://app@db:5433/site?sslmode=require',
    password: 's:cr@t',
  });
  assert.deepEqual(libpqConnection('postgres://app@db/site?password=pw&sslmode=disable'), {
    dbname: 'postgres://app@db/site?sslmode=disable',
    password: 'pw',
  });
  assert.equal(libpqConnection('postgresql://app@db/site').password, undefined);
});

test('a tool gets the password in a 0600 password file, escaped, removed afterwards, and not in its environment', async (t) => {
  const dir = scratch(t);
  const seen = path.join(dir, 'seen');
  const binary = tool(
    dir,
    'pg_dump',
    `{ cat "$PGPASSFILE"; stat -c %a "$PGPASSFILE"; echo "$PGPASSFILE"; echo "pw=\${PGPASSWORD:-none}"; } > '${seen}'`,
  );
  process.env.PGPASSWORD = 'operator-set';
  t.after(() => delete process.env.PGPASSWORD);
  await runPgTool({ binary, args: [], password: 'a:b\\c', timeoutSeconds: 10 });
  const [line, mode, file, env] = readFileSync(seen, 'utf8').split('\n');
  assert.equal(line, '*:*:*:*:a\\:b\\\\c');
  assert.equal(mode, '600');
  assert.equal(env, 'pw=none', 'the URL password wins over PGPASSWORD and is not in the environment');
  assert.ok(!existsSync(file!), 'the password file is gone');
});

test('a failing tool is E_PG_TOOL_FAILED quoting its stderr without the password; a stalled one is stopped at the deadline', async (t) => {
  const dir = scratch(t);
  const failing = tool(dir, 'pg_restore', 'echo "pg_restore: error: connection failed: secret-pw" >&2; exit 1');
  await assert.rejects(
    runPgTool({ binary: failing, args: [], password: 'secret-pw', timeoutSeconds: 10 }),
    (error: Error) => {
      assert.equal((error as { code?: string }).code, 'E_PG_TOOL_FAILED');
      assert.match(error.message, /^pg_restore failed \(exit 1\): pg_restore: error: connection failed: \*\*\*$/);
      return true;
    },
  );
  const stalled = tool(dir, 'pg_dump', 'exec sleep 30');
  const started = Date.now();
  await assert.rejects(runPgTool({ binary: stalled, args: [], timeoutSeconds: 1 }), /did not finish within 1 s/);
  assert.ok(Date.now() - started < 8000);
});

test('--pg-bin is the only place looked at when given', async (t) => {
  const dir = scratch(t);
  await assert.rejects(findPgTool('pg_dump', dir), /is not an executable pg_dump; --pg-bin names the directory/);
  const binary = tool(dir, 'pg_dump', 'exit 0');
  assert.equal(await findPgTool('pg_dump', dir), binary);
});
