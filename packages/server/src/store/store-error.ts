/**
 * Errors of the metadata store. Callers branch on `code`; the RPC layer maps them to API errors
 * (e.g. `AlreadyExists` to a conflict), so messages name the thing but never carry secrets.
 */
export type StoreErrorCode =
  | 'InvalidConfiguration'
  /** The database cannot be reached (PostgreSQL down, SQLite file not openable). */
  | 'Unavailable'
  | 'MigrationFailed'
  | 'AlreadyExists'
  /** A count limit (e.g. AccessKeys per user) would be exceeded. */
  | 'LimitExceeded'
  /** Gave up after retrying a write that kept colliding with concurrent writers. */
  | 'Conflict';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * True for a primary-key or unique-constraint violation on either dialect: better-sqlite3 reports
 * `SQLITE_CONSTRAINT_PRIMARYKEY` / `SQLITE_CONSTRAINT_UNIQUE`, pg reports SQLSTATE 23505.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const code = (error as { code: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
