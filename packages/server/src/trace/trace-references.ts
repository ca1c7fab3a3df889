/**
 * What the detector compares a leak with: the top traced rendition of the source video, its
 * segment boundaries (from the stored playlist's EXTINF durations; segment k carries bit k of
 * the trace code), and its two variants read back as clear fragmented MP4 — all-A and all-B —
 * which the caller pipes into ffmpeg, so nothing clear touches disk.
 */
import { ClearRenditionReader } from '../download/clear-rendition-reader.js';
import type { DataKeyCache } from '../keys/data-key-cache.js';
import { readObject, type ObjectStore } from '../storage/object-store.js';
import type { VideoStore } from '../store/video-store.js';
import type { StreamRecord } from '../store/stream-store.js';
import type { SegmentBounds } from './segment-soft-bits.js';
import type { TraceVariant } from './trace-code.js';

/** Reads a stored rendition as one clear fMP4; `variant` picks A or B for every segment of a traced one. */
export type OpenRendition = (
  stream: StreamRecord,
  variant?: TraceVariant,
) => Promise<AsyncIterable<Uint8Array>>;

/** Larger first: height, then bitrate. */
export function topRendition(streams: readonly StreamRecord[]): StreamRecord | undefined {
  return [...streams].sort((x, y) => y.height - x.height || y.bitrateKbps - x.bitrateKbps)[0];
}

/** The video's traced renditions (the `traced` flag of the stream record). */
export function tracedRenditions(streams: readonly StreamRecord[]): StreamRecord[] {
  return streams.filter((s) => s.traced === true);
}

/** Segment k spans [start, end) seconds of the rendition, from the media playlist's EXTINF lines. */
export function playlistSegments(playlist: string): SegmentBounds[] {
  const out: SegmentBounds[] = [];
  let t = 0;
  for (const line of playlist.split('\n')) {
    const inf = /^#EXTINF:([0-9.]+)/.exec(line.trim());
    if (!inf) continue;
    const duration = Number(inf[1]);
    out.push({ index: out.length, start: t, end: t + duration });
    t += duration;
  }
  return out;
}

export async function renditionSegments(
  objects: ObjectStore,
  stream: StreamRecord,
): Promise<SegmentBounds[]> {
  return playlistSegments((await readObject(objects, stream.playlistKey)).toString('utf8'));
}

/**
 * Opens renditions with ClearRenditionReader (the download path's decrypting reader), with the
 * video's data key from the cache. `variant` selects A or B for every segment of a traced rendition.
 */
export function clearRenditionOpener(deps: {
  objects: ObjectStore;
  videos: Pick<VideoStore, 'find'>;
  dataKeys: Pick<DataKeyCache, 'get'>;
}): OpenRendition {
  return async (stream, variant) => {
    const video = await deps.videos.find(stream.videoId);
    const dataKey =
      stream.encryptScheme === 'none' || !video?.dataKeyCiphertext
        ? undefined
        : await deps.dataKeys.get(stream.videoId, video.dataKeyCiphertext);
    const reader = await ClearRenditionReader.open(
      deps.objects,
      stream,
      dataKey,
      variant ? { variantOf: () => variant } : {},
    );
    return reader.chunks();
  };
}
