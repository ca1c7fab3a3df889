/**
 * The built SDK bundle (dist/securevod-player.js, as a plain page loads it) plays clear, standard
 * (AES-128) and private (AES-256-GCM) streams in real Chromium, against a TEST DOUBLE of the
 * securevod server (test/support/play-service-test-double.ts) serving media the real packager
 * made. The same assertions are to run against the real server once its playback side is wired.
 *
 * Per scheme: playback passes 5 s with decoded frames and no fatal error, and resumes after a
 * seek. For private streams, from the server's request log: keys were only ever exchanged
 * (wrapped, never raw bytes), and every `.svs` segment was fetched with the session token, which
 * only the SDK's loader puts on URLs. Sessions: a 4 s session is refreshed ahead of expiry and
 * playback continues past 8 s; a session that expires early is renewed after `403 MediaTokenExpired`
 * through `refreshPlayAuth`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { PackagingScheme } from '../../server/src/transcode/packager.js';
import type { Player, PlayerOptions } from '../src/index.js';
import { CLIP_SECONDS, makePackagedFixtures, type PackagedFixtures } from './support/packaged-fixtures.js';
import { PlayServiceTestDouble, type LoggedRequest } from './support/play-service-test-double.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BUNDLE = join(ROOT, 'packages/player/dist/securevod-player.js');
const DEMO = join(ROOT, 'packages/player/demo/player.html');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const PLAY_TIMEOUT_MS = 30_000;

interface PageReport {
  currentTime: number;
  frames: number;
  paused: boolean;
  errors: Array<{ type: string; details: string; fatal: boolean; code?: string; message: string }>;
  refreshed: Array<{ via: string }>;
  stats: { decryptedSegments: number; keyExchanges: number; sessionRefreshes: number };
  definitions: string[];
}

let dir: string;
let fixtures: PackagedFixtures;
let double: PlayServiceTestDouble;
let origin: string;
let browser: Browser;

before(async () => {
  // `npm test` runs this too; here it keeps the test honest about testing the current sources.
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build-sdk.mjs'), '--quiet'], {
    stdio: 'inherit',
  });
  assert.equal(built.status, 0, 'scripts/build-sdk.mjs failed');
  assert.ok(existsSync(BUNDLE));
  dir = await mkdtemp(join(tmpdir(), 'securevod-player-'));
  fixtures = await makePackagedFixtures(dir);
  double = new PlayServiceTestDouble(fixtures.store, Object.values(fixtures.videos), BUNDLE, DEMO);
  origin = await double.listen();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await double?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Opens the test page and starts a player; resolves once `player.ready` and `play()` resolved. */
async function startPlayer(
  scheme: PackagingScheme,
  options: {
    sessionMs?: number;
    advertisedMs?: number;
    renew?: boolean;
    hlsConfig?: Record<string, unknown>;
  } = {},
): Promise<Page> {
  const video = fixtures.videos[scheme];
  const sessionMs = options.sessionMs ?? 120_000;
  const playAuth = double.issuePlayAuth(video.videoId, {
    sessionMs,
    ...(options.advertisedMs && { advertisedMs: options.advertisedMs }),
  });
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`[page] ${error.message}`));
  await page.goto(`${origin}/test.html`);
  const renewQuery = options.renew
    ? `vid=${video.videoId}&sessionMs=${sessionMs}${options.advertisedMs ? `&advertisedMs=${options.advertisedMs}` : ''}`
    : undefined;
  await page.evaluate(
    async ({ vid, playAuth, renewQuery, hlsConfig }) => {
      const w = window as unknown as Record<string, unknown> & {
        SecureVod: { createPlayer: (o: PlayerOptions) => Player };
      };
      const errors: unknown[] = [];
      const refreshed: unknown[] = [];
      w.__errors = errors;
      w.__refreshed = refreshed;
      const videoElement = document.querySelector('video')!;
      const player = w.SecureVod.createPlayer({
        video: videoElement,
        vid,
        playAuth,
        hlsConfig: { ...hlsConfig, debug: false },
        // Bound, not an inline function: tsx would wrap a named function literal in __name(),
        // which does not exist in the page.
        ...(renewQuery && {
          refreshPlayAuth: (w.fetchPlayAuth as (q: string) => Promise<string>).bind(null, renewQuery),
        }),
      });
      player.on('error', (e: { toJSON(): unknown }) => errors.push(e.toJSON()));
      player.on('session-refreshed', (e: unknown) => refreshed.push(e));
      w.__player = player;
      await player.ready;
      await videoElement.play();
    },
    { vid: video.videoId, playAuth, renewQuery, hlsConfig: options.hlsConfig ?? {} },
  );
  return page;
}

async function waitForTime(page: Page, seconds: number): Promise<void> {
  try {
    await page.waitForFunction((t) => document.querySelector('video')!.currentTime > t, seconds, {
      timeout: PLAY_TIMEOUT_MS,
      polling: 100,
    });
  } catch (error) {
    throw new Error(`playback did not pass ${seconds} s: ${JSON.stringify(await report(page))}`, {
      cause: error,
    });
  }
}

function report(page: Page): Promise<PageReport> {
  return page.evaluate(() => {
    const w = window as unknown as {
      __errors: PageReport['errors'];
      __refreshed: PageReport['refreshed'];
      __player: Player;
    };
    const v = document.querySelector('video')!;
    return {
      currentTime: v.currentTime,
      frames: v.getVideoPlaybackQuality().totalVideoFrames,
      paused: v.paused,
      errors: w.__errors,
      refreshed: w.__refreshed,
      stats: w.__player.stats,
      definitions: [...w.__player.definitions],
    };
  });
}

/** Plays past 5 s, then seeks back to the middle of what was played and expects playback to resume. */
async function playAndSeek(page: Page): Promise<PageReport> {
  await waitForTime(page, 5.2);
  const played = await report(page);
  assert.ok(played.frames > 0, 'frames were decoded');
  await page.evaluate(() => {
    document.querySelector('video')!.currentTime = 2.5;
  });
  await page.waitForFunction(() => !document.querySelector('video')!.seeking, undefined, {
    timeout: PLAY_TIMEOUT_MS,
  });
  const seekedAt = (await report(page)).currentTime;
  assert.ok(seekedAt >= 2.4 && seekedAt < 5, `the seek landed at ${seekedAt}`);
  await waitForTime(page, 3.7);
  const final = await report(page);
  assert.equal(final.paused, false);
  assert.ok(final.frames > played.frames, 'more frames after the seek');
  return final;
}

function assertNoFatal(r: PageReport): void {
  const fatal = r.errors.filter((e) => e.fatal);
  assert.deepEqual(fatal, [], `fatal errors: ${JSON.stringify(fatal)}`);
}

/** Requests logged while `fn` ran. */
async function logged(fn: () => Promise<void>): Promise<LoggedRequest[]> {
  const from = double.requests.length;
  await fn();
  return double.requests.slice(from);
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

void describe('the SDK bundle in Chromium', { timeout: 240_000 }, () => {
  // Short buffers make hls.js fetch segments throughout playback, and back-buffer eviction makes
  // the seek fetch (and for private streams, decrypt) again.
  const hlsConfig = { maxBufferLength: 4, maxMaxBufferLength: 4, backBufferLength: 0 };

  void it('plays a clear stream and resumes after a seek', async () => {
    let final!: PageReport;
    const requests = await logged(async () => {
      const page = await startPlayer('none', { hlsConfig });
      final = await playAndSeek(page);
      await page.close();
    });
    assertNoFatal(final);
    assert.deepEqual(final.definitions, ['AUTO', 'LD', 'SD']);
    assert.equal(requests.filter((r) => r.kind.startsWith('key')).length, 0);
    const segments = requests.filter((r) => r.kind === 'segment');
    assert.ok(segments.length >= 3);
    assert.ok(
      segments.every((r) => r.tokenFamily === 'session' && r.status === 200),
      'token set on every request',
    );
  });

  void it('plays a standard (AES-128) stream: hls.js decrypts, one request per key URI', async () => {
    let final!: PageReport;
    const requests = await logged(async () => {
      const page = await startPlayer('aes-128', { hlsConfig });
      final = await playAndSeek(page);
      await page.close();
    });
    assertNoFatal(final);
    const keys = requests.filter((r) => r.kind === 'key-hls');
    assert.ok(keys.length >= 2, `key periods fetched: ${keys.length}`);
    assert.ok(keys.every((r) => r.status === 200 && r.tokenFamily === 'session'));
    for (const [path, n] of countBy(keys, (r) => r.path)) assert.equal(n, 1, `${path} requested ${n} times`);
    assert.equal(requests.filter((r) => r.kind === 'key-private').length, 0);
    assert.equal(final.stats.decryptedSegments, 0, 'the SDK decrypts nothing itself for AES-128');
  });

  void it('plays a private (AES-256-GCM) stream: wrapped keys only, every segment through the SDK loader', async () => {
    let final!: PageReport;
    const requests = await logged(async () => {
      const page = await startPlayer('aes-256-gcm', { hlsConfig });
      final = await playAndSeek(page);
      await page.close();
    });
    assertNoFatal(final);
    const keyRequests = requests.filter((r) => r.kind === 'key-private');
    assert.ok(keyRequests.length >= 3, `key exchanges: ${keyRequests.length}`);
    for (const r of keyRequests) {
      assert.equal(r.method, 'POST');
      assert.equal(r.status, 200);
      assert.equal(r.leakedKey, false, 'no key response contained the key');
      assert.deepEqual(r.responseFields, ['ServerPublicKey', 'Iv', 'WrappedKey']);
    }
    for (const [path, n] of countBy(keyRequests, (r) => r.path))
      assert.equal(n, 1, `${path} exchanged ${n} times`);
    assert.equal(final.stats.keyExchanges, keyRequests.length);
    assert.equal(
      requests.filter((r) => r.kind === 'key-hls').length,
      0,
      'no standard key URL was ever asked for',
    );

    const svs = requests.filter((r) => r.kind === 'segment');
    assert.ok(svs.length >= 3 && svs.every((r) => r.path.endsWith('.svs')));
    const notViaSdk = svs.filter((r) => r.tokenFamily !== 'session');
    assert.deepEqual(notViaSdk, [], 'every .svs request carried the session token only the SDK loader sets');
    assert.ok(final.stats.decryptedSegments >= 3, `decrypted ${final.stats.decryptedSegments}`);
    assert.ok(final.stats.decryptedSegments <= svs.length);
  });

  void it('refreshes a 4 s session ahead of expiry; playback continues past 8 s', async () => {
    let final!: PageReport;
    const requests = await logged(async () => {
      const page = await startPlayer('aes-256-gcm', {
        sessionMs: 4_000,
        hlsConfig: { maxBufferLength: 2, maxMaxBufferLength: 2 },
      });
      await waitForTime(page, 8.2);
      final = await report(page);
      await page.close();
    });
    assertNoFatal(final);
    assert.ok(final.frames > 0);
    assert.ok(final.refreshed.length >= 1 && final.refreshed.every((e) => e.via === 'refresh'));
    assert.ok(requests.some((r) => r.kind === 'refresh' && r.status === 200));
    assert.deepEqual(
      requests.filter((r) => r.status !== 200),
      [],
      'no request was refused',
    );
    const afterRefresh = requests.filter(
      (r) => (r.kind === 'segment' || r.kind === 'key-private') && r.tokenVia === 'refresh',
    );
    assert.ok(afterRefresh.length >= 1, 'media was fetched with a refreshed token');
  });

  void it('after 403 MediaTokenExpired, renews the session through refreshPlayAuth and retries', async () => {
    let final!: PageReport;
    const requests = await logged(async () => {
      // The session claims 10 minutes but the server honours 3 s: no proactive refresh happens.
      const page = await startPlayer('aes-256-gcm', {
        sessionMs: 3_000,
        advertisedMs: 600_000,
        renew: true,
        hlsConfig: { maxBufferLength: 2, maxMaxBufferLength: 2 },
      });
      await waitForTime(page, Math.min(8.2, CLIP_SECONDS - 1));
      final = await report(page);
      await page.close();
    });
    assertNoFatal(final);
    // The loader retried with the new token itself: hls.js never saw a failed request.
    assert.deepEqual(
      final.errors.filter((e) => e.type !== 'media'),
      [],
      JSON.stringify(final.errors),
    );
    const expired = requests.filter((r) => r.code === 'MediaTokenExpired' && r.kind !== 'refresh');
    assert.ok(expired.length >= 1, 'the server refused an expired token');
    assert.ok(requests.filter((r) => r.kind === 'play-info').length >= 2, 'a new session via /play/info');
    assert.ok(final.refreshed.some((e) => e.via === 'playAuth'));
    for (const refused of expired) {
      const index = requests.indexOf(refused);
      const retried = requests.slice(index + 1).find((r) => r.path === refused.path && r.status === 200);
      assert.ok(retried, `${refused.path} was retried successfully`);
    }
  });

  void it('the demo page plays ?vid=&playAuth= and switches definition from its picker', async () => {
    const video = fixtures.videos['aes-256-gcm'];
    const playAuth = double.issuePlayAuth(video.videoId, { sessionMs: 120_000 });
    const page = await browser.newPage();
    await page.goto(
      `${origin}/demo/player.html?vid=${video.videoId}&playAuth=${encodeURIComponent(playAuth)}`,
    );
    const state = page.locator('#state');
    await page.waitForFunction(
      () => document.querySelectorAll('#definition option').length === 3,
      undefined,
      {
        timeout: PLAY_TIMEOUT_MS,
      },
    );
    assert.deepEqual(await page.locator('#definition option').allTextContents(), ['AUTO', 'LD', 'SD']);
    // Headless Chromium refuses unmuted autoplay; a viewer would press play.
    await page.evaluate(() => {
      const v = document.querySelector('video')!;
      v.muted = true;
      return v.play();
    });
    await waitForTime(page, 1.5);
    await page.locator('#definition').selectOption('LD');
    await page.waitForFunction(() => document.querySelector('video')!.currentTime > 3, undefined, {
      timeout: PLAY_TIMEOUT_MS,
    });
    assert.equal(await state.textContent(), 'playing');
    assert.equal(await page.locator('#errors li.fatal').count(), 0);
    assert.match((await page.locator('#stats').textContent()) ?? '', /decrypted segments [1-9]/);
    assert.equal(
      await page.evaluate(() => (window as unknown as { player: { definition: string } }).player.definition),
      'LD',
    );
    await page.close();
  });

  void it('the ES module build exports the same API as the global', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/test.html`);
    const names = await page.evaluate(async () => {
      const esm = (await import(`${location.origin}/sdk/securevod-player.mjs`)) as Record<string, unknown>;
      const global = (window as unknown as { SecureVod: Record<string, unknown> }).SecureVod;
      return { esm: Object.keys(esm).sort(), global: Object.keys(global).sort() };
    });
    assert.deepEqual(names.esm, names.global);
    assert.ok(names.esm.includes('createPlayer') && names.esm.includes('PlayerError'));
    await page.close();
  });
});
