/**
 * The per-session A/B code word of leak tracing (DESIGN §9, docs/tracing.md, issue 13).
 *
 * A traced rendition stores every segment twice, variant A and variant B. A viewer's playlist
 * names, for segment index k, the variant `traceBit(videoId, traceId, k)`. The bits come from a
 * keyed PRF so nobody without the deployment's trace secret can predict or forge another
 * viewer's sequence:
 *
 *   block_j = HMAC-SHA256(traceSecret, "securevod-trace/v1" ‖ 0 ‖ videoId ‖ 0 ‖ traceId ‖ 0 ‖ u32be(j))
 *   bit_k   = bit (k mod 256) of block_⌊k/256⌋, most significant bit of each byte first
 *
 * One HMAC covers 256 segments. Bits are computed, never stored: the media role (playlist
 * rewriter), the download packager and the detector all call this module and must agree, so the
 * format above is frozen; a change needs a new version label.
 */
import { createHmac } from 'node:crypto';

export type TraceVariant = 'a' | 'b';

export const TRACE_VARIANTS: readonly TraceVariant[] = ['a', 'b'];

/** The vendor's limit on GetPlayInfo `Trace`: at most 1024 letters and digits. */
export const TRACE_ID_PATTERN = /^[A-Za-z0-9]{1,1024}$/;

const LABEL = 'securevod-trace/v1';
const BITS_PER_BLOCK = 256;

export function isValidTraceId(value: string): boolean {
  return TRACE_ID_PATTERN.test(value);
}

export class TraceCode {
  readonly #secret: Buffer;

  /** `secret` is the deployment's trace secret (trace-secret.ts); it is copied, not kept by reference. */
  constructor(secret: Uint8Array) {
    if (secret.length < 32) throw new RangeError('the trace secret must be at least 32 bytes');
    this.#secret = Buffer.from(secret);
  }

  /** The variant a session with `traceId` receives for segment `index` of `videoId`. */
  variant(videoId: string, traceId: string, index: number): TraceVariant {
    return this.bit(videoId, traceId, index) === 0 ? 'a' : 'b';
  }

  bit(videoId: string, traceId: string, index: number): 0 | 1 {
    checkIndex(index);
    const block = this.#block(videoId, traceId, Math.floor(index / BITS_PER_BLOCK));
    return bitOf(block, index % BITS_PER_BLOCK);
  }

  /** Bits 0 … count-1, one HMAC per 256; element k is `bit(videoId, traceId, k)`. */
  bits(videoId: string, traceId: string, count: number): Uint8Array {
    if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
    const out = new Uint8Array(count);
    for (let start = 0; start < count; start += BITS_PER_BLOCK) {
      const block = this.#block(videoId, traceId, start / BITS_PER_BLOCK);
      const end = Math.min(count, start + BITS_PER_BLOCK);
      for (let k = start; k < end; k++) out[k] = bitOf(block, k - start);
    }
    return out;
  }

  #block(videoId: string, traceId: string, blockIndex: number): Buffer {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(blockIndex);
    return createHmac('sha256', this.#secret)
      .update(LABEL)
      .update('\0')
      .update(videoId)
      .update('\0')
      .update(traceId)
      .update('\0')
      .update(counter)
      .digest();
  }
}

function bitOf(block: Buffer, position: number): 0 | 1 {
  return ((block[position >> 3]! >> (7 - (position & 7))) & 1) as 0 | 1;
}

function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff * BITS_PER_BLOCK) {
    throw new RangeError('segment index must be a non-negative integer');
  }
}
