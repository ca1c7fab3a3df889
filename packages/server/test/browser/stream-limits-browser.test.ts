/**
 * Issue 13 item 4 in Chromium: the SDK bundle the server serves (/sdk/securevod-player.js), on one
 * page, opens players for one viewer under a limit of 2 set with SetCustomerConfig. A third player
 * fails with the typed, fatal `PlayerError` auth/concurrentStreams (`ready` rejects with it);
 * `destroy()` frees a slot; with EndOldest the third plays and the first is stopped with the
 * same error. Leases are 1 + 1 s so the players' refreshes (their heartbeat) run every ~1.6 s.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newPage } from '../support/browser.js';
import { addGroup, encryptedTemplate, uploadVideo } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import { within } from '../support/multi-node.js';
import {
  makeDataDir,
  removeDir,
  REPO_ROOT,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';

const run = promisify(execFile);

interface PlayerRecord {
  ready: boolean | 'failed';
  readyError?: { isPlayerError: boolean; details: string };
  fatal: { type: string; details: string; code?: string; message: string; isPlayerError: boolean }[];
}

describe('concurrent-stream limits in Chromium with the SDK', () => {
  let server: ServerProcess;
  let dataDir: string;
  let videoId: string;
  let browser: Browser;
  let page: Page;

  before(async () => {
    await run(process.execPath, [join(REPO_ROOT, 'scripts/build-sdk.mjs'), '--quiet']);
    dataDir = await makeDataDir();
    const clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: 4, width: 320, height: 180 });
    server = await startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
    const vod = vodClient(server.url);
    const group = await addGroup(vod, 'limited', [encryptedTemplate('LD', 180, 'AliyunVoDEncryption')]);
    videoId = await uploadVideo(vod, clip, group);
    await vod.request('SetCustomerConfig', {
      MaxConcurrentStreams: '2',
      StreamLeaseInterval: '1',
      StreamLeaseGrace: '1',
    });
    browser = await launchChromium();
    page = await newPage(browser);
    // The demo page without a video: just the SDK script, served by the server.
    await page.goto(`${server.url}/demo/player.html`);
    await page.evaluate(() => {
      type Sdk = {
        createPlayer(o: object): {
          ready: Promise<void>;
          on(t: string, cb: (e: Error & { fatal: boolean; toJSON(): object }) => void): void;
          destroy(): void;
        };
        PlayerError: new (...a: never[]) => Error;
      };
      const w = window as unknown as {
        SecureVod: Sdk;
        players: Record<string, { destroy(): void }>;
        records: Record<string, unknown>;
        openPlayer(name: string, vid: string, playAuth: string): void;
      };
      w.players = {};
      w.records = {};
      w.openPlayer = (name, vid, playAuth) => {
        const video = document.createElement('video');
        video.muted = true;
        document.body.append(video);
        const player = w.SecureVod.createPlayer({ video, vid, playAuth });
        const record: {
          ready: boolean | 'failed';
          fatal: object[];
          readyError?: object;
        } = { ready: false, fatal: [] };
        player.on('error', (e) => {
          if (e.fatal)
            record.fatal.push({ ...e.toJSON(), isPlayerError: e instanceof w.SecureVod.PlayerError });
        });
        player.ready.then(
          () => (record.ready = true),
          (e: Error & { details: string }) => {
            record.ready = 'failed';
            record.readyError = { isPlayerError: e instanceof w.SecureVod.PlayerError, details: e.details };
          },
        );
        w.players[name] = player;
        w.records[name] = record;
      };
    });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await removeDir(dataDir);
  });

  async function open(name: string, viewer: string): Promise<void> {
    const { PlayAuth } = await vodClient(server.url).request<{ PlayAuth: string }>('GetVideoPlayAuth', {
      VideoId: videoId,
      ViewerId: viewer,
    });
    await page.evaluate(
      ([n, v, a]) => (window as unknown as { openPlayer(...x: string[]): void }).openPlayer(n!, v!, a!),
      [name, videoId, PlayAuth],
    );
  }

  const record = (name: string) =>
    page.evaluate((n) => (window as unknown as { records: Record<string, PlayerRecord> }).records[n]!, name);

  /** The player's record once `check` holds (polled); fails after 30 s. */
  async function until(
    name: string,
    what: string,
    check: (r: PlayerRecord) => boolean,
  ): Promise<PlayerRecord> {
    let got: PlayerRecord | undefined;
    await within(30_000, what, async () => check((got = await record(name))));
    return got!;
  }

  const destroy = (name: string) =>
    page.evaluate(
      (n) => (window as unknown as { players: Record<string, { destroy(): void }> }).players[n]!.destroy(),
      name,
    );

  function assertConcurrentStreams(r: PlayerRecord): void {
    assert.equal(r.fatal.length, 1, JSON.stringify(r.fatal));
    const [error] = r.fatal;
    assert.equal(error!.isPlayerError, true, 'a SecureVod.PlayerError');
    assert.deepEqual(
      [error!.type, error!.details, error!.code],
      ['auth', 'concurrentStreams', 'Forbidden.ConcurrentStreams'],
    );
    assert.match(error!.message, /already watching on the most screens allowed/);
  }

  test('RefuseNew: the third player fails with the typed fatal error; destroy() frees a slot', async () => {
    const viewer = `viewer-${randomUUID()}`;
    await open('r1', viewer);
    await open('r2', viewer);
    await until('r1', 'r1 ready', (r) => r.ready === true);
    await until('r2', 'r2 ready', (r) => r.ready === true);
    await open('r3', viewer);
    const third = await until('r3', 'r3 refused', (r) => r.ready === 'failed');
    assert.deepEqual(third.readyError, { isPlayerError: true, details: 'concurrentStreams' });
    assertConcurrentStreams(third);

    await destroy('r1');
    await open('r4', viewer);
    const fourth = await until('r4', 'r4 settled', (r) => r.ready !== false);
    assert.equal(fourth.ready, true, JSON.stringify(fourth.fatal));
    // The live players were not disturbed.
    for (const name of ['r2', 'r4']) assert.deepEqual((await record(name)).fatal, []);
    await destroy('r2');
    await destroy('r4');
  });

  test('EndOldest: the third player plays and the first is stopped with the typed fatal error', async () => {
    await vodClient(server.url).request('SetCustomerConfig', { ConcurrentStreamsPolicy: 'EndOldest' });
    const viewer = `viewer-${randomUUID()}`;
    await open('e1', viewer);
    await until('e1', 'e1 ready', (r) => r.ready === true);
    await open('e2', viewer);
    await until('e2', 'e2 ready', (r) => r.ready === true);
    await open('e3', viewer);
    await until('e3', 'e3 ready', (r) => r.ready === true);
    const first = await until('e1', 'e1 stopped', (r) => r.fatal.length > 0);
    assertConcurrentStreams(first);
    for (const name of ['e2', 'e3']) assert.deepEqual((await record(name)).fatal, []);
  });
});
