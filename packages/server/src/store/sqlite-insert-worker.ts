/**
 * Worker-thread side of sqlite-insert-thread.ts: a SQLite connection of its own that runs
 * batches of one prepared INSERT, each batch in one `BEGIN IMMEDIATE` transaction (like every
 * other writer, sqlite-dialect.ts). The database file already exists with its schema and WAL
 * mode; the per-connection settings match database.ts's.
 *
 * Messages in: `{ id, batch }` (parameter rows, encoded by sqlite-insert-thread.ts's
 * insert-batch-codec.ts) and `{ close: true }`.
 * Messages out: `{ id }` once a batch committed, `{ id, error }` when it did not (nothing of it
 * is kept: the transaction rolled back).
 */
import BetterSqlite3 from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { decodeBatch, type EncodedBatch } from './insert-batch-codec.js';

interface Setup {
  path: string;
  sql: string;
}

type Message = { id: number; batch: EncodedBatch } | { close: true };

const port = parentPort!;
const { path, sql } = workerData as Setup;
const database = new BetterSqlite3(path, { fileMustExist: true });
database.pragma('busy_timeout = 5000');
database.pragma('synchronous = NORMAL');
database.pragma('secure_delete = ON');
const insert = database.prepare(sql);
const insertAll = database.transaction((rows: unknown[][]) => {
  for (const row of rows) insert.run(row);
});

port.on('message', (message: Message) => {
  if ('close' in message) {
    database.close();
    port.close();
    return;
  }
  try {
    insertAll.immediate(decodeBatch(message.batch));
    port.postMessage({ id: message.id });
  } catch (error) {
    port.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
