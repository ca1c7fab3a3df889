/**
 * Offline open-to-first-frame in Chromium: `SecureVod.createOfflinePlayer` (packages/player/src/
 * offline) opening a secure package the SDK's own downloader stored in OPFS — key file opened
 * with the AppDecryptKey (PBKDF2), package header authenticated, chunks decrypted, fMP4 fed through
 * MSE — until the first frame is presented, with the browser context offline. Anchor: the same
 * page playing the same clip's clear fMP4 (the server's Normal-mode download of the same rendition)
 * from an OPFS file with `video.src = blob:` — the browser's own player, no decryption, no MSE.
 *
 * One browser context (OPFS is per context), a fresh page per run on the server's origin (the
 * origin the key file is registered for) holding only the SDK bundle; the context is switched
 * offline before the clock starts. One unmeasured run of each, then N of each, alternating ABBA.
 */
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { CHROMIUM_PATH, CHROMIUM_ARGS } from '../packages/server/test/support/browser.js';
import { addGroup, encryptedTemplate, uploadVideo } from '../packages/server/test/support/fixtures.js';
import { makeClip } from '../packages/server/test/support/media.js';
import type { ServerProcess } from '../packages/server/test/support/server-process.js';
import { vodClient } from '../packages/server/test/support/vod-client.js';
import { chromium } from 'playwright-core';
import { compare, type Benchmark, type BenchContext, type BenchResult } from './benchmark.js';
import { startService } from './securevod-service.js';
import { median } from './ttff-probe.js';

const TITLE = 'Offline open-to-first-frame in Chromium (secure package vs clear file)';
const RUNS = 10;
const RUN_TIMEOUT_MS = 30_000;
const APP_DECRYPT_KEY = 'BenchOfflineKey0123456789aB';
const CLEAR_FILE = 'bench-clear.mp4';

type Kind = 'package' | 'clear';

/** Times in ms since the clock started (just before createOfflinePlayer / reading the file). */
interface OfflineMarks {
  ready?: number;
  firstFrame: number;
  moving: number;
}

interface Fixture {
  packageId: string;
  packageBytes: number;
  clearBytes: number;
  keyFile: string;
}

async function playAuth(server: ServerProcess, videoId: string): Promise<string> {
  const res = await vodClient(server.url).request<{ PlayAuth: string }>('GetVideoPlayAuth', {
    VideoId: videoId,
    AuthInfoTimeout: '3000',
  });
  return res.PlayAuth;
}

/** A blank page on the server's origin with only the SDK bundle loaded. */
async function sdkPage(context: BrowserContext, server: ServerProcess) {
  const page = await context.newPage();
  await page.goto(`${server.url}/healthz`);
  await page.setContent('<!doctype html><html><body></body></html>');
  await page.addScriptTag({ url: `${server.url}/sdk/securevod-player.js` });
  return page;
}

/**
 * The clear MP4 (Normal mode) and the secure package (Secure mode, through the SDK's downloader)
 * of the same rendition, both stored in the context's OPFS.
 */
async function prepare(context: BrowserContext, server: ServerProcess, videoId: string): Promise<Fixture> {
  const vod = vodClient(server.url);
  await vod.request('SetCustomerConfig', { DownloadSwitch: 'on', DownloadMode: 'Normal' });
  const clearUrl = `${server.url}/download/${videoId}?PlayAuth=${encodeURIComponent(await playAuth(server, videoId))}`;
  const clearRes = await fetch(clearUrl);
  if (clearRes.status !== 200) throw new Error(`Normal-mode download answered ${clearRes.status}`);
  const clear = Buffer.from(await clearRes.arrayBuffer());

  await vod.request('SetCustomerConfig', { DownloadMode: 'Secure' });
  const { AppEncryptKey } = await vod.request<{ AppEncryptKey: string }>('GenerateDownloadSecretKey', {
    AppIdentification: server.url,
    AppDecryptKey: APP_DECRYPT_KEY,
  });
  const page = await sdkPage(context, server);
  try {
    const auth = await playAuth(server, videoId);
    const stored = (await page.evaluate(
      `(async () => {
        const record = await SecureVod.createDownloader().download({ vid: ${JSON.stringify(videoId)}, playAuth: ${JSON.stringify(auth)} });
        const root = await navigator.storage.getDirectory();
        const handle = await root.getFileHandle(${JSON.stringify(CLEAR_FILE)}, { create: true });
        const writable = await handle.createWritable();
        const b64 = ${JSON.stringify(clear.toString('base64'))};
        await writable.write(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
        await writable.close();
        return { id: record.id, size: record.size };
      })()`,
    )) as { id: string; size: number };
    return {
      packageId: stored.id,
      packageBytes: stored.size,
      clearBytes: clear.length,
      keyFile: AppEncryptKey,
    };
  } finally {
    await page.close();
  }
}

/** Shared by both kinds: a muted <video> in the page and a first-frame / moving watcher. */
const WATCH = `
  const video = document.createElement('video');
  video.muted = true;
  document.body.append(video);
  const marks = {};
  const framed = new Promise((resolve) => {
    const onFrame = (now, meta) => {
      marks.firstFrame ??= meta.presentationTime - t0;
      if (meta.mediaTime > 0) { marks.moving = meta.presentationTime - t0; resolve(); return; }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  });
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('no frame in ${RUN_TIMEOUT_MS} ms at ' + video.currentTime)), ${RUN_TIMEOUT_MS}));
`;

function packageScript(f: Fixture): string {
  return `(async () => {
    const t0 = performance.now();
    ${WATCH}
    const player = SecureVod.createOfflinePlayer({ video, packageId: ${JSON.stringify(f.packageId)}, keyFile: ${JSON.stringify(f.keyFile)}, appDecryptKey: ${JSON.stringify(APP_DECRYPT_KEY)} });
    const failed = new Promise((_, reject) => player.on('error', (e) => reject(new Error(e.type + '/' + e.details + ': ' + e.message))));
    try {
      await Promise.race([player.ready, failed, timeout]);
      marks.ready = performance.now() - t0;
      await video.play();
      await Promise.race([framed, failed, timeout]);
      return marks;
    } finally {
      player.destroy();
    }
  })()`;
}

const CLEAR_SCRIPT = `(async () => {
  const t0 = performance.now();
  ${WATCH}
  const root = await navigator.storage.getDirectory();
  const file = await (await root.getFileHandle(${JSON.stringify(CLEAR_FILE)})).getFile();
  const url = URL.createObjectURL(file);
  try {
    video.src = url;
    await video.play();
    await Promise.race([framed, timeout]);
    return marks;
  } finally {
    video.removeAttribute('src');
    URL.revokeObjectURL(url);
  }
})()`;

/** PBKDF2-HMAC-SHA256 with `iterations`, WebCrypto in the page: the key file's cost on its own. */
function pbkdf2Script(iterations: number): string {
  return `(async () => {
    const material = await crypto.subtle.importKey('raw', new TextEncoder().encode('BenchOfflineKey0123456789aB'), 'PBKDF2', false, ['deriveBits']);
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const t0 = performance.now();
    await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: ${iterations} }, material, 256);
    return performance.now() - t0;
  })()`;
}

/** The key file's PBKDF2 iteration count (u32 big-endian at offset 8; packages/crypto/src/key-file.ts). */
function keyFileIterations(base64: string): number {
  return Buffer.from(base64, 'base64').readUInt32BE(8);
}

async function oneRun(
  context: BrowserContext,
  server: ServerProcess,
  kind: Kind,
  fixture: Fixture,
): Promise<OfflineMarks> {
  const page = await sdkPage(context, server);
  try {
    await context.setOffline(true);
    return (await page.evaluate(kind === 'package' ? packageScript(fixture) : CLEAR_SCRIPT)) as OfflineMarks;
  } finally {
    await context.setOffline(false);
    await page.close();
  }
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const dataDir = join(ctx.workDir, 'data');
  ctx.log('starting securevod and transcoding a private clip…');
  const server = await startService({ dataDir });
  let browser: Browser | undefined;
  const runs: Array<{ kind: Kind; marks: OfflineMarks }> = [];
  let fixture: Fixture;
  let version = '';
  const pbkdf2Ms: number[] = [];
  try {
    const vod = vodClient(server.url);
    const clip = join(ctx.workDir, 'clip.mp4');
    await makeClip(clip, { seconds: 12, width: 640, height: 360 });
    // 2.5 Mbit/s, as the offline browser test: the package spans several 1 MiB chunks.
    const group = await addGroup(vod, 'offline ttff', [
      {
        ...encryptedTemplate('SD', 360, 'AliyunVoDEncryption'),
        Video: { Codec: 'H.264', Bitrate: '2500', Height: '360' },
      },
    ]);
    const videoId = await uploadVideo(vod, clip, group, 'offline ttff');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    version = browser.version();
    const context = await browser.newContext();
    ctx.log('downloading the package with the SDK into OPFS, and the clear MP4 next to it…');
    fixture = await prepare(context, server, videoId);
    ctx.log('warm-up: one unmeasured run of each…');
    await oneRun(context, server, 'clear', fixture);
    await oneRun(context, server, 'package', fixture);
    for (let pair = 0; pair < RUNS; pair++) {
      const order: Kind[] = pair % 2 === 0 ? ['clear', 'package'] : ['package', 'clear'];
      for (const kind of order) runs.push({ kind, marks: await oneRun(context, server, kind, fixture) });
      const last = runs.slice(-2).map((r) => `${r.kind} ${r.marks.firstFrame.toFixed(0)} ms`);
      ctx.log(`run ${pair + 1}/${RUNS}: ${last.join(', ')}`);
    }
    const page = await sdkPage(context, server);
    try {
      for (let i = 0; i < 5; i++) {
        pbkdf2Ms.push((await page.evaluate(pbkdf2Script(keyFileIterations(fixture.keyFile)))) as number);
      }
    } finally {
      await page.close();
    }
  } finally {
    await browser?.close();
    await server.stop();
  }

  const of = (kind: Kind, f: (m: OfflineMarks) => number | undefined) =>
    runs.filter((r) => r.kind === kind).map((r) => f(r.marks) ?? NaN);
  const range = (xs: number[]) => {
    const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
    return `${s[0]?.toFixed(0)}–${s.at(-1)?.toFixed(0)} ms`;
  };
  const ours = {
    firstFrame: of('package', (m) => m.firstFrame),
    moving: of('package', (m) => m.moving),
    ready: of('package', (m) => m.ready),
  };
  const anchor = { firstFrame: of('clear', (m) => m.firstFrame), moving: of('clear', (m) => m.moving) };
  return {
    name: 'offline-ttff',
    title: TITLE,
    ours: 'createOfflinePlayer on an OPFS-stored secure package (key file check, decrypt, MSE)',
    anchor: 'the same clip as a clear fMP4 in OPFS, played with video.src = blob: (no decryption, no MSE)',
    rows: [
      compare(
        `open to first frame, median of ${RUNS}`,
        'ms',
        median(ours.firstFrame),
        median(anchor.firstFrame),
      ),
      compare(
        'open to playback moving (mediaTime > 0), median',
        'ms',
        median(ours.moving),
        median(anchor.moving),
      ),
    ],
    notes: [
      `Clip: 12 s 640×360 testsrc2 + sine, one SD rendition at 2.5 Mbit/s, AliyunVoDEncryption, transcoded by the server. Package ${fixture.packageBytes} bytes, downloaded by SecureVod.createDownloader() into OPFS; clear MP4 ${fixture.clearBytes} bytes (the Normal-mode download of the same rendition), written to OPFS. Chromium ${version} headless, one context, a fresh page per run, context offline (playwright setOffline) while measuring.`,
      'Clock: performance.now() just before createOfflinePlayer() (ours) or before opening the OPFS file (anchor). First frame = presentationTime of the first requestVideoFrameCallback; moving = the first presented frame with mediaTime > 0. Ours includes opening the key file (PBKDF2 with the AppDecryptKey), authenticating the package header and the revocation check.',
      `First frame, min–max: package ${range(ours.firstFrame)}, clear ${range(anchor.firstFrame)}. Ours, player.ready at median ${median(ours.ready).toFixed(0)} ms.`,
      `For scale: PBKDF2-HMAC-SHA256 with the key file's ${keyFileIterations(fixture.keyFile)} iterations alone takes ${median(pbkdf2Ms).toFixed(0)} ms (median of ${pbkdf2Ms.length}, WebCrypto in the same browser); opening the key file needs exactly one.`,
    ],
    details: { runs, pbkdf2Ms, fixture: { ...fixture, keyFile: '(omitted)' } },
  };
}

const benchmark: Benchmark = { name: 'offline-ttff', title: TITLE, run };
export default benchmark;
