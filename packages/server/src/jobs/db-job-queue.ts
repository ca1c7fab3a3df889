/**
 * The durable job queue in the metadata store (DESIGN §2, embedded default): the `jobs` table of
 * migration 0003-jobs, on SQLite or PostgreSQL through the same Kysely queries.
 *
 * Built once per process by the composition root on its shared `Db` (after `migrateToLatest`);
 * any number of processes may share one database. Every state change is one statement whose
 * WHERE clause checks the lease, so a worker that lost its lease changes nothing.
 *
 * Claiming is one `UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING *`:
 * - PostgreSQL: the subquery takes `FOR UPDATE SKIP LOCKED`, so concurrent claimers lock
 *   different rows instead of queueing on one, and a row another claimer changed meanwhile is
 *   re-checked against the WHERE clause before it is taken.
 * - SQLite: a write statement takes the database's write lock before it reads (waiting up to
 *   busy_timeout), so the statement is atomic across connections and processes, as a
 *   `BEGIN IMMEDIATE` transaction would be. A transaction is deliberately not used: it would
 *   hold the write lock across event-loop turns, and better-sqlite3 waits for a busy lock
 *   synchronously, so a second connection in the same process would stall the one holding it.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from '../store/database.js';
import {
  JOB_STATUSES,
  MAX_JOB_PRIORITY,
  type AnyJob,
  type EnqueueOptions,
  type JobQueue,
  type JobStats,
  type JobStatus,
  type RetryPolicy,
} from './job-queue.js';
import { JOB_TYPES, type JobPayloads, type JobType } from './job-types.js';
import type { JobsTable } from './jobs-table.js';

export interface DbJobQueueOptions {
  /** Clock for run_at and leases (tests inject one). */
  now?: () => Date;
  idFactory?: () => string;
  /** Supplies the default `maxAttempts` per type at enqueue; 3 for types it does not list. */
  retryPolicies?: Partial<Record<JobType, RetryPolicy>>;
}

export const DEFAULT_MAX_ATTEMPTS = 3;
/** Longest `last_error` kept; handler messages (e.g. ffmpeg's stderr) can be long. */
export const MAX_ERROR_LENGTH = 2000;
const MAX_LIST_LIMIT = 1000;
const LEASE_EXPIRED_ON_LAST_ATTEMPT =
  'The lease expired during the last attempt (the worker crashed or stalled)';

export function createDbJobQueue(db: Db, options: DbJobQueueOptions = {}): JobQueue {
  const now = options.now ?? (() => new Date());
  const idFactory = options.idFactory ?? randomUUID;
  const { kysely } = db;

  /** Rows `running` under `workerId`'s lease: the only rows a worker may change. */
  const leasedTo = (jobId: string, workerId: string) =>
    kysely
      .updateTable('jobs')
      .where('id', '=', jobId)
      .where('status', '=', 'running')
      .where('lease_owner', '=', workerId);

  /**
   * A running job whose lease expired on its last attempt cannot be claimed again; it fails
   * here, where claimers look for work. Idempotent; concurrent callers fail each job once.
   */
  async function failExpiredLastAttempts(nowIso: string): Promise<void> {
    await kysely
      .updateTable('jobs')
      .set({
        status: 'failed',
        lease_owner: null,
        lease_expires_at: null,
        last_error: LEASE_EXPIRED_ON_LAST_ATTEMPT,
        finished_at: nowIso,
        updated_at: nowIso,
      })
      .where('status', '=', 'running')
      .where('lease_expires_at', '<', nowIso)
      .where((eb) => eb('attempts', '>=', eb.ref('max_attempts')))
      .execute();
  }

  return {
    async enqueue<T extends JobType>(type: T, payload: JobPayloads[T], enqueueOptions: EnqueueOptions = {}) {
      const maxAttempts =
        enqueueOptions.maxAttempts ?? options.retryPolicies?.[type]?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
      const priority = enqueueOptions.priority ?? 0;
      requireInteger('maxAttempts', maxAttempts, 1);
      requireInteger('priority', priority, -MAX_JOB_PRIORITY, MAX_JOB_PRIORITY);
      if (!JOB_TYPES.includes(type)) throw new TypeError(`Unknown job type "${String(type)}"`);
      const at = now().toISOString();
      const id = idFactory();
      await kysely
        .insertInto('jobs')
        .values({
          id,
          type,
          payload: JSON.stringify(payload),
          status: 'queued',
          priority,
          attempts: 0,
          max_attempts: maxAttempts,
          run_at: enqueueOptions.runAt?.toISOString() ?? at,
          lease_owner: null,
          lease_expires_at: null,
          last_error: null,
          created_at: at,
          updated_at: at,
          finished_at: null,
          progress: null,
        })
        .execute();
      return id;
    },

    async claim(workerId, types, leaseMs) {
      requireInteger('leaseMs', leaseMs, 1);
      if (types.length === 0) return undefined;
      const at = now();
      const nowIso = at.toISOString();
      await failExpiredLastAttempts(nowIso);

      const next = kysely
        .selectFrom('jobs')
        .select('id')
        .where('type', 'in', [...types])
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', nowIso)]),
            eb.and([
              eb('status', '=', 'running'),
              eb('lease_expires_at', '<', nowIso),
              eb('attempts', '<', eb.ref('max_attempts')),
            ]),
          ]),
        )
        .orderBy('priority', 'desc')
        .orderBy('run_at')
        .orderBy('created_at')
        .orderBy('id')
        .limit(1);

      const row = await kysely
        .updateTable('jobs')
        .set((eb) => ({
          status: 'running',
          attempts: eb('attempts', '+', 1),
          lease_owner: workerId,
          lease_expires_at: new Date(at.getTime() + leaseMs).toISOString(),
          updated_at: nowIso,
        }))
        .where('id', '=', db.dialect === 'postgres' ? next.forUpdate().skipLocked() : next)
        .returningAll()
        .executeTakeFirst();
      return row && toJob(row);
    },

    async heartbeat(jobId, workerId, leaseMs) {
      requireInteger('leaseMs', leaseMs, 1);
      const at = now();
      const result = await leasedTo(jobId, workerId)
        .set({
          lease_expires_at: new Date(at.getTime() + leaseMs).toISOString(),
          updated_at: at.toISOString(),
        })
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async complete(jobId, workerId) {
      const nowIso = now().toISOString();
      const result = await leasedTo(jobId, workerId)
        .set({
          status: 'succeeded',
          lease_owner: null,
          lease_expires_at: null,
          finished_at: nowIso,
          updated_at: nowIso,
        })
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async fail(jobId, workerId, error, retry) {
      const at = now();
      const nowIso = at.toISOString();
      const retryIso = (retry.retryAt ?? at).toISOString();
      // Decided in the statement, against the row's own attempts, so it needs no prior read.
      const final: Expression<SqlBool> = retry.permanent
        ? sql<SqlBool>`1 = 1`
        : sql<SqlBool>`attempts >= max_attempts`;
      const result = await leasedTo(jobId, workerId)
        .set({
          status: sql<JobStatus>`case when ${final} then 'failed' else 'queued' end`,
          run_at: sql<string>`case when ${final} then run_at else ${retryIso} end`,
          finished_at: sql<string | null>`case when ${final} then ${nowIso} else null end`,
          lease_owner: null,
          lease_expires_at: null,
          last_error: truncate(error),
          updated_at: nowIso,
        })
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async progress(jobId, workerId, percent) {
      const result = await leasedTo(jobId, workerId)
        .set({ progress: clampPercent(percent), updated_at: now().toISOString() })
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async release(jobId, workerId) {
      // run_at is kept: the job is still due and keeps its place in line.
      const result = await leasedTo(jobId, workerId)
        .set((eb) => ({
          status: 'queued',
          attempts: eb('attempts', '-', 1),
          lease_owner: null,
          lease_expires_at: null,
          updated_at: now().toISOString(),
        }))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async get(jobId) {
      const row = await kysely.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
      return row && toJob(row);
    },

    async list({ status, type, limit }) {
      requireInteger('limit', limit, 1);
      let query = kysely.selectFrom('jobs').selectAll();
      if (status !== undefined) query = query.where('status', '=', status);
      if (type !== undefined) query = query.where('type', '=', type);
      const rows = await query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(Math.min(limit, MAX_LIST_LIMIT))
        .execute();
      return rows.map(toJob);
    },

    async stats() {
      const rows = await kysely
        .selectFrom('jobs')
        .select((eb) => ['type', 'status', eb.fn.countAll<number>().as('count')])
        .groupBy(['type', 'status'])
        .execute();
      const stats: JobStats = {
        byStatus: zeroCounts(),
        byType: Object.fromEntries(JOB_TYPES.map((t) => [t, zeroCounts()])) as JobStats['byType'],
      };
      for (const row of rows) {
        const count = Number(row.count);
        stats.byStatus[row.status] += count;
        // Types unknown to this version (written by a newer one) count only by status.
        if (isJobType(row.type)) stats.byType[row.type][row.status] += count;
      }
      return stats;
    },

    // The Db belongs to the caller (it is shared with the other stores), so nothing to release.
    async close() {},
  };
}

function toJob(row: JobsTable): AnyJob {
  return {
    id: row.id,
    type: row.type,
    payload: JSON.parse(row.payload) as unknown,
    status: row.status,
    priority: row.priority,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    progress: row.progress,
  } as AnyJob;
}

function zeroCounts(): Record<JobStatus, number> {
  return Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
}

function isJobType(type: string): type is JobType {
  return (JOB_TYPES as readonly string[]).includes(type);
}

function truncate(message: string): string {
  return message.length <= MAX_ERROR_LENGTH ? message : `${message.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}

export function requireInteger(
  name: string,
  value: number,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const bounds =
      max < Number.MAX_SAFE_INTEGER
        ? ` from ${min} to ${max}`
        : min > Number.MIN_SAFE_INTEGER
          ? ` >= ${min}`
          : '';
    throw new RangeError(`${name} must be an integer${bounds}, got ${value}`);
  }
}

/** A reported percentage as stored: an integer from 0 to 100 (NaN counts as 0). */
export function clampPercent(percent: number): number {
  return Number.isFinite(percent) ? Math.min(100, Math.max(0, Math.round(percent))) : 0;
}
