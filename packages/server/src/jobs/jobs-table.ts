/**
 * Kysely row type of the `jobs` table (migrations 0003-jobs, 0035-job-progress), listed in `store/schema.ts`'s
 * `Schema`. It follows that file's portability rules: ISO text timestamps, JSON as text.
 * Only `db-job-queue.ts` reads or writes it.
 */
import type { IsoTimestamp } from '../store/schema.js';
import type { JobStatus } from './job-queue.js';

export interface JobsTable {
  id: string;
  /** A `JobType`; rows of types this version does not know are left alone. */
  type: string;
  /** JSON text of the type's payload. Never holds plaintext keys or secrets. */
  payload: string;
  status: JobStatus;
  priority: number;
  attempts: number;
  max_attempts: number;
  run_at: IsoTimestamp;
  lease_owner: string | null;
  lease_expires_at: IsoTimestamp | null;
  last_error: string | null;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
  finished_at: IsoTimestamp | null;
  /** Percent done of the current or last attempt (migration 0035-job-progress). */
  progress: number | null;
}
