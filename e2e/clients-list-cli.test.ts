import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { ClientList } from '@siteport/protocol';
import { runCli } from '../test-support/run-cli.js';
import { type TestServer, startTestServer } from '../test-support/test-server.js';

const NOW = Date.now();
const minutesAgo = (m: number): string => new Date(NOW - m * 60_000).toISOString();

interface Seeded {
  id: string;
  status: 'active' | 'blocked';
  port: number | null;
  seen: string | null;
}

/** 30 clients straight into the site database: every third blocked, every fifth never seen, ports 80 and 8530. */
async function seed(s: TestServer): Promise<Seeded[]> {
  const rows: Seeded[] = [];
  for (let i = 0; i < 30; i += 1) {
    const seen = i % 5 === 4 ? null : minutesAgo(i % 2 === 0 ? 2 : 600);
    rows.push({
      id: `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      status: i % 3 === 0 ? 'blocked' : 'active',
      port: seen === null ? null : i % 4 === 0 ? 8530 : 80,
      seen,
    });
  }
  await s.server.db
    .insertInto('clients')
    .values(
      rows.map((r) => ({
        id: r.id,
        site_code: 'PS1',
        hostname: `pc-${r.id.slice(-2)}`,
        public_key: 'k',
        key_fingerprint: r.id,
        category: 'workgroup',
        agent_version: '0.1.0',
        registered_at: minutesAgo(5000),
        last_contact_at: r.seen,
        last_port: r.port,
        last_protocol: r.port === null ? null : ('http' as const),
        last_address: r.port === null ? null : '127.0.0.1',
        settings_version: 1,
        agent_state: 'idle',
        state_dir: null,
        status: r.status,
        status_changed_at: null,
      })),
    )
    .execute();
  return rows;
}

test('siteport clients list pages with --limit and --cursor, reads every page with --all, filters on the server, and names a bad option', async (t) => {
  const s = await startTestServer(t);
  const rows = await seed(s);
  const conn = ['--server', s.adminUrl, '--token-file', path.join(s.dataDir, 'admin-token')];
  const cli = async (...args: string[]): Promise<string> => {
    const r = await runCli([...args, ...conn]);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const list = async (...args: string[]): Promise<ClientList> =>
    JSON.parse(await cli('clients', 'list', ...args, '--json')) as ClientList;
  const all = rows.map((r) => r.id).sort();

  const first = await list('--limit', '12');
  assert.deepEqual(
    first.clients.map((c) => c.clientId),
    all.slice(0, 12),
  );
  assert.ok(first.nextCursor !== undefined);
  const second = await list('--limit', '12', '--cursor', first.nextCursor);
  assert.deepEqual(
    second.clients.map((c) => c.clientId),
    all.slice(12, 24),
  );
  const everything = await list('--all', '--limit', '7');
  assert.deepEqual(
    everything.clients.map((c) => c.clientId),
    all,
  );
  assert.equal(everything.nextCursor, undefined);

  // The table ends with the command for the next page, connection flags included; it works as printed.
  const text = await cli('clients', 'list', '--limit', '15', '--status', 'active');
  const more = /more clients: siteport clients list --status active --limit 15 --cursor (\S+) --server /.exec(text);
  assert.ok(more !== null, text);
  const rest = await list('--status', 'active', '--limit', '15', '--cursor', more[1]!);
  assert.deepEqual(
    rest.clients.map((c) => c.clientId),
    rows
      .filter((r) => r.status === 'active')
      .map((r) => r.id)
      .sort()
      .slice(15),
  );

  const ids = (pick: (r: Seeded) => boolean): string[] =>
    rows
      .filter(pick)
      .map((r) => r.id)
      .sort();
  const filtered: [string[], (r: Seeded) => boolean][] = [
    [['--status', 'blocked', '--port', '8530'], (r) => r.status === 'blocked' && r.port === 8530],
    [['--activity', 'inactive'], (r) => r.seen === null || r.seen < minutesAgo(60)],
    [['--channel', 'none', '--port', '80'], (r) => r.port === 80],
    [['--last-seen-before', minutesAgo(60)], (r) => r.seen !== null && r.seen < minutesAgo(60)],
    [['--last-seen-after', minutesAgo(60)], (r) => r.seen !== null && r.seen >= minutesAgo(60)],
  ];
  for (const [args, pick] of filtered) {
    const page = await list(...args, '--all', '--limit', '4');
    assert.deepEqual(
      page.clients.map((c) => c.clientId),
      ids(pick),
      args.join(' '),
    );
  }

  const refusals: [string[], RegExp][] = [
    [['--limit', '5000'], /E_OPTION: --limit must be a whole number from 1 to 1000/],
    [['--last-seen-before', 'yesterday'], /E_OPTION: --last-seen-before: lastSeenBefore must be an ISO 8601 date/],
    [['--channel', 'smoke'], /E_OPTION: --channel: channel must be one of tcp, http-poll, none/],
  ];
  for (const [args, message] of refusals) {
    const r = await runCli(['clients', 'list', ...args, ...conn]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
  }
  const forged = await runCli(['clients', 'list', '--cursor', 'bm90IGEgY3Vyc29y', ...conn]);
  assert.equal(forged.code, 1, forged.stderr);
  assert.match(forged.stderr, /E_CURSOR_INVALID: cursor /);
});
