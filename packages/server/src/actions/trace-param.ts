/**
 * `Trace` on GetPlayInfo (the vendor's, with DigitalWatermarkType=TraceMark) and on
 * GetVideoPlayAuth (our extension): the viewer's trace ID of leak tracing (docs/tracing.md), which
 * also names the viewer for concurrent-stream limits when `ViewerId` is absent.
 */
import { apiErrors } from '../errors/api-error.js';
import type { RpcParams } from '../rpc/rpc-params.js';
import { isValidTraceId } from '../trace/trace-code.js';

/** ≤ 1024 letters and digits (the vendor's rule). */
export function traceParam(params: RpcParams): string | undefined {
  const trace = params.optional('Trace');
  if (trace !== undefined && !isValidTraceId(trace)) {
    throw apiErrors.invalidParameter('Trace', 'It must be 1 to 1024 letters and digits.');
  }
  return trace;
}
