/**
 * Kysely's SQLite dialect with two corrections that matter when more than one process (or a
 * migration) writes to the same file:
 *
 * - Transactions start with `BEGIN IMMEDIATE`, taking the write lock up front (waiting up to
 *   busy_timeout). A plain `BEGIN` takes it at the first write, and in WAL mode a transaction
 *   that read before another process committed then fails at once with SQLITE_BUSY_SNAPSHOT,
 *   which busy_timeout does not help with.
 * - Migrations run in a transaction. SQLite does run DDL transactionally, but Kysely's adapter
 *   says it does not, which would leave a failed migration half-applied and give two processes
 *   migrating at once no lock at all; with the immediate transaction they queue.
 */
import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, DialectAdapter, Driver, SqliteDialectConfig } from 'kysely';

export function createSqliteDialect(config: SqliteDialectConfig): SqliteDialect {
  return new LockingSqliteDialect(config);
}

class LockingSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateTransactionSqliteDriver(this.settings);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class ImmediateTransactionSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
