/**
 * Time to first frame in Chromium through the SDK: `/demo/player.html?vid=…&playAuth=…` on the
 * real server, for a private (AliyunVoDEncryption: PlayAuth → /play/info → ECDH key exchange →
 * AES-256-GCM segments decrypted in the page) stream against the same clip transcoded without
 * encryption (anchor). Same browser, a fresh page (and browser context, so no shared cache) per
 * run, one unmeasured run of each first, then N runs of each, alternating ABBA so drift in the
 * machine's load falls on both alike. Definitions are in ttff-probe.ts; all times are from the
 * navigation start of the page.
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { compare, type Benchmark, type BenchContext, type BenchResult } from './benchmark.js';
import { launchChromium, newPage } from '../packages/server/test/support/browser.js';
import { addGroup, encryptedTemplate, uploadVideo } from '../packages/server/test/support/fixtures.js';
import { makeClip } from '../packages/server/test/support/media.js';
import type { ServerProcess } from '../packages/server/test/support/server-process.js';
import { vodClient } from '../packages/server/test/support/vod-client.js';
import { startService } from './securevod-service.js';
import { installTtffProbe, median, readTtff, waitForMoving, type TtffMarks } from './ttff-probe.js';

const TITLE = 'Time to first frame in Chromium (private vs clear)';
const RUNS = 10;
const RUN_TIMEOUT_MS = 30_000;
const RESOURCES = /^\/(play\/|keys\/|media\/|videos\/|hls\/)|\.(m3u8|m4s|svs|mp4)$/;

type Kind = 'private' | 'clear';

interface Run {
  kind: Kind;
  order: number;
  marks: TtffMarks;
}

async function oneRun(browser: Browser, server: ServerProcess, videoId: string): Promise<TtffMarks> {
  const { PlayAuth } = await vodClient(server.url).request<{ PlayAuth: string }>('GetVideoPlayAuth', {
    VideoId: videoId,
    AuthInfoTimeout: '600',
  });
  const page = await newPage(browser);
  try {
    await installTtffProbe(page);
    await page.goto(`${server.url}/demo/player.html?vid=${videoId}&playAuth=${encodeURIComponent(PlayAuth)}`);
    await waitForMoving(page, RUN_TIMEOUT_MS);
    const marks = await readTtff(page, RESOURCES);
    if (marks.fatal.length) throw new Error(`the SDK failed: ${marks.fatal.join(', ')}`);
    if (marks.firstFrame === undefined) throw new Error('no frame was presented');
    return marks;
  } finally {
    await page.context().close();
  }
}

function summarise(runs: Run[], kind: Kind) {
  const mine = runs.filter((r) => r.kind === kind).map((r) => r.marks);
  const pick = (f: (m: TtffMarks) => number | undefined) => mine.map((m) => f(m) ?? NaN);
  const firstFrame = pick((m) => m.firstFrame);
  const sorted = [...firstFrame].sort((a, b) => a - b);
  const firstResource = (m: TtffMarks, re: RegExp) => m.resources.find((r) => re.test(r.path))?.responseEnd;
  return {
    firstFrame: median(firstFrame),
    firstFrameMin: sorted[0] ?? NaN,
    firstFrameMax: sorted.at(-1) ?? NaN,
    fromCreatePlayer: median(pick((m) => (m.firstFrame ?? NaN) - (m.createPlayer ?? NaN))),
    moving: median(pick((m) => m.moving)),
    playing: median(pick((m) => m.playing)),
    createPlayer: median(pick((m) => m.createPlayer)),
    playInfo: median(pick((m) => firstResource(m, /^\/play\//))),
    key: median(pick((m) => firstResource(m, /^\/keys\//))),
    firstSegment: median(pick((m) => firstResource(m, /\.(m4s|svs)$/))),
    samples: firstFrame,
  };
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const dataDir = join(ctx.workDir, 'data');
  ctx.log('starting securevod and transcoding the clip twice (private, clear)…');
  const server = await startService({ dataDir });
  let browser: Browser | undefined;
  const runs: Run[] = [];
  let version = '';
  try {
    const vod = vodClient(server.url);
    const clip = join(ctx.workDir, 'clip.mp4');
    await makeClip(clip, { seconds: 12, width: 640, height: 360 });
    const privateGroup = await addGroup(vod, 'ttff private', [
      encryptedTemplate('SD', 360, 'AliyunVoDEncryption'),
    ]);
    const clearGroup = await addGroup(vod, 'ttff clear', [encryptedTemplate('SD', 360)]);
    const videos: Record<Kind, string> = {
      private: await uploadVideo(vod, clip, privateGroup, 'ttff private'),
      clear: await uploadVideo(vod, clip, clearGroup, 'ttff clear'),
    };
    browser = await launchChromium();
    version = browser.version();
    ctx.log('warm-up: one unmeasured run of each…');
    await oneRun(browser, server, videos.clear);
    await oneRun(browser, server, videos.private);
    for (let pair = 0; pair < RUNS; pair++) {
      const order: Kind[] = pair % 2 === 0 ? ['clear', 'private'] : ['private', 'clear'];
      for (const kind of order) {
        const marks = await oneRun(browser, server, videos[kind]);
        runs.push({ kind, order: runs.length, marks });
      }
      const last = runs.slice(-2).map((r) => `${r.kind} ${r.marks.firstFrame!.toFixed(0)} ms`);
      ctx.log(`run ${pair + 1}/${RUNS}: ${last.join(', ')}`);
    }
  } finally {
    await browser?.close();
    await server.stop();
  }

  const ours = summarise(runs, 'private');
  const anchor = summarise(runs, 'clear');
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  const phases = (s: ReturnType<typeof summarise>) =>
    `createPlayer ${ms(s.createPlayer)}, /play/info answered ${ms(s.playInfo)}, ${Number.isFinite(s.key) ? `key answered ${ms(s.key)}, ` : ''}first media segment ${ms(s.firstSegment)}, first frame ${ms(s.firstFrame)}, playing ${ms(s.playing)}`;
  return {
    name: 'ttff',
    title: TITLE,
    ours: 'SDK (/demo/player.html) playing a private AliyunVoDEncryption stream',
    anchor: 'the same page and SDK playing the same clip transcoded without encryption',
    rows: [
      compare(`time to first frame, median of ${RUNS}`, 'ms', ours.firstFrame, anchor.firstFrame, {
        kind: 'ratio-at-most',
        value: 1.2,
      }),
      compare('createPlayer() to first frame, median', 'ms', ours.fromCreatePlayer, anchor.fromCreatePlayer, {
        kind: 'ratio-at-most',
        value: 1.2,
      }),
      compare('to playback moving (mediaTime > 0), median', 'ms', ours.moving, anchor.moving),
    ],
    notes: [
      `Clip: 12 s 640×360 testsrc2 + sine, one SD rendition (360p, 500 kbit/s, 2 s segments) per video, transcoded by the server. Chromium ${version} headless (/usr/bin/chromium, playwright-core), one browser, a fresh context per run; ${RUNS} measured runs of each after one warm-up of each, alternating clear/private, private/clear, …`,
      'Times are from navigation start (performance.now() in the page). First frame = presentationTime of the first requestVideoFrameCallback on the <video>; moving = the first presented frame with mediaTime > 0. The PlayAuth is fetched before navigation and not counted.',
      `First frame, min–max: private ${ms(ours.firstFrameMin)}–${ms(ours.firstFrameMax)}, clear ${ms(anchor.firstFrameMin)}–${ms(anchor.firstFrameMax)}.`,
      `Private, medians: ${phases(ours)}.`,
      `Clear, medians: ${phases(anchor)}.`,
    ],
    details: { runs, ours, anchor },
  };
}

const benchmark: Benchmark = { name: 'ttff', title: TITLE, run };
export default benchmark;
