/**
 * Abandoned multipart uploads are removed on a schedule (SECUREVOD_ABANDONED_UPLOAD_SECONDS),
 * through the full server with the unmodified `ali-oss` client: an upload that stops sending
 * parts loses them once it has been idle that long; an upload that keeps sending parts survives
 * past the same age and completes.
 */
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type RPCClient from '@alicloud/pop-core';
import type { OssClient, OssClientError } from '../upload/ali-oss-client.js';
import { makeClip } from '../support/media.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';
import { createUpload, ossClientFor, waitForStatus, type DecodedTicket } from '../support/vod-upload.js';
import { filesUnder } from './e2e-helpers.js';

const MAX_IDLE_SECONDS = 4;
const PART = 100 * 1024;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('abandoned multipart uploads are swept on a schedule', () => {
  let server: ServerProcess;
  let dataDir: string;
  let vod: RPCClient;
  let clip: string;

  before(async () => {
    dataDir = await makeDataDir();
    clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: 4, width: 640, height: 360 });
    assert.ok((await stat(clip)).size > 2 * PART, 'the clip has more than two parts');
    server = await startServerProcess({
      dataDir,
      env: { SECUREVOD_ABANDONED_UPLOAD_SECONDS: String(MAX_IDLE_SECONDS) },
    });
    vod = vodClient(server.url);
  });

  after(async () => {
    await server?.stop();
    if (dataDir) await removeDir(dataDir);
  });

  /** Part files of `uploadId` in the server's object storage. */
  const partFiles = async (uploadId: string) =>
    (await filesUnder(join(dataDir, 'storage', 'objects', '.multipart'))).filter((f) =>
      f.startsWith(`${uploadId}/`),
    );

  const listPartsCode = async (oss: OssClient, ticket: DecodedTicket, uploadId: string) => {
    try {
      await oss.listParts(ticket.address.FileName, uploadId);
      return 'ok';
    } catch (error) {
      return (error as OssClientError).code;
    }
  };

  test('an idle upload loses its parts; an active one of the same age keeps them and completes', async () => {
    const params = { FileName: 'clip.mp4', TemplateGroupId: 'VOD_NO_TRANSCODE' };
    const abandoned = await createUpload(vod, { ...params, Title: 'abandoned' });
    const live = await createUpload(vod, { ...params, Title: 'live' });
    const abandonedOss = ossClientFor(abandoned);
    const liveOss = ossClientFor(live);
    const started = Date.now();
    const a = await abandonedOss.initMultipartUpload(abandoned.address.FileName);
    const b = await liveOss.initMultipartUpload(live.address.FileName);
    await abandonedOss.uploadPart(abandoned.address.FileName, a.uploadId, 1, clip, 0, PART);
    assert.equal((await partFiles(a.uploadId)).length, 2, 'manifest and part 1 are stored');

    // The live upload keeps sending (part 1 again and again: each is activity) until the idle
    // one is gone.
    const etags = new Map<number, string>();
    let abandonedGone = false;
    const deadline = Date.now() + 60_000;
    while (!abandonedGone) {
      assert.ok(Date.now() < deadline, `the idle upload was not removed in 60 s:\n${server.output()}`);
      const part = await liveOss.uploadPart(live.address.FileName, b.uploadId, 1, clip, 0, PART);
      etags.set(1, part.etag);
      abandonedGone = (await partFiles(a.uploadId)).length === 0;
      if (!abandonedGone) await sleep(500);
    }
    assert.ok(
      Date.now() - started > MAX_IDLE_SECONDS * 1000,
      'the live upload is older than the idle limit, so only its activity kept it',
    );

    // The idle upload is gone for its client too; the live one still has its part.
    assert.equal(await listPartsCode(abandonedOss, abandoned, a.uploadId), 'NoSuchUpload');
    assert.equal(await listPartsCode(liveOss, live, b.uploadId), 'ok');
    assert.ok((await partFiles(b.uploadId)).length >= 2);
    assert.match(server.output(), /removed abandoned multipart uploads/);

    const size = (await stat(clip)).size;
    const rest = await liveOss.uploadPart(live.address.FileName, b.uploadId, 2, clip, PART, size);
    etags.set(2, rest.etag);
    await liveOss.completeMultipartUpload(
      live.address.FileName,
      b.uploadId,
      [...etags].map(([number, etag]) => ({ number, etag })),
    );
    const video = await waitForStatus(vod, live.videoId, ['UploadSucc', 'Normal'], 30_000);
    assert.equal(video.Size, size);
    assert.deepEqual(await partFiles(b.uploadId), [], 'a completed upload leaves no parts');
  });
});
