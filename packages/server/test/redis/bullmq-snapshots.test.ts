/**
 * Snapshot jobs and transcode task queries on the BullMQ queue (cluster mode): the `snapshot` job
 * type travels through Redis like any other, so the cover snapshot after transcode and a
 * SubmitSnapshotJob both finish, and ListTranscodeTask / GetTranscodeTask read BullMQ's records.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type RPCClient from '@alicloud/pop-core';
import { sleep } from '../e2e/e2e-helpers.js';
import { addGroup, encryptedTemplate, uploadVideo } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import { deleteKeys, REDIS_URL, withRedis } from '../support/redis.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';

const prefix = `svtest-snap-${randomBytes(4).toString('hex')}`;

await withRedis('snapshots on BullMQ', () => {
  describe('snapshots and transcode tasks on BullMQ', () => {
    let dataDir: string;
    let server: ServerProcess;
    let vod: RPCClient;
    let videoId: string;

    before(async () => {
      dataDir = await makeDataDir('securevod-bullmq-snap-');
      const clip = join(dataDir, 'clip.mp4');
      await makeClip(clip, { seconds: 3, width: 320, height: 180, audio: false });
      server = await startServerProcess({
        dataDir: join(dataDir, 'server'),
        env: {
          SECUREVOD_REDIS_URL: REDIS_URL,
          SECUREVOD_REDIS_PREFIX: prefix,
          SECUREVOD_X264_PRESET: 'ultrafast',
        },
      });
      vod = vodClient(server.url);
      const group = await addGroup(vod, 'clear', [encryptedTemplate('LD', 180)]);
      videoId = await uploadVideo(vod, clip, group, 'bullmq snapshots');
    });
    after(async () => {
      await server?.stop();
      if (dataDir) await removeDir(dataDir);
      await deleteKeys(REDIS_URL, `${prefix}:`);
    });

    const snapshots = async (type: string) =>
      (
        await vod.request<{ MediaSnapshot: { Total: number; Snapshots: { Snapshot: { Url: string }[] } } }>(
          'ListSnapshots',
          { VideoId: videoId, SnapshotType: type },
        )
      ).MediaSnapshot;

    async function until(what: string, check: () => Promise<boolean>) {
      const deadline = Date.now() + 60_000;
      while (!(await check())) {
        assert.ok(Date.now() < deadline, what);
        await sleep(200);
      }
    }

    it('runs the cover snapshot and a SubmitSnapshotJob through Redis', async () => {
      await until('the cover snapshot finished', async () => (await snapshots('CoverSnapshot')).Total === 3);
      await vod.request('SubmitSnapshotJob', { VideoId: videoId, Count: '2', Interval: '1' });
      await until('the snapshot job finished', async () => (await snapshots('NormalSnapshot')).Total === 2);
      const response = await fetch((await snapshots('NormalSnapshot')).Snapshots.Snapshot[1]!.Url);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'image/jpeg');
    });

    it("reads transcode tasks from BullMQ's job records", async () => {
      const { TranscodeTaskList } = await vod.request<{
        TranscodeTaskList: { TranscodeTaskId: string; TaskStatus: string }[];
      }>('ListTranscodeTask', { VideoId: videoId });
      assert.equal(TranscodeTaskList.length, 1);
      assert.equal(TranscodeTaskList[0]!.TaskStatus, 'CompleteAllSucc');
      const { TranscodeTask } = await vod.request<{
        TranscodeTask: { VideoId: string; TranscodeJobInfoList: unknown[] };
      }>('GetTranscodeTask', { TranscodeTaskId: TranscodeTaskList[0]!.TranscodeTaskId });
      assert.equal(TranscodeTask.VideoId, videoId);
      assert.equal(TranscodeTask.TranscodeJobInfoList.length, 1);
    });
  });
});
