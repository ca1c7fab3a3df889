/**
 * The packager: turns the clear fMP4 HLS that ffmpeg wrote into a scratch directory into what
 * object storage holds (DESIGN §3–§5; docs/formats.md, "Standard HLS encryption" and "Private
 * segment format"). The transcoding worker calls `packageRendition` once per rendition, then
 * `packageMaster`, then deletes the scratch directory.
 *
 * Guarantees:
 * - Encrypted schemes write only ciphertext segments: a segment is read, encrypted in memory and
 *   put; its clear bytes never reach the store. The init segment (codec configuration, no media
 *   samples) stays clear — HLS players need it so (`EXT-X-MAP` before `EXT-X-KEY`).
 * - Key bytes are never written anywhere: period keys are derived from the data key in memory,
 *   imported as non-extractable CryptoKeys, and the raw bytes wiped. Errors never carry keys.
 * - The playlist is written last, so a failure part-way leaves objects that nothing references;
 *   the caller deletes `outputPrefix` before retrying (or leaves it: a retry overwrites it).
 *
 * Storage layout under `outputPrefix` (e.g. `videos/<id>/hls/<rendition>/`):
 *   index.m3u8, init.mp4, seg_00000.m4s … (clear and AES-128) or seg_00000.svs … (private)
 */
import { readFile } from 'node:fs/promises';
import {
  PRIVATE_HLS_KEY_METHOD,
  PRIVATE_SEGMENT_EXTENSION,
  aes128SegmentIv,
  deriveSegmentKey,
  encryptAes128Segment,
  encryptPrivateSegment,
  formatHlsIv,
  importAes128SegmentKey,
  importPrivateSegmentKey,
  keyPeriodForSegment,
  type SegmentScheme,
} from '@securevod/crypto';
import type { ObjectStore } from '../storage/object-store.js';
import { buildMediaPlaylist, rewriteMasterPlaylist, type MediaPlaylistSegment } from './playlist-writer.js';

export type PackagingScheme = 'none' | SegmentScheme;

/** One rendition as ffmpeg left it (`HlsRenditionOutput` from `readHlsOutput` fits). */
export interface ClearRendition {
  /** Stored rendition name; part of the key derivation and of the private AAD. */
  readonly name: string;
  /** ffmpeg's media playlist; read for `EXT-X-INDEPENDENT-SEGMENTS` and checked to be clear. */
  readonly playlistPath: string;
  readonly initPath: string;
  /** In playlist order; index i gets media sequence number i. */
  readonly segments: ReadonlyArray<{ readonly path: string; readonly durationSeconds: number }>;
}

export interface PackageRenditionOptions {
  readonly store: ObjectStore;
  /** The video's 32-byte data key (plaintext, from the KMS). Required unless `scheme` is none. */
  readonly dataKey?: Uint8Array;
  /**
   * A customer-managed 16-byte AES-128 key used as is for every segment (SubmitTranscodeJobs
   * `EncryptConfig`: the customer's key service serves it at their DecryptKeyUri). Replaces
   * `dataKey` derivation; aes-128 only.
   */
  readonly fixedKey?: Uint8Array;
  readonly videoId: string;
  readonly rendition: ClearRendition;
  readonly scheme: PackagingScheme;
  /** Segments per key period; 0 = one period for the whole rendition. */
  readonly keyRotationSegments: number;
  /** The URI written in the playlist for a key period's key. Required unless `scheme` is none. */
  readonly keyUri?: (period: number) => string;
  /** Ends with `/`, e.g. `videos/<id>/hls/<rendition>/`. */
  readonly outputPrefix: string;
  /** Segments encrypted and uploaded at once. Default 4. */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  /** After each stored segment. */
  readonly onProgress?: (progress: { readonly segmentsDone: number; readonly segmentCount: number }) => void;
}

export interface PackagedRendition {
  readonly playlistKey: string;
  readonly initKey: string;
  readonly segmentCount: number;
  /** Bytes stored for this rendition: playlist + init + segments. */
  readonly bytes: number;
  /** Key periods used; 0 for a clear rendition. */
  readonly periods: number;
  readonly durationSeconds: number;
}

export class PackagerError extends Error {
  override readonly name = 'PackagerError';
  readonly code = 'InvalidArgument';
}

export const MEDIA_PLAYLIST_NAME = 'index.m3u8';
export const INIT_SEGMENT_NAME = 'init.mp4';
export const PLAYLIST_CONTENT_TYPE = 'application/vnd.apple.mpegurl';
const DEFAULT_CONCURRENCY = 4;

/** Stored file name of segment `index` for `scheme`. */
export function segmentFileName(index: number, scheme: PackagingScheme): string {
  const extension = scheme === 'aes-256-gcm' ? PRIVATE_SEGMENT_EXTENSION : '.m4s';
  return `seg_${String(index).padStart(5, '0')}${extension}`;
}

export async function packageRendition(opts: PackageRenditionOptions): Promise<PackagedRendition> {
  const { store, rendition, scheme, outputPrefix, signal } = opts;
  checkOptions(opts);
  const sourcePlaylist = await readFile(rendition.playlistPath, 'utf8');
  checkSourcePlaylist(sourcePlaylist, rendition.playlistPath);
  const segmentCount = rendition.segments.length;
  const periods = scheme === 'none' ? 0 : keyPeriodForSegment(segmentCount - 1, opts.keyRotationSegments) + 1;
  const keys = segmentKeys(scheme, opts.fixedKey, opts.dataKey, opts.videoId, rendition.name);

  let bytes = 0;
  const initKey = outputPrefix + INIT_SEGMENT_NAME;
  signal?.throwIfAborted();
  bytes += (await store.put(initKey, await readFile(rendition.initPath), { contentType: 'video/mp4' })).size;

  const entries: MediaPlaylistSegment[] = new Array<MediaPlaylistSegment>(segmentCount);
  let segmentsDone = 0;
  const packOne = async (index: number): Promise<void> => {
    const source = rendition.segments[index]!;
    const uri = segmentFileName(index, scheme);
    const clear = await readFile(source.path);
    signal?.throwIfAborted();
    const { body, entry } = await sealSegment(
      { keys, scheme, keyRotationSegments: opts.keyRotationSegments, keyUri: opts.keyUri },
      {
        videoId: opts.videoId,
        rendition: rendition.name,
        index,
        uri,
        durationSeconds: source.durationSeconds,
      },
      clear,
    );
    const contentType = segmentContentType(scheme);
    // Read the size first: `bytes += await …` would read `bytes` before the await and lose the
    // other concurrent tasks' additions.
    const { size } = await store.put(outputPrefix + uri, body, { contentType });
    bytes += size;
    entries[index] = entry;
    segmentsDone++;
    opts.onProgress?.({ segmentsDone, segmentCount });
  };
  await runPool(segmentCount, opts.concurrency ?? DEFAULT_CONCURRENCY, packOne, signal);

  const playlist = buildMediaPlaylist({
    initUri: INIT_SEGMENT_NAME,
    segments: entries,
    independentSegments: /^#EXT-X-INDEPENDENT-SEGMENTS\s*$/m.test(sourcePlaylist),
    privateContext:
      scheme === 'aes-256-gcm' ? { videoId: opts.videoId, rendition: rendition.name } : undefined,
  });
  const playlistKey = outputPrefix + MEDIA_PLAYLIST_NAME;
  signal?.throwIfAborted();
  bytes += (
    await store.put(playlistKey, new TextEncoder().encode(playlist), { contentType: PLAYLIST_CONTENT_TYPE })
  ).size;

  return {
    playlistKey,
    initKey,
    segmentCount,
    bytes,
    periods,
    durationSeconds: rendition.segments.reduce((sum, s) => sum + s.durationSeconds, 0),
  };
}

/** Where a rendition's segment keys come from: a fixed customer key, or derived per period. */
export interface SegmentKeySource {
  get(period: number): Promise<CryptoKey>;
}

/** The key source for one rendition; undefined for a clear one. */
export function segmentKeys(
  scheme: PackagingScheme,
  fixedKey: Uint8Array | undefined,
  dataKey: Uint8Array | undefined,
  videoId: string,
  rendition: string,
): SegmentKeySource | undefined {
  if (scheme === 'none') return undefined;
  return fixedKey ? new FixedKey(fixedKey) : new PeriodKeys(dataKey!, videoId, rendition, scheme);
}

export function segmentContentType(scheme: PackagingScheme): string {
  return scheme === 'aes-256-gcm' ? 'application/octet-stream' : 'video/iso.segment';
}

/**
 * Encrypts one clear segment for storage and returns its playlist entry. Shared by
 * `packageRendition` (segments read from files) and the streaming packager (segments as ffmpeg
 * PUTs them). Both ciphers run through WebCrypto, whose AES jobs run on the libuv thread pool,
 * so a large segment does not hold the event loop. The clear bytes are wiped once sealed.
 */
export async function sealSegment(
  how: {
    readonly keys: SegmentKeySource | undefined;
    readonly scheme: PackagingScheme;
    readonly keyRotationSegments: number;
    readonly keyUri: ((period: number) => string) | undefined;
  },
  segment: {
    readonly videoId: string;
    readonly rendition: string;
    readonly index: number;
    readonly uri: string;
    readonly durationSeconds: number;
    /** Traced renditions: which variant this is (private nonces differ by it; formats.md). */
    readonly variant?: 'a' | 'b';
  },
  clear: Uint8Array,
): Promise<{ body: Uint8Array; entry: MediaPlaylistSegment }> {
  const { keys, scheme } = how;
  const { index } = segment;
  const entry: MediaPlaylistSegment = { uri: segment.uri, durationSeconds: segment.durationSeconds };
  if (!keys) return { body: clear, entry };
  const period = keyPeriodForSegment(index, how.keyRotationSegments);
  const key = await keys.get(period);
  const keyUri = how.keyUri!(period);
  try {
    if (scheme === 'aes-128') {
      const iv = await aes128SegmentIv(key, index);
      const body = await encryptAes128Segment(key, iv, clear);
      return { body, entry: { ...entry, key: { method: 'AES-128', uri: keyUri, iv: formatHlsIv(iv) } } };
    }
    const context = { videoId: segment.videoId, rendition: segment.rendition, segmentIndex: index };
    const body = await encryptPrivateSegment(
      key,
      clear,
      context,
      segment.variant ? { variant: segment.variant } : undefined,
    );
    return { body, entry: { ...entry, key: { method: PRIVATE_HLS_KEY_METHOD, uri: keyUri } } };
  } finally {
    clear.fill(0);
  }
}

export interface PackageMasterOptions {
  readonly store: ObjectStore;
  /** ffmpeg's master.m3u8. */
  readonly masterPath: string;
  /** Where the master goes, e.g. `videos/<id>/hls/master.m3u8`. */
  readonly outputKey: string;
  /**
   * Every variant of the master: `sourceUri` as ffmpeg wrote it (`HlsRenditionOutput.uri`), `uri`
   * relative to `outputKey`, e.g. `hd/index.m3u8`.
   */
  readonly variants: ReadonlyArray<{ readonly sourceUri: string; readonly uri: string }>;
}

/**
 * Stores ffmpeg's master playlist with the variant URIs rewritten to the stored layout. Call it
 * after every `packageRendition` has resolved, so the master never names a missing playlist.
 */
export async function packageMaster(
  opts: PackageMasterOptions,
): Promise<{ playlistKey: string; bytes: number }> {
  return storeMaster({ ...opts, masterText: await readFile(opts.masterPath, 'utf8') });
}

/** `packageMaster` with ffmpeg's master playlist already in memory (`masterText`). */
export async function storeMaster(
  opts: Omit<PackageMasterOptions, 'masterPath'> & { readonly masterText: string },
): Promise<{ playlistKey: string; bytes: number }> {
  const uris = new Map<string, string>();
  for (const v of opts.variants) {
    if (uris.has(v.sourceUri)) throw new PackagerError(`Variant ${v.sourceUri} is listed twice.`);
    uris.set(v.sourceUri, v.uri);
  }
  const text = rewriteMasterPlaylist(opts.masterText, uris);
  const { size } = await opts.store.put(opts.outputKey, new TextEncoder().encode(text), {
    contentType: PLAYLIST_CONTENT_TYPE,
  });
  return { playlistKey: opts.outputKey, bytes: size };
}

/**
 * Derives each period's key once, on first use, and keeps it only as a non-extractable CryptoKey.
 * Segments are packaged concurrently, so the in-flight promise is shared.
 */
class FixedKey implements SegmentKeySource {
  private key: Promise<CryptoKey> | undefined;
  constructor(private readonly raw: Uint8Array) {}
  get(): Promise<CryptoKey> {
    this.key ??= importAes128SegmentKey(this.raw);
    return this.key;
  }
}

class PeriodKeys implements SegmentKeySource {
  private readonly keys = new Map<number, Promise<CryptoKey>>();
  constructor(
    private readonly dataKey: Uint8Array,
    private readonly videoId: string,
    private readonly rendition: string,
    private readonly scheme: SegmentScheme,
  ) {}

  get(period: number): Promise<CryptoKey> {
    let key = this.keys.get(period);
    if (!key) {
      key = this.derive(period);
      this.keys.set(period, key);
    }
    return key;
  }

  private async derive(period: number): Promise<CryptoKey> {
    const { videoId, rendition, scheme } = this;
    const raw = await deriveSegmentKey(this.dataKey, { videoId, rendition, period, scheme });
    try {
      return scheme === 'aes-128' ? await importAes128SegmentKey(raw) : await importPrivateSegmentKey(raw);
    } finally {
      raw.fill(0);
    }
  }
}

function checkOptions(opts: PackageRenditionOptions): void {
  const { scheme, rendition } = opts;
  if (scheme !== 'none' && scheme !== 'aes-128' && scheme !== 'aes-256-gcm') {
    throw new PackagerError(`Unknown packaging scheme ${JSON.stringify(scheme)}.`);
  }
  if (opts.fixedKey && (scheme !== 'aes-128' || opts.fixedKey.length !== 16)) {
    throw new PackagerError('A fixed (customer-managed) key must be 16 bytes and used with aes-128.');
  }
  if (scheme !== 'none' && (!(opts.dataKey || opts.fixedKey) || !opts.keyUri)) {
    throw new PackagerError(`Packaging with ${scheme} needs a data key and a key URI function.`);
  }
  if (!Number.isInteger(opts.keyRotationSegments) || opts.keyRotationSegments < 0) {
    throw new PackagerError(
      `keyRotationSegments must be a non-negative integer; got ${opts.keyRotationSegments}.`,
    );
  }
  if (rendition.segments.length === 0)
    throw new PackagerError(`Rendition ${rendition.name} has no segments.`);
  if (!opts.outputPrefix.endsWith('/')) {
    throw new PackagerError(`outputPrefix must end with "/"; got ${JSON.stringify(opts.outputPrefix)}.`);
  }
  const c = opts.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(c) || c < 1)
    throw new PackagerError(`concurrency must be a positive integer; got ${c}.`);
}

/**
 * The packager re-encrypts whole files listed by the playlist; a source that is already encrypted
 * or uses byte ranges (one file, many segments) would come out wrong, so it is refused.
 */
export function checkSourcePlaylist(text: string, path: string): void {
  const keyTags = text.split(/\r?\n/).filter((line) => line.trim().startsWith('#EXT-X-KEY:'));
  if (keyTags.some((line) => !/[:,]METHOD=NONE(,|\s*$)/.test(line))) {
    throw new PackagerError(`${path} is already encrypted; the packager needs clear segments.`);
  }
  if (/^#EXT-X-BYTERANGE:/m.test(text)) {
    throw new PackagerError(`${path} uses byte ranges; the packager needs one file per segment.`);
  }
}

/** Runs `task(0..count-1)` with at most `limit` in flight; the first failure stops new starts. */
async function runPool(
  count: number,
  limit: number,
  task: (index: number) => Promise<void>,
  signal: AbortSignal | undefined,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < count) {
      signal?.throwIfAborted();
      const index = next++;
      try {
        await task(index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  // allSettled, not all: the caller may delete the output prefix on failure, so no put may still
  // be in flight when this rejects.
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, count) }, worker));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}
