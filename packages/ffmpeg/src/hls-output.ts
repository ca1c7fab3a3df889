import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { HLS_MASTER_PLAYLIST } from './hls-ladder-args.js';
import { HlsPlaylistError, parseMasterPlaylist, parseMediaPlaylist } from './hls-playlist-parser.js';

export interface HlsSegmentFile {
  /** URI as written in the playlist (relative to the playlist). */
  uri: string;
  /** Absolute path of the file. */
  path: string;
  durationSeconds: number;
  /** Media sequence number. */
  sequence: number;
  sizeBytes: number;
}

export interface HlsRenditionOutput {
  /** Variant directory name (e.g. "hd"), the `name` of the rendition in the plan. */
  name: string;
  /** Variant playlist URI as written in the master (e.g. "hd/index.m3u8"). */
  uri: string;
  playlistPath: string;
  initPath: string;
  initSizeBytes: number;
  /** From the master playlist's EXT-X-STREAM-INF, in bits/s. */
  bandwidth: number;
  averageBandwidth?: number;
  resolution?: { width: number; height: number };
  codecs?: string;
  targetDurationSeconds: number;
  totalDurationSeconds: number;
  segments: HlsSegmentFile[];
}

export interface HlsOutput {
  masterPath: string;
  renditions: HlsRenditionOutput[];
}

/**
 * Reads what `buildHlsLadderArgs` + `runFfmpeg` left in `outputDir`, by following the playlists
 * (master → variant playlists → EXT-X-MAP and segments) rather than assuming file names. Used by
 * the packager to know which files to encrypt, in which order, with which durations.
 *
 * Rejects with `HlsPlaylistError` when a playlist is malformed, has no init segment (we only
 * produce fMP4), or points outside `outputDir`; with the fs error when a listed file is missing.
 */
export async function readHlsOutput(outputDir: string): Promise<HlsOutput> {
  const root = resolve(outputDir);
  const masterPath = join(root, HLS_MASTER_PLAYLIST);
  const variants = parseMasterPlaylist(await readFile(masterPath, 'utf8'));
  if (variants.length === 0) throw new HlsPlaylistError(`${HLS_MASTER_PLAYLIST} lists no variants`);

  const renditions: HlsRenditionOutput[] = [];
  for (const variant of variants) {
    const playlistPath = inside(root, resolve(root, variant.uri));
    const playlistDir = dirname(playlistPath);
    const media = parseMediaPlaylist(await readFile(playlistPath, 'utf8'));
    if (!media.mapUri) throw new HlsPlaylistError(`${variant.uri} has no EXT-X-MAP (not an fMP4 playlist)`);
    if (!media.endList) throw new HlsPlaylistError(`${variant.uri} is not finished (no EXT-X-ENDLIST)`);
    const initPath = inside(root, resolve(playlistDir, media.mapUri));

    const segments: HlsSegmentFile[] = [];
    for (const s of media.segments) {
      const path = inside(root, resolve(playlistDir, s.uri));
      segments.push({ ...s, path, sizeBytes: (await stat(path)).size });
    }
    const rendition: HlsRenditionOutput = {
      name: relative(root, playlistDir).split(sep).join('/'),
      uri: variant.uri,
      playlistPath,
      initPath,
      initSizeBytes: (await stat(initPath)).size,
      bandwidth: variant.bandwidth,
      targetDurationSeconds: media.targetDurationSeconds,
      totalDurationSeconds: segments.reduce((sum, s) => sum + s.durationSeconds, 0),
      segments,
    };
    if (variant.averageBandwidth !== undefined) rendition.averageBandwidth = variant.averageBandwidth;
    if (variant.resolution) rendition.resolution = variant.resolution;
    if (variant.codecs) rendition.codecs = variant.codecs;
    renditions.push(rendition);
  }
  return { masterPath, renditions };
}

/** Playlists are our own output, but a path escaping the scratch dir must never be followed. */
function inside(root: string, path: string): string {
  const rel = relative(root, normalize(path));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new HlsPlaylistError(`playlist entry points outside the output directory: ${path}`);
  }
  return path;
}
