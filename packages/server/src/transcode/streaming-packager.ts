/**
 * Packaging while ffmpeg encodes (issue 12 item 2, output side): ffmpeg PUTs its fMP4 HLS output
 * to an in-process loopback sink (`hls-upload-sink.ts`); each segment is encrypted in memory as
 * it arrives and stored under the rendition's prefix. When ffmpeg has exited, the final
 * playlists it PUT give the durations and the order; the media playlists and the master are
 * then written, last, as `packageRendition` and `packageMaster` do for files on disk.
 *
 * Same output as the file-based packager (same key derivation, IVs, AAD, names and playlists:
 * docs/formats.md), with these guarantees:
 * - No clear segment or playlist touches the worker's disk: bodies live in memory from the
 *   socket to the cipher, and the clear buffer is wiped once sealed.
 * - Any failure (ffmpeg's, a refused or cut-off upload, encryption, storage) aborts ffmpeg
 *   and rejects only once every started store write has settled, so the caller can delete the
 *   job prefix knowing nothing will be written into it afterwards.
 * - The result is checked against ffmpeg's final playlists: every listed segment was received
 *   and stored under its media sequence number, and nothing else was.
 */
import { HlsPlaylistError, parseMediaPlaylist, tracedVariantName } from '@securevod/ffmpeg';
import { createHash } from 'node:crypto';
import { keyPeriodForSegment } from '@securevod/crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ObjectStore } from '../storage/object-store.js';
import { openHlsUploadSink } from './hls-upload-sink.js';
import {
  INIT_SEGMENT_NAME,
  MEDIA_PLAYLIST_NAME,
  PLAYLIST_CONTENT_TYPE,
  PackagerError,
  checkSourcePlaylist,
  sealSegment,
  segmentContentType,
  segmentFileName,
  segmentKeys,
  storeMaster,
  type PackagedRendition,
  type PackagingScheme,
  type SegmentKeySource,
} from './packager.js';
import { buildMediaPlaylist, type MediaPlaylistSegment } from './playlist-writer.js';

export interface StreamedRendition {
  /** The variant name in ffmpeg's plan: its directory under the sink. */
  readonly name: string;
  /** Stored rendition name (the stream ID): part of the key derivation and the private AAD. */
  readonly storedName: string;
  readonly scheme: PackagingScheme;
  /** Segments per key period; 0 = one period. */
  readonly keyRotationSegments: number;
  /** Customer-managed 16-byte AES-128 key, used as is (see `PackageRenditionOptions.fixedKey`). */
  readonly fixedKey?: Uint8Array;
  readonly keyUri?: (period: number) => string;
  /** Ends with `/`. */
  readonly outputPrefix: string;
  /**
   * Leak tracing: ffmpeg writes this rendition twice (`tracedVariantName(name, 'a' | 'b')`).
   * Stored as `init.mp4` (the variants' init segments must be byte-identical), `a/seg_N…`,
   * `b/seg_N…`, and `index.m3u8` naming the `a/` paths (docs/tracing.md, storage layout).
   */
  readonly traced?: boolean;
}

export interface EncodeAndPackageOptions<T> {
  readonly store: ObjectStore;
  /** The video's data key; required when a rendition is encrypted without a `fixedKey`. */
  readonly dataKey?: Uint8Array;
  readonly videoId: string;
  readonly renditions: readonly StreamedRendition[];
  /** Where the master playlist goes; variant URIs become `<name>/index.m3u8` relative to it. */
  readonly masterKey: string;
  /**
   * Runs ffmpeg with `outputUrl` as its HLS output (`buildHlsLadderArgs({ outputUrl })`) and
   * settles when it has exited. `signal` fires when packaging fails: ffmpeg must then be killed.
   */
  readonly encode: (outputUrl: string, signal: AbortSignal) => Promise<T>;
  readonly signal?: AbortSignal;
  /** How long, after ffmpeg exits, uploads it already sent may take to arrive. Default 10 s. */
  readonly settleTimeoutMs?: number;
}

export interface EncodeAndPackageResult<T> {
  /** By `StreamedRendition.name`. */
  readonly renditions: ReadonlyMap<string, PackagedRendition>;
  readonly masterKey: string;
  /** What `encode` resolved with. */
  readonly encoded: T;
}

const SEGMENT_RE = /^seg_(\d{5,})\.m4s$/;
const INIT_RE = /^init_[A-Za-z0-9_-]+\.mp4$/;

/** What the two variants of a traced rendition share: the init segment, stored once. */
interface TracedPair {
  initDigest?: string;
}

interface RenditionState {
  readonly spec: StreamedRendition;
  /** Traced renditions: which variant this sink directory holds. */
  readonly variant?: 'a' | 'b';
  readonly pair?: TracedPair;
  /** The directory ffmpeg writes under (`spec.name`, or its variant's name). */
  readonly sinkName: string;
  readonly keys: SegmentKeySource | undefined;
  initFile?: string;
  initBytes: number;
  /** Media file names whose upload has begun. */
  readonly started: Set<string>;
  /** Received file name → media sequence number. */
  readonly received: Map<string, number>;
  /** By media sequence number. */
  readonly stored: Map<number, { entry: MediaPlaylistSegment; bytes: number }>;
}

export async function encodeAndPackage<T>(
  opts: EncodeAndPackageOptions<T>,
): Promise<EncodeAndPackageResult<T>> {
  const { store, videoId } = opts;
  const states = new Map<string, RenditionState>();
  for (const spec of opts.renditions) {
    checkRendition(spec, opts.dataKey);
    const keys = segmentKeys(spec.scheme, spec.fixedKey, opts.dataKey, videoId, spec.storedName);
    const fresh = (sinkName: string, variant?: 'a' | 'b', pair?: TracedPair): RenditionState => ({
      spec,
      variant,
      pair,
      sinkName,
      keys,
      initBytes: 0,
      started: new Set(),
      received: new Map(),
      stored: new Map(),
    });
    if (spec.traced) {
      // One key source for both variants: A and B of a segment share its period key
      // (private nonces differ by construction: sealSegment's `variant`).
      const pair: TracedPair = {};
      for (const v of ['a', 'b'] as const) {
        const sinkName = tracedVariantName(spec.name, v);
        states.set(sinkName, fresh(sinkName, v, pair));
      }
    } else {
      states.set(spec.name, fresh(spec.name));
    }
  }

  const failed = new AbortController();
  let failure: Error | undefined;
  const fail = (error: Error): void => {
    failure ??= error;
    failed.abort(error);
  };
  // The job's own abort is not a packaging failure: ffmpeg's `Aborted` error is what the caller sees.
  const onJobAbort = (): void => failed.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onJobAbort, { once: true });

  const onMedia = async (path: string, body: Buffer): Promise<void> => {
    if (failed.signal.aborted) return;
    const slash = path.indexOf('/');
    const state = slash > 0 ? states.get(path.slice(0, slash)) : undefined;
    const file = path.slice(slash + 1);
    if (!state) throw new PackagerError(`ffmpeg wrote ${path}, which belongs to no rendition`);
    const { spec } = state;
    // ffmpeg sends each media file once. A second upload of a path can only come from another
    // local process that read the sink URL from ffmpeg's command line: fail rather than choose.
    const secondInit = INIT_RE.test(file) && [...state.started].some((f) => INIT_RE.test(f));
    if (state.started.has(file) || secondInit) throw new PackagerError(`${path} was uploaded twice`);
    state.started.add(file);
    if (INIT_RE.test(file)) {
      // Codec configuration only, no samples: stored clear, as players need it (EXT-X-MAP).
      state.initFile = file;
      if (state.pair) {
        // Both variants come from identically configured encoders, so their init segments are
        // byte-identical; one stored copy serves both. Anything else would make a sequence
        // mixing A and B undecodable: fail.
        const digest = createHash('sha256').update(body).digest('hex');
        if (state.pair.initDigest !== undefined) {
          if (state.pair.initDigest !== digest) {
            throw new PackagerError(`the A and B init segments of ${spec.name} differ`);
          }
          return;
        }
        state.pair.initDigest = digest;
      }
      state.initBytes = (
        await store.put(spec.outputPrefix + INIT_SEGMENT_NAME, body, { contentType: 'video/mp4' })
      ).size;
      return;
    }
    const match = SEGMENT_RE.exec(file);
    if (!match) throw new PackagerError(`ffmpeg wrote ${path}, which is neither an init nor a media segment`);
    // hlsenc numbers VOD segments from 0 = EXT-X-MEDIA-SEQUENCE 0: the number is the index the
    // IV and the AAD depend on. The final playlist is checked against it.
    const index = Number(match[1]);
    const uri = (state.variant ? `${state.variant}/` : '') + segmentFileName(index, spec.scheme);
    const { body: sealed, entry } = await sealSegment(
      {
        keys: state.keys,
        scheme: spec.scheme,
        keyRotationSegments: spec.keyRotationSegments,
        keyUri: spec.keyUri,
      },
      { videoId, rendition: spec.storedName, index, uri, durationSeconds: 0, variant: state.variant },
      body,
    );
    if (failed.signal.aborted) return;
    const { size } = await store.put(spec.outputPrefix + uri, sealed, {
      contentType: segmentContentType(spec.scheme),
    });
    state.received.set(file, index);
    state.stored.set(index, { entry, bytes: size });
  };

  const sink = await openHlsUploadSink({ onMedia, onError: fail });
  let encoded: T;
  try {
    try {
      encoded = await opts.encode(sink.baseUrl, failed.signal);
    } catch (error) {
      throw failure ?? error;
    }
    await settle(sink, states, opts.settleTimeoutMs ?? 10_000, failed.signal);
    if (failure) throw failure;

    const renditions = new Map<string, PackagedRendition>();
    for (const spec of opts.renditions) {
      const own = [...states.values()].filter((s) => s.spec === spec);
      renditions.set(
        spec.name,
        await finishRendition(
          store,
          videoId,
          own.map((state) => ({ state, playlistText: sink.playlist(playlistPath(state))! })),
        ),
      );
    }
    await storeMaster({
      store,
      // The B variants are not renditions a player may choose: the master names A's playlist
      // (stored as the rendition's index.m3u8), and the media role picks A or B per segment.
      masterText: dropVariants(
        sink.playlist('master.m3u8')!,
        [...states.values()].filter((s) => s.variant === 'b').map(playlistPath),
      ),
      outputKey: opts.masterKey,
      variants: [...states.values()]
        .filter((s) => s.variant !== 'b')
        .map((s) => ({
          sourceUri: playlistPath(s),
          uri: `${s.spec.name}/${MEDIA_PLAYLIST_NAME}`,
        })),
    });
    return { renditions, masterKey: opts.masterKey, encoded };
  } finally {
    opts.signal?.removeEventListener('abort', onJobAbort);
    // Stop accepting and wait until every started store write has settled (on failure, the
    // caller deletes the prefix next).
    await sink.close();
  }
}

const playlistPath = (state: RenditionState): string => `${state.sinkName}/${MEDIA_PLAYLIST_NAME}`;

/** ffmpeg's master without the `EXT-X-STREAM-INF` entries of `uris`. */
function dropVariants(master: string, uris: readonly string[]): string {
  if (uris.length === 0) return master;
  const lines = master.split(/\r?\n/);
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('#EXT-X-STREAM-INF:') && uris.includes((lines[i + 1] ?? '').trim())) {
      i++;
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

/**
 * Waits until ffmpeg's last uploads have been received and stored: its connections may still
 * be queued when its exit is seen. Done when the master and every media playlist have arrived,
 * each playlist is final (`EXT-X-ENDLIST`) and every segment it lists is stored.
 */
async function settle(
  sink: { idle(): Promise<void>; playlist(path: string): string | undefined },
  states: ReadonlyMap<string, RenditionState>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await sink.idle();
    signal.throwIfAborted();
    const missing = missingOutput(sink, states);
    if (missing === undefined) return;
    if (Date.now() > deadline) {
      throw new PackagerError(`ffmpeg exited but its output is incomplete: ${missing} never arrived`);
    }
    await sleep(10);
  }
}

function missingOutput(
  sink: { playlist(path: string): string | undefined },
  states: ReadonlyMap<string, RenditionState>,
): string | undefined {
  if (sink.playlist('master.m3u8') === undefined) return 'master.m3u8';
  for (const state of states.values()) {
    const path = playlistPath(state);
    const text = sink.playlist(path);
    if (text === undefined || !/^#EXT-X-ENDLIST\s*$/m.test(text)) return `the final ${path}`;
    if (state.initFile === undefined) return `the init segment of ${state.sinkName}`;
    const listed = parseMediaPlaylist(text).segments;
    const absent = listed.find((s) => !state.received.has(s.uri));
    if (absent) return `${state.sinkName}/${absent.uri}`;
  }
  return undefined;
}

/**
 * Checks one rendition against ffmpeg's final playlist(s) and writes its media playlist. A
 * traced rendition has two (A then B): they must list the same number of segments with the same
 * durations, so any sequence of A and B segments plays seamlessly; the playlist names A's.
 */
async function finishRendition(
  store: ObjectStore,
  videoId: string,
  variants: ReadonlyArray<{ state: RenditionState; playlistText: string }>,
): Promise<PackagedRendition> {
  const { spec } = variants[0]!.state;
  let bytes = 0;
  const perVariant = variants.map(({ state, playlistText }) => {
    const checked = checkVariant(state, playlistText);
    bytes += checked.bytes;
    return checked;
  });
  bytes += variants[0]!.state.initBytes + (variants[1]?.state.initBytes ?? 0);
  const [first, second] = perVariant as [ReturnType<typeof checkVariant>, ReturnType<typeof checkVariant>?];
  if (second) {
    const same =
      second.entries.length === first.entries.length &&
      second.entries.every((e, i) => Math.abs(e.durationSeconds - first.entries[i]!.durationSeconds) < 1e-6);
    if (!same) {
      throw new PackagerError(`the A and B variants of ${spec.name} were cut into different segments`);
    }
  }
  const playlist = buildMediaPlaylist({
    initUri: INIT_SEGMENT_NAME,
    segments: first.entries,
    independentSegments: first.independent,
    privateContext: spec.scheme === 'aes-256-gcm' ? { videoId, rendition: spec.storedName } : undefined,
  });
  const playlistKey = spec.outputPrefix + MEDIA_PLAYLIST_NAME;
  bytes += (
    await store.put(playlistKey, new TextEncoder().encode(playlist), { contentType: PLAYLIST_CONTENT_TYPE })
  ).size;
  const segmentCount = first.entries.length;
  return {
    playlistKey,
    initKey: spec.outputPrefix + INIT_SEGMENT_NAME,
    segmentCount,
    bytes,
    periods: spec.scheme === 'none' ? 0 : keyPeriodForSegment(segmentCount - 1, spec.keyRotationSegments) + 1,
    durationSeconds: first.entries.reduce((sum, s) => sum + s.durationSeconds, 0),
  };
}

function checkVariant(
  state: RenditionState,
  playlistText: string,
): { entries: MediaPlaylistSegment[]; bytes: number; independent: boolean } {
  const path = playlistPath(state);
  checkSourcePlaylist(playlistText, path);
  const media = parseMediaPlaylist(playlistText);
  if (media.mapUri !== state.initFile) {
    throw new HlsPlaylistError(`${path} maps ${String(media.mapUri)}, not the init segment ffmpeg sent`);
  }
  if (media.segments.length === 0) throw new PackagerError(`Rendition ${state.sinkName} has no segments.`);
  if (media.segments.length !== state.received.size) {
    throw new PackagerError(
      `${path} lists ${media.segments.length} segments; ${state.received.size} arrived`,
    );
  }
  let bytes = 0;
  const entries = media.segments.map((s, position): MediaPlaylistSegment => {
    const index = state.received.get(s.uri);
    if (index !== position || s.sequence !== position) {
      throw new PackagerError(`${path}: ${s.uri} is listed at position ${position}, not as segment ${index}`);
    }
    const stored = state.stored.get(index)!;
    bytes += stored.bytes;
    return { ...stored.entry, durationSeconds: s.durationSeconds };
  });
  return { entries, bytes, independent: /^#EXT-X-INDEPENDENT-SEGMENTS\s*$/m.test(playlistText) };
}

function checkRendition(spec: StreamedRendition, dataKey: Uint8Array | undefined): void {
  const { scheme } = spec;
  if (scheme !== 'none' && scheme !== 'aes-128' && scheme !== 'aes-256-gcm') {
    throw new PackagerError(`Unknown packaging scheme ${JSON.stringify(scheme)}.`);
  }
  if (spec.fixedKey && (scheme !== 'aes-128' || spec.fixedKey.length !== 16)) {
    throw new PackagerError('A fixed (customer-managed) key must be 16 bytes and used with aes-128.');
  }
  if (scheme !== 'none' && (!(dataKey || spec.fixedKey) || !spec.keyUri)) {
    throw new PackagerError(`Packaging with ${scheme} needs a data key and a key URI function.`);
  }
  if (!Number.isInteger(spec.keyRotationSegments) || spec.keyRotationSegments < 0) {
    throw new PackagerError(
      `keyRotationSegments must be a non-negative integer; got ${spec.keyRotationSegments}.`,
    );
  }
  if (!spec.outputPrefix.endsWith('/')) {
    throw new PackagerError(`outputPrefix must end with "/"; got ${JSON.stringify(spec.outputPrefix)}.`);
  }
}
