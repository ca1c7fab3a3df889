/**
 * Counts the SQL statements a process sends to its metadata database, by kind (the statement's
 * first keyword), for `/metrics` (`securevod_db_statements_total`) — which is how the key service
 * shows, from outside, that a warm key request reads nothing from the database (issue 12; test
 * `keys/key-hot-path.test.ts`). Every path to the database counts: Kysely queries through its
 * log hook, raw prepared statements (the audit log's batch insert) by calling `count` themselves.
 */
export const STATEMENT_KINDS = ['select', 'insert', 'update', 'delete', 'other'] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];

export class StatementCounter {
  private readonly counts: Record<StatementKind, number> = {
    select: 0,
    insert: 0,
    update: 0,
    delete: 0,
    other: 0,
  };

  /** One statement, by its SQL text or its kind. */
  count(statement: string): void {
    this.counts[kindOf(statement)]++;
  }

  /** `n` statements of a known kind (a batch's rows), without reading SQL. */
  add(kind: StatementKind, n = 1): void {
    this.counts[kind] += n;
  }

  snapshot(): Readonly<Record<StatementKind, number>> {
    return { ...this.counts };
  }
}

function kindOf(statement: string): StatementKind {
  const word = /^\s*(?:with\b[\s\S]*?\)\s*)?([a-z]+)/i.exec(statement)?.[1]?.toLowerCase();
  return word === 'select' || word === 'insert' || word === 'update' || word === 'delete' ? word : 'other';
}
