/**
 * Crash consistency (issue 11, item 12): the real server is SIGKILLed at 20 random moments while
 * clients upload (pop-core + ali-oss), the worker transcodes, players fetch keys, apps download
 * secure packages and register, customers ask the KMS for data keys, and `securevod kms rotate`
 * runs beside it; after each kill it is restarted on the same port and data dir. Afterwards:
 *   - every upload ali-oss saw acknowledged is there, whole (GetMezzanineInfo's Size);
 *   - no video is half-published: a Normal video plays completely (every playlist URI answers),
 *     any other refuses GetPlayInfo; a TranscodeFail is only the documented "worker stopped
 *     during the last attempt";
 *   - no job is stuck: every video settles, and no job is left queued or running;
 *   - no plaintext key material is on disk: data keys, the AES-128 keys players received, the
 *     playback token secrets, download secrets, KMS data keys and the AppDecryptKey are searched
 *     for in every file under the data dir (and in the server's logs);
 *   - a secure download made after all that opens with the newest key file.
 * The moments are drawn from a seeded generator; the seed is printed, and
 * SECUREVOD_CRASH_SEED=<seed> replays the same schedule (timing still varies with the machine).
 */
import {
  decodeAppEncryptKey,
  openKeyFile,
  openPackage,
  packageSourceFromBytes,
  readPackageHeader,
} from '@securevod/crypto';
import type RPCClient from '@alicloud/pop-core';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { openLocalKms } from '../../src/kms/local-kms.js';
import { loadPlaybackSecrets } from '../../src/playback/playback-secrets.js';
import { openDatabase } from '../../src/store/database.js';
import { createSettingsStore } from '../../src/store/settings-store.js';
import { createVideoStore } from '../../src/store/video-store.js';
import { STUCK_REASON } from '../../src/transcode/stuck-transcode-sweeper.js';
import { videoDataKeyContext } from '../../src/transcode/transcode-job-handler.js';
import { addGroup, encryptedTemplate } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import {
  filesContaining,
  makeDataDir,
  removeDir,
  SECUREVOD_BIN,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';
import { createUpload, ossClientFor } from '../support/vod-upload.js';

const run = promisify(execFile);
const KILLS = 20;
const MAX_UPLOADS = 16;
const APP = 'https://learn.example.com';
const APP_DECRYPT_KEY = 'CrashTestKey2026abcXY';
const SLOW = { method: 'POST', timeout: 30_000 } as const;
const SETTLED = ['Normal', 'TranscodeFail', 'Uploading', 'UploadFail'];

/** mulberry32: a small seeded generator, so a schedule can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Video {
  VideoId: string;
  Status: string;
  StatusReason?: string;
}

describe('crash consistency: SIGKILL at 20 random moments', () => {
  let dataDir: string;
  let work: string;
  let clip: string;
  let clipSize: number;
  let port: number;
  let server: ServerProcess | undefined;
  let logs = '';
  const seed = Number(process.env.SECUREVOD_CRASH_SEED ?? Date.now() % 2 ** 31);
  const random = seeded(seed);

  const start = async () => {
    server = await startServerProcess({
      dataDir,
      args: ['--port', String(port)],
      env: {
        SECUREVOD_X264_PRESET: 'ultrafast',
        // A killed worker's job is taken over 2 s later instead of 60 s.
        SECUREVOD_JOB_LEASE_MS: '2000',
        SECUREVOD_SHUTDOWN_GRACE_MS: '0',
      },
    });
    return server;
  };

  before(async () => {
    dataDir = await makeDataDir('securevod-crash-');
    work = await makeDataDir('securevod-crash-work-');
    clip = join(work, 'clip.mp4');
    await makeClip(clip, { seconds: 1, width: 224, height: 128, fps: 10 });
    clipSize = (await stat(clip)).size;
    port = await freePort();
    await start();
  });

  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
    await removeDir(work);
  });

  test(`uploads, transcodes, downloads and key rotation survive ${KILLS} SIGKILLs`, async (t) => {
    t.diagnostic(`seed ${seed} (SECUREVOD_CRASH_SEED=${seed} replays the schedule)`);
    const vod = () => vodClient(server!.url);
    const groupId = await addGroup(vod(), 'crash', [encryptedTemplate('LD', 128, 'HLSEncryption', 1)]);
    await vod().request('SetCustomerConfig', { DownloadSwitch: 'on', DownloadMode: 'Secure' }, SLOW);

    const acked: string[] = [];
    const keyFiles: string[] = [];
    const kmsPlaintexts: Uint8Array[] = [];
    const heardKeys: Uint8Array[] = [];
    const counts = {
      uploads: 0,
      plays: 0,
      downloads: 0,
      dataKeys: 0,
      registrations: 0,
      rotations: 0,
      failures: 0,
    };

    const uploader = async (client: RPCClient, stop: () => boolean) => {
      while (!stop() && counts.uploads < MAX_UPLOADS) {
        try {
          const ticket = await createUpload(client, {
            Title: 'crash',
            FileName: 'clip.mp4',
            TemplateGroupId: groupId,
          });
          await ossClientFor(ticket).put(ticket.address.FileName, clip);
          acked.push(ticket.videoId);
          counts.uploads++;
        } catch {
          counts.failures++;
          await sleep(150);
        }
      }
    };
    const viewer = async (client: RPCClient, base: string, stop: () => boolean) => {
      while (!stop()) {
        const pick = random();
        try {
          if (pick < 0.15) {
            const key = await client.request<{ Plaintext: string }>('GenerateKMSDataKey', {});
            kmsPlaintexts.push(Buffer.from(key.Plaintext, 'base64'));
            counts.dataKeys++;
          } else if (pick < 0.25) {
            const issued = await client.request<{ AppEncryptKey: string }>(
              'GenerateDownloadSecretKey',
              { AppIdentification: APP, AppDecryptKey: APP_DECRYPT_KEY },
              { method: 'POST' },
            );
            keyFiles.push(issued.AppEncryptKey);
            counts.registrations++;
          } else if (acked.length > 0) {
            const videoId = acked[Math.floor(random() * acked.length)]!;
            if (pick < 0.6) {
              for (const key of await playCompletely(client, videoId)) heardKeys.push(key);
              counts.plays++;
            } else if (keyFiles.length > 0) {
              await download(client, base, videoId);
              counts.downloads++;
            }
          } else {
            await sleep(100);
          }
        } catch {
          counts.failures++;
          await sleep(150);
        }
      }
    };

    for (let kill = 0; kill < KILLS; kill++) {
      let stopped = false;
      const stop = () => stopped;
      const client = vod();
      const base = server!.url;
      const clients = [uploader(client, stop), viewer(client, base, stop)];
      // Rotation runs beside the live server (as an operator would), every few rounds.
      const rotation =
        kill % 6 === 3
          ? run(process.execPath, [SECUREVOD_BIN, 'kms', 'rotate', '--data-dir', dataDir, '--json']).then(
              () => {
                counts.rotations++;
              },
            )
          : Promise.resolve();
      await sleep(600 + random() * 2600);
      await server!.kill9();
      logs += server!.output();
      stopped = true;
      await Promise.all([...clients, rotation]);
      await start();
    }
    t.diagnostic(`work done under fire: ${JSON.stringify(counts)}`);
    assert.ok(counts.uploads >= 5, `too few acknowledged uploads to judge: ${JSON.stringify(counts)}`);
    assert.ok(counts.rotations >= 3, 'kms rotate ran');

    // Settle: every video leaves UploadSucc/Transcoding (the stuck-transcode sweep runs every 60 s).
    const deadline = Date.now() + 180_000;
    let videos: Video[] = [];
    for (;;) {
      videos = await listVideos(vod());
      const busy = videos.filter((v) => !SETTLED.includes(v.Status));
      if (busy.length === 0) break;
      assert.ok(Date.now() < deadline, `videos stuck: ${JSON.stringify(busy)}`);
      await sleep(1000);
    }
    const byId = new Map(videos.map((v) => [v.VideoId, v]));
    const statusCounts: Record<string, number> = {};
    for (const v of videos) statusCounts[v.Status] = (statusCounts[v.Status] ?? 0) + 1;
    t.diagnostic(`final statuses: ${JSON.stringify(statusCounts)}`);

    // Every acknowledged upload is there, whole, and went on to a final state.
    for (const videoId of acked) {
      const video = byId.get(videoId);
      assert.ok(video, `acknowledged upload ${videoId} is missing`);
      assert.ok(['Normal', 'TranscodeFail'].includes(video.Status), `${videoId}: ${video.Status}`);
      const { Mezzanine } = await vod().request<{ Mezzanine: { Size: number } }>(
        'GetMezzanineInfo',
        { VideoId: videoId },
        SLOW,
      );
      assert.equal(Number(Mezzanine.Size), clipSize, `${videoId}: the stored source is whole`);
    }
    // No video is half-published.
    for (const video of videos) {
      if (video.Status === 'TranscodeFail') assert.equal(video.StatusReason, STUCK_REASON, video.VideoId);
      if (video.Status === 'Normal') {
        for (const key of await playCompletely(vod(), video.VideoId)) heardKeys.push(key);
      } else {
        await assert.rejects(
          vod().request('GetPlayInfo', { VideoId: video.VideoId }, SLOW),
          (error: { data?: { Code?: string } }) => typeof error.data?.Code === 'string',
          `${video.VideoId} (${video.Status}) must not play`,
        );
      }
    }
    // The download secrets and master keys that survived all this still open a fresh package.
    const normal = videos.find((v) => v.Status === 'Normal');
    assert.ok(normal, 'at least one video was published');
    const issued = await vod().request<{ AppEncryptKey: string }>(
      'GenerateDownloadSecretKey',
      { AppIdentification: APP, AppDecryptKey: APP_DECRYPT_KEY },
      SLOW,
    );
    keyFiles.push(issued.AppEncryptKey);
    const pkg = await download(vod(), server!.url, normal.VideoId);
    const keyFile = await openKeyFile(decodeAppEncryptKey(issued.AppEncryptKey), {
      appIdentification: APP,
      appDecryptKey: APP_DECRYPT_KEY,
    });
    const opened = await openPackage(packageSourceFromBytes(pkg), {
      secretKey: keyFile.secretKey,
      secretVersion: keyFile.secretVersion,
      appIdentification: keyFile.appIdentification,
    });
    let plaintextBytes = 0;
    for await (const chunk of opened.stream()) plaintextBytes += chunk.length;
    assert.equal(plaintextBytes, readPackageHeader(pkg).plaintextLength);

    await server!.stop();
    logs += server!.output();
    server = undefined;

    // No job is left queued or running; no plaintext key material is on disk.
    const db = await openDatabase({ sqlitePath: join(dataDir, 'securevod.sqlite') });
    const kms = await openLocalKms({ dir: join(dataDir, 'kms') });
    const secrets: Uint8Array[] = [...kmsPlaintexts, ...heardKeys, Buffer.from(APP_DECRYPT_KEY)];
    try {
      const live = await db.kysely
        .selectFrom('jobs')
        .select(['id', 'type', 'status'])
        .where('status', 'in', ['queued', 'running'])
        .execute();
      assert.deepEqual(live, [], 'jobs left queued or running');
      const store = createVideoStore(db);
      for (const video of videos) {
        const row = await store.find(video.VideoId);
        if (!row?.dataKeyCiphertext) continue;
        const { plaintext } = await kms.decrypt(row.dataKeyCiphertext, videoDataKeyContext(video.VideoId));
        secrets.push(new Uint8Array(plaintext));
      }
      secrets.push(...(await loadPlaybackSecrets(kms, createSettingsStore(db))));
    } finally {
      await db.close();
      await kms.close();
    }
    for (const text of keyFiles) {
      const file = await openKeyFile(decodeAppEncryptKey(text), {
        appIdentification: APP,
        appDecryptKey: APP_DECRYPT_KEY,
        extractable: true,
      });
      secrets.push(new Uint8Array(await crypto.subtle.exportKey('raw', file.secretKey)));
    }
    t.diagnostic(`searching the data dir for ${secrets.length} keys and secrets`);
    assert.deepEqual(await filesContaining(dataDir, secrets), [], 'plaintext key material on disk');
    for (const secret of secrets) {
      for (const form of [Buffer.from(secret).toString('hex'), Buffer.from(secret).toString('base64')]) {
        assert.ok(!logs.includes(form), 'key material in the server log');
      }
    }
  });
});

async function listVideos(client: RPCClient): Promise<Video[]> {
  const all: Video[] = [];
  for (let page = 1; ; page++) {
    const res = await client.request<{ VideoList?: { Video: Video[] } }>(
      'GetVideoList',
      { PageNo: page, PageSize: 100 },
      SLOW,
    );
    const list = res.VideoList?.Video ?? [];
    all.push(...list);
    if (list.length < 100) return all;
  }
}

/** GetPlayInfo, then every URI of every playlist it leads to must answer 200; returns the keys. */
async function playCompletely(client: RPCClient, videoId: string): Promise<Uint8Array[]> {
  const info = await client.request<{ PlayInfoList: { PlayInfo: { PlayURL: string }[] } }>(
    'GetPlayInfo',
    { VideoId: videoId },
    SLOW,
  );
  const keys: Uint8Array[] = [];
  const visit = async (url: string): Promise<void> => {
    const body = await fetchOk(url);
    const text = Buffer.from(body).toString('utf8');
    if (!text.startsWith('#EXTM3U')) {
      if (new URL(url).pathname.startsWith('/keys/')) {
        assert.equal(body.length, 16, 'an AES-128 key');
        keys.push(body);
      }
      return;
    }
    const uris = [
      ...[...text.matchAll(/URI="([^"]+)"/g)].map((m) => m[1]!),
      ...text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#')),
    ];
    assert.ok(uris.length >= 1, `${videoId}: ${url} names nothing`);
    for (const uri of new Set(uris)) await visit(new URL(uri, url).href);
  };
  for (const { PlayURL } of info.PlayInfoList.PlayInfo) await visit(PlayURL);
  assert.ok(keys.length >= 1, `${videoId}: an encrypted rendition names its key`);
  return keys;
}

async function download(client: RPCClient, base: string, videoId: string): Promise<Uint8Array> {
  const { PlayAuth } = await client.request<{ PlayAuth: string }>(
    'GetVideoPlayAuth',
    { VideoId: videoId },
    SLOW,
  );
  const query = new URLSearchParams({ PlayAuth, Definition: 'LD', AppIdentification: APP });
  return fetchOk(`${base}/download/${videoId}?${query}`);
}

async function fetchOk(url: string): Promise<Uint8Array> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  const body = new Uint8Array(await res.arrayBuffer());
  assert.equal(res.status, 200, `${url}: ${res.status} ${Buffer.from(body).toString('utf8').slice(0, 200)}`);
  return body;
}
