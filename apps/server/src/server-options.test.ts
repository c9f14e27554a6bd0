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
  assert.throws(() => parseServerOptions({ dataDir: '/tmp/x', role: 'backup' }), (e) => isSiteportError(e, 'E_OPTION') && /site or mp/.test(e.message));
  assert.throws(
    () => parseServerOptions({ dataDir: '/tmp/x', role: 'mp', databaseUrl: PG, parentUrl: 'http://ps1:8440', parentTokenFile: '/t' }),
    (e) => isSiteportError(e, 'E_OPTION') && /takes no --parent/.test(e.message),
  );
});

test('registry timing defaults to a 5 s heartbeat and 15 s until dead, and refuses a stale window not longer than the heartbeat', () => {
  assert.deepEqual(parseServerOptions({ dataDir: '/tmp/x' }).registryTiming, { heartbeatMs: 5000, staleAfterMs: 15_000 });
  assert.throws(() => parseServerOptions({ dataDir: '/tmp/x', mpHeartbeatMs: 1000, mpStaleMs: 1000 }), (e) => isSiteportError(e, 'E_OPTION'));
});

test('the host clients use for an MP is its first public host, else its specific bind address, else the machine name', () => {
  assert.equal(mpHost({ publicHosts: ['mp2.example.org', 'mp2'], bindHost: '10.0.0.12' }), 'mp2.example.org');
  assert.equal(mpHost({ publicHosts: [], bindHost: '127.0.0.2' }), '127.0.0.2');
  assert.equal(mpHost({ publicHosts: [], bindHost: '::' }), os.hostname());
  assert.equal(mpHost({ publicHosts: [], bindHost: '0.0.0.0' }), os.hostname());
});
