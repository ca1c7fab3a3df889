/**
 * The offline player's MP4 reading (src/offline/mp4-boxes.ts, fragment-index.ts) on real fMP4s
 * from ffmpeg's HLS muxer, the way the server makes renditions: codec strings checked against
 * ffprobe's profile and level, and the fragment index checked against the segment files it was
 * concatenated from (each fragment must start at a segment's moof and end where the segment
 * ends, at the segment's time).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  findLastFragmentEnd,
  fragmentIndexAt,
  readInitSegment,
  scanFragments,
  type Fragment,
} from '../src/offline/fragment-index.js';
import { Mp4Error, parseInitSegment, readBoxHeader } from '../src/offline/mp4-boxes.js';
import { bytesReader, collect, makeFmp4, type Fmp4Fixture } from './support/offline-media.js';

const run = promisify(execFile);

let dir: string;
let av: Fmp4Fixture;
let videoOnly: Fmp4Fixture;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'securevod-offline-mp4-'));
  [av, videoOnly] = await Promise.all([
    makeFmp4({ seconds: 7, profile: 'main', level: '3.1' }),
    makeFmp4({ seconds: 4, audio: false, profile: 'high', level: '4.0', segmentSeconds: 1 }),
  ]);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function ffprobeStreams(bytes: Uint8Array) {
  const file = join(dir, `probe-${Math.random().toString(36).slice(2)}.mp4`);
  await writeFile(file, bytes);
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file]);
  return (JSON.parse(stdout) as { streams: Array<{ codec_type: string; profile: string; level: number }> })
    .streams;
}

/** The byte ranges of the segment files inside the concatenation. */
function segmentRanges(fixture: Fmp4Fixture): Array<{ start: number; end: number }> {
  let at = fixture.init.length;
  return fixture.segments.map((s) => ({ start: at, end: (at += s.length) }));
}

describe('init segment', () => {
  test('codecs come from avcC and esds, and match what ffprobe reports', async () => {
    const init = await readInitSegment(bytesReader(av.bytes));
    assert.deepEqual(init.bytes, av.init.subarray(0, init.bytes.length));
    const streams = await ffprobeStreams(av.bytes);
    const video = streams.find((s) => s.codec_type === 'video')!;
    const audio = streams.find((s) => s.codec_type === 'audio')!;
    assert.equal(video.profile, 'Main');
    assert.equal(video.level, 31);
    assert.equal(audio.profile, 'LC');
    // avc1.PPCCLL: profile_idc 77 (Main) = 0x4d, any constraint flags, level_idc 31 = 0x1f.
    assert.match(init.info.codecs[0]!, /^avc1\.4d[0-9a-f]{2}1f$/);
    assert.equal(init.info.codecs[1], 'mp4a.40.2'); // MPEG-4 audio, AAC LC
    assert.equal(init.info.mimeType, `video/mp4; codecs="${init.info.codecs[0]}, mp4a.40.2"`);
    assert.deepEqual(
      init.info.tracks.map((t) => t.kind),
      ['video', 'audio'],
    );
    assert.equal(init.info.tracks.find((t) => t.kind === 'audio')!.timescale, 48000);
  });

  test('a video-only High 4.0 stream', async () => {
    const init = await readInitSegment(bytesReader(videoOnly.bytes));
    const [video] = await ffprobeStreams(videoOnly.bytes);
    assert.equal(video!.profile, 'High');
    assert.equal(video!.level, 40);
    assert.match(init.info.codecs[0]!, /^avc1\.64[0-9a-f]{2}28$/);
    assert.equal(init.info.codecs.length, 1);
    assert.match(init.info.mimeType, /^video\/mp4; codecs="avc1\.64[0-9a-f]{2}28"$/);
  });

  test('a file with no moov, and a moov cut short, are Mp4Errors', async () => {
    const ftyp = readBoxHeader(av.init, 0, av.init.length);
    const moov = readBoxHeader(av.init, ftyp.end, av.init.length);
    assert.equal(moov.type, 'moov');
    assert.throws(() => parseInitSegment(av.init.subarray(0, moov.end - 40), moov), Mp4Error);
    await assert.rejects(readInitSegment(bytesReader(av.segments[0]!)), Mp4Error);
  });
});

describe('fragment index', () => {
  let fragments: Fragment[];
  before(async () => {
    const init = await readInitSegment(bytesReader(av.bytes));
    fragments = await collect(scanFragments(bytesReader(av.bytes), init.info, init.bytes.length));
  });

  test('one fragment per segment: from its moof to the end of the segment', () => {
    const ranges = segmentRanges(av);
    assert.equal(fragments.length, av.segments.length);
    assert.equal(fragments.length, 4); // 7 s in 2 s segments
    for (const [i, fragment] of fragments.entries()) {
      const type = String.fromCharCode(...av.bytes.subarray(fragment.offset + 4, fragment.offset + 8));
      assert.equal(type, 'moof', `fragment ${i} starts at a moof`);
      assert.ok(fragment.offset >= ranges[i]!.start && fragment.offset < ranges[i]!.end);
      assert.equal(fragment.offset + fragment.size, ranges[i]!.end, `fragment ${i} ends with its segment`);
      assert.equal(fragment.index, i);
    }
  });

  test("times are the video track's, which follow the segments: every 2 s, to the clip length", () => {
    for (const [i, fragment] of fragments.entries()) {
      assert.ok(Math.abs(fragment.startTime - i * 2) < 0.1, `fragment ${i} starts at ${fragment.startTime}`);
      assert.ok(fragment.endTime > fragment.startTime);
    }
    const end = fragments.at(-1)!.endTime;
    assert.ok(Math.abs(end - av.seconds) < 0.1, `the last fragment ends at ${end}`);
    for (let i = 1; i < fragments.length; i++)
      assert.equal(fragments[i]!.startTime, fragments[i - 1]!.endTime);
  });

  test('the last fragment end is found from the tail, reading only the end of the file', async () => {
    const reader = bytesReader(av.bytes);
    const init = await readInitSegment(reader);
    reader.reads = 0;
    const end = await findLastFragmentEnd(reader, init.info, init.bytes.length);
    assert.equal(end, fragments.at(-1)!.endTime);
    assert.ok(reader.reads <= 6, `${reader.reads} reads`);
  });

  test('without tfdt boxes, times come from the running sum of sample durations', async () => {
    const patched = av.bytes.slice();
    let renamed = 0;
    for (let p = 0; p + 4 <= patched.length; p++) {
      if (
        patched[p] === 0x74 &&
        patched[p + 1] === 0x66 &&
        patched[p + 2] === 0x64 &&
        patched[p + 3] === 0x74
      ) {
        patched.set([0x66, 0x72, 0x65, 0x65], p); // 'tfdt' → 'free'
        renamed++;
      }
    }
    assert.equal(renamed, fragments.length * 2, 'one tfdt per track per fragment');
    const init = await readInitSegment(bytesReader(patched));
    const derived = await collect(scanFragments(bytesReader(patched), init.info, init.bytes.length));
    assert.equal(derived.length, fragments.length);
    for (const [i, fragment] of derived.entries()) {
      assert.ok(Math.abs(fragment.startTime - fragments[i]!.startTime) < 0.05, `fragment ${i}`);
      assert.ok(Math.abs(fragment.endTime - fragments[i]!.endTime) < 0.05, `fragment ${i}`);
    }
    // Without tfdt the tail alone cannot tell the end time.
    assert.equal(await findLastFragmentEnd(bytesReader(patched), init.info, init.bytes.length), undefined);
  });

  test('a file cut inside its last mdat is an Mp4Error', async () => {
    const cut = av.bytes.subarray(0, av.bytes.length - 1000);
    const init = await readInitSegment(bytesReader(cut));
    await assert.rejects(collect(scanFragments(bytesReader(cut), init.info, init.bytes.length)), Mp4Error);
  });

  test('fragmentIndexAt: the fragment holding a time; the first before it; -1 for none', () => {
    assert.equal(fragmentIndexAt([], 3), -1);
    assert.equal(fragmentIndexAt(fragments, -1), 0);
    assert.equal(fragmentIndexAt(fragments, 0), 0);
    assert.equal(fragmentIndexAt(fragments, 1.99), 0);
    assert.equal(fragmentIndexAt(fragments, fragments[1]!.startTime), 1);
    assert.equal(fragmentIndexAt(fragments, 5.5), 2);
    assert.equal(fragmentIndexAt(fragments, 6.5), 3);
    assert.equal(fragmentIndexAt(fragments, 100), 3);
  });
});
