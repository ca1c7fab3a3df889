/**
 * The per-session playlist of a traced rendition (docs/tracing.md, "Embedding and delivery").
 * The stored `index.m3u8` names variant A of every segment (`a/seg_N.<ext>`); for a session, the
 * media role replaces each with the variant its trace ID selects, before signing the URIs.
 */
import type { TraceVariant } from './trace-code.js';

/** A segment URI of a traced rendition, relative to its playlist. */
const STORED_VARIANT_URI = /^a\/(seg_(\d{5,})\.(?:m4s|svs))$/;
/** The object path of a traced segment, under any rendition. */
const TRACED_SEGMENT_OBJECT = /(?:^|\/)[ab]\/seg_\d{5,}\.(?:m4s|svs)$/;

/** True when `object` (a media path under the video) is one variant of a traced segment. */
export function isTracedSegmentObject(object: string): boolean {
  return TRACED_SEGMENT_OBJECT.test(object);
}

/** True when the stored media playlist `text` is a traced rendition's (its segments name `a/`). */
export function isTracedPlaylist(text: string): boolean {
  return text.split(/\r?\n/).some((line) => STORED_VARIANT_URI.test(line.trim()));
}

/**
 * `text` with segment k's URI `a/seg_k…` replaced by `<variantOf(k)>/seg_k…`. The index is the
 * number in the file name (= the media sequence number, which starts at 0 in our playlists).
 */
export function selectTraceVariants(text: string, variantOf: (index: number) => TraceVariant): string {
  return text
    .split('\n')
    .map((line) => {
      const match = STORED_VARIANT_URI.exec(line.trim());
      return match ? `${variantOf(Number(match[2]))}/${match[1]}` : line;
    })
    .join('\n');
}
