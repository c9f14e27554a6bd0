import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { isSiteportError } from '@siteport/protocol';
import { mpHost, parseServerOptions } from './server-options.js';

const PG = 'postgres://siteport@db.example.org/siteport_ps1';

test('the site role is the default; an additional MP needs a PostgreSQL --db', () => {
  assert.equal(parseServerOptions({ dataDir: '/tmp/x' }).role, 'site');
  assert.equal(parseServerOptions({ dataDir: '/tmp/x', role: 'mp', databaseUrl: PG }).role, 'mp');
  assert.throws(
    () => parseServerOptions({ dataDir: '/tmp/x', role: 'mp' }),
    (e) => isSiteportError(e, 'E_OPTION') && /--role mp needs --db postgres:\/\//.test(e.message),
  );
  assert.throws(
    () => parseServerOptions({ dataDir: '/tmp/x', role: 'mp', databaseUrl: 'sqlite:/tmp/x/site.db' }),
    (e) => isSiteportError(e, 'E_OPTION') && /only PostgreSQL allows/.test(e.message),
  );
  assert.throws(
    () => parseServerOptions({ dataDir: '/tmp/x', role: 'backup' }),
    (e) => isSiteportError(e, 'E_OPTION') && /site or mp/.test(e.message),
  );
  assert.throws(
    () =>
      parseServerOptions({
        dataDir: '/tmp/x',
        role: 'mp',
        databaseUrl: PG,
        parentUrl: 'http://ps1:8440',
        parentTokenFile: '/t',
      }),
    (e) => isSiteportError(e, 'E_OPTION') && /takes no --parent/.test(e.message),
  );
});

test('registry timing defaults to a 5 s heartbeat and 15 s until dead, and refuses a stale window not longer than the heartbeat', () => {
  assert.deepEqual(parseServerOptions({ dataDir: '/tmp/x' }).registryTiming, {
    heartbeatMs: 5000,
    staleAfterMs: 15_000,
  });
  assert.throws(
    () => parseServerOptions({ dataDir: '/tmp/x', mpHeartbeatMs: 1000, mpStaleMs: 1000 }),
    (e) => isSiteportError(e, 'E_OPTION'),
  );
});

test('the host clients use for an MP is its first public host, else its specific bind address, else the machine name', () => {
  assert.equal(mpHost({ publicHosts: ['mp2.example.org', 'mp2'], bindHosts: ['10.0.0.12'] }), 'mp2.example.org');
  assert.equal(mpHost({ publicHosts: [], bindHosts: ['127.0.0.2'] }), '127.0.0.2');
  assert.equal(mpHost({ publicHosts: [], bindHosts: ['fd00::5', '10.0.0.5'] }), 'fd00::5');
  assert.equal(mpHost({ publicHosts: [], bindHosts: ['::'] }), os.hostname());
  assert.equal(mpHost({ publicHosts: [], bindHosts: ['0.0.0.0'] }), os.hostname());
});

test('admin allow-hosts are host names or IP addresses, lower-cased and without duplicates; anything else is E_OPTION', () => {
  assert.deepEqual(parseServerOptions({ dataDir: '/tmp/x' }).adminAllowHosts, []);
  assert.deepEqual(
    parseServerOptions({
      dataDir: '/tmp/x',
      adminAllowHosts: ['Admin.Example.org.', 'admin.example.org', '10.0.0.5', 'fd00::5'],
    }).adminAllowHosts,
    ['admin.example.org', '10.0.0.5', 'fd00::5'],
  );
  for (const bad of [
    '',
    'evil.example/path',
    'a b',
    '*.example.org',
    'http://admin',
    '-admin.example',
    'x'.repeat(64),
  ]) {
    assert.throws(
      () => parseServerOptions({ dataDir: '/tmp/x', adminAllowHosts: [bad] }),
      (e) => isSiteportError(e, 'E_OPTION') && /--admin-allow-host/.test(e.message),
      bad,
    );
  }
});

test('sign-in throttling defaults to 5 failures per account name, 20 per address and a 900 s lockout, and refuses values out of range', () => {
  assert.deepEqual(parseServerOptions({ dataDir: '/tmp/x' }).authThrottle, {
    accountFailures: 5,
    sourceFailures: 20,
    lockoutSeconds: 900,
  });
  assert.deepEqual(
    parseServerOptions({ dataDir: '/tmp/x', signInFailures: '3', sourceFailures: 50, lockoutSeconds: '60' })
      .authThrottle,
    {
      accountFailures: 3,
      sourceFailures: 50,
      lockoutSeconds: 60,
    },
  );
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ signInFailures: '0' }, /--sign-in-failures must be a whole number from 1 to 1000/],
    [{ signInFailures: 'five' }, /--sign-in-failures/],
    [{ sourceFailures: 100_001 }, /--source-failures must be a whole number from 1 to 100000/],
    [{ lockoutSeconds: '0' }, /--lockout must be a whole number of seconds from 1 to 86400/],
    [{ lockoutSeconds: '1.5' }, /--lockout/],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => parseServerOptions({ dataDir: '/tmp/x', ...input }),
      (e) => isSiteportError(e, 'E_OPTION') && message.test(e.message),
      JSON.stringify(input),
    );
  }
});

test('connection caps default to what fits under the open-file limit, leaving the admin listener and a reserve free', () => {
  const at20k = parseServerOptions({ dataDir: '/tmp/x', openFileLimit: 20_000 }).connections;
  assert.deepEqual(at20k, {
    handshakeTimeoutMs: 10_000,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 65_000,
    maxClientConnections: 20_000 - 128 - 512,
    maxConnectionsPerSource: 1000,
    maxAdminConnections: 128,
    maxAdminConnectionsPerSource: 64,
  });
  const at1024 = parseServerOptions({ dataDir: '/tmp/x', openFileLimit: 1024 }).connections;
  assert.equal(at1024.maxClientConnections, 1024 - 128 - 512);
  assert.equal(at1024.maxConnectionsPerSource, 96, 'a quarter of the client cap under a small limit');
  const set = parseServerOptions({
    dataDir: '/tmp/x',
    openFileLimit: 20_000,
    tlsHandshakeTimeoutSeconds: '3',
    headersTimeoutSeconds: '4',
    requestTimeoutSeconds: '5',
    keepAliveTimeoutSeconds: '6',
    maxClientConnections: '300',
    maxConnectionsPerSource: '20',
    maxAdminConnections: '9',
  }).connections;
  assert.deepEqual(
    [
      set.handshakeTimeoutMs,
      set.headersTimeoutMs,
      set.requestTimeoutMs,
      set.keepAliveTimeoutMs,
      set.maxClientConnections,
      set.maxConnectionsPerSource,
      set.maxAdminConnections,
      set.maxAdminConnectionsPerSource,
    ],
    [3000, 4000, 5000, 6000, 300, 20, 9, 4],
  );
});

test('connection options out of range, a header timeout past the request timeout, or caps beyond the open-file limit are refused', () => {
  const refused = (input: Parameters<typeof parseServerOptions>[0], pattern: RegExp): void =>
    assert.throws(
      () => parseServerOptions({ dataDir: '/tmp/x', openFileLimit: 20_000, ...input }),
      (e) => isSiteportError(e, 'E_OPTION') && pattern.test(e.message),
    );
  refused({ tlsHandshakeTimeoutSeconds: '0' }, /--tls-handshake-timeout must be a whole number of seconds from 1/);
  refused({ tlsHandshakeTimeoutSeconds: '301' }, /--tls-handshake-timeout must be from 1 to 300 seconds/);
  refused(
    { headersTimeoutSeconds: '40', requestTimeoutSeconds: '30' },
    /--headers-timeout \(40 s\) must not be longer than --request-timeout \(30 s\)/,
  );
  refused({ maxClientConnections: '0' }, /--max-client-connections must be a whole number from 1/);
  refused({ maxConnectionsPerSource: 'many' }, /--max-connections-per-source must be a whole number/);
  refused({ maxAdminConnections: '1' }, /--max-admin-connections must be a whole number from 2/);
  refused(
    { maxClientConnections: '19500' },
    /may open 20000 files; 19500 client connections \+ 128 admin connections \+ 512 .* lower --max-client-connections to 19360 or less/,
  );
  assert.throws(
    () => parseServerOptions({ dataDir: '/tmp/x', openFileLimit: 600 }),
    (e) => isSiteportError(e, 'E_OPTION') && /raise the open-file limit/.test(e.message),
  );
});

test('the approval queue holds 10000 clients by default; 0 lifts the cap; anything but a whole number is E_OPTION', () => {
  assert.equal(parseServerOptions({ dataDir: '/tmp/x' }).maxPendingClients, 10_000);
  assert.equal(parseServerOptions({ dataDir: '/tmp/x', maxPendingClients: '0' }).maxPendingClients, 0);
  assert.equal(parseServerOptions({ dataDir: '/tmp/x', maxPendingClients: 250 }).maxPendingClients, 250);
  for (const bad of ['-1', '1e3', 'many', '10000001', 2.5]) {
    assert.throws(
      () => parseServerOptions({ dataDir: '/tmp/x', maxPendingClients: bad }),
      (e) => isSiteportError(e, 'E_OPTION') && /--max-pending-clients must be a whole number/.test(e.message),
    );
  }
});

test('the notification channel finds dead connections by ping unless --notify-liveness tcp; anything else is refused', () => {
  assert.equal(parseServerOptions({ dataDir: '/tmp/x' }).notifyLiveness, 'ping');
  assert.equal(parseServerOptions({ dataDir: '/tmp/x', notifyLiveness: 'tcp' }).notifyLiveness, 'tcp');
  assert.throws(
    () => parseServerOptions({ dataDir: '/tmp/x', notifyLiveness: 'keepalive' }),
    (e) => isSiteportError(e, 'E_OPTION') && /--notify-liveness must be ping .* or tcp/.test(e.message),
  );
});
