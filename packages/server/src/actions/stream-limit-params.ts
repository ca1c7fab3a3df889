/**
 * The concurrent-stream parameters of GetVideoPlayAuth and GetPlayInfo (our extensions, docs/api.md
 * "Concurrent-stream limits"): `ViewerId` (1–128 characters), else the vendor's `Trace` (letters and
 * digits, at most 1024), names the viewer; `MaxConcurrentStreams` (1–100) lowers the account's
 * limit for this session, or sets one when the account has none.
 */
import { apiErrors, catalogued } from '../errors/api-error.js';
import { isPlaybackError } from '../playback/playback-error.js';
import { MAX_CONCURRENT_STREAMS } from '../playback/stream-limits.js';
import type { RpcParams } from '../rpc/rpc-params.js';
import { traceParam } from './trace-param.js';

export interface StreamLimitParams {
  readonly viewerId: string | undefined;
  readonly maxConcurrentStreams: number | undefined;
}

export function streamLimitParams(params: RpcParams): StreamLimitParams {
  const viewerId = params.optional('ViewerId');
  if (viewerId !== undefined && viewerId.length > 128) {
    throw apiErrors.invalidParameter('ViewerId', 'It must be 1 to 128 characters.');
  }
  const trace = traceParam(params);
  return {
    viewerId: viewerId ?? trace,
    maxConcurrentStreams: params.integer('MaxConcurrentStreams', { min: 1, max: MAX_CONCURRENT_STREAMS }),
  };
}

/** A stream-limit refusal as the RPC API reports it (same code and message as the player endpoints). */
export function asApiError(error: unknown): unknown {
  return isPlaybackError(error, 'Forbidden.ConcurrentStreams')
    ? catalogued('Forbidden.ConcurrentStreams')
    : error;
}
