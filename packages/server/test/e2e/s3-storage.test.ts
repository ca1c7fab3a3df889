/**
 * Cluster storage end to end: `securevod server` started with SECUREVOD_S3_* against a real
 * S3-protocol server (s3rver) and, where SoftHSM2 is installed, SECUREVOD_KMS=pkcs11. ali-oss
 * uploads, the worker transcodes, ffmpeg decodes the GetPlayInfo URL — and everything stored is
 * in the bucket: nothing under the data dir's storage, no plaintext data key or content key in
 * the bucket.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Kms } from '../../src/kms/kms.js';
import { openPkcs11Kms } from '../../src/kms/pkcs11-kms.js';
import { openDatabase } from '../../src/store/database.js';
import { createVideoStore } from '../../src/store/video-store.js';
import { videoDataKeyContext } from '../../src/transcode/transcode-job-handler.js';
import { addGroup, encryptedTemplate, uploadVideo } from '../support/fixtures.js';
import { decodeVideo, makeClip } from '../support/media.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import {
  filesContaining,
  makeDataDir,
  removeDir,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { createToken, SOFTHSM_MODULE } from '../support/softhsm.js';
import { vodClient } from '../support/vod-client.js';
import { createUpload, ossClientFor, waitForStatus } from '../support/vod-upload.js';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';

interface PlayInfoResponse {
  PlayInfoList: { PlayInfo: { PlayURL: string; Definition: string; Encrypt: number }[] };
}

const softHsm = existsSync(SOFTHSM_MODULE);

describe(`cluster storage: S3 bucket${softHsm ? ' and PKCS#11 KMS (SoftHSM2)' : ' (SoftHSM2 missing: local KMS)'}`, () => {
  let s3: S3TestServer;
  let bucket: string;
  let dataDir: string;
  let server: ServerProcess;
  let videoId: string;
  let clipFrames: number;
  let kmsEnv: Record<string, string> = {};
  let openKms: () => Promise<Kms> = () => Promise.reject(new Error('no KMS'));

  before(async () => {
    if (!softHsm && process.env.CI === 'true') assert.fail('CI must run this with SoftHSM2 (npm run setup)');
    s3 = await startS3Server();
    bucket = await s3.createBucket('securevod-media');
    dataDir = await makeDataDir('securevod-s3-e2e-');
    const clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: 6 });
    clipFrames = (await decodeVideo(clip)).frames;
    if (softHsm) {
      const hsmDir = join(dataDir, 'softhsm');
      await mkdir(join(hsmDir, 'tokens'), { recursive: true });
      const conf = join(hsmDir, 'softhsm2.conf');
      await writeFile(conf, `directories.tokendir = ${join(hsmDir, 'tokens')}\nobjectstore.backend = file\n`);
      process.env.SOFTHSM2_CONF = conf;
      const token = await createToken(conf);
      kmsEnv = {
        SOFTHSM2_CONF: conf,
        SECUREVOD_KMS: 'pkcs11',
        SECUREVOD_PKCS11_MODULE: token.modulePath,
        SECUREVOD_PKCS11_TOKEN_LABEL: token.tokenLabel,
        SECUREVOD_PKCS11_PIN: token.pin,
        SECUREVOD_PKCS11_KEY_LABEL: 'e2e-master',
      };
      openKms = () =>
        openPkcs11Kms({
          modulePath: token.modulePath,
          tokenLabel: token.tokenLabel,
          pin: token.pin,
          keyLabel: 'e2e-master',
        });
    } else {
      const { openLocalKms } = await import('../../src/kms/local-kms.js');
      openKms = () => openLocalKms({ dir: join(dataDir, 'kms') });
    }
    server = await startServerProcess({
      dataDir,
      env: {
        SECUREVOD_X264_PRESET: 'ultrafast',
        SECUREVOD_S3_BUCKET: bucket,
        SECUREVOD_S3_ENDPOINT: s3.endpoint,
        SECUREVOD_S3_REGION: s3.region,
        SECUREVOD_S3_ACCESS_KEY_ID: s3.accessKeyId,
        SECUREVOD_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
        ...kmsEnv,
      },
    });
    const vod = vodClient(server.url);
    const group = await addGroup(vod, 'standard', [encryptedTemplate('SD', 360, 'HLSEncryption', 2)]);
    videoId = await uploadVideo(vod, clip, group, 's3 lesson');
  });

  after(async () => {
    await server?.stop();
    await s3?.close();
    await removeDir(dataDir);
  });

  test('ffmpeg decodes every frame from the GetPlayInfo URL, served out of the bucket', async () => {
    const vod = vodClient(server.url);
    const res = await vod.request<PlayInfoResponse>('GetPlayInfo', { VideoId: videoId });
    const [info] = res.PlayInfoList.PlayInfo;
    assert.ok(info);
    assert.equal(info.Encrypt, 1);
    assert.equal((await decodeVideo(info.PlayURL)).frames, clipFrames);
  });

  test('media requests with Range get exactly those bytes from S3', async () => {
    const vod = vodClient(server.url);
    const res = await vod.request<PlayInfoResponse>('GetPlayInfo', { VideoId: videoId });
    const playlistUrl = res.PlayInfoList.PlayInfo[0]!.PlayURL;
    const playlist = await (await fetch(playlistUrl)).text();
    const segment = playlist.split('\n').find((line) => line !== '' && !line.startsWith('#'));
    assert.ok(segment, playlist);
    const url = new URL(segment, playlistUrl).toString();
    const whole = Buffer.from(await (await fetch(url)).arrayBuffer());
    assert.ok(whole.length > 1000);
    const ranged = await fetch(url, { headers: { range: 'bytes=100-599' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), `bytes 100-599/${whole.length}`);
    assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), whole.subarray(100, 600));
  });

  test('ali-oss multipartUpload with parts larger than one S3 part completes, and leaves no parts behind', async () => {
    const vod = vodClient(server.url);
    const size = 25 * 1024 * 1024 + 321;
    const path = join(dataDir, 'big.bin');
    await writeFile(path, randomBytes(size));
    const ticket = await createUpload(vod, {
      Title: 'big',
      FileName: 'big.mp4',
      TemplateGroupId: 'VOD_NO_TRANSCODE',
    });
    // 10 MiB parts: each is stored through the adapter's multipart path, so completing the
    // upload relies on the MD5 the adapter keeps for them.
    const result = await ossClientFor(ticket).multipartUpload(ticket.address.FileName, path, {
      partSize: 10 * 1024 * 1024,
      parallel: 2,
    });
    assert.equal(result.res.status, 200);
    const video = await waitForStatus(vod, ticket.videoId, ['UploadSucc', 'Normal'], 60_000);
    assert.equal(video.Size, size);
    const files = await s3.bucketFiles(bucket);
    assert.ok(!files.some((f) => f.includes('.multipart')), 'the upload parts are deleted');
    assert.ok(!files.some((f) => f.includes('#staging')), 'no staging objects are left');
    assert.deepEqual(await s3.pendingUploads(bucket), []);
  });

  test('everything is in the bucket, and no plaintext data key or content key is', async () => {
    assert.ok(!existsSync(join(dataDir, 'storage')), 'the data dir holds no object storage');
    const files = await s3.bucketFiles(bucket);
    assert.ok(
      files.some((f) => f.includes(`sources/${videoId}`)),
      'the (encrypted) source is in the bucket',
    );
    assert.ok(
      files.some((f) => f.includes(`videos/${videoId}`)),
      'the renditions are in the bucket',
    );

    const db = await openDatabase({ sqlitePath: join(dataDir, 'securevod.sqlite') });
    const kms = await openKms();
    const secrets: Uint8Array[] = [];
    try {
      const video = await createVideoStore(db).find(videoId);
      assert.ok(video?.dataKeyCiphertext);
      const { plaintext } = await kms.decrypt(video.dataKeyCiphertext, videoDataKeyContext(videoId));
      secrets.push(plaintext);
    } finally {
      await kms.close();
      await db.close();
    }
    // The AES-128 content keys the key service hands out for this video.
    const vod = vodClient(server.url);
    const res = await vod.request<PlayInfoResponse>('GetPlayInfo', { VideoId: videoId });
    const playlistUrl = res.PlayInfoList.PlayInfo[0]!.PlayURL;
    const playlist = await (await fetch(playlistUrl)).text();
    const keyUris = [...playlist.matchAll(/#EXT-X-KEY:[^\n]*URI="([^"]+)"/g)].map((m) =>
      new URL(m[1]!, playlistUrl).toString(),
    );
    assert.ok(keyUris.length >= 1);
    for (const uri of new Set(keyUris)) {
      const key = Buffer.from(await (await fetch(uri)).arrayBuffer());
      assert.equal(key.length, 16);
      secrets.push(key);
    }
    const hits = await filesContaining(join(s3.directory, bucket), secrets);
    assert.deepEqual(hits, [], 'key material found in the bucket');
  });
});
