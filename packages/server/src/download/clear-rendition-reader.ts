/**
 * Reads a stored rendition back as ONE clear fragmented MP4 (init segment + media segments), for
 * downloads: segments are decrypted in memory one at a time (standard AES-128-CBC with the
 * playlist's IVs, or private AES-256-GCM), so memory stays bounded by one segment and nothing
 * clear touches disk. `plaintextSize` is known before streaming (the package header needs it).
 */
import {
  decryptAes128Segment,
  decryptPrivateSegment,
  deriveSegmentKey,
  hexToBytes,
  importAes128SegmentKey,
  importPrivateSegmentKey,
} from '@securevod/crypto';
import { createDecipheriv } from 'node:crypto';
import { readObject, type ObjectStore } from '../storage/object-store.js';
import type { StreamRecord } from '../store/stream-store.js';

interface SegmentEntry {
  key: string;
  index: number;
  period: number;
  iv?: Uint8Array;
  size: number;
}

const PRIVATE_OVERHEAD = 20 + 16;

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
        const key = stream.storagePrefix + line.trim();
        const size = (await store.head(key))?.size ?? 0;
        segments.push({ key, index: segments.length, period, iv, size });
      }
    }
    const reader = new ClearRenditionReader(store, stream, dataKey, initKey, initSize, segments, 0);
    let total = initSize;
    for (const segment of segments) total += await reader.clearSize(segment);
    return new ClearRenditionReader(store, stream, dataKey, initKey, initSize, segments, total);
  }

  async *chunks(): AsyncIterable<Uint8Array> {
    yield await readObject(this.store, this.initKey);
    const keys = new Map<number, Promise<CryptoKey>>();
    for (const segment of this.segments) {
      const bytes = await readObject(this.store, segment.key);
      if (this.stream.encryptScheme === 'none') {
        yield bytes;
        continue;
      }
      let key = keys.get(segment.period);
      if (!key) {
        key = this.periodKey(segment.period);
        keys.set(segment.period, key);
      }
      yield this.stream.encryptScheme === 'aes-128'
        ? await decryptAes128Segment(await key, segment.iv!, bytes)
        : await decryptPrivateSegment(await key, bytes, {
            videoId: this.stream.videoId,
            rendition: this.stream.streamId,
            segmentIndex: segment.index,
          });
    }
  }

  private async periodKey(period: number): Promise<CryptoKey> {
    const scheme = this.stream.encryptScheme === 'aes-128' ? 'aes-128' : 'aes-256-gcm';
    const raw = await deriveSegmentKey(this.dataKey!, {
      videoId: this.stream.videoId,
      rendition: this.stream.streamId,
      period,
      scheme,
    });
    try {
      return scheme === 'aes-128' ? await importAes128SegmentKey(raw) : await importPrivateSegmentKey(raw);
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
