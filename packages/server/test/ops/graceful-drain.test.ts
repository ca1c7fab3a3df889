/**
 * Graceful drain on SIGTERM (issue 10 §6), against the real `securevod server` process:
 * - while a transcode runs, SIGTERM makes /readyz answer 503 "draining" (liveness stays 200), the
 *   worker takes no new job, the running one finishes within the grace period, the listeners
 *   close and the process exits 0;
 * - with a grace period shorter than the job, the job is handed back (queued, the attempt not
 *   counted, nothing of it left in storage), the process still exits 0, and the next start
 *   finishes it.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type RPCClient from '@alicloud/pop-core';
import { createDbJobQueue } from '../../src/jobs/db-job-queue.js';
import type { AnyJob } from '../../src/jobs/job-queue.js';
import { openDatabase } from '../../src/store/database.js';
import { addGroup, encryptedTemplate } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import { makeDataDir, removeDir, startServerProcess } from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';
import { createUpload, ossClientFor, waitForStatus } from '../support/vod-upload.js';

let root: string;
let clip: string;
before(async () => {
  root = await makeDataDir('securevod-drain-');
  clip = join(root, 'clip.mp4');
  await makeClip(clip, { seconds: 8, width: 640, height: 360 });
});
after(() => removeDir(root));

async function transcodeJobs(dataDir: string): Promise<AnyJob[]> {
  const db = await openDatabase({ sqlitePath: join(dataDir, 'securevod.sqlite') });
  try {
    return await createDbJobQueue(db).list({ type: 'transcode', limit: 10 });
  } finally {
    await db.close();
  }
}

async function startUpload(vod: RPCClient): Promise<string> {
  const groupId = await addGroup(vod, 'drain', [encryptedTemplate('SD', 360, 'AliyunVoDEncryption')]);
  const ticket = await createUpload(vod, { Title: 'drain', FileName: 'clip.mp4', TemplateGroupId: groupId });
  await ossClientFor(ticket).put(ticket.address.FileName, clip);
  return ticket.videoId;
}

async function objectsUnder(dataDir: string, videoId: string): Promise<string[]> {
  try {
    return (await readdir(join(dataDir, 'storage'), { recursive: true })).filter(
      (p) => p.includes(videoId) && p.includes('/hls/'),
    );
  } catch {
    return [];
  }
}

describe('graceful drain on SIGTERM', () => {
  it('finishes the running transcode within the grace period, reporting draining meanwhile', async () => {
    const dataDir = await makeDataDir('securevod-drain-finish-');
    const server = await startServerProcess({
      dataDir,
      env: { SECUREVOD_X264_PRESET: 'ultrafast', SECUREVOD_SHUTDOWN_GRACE_MS: '60000' },
    });
    try {
      const vod = vodClient(server.url);
      const videoId = await startUpload(vod);
      await waitForStatus(vod, videoId, ['Transcoding']);
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200);

      const exit = server.stop(); // SIGTERM
      let draining: { status: string } | undefined;
      for (let i = 0; i < 50 && draining?.status !== 'draining'; i++) {
        const res = await fetch(`${server.url}/readyz`);
        draining = (await res.json()) as { status: string };
        if (draining.status === 'draining') assert.equal(res.status, 503);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(draining?.status, 'draining', '/readyz reports the drain');
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'liveness holds while draining');

      assert.equal(await exit, 0, server.output());
      await assert.rejects(fetch(`${server.url}/healthz`), 'the listener is closed');
      const [job] = await transcodeJobs(dataDir);
      assert.equal(job?.status, 'succeeded', `the job finished: ${JSON.stringify(job)}`);
      assert.equal(job?.attempts, 1);
      assert.match(server.output(), /"signal":"SIGTERM"/);
    } finally {
      await server.stop();
      await removeDir(dataDir);
    }
  });

  it('hands the running transcode back when the grace period ends first; the next start finishes it', async () => {
    const dataDir = await makeDataDir('securevod-drain-handback-');
    const slow = await startServerProcess({
      dataDir,
      env: { SECUREVOD_X264_PRESET: 'veryslow', SECUREVOD_SHUTDOWN_GRACE_MS: '300' },
    });
    let videoId: string;
    try {
      const vod = vodClient(slow.url);
      videoId = await startUpload(vod);
      await waitForStatus(vod, videoId, ['Transcoding']);
      const stopping = Date.now();
      assert.equal(await slow.stop(), 0, slow.output());
      assert.ok(Date.now() - stopping < 8000, `exit took ${Date.now() - stopping} ms`);
    } finally {
      await slow.stop();
    }

    const [job] = await transcodeJobs(dataDir);
    assert.equal(job?.status, 'queued', `handed back: ${JSON.stringify(job)}`);
    assert.equal(job?.attempts, 0, 'the interrupted attempt does not count');
    assert.equal(job?.leaseOwner, null);
    assert.deepEqual(await objectsUnder(dataDir, videoId), [], 'nothing of the attempt is stored');

    const next = await startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
    try {
      const video = await waitForStatus(vodClient(next.url), videoId, ['Normal', 'TranscodeFail']);
      assert.equal(video.Status, 'Normal', video.StatusReason);
    } finally {
      assert.equal(await next.stop(), 0);
      await removeDir(dataDir);
    }
  });
});
