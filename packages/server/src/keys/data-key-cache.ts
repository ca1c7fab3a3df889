/**
 * A bounded in-memory cache of unwrapped per-video data keys for the key service (DESIGN §4):
 * KMS calls are the expensive part of a key request, so a key unwrapped once serves the
 * following requests for `ttlMs`. Never persisted. Evicted keys are dropped, not zeroed: a
 * request may still be deriving from one (JS cannot guarantee erasure anyway).
 */
import type { Kms } from '../kms/kms.js';
import { videoDataKeyContext } from '../transcode/transcode-job-handler.js';

export class DataKeyCache {
  private readonly entries = new Map<string, { key: Promise<Uint8Array>; expiresAt: number }>();

  constructor(
    private readonly kms: Kms,
    private readonly options: { maxEntries: number; ttlMs: number; now?: () => number },
  ) {}

  /** The plaintext data key of a video, from its wrapped blob. Do not modify the result. */
  get(videoId: string, ciphertextBlob: string): Promise<Uint8Array> {
    const now = this.options.now?.() ?? Date.now();
    const cacheKey = `${videoId}\n${ciphertextBlob}`;
    const hit = this.entries.get(cacheKey);
    if (hit && hit.expiresAt > now) {
      // Refresh recency: Map iteration order is insertion order, so re-insert.
      this.entries.delete(cacheKey);
      this.entries.set(cacheKey, hit);
      return hit.key;
    }
    if (hit) this.evict(cacheKey);
    const key = this.kms.decrypt(ciphertextBlob, videoDataKeyContext(videoId)).then((r) => r.plaintext);
    key.catch(() => this.entries.delete(cacheKey));
    this.entries.set(cacheKey, { key, expiresAt: now + this.options.ttlMs });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.evict(oldest);
    }
    return key;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    for (const cacheKey of [...this.entries.keys()]) this.evict(cacheKey);
  }

  private evict(cacheKey: string): void {
    this.entries.delete(cacheKey);
  }
}
