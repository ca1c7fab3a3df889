/**
 * Part of the metadata store contract (metadata-store-contract.ts calls it): listing videos by
 * the encryption of their published streams (GetVideoList `EncryptType`, `Video.EncryptTypes`).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { EncryptScheme } from '../../src/store/catalogue-schema.js';
import type { Db } from '../../src/store/database.js';
import { createStreamStore, type StreamRecord } from '../../src/store/stream-store.js';
import { createVideoStore } from '../../src/store/video-store.js';
import { video as catalogueVideo } from './catalogue-store-contract.js';

type WithDb = (body: (db: Db) => Promise<void>) => Promise<void>;

export function videoEncryptionContract(withDb: WithDb): void {
  const video = (videoId: string) => catalogueVideo(videoId, { status: 'Normal' });
  const stream = (videoId: string, definition: string, encryptScheme: EncryptScheme): StreamRecord => ({
    ...{ streamId: `${videoId}-${definition}`, videoId, jobId: 'j', definition, format: 'm3u8' },
    ...{ width: 1, height: 1, bitrateKbps: 1, fps: 25, duration: 1, size: 1, encryptScheme },
    ...{ encryptType: null, keyRotationSegments: 0, customerKeyCiphertext: null, customerKeyUri: null },
    ...{ storagePrefix: 'p', playlistKey: 'k', segmentCount: 1, status: 'Normal' as const },
    creationTime: new Date().toISOString(),
  });
  const list = async (db: Db, encryptScheme?: EncryptScheme) =>
    (
      await createVideoStore(db).list({
        ...(encryptScheme && { encryptScheme }),
        ascending: true,
        offset: 0,
        limit: 10,
      })
    ).videos.map((v) => v.videoId);

  it("filters the list and reports each video's schemes; superseded streams do not count", () =>
    withDb(async (db) => {
      const videos = createVideoStore(db);
      const streams = createStreamStore(db);
      for (const id of ['clear', 'mixed', 'standard', 'pending']) await videos.insert(video(id));
      const move = { from: 'Normal' as const, to: 'Normal' as const };
      await streams.publish('clear', [stream('clear', 'SD', 'none')], move);
      await streams.publish(
        'mixed',
        [stream('mixed', 'SD', 'aes-256-gcm'), stream('mixed', 'LD', 'aes-128')],
        move,
      );
      // Re-transcoded: the clear SD stream becomes Invisible, replaced by a standard one.
      await streams.publish('standard', [stream('standard', 'SD', 'none')], move);
      await streams.publish(
        'standard',
        [{ ...stream('standard', 'SD', 'aes-128'), streamId: 'standard-SD-2' }],
        move,
      );

      assert.deepEqual((await list(db)).sort(), ['clear', 'mixed', 'pending', 'standard']);
      assert.deepEqual(await list(db, 'none'), ['clear']);
      assert.deepEqual((await list(db, 'aes-128')).sort(), ['mixed', 'standard']);
      assert.deepEqual(await list(db, 'aes-256-gcm'), ['mixed']);
      const schemes = await streams.schemesByVideo(['clear', 'mixed', 'standard', 'pending', 'unknown']);
      assert.deepEqual(Object.fromEntries([...schemes].map(([id, list]) => [id, [...list].sort()])), {
        clear: ['none'],
        mixed: ['aes-128', 'aes-256-gcm'],
        standard: ['aes-128'],
      });
      assert.deepEqual(await streams.schemesByVideo([]), new Map());
    }));
}
