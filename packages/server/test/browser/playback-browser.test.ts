/**
 * Issue "playback" in a real browser against the real server: the SDK (the bundle the server
 * serves at /sdk/securevod-player.js, driven through /demo/player.html) plays standard and
 * private streams, a seek resumes, and a captured frame matches ffmpeg's decode of the source;
 * vanilla hls.js plays a standard stream from its GetPlayInfo URL and fails on a private one.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newPage } from '../support/browser.js';
import { addGroup, encryptedTemplate, uploadVideo } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import { capturedFrame, FRAME_TOLERANCE, ffmpegFrame, meanRgbDifference } from '../support/frames.js';
import {
  makeDataDir,
  removeDir,
  REPO_ROOT,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';

const run = promisify(execFile);
const CLIP_SECONDS = 12;

interface PlaybackReport {
  currentTime: number;
  frames: number;
  fatal: unknown[];
}

describe('playback in Chromium against the real server', () => {
  let server: ServerProcess;
  let dataDir: string;
  let clip: string;
  let browser: Browser;
  const videos: Record<'standard' | 'private', string> = { standard: '', private: '' };

  before(async () => {
    // The server serves /sdk/ and /demo/ only when the SDK is built when it starts.
    await run(process.execPath, [join(REPO_ROOT, 'scripts/build-sdk.mjs'), '--quiet']);
    dataDir = await makeDataDir();
    clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: CLIP_SECONDS, width: 640, height: 360 });
    server = await startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
    const vod = vodClient(server.url);
    const standard = await addGroup(vod, 'standard', [encryptedTemplate('SD', 360, 'HLSEncryption', 2)]);
    const priv = await addGroup(vod, 'private', [encryptedTemplate('SD', 360, 'AliyunVoDEncryption', 2)]);
    videos.standard = await uploadVideo(vod, clip, standard, 'standard');
    videos.private = await uploadVideo(vod, clip, priv, 'private');
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await removeDir(dataDir);
  });

  async function openSdkPage(videoId: string): Promise<Page> {
    const { PlayAuth } = await vodClient(server.url).request<{ PlayAuth: string }>('GetVideoPlayAuth', {
      VideoId: videoId,
      AuthInfoTimeout: '600',
    });
    const page = await newPage(browser);
    await page.goto(`${server.url}/demo/player.html?vid=${videoId}&playAuth=${encodeURIComponent(PlayAuth)}`);
    await page.evaluate(() => {
      const w = window as unknown as {
        __fatal: unknown[];
        player?: { on(t: string, cb: (e: { fatal: boolean }) => void): void };
      };
      w.__fatal = [];
      const hook = () => w.player?.on('error', (e) => e.fatal && w.__fatal.push(e));
      if (w.player) hook();
      else setTimeout(hook, 200);
    });
    return page;
  }

  async function waitPast(page: Page, seconds: number, timeoutMs = 40_000): Promise<PlaybackReport> {
    await page.waitForFunction(
      (t) => {
        const v = document.querySelector('video');
        if (v && v.paused && v.readyState >= 2) void v.play().catch(() => undefined);
        return v !== null && v.currentTime > t;
      },
      seconds,
      { timeout: timeoutMs, polling: 200 },
    );
    return page.evaluate(() => {
      const v = document.querySelector('video')!;
      return {
        currentTime: v.currentTime,
        frames: v.getVideoPlaybackQuality().totalVideoFrames,
        fatal: (window as unknown as { __fatal: unknown[] }).__fatal,
      };
    });
  }

  async function checkPlaysAndSeeks(videoId: string) {
    const page = await openSdkPage(videoId);
    try {
      const report = await waitPast(page, 5);
      assert.ok(report.currentTime > 5);
      assert.ok(report.frames > 0, 'frames were decoded');
      assert.deepEqual(report.fatal, []);
      await page.evaluate((t) => {
        document.querySelector('video')!.currentTime = t;
      }, CLIP_SECONDS / 2);
      const after = await waitPast(page, CLIP_SECONDS / 2 + 1.5);
      assert.ok(after.currentTime > CLIP_SECONDS / 2 + 1.5, 'playback resumes after a seek');
      assert.deepEqual(after.fatal, []);
    } finally {
      await page.close();
    }
  }

  test('the SDK plays a standard-encrypted video, and resumes after a seek', async () => {
    await checkPlaysAndSeeks(videos.standard);
  });

  test('the SDK plays a private-encrypted video, and resumes after a seek', async () => {
    await checkPlaysAndSeeks(videos.private);
  });

  test('decryption is correct: a frame from the SDK matches ffmpeg decoding the source', async (t) => {
    const at = 3;
    const reference = await ffmpegFrame(clip, at);
    const flipped = await ffmpegFrame(clip, at, 'hflip,');
    const page = await openSdkPage(videos.private);
    try {
      await waitPast(page, 1);
      const captured = await capturedFrame(page, at);
      const diff = meanRgbDifference(captured, reference);
      const control = meanRgbDifference(captured, flipped);
      t.diagnostic(
        `mean RGB difference ${diff.toFixed(2)} (mirrored control ${control.toFixed(2)}, tolerance ${FRAME_TOLERANCE})`,
      );
      assert.ok(
        diff < FRAME_TOLERANCE,
        `frame differs from ffmpeg's by ${diff.toFixed(2)} (tolerance ${FRAME_TOLERANCE})`,
      );
      assert.ok(
        control > 2 * FRAME_TOLERANCE,
        `negative control: a mirrored frame differs by ${control.toFixed(2)}`,
      );
    } finally {
      await page.close();
    }
  });

  async function vanillaHlsPage(): Promise<Page> {
    const hls = await readFile(join(REPO_ROOT, 'node_modules/hls.js/dist/hls.min.js'), 'utf8');
    const page = await newPage(browser);
    await page.goto(`${server.url}/healthz`);
    await page.setContent('<video id="v" muted autoplay></video>');
    await page.addScriptTag({ content: hls });
    return page;
  }

  async function playURL(videoId: string, resultType?: string): Promise<string> {
    const res = await vodClient(server.url).request<{
      PlayInfoList: { PlayInfo: Array<{ PlayURL: string }> };
    }>('GetPlayInfo', { VideoId: videoId, ...(resultType ? { ResultType: resultType } : {}) });
    return res.PlayInfoList.PlayInfo[0]!.PlayURL;
  }

  function startVanilla(page: Page, url: string) {
    return page.evaluate((src) => {
      const w = window as unknown as {
        Hls: new () => {
          loadSource(u: string): void;
          attachMedia(v: HTMLMediaElement): void;
          on(e: string, cb: (n: string, d: { fatal: boolean; details: string }) => void): void;
        };
        __fatal: string[];
      };
      w.__fatal = [];
      const hls = new w.Hls();
      hls.on('hlsError', (_n, d) => {
        if (d.fatal) w.__fatal.push(d.details);
      });
      hls.loadSource(src);
      hls.attachMedia(document.getElementById('v') as HTMLVideoElement);
    }, url);
  }

  test('vanilla hls.js (no SDK) plays a standard stream from its GetPlayInfo URL', async () => {
    const page = await vanillaHlsPage();
    try {
      await startVanilla(page, await playURL(videos.standard));
      await page.waitForFunction(
        () => (document.getElementById('v') as HTMLVideoElement).currentTime > 5,
        undefined,
        {
          timeout: 40_000,
          polling: 200,
        },
      );
      const frames = await page.evaluate(
        () => (document.getElementById('v') as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames,
      );
      assert.ok(frames > 0);
    } finally {
      await page.close();
    }
  });

  test('vanilla hls.js fails on a private stream', async () => {
    const page = await vanillaHlsPage();
    try {
      await startVanilla(page, await playURL(videos.private, 'Multiple'));
      await page.waitForFunction(
        () => (window as unknown as { __fatal: string[] }).__fatal.length > 0,
        undefined,
        {
          timeout: 30_000,
          polling: 200,
        },
      );
      const state = await page.evaluate(() => ({
        fatal: (window as unknown as { __fatal: string[] }).__fatal,
        time: (document.getElementById('v') as HTMLVideoElement).currentTime,
      }));
      assert.ok(state.fatal.length > 0, 'a fatal hls.js error');
      assert.equal(state.time, 0, 'nothing played');
    } finally {
      await page.close();
    }
  });
});
