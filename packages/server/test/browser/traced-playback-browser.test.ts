/**
 * Leak tracing "must show": traced streams play in Chromium from a customer's page on another
 * origin, and show the source's pictures (the A/B mark is invisible at the playback tests'
 * tolerance):
 * - the SDK, loaded from securevod's /sdk/, plays a traced private stream (PlayAuth with `Trace`);
 * - vanilla hls.js plays a traced standard stream from its GetPlayInfo URL with `Trace`;
 * each fetches exactly the `a/` and `b/` segments its session's playlist names (a mix of both), and
 * a captured frame matches ffmpeg's decode of the source.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newPage } from '../support/browser.js';
import { fatalErrors, startSdkPlayer, startSite } from '../support/customer-site.js';
import { addGroup, tracedTemplate, uploadVideo } from '../support/fixtures.js';
import { capturedFrame, FRAME_TOLERANCE, ffmpegFrame, meanRgbDifference } from '../support/frames.js';
import { makeClip } from '../support/media.js';
import {
  makeDataDir,
  removeDir,
  REPO_ROOT,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';

const run = promisify(execFile);
const CLIP_SECONDS = 20;

describe('traced playback in Chromium, from another origin', () => {
  let server: ServerProcess;
  let site: { server: Server; origin: string };
  let dataDir: string;
  let clip: string;
  let browser: Browser;
  const videos = { standard: '', private: '' };

  before(async () => {
    await run(process.execPath, [join(REPO_ROOT, 'scripts/build-sdk.mjs'), '--quiet']);
    dataDir = await makeDataDir();
    site = await startSite();
    clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: CLIP_SECONDS, width: 640, height: 360 });
    server = await startServerProcess({
      dataDir,
      env: { SECUREVOD_X264_PRESET: 'ultrafast', SECUREVOD_CORS_ORIGINS: site.origin },
    });
    const vod = vodClient(server.url);
    const standard = await addGroup(vod, 'traced standard', [tracedTemplate('SD', 360, 'HLSEncryption')]);
    const priv = await addGroup(vod, 'traced private', [tracedTemplate('SD', 360, 'AliyunVoDEncryption')]);
    videos.standard = await uploadVideo(vod, clip, standard, 'standard');
    videos.private = await uploadVideo(vod, clip, priv, 'private');
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await new Promise((resolve) => site?.server.close(resolve));
    await removeDir(dataDir);
  });

  /**
   * A page on the site's origin that records the segments it fetched (index → variant) and the
   * variants its session's media playlist named.
   */
  async function sitePage(): Promise<{ page: Page; fetched: Map<number, string>; listed: string[] }> {
    const page = await newPage(browser);
    const fetched = new Map<number, string>();
    const listed: string[] = [];
    page.on('response', (response) => {
      const segment = /\/([ab])\/seg_(\d+)\.\w+\?/.exec(response.url());
      if (segment && response.status() === 200) fetched.set(Number(segment[2]), segment[1]!);
      if (/\/index\.m3u8\?/.test(response.url())) {
        void response.text().then((text) => {
          for (const m of text.matchAll(/\/([ab])\/seg_(\d+)\./g)) listed[Number(m[2])] = m[1]!;
        });
      }
    });
    await page.goto(`${site.origin}/page.html`);
    return { page, fetched, listed };
  }

  /** The player fetched this session's variants, and the session's sequence mixes A and B. */
  function checkSequence(fetched: Map<number, string>, listed: string[]) {
    assert.equal(listed.length, CLIP_SECONDS, 'the session playlist names every segment');
    assert.deepEqual([...new Set(listed)].sort(), ['a', 'b'], 'the sequence mixes A and B');
    assert.ok(fetched.size >= 5, `segments fetched: ${fetched.size}`);
    for (const [index, variant] of fetched) assert.equal(variant, listed[index], `segment ${index}`);
  }

  const waitPlayedPast = (page: Page, seconds: number) =>
    page.waitForFunction(
      (t) => {
        const v = document.getElementById('v') as HTMLVideoElement;
        if (v.paused && v.readyState >= 2) void v.play().catch(() => undefined);
        return v.currentTime > t;
      },
      seconds,
      { timeout: 60_000, polling: 200 },
    );

  async function checkFrame(page: Page, t: { diagnostic(message: string): void }) {
    // Mid-segment, where the mark is at full strength (it fades out at segment edges), and on a
    // frame's timestamp (frame 87 at 25 fps), so the browser and ffmpeg show the same frame.
    const at = 3.48;
    const captured = await capturedFrame(page, at, '#v');
    const diff = meanRgbDifference(captured, await ffmpegFrame(clip, at));
    const control = meanRgbDifference(captured, await ffmpegFrame(clip, at, 'hflip,'));
    t.diagnostic(`mean RGB difference ${diff.toFixed(2)} (mirrored control ${control.toFixed(2)})`);
    assert.ok(diff < FRAME_TOLERANCE, `frame differs from ffmpeg's by ${diff.toFixed(2)}`);
    assert.ok(control > 2 * FRAME_TOLERANCE, `negative control: ${control.toFixed(2)}`);
  }

  test('vanilla hls.js plays a traced standard stream from its GetPlayInfo URL with Trace', async (t) => {
    const { PlayInfoList } = await vodClient(server.url).request<{
      PlayInfoList: { PlayInfo: Array<{ PlayURL: string }> };
    }>('GetPlayInfo', { VideoId: videos.standard, DigitalWatermarkType: 'TraceMark', Trace: 'student42' });
    const url = PlayInfoList.PlayInfo[0]!.PlayURL;
    assert.notEqual(new URL(url).origin, site.origin);
    const { page, fetched, listed } = await sitePage();
    try {
      await page.addScriptTag({ url: `${site.origin}/hls.min.js` });
      await page.evaluate((src) => {
        const w = window as unknown as {
          Hls: new () => { loadSource(u: string): void; attachMedia(v: HTMLMediaElement): void };
        };
        const hls = new w.Hls();
        hls.loadSource(src);
        hls.attachMedia(document.getElementById('v') as HTMLVideoElement);
      }, url);
      await waitPlayedPast(page, 6);
      checkSequence(fetched, listed);
      await checkFrame(page, t);
    } finally {
      await page.close();
    }
  });

  test('the SDK plays a traced private stream (PlayAuth with Trace)', async (t) => {
    const { PlayAuth } = await vodClient(server.url).request<{ PlayAuth: string }>('GetVideoPlayAuth', {
      VideoId: videos.private,
      AuthInfoTimeout: '600',
      Trace: 'student43',
    });
    const { page, fetched, listed } = await sitePage();
    try {
      await page.addScriptTag({ url: `${server.url}/sdk/securevod-player.js` });
      await startSdkPlayer(page, { vid: videos.private, playAuth: PlayAuth });
      await waitPlayedPast(page, 6);
      assert.deepEqual(await fatalErrors(page), []);
      checkSequence(fetched, listed);
      await checkFrame(page, t);
    } finally {
      await page.close();
    }
  });
});
