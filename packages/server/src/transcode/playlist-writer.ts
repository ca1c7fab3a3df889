/**
 * Writes the HLS playlists the packager stores (docs/formats.md, "Standard HLS encryption" and
 * "Private segment format"). Pure: text in, text out, so the exact output is unit-tested.
 *
 * Media playlists are VOD, fMP4 (`EXT-X-MAP`), media sequence 0 — so a segment's media sequence
 * number is its 0-based index, which the IV (AES-128) and the AAD (private) depend on. The clear
 * `EXT-X-MAP` always comes before the first `EXT-X-KEY`: that order is what lets ffmpeg 5.1 and
 * hls.js fetch the init segment unencrypted.
 */
import { PRIVATE_HLS_CONTEXT_TAG, PRIVATE_HLS_KEY_FORMAT, PRIVATE_HLS_KEY_METHOD } from '@securevod/crypto';

export type SegmentKeyTag =
  /** Standard HLS; `iv` is the attribute value, `0x` + 32 hex digits. */
  | { readonly method: 'AES-128'; readonly uri: string; readonly iv: string }
  /** Private SVS1 segments; the key URI of the segment's key period. */
  | { readonly method: typeof PRIVATE_HLS_KEY_METHOD; readonly uri: string };

export interface MediaPlaylistSegment {
  readonly uri: string;
  readonly durationSeconds: number;
  /** Absent: clear. Either every segment has a key or none has. */
  readonly key?: SegmentKeyTag;
}

export interface MediaPlaylistSpec {
  readonly initUri: string;
  readonly segments: readonly MediaPlaylistSegment[];
  /** Copy of the source's `EXT-X-INDEPENDENT-SEGMENTS` (every segment starts with a keyframe). */
  readonly independentSegments?: boolean;
  /** Required for private segments: written as `#EXT-X-SECUREVOD-PRIVATE`. */
  readonly privateContext?: { readonly videoId: string; readonly rendition: string };
}

export class PlaylistWriterError extends Error {
  override readonly name = 'PlaylistWriterError';
  readonly code = 'InvalidArgument';
}

/**
 * One `#EXT-X-KEY` before every segment whose key tag differs from the previous segment's: at
 * each key period start for private segments, before every segment for AES-128 (the IV changes
 * per segment). `EXT-X-TARGETDURATION` is the longest segment rounded up (RFC 8216 §4.3.3.1 asks
 * for ≥ each duration rounded to the nearest integer; rounding up satisfies it too).
 */
export function buildMediaPlaylist(spec: MediaPlaylistSpec): string {
  const { segments } = spec;
  const keyed = segments.filter((s) => s.key).length;
  if (keyed !== 0 && keyed !== segments.length) {
    throw new PlaylistWriterError('Either every segment of a rendition is encrypted or none is.');
  }
  const isPrivate = segments.some((s) => s.key?.method === PRIVATE_HLS_KEY_METHOD);
  if (isPrivate && !spec.privateContext) {
    throw new PlaylistWriterError(
      'A private rendition needs its video ID and rendition name in the playlist.',
    );
  }

  let target = 1;
  for (const s of segments) {
    if (!Number.isFinite(s.durationSeconds) || s.durationSeconds <= 0) {
      throw new PlaylistWriterError(`Segment ${s.uri} has no positive duration.`);
    }
    target = Math.max(target, Math.ceil(s.durationSeconds - 1e-6));
  }

  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
  ];
  if (spec.independentSegments) lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  if (isPrivate && spec.privateContext) {
    const { videoId, rendition } = spec.privateContext;
    lines.push(
      `${PRIVATE_HLS_CONTEXT_TAG}:VERSION=1,VIDEO-ID=${quoted(videoId)},RENDITION=${quoted(rendition)}`,
    );
  }
  lines.push(`#EXT-X-MAP:URI=${quoted(spec.initUri)}`);

  let previousKey: string | undefined;
  for (const s of segments) {
    if (s.key) {
      const tag = keyTag(s.key);
      if (tag !== previousKey) lines.push(tag);
      previousKey = tag;
    }
    lines.push(`#EXTINF:${s.durationSeconds.toFixed(6)},`, uriLine(s.uri));
  }
  lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

function keyTag(key: SegmentKeyTag): string {
  if (key.method === 'AES-128') {
    if (!/^0x[0-9a-f]{32}$/.test(key.iv))
      throw new PlaylistWriterError('An AES-128 IV is 0x and 32 hex digits.');
    return `#EXT-X-KEY:METHOD=AES-128,URI=${quoted(key.uri)},IV=${key.iv}`;
  }
  return (
    `#EXT-X-KEY:METHOD=${PRIVATE_HLS_KEY_METHOD},URI=${quoted(key.uri)},` +
    `KEYFORMAT="${PRIVATE_HLS_KEY_FORMAT}",KEYFORMATVERSIONS="1"`
  );
}

/**
 * Rewrites the variant URIs of a master playlist ffmpeg wrote: every URI line and every `URI="…"`
 * attribute (EXT-X-MEDIA, EXT-X-I-FRAME-STREAM-INF) is looked up in `uris` (as written by ffmpeg →
 * as stored). Other lines are kept as they are. Throws when a URI has no mapping, or a mapping is
 * not used (a rendition missing from the master is a bug upstream, not something to paper over).
 */
export function rewriteMasterPlaylist(text: string, uris: ReadonlyMap<string, string>): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines[0] !== '#EXTM3U')
    throw new PlaylistWriterError('The master playlist does not start with #EXTM3U.');
  const used = new Set<string>();
  const map = (uri: string): string => {
    const mapped = uris.get(uri);
    if (mapped === undefined)
      throw new PlaylistWriterError(`The master playlist lists ${uri}, which has no mapping.`);
    used.add(uri);
    return mapped;
  };
  const out: string[] = [];
  for (const line of lines) {
    if (line === '') continue;
    if (!line.startsWith('#')) out.push(uriLine(map(line)));
    else if (line.startsWith('#EXT-X-MEDIA:') || line.startsWith('#EXT-X-I-FRAME-STREAM-INF:')) {
      out.push(line.replace(/\bURI="([^"]*)"/, (_, uri: string) => `URI=${quoted(map(uri))}`));
    } else out.push(line);
  }
  for (const uri of uris.keys()) {
    if (!used.has(uri)) throw new PlaylistWriterError(`${uri} is not in the master playlist.`);
  }
  if (used.size === 0) throw new PlaylistWriterError('The master playlist lists no variants.');
  return out.join('\n') + '\n';
}

/** RFC 8216 §4.2 quoted-string: no `"`, CR or LF inside. */
function quoted(value: string): string {
  if (value === '' || /["\r\n]/.test(value)) {
    throw new PlaylistWriterError(
      'A playlist attribute value must be non-empty, without quotes or line breaks.',
    );
  }
  return `"${value}"`;
}

function uriLine(uri: string): string {
  if (uri === '' || uri.startsWith('#') || /[\r\n]/.test(uri) || uri.trim() !== uri) {
    throw new PlaylistWriterError(`Unusable URI line ${JSON.stringify(uri)}.`);
  }
  return uri;
}
