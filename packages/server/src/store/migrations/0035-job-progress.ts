/**
 * Job progress (src/jobs/job-queue.ts `progress`): percent done of a job's current or last
 * attempt, as its worker reported it, for operators and `securevod` job listings.
 *
 * Frozen once released, like every migration.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('progress', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').dropColumn('progress').execute();
}
