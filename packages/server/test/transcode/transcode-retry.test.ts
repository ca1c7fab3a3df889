/**
 * A transcode job retried after its publish had committed (its worker died before the queue
 * recorded success) must finish the job, not redo it: found by the crash-consistency test, where
 * the retry deleted its own published output and left a Normal video whose playlist was gone.
 * Real SQLite stores and a local directory store; no ffmpeg runs (the retry must not need it).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { Job } from '../../src/jobs/job-queue.js';
import { createLocalDirectoryStore } from '../../src/storage/local-directory-store.js';
import { openDatabase } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { createStreamStore, type StreamRecord } from '../../src/store/stream-store.js';
import { createVideoStore } from '../../src/store/video-store.js';
import {
  createTranscodeJobHandler,
  type TranscodeJobDeps,
} from '../../src/transcode/transcode-job-handler.js';

const root = await mkdtemp(join(tmpdir(), 'securevod-transcode-retry-'));
after(() => rm(root, { recursive: true, force: true }));

describe('transcode job retried after its publish committed', () => {
  it('keeps the published output and the Normal status, and announces the streams again', async () => {
    const db = await openDatabase({ sqlitePath: join(root, 'securevod.sqlite') });
    try {
      await migrateToLatest(db);
      const videos = createVideoStore(db);
      const streams = createStreamStore(db);
      const objects = await createLocalDirectoryStore({ root: join(root, 'storage') });
      await videos.insert({
        videoId: 'v1',
        title: 't',
        description: null,
        fileName: 'a.mp4',
        fileSize: null,
        coverUrl: null,
        cateId: null,
        tags: null,
        templateGroupId: 'g1',
        storageLocation: 'local',
        appId: 'app-1000000',
        userData: null,
        status: 'Transcoding',
        statusReason: null,
        sourceKey: 'sources/v1/a.mp4',
        sourceSize: 1,
        sourceEtag: null,
        duration: null,
        width: null,
        height: null,
        fps: null,
        bitrate: null,
        mezzanine: null,
        transcodeProgress: null,
        downloadSwitch: 'on',
        dataKeyCiphertext: null,
      } as never);
      const prefix = 'videos/v1/hls/job1/ld/';
      await objects.put(`${prefix}index.m3u8`, Readable.from([Buffer.from('#EXTM3U\n')]));
      const stream: StreamRecord = {
        streamId: 'job1-ld',
        videoId: 'v1',
        jobId: 'job1',
        definition: 'LD',
        format: 'm3u8',
        width: 224,
        height: 128,
        bitrateKbps: 500,
        fps: 10,
        duration: 1,
        size: 8,
        encryptScheme: 'none',
        encryptType: null,
        keyRotationSegments: 0,
        customerKeyCiphertext: null,
        customerKeyUri: null,
        storagePrefix: prefix,
        playlistKey: `${prefix}index.m3u8`,
        segmentCount: 0,
        status: 'Normal',
        creationTime: new Date().toISOString(),
      };
      assert.ok(await streams.publish('v1', [stream], { from: 'Transcoding', to: 'Normal' }));

      const events: string[] = [];
      const handler = createTranscodeJobHandler({
        videos,
        streams,
        objects,
        callbacks: { emit: async (event: string) => void events.push(event) },
        scratchDir: join(root, 'scratch'),
        ffmpegPath: '/nonexistent/ffmpeg',
        ffprobePath: '/nonexistent/ffprobe',
        log: { info: () => {}, warn: () => {} },
      } as unknown as TranscodeJobDeps);
      const job = {
        id: 'q1',
        type: 'transcode',
        payload: { videoId: 'v1', templateGroupId: 'g1', jobId: 'job1' },
        attempts: 2,
        maxAttempts: 3,
      } as unknown as Job<'transcode'>;
      await handler(job, { signal: new AbortController().signal, progress: async () => {} });

      assert.equal((await videos.find('v1'))?.status, 'Normal');
      assert.ok(await objects.head(`${prefix}index.m3u8`), 'the published playlist is still there');
      assert.deepEqual(events, ['StreamTranscodeComplete', 'TranscodeComplete']);
    } finally {
      await db.close();
    }
  });
});
