import type { Kysely } from 'kysely';

/**
 * Scheduled rollouts (decision 0110): the instant a `scheduled` rollout starts (UTC, ISO-8601)
 * and the IANA time zone the administrator gave it in, so the start survives a restart and is
 * shown in the zone it was planned in.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('rollouts').addColumn('starts_at', 'text').execute();
  await db.schema.alterTable('rollouts').addColumn('time_zone', 'varchar(64)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('rollouts').dropColumn('time_zone').execute();
  await db.schema.alterTable('rollouts').dropColumn('starts_at').execute();
}
