/**
 * Kysely's PostgreSQL dialect with an introspector that looks at the current schema only.
 * Kysely's own introspector lists the tables of EVERY schema (its Migrator uses it to check for
 * its bookkeeping tables), so a schema dropped by anyone else at that moment — another
 * application sharing the database, or another test file — fails our migration with
 * `schema "…" does not exist`. Migrations and stores only ever need the current schema.
 */
import { PostgresDialect, sql, type DatabaseIntrospector, type Kysely, type TableMetadata } from 'kysely';

class CurrentSchemaIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<unknown>) {}

  async getSchemas() {
    const { rows } = await sql<{ name: string }>`select current_schema() as name`.execute(this.db);
    return rows.filter((r) => r.name !== null).map((r) => ({ name: r.name }));
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ schema: string; name: string; type: string }>`
      select table_schema as schema, table_name as name, table_type as type
      from information_schema.tables
      where table_schema = current_schema()`.execute(this.db);
    return rows.map((r) => ({ schema: r.schema, name: r.name, isView: r.type === 'VIEW', columns: [] }));
  }

  async getMetadata() {
    return { tables: await this.getTables() };
  }
}

export class CurrentSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}
