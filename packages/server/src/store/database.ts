/**
 * Opens the metadata database (DESIGN §2): SQLite through better-sqlite3 on one machine,
 * PostgreSQL through a `pg` pool in a cluster — the same Kysely queries on both.
 *
 * Called once per process by the entry point with configuration it has already read; stores are
 * built on the returned `Db`, and `migrateToLatest(db)` (migrator.ts) must run before they are used.
 */
import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import { CurrentSchemaPostgresDialect } from './postgres-dialect.js';
import { hardenPool } from './postgres-pool.js';
import type { LogEvent } from 'kysely';
import type pg from 'pg';
import type { Schema } from './schema.js';
import { createSqliteDialect } from './sqlite-dialect.js';
import { StatementCounter } from './statement-counter.js';
import { StoreError } from './store-error.js';

export type DbDialect = 'sqlite' | 'postgres';

export type NativeConnection =
  | { readonly dialect: 'sqlite'; readonly database: BetterSqlite3.Database }
  | { readonly dialect: 'postgres'; readonly pool: pg.Pool };

export interface Db {
  readonly kysely: Kysely<Schema>;
  readonly dialect: DbDialect;
  /**
   * The driver under Kysely, for the few hot statements that are prepared once and run raw
   * (key-delivery-log.ts) instead of being built by Kysely each time. Such callers count their
   * statements on `statements` themselves.
   */
  readonly native: NativeConnection;
  /** Every statement sent, by kind (for /metrics); Kysely's are counted here already. */
  readonly statements: StatementCounter;
  /** Closes the pool or file; idempotent. */
  close(): Promise<void>;
}

/** Pino-compatible subset (fastify's logger fits). SQL is logged without its parameters. */
export interface DbLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface OpenDatabaseOptions {
  /** `postgres://` or `postgresql://` selects PostgreSQL; absent selects SQLite at `sqlitePath`. */
  url?: string;
  /** SQLite file; its directory is created if missing. `:memory:` works for throwaway use. */
  sqlitePath?: string;
  /**
   * PostgreSQL only: a schema to work in, created if missing and made the only entry of every
   * connection's `search_path` (tests isolate themselves in a throwaway schema this way).
   */
  schema?: string;
  logger?: DbLogger;
  /** Counts every statement (default: a counter of its own). */
  statements?: StatementCounter;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i;
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const PG_INT8_OID = 20;

export async function openDatabase(options: OpenDatabaseOptions): Promise<Db> {
  if (options.url !== undefined && options.url !== '') {
    if (!POSTGRES_URL.test(options.url)) {
      const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(options.url)?.[1] ?? '(none)';
      throw new StoreError(
        'InvalidConfiguration',
        `Unsupported database URL scheme "${scheme}": use postgres:// or postgresql://, or leave the URL unset to use SQLite.`,
      );
    }
    return openPostgres(options.url, options.schema, options.logger, options.statements);
  }
  if (options.schema !== undefined) {
    throw new StoreError('InvalidConfiguration', 'A database schema can only be chosen for PostgreSQL.');
  }
  if (options.sqlitePath === undefined || options.sqlitePath === '') {
    throw new StoreError(
      'InvalidConfiguration',
      'No database configured: give a PostgreSQL URL or a SQLite path.',
    );
  }
  return openSqlite(options.sqlitePath, options.logger, options.statements);
}

/** The URL with its password replaced, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable database URL)';
  }
}

function openSqlite(path: string, logger: DbLogger | undefined, statements = new StatementCounter()): Db {
  let database: BetterSqlite3.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    database = new BetterSqlite3(path);
    // WAL lets readers run while one writer writes; busy_timeout makes a second process wait
    // for the write lock instead of failing at once; SQLite leaves foreign keys off by default.
    database.pragma('journal_mode = WAL');
    // In WAL mode NORMAL syncs at checkpoints, not at every commit: a crash of the process loses
    // nothing and cannot corrupt the file; a power cut may roll back the last commits. FULL put an
    // fsync on the event loop for every batch of key-delivery audit rows (issue 12 profile).
    database.pragma('synchronous = NORMAL');
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
    // Deleted rows are zeroed, not left in free space: deleting a video must destroy its wrapped
    // data key (crypto-shredding; video-store.ts also truncates the WAL after such a delete).
    database.pragma('secure_delete = ON');
  } catch (error) {
    throw new StoreError('Unavailable', `Cannot open SQLite database ${path}: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const kysely = new Kysely<Schema>({
    dialect: createSqliteDialect({ database }),
    log: queryLog(logger, statements),
  });
  // As for PostgreSQL below: Kysely closes the file only if it ever opened a connection.
  return wrap(kysely, { dialect: 'sqlite', database }, statements, async () => {
    if (database.open) database.close();
  });
}

async function openPostgres(
  url: string,
  schema: string | undefined,
  logger: DbLogger | undefined,
  statements = new StatementCounter(),
): Promise<Db> {
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new StoreError(
      'InvalidConfiguration',
      `Invalid PostgreSQL schema name "${schema}": use letters, digits and underscores, not starting with a digit.`,
    );
  }
  // Loaded only when PostgreSQL is configured: a SQLite server does not pay for it at start.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: withDefaultUser(pg, url),
    // Set at connection start-up, so no query can ever run with another search_path.
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
    // Without it, a black-holed host hangs start-up forever; this also bounds the wait for a
    // free pooled connection.
    connectionTimeoutMillis: 10_000,
    types: { getTypeParser: typeParser(pg) as pg.CustomTypesConfig['getTypeParser'] },
  });
  // An idle client that loses its server emits 'error' on the pool; unhandled, that kills the
  // process. The pool drops the client and the next query reconnects.
  pool.on('error', (error) => logger?.warn({ err: messageOf(error) }, 'PostgreSQL idle connection failed'));
  // Clients that lose their server mid-use emit 'error' too (postgres-pool.ts); statements hit by
  // a dropped connection outside a transaction are retried once on a fresh one. Before the first
  // connection is made, so that every client gets the listener.
  const hardened = hardenPool(pool, (error) =>
    logger?.warn({ err: messageOf(error) }, 'PostgreSQL connection failed'),
  );
  try {
    if (schema !== undefined) await createSchema(pool, schema);
    else await pool.query('select 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new StoreError(
      'Unavailable',
      `Cannot use PostgreSQL at ${redactDatabaseUrl(url)}: ${messageOf(error)}`,
      { cause: error },
    );
  }
  const kysely = new Kysely<Schema>({
    dialect: new CurrentSchemaPostgresDialect({ pool: hardened }),
    log: queryLog(logger, statements),
  });
  // Kysely ends the pool only if it ever used it; end it ourselves otherwise, or an idle client
  // keeps the process alive for the pool's idle timeout.
  return wrap(kysely, { dialect: 'postgres', pool }, statements, async () => {
    if (!pool.ended) await pool.end();
  });
}

/**
 * A URL without a user name: pg falls back to PGUSER and USER, and fails if neither is set
 * (containers, services). libpq (psql) falls back to the operating-system user, which is what
 * people expect; we do the same, but only where pg would have had no user at all.
 */
function withDefaultUser(pg: typeof import('pg').default, url: string): string {
  try {
    if (new pg.Client({ connectionString: url }).user) return url; // constructing does not connect
    const parsed = new URL(url);
    parsed.username = encodeURIComponent(userInfo().username);
    return parsed.toString();
  } catch {
    return url;
  }
}

async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  try {
    await pool.query(`create schema if not exists "${schema}"`);
  } catch (error) {
    // Two processes creating the same schema at once: "if not exists" does not stop the loser
    // from hitting the catalog's unique index.
    const code = (error as { code?: unknown }).code;
    if (code !== '42P06' && code !== '23505') throw error;
  }
}

/**
 * int8 (count(*), bigint columns) arrives as a string by default; we want numbers on both
 * dialects. Values beyond 2^53 cannot be represented, so they fail loudly instead of rounding.
 */
function typeParser(pg: typeof import('pg').default) {
  return (oid: number, format?: 'text' | 'binary'): unknown => {
    if (oid === PG_INT8_OID && format !== 'binary') {
      return (value: string) => {
        const n = Number(value);
        if (!Number.isSafeInteger(n)) throw new RangeError(`PostgreSQL int8 value ${value} exceeds 2^53`);
        return n;
      };
    }
    return pg.types.getTypeParser(oid, format);
  };
}

function queryLog(logger: DbLogger | undefined, statements: StatementCounter): (event: LogEvent) => void {
  return (event) => {
    statements.count(event.query.sql);
    if (logger === undefined) return;
    // Parameters are left out: they may hold ciphertexts or customer data.
    const fields = { sql: event.query.sql, durationMs: Math.round(event.queryDurationMillis) };
    if (event.level === 'error') logger.debug({ ...fields, err: messageOf(event.error) }, 'query failed');
    else logger.debug(fields, 'query');
  };
}

function wrap(
  kysely: Kysely<Schema>,
  native: NativeConnection,
  statements: StatementCounter,
  release?: () => Promise<void>,
): Db {
  let closing: Promise<void> | undefined;
  return {
    kysely,
    dialect: native.dialect,
    native,
    statements,
    close: () => (closing ??= kysely.destroy().then(release)),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
