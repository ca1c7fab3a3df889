/**
 * Minimal readers for the HLS playlists ffmpeg writes (RFC 8216): enough to list variants,
 * the init segment and the media segments with their durations. Pure; tolerant of blank lines
 * and unknown tags, strict where a wrong answer would corrupt packaging (an EXTINF without a URI).
 */
export interface MasterVariant {
  uri: string;
  bandwidth: number;
  averageBandwidth?: number;
  resolution?: { width: number; height: number };
  codecs?: string;
  frameRate?: number;
  /** Every attribute of the EXT-X-STREAM-INF line, unquoted. */
  attributes: Record<string, string>;
}

export interface MediaSegmentEntry {
  uri: string;
  durationSeconds: number;
  /** Media sequence number (EXT-X-MEDIA-SEQUENCE + position). */
  sequence: number;
}

export interface MediaPlaylist {
  version?: number;
  targetDurationSeconds: number;
  mediaSequence: number;
  playlistType?: string;
  endList: boolean;
  /** URI of EXT-X-MAP (the fMP4 init segment), if any. */
  mapUri?: string;
  segments: MediaSegmentEntry[];
}

export class HlsPlaylistError extends Error {
  override readonly name = 'HlsPlaylistError';
  readonly code = 'InvalidPlaylist';
}

export function parseMasterPlaylist(text: string): MasterVariant[] {
  const lines = playlistLines(text);
  const variants: MasterVariant[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.startsWith('#EXT-X-STREAM-INF:')) continue;
    const attributes = parseAttributeList(line.slice('#EXT-X-STREAM-INF:'.length));
    const uri = nextUri(lines, i);
    if (uri === undefined) throw new HlsPlaylistError('EXT-X-STREAM-INF without a URI');
    const bandwidth = Number(attributes.BANDWIDTH);
    if (!Number.isFinite(bandwidth))
      throw new HlsPlaylistError(`EXT-X-STREAM-INF without BANDWIDTH: ${line}`);
    const variant: MasterVariant = { uri, bandwidth, attributes };
    if (attributes['AVERAGE-BANDWIDTH']) variant.averageBandwidth = Number(attributes['AVERAGE-BANDWIDTH']);
    const res = /^(\d+)x(\d+)$/.exec(attributes.RESOLUTION ?? '');
    if (res) variant.resolution = { width: Number(res[1]), height: Number(res[2]) };
    if (attributes.CODECS) variant.codecs = attributes.CODECS;
    if (attributes['FRAME-RATE']) variant.frameRate = Number(attributes['FRAME-RATE']);
    variants.push(variant);
  }
  return variants;
}

export function parseMediaPlaylist(text: string): MediaPlaylist {
  const lines = playlistLines(text);
  if (lines[0] !== '#EXTM3U') throw new HlsPlaylistError('playlist does not start with #EXTM3U');
  const playlist: MediaPlaylist = {
    targetDurationSeconds: 0,
    mediaSequence: 0,
    endList: false,
    segments: [],
  };
  let pendingDuration: number | undefined;
  for (const line of lines) {
    if (line.startsWith('#EXT-X-VERSION:')) playlist.version = Number(tagValue(line));
    else if (line.startsWith('#EXT-X-TARGETDURATION:'))
      playlist.targetDurationSeconds = Number(tagValue(line));
    else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) playlist.mediaSequence = Number(tagValue(line));
    else if (line.startsWith('#EXT-X-PLAYLIST-TYPE:')) playlist.playlistType = tagValue(line);
    else if (line === '#EXT-X-ENDLIST') playlist.endList = true;
    else if (line.startsWith('#EXT-X-MAP:')) {
      const uri = parseAttributeList(tagValue(line)).URI;
      if (!uri) throw new HlsPlaylistError(`EXT-X-MAP without URI: ${line}`);
      playlist.mapUri = uri;
    } else if (line.startsWith('#EXTINF:')) {
      const duration = Number(tagValue(line).split(',')[0]);
      if (!Number.isFinite(duration)) throw new HlsPlaylistError(`bad EXTINF: ${line}`);
      pendingDuration = duration;
    } else if (!line.startsWith('#')) {
      if (pendingDuration === undefined) throw new HlsPlaylistError(`segment URI without EXTINF: ${line}`);
      playlist.segments.push({
        uri: line,
        durationSeconds: pendingDuration,
        sequence: playlist.mediaSequence + playlist.segments.length,
      });
      pendingDuration = undefined;
    }
  }
  if (pendingDuration !== undefined) throw new HlsPlaylistError('EXTINF without a segment URI');
  return playlist;
}

/** Parses `KEY=value,KEY="quoted, with commas"` (RFC 8216 §4.2). */
export function parseAttributeList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Z0-9-]+)=("[^"]*"|[^,]*)(?:,|$)/g;
  for (const m of text.matchAll(re)) {
    const raw = m[2] ?? '';
    out[m[1] as string] = raw.startsWith('"') ? raw.slice(1, -1) : raw;
  }
  return out;
}

function playlistLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

function tagValue(line: string): string {
  return line.slice(line.indexOf(':') + 1);
}

function nextUri(lines: readonly string[], from: number): string | undefined {
  for (let j = from + 1; j < lines.length; j++) {
    const l = lines[j] as string;
    if (!l.startsWith('#')) return l;
    if (l.startsWith('#EXT-X-STREAM-INF:')) return undefined;
  }
  return undefined;
}
