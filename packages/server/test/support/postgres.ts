/**
 * PostgreSQL for the adapter tests: the URL (`SECUREVOD_TEST_DATABASE_URL`, default the local
 * trust-auth server), throwaway schemas dropped after the file, and the rule that these tests
 * skip with a message only outside CI — under `CI=true` an unreachable server fails the run.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, redactDatabaseUrl } from '../../src/store/database.js';

export const POSTGRES_URL = process.env.SECUREVOD_TEST_DATABASE_URL || 'postgres://127.0.0.1:5432/test';

/** Probes through openDatabase itself, so the probe connects exactly as the tests will. */
async function unreachableReason(): Promise<string | undefined> {
  try {
    await (await openDatabase({ url: POSTGRES_URL })).close();
    return undefined;
  } catch (error) {
    return error instanceof Error
      ? error.cause instanceof Error
        ? error.cause.message
        : error.message
      : String(error);
  }
}

/**
 * Runs `define(newSchema)` when PostgreSQL is reachable; otherwise registers one test named
 * `name` that skips with the reason (or fails, in CI). Schemas made by `newSchema` are dropped
 * after the file.
 */
export async function withPostgres(
  name: string,
  prefix: string,
  define: (newSchema: () => string) => void,
): Promise<void> {
  const problem = await unreachableReason();
  if (problem !== undefined) {
    const message = `PostgreSQL at ${redactDatabaseUrl(POSTGRES_URL)} is not reachable (${problem}); set SECUREVOD_TEST_DATABASE_URL`;
    if (process.env.CI === 'true')
      it(name, () => assert.fail(`${message}. CI must run the PostgreSQL tests.`));
    else it(name, { skip: message }, () => {});
    return;
  }
  const schemas: string[] = [];
  after(async () => {
    const db = await openDatabase({ url: POSTGRES_URL });
    try {
      for (const schema of schemas)
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db.kysely);
    } finally {
      await db.close();
    }
  });
  define(() => {
    const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    return schema;
  });
}
