/**
 * The audit log of key deliveries (issue: key service): every key handed out — standard or
 * private — with who (credential kind, viewer id when known), which video, stream and period,
 * when, and from which address. Queryable by the operator (ListKeyDeliveries, CLI, console).
 *
 * Records are buffered and written in batches (every `flushMs` or `maxBuffer` records), so
 * auditing costs the key service two pushes, not a database write per key; ids and timestamps are
 * made when the batch is. A batch is written by a statement prepared once, not built by Kysely
 * each time (issue 12): on SQLite one prepared INSERT run per row inside one `BEGIN IMMEDIATE`
 * transaction — by a worker thread with its own connection when the database is a file
 * (store/sqlite-insert-thread.ts), so the event loop never runs them; on PostgreSQL one named
 * prepared INSERT … SELECT FROM unnest(arrays) per batch. A crash loses at most the last
 * `flushMs` of entries; `close()` and every query flush first.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../store/database.js';
import { SqliteInsertThread } from '../store/sqlite-insert-thread.js';

const COLUMNS = [
  'id',
  'delivered_at',
  'video_id',
  'stream_id',
  'period',
  'scheme',
  'client_ip',
  'credential',
  'viewer_id',
  'user_agent',
] as const;

/** One row's values, in `COLUMNS` order. */
type Row = [
  id: string,
  deliveredAt: string,
  videoId: string,
  streamId: string,
  period: number,
  scheme: string,
  clientIp: string,
  credential: string,
  viewerId: string | null,
  userAgent: string | null,
];

/** Writes one batch of rows with a statement prepared once. */
type BatchWriter = (rows: Row[]) => Promise<void>;

const INSERT_SQL = `insert into key_deliveries (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`;

function batchWriter(
  db: Db,
  /** Told once when the insert thread fails and batches are written on the event loop instead. */
  onThreadFailure: (error: unknown) => void,
): { write: BatchWriter; close(): Promise<void> } {
  const native = db.native;
  if (native.dialect === 'sqlite') {
    const insert = native.database.prepare(INSERT_SQL);
    const insertAll = native.database.transaction((rows: Row[]) => {
      for (const row of rows) insert.run(row);
    });
    // IMMEDIATE, like every other writer (sqlite-dialect.ts): take the write lock up front.
    const inThread: BatchWriter = async (rows) => insertAll.immediate(rows);
    const counted = (rows: Row[]) => db.statements.add('insert', rows.length);
    // A file's batches go to a thread of their own (started by the first batch); in-memory
    // databases (and a thread that failed) are written here.
    const thread = native.database.memory
      ? undefined
      : new SqliteInsertThread(native.database.name, INSERT_SQL, { uniqueColumns: [0] });
    return {
      write: async (rows) => {
        if (thread?.usable) {
          try {
            await thread.insert(rows);
            return counted(rows);
          } catch (error) {
            if (thread.usable) throw error; // SQLite refused the batch: as in-thread
            onThreadFailure(error);
          }
        }
        await inThread(rows);
        counted(rows);
      },
      close: async () => thread?.close(),
    };
  }
  const types = ['text', 'text', 'text', 'text', 'int', 'text', 'text', 'text', 'text', 'text'];
  const text =
    `insert into key_deliveries (${COLUMNS.join(', ')}) ` +
    `select * from unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;
  return {
    write: async (rows) => {
      db.statements.count('insert');
      await native.pool.query({
        name: 'securevod_key_deliveries_insert',
        text,
        values: COLUMNS.map((_, column) => rows.map((row) => row[column])),
      });
    },
    close: async () => undefined,
  };
}

export interface KeyDelivery {
  id: string;
  deliveredAt: string;
  videoId: string;
  streamId: string;
  period: number;
  scheme: 'aes-128' | 'aes-256-gcm';
  clientIp: string;
  /** Which credential authorised it: `MtsHlsUriToken` or `media-token`. */
  credential: string;
  viewerId: string | null;
  userAgent: string | null;
}

export interface KeyDeliveryQuery {
  videoId?: string;
  clientIp?: string;
  startTime?: string;
  endTime?: string;
  limit: number;
  offset: number;
}

export interface KeyDeliveriesTable {
  id: string;
  delivered_at: string;
  video_id: string;
  stream_id: string;
  period: number;
  scheme: string;
  client_ip: string;
  credential: string;
  viewer_id: string | null;
  user_agent: string | null;
}

/**
 * A UUID whose first 48 bits are the time in milliseconds (the UUIDv7 layout, RFC 9562 §5.7), the
 * rest random. Rows then land at the end of the primary-key index instead of all over it: a batch
 * of random UUIDs dirtied about one index page per row, and every dirty page is written again to
 * the WAL at each commit — most of what an audit row cost before.
 */
function timeOrderedUuid(timeHex: string): string {
  return `${timeHex.slice(0, 8)}-${timeHex.slice(8, 12)}-7${randomUUID().slice(15)}`;
}

/** A batch's rows; its records share milliseconds, so each millisecond is formatted once. */
function tableRows(entries: KeyDeliveryEntry[], times: number[]): Row[] {
  const rows: Row[] = new Array(entries.length);
  let lastTime = -1;
  let iso = '';
  let hex = '';
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const time = times[i]!;
    if (time !== lastTime) {
      lastTime = time;
      iso = new Date(time).toISOString();
      hex = time.toString(16).padStart(12, '0');
    }
    rows[i] = [
      timeOrderedUuid(hex),
      iso,
      entry.videoId,
      entry.streamId,
      entry.period,
      entry.scheme,
      entry.clientIp,
      entry.credential,
      entry.viewerId,
      entry.userAgent?.slice(0, 300) ?? null,
    ];
  }
  return rows;
}

/** What the key service records; the log adds the id and the time. */
export type KeyDeliveryEntry = Omit<KeyDelivery, 'id' | 'deliveredAt'>;

export function createKeyDeliveryLog(
  db: Db,
  options: { flushMs?: number; maxBuffer?: number; onError?: (error: unknown) => void } = {},
) {
  const { kysely } = db;
  const writer = batchWriter(db, (error) =>
    options.onError?.(
      new Error(`the audit insert thread failed; writing on the event loop from now on: ${messageOf(error)}`),
    ),
  );
  const flushMs = options.flushMs ?? 200;
  const maxBuffer = options.maxBuffer ?? 500;
  // Two parallel arrays: recording is a push of the caller's entry and of the time, nothing else.
  let entries: KeyDeliveryEntry[] = [];
  let times: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (entries.length > 0) {
      const rows = tableRows(entries, times);
      entries = [];
      times = [];
      writing = writing
        .then(() => writer.write(rows))
        .then(
          () => undefined,
          (error: unknown) => options.onError?.(error),
        );
    }
    return writing;
  };

  return {
    /** Buffers one delivery (the entry is kept as given: do not modify it afterwards). */
    record(entry: KeyDeliveryEntry): void {
      entries.push(entry);
      times.push(Date.now());
      if (entries.length >= maxBuffer) void flush();
      else timer ??= setTimeout(() => void flush(), flushMs);
    },

    flush,

    async close(): Promise<void> {
      await flush();
      await writer.close();
    },

    async query(q: KeyDeliveryQuery): Promise<{ total: number; deliveries: KeyDelivery[] }> {
      await flush();
      let base = kysely.selectFrom('key_deliveries');
      if (q.videoId) base = base.where('video_id', '=', q.videoId);
      if (q.clientIp) base = base.where('client_ip', '=', q.clientIp);
      if (q.startTime) base = base.where('delivered_at', '>=', q.startTime);
      if (q.endTime) base = base.where('delivered_at', '<=', q.endTime);
      const counted = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst();
      const rows = await base
        .selectAll()
        .orderBy('delivered_at', 'desc')
        .orderBy('id')
        .offset(q.offset)
        .limit(q.limit)
        .execute();
      return {
        total: Number(counted?.n ?? 0),
        deliveries: rows.map((r) => ({
          id: r.id,
          deliveredAt: r.delivered_at,
          videoId: r.video_id,
          streamId: r.stream_id,
          period: r.period,
          scheme: r.scheme as KeyDelivery['scheme'],
          clientIp: r.client_ip,
          credential: r.credential,
          viewerId: r.viewer_id,
          userAgent: r.user_agent,
        })),
      };
    },
  };
}

export type KeyDeliveryLog = ReturnType<typeof createKeyDeliveryLog>;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
