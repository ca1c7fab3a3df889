/**
 * The `pg` pool as Kysely gets it, hardened for connections that drop (a PostgreSQL restart or
 * failover, `pg_terminate_backend`, an idle-connection killer in between):
 *
 * - Every client has an `error` listener. pg emits `error` on a client whose socket closes while
 *   it is checked out; without a listener that event kills the process.
 * - A statement outside a transaction that fails because its connection dropped runs once more
 *   on a fresh connection: the server shut the connection down (SQLSTATE 57P01/57P02/57P03, the
 *   statement was aborted), the pooled client was already dead (pg never sent it), or the socket
 *   closed or reset under it. A pooled connection killed while idle is only noticed when it is
 *   next used; without the retry the first queries after every failover would fail. Statements
 *   inside a transaction are never retried: the transaction fails whole and its caller decides.
 *
 *   The one case a retry can repeat work is a socket lost after the server committed a statement
 *   but before its answer arrived. The statements the stores run outside transactions tolerate a
 *   second run: inserts carry primary keys (a repeat fails as a duplicate), updates are
 *   conditional (a repeat changes nothing and reports so).
 */
import type pg from 'pg';

/** Server-side shutdown of the connection: admin_shutdown, crash_shutdown, cannot_connect_now. */
const SHUTDOWN_CODES = new Set(['57P01', '57P02', '57P03']);
/** pg's and Node's words for a connection that is gone: never sent, closed or reset under it. */
const DROPPED = /not queryable|Client was closed|Connection terminated|ECONNRESET|EPIPE/i;
const HARDENED = Symbol('securevod.hardened');

interface HardenedClient extends pg.PoolClient {
  [HARDENED]?: { inTransaction: boolean };
}

/** What `PostgresDialect` needs of a pool: `connect()` and `end()`. */
export interface KyselyPool {
  connect(): Promise<pg.PoolClient>;
  end(): Promise<void>;
}

export function hardenPool(pool: pg.Pool, onConnectionError: (error: Error) => void): KyselyPool {
  pool.on('connect', (client) => {
    client.on('error', onConnectionError);
  });
  return {
    async connect() {
      const client = (await pool.connect()) as HardenedClient;
      if (!client[HARDENED]) harden(client, pool);
      return client;
    },
    end: () => pool.end(),
  };
}

function harden(client: HardenedClient, pool: pg.Pool): void {
  const state = { inTransaction: false };
  client[HARDENED] = state;
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
  // Kysely calls query(text, values) for statements (and query(cursor) for streams, left alone).
  client.query = (async (...args: unknown[]) => {
    const text = typeof args[0] === 'string' ? args[0] : undefined;
    if (text === undefined) return query(...args);
    const wasInTransaction = state.inTransaction;
    if (/^\s*(begin|start\s+transaction)\b/i.test(text)) state.inTransaction = true;
    else if (/^\s*(commit|rollback|end)\b/i.test(text) && !/^\s*rollback\s+to\b/i.test(text))
      state.inTransaction = false;
    try {
      return await query(...args);
    } catch (error) {
      if (wasInTransaction || state.inTransaction || !isDroppedConnection(error)) throw error;
      // A fresh connection from the pool; the dead one is discarded when Kysely releases it.
      return pool.query(text, args[1] as unknown[] | undefined);
    }
  }) as typeof client.query;
}

function isDroppedConnection(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return (
    (typeof e.code === 'string' && SHUTDOWN_CODES.has(e.code)) ||
    (typeof e.message === 'string' && DROPPED.test(e.message))
  );
}
