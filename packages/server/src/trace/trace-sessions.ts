/**
 * Issuing leak-tracing sessions (docs/tracing.md, "Embedding and delivery"): every play info,
 * PlayInfo list or download of a traced video is a session with a trace ID, and every issuance is
 * recorded (`trace_sessions`) before the caller hands anything out, so the detector can score a
 * leak against every ID that ever received a sequence.
 *
 * The trace ID is what the customer passed (`Trace`, ≤ 1024 letters and digits), or else the
 * session's own generated ID (32 hex digits, itself a valid trace ID).
 */
import { randomBytes } from 'node:crypto';
import type { TraceSessionKind } from '../store/trace-schema.js';
import type { TraceSessionStore } from '../store/trace-session-store.js';
import type { StreamRecord } from '../store/stream-store.js';
import { isValidTraceId, type TraceCode, type TraceVariant } from './trace-code.js';

export interface TraceSessionRequest {
  readonly videoId: string;
  readonly kind: TraceSessionKind;
  /** The customer's `Trace`; validated by the caller (`isValidTraceId`). */
  readonly traceId?: string;
  /** The customer's viewer ID, if they passed one. */
  readonly viewerId?: string;
  readonly clientIp?: string;
  readonly accessKeyId?: string;
}

export interface IssuedTraceSession {
  readonly sessionId: string;
  readonly traceId: string;
}

export class TraceSessions {
  constructor(
    private readonly deps: {
      store: Pick<TraceSessionStore, 'record'>;
      code: TraceCode;
      now?: () => Date;
    },
  ) {}

  /** True when any of `streams` is stored as A/B variants: its viewers need a trace session. */
  static needed(streams: readonly StreamRecord[]): boolean {
    return streams.some((s) => s.traced === true);
  }

  /** Creates and records a session; resolves once the row is written. */
  async issue(request: TraceSessionRequest): Promise<IssuedTraceSession> {
    if (request.traceId !== undefined && !isValidTraceId(request.traceId)) {
      throw new RangeError('traceId must be 1 to 1024 letters and digits');
    }
    const sessionId = randomBytes(16).toString('hex');
    const traceId = request.traceId ?? sessionId;
    await this.deps.store.record({
      sessionId,
      videoId: request.videoId,
      traceId,
      viewerId: request.viewerId ?? null,
      kind: request.kind,
      clientIp: request.clientIp ?? null,
      accessKeyId: request.accessKeyId ?? null,
      issuedAt: (this.deps.now?.() ?? new Date()).toISOString(),
    });
    return { sessionId, traceId };
  }

  /** The variant a session with `traceId` gets for segment `index` of `videoId`. */
  variantOf(videoId: string, traceId: string): (index: number) => TraceVariant {
    return (index) => this.deps.code.variant(videoId, traceId, index);
  }
}
