/**
 * A bounded in-memory cache of unwrapped per-video data keys (DESIGN §4): KMS calls are the
 * expensive part of a key request or a download, so a key unwrapped once serves the following
 * requests for `ttlMs`. Never persisted. Evicted keys are dropped, not zeroed: a request may still
 * be deriving from one (and JS cannot guarantee erasure anyway).
 */
import type { Kms } from '../kms/kms.js';
import { videoDataKeyContext } from '../transcode/transcode-job-handler.js';
import { TtlCache } from './ttl-cache.js';

export class DataKeyCache {
  private readonly cache: TtlCache<Uint8Array>;

  constructor(
    private readonly kms: Kms,
    options: { maxEntries: number; ttlMs: number; now?: () => number },
  ) {
    this.cache = new TtlCache(options);
  }

  /** The plaintext data key of a video, from its wrapped blob. Do not modify the result. */
  get(videoId: string, ciphertextBlob: string): Promise<Uint8Array> {
    return this.cache.get(`${videoId}\n${ciphertextBlob}`, async () => {
      const { plaintext } = await this.kms.decrypt(ciphertextBlob, videoDataKeyContext(videoId));
      return plaintext;
    });
  }

  /** Drops the video's keys (it was deleted or changed; see shared/invalidation-bus.ts). */
  forgetVideo(videoId: string): void {
    this.cache.deleteWhere((key) => key.startsWith(`${videoId}\n`));
  }

  clear(): void {
    this.cache.clear();
  }
}
