/**
 * PostgreSQL only: column types that mean on PostgreSQL what they already mean on SQLite.
 *
 * - Byte counts become `bigint`. PostgreSQL's `integer` is 32-bit, so a 5 GB upload failed to
 *   record its size; SQLite's INTEGER is 64-bit. (int8 arrives as a JS number: database.ts.)
 * - Measurements become `double precision`. PostgreSQL's `real` is single precision (29.97 fps
 *   read back as 29.969999313354492); SQLite's REAL is a double.
 * - Text columns that queries sort or compare by range (ids, ISO-8601 times, app
 *   identifications) get `COLLATE "C"`: byte order, as SQLite's default BINARY collation, whatever
 *   collation the database was created with (`en_US.UTF-8` ignores punctuation such as ":").
 *
 * On SQLite this migration does nothing.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

const BIGINT: Record<string, string[]> = {
  videos: ['file_size', 'source_size'],
  streams: ['size'],
};

const DOUBLE: Record<string, string[]> = {
  videos: ['duration', 'fps', 'bitrate', 'transcode_progress'],
  streams: ['bitrate_kbps', 'fps', 'duration'],
};

const BYTE_ORDER_TEXT: Record<string, string[]> = {
  videos: ['video_id', 'creation_time'],
  streams: ['creation_time'],
  template_groups: ['template_group_id', 'creation_time'],
  key_deliveries: ['id', 'delivered_at'],
  access_keys: ['access_key_id', 'created_at'],
  download_secrets: ['app_identification'],
  jobs: ['id', 'run_at', 'created_at'],
};

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  const tables = new Set([...Object.keys(BIGINT), ...Object.keys(DOUBLE), ...Object.keys(BYTE_ORDER_TEXT)]);
  for (const table of tables) {
    const changes = [
      ...(BIGINT[table] ?? []).map((c) => sql`alter column ${sql.id(c)} type bigint`),
      ...(DOUBLE[table] ?? []).map((c) => sql`alter column ${sql.id(c)} type double precision`),
      ...(BYTE_ORDER_TEXT[table] ?? []).map((c) => sql`alter column ${sql.id(c)} type text collate "C"`),
    ];
    await sql`alter table ${sql.id(table)} ${sql.join(changes, sql`, `)}`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  for (const [table, columns] of Object.entries(BIGINT)) {
    for (const c of columns)
      await sql`alter table ${sql.id(table)} alter column ${sql.id(c)} type integer`.execute(db);
  }
  for (const [table, columns] of Object.entries(DOUBLE)) {
    for (const c of columns)
      await sql`alter table ${sql.id(table)} alter column ${sql.id(c)} type real`.execute(db);
  }
  for (const [table, columns] of Object.entries(BYTE_ORDER_TEXT)) {
    for (const c of columns) {
      await sql`alter table ${sql.id(table)} alter column ${sql.id(c)} type text collate "default"`.execute(
        db,
      );
    }
  }
}
