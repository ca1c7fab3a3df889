/**
 * Just enough ISO BMFF (ISO/IEC 14496-12) for the offline player: the codecs of an init segment
 * (avcC → `avc1.PPCCLL`, esds → `mp4a.40.N`; RFC 6381 codec strings for `SourceBuffer` types) and
 * the timing of a movie fragment (tfhd/tfdt/trun), so `fragment-index.ts` can map times to byte
 * offsets. Pure functions over bytes; unit-tested against ffmpeg's fMP4 in
 * test/offline-mp4.test.ts. Anything that does not parse is an `Mp4Error`.
 */

export class Mp4Error extends Error {
  override readonly name = 'Mp4Error';
  readonly code = 'Malformed';
}

/** A box as laid out: `start` is its first byte, `body` the first byte after its header. */
export interface Box {
  readonly type: string;
  readonly start: number;
  readonly body: number;
  readonly end: number;
}

/** The size of the longest box header (size, type, 64-bit largesize). */
export const MAX_BOX_HEADER = 16;

/**
 * The header of the box at `offset` of `bytes`; `limit` is where the enclosing space ends (a size
 * of 0 means "to the end of the enclosing space"). `bytes` needs only the header itself.
 */
export function readBoxHeader(bytes: Uint8Array, offset: number, limit: number): Box {
  if (offset + 8 > limit) throw new Mp4Error(`A box header at ${offset} runs past the end (${limit}).`);
  const view = viewOf(bytes);
  let size = view.getUint32(offset);
  const type = fourCC(bytes, offset + 4);
  let body = offset + 8;
  if (size === 1) {
    if (offset + 16 > limit) throw new Mp4Error(`The ${type} box at ${offset} is cut short.`);
    size = readU64(view, offset + 8);
    body = offset + 16;
  } else if (size === 0) {
    size = limit - offset;
  }
  if (size < body - offset || offset + size > limit) {
    throw new Mp4Error(`The ${type} box at ${offset} has an impossible size ${size}.`);
  }
  return { type, start: offset, body, end: offset + size };
}

/** The boxes laid end to end in `bytes[start..end)`. */
export function* childBoxes(bytes: Uint8Array, start: number, end: number): Generator<Box> {
  let at = start;
  while (at + 8 <= end) {
    const box = readBoxHeader(bytes, at, end);
    yield box;
    at = box.end;
  }
}

function findChild(bytes: Uint8Array, parent: Box, type: string): Box | undefined {
  for (const box of childBoxes(bytes, parent.body, parent.end)) if (box.type === type) return box;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Init segment

export type TrackKind = 'video' | 'audio' | 'other';

export interface TrackInfo {
  readonly id: number;
  readonly kind: TrackKind;
  /** Ticks per second of the track's media times (mdhd). */
  readonly timescale: number;
  /** RFC 6381 codec string, e.g. `avc1.64001f`, `mp4a.40.2`; undefined for tracks we do not play. */
  readonly codec: string | undefined;
  /** trex default_sample_duration (ticks), for truns and tfhds that give none. */
  readonly defaultSampleDuration: number;
}

export interface InitSegmentInfo {
  readonly tracks: readonly TrackInfo[];
  /** Codec strings of the playable tracks, video first. */
  readonly codecs: readonly string[];
  /** The `SourceBuffer` type: `video/mp4; codecs="avc1.64001f, mp4a.40.2"`. */
  readonly mimeType: string;
  /** From mehd (fragmented) or mvhd, when the file says; undefined when it is 0 or absent. */
  readonly durationSeconds: number | undefined;
}

/** Parses the `moov` box of an init segment (`bytes` holds at least the whole moov). */
export function parseInitSegment(bytes: Uint8Array, moov: Box): InitSegmentInfo {
  return guarded(() => parseMoov(bytes, moov));
}

function parseMoov(bytes: Uint8Array, moov: Box): InitSegmentInfo {
  if (moov.type !== 'moov') throw new Mp4Error(`Expected a moov box, found ${moov.type}.`);
  if (moov.end > bytes.length) throw new Mp4Error('The moov box is cut short.');
  const view = viewOf(bytes);
  let movieTimescale = 0;
  let movieDuration = 0;
  let fragmentDuration = 0;
  const trex = new Map<number, number>();
  const traks: Box[] = [];
  for (const box of childBoxes(bytes, moov.body, moov.end)) {
    if (box.type === 'mvhd') {
      const v1 = bytes[box.body] === 1;
      movieTimescale = view.getUint32(box.body + (v1 ? 20 : 12));
      movieDuration = v1 ? readU64(view, box.body + 24) : view.getUint32(box.body + 16);
    } else if (box.type === 'trak') {
      traks.push(box);
    } else if (box.type === 'mvex') {
      for (const child of childBoxes(bytes, box.body, box.end)) {
        if (child.type === 'trex') trex.set(view.getUint32(child.body + 4), view.getUint32(child.body + 12));
        if (child.type === 'mehd') {
          fragmentDuration =
            bytes[child.body] === 1 ? readU64(view, child.body + 4) : view.getUint32(child.body + 4);
        }
      }
    }
  }
  const tracks = traks.map((trak) => parseTrak(bytes, trak, trex));
  if (tracks.length === 0) throw new Mp4Error('The init segment has no tracks.');
  const playable = tracks
    .filter((t) => t.codec !== undefined && t.kind !== 'other')
    .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'video' ? -1 : 1));
  if (playable.length === 0) throw new Mp4Error('The init segment has no audio or video track.');
  const codecs = playable.map((t) => t.codec!);
  const hasVideo = playable.some((t) => t.kind === 'video');
  const ticks = fragmentDuration || movieDuration;
  return {
    tracks,
    codecs,
    mimeType: `${hasVideo ? 'video' : 'audio'}/mp4; codecs="${codecs.join(', ')}"`,
    durationSeconds: ticks > 0 && movieTimescale > 0 ? ticks / movieTimescale : undefined,
  };
}

function parseTrak(bytes: Uint8Array, trak: Box, trex: ReadonlyMap<number, number>): TrackInfo {
  const view = viewOf(bytes);
  const tkhd = findChild(bytes, trak, 'tkhd');
  const mdia = findChild(bytes, trak, 'mdia');
  if (!tkhd || !mdia) throw new Mp4Error('A trak box lacks its tkhd or mdia.');
  const id = view.getUint32(tkhd.body + (bytes[tkhd.body] === 1 ? 20 : 12));
  const mdhd = findChild(bytes, mdia, 'mdhd');
  const hdlr = findChild(bytes, mdia, 'hdlr');
  if (!mdhd || !hdlr) throw new Mp4Error(`Track ${id} lacks its mdhd or hdlr.`);
  const timescale = view.getUint32(mdhd.body + (bytes[mdhd.body] === 1 ? 20 : 12));
  if (timescale === 0) throw new Mp4Error(`Track ${id} has a timescale of 0.`);
  const handler = fourCC(bytes, hdlr.body + 8);
  const kind: TrackKind = handler === 'vide' ? 'video' : handler === 'soun' ? 'audio' : 'other';
  const minf = findChild(bytes, mdia, 'minf');
  const stbl = minf && findChild(bytes, minf, 'stbl');
  const stsd = stbl && findChild(bytes, stbl, 'stsd');
  let codec: string | undefined;
  if (stsd && kind !== 'other') {
    // stsd: FullBox header (4) + entry_count (4), then the sample entries; the first one counts.
    const entry = stsd.body + 8 < stsd.end ? readBoxHeader(bytes, stsd.body + 8, stsd.end) : undefined;
    if (entry) codec = kind === 'video' ? videoCodec(bytes, entry) : audioCodec(bytes, entry);
  }
  return { id, kind, timescale, codec, defaultSampleDuration: trex.get(id) ?? 0 };
}

/** VisualSampleEntry: 8 bytes SampleEntry + 70 bytes of visual fields, then child boxes. */
function videoCodec(bytes: Uint8Array, entry: Box): string {
  if (entry.type !== 'avc1' && entry.type !== 'avc3') return entry.type;
  const avcC = findIn(bytes, entry.body + 78, entry.end, 'avcC');
  if (!avcC || avcC.end - avcC.body < 4) throw new Mp4Error(`The ${entry.type} sample entry has no avcC.`);
  // AVCDecoderConfigurationRecord: version, profile, profile_compatibility, level (ISO 14496-15).
  return `${entry.type}.${hex2(bytes[avcC.body + 1]!)}${hex2(bytes[avcC.body + 2]!)}${hex2(bytes[avcC.body + 3]!)}`;
}

/**
 * AudioSampleEntry: 8 bytes SampleEntry + 20 bytes of audio fields (QuickTime sound description
 * version 1 adds 16, version 2 adds 36), then child boxes.
 */
function audioCodec(bytes: Uint8Array, entry: Box): string {
  if (entry.type !== 'mp4a') return entry.type;
  const version = viewOf(bytes).getUint16(entry.body + 8);
  const fields = 28 + (version === 1 ? 16 : version === 2 ? 36 : 0);
  const esds = findIn(bytes, entry.body + fields, entry.end, 'esds');
  if (!esds) return 'mp4a.40.2';
  return esdsCodec(bytes, esds.body + 4, esds.end);
}

/**
 * ES_Descriptor (ISO 14496-1 §7.2.6.5) → DecoderConfigDescriptor's objectTypeIndication, and for
 * MPEG-4 audio (0x40) the audioObjectType from the DecoderSpecificInfo: `mp4a.40.2` is AAC-LC.
 */
function esdsCodec(bytes: Uint8Array, start: number, end: number): string {
  let at = start;
  const descriptor = (tag: number): number => {
    if (bytes[at] !== tag) throw new Mp4Error(`esds: expected descriptor tag ${tag}, found ${bytes[at]}.`);
    at++;
    let length = 0;
    for (let i = 0; i < 4; i++) {
      const b = bytes[at++]!;
      length = (length << 7) | (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
    if (at + length > end) throw new Mp4Error('esds: a descriptor runs past the box.');
    return at + length;
  };
  descriptor(0x03);
  const flags = bytes[at + 2]!;
  at += 3;
  if (flags & 0x80) at += 2; // dependsOn_ES_ID
  if (flags & 0x40) at += 1 + bytes[at]!; // URL
  if (flags & 0x20) at += 2; // OCR_ES_Id
  const configEnd = descriptor(0x04);
  const objectType = bytes[at]!;
  at += 13;
  const base = `mp4a.${objectType.toString(16)}`;
  if (objectType !== 0x40) return base;
  if (at >= configEnd || bytes[at] !== 0x05) return `${base}.2`;
  descriptor(0x05);
  let audioObjectType = bytes[at]! >> 3;
  if (audioObjectType === 31) audioObjectType = 32 + (((bytes[at]! & 0x07) << 3) | (bytes[at + 1]! >> 5));
  return `${base}.${audioObjectType}`;
}

// ---------------------------------------------------------------------------------------------
// Movie fragments

export interface TrackFragmentTiming {
  readonly trackId: number;
  /** tfdt baseMediaDecodeTime (ticks), when the fragment has a tfdt. */
  readonly baseMediaDecodeTime: number | undefined;
  /** Sum of the sample durations of every trun (ticks). */
  readonly duration: number;
  readonly sampleCount: number;
}

/** The timing of each track in a `moof` box (`bytes` holds at least the whole moof). */
export function parseMoof(bytes: Uint8Array, moof: Box, tracks: readonly TrackInfo[]): TrackFragmentTiming[] {
  return guarded(() => parseMoofBox(bytes, moof, tracks));
}

function parseMoofBox(bytes: Uint8Array, moof: Box, tracks: readonly TrackInfo[]): TrackFragmentTiming[] {
  if (moof.type !== 'moof') throw new Mp4Error(`Expected a moof box, found ${moof.type}.`);
  if (moof.end > bytes.length) throw new Mp4Error('The moof box is cut short.');
  const view = viewOf(bytes);
  const out: TrackFragmentTiming[] = [];
  for (const traf of childBoxes(bytes, moof.body, moof.end)) {
    if (traf.type !== 'traf') continue;
    let trackId: number | undefined;
    let defaultDuration: number | undefined;
    let baseMediaDecodeTime: number | undefined;
    let duration = 0;
    let sampleCount = 0;
    for (const box of childBoxes(bytes, traf.body, traf.end)) {
      if (box.type === 'tfhd') {
        const flags = view.getUint32(box.body) & 0xffffff;
        trackId = view.getUint32(box.body + 4);
        let at = box.body + 8;
        if (flags & 0x01) at += 8; // base_data_offset
        if (flags & 0x02) at += 4; // sample_description_index
        if (flags & 0x08) defaultDuration = view.getUint32(at);
      } else if (box.type === 'tfdt') {
        baseMediaDecodeTime =
          bytes[box.body] === 1 ? readU64(view, box.body + 4) : view.getUint32(box.body + 4);
      } else if (box.type === 'trun') {
        if (trackId === undefined) throw new Mp4Error('A trun comes before its tfhd.');
        const fallback = defaultDuration ?? tracks.find((t) => t.id === trackId)?.defaultSampleDuration ?? 0;
        const run = trunDuration(view, box, fallback);
        duration += run.duration;
        sampleCount += run.count;
      }
    }
    if (trackId === undefined) throw new Mp4Error('A traf box has no tfhd.');
    out.push({ trackId, baseMediaDecodeTime, duration, sampleCount });
  }
  return out;
}

function trunDuration(view: DataView, trun: Box, defaultDuration: number) {
  const flags = view.getUint32(trun.body) & 0xffffff;
  const count = view.getUint32(trun.body + 4);
  let at = trun.body + 8;
  if (flags & 0x001) at += 4; // data_offset
  if (flags & 0x004) at += 4; // first_sample_flags
  if (!(flags & 0x100)) return { count, duration: count * defaultDuration };
  const stride = 4 * [0x100, 0x200, 0x400, 0x800].filter((bit) => flags & bit).length;
  if (at + count * stride > trun.end) throw new Mp4Error('A trun lists more samples than it holds.');
  let duration = 0;
  for (let i = 0; i < count; i++, at += stride) duration += view.getUint32(at);
  return { count, duration };
}

// ---------------------------------------------------------------------------------------------

/** A field read past the bytes (DataView's RangeError) is a malformed box, not a bug. */
function guarded<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof RangeError) throw new Mp4Error(`A box is cut short: ${error.message}`);
    throw error;
  }
}

function findIn(bytes: Uint8Array, start: number, end: number, type: string): Box | undefined {
  for (const box of childBoxes(bytes, start, end)) if (box.type === type) return box;
  return undefined;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readU64(view: DataView, offset: number): number {
  const high = view.getUint32(offset);
  if (high > 0x1fffff) throw new Mp4Error(`A 64-bit value at ${offset} is beyond 2^53.`);
  return high * 2 ** 32 + view.getUint32(offset + 4);
}

function fourCC(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
