/**
 * The snapshot job and DeleteVideo racing (transcode/snapshot-job-handler.ts): DeleteVideo removes
 * the video's row and stored files while the job is still writing stills. Whatever the job stores
 * after that must go too, and the job ends without an event. The race is made deterministic here:
 * the object store runs the deletion right after the job's first still is stored. Real SQLite
 * stores, local storage and ffmpeg; the source is a clear local clip.
 */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { CallbackDispatcher } from '../../src/callbacks/callback-dispatcher.js';
import { createLocalDirectoryStore } from '../../src/storage/local-directory-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { openDatabase } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { createSnapshotStore } from '../../src/store/snapshot-store.js';
import { createVideoStore } from '../../src/store/video-store.js';
import { createSnapshotJobHandler } from '../../src/transcode/snapshot-job-handler.js';
import { makeClip } from '../support/media.js';

const root = await mkdtemp(join(tmpdir(), 'securevod-snapshot-race-'));
after(() => rm(root, { recursive: true, force: true }));

test('a video deleted while its snapshot job writes stills keeps no file of them, and no event goes out', async () => {
  const clip = join(root, 'clip.mp4');
  await makeClip(clip, { seconds: 4, width: 160, height: 90, audio: false });
  const db = await openDatabase({ sqlitePath: join(root, 'securevod.sqlite') });
  try {
    await migrateToLatest(db);
    const videos = createVideoStore(db);
    const snapshots = createSnapshotStore(db);
    const stored = await createLocalDirectoryStore({ root: join(root, 'storage') });
    await videos.insert({
      videoId: 'v1',
      title: 't',
      description: null,
      fileName: 'clip.mp4',
      fileSize: null,
      coverUrl: null,
      cateId: null,
      tags: null,
      templateGroupId: 'g1',
      storageLocation: 'local',
      appId: 'app-1000000',
      userData: null,
      status: 'Normal',
      statusReason: null,
      sourceKey: 'sources/v1/clip.mp4',
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
    await snapshots.insert({
      jobId: 'job1',
      videoId: 'v1',
      kind: 'specified',
      status: 'Queued',
      request: JSON.stringify({ offsetsMs: [500, 1500, 2500], startMs: 0, count: 3, intervalSeconds: 0 }),
      outputs: null,
      userData: null,
      errorCode: null,
      errorMessage: null,
      completeTime: null,
    });
    // DeleteVideo's part, run by the store right after the first still is stored.
    let puts = 0;
    const objects: ObjectStore = Object.create(stored, {
      put: {
        value: async (...args: Parameters<ObjectStore['put']>) => {
          const result = await stored.put(...args);
          if (++puts === 1) {
            await videos.delete('v1');
            await stored.deletePrefix('videos/v1/');
          }
          return result;
        },
      },
    }) as ObjectStore;
    const size = (await stat(clip)).size;
    const events: string[] = [];
    const handler = createSnapshotJobHandler({
      snapshots,
      videos,
      objects,
      sources: {
        open: async () => ({
          encrypted: false,
          size,
          async *read(start: number, end: number) {
            yield* createReadStream(clip, { start, end }) as AsyncIterable<Buffer>;
          },
        }),
      },
      callbacks: { emit: async (type: string) => void events.push(type) } as unknown as CallbackDispatcher,
      scratchDir: join(root, 'scratch'),
      ffmpegPath: 'ffmpeg',
      ffprobePath: 'ffprobe',
      mediaUrl: (path) => `http://127.0.0.1/${path}`,
      publicUrl: () => 'http://127.0.0.1',
    });
    await handler({ payload: { jobId: 'job1' }, attempts: 1, maxAttempts: 3 } as never, {
      signal: new AbortController().signal,
    });
    assert.ok(puts >= 2, 'the job went on storing stills after the deletion');
    const left = await readdir(join(root, 'storage'), { recursive: true, withFileTypes: true });
    assert.deepEqual(
      left.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name)),
      [],
    );
    assert.deepEqual(events, []);
  } finally {
    await db.close();
  }
});
