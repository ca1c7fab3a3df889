/**
 * Part of the metadata store contract (metadata-store-contract.ts): the catalogue stores —
 * videos, streams, template groups and upload credentials — on a migrated database. Values are
 * chosen to catch engine differences: fractions that single-precision columns would round, byte
 * counts past 2^31, ties in sort keys, and transactions that must roll back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Db } from '../../src/store/database.js';
import { createStreamStore, type StreamRecord } from '../../src/store/stream-store.js';
import { createTemplateGroupStore } from '../../src/store/template-group-store.js';
import { createUploadCredentialStore } from '../../src/store/upload-credential-store.js';
import { createVideoStore, type NewVideo } from '../../src/store/video-store.js';
import type { TranscodeTemplate } from '../../src/templates/transcode-template.js';

type WithDb = (body: (db: Db) => Promise<void>) => Promise<void>;

const FIVE_GB = 5 * 1024 ** 3 + 7;

export function video(id: string, overrides: Partial<NewVideo> = {}): NewVideo {
  return {
    videoId: id,
    title: `title of ${id}`,
    description: 'ünïcode "description"',
    fileName: 'lecture.mp4',
    fileSize: FIVE_GB,
    coverUrl: null,
    cateId: 7,
    tags: 'a,b',
    templateGroupId: 'tg-1',
    storageLocation: 'local',
    appId: 'app-1000000',
    userData: '{"Extend":{"k":"v"}}',
    status: 'Uploading',
    statusReason: null,
    sourceKey: `sources/${id}/source`,
    sourceSize: FIVE_GB + 1,
    sourceEtag: 'd41d8cd98f00b204e9800998ecf8427e',
    duration: 3723.456789,
    width: 1920,
    height: 1080,
    fps: 29.97002997,
    bitrate: 4321.123,
    mezzanine: null,
    transcodeProgress: 12.5,
    downloadSwitch: 'on',
    dataKeyCiphertext: 'wrapped-data-key',
    ...overrides,
  };
}

function stream(id: string, videoId: string, overrides: Partial<StreamRecord> = {}): StreamRecord {
  return {
    streamId: id,
    videoId,
    jobId: 'job-1',
    definition: 'HD',
    format: 'm3u8',
    width: 1280,
    height: 720,
    bitrateKbps: 2345.678,
    fps: 23.976023976,
    duration: 61.012345,
    size: FIVE_GB + 2,
    encryptScheme: 'aes-256-gcm',
    encryptType: 'AliyunVoDEncryption',
    keyRotationSegments: 10,
    customerKeyCiphertext: null,
    customerKeyUri: null,
    storagePrefix: `videos/${videoId}/${id}/`,
    playlistKey: `videos/${videoId}/${id}/index.m3u8`,
    segmentCount: 16,
    status: 'Normal',
    creationTime: '2026-11-22T10:00:00.000Z',
    ...overrides,
  };
}

const TEMPLATE: TranscodeTemplate = {
  transcodeTemplateId: 'tt-1',
  templateName: 'HD',
  type: 'Normal',
  definition: 'HD',
  video: { codec: 'H.264', bitrateKbps: 2500, width: 1280, height: 720, fps: 29.97, remove: false },
  audio: { codec: 'AAC', bitrateKbps: 128, sampleRate: 48000, channels: 2, remove: false },
  container: { format: 'm3u8' },
  segmentSeconds: 4,
  encrypt: { encryptType: 'AliyunVoDEncryption', keyRotationSegments: 5 },
};

export function catalogueStoreContract(withDb: WithDb): void {
  describe('videos', () => {
    it('round-trips every field exactly: fractions, sizes past 2^31, nulls, unicode', () =>
      withDb(async (db) => {
        const store = createVideoStore(db, { now: () => new Date('2026-11-22T17:46:27.123Z') });
        const input = video('v-1');
        const inserted = await store.insert(input);
        const expected = {
          ...input,
          mezzanineDeletedAt: null,
          cateName: null, // category 7 does not exist in this store-level test
          creationTime: '2026-11-22T17:46:27.123Z',
          modificationTime: '2026-11-22T17:46:27.123Z',
        };
        assert.deepEqual(inserted, expected);
        assert.deepEqual(await store.find('v-1'), expected);
        const sparse = video('v-2', {
          description: null,
          fileSize: null,
          cateId: null,
          tags: null,
          userData: null,
          sourceSize: null,
          sourceEtag: null,
          duration: null,
          width: null,
          height: null,
          fps: null,
          bitrate: null,
          transcodeProgress: null,
          dataKeyCiphertext: null,
        });
        await store.insert(sparse);
        assert.deepEqual(await store.find('v-2'), {
          ...sparse,
          mezzanineDeletedAt: null,
          cateName: null,
          creationTime: expected.creationTime,
          modificationTime: expected.modificationTime,
        });
        assert.equal(await store.find('v-none'), undefined);
        assert.deepEqual((await store.findMany(['v-2', 'v-none', 'v-1'])).map((v) => v.videoId).sort(), [
          'v-1',
          'v-2',
        ]);
        assert.deepEqual(await store.findMany([]), []);
      }));

    it('refuses a duplicate id and a status outside the vendor list', () =>
      withDb(async (db) => {
        const store = createVideoStore(db);
        await store.insert(video('v-dup'));
        await assert.rejects(store.insert(video('v-dup')));
        await assert.rejects(store.insert(video('v-bad', { status: 'Bogus' as never })));
        assert.equal(await store.find('v-bad'), undefined);
      }));

    it('updates only the given fields and the modification time', () =>
      withDb(async (db) => {
        let clock = new Date('2026-11-22T10:00:00.000Z');
        const store = createVideoStore(db, { now: () => clock });
        await store.insert(video('v-u'));
        clock = new Date('2026-11-22T11:00:00.000Z');
        assert.equal(await store.update('v-u', { title: 'new', duration: 0.1, fileSize: 2 ** 40 }), true);
        const updated = await store.find('v-u');
        assert.equal(updated?.title, 'new');
        assert.equal(updated?.duration, 0.1);
        assert.equal(updated?.fileSize, 2 ** 40);
        assert.equal(updated?.description, video('v-u').description, 'untouched');
        assert.equal(updated?.creationTime, '2026-11-22T10:00:00.000Z');
        assert.equal(updated?.modificationTime, '2026-11-22T11:00:00.000Z');
        assert.equal(await store.update('v-none', { title: 'x' }), false);
      }));

    it('moves status only from an expected one; of concurrent moves exactly one wins', () =>
      withDb(async (db) => {
        const store = createVideoStore(db);
        await store.insert(video('v-t', { status: 'UploadSucc' }));
        assert.equal(await store.transition('v-t', ['Uploading'], { status: 'Transcoding' }), false);
        assert.equal((await store.find('v-t'))?.status, 'UploadSucc');
        const wins = await Promise.all(
          Array.from({ length: 8 }, () =>
            store.transition('v-t', ['UploadSucc'], { status: 'Transcoding', transcodeProgress: 0 }),
          ),
        );
        assert.equal(wins.filter(Boolean).length, 1);
        assert.equal((await store.find('v-t'))?.status, 'Transcoding');
        assert.equal(await store.transition('v-none', ['UploadSucc'], { status: 'Normal' }), false);
      }));

    it('lists with filters, a total, paging, and ties broken by id in both directions', () =>
      withDb(async (db) => {
        let clock = new Date('2026-11-22T10:00:00.000Z');
        const store = createVideoStore(db, { now: () => clock });
        // Two videos share each creation time; ids are inserted out of order.
        const plan: [string, string, Partial<NewVideo>][] = [
          ['v-b', '2026-11-22T10:00:00.000Z', { status: 'Normal' }],
          ['v-a', '2026-11-22T10:00:00.000Z', { status: 'Normal', cateId: 9 }],
          ['v-d', '2026-11-23T10:00:00.000Z', { status: 'Uploading', storageLocation: 'other' }],
          ['v-c', '2026-11-23T10:00:00.000Z', { status: 'Normal' }],
          ['v-e', '2026-11-24T10:00:00.000Z', { status: 'TranscodeFail' }],
        ];
        for (const [id, time, overrides] of plan) {
          clock = new Date(time);
          await store.insert(video(id, overrides));
        }
        const ids = async (query: Partial<Parameters<typeof store.list>[0]>) => {
          const result = await store.list({ ascending: true, offset: 0, limit: 100, ...query });
          return [result.total, result.videos.map((v) => v.videoId)];
        };
        assert.deepEqual(await ids({}), [5, ['v-a', 'v-b', 'v-c', 'v-d', 'v-e']]);
        assert.deepEqual(await ids({ ascending: false }), [5, ['v-e', 'v-d', 'v-c', 'v-b', 'v-a']]);
        assert.deepEqual(await ids({ offset: 1, limit: 2 }), [5, ['v-b', 'v-c']]);
        assert.deepEqual(await ids({ statuses: ['Normal'] }), [3, ['v-a', 'v-b', 'v-c']]);
        assert.deepEqual(await ids({ statuses: ['Uploading', 'TranscodeFail'] }), [2, ['v-d', 'v-e']]);
        assert.deepEqual(await ids({ cateId: 9 }), [1, ['v-a']]);
        assert.deepEqual(await ids({ storageLocation: 'other' }), [1, ['v-d']]);
        assert.deepEqual(
          await ids({ startTime: '2026-11-23T00:00:00.000Z', endTime: '2026-11-23T23:59:59.999Z' }),
          [2, ['v-c', 'v-d']],
        );
        assert.deepEqual(await ids({ statuses: ['Blocked'] }), [0, []]);
      }));

    it('deletes a row once and lists by status', () =>
      withDb(async (db) => {
        const store = createVideoStore(db);
        await store.insert(video('v-1', { status: 'Transcoding' }));
        await store.insert(video('v-2', { status: 'Transcoding' }));
        await store.insert(video('v-3', { status: 'Normal' }));
        assert.deepEqual((await store.listByStatus('Transcoding')).map((v) => v.videoId).sort(), [
          'v-1',
          'v-2',
        ]);
        assert.equal(await store.delete('v-1'), true);
        assert.equal(await store.delete('v-1'), false);
        assert.equal(await store.find('v-1'), undefined);
        assert.deepEqual(
          (await store.listByStatus('Transcoding')).map((v) => v.videoId),
          ['v-2'],
        );
      }));
  });

  describe('streams', () => {
    it('publishes a job: streams appear and the video moves, in one step; older same definitions hide', () =>
      withDb(async (db) => {
        const videos = createVideoStore(db);
        const streams = createStreamStore(db);
        await videos.insert(video('v-s', { status: 'Transcoding' }));
        const first = [
          stream('s-hd', 'v-s'),
          stream('s-sd', 'v-s', { definition: 'SD', height: 480, width: 854, encryptScheme: 'none' }),
        ];
        assert.equal(
          await streams.publish('v-s', first, {
            from: 'Transcoding',
            to: 'Normal',
            patch: { duration: 61.012345 },
          }),
          true,
        );
        const stored = await videos.find('v-s');
        assert.equal(stored?.status, 'Normal');
        assert.equal(stored?.duration, 61.012345);
        assert.deepEqual(await streams.find('s-hd'), first[0]);
        assert.deepEqual(
          (await streams.listForVideo('v-s')).map((s) => s.streamId),
          ['s-hd', 's-sd'],
          'tallest first',
        );

        // A second job for HD only, while the video is being transcoded again.
        await videos.transition('v-s', ['Normal'], { status: 'Transcoding' });
        const again = [stream('s-hd2', 'v-s', { jobId: 'job-2', creationTime: '2026-11-23T10:00:00.000Z' })];
        assert.equal(await streams.publish('v-s', again, { from: 'Transcoding', to: 'Normal' }), true);
        const listed = await streams.listForVideo('v-s');
        assert.deepEqual(
          listed.map((s) => [s.streamId, s.status]),
          [
            ['s-hd2', 'Normal'],
            ['s-hd', 'Invisible'],
            ['s-sd', 'Normal'],
          ],
        );
      }));

    it('publishes nothing when the video has moved on, and rolls back a failed publish whole', () =>
      withDb(async (db) => {
        const videos = createVideoStore(db);
        const streams = createStreamStore(db);
        await videos.insert(video('v-r', { status: 'Normal' }));
        assert.equal(
          await streams.publish('v-r', [stream('s-1', 'v-r')], { from: 'Transcoding', to: 'Normal' }),
          false,
        );
        assert.deepEqual(await streams.listForVideo('v-r'), []);

        await videos.transition('v-r', ['Normal'], { status: 'Transcoding' });
        await streams.publish('v-r', [stream('s-1', 'v-r')], { from: 'Transcoding', to: 'Normal' });
        await videos.transition('v-r', ['Normal'], { status: 'Transcoding' });
        // The second stream reuses an existing id: the insert fails after the video moved and the
        // old HD stream was hidden; the transaction must undo both.
        await assert.rejects(
          streams.publish('v-r', [stream('s-2', 'v-r'), stream('s-1', 'v-r', { definition: 'SD' })], {
            from: 'Transcoding',
            to: 'Normal',
          }),
        );
        assert.equal((await videos.find('v-r'))?.status, 'Transcoding');
        assert.deepEqual(
          (await streams.listForVideo('v-r')).map((s) => [s.streamId, s.status]),
          [['s-1', 'Normal']],
        );
      }));

    it('deletes the streams of one video only', () =>
      withDb(async (db) => {
        const videos = createVideoStore(db);
        const streams = createStreamStore(db);
        for (const id of ['v-1', 'v-2']) {
          await videos.insert(video(id, { status: 'Transcoding' }));
          await streams.publish(id, [stream(`s-${id}`, id)], { from: 'Transcoding', to: 'Normal' });
        }
        await streams.deleteForVideo('v-1');
        assert.deepEqual(await streams.listForVideo('v-1'), []);
        assert.equal(await streams.find('s-v-1'), undefined);
        assert.equal((await streams.listForVideo('v-2')).length, 1);
      }));
  });

  describe('template groups', () => {
    const group = (id: string, appId = 'app-1000000') => ({
      templateGroupId: id,
      name: `group ${id}`,
      isDefault: false,
      locked: false,
      special: null,
      appId,
      templates: [TEMPLATE],
    });

    it('round-trips groups with their templates, lists by app in creation order', () =>
      withDb(async (db) => {
        let clock = new Date('2026-11-22T10:00:00.000Z');
        const store = createTemplateGroupStore(db, { now: () => clock });
        const inserted = await store.insert({ ...group('tg-b'), locked: true, special: 'no-transcode' });
        assert.deepEqual(await store.find('tg-b'), inserted);
        assert.deepEqual(inserted.templates, [TEMPLATE]);
        assert.equal(inserted.special, 'no-transcode');
        assert.equal(inserted.locked, true);
        await store.insert(group('tg-a')); // same time: the id breaks the tie
        clock = new Date('2026-11-23T10:00:00.000Z');
        await store.insert(group('tg-c', 'app-other'));
        assert.deepEqual(
          (await store.list()).map((g) => g.templateGroupId),
          ['tg-a', 'tg-b', 'tg-c'],
        );
        assert.deepEqual(
          (await store.list('app-other')).map((g) => g.templateGroupId),
          ['tg-c'],
        );
        assert.equal(await store.find('tg-none'), undefined);
      }));

    it('updates, keeps exactly one default per app, and deletes', () =>
      withDb(async (db) => {
        let clock = new Date('2026-11-22T10:00:00.000Z');
        const store = createTemplateGroupStore(db, { now: () => clock });
        for (const id of ['tg-1', 'tg-2', 'tg-3']) await store.insert(group(id));
        await store.insert({ ...group('tg-x', 'app-other'), isDefault: true });
        clock = new Date('2026-11-22T11:00:00.000Z');
        assert.equal(await store.update('tg-1', { name: 'renamed', templates: [] }), true);
        const updated = await store.find('tg-1');
        assert.equal(updated?.name, 'renamed');
        assert.deepEqual(updated?.templates, []);
        assert.equal(updated?.modifyTime, '2026-11-22T11:00:00.000Z');
        assert.equal(await store.update('tg-none', { name: 'x' }), false);

        await Promise.all([
          store.setDefault('tg-1', 'app-1000000'),
          store.setDefault('tg-2', 'app-1000000'),
          store.setDefault('tg-3', 'app-1000000'),
        ]);
        const defaults = (await store.list('app-1000000')).filter((g) => g.isDefault);
        assert.equal(defaults.length, 1, 'one default after concurrent changes');
        assert.equal((await store.findDefault('app-1000000'))?.templateGroupId, defaults[0]!.templateGroupId);
        assert.equal((await store.findDefault('app-other'))?.templateGroupId, 'tg-x', 'other app untouched');

        assert.equal(await store.delete('tg-2'), true);
        assert.equal(await store.delete('tg-2'), false);
        assert.equal(await store.find('tg-2'), undefined);
      }));
  });

  describe('upload credentials', () => {
    const credential = (id: string, videoId: string, expiresAt: string) => ({
      accessKeyId: id,
      videoId,
      secretCiphertext: `blob-${id}`,
      securityTokenSha256: 'a'.repeat(64),
      bucket: 'outin-bucket',
      objectKey: `sources/${videoId}/source.mp4`,
      expiresAt,
      createdAt: '2026-11-22T10:00:00.000Z',
    });

    it('finds by id, deletes per video and removes the expired ones', () =>
      withDb(async (db) => {
        const store = createUploadCredentialStore(db);
        await store.insert(credential('STS.a', 'v-1', '2026-11-22T11:00:00.000Z'));
        await store.insert(credential('STS.b', 'v-1', '2026-11-22T13:00:00.000Z'));
        await store.insert(credential('STS.c', 'v-2', '2026-11-22T12:00:00.000Z'));
        await store.insert(credential('STS.d', 'v-3', '2026-11-22T14:00:00.000Z'));
        assert.deepEqual(await store.find('STS.c'), credential('STS.c', 'v-2', '2026-11-22T12:00:00.000Z'));
        await assert.rejects(store.insert(credential('STS.c', 'v-9', '2026-11-22T12:00:00.000Z')));

        await store.deleteForVideo('v-1');
        assert.equal(await store.find('STS.a'), undefined);
        assert.equal(await store.find('STS.b'), undefined);
        assert.equal(await store.deleteExpired('2026-11-22T13:30:00.000Z'), 1);
        assert.equal(await store.find('STS.c'), undefined);
        assert.ok(await store.find('STS.d'));
        assert.equal(await store.deleteExpired('2026-11-22T13:30:00.000Z'), 0);
      }));
  });
}
