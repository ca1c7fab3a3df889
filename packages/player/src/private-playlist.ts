/**
 * The private-playlist transform (docs/formats.md, "Private segment format" → "Playlist"; DESIGN
 * §5, "Private encryption"). Pure: text in, text and a segment map out; unit-tested without a
 * browser in test/private-playlist.test.ts.
 *
 * Called by the SDK's hls.js loader for every playlist that carries the private markers. It
 * removes `#EXT-X-SECUREVOD-PRIVATE` and every `#EXT-X-KEY:METHOD=SECUREVOD-AES-256-GCM`, so hls.js
 * sees a plain clear fMP4 playlist, and returns for each segment what the loader needs to fetch
 * its period key and open it: the AAD context (video, rendition, index = media sequence number)
 * and the key URI with its period.
 *
 * Strict on purpose: anything the private format does not define (byte ranges, LL-HLS parts, a
 * segment without a key, a second key method) is a `PrivatePlaylistError`, never passed on — a
 * segment hls.js believed clear would otherwise reach its demuxer as ciphertext.
 *
 * The key period is the last path segment of the key URI (`…/keys/private/<vid>/<stream>/<period>`,
 * the key service's URL scheme): the playlist has no other place that states it, and the key
 * exchange binds the period, so a wrong guess could not open anything anyway.
 */
import {
  MAX_PERIOD,
  MAX_SEGMENT_INDEX,
  PRIVATE_HLS_CONTEXT_TAG,
  PRIVATE_HLS_KEY_FORMAT,
  PRIVATE_HLS_KEY_METHOD,
} from '@securevod/crypto';

/** The key of one period of one rendition, as the key exchange needs it. */
export interface PrivateKeyRef {
  /** Absolute key URI as written in the playlist (resolved against the playlist URL). */
  readonly uri: string;
  readonly videoId: string;
  readonly rendition: string;
  readonly period: number;
}

/** One SVS1 segment and everything needed to open it. */
export interface PrivateSegmentRef {
  /** Absolute segment URL (resolved against the playlist URL), as hls.js will request it. */
  readonly url: string;
  readonly videoId: string;
  readonly rendition: string;
  /** Media sequence number = the `segmentIndex` bound into the segment's AAD. */
  readonly segmentIndex: number;
  readonly key: PrivateKeyRef;
}

export interface PrivatePlaylist {
  /** The playlist without the private tags: clear fMP4 HLS as far as hls.js can tell. */
  readonly playlist: string;
  readonly videoId: string;
  readonly rendition: string;
  readonly segments: readonly PrivateSegmentRef[];
}

export class PrivatePlaylistError extends Error {
  override readonly name = 'PrivatePlaylistError';
  readonly code = 'PrivatePlaylistInvalid';
}

const CONTEXT_TAG_PREFIX = `${PRIVATE_HLS_CONTEXT_TAG}:`;
const KEY_TAG_PREFIX = '#EXT-X-KEY:';
/** Tags the private format does not define; refused rather than guessed at. */
const UNSUPPORTED_TAGS = ['#EXT-X-BYTERANGE', '#EXT-X-PART:', '#EXT-X-PRELOAD-HINT:', '#EXT-X-SESSION-KEY:'];

/**
 * True when `text` is meant as a private media playlist (either marker present). A playlist with
 * one marker and not the other is private and invalid: `transformPrivatePlaylist` says why.
 */
export function isPrivatePlaylist(text: string): boolean {
  return text.includes(PRIVATE_HLS_CONTEXT_TAG) || text.includes(`METHOD=${PRIVATE_HLS_KEY_METHOD}`);
}

export function transformPrivatePlaylist(text: string, playlistUrl: string): PrivatePlaylist {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trim() !== '#EXTM3U')
    throw new PrivatePlaylistError('The playlist does not start with #EXTM3U.');

  let context: { videoId: string; rendition: string } | undefined;
  let mediaSequence = 0;
  let currentKey: Omit<PrivateKeyRef, 'videoId' | 'rendition'> | undefined;
  const out: string[] = [];
  const segments: PrivateSegmentRef[] = [];

  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith(CONTEXT_TAG_PREFIX)) {
      if (context) throw new PrivatePlaylistError(`${PRIVATE_HLS_CONTEXT_TAG} appears twice.`);
      if (segments.length > 0) {
        throw new PrivatePlaylistError(`${PRIVATE_HLS_CONTEXT_TAG} must come before the first segment.`);
      }
      context = parseContext(line.slice(CONTEXT_TAG_PREFIX.length));
      continue;
    }
    if (line.startsWith(KEY_TAG_PREFIX)) {
      currentKey = parseKeyTag(line.slice(KEY_TAG_PREFIX.length), playlistUrl);
      continue;
    }
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) {
      if (segments.length > 0)
        throw new PrivatePlaylistError('EXT-X-MEDIA-SEQUENCE after the first segment.');
      mediaSequence = parseInteger(line.slice('#EXT-X-MEDIA-SEQUENCE:'.length), 'EXT-X-MEDIA-SEQUENCE');
    } else if (UNSUPPORTED_TAGS.some((tag) => line.startsWith(tag))) {
      throw new PrivatePlaylistError(`${line.split(':')[0]} is not supported in a private playlist.`);
    } else if (line !== '' && !line.startsWith('#')) {
      if (!context) throw new PrivatePlaylistError(`A private playlist needs ${PRIVATE_HLS_CONTEXT_TAG}.`);
      const segmentIndex = mediaSequence + segments.length;
      if (!currentKey) {
        throw new PrivatePlaylistError(`Segment ${segmentIndex} has no ${PRIVATE_HLS_KEY_METHOD} key.`);
      }
      if (segmentIndex > MAX_SEGMENT_INDEX) {
        throw new PrivatePlaylistError(`Segment index ${segmentIndex} is past ${MAX_SEGMENT_INDEX}.`);
      }
      segments.push({
        url: resolve(line, playlistUrl, 'segment URI'),
        ...context,
        segmentIndex,
        key: { ...currentKey, ...context },
      });
    }
    out.push(raw);
  }
  if (!context) throw new PrivatePlaylistError(`A private playlist needs ${PRIVATE_HLS_CONTEXT_TAG}.`);
  if (segments.length === 0) throw new PrivatePlaylistError('The private playlist lists no segments.');
  return { playlist: out.join('\n'), ...context, segments };
}

/**
 * Parses an attribute list (RFC 8216 §4.2): `NAME=value` pairs separated by commas, values
 * either quoted strings (returned without the quotes) or unquoted tokens. Throws on anything
 * else, including a repeated name.
 */
export function parseAttributeList(text: string): Map<string, string> {
  const attrs = new Map<string, string>();
  const pattern = /([A-Z0-9-]+)=("[^"\r\n]*"|[^",\s]*)(,|$)/y;
  let at = 0;
  while (at < text.length) {
    pattern.lastIndex = at;
    const m = pattern.exec(text);
    if (!m) throw new PrivatePlaylistError(`Malformed attribute list at character ${at + 1}.`);
    const [, name, value] = m as unknown as [string, string, string];
    if (attrs.has(name)) throw new PrivatePlaylistError(`Attribute ${name} appears twice.`);
    attrs.set(name, value.startsWith('"') ? value.slice(1, -1) : value);
    at = pattern.lastIndex;
    if (m[3] === ',' && at === text.length)
      throw new PrivatePlaylistError('Attribute list ends with a comma.');
  }
  return attrs;
}

/** The key period named by a key URI: its last path segment, a decimal integer. */
export function periodFromKeyUri(uri: string): number {
  const last = new URL(uri).pathname.split('/').pop() ?? '';
  if (!/^(0|[1-9][0-9]{0,9})$/.test(last) || Number(last) > MAX_PERIOD) {
    throw new PrivatePlaylistError('The private key URI does not end in a key period number.');
  }
  return Number(last);
}

function parseContext(list: string): { videoId: string; rendition: string } {
  const attrs = parseAttributeList(list);
  if (attrs.get('VERSION') !== '1') {
    throw new PrivatePlaylistError(
      `Unsupported ${PRIVATE_HLS_CONTEXT_TAG} VERSION ${JSON.stringify(attrs.get('VERSION') ?? '')}; this SDK reads 1.`,
    );
  }
  const videoId = attrs.get('VIDEO-ID');
  const rendition = attrs.get('RENDITION');
  if (!videoId || !rendition) {
    throw new PrivatePlaylistError(`${PRIVATE_HLS_CONTEXT_TAG} needs VIDEO-ID and RENDITION.`);
  }
  return { videoId, rendition };
}

function parseKeyTag(list: string, playlistUrl: string): { uri: string; period: number } {
  const attrs = parseAttributeList(list);
  const method = attrs.get('METHOD');
  if (method !== PRIVATE_HLS_KEY_METHOD) {
    throw new PrivatePlaylistError(
      `A private playlist uses only METHOD=${PRIVATE_HLS_KEY_METHOD}; found ${JSON.stringify(method ?? '')}.`,
    );
  }
  if (attrs.get('KEYFORMAT') !== PRIVATE_HLS_KEY_FORMAT) {
    throw new PrivatePlaylistError(`A private key needs KEYFORMAT="${PRIVATE_HLS_KEY_FORMAT}".`);
  }
  const versions = attrs.get('KEYFORMATVERSIONS');
  if (versions !== undefined && !versions.split('/').includes('1')) {
    throw new PrivatePlaylistError(`Unsupported KEYFORMATVERSIONS "${versions}"; this SDK reads 1.`);
  }
  const rawUri = attrs.get('URI');
  if (!rawUri) throw new PrivatePlaylistError('A private EXT-X-KEY needs a URI.');
  const uri = resolve(rawUri, playlistUrl, 'key URI');
  return { uri, period: periodFromKeyUri(uri) };
}

function resolve(uri: string, base: string, what: string): string {
  let url: URL;
  try {
    url = new URL(uri, base);
  } catch {
    throw new PrivatePlaylistError(`Unusable ${what}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PrivatePlaylistError(`The ${what} must be http(s).`);
  }
  return url.href;
}

function parseInteger(text: string, tag: string): number {
  if (!/^\d{1,10}$/.test(text.trim())) throw new PrivatePlaylistError(`${tag} is not a decimal integer.`);
  return Number(text.trim());
}
