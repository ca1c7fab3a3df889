/**
 * The private key exchange's CPU work — one P-256 ECDH derivation, HKDF and the AES-GCM wrap
 * (docs/formats.md "Private key exchange") — on a small `worker_threads` pool (issue 12 item 4).
 * On this machine Node's `ECDH.computeSecret` alone costs ~114 µs, so one thread cannot reach the
 * goal; the pool keeps the event loop free for HTTP and puts the derivations on the other core(s).
 * `KeyService.privateKey` calls `wrap`; with no threads configured (one core) the same call runs
 * in-thread on `ServerKeyExchange`.
 *
 * Each worker holds its own short-lived server key pair and rotates it on its own timer, exactly
 * as `ServerKeyExchange` does in-thread: coherent because every answer carries the
 * `ServerPublicKey` it was made with. The worker (key-exchange-worker.ts, started through
 * shared/thread-entry.ts from the sources or the build) runs `ServerKeyExchange.wrapRaw`, the very
 * code of the in-thread path; keys/key-exchange-pool.test.ts unwraps both with @securevod/crypto's
 * `unwrapKeyFromServer`.
 *
 * What crosses the thread boundary: the client's public key, the exchange context (video,
 * rendition, period — not secret) and a copy of the period key, packed in one buffer that is moved
 * to the worker (no copy stays here) and zeroed there after use; back come only the public outputs
 * (server public key, IV, wrapped key). The exchanges of one event-loop turn go as one message and
 * come back as one (`flush`): a message per exchange cost the event loop more than the exchange's
 * HTTP work (issue 12, BENCHMARKS.md). Nothing is logged.
 *
 * Failure handling: the client public key's shape is checked here first (a bad one throws
 * `KeyExchangeError('InvalidPublicKey')` without a round trip; a worker reports a point not on the
 * curve the same way). A worker that dies is replaced and its in-flight exchanges are made
 * in-thread instead, so they still get a correct answer; after `MAX_EARLY_DEATHS` deaths in a row
 * with no exchange done in between, the pool stops replacing and works in-thread (reported once
 * through `onError`). `close()` terminates the workers; exchanges still in flight, and any asked
 * for later, are made in-thread — shutdown never hangs on a worker and never fails an exchange.
 */
import {
  KeyExchangeError,
  keyExchangeContextBytes,
  type KeyExchangeContext,
  type KeyExchangeResponse,
} from '@securevod/crypto';
import type { Worker } from 'node:worker_threads';
import { startThread } from '../shared/thread-entry.js';
import { INVALID_PUBLIC_KEY, parseClientPublicKey, ServerKeyExchange } from './server-key-exchange.js';

/** What `KeyService` needs of an exchange engine: the pool, or `ServerKeyExchange` in-thread. */
export interface KeyWrapper {
  wrap(
    clientPublicKey: string,
    periodKey: Uint8Array,
    context: KeyExchangeContext,
  ): KeyExchangeResponse | Promise<KeyExchangeResponse>;
  close(): void | Promise<void>;
}

export interface KeyExchangePoolOptions {
  /** Worker threads (≥ 1; use `ServerKeyExchange` alone for none). */
  threads: number;
  /** How long each worker's server key pair is used (as `ServerKeyExchange`). */
  rotateAfterMs: number;
  /** A worker failed, or the pool gave up on workers (never carries key material). */
  onError?: (error: Error) => void;
}

/** Deaths in a row, with no exchange answered in between, before the pool stops replacing. */
const MAX_EARLY_DEATHS = 3;

interface Job {
  clientPublicKey: string;
  periodKey: Uint8Array;
  context: KeyExchangeContext;
  resolve: (response: KeyExchangeResponse) => void;
  reject: (error: unknown) => void;
}

interface Slot {
  worker: Worker;
  /** Sent or queued, by id. */
  inFlight: Map<number, Job>;
  /** Not sent yet: posted together at the end of this event-loop turn (`flush`). */
  queued: Array<{ id: number; clientRaw: Buffer; periodKey: Uint8Array; context: Uint8Array }>;
}

/** One answer in a worker's batch: `[id, serverPublicKey, iv, wrappedKey]` or `[id, error]`. */
type Reply = [number, string, string, string] | [number, 'InvalidPublicKey' | 'Failed'];

export class KeyExchangePool implements KeyWrapper {
  private readonly slots: Slot[] = [];
  /** In-thread: for exchanges a dead worker left, after close, and if workers keep dying. */
  private readonly inThread: ServerKeyExchange;
  private nextId = 1;
  private closed = false;
  private started = false;
  private earlyDeaths = 0;

  constructor(private readonly options: KeyExchangePoolOptions) {
    this.inThread = new ServerKeyExchange({ rotateAfterMs: options.rotateAfterMs });
    // The workers start with the first exchange: a server that never exchanges keys (most
    // deployments use standard encryption too) does not carry their isolates at idle.
  }

  /** The live workers (tests kill one to check the recovery). */
  get workers(): readonly Worker[] {
    return this.slots.map((slot) => slot.worker);
  }

  wrap(
    clientPublicKey: string,
    periodKey: Uint8Array,
    context: KeyExchangeContext,
  ): KeyExchangeResponse | Promise<KeyExchangeResponse> {
    const clientRaw = parseClientPublicKey(clientPublicKey);
    if (!this.started && !this.closed) {
      this.started = true;
      for (let i = 0; i < this.options.threads; i++) this.slots.push(this.spawn());
    }
    const slot = this.leastBusy();
    if (!slot) return this.inThread.wrap(clientPublicKey, periodKey, context);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      slot.inFlight.set(id, { clientPublicKey, periodKey, context, resolve, reject });
      if (slot.queued.length === 0) setImmediate(() => this.flush(slot));
      slot.queued.push({ id, clientRaw, periodKey, context: keyExchangeContextBytes(context) });
    });
  }

  /**
   * Posts the exchanges queued during this turn as one message (one wake-up of the worker, one
   * answer back), packed in one fresh buffer that is moved, not cloned: no copy of a period key
   * stays on this side, and no pooled buffer (which could hold other bytes) is sent. Per exchange:
   * key length (1 byte), period key, context length (2 bytes), context, client key (65 bytes).
   */
  private flush(slot: Slot): void {
    const jobs = slot.queued.splice(0);
    if (jobs.length === 0 || !this.slots.includes(slot)) return; // the worker died: made in-thread
    let size = 0;
    for (const job of jobs) size += 1 + job.periodKey.length + 2 + job.context.length + 65;
    const data = new Uint8Array(size);
    let at = 0;
    for (const job of jobs) {
      data[at++] = job.periodKey.length;
      data.set(job.periodKey, at);
      at += job.periodKey.length;
      data[at++] = job.context.length >> 8;
      data[at++] = job.context.length & 0xff;
      data.set(job.context, at);
      at += job.context.length;
      data.set(job.clientRaw, at);
      at += 65;
    }
    slot.worker.postMessage({ ids: jobs.map((job) => job.id), data }, [data.buffer]);
  }

  /** Terminates the workers; what they had in flight is made in-thread. Never hangs. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const slot of slots) this.finishInThread(slot);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
    this.inThread.close();
  }

  private leastBusy(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.slots) {
      if (!best || slot.inFlight.size < best.inFlight.size) best = slot;
    }
    return best;
  }

  private spawn(): Slot {
    const worker = startThread(new URL('./key-exchange-worker.ts', import.meta.url), 'key-exchange-worker', {
      workerData: { rotateAfterMs: this.options.rotateAfterMs },
    });
    // The pool must not keep the process alive (a closing server terminates it anyway).
    worker.unref();
    const slot: Slot = { worker, inFlight: new Map(), queued: [] };
    worker.on('message', (replies: Reply[]) => {
      for (const reply of replies) this.answer(slot, reply);
    });
    worker.on('error', (error) =>
      this.options.onError?.(new Error('key exchange worker failed', { cause: error })),
    );
    worker.on('exit', () => this.died(slot));
    return slot;
  }

  private answer(slot: Slot, reply: Reply): void {
    const job = slot.inFlight.get(reply[0]);
    if (!job) return;
    slot.inFlight.delete(reply[0]);
    this.earlyDeaths = 0;
    if (reply.length === 2) {
      if (reply[1] === 'InvalidPublicKey') {
        job.reject(new KeyExchangeError('InvalidPublicKey', INVALID_PUBLIC_KEY));
      } else {
        this.runInThread(job); // an unexpected failure in the worker: the in-thread path decides
      }
      return;
    }
    job.resolve({ serverPublicKey: reply[1], iv: reply[2], wrappedKey: reply[3] });
  }

  private died(slot: Slot): void {
    const at = this.slots.indexOf(slot);
    if (at === -1) return; // closed: its jobs were already moved
    this.finishInThread(slot);
    if (++this.earlyDeaths > MAX_EARLY_DEATHS) {
      this.slots.splice(at, 1);
      if (this.slots.length === 0) {
        this.options.onError?.(new Error('key exchange workers keep dying; exchanging in-thread'));
      }
      return;
    }
    this.slots[at] = this.spawn();
  }

  private finishInThread(slot: Slot): void {
    const jobs = [...slot.inFlight.values()];
    slot.inFlight.clear();
    slot.queued.length = 0;
    for (const job of jobs) this.runInThread(job);
  }

  private runInThread(job: Job): void {
    try {
      job.resolve(this.inThread.wrap(job.clientPublicKey, job.periodKey, job.context));
    } catch (error) {
      job.reject(error);
    }
  }
}
