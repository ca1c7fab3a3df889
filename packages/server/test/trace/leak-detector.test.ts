/**
 * The detector core on synthetic A/B fixtures made with ffmpeg directly (test/support/
 * trace-media.ts): alignment of a late-starting, cropped, rescaled re-encode; soft bits; the
 * threshold math; a splice; no false accusation for unmarked, unrelated or averaged copies.
 */
import { decodeGreyFrames, type GreyFrames } from '@securevod/ffmpeg';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { detectLeak } from '../../src/trace/leak-detector.js';
import { alignLeak } from '../../src/trace/leak-alignment.js';
import type { SoftBit } from '../../src/trace/segment-soft-bits.js';
import { TraceCode } from '../../src/trace/trace-code.js';
import {
  agreementsNeeded,
  logBinomialTail,
  scoreCandidates,
  scoringWindows,
} from '../../src/trace/trace-scoring.js';
import {
  averageSessions,
  makeAbFixture,
  makeLeak,
  variantBytes,
  writeSessionList,
  type AbFixture,
} from '../support/trace-media.js';

const run = promisify(execFile);
const VIDEO = 'video1';
const SECONDS = 120;
const code = new TraceCode(new Uint8Array(32).fill(7));
const candidates = Array.from({ length: 200 }, (_, i) => `viewer${i}`);
const codeWord = (traceId: string) => code.bits(VIDEO, traceId, SECONDS);
const segments = Array.from({ length: SECONDS }, (_, k) => ({ index: k, start: k, end: k + 1 }));
const decode = (input: Parameters<typeof decodeGreyFrames>[0]['input']) =>
  decodeGreyFrames({ ffmpegPath: 'ffmpeg', width: 64, height: 36, fps: 10, input });
/** A 480p-ish re-encode of a small source, 4 px cropped from each edge, at 30 fps. */
const ATTACK = 'scale=480:270,crop=iw-8:ih-8,fps=30';

describe('leak detector core (synthetic A/B fixtures)', () => {
  let dir: string;
  let fixture: AbFixture;
  let refA: GreyFrames;
  let refB: GreyFrames;
  const sessionList = (traceId: string) =>
    writeSessionList(fixture, join(dir, `${traceId}.txt`), (k) => code.variant(VIDEO, traceId, k));
  const detect = async (file: string) =>
    await detectLeak({ leak: await decode(file), refA, refB, segments, candidates, codeWord });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'securevod-detect-'));
    fixture = await makeAbFixture(dir, { seconds: SECONDS });
    refA = await decode({ stream: variantBytes(fixture, 'a') });
    refB = await decode({ stream: variantBytes(fixture, 'b') });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('names exactly the session of a trimmed, cropped, rescaled re-encode, with its offset', async () => {
    const leak = await makeLeak(await sessionList('viewer17'), join(dir, 'leak17.mp4'), {
      trimSeconds: 10,
      filters: ATTACK,
      crf: 30,
    });
    const report = await detect(leak);
    assert.equal(report.verdict, 'match');
    assert.equal(report.traceId, 'viewer17');
    assert.ok(Math.abs(report.offsetSeconds - 10) <= 0.1, `offset ${report.offsetSeconds}`);
    assert.ok(report.crop.x + report.crop.y > 0, `the crop is found: ${JSON.stringify(report.crop)}`);
    assert.ok(report.segmentsUsed >= 105, `${report.segmentsUsed} segments`);
    assert.ok(report.score!.agreements >= report.threshold.agreementsNeeded!, JSON.stringify(report.score));
    // Nobody else comes near the threshold.
    for (const other of report.top.slice(1)) assert.ok(other.pValue > report.threshold.maxPValue * 1e3);
  });

  it('aligns a leak that starts late within a frame of the truth', async () => {
    const leak = await decode(
      await makeLeak(await sessionList('viewer3'), join(dir, 'late.mp4'), {
        trimSeconds: 37.3,
        durationSeconds: 40,
      }),
    );
    const alignment = await alignLeak(leak, refA);
    assert.ok(Math.abs(alignment.offsetFrames - 373) <= 1, `offset ${alignment.offsetFrames}`);
    assert.ok(alignment.correlation > 0.95);
  });

  it('reads soft bits near ±½ on the plateau of every covered segment', async () => {
    const report = await detectLeak({
      leak: await decode({ stream: variantBytes(fixture, 'b') }),
      refA,
      refB,
      segments,
      candidates: ['nobody'],
      codeWord: () => new Uint8Array(SECONDS).fill(1),
    });
    assert.equal(report.bitsRead, SECONDS);
    assert.equal(report.score!.agreements, SECONDS, 'all-B reads as bit 1 everywhere');
    assert.ok(report.score!.softScore / SECONDS > 0.4, `mean soft ${report.score!.softScore / SECONDS}`);
  });

  it('gives "no match" for the same re-encode of the clear source', async () => {
    const report = await detect(
      await makeLeak({ file: fixture.clearPath }, join(dir, 'clear-leak.mp4'), {
        trimSeconds: 10,
        filters: ATTACK,
      }),
    );
    assert.equal(report.verdict, 'no-match');
    assert.equal(report.traceId, null);
    assert.ok(report.alignmentCorrelation > 0.9, 'it is the same video');
    assert.match(report.message!, /no match/);
  });

  it('gives "no match" for a different video', async () => {
    const other = join(dir, 'other.mp4');
    await run('ffmpeg', [
      '-y',
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'mandelbrot=size=320x180:rate=25',
      '-t',
      '60',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      other,
    ]);
    const report = await detect(other);
    assert.equal(report.verdict, 'no-match');
    assert.equal(report.traceId, null);
  });

  it('names one of two spliced sessions (half and half), never a third', async () => {
    const list = await writeSessionList(fixture, join(dir, 'splice.txt'), (k) =>
      code.variant(VIDEO, k < SECONDS / 2 ? 'viewer40' : 'viewer41', k),
    );
    const report = await detect(await makeLeak(list, join(dir, 'splice.mp4'), { filters: ATTACK }));
    assert.equal(report.verdict, 'match');
    assert.ok(['viewer40', 'viewer41'].includes(report.traceId!), `named ${report.traceId}`);
    for (const other of report.top) {
      if (!['viewer40', 'viewer41'].includes(other.traceId))
        assert.ok(other.pValue > report.threshold.maxPValue);
    }
  });

  it('accuses nobody outside two colluders who average their copies', async () => {
    const avg = await averageSessions(
      await sessionList('viewer50'),
      await sessionList('viewer51'),
      join(dir, 'avg.mp4'),
    );
    const report = await detect(avg);
    if (report.verdict === 'match') assert.ok(['viewer50', 'viewer51'].includes(report.traceId!));
    assert.ok(
      report.bitsRead < SECONDS * 0.8,
      `${report.bitsRead} bits read: the differing half are erasures`,
    );
  });
});

describe('trace scoring math', () => {
  it('computes the exact binomial tail', () => {
    // P[Bin(10, ½) ≥ 8] = (45 + 10 + 1) / 1024
    assert.ok(Math.abs(Math.exp(logBinomialTail(10, 8)) - 56 / 1024) < 1e-12);
    assert.equal(logBinomialTail(10, 0), 0);
    assert.equal(logBinomialTail(10, 11), -Infinity);
    assert.ok(Math.abs(logBinomialTail(200, 200) / Math.LN2 + 200) < 1e-9);
  });

  it('matches the bound table of the design (N = 1,000 at 10⁻⁶ → p ≤ 10⁻⁹)', () => {
    assert.equal(agreementsNeeded(60, 1e-9), 53);
    assert.equal(agreementsNeeded(30, 1e-9), 30);
    assert.equal(agreementsNeeded(15, 1e-9), null);
  });

  it('tests c(c+1)/2 contiguous windows', () => {
    assert.equal(scoringWindows(110).length, 36);
    assert.equal(scoringWindows(20).length, 3);
    assert.deepEqual(scoringWindows(0), []);
  });

  it('accuses no innocent among 1,000 on random soft bits, and corrects for windows', () => {
    let seed = 1;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5;
    const soft: SoftBit[] = Array.from({ length: 120 }, (_, k) => ({
      index: k,
      soft: random(),
      erased: false,
      z: 5,
      frames: 8,
    }));
    const ids = Array.from({ length: 1000 }, (_, i) => `id${i}`);
    const result = scoreCandidates(soft, ids, (id) => code.bits(VIDEO, id, 120));
    assert.equal(result.verdict, 'no-match');
    assert.equal(result.windowsTested, 36);
    assert.ok(Math.abs(result.maxPValue - 1e-6 / (1000 * 36)) < 1e-20);
  });

  it('says "no match" for a clip too short to clear the bound even without errors', () => {
    const word = code.bits(VIDEO, 'viewer1', 14);
    const soft: SoftBit[] = Array.from({ length: 14 }, (_, k) => ({
      index: k,
      soft: word[k] === 0 ? 0.5 : -0.5,
      erased: false,
      z: 5,
      frames: 8,
    }));
    const result = scoreCandidates(soft, candidates, (id) => code.bits(VIDEO, id, 14));
    assert.equal(result.top[0]!.traceId, 'viewer1');
    assert.equal(result.top[0]!.agreements, 14);
    assert.equal(result.verdict, 'no-match');
  });
});
