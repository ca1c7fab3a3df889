/**
 * Batches of one INSERT written to a SQLite file by a worker thread with a connection of its own
 * (sqlite-insert-worker.ts), so the event loop never runs them: better-sqlite3 is synchronous,
 * and the key-delivery audit log's batch inserts were about a fifth of the key service's main
 * thread (issue 12 item 3, BENCHMARKS.md). The rows travel as one JSON string per batch (one
 * copy, no structured clone of every row).
 *
 * SQLite serialises writers on the file's lock, so the thread's transactions and the main
 * connection's take turns (busy_timeout), as two processes on one file would. A file only:
 * `:memory:` is private to its connection.
 *
 * If the thread cannot start or dies, the batches in flight fail (the caller writes them another
 * way) and `usable` turns false.
 */
import type { Worker } from 'node:worker_threads';
import { startThread } from '../shared/thread-entry.js';

interface Reply {
  id: number;
  error?: string;
}

export class SqliteInsertThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private broken: Error | undefined;
  private closed: Promise<void> | undefined;

  constructor(path: string, sql: string) {
    this.worker = startThread(new URL('./sqlite-insert-worker.ts', import.meta.url), 'sqlite-insert-worker', {
      workerData: { path, sql },
    });
    // An idle thread does not keep the process alive (close() flushes before a clean exit); one
    // with batches in flight does, until they are answered.
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if (reply.error === undefined) waiting.resolve();
      else waiting.reject(new Error(`SQLite insert failed: ${reply.error}`));
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the SQLite insert thread exited (code ${code})`)));
  }

  /** False once the thread failed: write some other way. */
  get usable(): boolean {
    return this.broken === undefined && this.closed === undefined;
  }

  /** Inserts the rows (parameter arrays, JSON-serialisable) in one transaction. */
  insert(rows: unknown[][]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the SQLite insert thread is closed'));
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, rows: JSON.stringify(rows) });
    });
  }

  /** Lets the batches sent so far finish, then closes the thread's connection. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      if (this.broken) return;
      const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      this.worker.ref();
      this.worker.postMessage({ close: true });
      await exited;
    })();
    return this.closed;
  }

  private fail(error: Error): void {
    this.broken ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
    this.worker.unref();
  }
}
