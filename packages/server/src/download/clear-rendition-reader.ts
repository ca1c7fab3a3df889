/**
 * Reads a stored rendition back as ONE clear fragmented MP4 (init segment + media segments), for
 * downloads. Segments are decrypted as they are read from storage, a storage chunk at a time
 * (issue 12 item 5): memory is bounded by a chunk, not a segment, and nothing clear touches disk.
 * The consumer's pace sets the reading pace (the generator reads on demand).
 *
 * - Standard AES-128-CBC: a decipher stream over the object, with the playlist's IV.
 * - Private AES-256-GCM (SVS1): no byte may be released before the tag is verified. A segment of
 *   up to WHOLE_SEGMENT_MAX bytes is read whole and opened at once; a larger one is read twice —
 *   first to verify its tag (output discarded), then to decrypt and release it. The second pass
 *   verifies the tag again at its end and aborts the stream if it fails (the object changed
 *   between the passes): the download then ends short, and its package never verifies.
 *
 * `plaintextSize` is known before streaming (the package header needs it).
 *
 * Traced streams (docs/tracing.md): `variantOf(index)` picks variant A or B of each segment — a
 * traced download passes its session's code word; the leak detector reads all-A and all-B to
 * get its two clear references. Without it, a traced stream reads as all-A (what its stored
 * playlist names); for an untraced stream the option is ignored.
 */
import {
  DECRYPT_FAILED_MESSAGE,
  SegmentCryptoError,
  deriveSegmentKey,
  hexToBytes,
  privateSegmentGcmParams,
  type PrivateSegmentContext,
} from '@securevod/crypto';
import { createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { readObject, type ByteRange, type ObjectStore } from '../storage/object-store.js';
import type { StreamRecord } from '../store/stream-store.js';

/** Private segments up to this size are read once, whole; larger ones twice, streaming. */
export const WHOLE_SEGMENT_MAX = 1024 * 1024;
const GCM_HEADER = 20;
const GCM_TAG = 16;

interface SegmentEntry {
  key: string;
  index: number;
  period: number;
  iv?: Uint8Array;
  size: number;
}

const PRIVATE_OVERHEAD = 20 + 16;

export interface ClearRenditionReaderOptions {
  /** Traced streams only: the variant to read for segment `index` (0-based). Default: all 'a'. */
  readonly variantOf?: (index: number) => 'a' | 'b';
}

export class ClearRenditionReader {
  private constructor(
    private readonly store: ObjectStore,
    private readonly stream: StreamRecord,
    private readonly dataKey: Uint8Array | undefined,
    private readonly initKey: string,
    private readonly initSize: number,
    private readonly segments: SegmentEntry[],
    readonly plaintextSize: number,
  ) {}

  /** `dataKey`: the video's data key (unused for clear streams). */
  static async open(
    store: ObjectStore,
    stream: StreamRecord,
    dataKey: Uint8Array | undefined,
    options: ClearRenditionReaderOptions = {},
  ): Promise<ClearRenditionReader> {
    if (stream.customerKeyCiphertext !== null) {
      throw new Error(
        'streams encrypted with a customer-managed key cannot be downloaded: their key lives in the customer key service',
      );
    }
    const playlist = (await readObject(store, stream.playlistKey)).toString('utf8');
    const initKey = `${stream.storagePrefix}${/#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)?.[1] ?? 'init.mp4'}`;
    const initSize = (await store.head(initKey))?.size ?? 0;
    const segments: SegmentEntry[] = [];
    let iv: Uint8Array | undefined;
    let period = 0;
    for (const line of playlist.split('\n')) {
      const keyLine = /^#EXT-X-KEY:.*?URI="([^"]+)"(?:.*?IV=0x([0-9a-fA-F]{32}))?/.exec(line);
      if (keyLine) {
        period = Number(keyLine[1]!.split('?')[0]!.split('/').pop());
        iv = keyLine[2] ? hexToBytes(keyLine[2]) : undefined;
      } else if (line.trim() && !line.startsWith('#')) {
        let uri = line.trim();
        if (stream.traced && options.variantOf) {
          // The stored playlist names A (`a/seg_N…`); B lives at the same name under `b/`.
          if (!uri.startsWith('a/')) throw new Error(`traced playlist entry ${uri} is not under a/`);
          const variant = options.variantOf(segments.length);
          if (variant !== 'a' && variant !== 'b') throw new Error(`variantOf returned ${String(variant)}`);
          uri = `${variant}/${uri.slice(2)}`;
        }
        const key = stream.storagePrefix + uri;
        const size = (await store.head(key))?.size ?? 0;
        segments.push({ key, index: segments.length, period, iv, size });
      }
    }
    const reader = new ClearRenditionReader(store, stream, dataKey, initKey, initSize, segments, 0);
    let total = initSize;
    for (const segment of segments) total += await reader.clearSize(segment);
    return new ClearRenditionReader(store, stream, dataKey, initKey, initSize, segments, total);
  }

  async *chunks(): AsyncGenerator<Uint8Array> {
    yield* this.objectBytes(this.initKey);
    const keys = new Map<number, KeyObject>();
    for (const segment of this.segments) {
      if (this.stream.encryptScheme === 'none') {
        yield* this.objectBytes(segment.key);
        continue;
      }
      let key = keys.get(segment.period);
      if (!key) {
        key = await this.periodKey(segment.period);
        keys.set(segment.period, key);
      }
      if (this.stream.encryptScheme === 'aes-128') yield* this.openCbc(key, segment);
      else yield* this.openGcm(key, segment);
    }
  }

  /** The object's bytes as storage hands them out; the body is closed however the reading ends. */
  private async *objectBytes(key: string, range?: ByteRange): AsyncGenerator<Uint8Array> {
    const { body } = await this.store.get(key, range ? { range } : undefined);
    try {
      for await (const chunk of body) yield chunk as Uint8Array;
    } finally {
      body.destroy();
    }
  }

  private async *openCbc(key: KeyObject, segment: SegmentEntry): AsyncGenerator<Uint8Array> {
    const decipher = createDecipheriv('aes-128-cbc', key, segment.iv!);
    for await (const chunk of this.objectBytes(segment.key)) {
      const out = decipher.update(chunk);
      if (out.length > 0) yield out;
    }
    let last: Buffer;
    try {
      last = decipher.final();
    } catch (cause) {
      throw new SegmentCryptoError('DecryptFailed', DECRYPT_FAILED_MESSAGE, { cause });
    }
    if (last.length > 0) yield last;
  }

  private async *openGcm(key: KeyObject, segment: SegmentEntry): AsyncGenerator<Uint8Array> {
    const context: PrivateSegmentContext = {
      videoId: this.stream.videoId,
      rendition: this.stream.streamId,
      segmentIndex: segment.index,
    };
    const size = segment.size;
    const decipher = (header: Uint8Array, tag: Uint8Array) => {
      const { iv, additionalData } = privateSegmentGcmParams(header, size, context);
      const d = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG });
      d.setAAD(additionalData);
      d.setAuthTag(tag);
      return d;
    };
    const verify = (d: ReturnType<typeof decipher>) => {
      try {
        d.final();
      } catch (cause) {
        throw new SegmentCryptoError('DecryptFailed', DECRYPT_FAILED_MESSAGE, { cause });
      }
    };
    if (size <= WHOLE_SEGMENT_MAX) {
      const bytes = await readObject(this.store, segment.key);
      const d = decipher(bytes, bytes.subarray(bytes.length - GCM_TAG));
      const clear = d.update(bytes.subarray(GCM_HEADER, bytes.length - GCM_TAG));
      verify(d);
      yield clear;
      return;
    }
    const header = await readObject(this.store, segment.key, { start: 0, end: GCM_HEADER - 1 });
    const tag = await readObject(this.store, segment.key, { start: size - GCM_TAG, end: size - 1 });
    const ciphertext = { start: GCM_HEADER, end: size - GCM_TAG - 1 };
    const check = decipher(header, tag);
    for await (const chunk of this.objectBytes(segment.key, ciphertext)) check.update(chunk);
    verify(check);
    const d = decipher(header, tag);
    for await (const chunk of this.objectBytes(segment.key, ciphertext)) yield d.update(chunk);
    verify(d);
  }

  private async periodKey(period: number): Promise<KeyObject> {
    const scheme = this.stream.encryptScheme === 'aes-128' ? 'aes-128' : 'aes-256-gcm';
    const raw = await deriveSegmentKey(this.dataKey!, {
      videoId: this.stream.videoId,
      rendition: this.stream.streamId,
      period,
      scheme,
    });
    try {
      return createSecretKey(raw);
    } finally {
      raw.fill(0);
    }
  }

  /** Clear size of a segment without decrypting it whole (CBC: only the last block). */
  private async clearSize(segment: SegmentEntry): Promise<number> {
    switch (this.stream.encryptScheme) {
      case 'none':
        return segment.size;
      case 'aes-256-gcm':
        return segment.size - PRIVATE_OVERHEAD;
      case 'aes-128': {
        const tail = await readObject(this.store, segment.key, {
          start: segment.size - 32,
          end: segment.size - 1,
        });
        const raw = await deriveSegmentKey(this.dataKey!, {
          videoId: this.stream.videoId,
          rendition: this.stream.streamId,
          period: segment.period,
          scheme: 'aes-128',
        });
        try {
          const decipher = createDecipheriv('aes-128-cbc', raw, tail.subarray(0, 16));
          decipher.setAutoPadding(false);
          const last = Buffer.concat([decipher.update(tail.subarray(16)), decipher.final()]);
          return segment.size - (last[15] ?? 0);
        } finally {
          raw.fill(0);
        }
      }
    }
  }
}
