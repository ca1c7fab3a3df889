/**
 * Issued trace IDs (migration 0080). The media role records one row per traced PlayAuth /
 * PlayInfo / Secure download when it is issued; the detector (trace/) reads the distinct trace
 * IDs of a video to score a leak against, and the session rows to show who an ID was issued to.
 */
import type { Db } from './database.js';
import type { TraceSessionKind, TraceSessionsTable } from './trace-schema.js';

export interface TraceSessionRecord {
  sessionId: string;
  videoId: string;
  traceId: string;
  viewerId: string | null;
  kind: TraceSessionKind;
  clientIp: string | null;
  accessKeyId: string | null;
  issuedAt: string;
}

function fromRow(r: TraceSessionsTable): TraceSessionRecord {
  return {
    sessionId: r.session_id,
    videoId: r.video_id,
    traceId: r.trace_id,
    viewerId: r.viewer_id,
    kind: r.kind,
    clientIp: r.client_ip,
    accessKeyId: r.access_key_id,
    issuedAt: r.issued_at,
  };
}

export function createTraceSessionStore(db: Db) {
  const { kysely } = db;
  return {
    async record(session: TraceSessionRecord): Promise<void> {
      await kysely
        .insertInto('trace_sessions')
        .values({
          session_id: session.sessionId,
          video_id: session.videoId,
          trace_id: session.traceId,
          viewer_id: session.viewerId,
          kind: session.kind,
          client_ip: session.clientIp,
          access_key_id: session.accessKeyId,
          issued_at: session.issuedAt,
        })
        .execute();
    },
    /** Every distinct trace ID issued for `videoId`: the candidates a leak is scored against. */
    async traceIds(videoId: string): Promise<string[]> {
      const rows = await kysely
        .selectFrom('trace_sessions')
        .select('trace_id')
        .distinct()
        .where('video_id', '=', videoId)
        .orderBy('trace_id')
        .execute();
      return rows.map((r) => r.trace_id);
    },
    /** The issuances of one trace ID for a video, oldest first. */
    async sessionsOf(videoId: string, traceId: string): Promise<TraceSessionRecord[]> {
      const rows = await kysely
        .selectFrom('trace_sessions')
        .selectAll()
        .where('video_id', '=', videoId)
        .where('trace_id', '=', traceId)
        .orderBy('issued_at')
        .execute();
      return rows.map(fromRow);
    },
  };
}

export type TraceSessionStore = ReturnType<typeof createTraceSessionStore>;
