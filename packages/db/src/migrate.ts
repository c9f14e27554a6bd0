import { type Kysely, type Migration, Migrator } from 'kysely';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-rollouts.js';
import * as m0003 from './migrations/0003-client-interfaces.js';
import * as m0004 from './migrations/0004-push.js';
import * as m0005 from './migrations/0005-directory.js';
import * as m0006 from './migrations/0006-hierarchy-web-sites.js';
import * as m0007 from './migrations/0007-console-users.js';
import * as m0008 from './migrations/0008-management-points.js';
import * as m0009 from './migrations/0009-admin-tokens.js';
import * as m0010 from './migrations/0010-client-registration.js';
import * as m0011 from './migrations/0011-push-approval-directory-secrets.js';
import * as m0012 from './migrations/0012-client-list-indexes.js';
import * as m0013 from './migrations/0013-reachability.js';
import * as m0014 from './migrations/0014-scheduled-rollouts.js';
import * as m0015 from './migrations/0015-agent-upgrades.js';
import * as m0016 from './migrations/0016-gateway.js';
import * as m0017 from './migrations/0017-maintenance-windows.js';
import type { SiteDatabase } from './schema.js';

/** Numbered migrations, applied in name order. New ones are appended, never edited. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-initial': m0001,
  '0002-rollouts': m0002,
  '0003-client-interfaces': m0003,
  '0004-push': m0004,
  '0005-directory': m0005,
  '0006-hierarchy-web-sites': m0006,
  '0007-console-users': m0007,
  '0008-management-points': m0008,
  '0009-admin-tokens': m0009,
  '0010-client-registration': m0010,
  '0011-push-approval-directory-secrets': m0011,
  '0012-client-list-indexes': m0012,
  '0013-reachability': m0013,
  '0014-scheduled-rollouts': m0014,
  '0015-agent-upgrades': m0015,
  '0016-gateway': m0016,
  '0017-maintenance-windows': m0017,
});

/** Brings the database to the latest schema; throws the first failure with its migration name. */
export async function migrateToLatest(db: Kysely<SiteDatabase>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve({ ...MIGRATIONS }) } });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
