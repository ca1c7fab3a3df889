/**
 * Where each movie fragment of an offline package's fMP4 lies, in bytes and in seconds, so the
 * offline player can append from the right fragment after a seek (and drop old ones). The fMP4 is
 * the server's rendition as written by ffmpeg's HLS muxer: `ftyp moov` (the init segment), then per
 * segment `styp sidx… moof mdat`. A fragment here is a `moof` through the end of the `mdat` after
 * it; `styp`/`sidx`/`free` between fragments are skipped (MSE does not need them).
 *
 * Times come from each track's tfdt (baseMediaDecodeTime) and the trun sample durations; without
 * a tfdt, from the running sum of the durations before it. A fragment's times are its video
 * track's (its audio may begin a few milliseconds earlier); audio-only fragments span their tracks.
 *
 * The reader is random access over decrypted plaintext (`plaintext-reader.ts`); reading a box
 * header decrypts the 1 MiB chunk that holds it, so a full scan decrypts the package once.
 */
import {
  MAX_BOX_HEADER,
  Mp4Error,
  parseInitSegment,
  parseMoof,
  readBoxHeader,
  type Box,
  type InitSegmentInfo,
} from './mp4-boxes.js';

/** Random access to bytes: exactly `length` bytes from `offset`. */
export interface ByteReader {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface Fragment {
  /** Position in the index (0-based). */
  readonly index: number;
  /** Byte offset of the `moof` in the plaintext. */
  readonly offset: number;
  /** Bytes from the `moof` through the end of its `mdat`. */
  readonly size: number;
  /** Seconds (decode time). */
  readonly startTime: number;
  readonly endTime: number;
}

export interface InitSegment {
  /** `ftyp`… through the end of `moov`: what the SourceBuffer gets first. */
  readonly bytes: Uint8Array;
  readonly info: InitSegmentInfo;
}

/** Init segments larger than this are not what our packager writes. */
const MAX_INIT_BYTES = 16 * 1024 * 1024;
/** How far back from the end `findLastFragmentEnd` looks for the last `moof`. */
const MAX_TAIL_BYTES = 16 * 1024 * 1024;
const TAIL_STEP = 1024 * 1024;

async function boxAt(reader: ByteReader, offset: number): Promise<Box> {
  const head = await reader.read(offset, Math.min(MAX_BOX_HEADER, reader.size - offset));
  const box = readBoxHeader(head, 0, reader.size - offset);
  return { type: box.type, start: offset, body: offset + box.body, end: offset + box.end };
}

/** The init segment: every top-level box up to and including `moov`. */
export async function readInitSegment(reader: ByteReader): Promise<InitSegment> {
  let at = 0;
  while (at < reader.size) {
    const box = await boxAt(reader, at);
    if (box.type === 'moof' || box.type === 'mdat') {
      throw new Mp4Error(`The fMP4 has a ${box.type} before its moov.`);
    }
    if (box.type === 'moov') {
      if (box.end > MAX_INIT_BYTES)
        throw new Mp4Error(`The init segment is larger than ${MAX_INIT_BYTES} bytes.`);
      const bytes = await reader.read(0, box.end);
      return { bytes, info: parseInitSegment(bytes, box) };
    }
    at = box.end;
  }
  throw new Mp4Error('The fMP4 has no moov box.');
}

/**
 * Start and end (seconds) of a moof: those of its video track — fragments begin with a keyframe
 * there, which is where a seek must start — else the span of its playable tracks. `running`
 * carries each track's decode time for fragments without a tfdt.
 */
function fragmentTimes(
  moof: Uint8Array,
  box: Box,
  info: InitSegmentInfo,
  running: Map<number, number>,
): { startTime: number; endTime: number } {
  let startTime = Infinity;
  let endTime = -Infinity;
  let video: { startTime: number; endTime: number } | undefined;
  for (const traf of parseMoof(moof, box, info.tracks)) {
    const track = info.tracks.find((t) => t.id === traf.trackId);
    const base = traf.baseMediaDecodeTime ?? running.get(traf.trackId) ?? 0;
    running.set(traf.trackId, base + traf.duration);
    if (!track || track.codec === undefined || track.kind === 'other') continue;
    const start = base / track.timescale;
    const end = (base + traf.duration) / track.timescale;
    if (track.kind === 'video' && !video) video = { startTime: start, endTime: end };
    startTime = Math.min(startTime, start);
    endTime = Math.max(endTime, end);
  }
  if (video) return video;
  if (startTime === Infinity) throw new Mp4Error(`The moof at ${box.start} has no audio or video track.`);
  return { startTime, endTime };
}

/** Every fragment after the init segment (which ends at `from`), in file order. */
export async function* scanFragments(
  reader: ByteReader,
  info: InitSegmentInfo,
  from: number,
): AsyncGenerator<Fragment, void, undefined> {
  const running = new Map<number, number>();
  let at = from;
  let index = 0;
  while (at < reader.size) {
    const box = await boxAt(reader, at);
    if (box.type !== 'moof') {
      at = box.end; // styp, sidx, free, emsg, a stray mdat: not needed by MSE
      continue;
    }
    const moof = await reader.read(box.start, box.end - box.start);
    const local = { ...box, start: 0, body: box.body - box.start, end: box.end - box.start };
    const times = fragmentTimes(moof, local, info, running);
    let end = box.end;
    for (;;) {
      if (end >= reader.size) throw new Mp4Error(`The moof at ${box.start} has no mdat after it.`);
      const next = await boxAt(reader, end);
      end = next.end;
      if (next.type === 'mdat') break;
      if (next.type === 'moof') throw new Mp4Error(`The moof at ${box.start} has no mdat after it.`);
    }
    yield { index: index++, offset: box.start, size: end - box.start, ...times };
    at = end;
  }
}

/**
 * The end time (seconds) of the last fragment, found from the end of the file without scanning
 * it: the last `moof` whose `mdat` ends exactly at the end of the file. Lets the player set the
 * MediaSource duration (so the whole timeline is seekable) before the full index is built.
 * Undefined when it cannot tell (no tfdt, or the last fragment is further back than 16 MiB).
 */
export async function findLastFragmentEnd(
  reader: ByteReader,
  info: InitSegmentInfo,
  initEnd: number,
): Promise<number | undefined> {
  for (let back = TAIL_STEP; ; back += TAIL_STEP) {
    const start = Math.max(initEnd, reader.size - back);
    const tail = await reader.read(start, reader.size - start);
    for (let p = tail.length - 12; p >= 4; p--) {
      // 'moof' then its first child 'mfhd'.
      if (tail[p] !== 0x6d || tail[p + 1] !== 0x6f || tail[p + 2] !== 0x6f || tail[p + 3] !== 0x66) continue;
      if (String.fromCharCode(...tail.subarray(p + 8, p + 12)) !== 'mfhd') continue;
      const found = await lastFragmentAt(reader, info, start + p - 4);
      if (found !== undefined) return found;
    }
    if (start === initEnd || back >= MAX_TAIL_BYTES) return undefined;
  }
}

async function lastFragmentAt(
  reader: ByteReader,
  info: InitSegmentInfo,
  offset: number,
): Promise<number | undefined> {
  try {
    const box = await boxAt(reader, offset);
    if (box.type !== 'moof' || box.end >= reader.size) return undefined;
    const mdat = await boxAt(reader, box.end);
    if (mdat.type !== 'mdat' || mdat.end !== reader.size) return undefined;
    const moof = await reader.read(box.start, box.end - box.start);
    const local = { ...box, start: 0, body: box.body - box.start, end: box.end - box.start };
    const trafs = parseMoof(moof, local, info.tracks);
    if (trafs.some((t) => t.baseMediaDecodeTime === undefined)) return undefined;
    return fragmentTimes(moof, local, info, new Map()).endTime;
  } catch (error) {
    if (error instanceof Mp4Error) return undefined; // bytes that only looked like a moof
    throw error;
  }
}

/**
 * The fragment to play at `time`: the last one starting at or before it (a small tolerance for
 * rounding), or the first when `time` is before everything. -1 when there are none.
 */
export function fragmentIndexAt(fragments: readonly Fragment[], time: number): number {
  let lo = 0;
  let hi = fragments.length - 1;
  let found = fragments.length > 0 ? 0 : -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (fragments[mid]!.startTime <= time + 1e-3) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/**
 * The index as it grows: the player starts playing after the first fragment and keeps scanning in
 * the background; `onGrow` listeners hear each addition and the end.
 */
export class FragmentIndex {
  readonly fragments: Fragment[] = [];
  complete = false;
  private readonly listeners = new Set<() => void>();

  /** Consumes `scan` to the end; rejects with its error (after notifying listeners). */
  async build(scan: AsyncIterable<Fragment>, signal?: AbortSignal): Promise<void> {
    try {
      for await (const fragment of scan) {
        if (signal?.aborted) return;
        this.fragments.push(fragment);
        this.notify();
      }
      this.complete = true;
    } finally {
      this.notify();
    }
  }

  /** End of the last fragment once the index is complete. */
  get durationSeconds(): number | undefined {
    if (!this.complete || this.fragments.length === 0) return undefined;
    return this.fragments.reduce((end, f) => Math.max(end, f.endTime), 0);
  }

  onGrow(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
