/**
 * Which segment URLs are private, and how to open them: filled by the loader from each private
 * playlist it transforms, read for each fragment hls.js asks it to load. Keyed by `resourceId`
 * (origin + path): hls.js requests the URL it resolved from the playlist, and the query (tokens)
 * may differ between playlist loads of the same rendition.
 */
import type { PrivateSegmentRef } from './private-playlist.js';
import { resourceId } from './url-token.js';

export class PrivateSegmentMap {
  private readonly segments = new Map<string, PrivateSegmentRef>();

  register(segments: readonly PrivateSegmentRef[]): void {
    for (const segment of segments) this.segments.set(resourceId(segment.url), segment);
  }

  lookup(url: string): PrivateSegmentRef | undefined {
    return this.segments.get(resourceId(url));
  }

  clear(): void {
    this.segments.clear();
  }
}
