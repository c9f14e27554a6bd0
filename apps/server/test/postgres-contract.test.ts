// The database contract suite: the server's integration tier once more, with every site server on
// a fresh PostgreSQL database of a throwaway cluster (`startTestServer` under
// SITEPORT_TEST_DATABASE=postgres). The same tests run on SQLite as their own files, so every
// repository, migration and transaction of the site database is exercised on both dialects.
import test from 'node:test';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { POSTGRES_BIN, requirePostgres } from '../../../test-support/postgres.js';

if (existsSync(path.join(POSTGRES_BIN, 'initdb'))) {
  process.env.SITEPORT_TEST_DATABASE = 'postgres';
  await import('./port-settings-api.test.js');
  await import('./mp-requests.test.js');
  await import('./rollouts.test.js');
  await import('./notify-channel.test.js');
  await import('./notify-rejects.test.js');
  await import('./wake.test.js');
  await import('./web-site-switch.test.js');
  await import('./console-auth.test.js');
  await import('./console-users.test.js');
  await import('./api-tokens.test.js');
  await import('./admin-access.test.js');
  await import('./push.test.js');
  await import('./directory-publish.test.js');
  await import('./push-targets.test.js');
  await import('./client-input.test.js');
  await import('./client-list.test.js');
} else {
  test('the database contract suite runs on PostgreSQL', (t) => {
    requirePostgres(t);
  });
}
