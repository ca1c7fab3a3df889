/**
 * One retry table (jobs/retry-policies.ts): producers name no attempts of their own, so the
 * `maxAttempts` a queue applies from its table is what their jobs get. Before, both producers
 * hard-coded 3 and the table's `maxAttempts` did nothing. (That each queue applies its table is
 * part of the job-queue contract suite, on SQLite, PostgreSQL and BullMQ.)
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { callbackConfigStore } from '../../src/callbacks/callback-config.js';
import { CallbackDispatcher } from '../../src/callbacks/callback-dispatcher.js';
import { TemplateGroupService } from '../../src/catalogue/template-group-service.js';
import { TranscodeScheduler } from '../../src/catalogue/transcode-scheduler.js';
import { createDbJobQueue } from '../../src/jobs/db-job-queue.js';
import { JOB_RETRY_POLICIES } from '../../src/jobs/retry-policies.js';
import { openDatabase } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { createSettingsStore } from '../../src/store/settings-store.js';
import { createTemplateGroupStore } from '../../src/store/template-group-store.js';
import { createVideoStore } from '../../src/store/video-store.js';

const root = await mkdtemp(join(tmpdir(), 'securevod-retry-table-'));
after(() => rm(root, { recursive: true, force: true }));

describe('the retry table', () => {
  it('covers every job type with usable numbers', () => {
    for (const [type, policy] of Object.entries(JOB_RETRY_POLICIES)) {
      assert.ok(Number.isInteger(policy.maxAttempts) && policy.maxAttempts >= 1, type);
      assert.ok(policy.baseDelayMs > 0 && policy.maxDelayMs >= policy.baseDelayMs, type);
    }
  });

  it('decides the attempts of the jobs both producers enqueue', async () => {
    const db = await openDatabase({ sqlitePath: join(root, 'securevod.sqlite') });
    try {
      await migrateToLatest(db);
      const queue = createDbJobQueue(db, {
        retryPolicies: {
          transcode: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 1 },
          callback: { maxAttempts: 7, baseDelayMs: 1, maxDelayMs: 1 },
        },
      });
      const settings = createSettingsStore(db);
      const config = callbackConfigStore(settings);
      await config.set({
        callbackType: 'HTTP',
        callbackUrl: 'https://callbacks.example.com/vod',
        eventTypes: ['FileUploadComplete'],
        authSwitch: 'off',
        authKey: '',
        appId: 'app-1000000',
      });
      const callbacks = new CallbackDispatcher({ config, queue });
      await callbacks.emit('FileUploadComplete', { VideoId: 'v1' });
      await callbacks.emitTest();

      const groups = new TemplateGroupService(createTemplateGroupStore(db));
      await groups.ensureBuiltins();
      const [group] = (await groups.store.list()).filter((g) => g.templates.length > 0);
      assert.ok(group, 'a built-in group that transcodes');
      const videos = createVideoStore(db);
      const scheduler = new TranscodeScheduler({
        videos,
        groups,
        queue,
        callbacks,
        publicUrl: () => 'http://127.0.0.1:9',
      });
      const video = await videos.insert({
        videoId: 'v1',
        title: 't',
        description: null,
        fileName: 'a.mp4',
        fileSize: null,
        coverUrl: null,
        cateId: null,
        tags: null,
        templateGroupId: group.templateGroupId,
        storageLocation: 'local',
        appId: 'app-1000000',
        userData: null,
        status: 'UploadSucc',
        statusReason: null,
        sourceKey: 'sources/v1/a.mp4',
        sourceSize: null,
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
      assert.ok(await scheduler.submit(video, group.templateGroupId));

      const jobs = await queue.list({ limit: 10 });
      assert.deepEqual(jobs.map((j) => [j.type, j.maxAttempts]).sort(), [
        ['callback', 7],
        ['callback', 7],
        ['transcode', 5],
      ]);
    } finally {
      await db.close();
    }
  });
});
