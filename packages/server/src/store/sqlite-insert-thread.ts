/**
 * Batches of one INSERT written to a SQLite file by a worker thread with a connection of its own
 * (sqlite-insert-worker.ts), so the event loop never runs them: better-sqlite3 is synchronous,
 * and the key-delivery audit log's batch inserts were about a fifth of the key service's main
 * thread (issue 12 item 3, BENCHMARKS.md). A batch travels encoded by insert-batch-codec.ts.
 *
 * The thread starts with the first batch and stops after `idleMs` without one, so an idle server
 * does not carry its memory (issue 12's idle-RSS goal). SQLite serialises writers on the file's
 * lock, so the thread's transactions and the main connection's take turns (busy_timeout), as two
 * processes on one file would. A file only: `:memory:` is private to its connection.
 *
 * If the thread cannot start or dies, the batches in flight fail (the caller writes them another
 * way) and `usable` turns false for good.
 */
import type { Worker } from 'node:worker_threads';
import { startThread } from '../shared/thread-entry.js';
import { encodeBatch, type Cell, type EncodedBatch } from './insert-batch-codec.js';

interface Reply {
  id: number;
  error?: string;
}

interface Waiting {
  worker: Worker;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class SqliteInsertThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Waiting>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private broken: Error | undefined;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly sql: string,
    private readonly options: {
      idleMs?: number;
      /** Columns whose values are all distinct strings (insert-batch-codec.ts). */
      uniqueColumns?: readonly number[];
    } = {},
  ) {}

  /** False once the thread failed (write some other way) or was closed. */
  get usable(): boolean {
    return this.broken === undefined && !this.closed;
  }

  /** Whether a thread is up (it is only while batches come). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Inserts the rows (parameter arrays of strings, numbers and nulls) in one transaction. */
  insert(rows: readonly (readonly Cell[])[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the SQLite insert thread is closed'));
    if (this.broken) return Promise.reject(this.broken);
    clearTimeout(this.idleTimer);
    let batch: EncodedBatch;
    try {
      batch = encodeBatch(rows, this.options.uniqueColumns);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      // A thread with batches in flight keeps the process alive until they are answered.
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { worker, resolve, reject });
      worker.postMessage({ id, batch }, [
        batch.kinds.buffer as ArrayBuffer,
        batch.values.buffer as ArrayBuffer,
      ]);
    });
  }

  /** Lets the batches sent so far finish, then stops the thread. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    await this.stop();
  }

  private start(): Worker {
    const worker = startThread(
      new URL('./sqlite-insert-worker.ts', import.meta.url),
      'sqlite-insert-worker',
      {
        workerData: { path: this.path, sql: this.sql },
      },
    );
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.idle(worker);
      if (reply.error === undefined) waiting.resolve();
      else waiting.reject(new Error(`SQLite insert failed: ${reply.error}`));
    });
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', (code) =>
      this.fail(worker, new Error(`the SQLite insert thread exited (code ${code})`)),
    );
    return worker;
  }

  /** Nothing in flight: unref the thread, and stop it if no batch comes for `idleMs`. */
  private idle(worker: Worker): void {
    worker.unref();
    if (this.closed) return;
    this.idleTimer = setTimeout(() => void this.stop(), this.options.idleMs ?? 30_000);
    this.idleTimer.unref();
  }

  /** Asks the current thread to finish what it was sent and close its connection. */
  private async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined; // the next batch starts a new thread
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage({ close: true });
    await exited;
  }

  private fail(worker: Worker, error: Error): void {
    // Whatever this thread was still sent fails (nothing, when we stopped it: it answers first).
    for (const [id, waiting] of this.pending) {
      if (waiting.worker !== worker) continue;
      this.pending.delete(id);
      waiting.reject(error);
    }
    // A thread we stopped exits too: only the current thread's end breaks this writer.
    if (worker !== this.worker) return;
    this.worker = undefined;
    this.broken ??= error;
  }
}
