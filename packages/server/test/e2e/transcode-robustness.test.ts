/**
 * Transcoding under less friendly conditions, against the real server process:
 *
 * (a) SubmitTranscodeJobs with a customer-managed key (reference §2.9, §2.13): the playlist
 *     points at the customer's DecryptKeyUri and the segments open with GenerateKMSDataKey's
 *     Plaintext; bad EncryptConfig, an illegal status and a reused SessionId are refused.
 * (b) Callback endpoints that refuse connections or never answer do not hold up transcoding.
 * (c) The server is SIGKILLed mid-transcode and restarted on the same data dir: the job is
 *     retried once its lease runs out, and nothing of the killed attempt survives.
 *
 * All servers in this file run with a 5-second job lease (SECUREVOD_JOB_LEASE_MS), because the
 * lease a killed worker leaves behind in the database is the one it was started with.
 */
import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type RPCClient from '@alicloud/pop-core';
import { CUSTOMER_DATA_KEY_CONTEXT } from '../../src/actions/kms-data-key-handlers.js';
import { openLocalKms } from '../../src/kms/local-kms.js';
import { openDatabase } from '../../src/store/database.js';
import { createStreamStore, type StreamStore } from '../../src/store/stream-store.js';
import { createVideoStore, type VideoStore } from '../../src/store/video-store.js';
import { createDbJobQueue } from '../../src/jobs/db-job-queue.js';
import type { JobQueue } from '../../src/jobs/job-queue.js';
import { decodeVideo, makeClip } from '../support/media.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { popError, vodClient } from '../support/vod-client.js';
import { createUpload, ossClientFor, waitForStatus } from '../support/vod-upload.js';
import { expectApiError, filesUnder, sleep } from './e2e-helpers.js';

// Callback receivers are on 127.0.0.1: callbacks may reach private addresses only with the last one.
const SERVER_ENV = {
  SECUREVOD_X264_PRESET: 'ultrafast',
  SECUREVOD_JOB_LEASE_MS: '5000',
  SECUREVOD_ALLOW_PRIVATE_OUTBOUND: '1',
};
const DECRYPT_KEY_URI = 'https://keys.example.com/decrypt?Ciphertext=';

interface Event {
  EventType: string;
  VideoId: string;
  Status?: string;
  Encrypt?: boolean;
}

function template(definition: string, height: number, extra: Record<string, unknown> = {}) {
  return {
    Definition: definition,
    Video: { Codec: 'H.264', Bitrate: '300', Height: String(height) },
    Audio: { Codec: 'AAC', Bitrate: '64' },
    Container: { Format: 'm3u8' },
    MuxConfig: { Segment: { Duration: '2' } },
    ...extra,
  };
}

/**
 * The content of an object as the local directory store keeps it: `objects/<key>#`, a 1 KiB
 * header, then the bytes. Read directly so the test opens no store (opening one would also
 * clean up temp files, which is what (c) checks the server did).
 */
async function objectBytes(dataDir: string, key: string): Promise<Buffer> {
  const file = await readFile(join(dataDir, 'storage', 'objects', `${key}#`));
  return file.subarray(1024);
}

/** An HTTP endpoint on a free port; `handler` runs once the request body has arrived. */
function listen(
  handler: (body: string, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => handler(body, res));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events` }),
    ),
  );
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Reads the server's database directly (while the server runs, or after it died). */
async function inspect<T>(
  dataDir: string,
  read: (stores: { videos: VideoStore; streams: StreamStore; queue: JobQueue }) => Promise<T>,
): Promise<T> {
  const db = await openDatabase({ sqlitePath: join(dataDir, 'securevod.sqlite') });
  try {
    return await read({
      videos: createVideoStore(db),
      streams: createStreamStore(db),
      queue: createDbJobQueue(db),
    });
  } finally {
    await db.close();
  }
}

/** The server's process id, from its JSON log lines (the launcher runs it in-process). */
function serverPid(server: ServerProcess): number {
  const line = server
    .output()
    .split('\n')
    .find((l) => /"pid":\d+/.test(l));
  const pid = Number(/"pid":(\d+)/.exec(line ?? '')?.[1]);
  assert.ok(pid > 0, 'the server logs its pid');
  return pid;
}

describe('transcoding robustness', () => {
  let server: ServerProcess;
  let dataDir: string;
  let vod: RPCClient;
  let clip: string;
  let sourceFrames: number;
  let receiver: { server: Server; url: string };
  const events: Event[] = [];
  const hanging: ServerResponse[] = [];
  let sleeper: { server: Server; url: string };
  /** Set after (b): the sleeper then answers at once, so retried callbacks stop holding worker slots. */
  let sleeperAwake = false;

  before(async () => {
    dataDir = await makeDataDir();
    clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: 4, width: 320, height: 240 });
    sourceFrames = (await decodeVideo(clip)).frames;
    receiver = await listen((body, res) => {
      events.push(JSON.parse(body) as Event);
      res.writeHead(200).end('ok');
    });
    // Answers after 30 s: far beyond the 5-second callback timeout.
    sleeper = await listen((_body, res) => {
      if (sleeperAwake) {
        res.writeHead(200).end('ok');
        return;
      }
      hanging.push(res);
      setTimeout(() => {
        if (!res.destroyed) res.writeHead(200).end('late');
      }, 30_000).unref();
    });
    server = await startServerProcess({ dataDir, env: SERVER_ENV });
    vod = vodClient(server.url);
    await vod.request('SetMessageCallback', { CallbackURL: receiver.url, EventTypeList: 'ALL' });
  });

  after(async () => {
    await server?.stop();
    await close(receiver.server);
    await close(sleeper.server);
    await removeDir(dataDir);
  });

  const addGroup = async (name: string, templates: unknown[]) =>
    (
      await vod.request<{ TranscodeTemplateGroupId: string }>(
        'AddTranscodeTemplateGroup',
        { Name: name, TranscodeTemplateList: JSON.stringify(templates) },
        { method: 'POST' },
      )
    ).TranscodeTemplateGroupId;

  async function upload(params: Record<string, string>, file = clip): Promise<string> {
    const ticket = await createUpload(vod, { Title: 'robustness', FileName: 'clip.mp4', ...params });
    await ossClientFor(ticket).put(ticket.address.FileName, file);
    return ticket.videoId;
  }

  describe('(a) SubmitTranscodeJobs with a customer-managed key', () => {
    let key: { KeyId: string; CiphertextBlob: string; Plaintext: string };
    let groupId: string;
    let videoId: string;

    before(async () => {
      key = await vod.request('GenerateKMSDataKey', {});
      groupId = await addGroup('customer key', [
        template('SD', 240, { EncryptSetting: { EncryptType: 'AliyunVoDEncryption' } }),
      ]);
    });

    const encryptConfig = (overrides: Record<string, unknown> = {}) =>
      JSON.stringify({
        CipherText: key.CiphertextBlob,
        DecryptKeyUri: DECRYPT_KEY_URI + encodeURIComponent(key.CiphertextBlob),
        KeyServiceType: 'KMS',
        ...overrides,
      });

    test('a "no transcoding" upload stays UploadSucc and announces only FileUploadComplete', async () => {
      videoId = await upload({ TemplateGroupId: 'VOD_NO_TRANSCODE' });
      await waitForStatus(vod, videoId, ['UploadSucc'], 10_000);
      await sleep(2000);
      const video = await waitForStatus(vod, videoId, ['UploadSucc'], 1000);
      assert.equal(video.Status, 'UploadSucc', 'nothing was transcoded');
      assert.deepEqual(
        events.filter((e) => e.VideoId === videoId).map((e) => e.EventType),
        ['FileUploadComplete'],
      );
    });

    test('bad EncryptConfig, wrong status and unknown ids are refused', async () => {
      const submit = (params: Record<string, string>) =>
        vod.request(
          'SubmitTranscodeJobs',
          { VideoId: videoId, TemplateGroupId: groupId, ...params },
          {
            method: 'POST',
          },
        );
      const elsewhere = join(dataDir, 'other-kms');
      const otherKms = await openLocalKms({ dir: elsewhere });
      const foreign = await otherKms.generateDataKey({ bytes: 16, context: CUSTOMER_DATA_KEY_CONTEXT });
      await otherKms.close();
      const bad: [string, string][] = [
        ['not JSON', '{"CipherText":'],
        ['not an object', '"KMS"'],
        ['missing DecryptKeyUri', JSON.stringify({ CipherText: key.CiphertextBlob, KeyServiceType: 'KMS' })],
        ['missing CipherText', encryptConfig({ CipherText: undefined })],
        ['CipherText from another KMS', encryptConfig({ CipherText: foreign.ciphertextBlob })],
        ['CipherText altered', encryptConfig({ CipherText: key.CiphertextBlob.slice(0, -4) + 'AAAA' })],
        ['KeyServiceType other', encryptConfig({ KeyServiceType: 'HSM' })],
        ['DecryptKeyUri not a URL', encryptConfig({ DecryptKeyUri: 'keys.example.com/decrypt' })],
        // Would break the playlist's quoted URI attribute (and fail every attempt of the job).
        ['DecryptKeyUri with a quote', encryptConfig({ DecryptKeyUri: 'https://keys.example.com/d?k="x"' })],
        [
          'DecryptKeyUri with a line break',
          encryptConfig({ DecryptKeyUri: 'https://keys.example.com/d?k=1\n#EXT-X-ENDLIST' }),
        ],
      ];
      for (const [what, config] of bad) {
        const error = await popError(submit({ EncryptConfig: config }));
        assert.equal(error.code, 'InvalidParameter', `${what}: ${error.code} ${error.data?.Message}`);
        assert.equal(error.entry.response.statusCode, 400, what);
        assert.match(error.data.Message, /EncryptConfig/, what);
      }

      const uploading = await createUpload(vod, { Title: 'not uploaded', FileName: 'a.mp4' });
      await expectApiError(
        vod.request('SubmitTranscodeJobs', { VideoId: uploading.videoId, TemplateGroupId: groupId }),
        'Forbidden.IllegalStatus',
        400,
      );
      await expectApiError(submit({ VideoId: 'd'.repeat(32) }), 'InvalidVideo.NotFound', 404);
      await expectApiError(submit({ TemplateGroupId: 'nosuchgroup' }), 'NoSuchResource', 404);
      await expectApiError(
        vod.request('SubmitTranscodeJobs', { TemplateGroupId: groupId }),
        'MissingParameter',
        400,
        /"VideoId"/,
      );
      assert.equal((await waitForStatus(vod, videoId, ['UploadSucc'], 1000)).Status, 'UploadSucc');
    });

    test('the playlist names the DecryptKeyUri and segments open with the Plaintext', async () => {
      const submitted = await vod.request<{
        TranscodeTaskId: string;
        TranscodeJobs: { TranscodeJob: { JobId: string }[] };
      }>(
        'SubmitTranscodeJobs',
        {
          VideoId: videoId,
          TemplateGroupId: groupId,
          EncryptConfig: encryptConfig(),
          SessionId: 'robustness-session-1',
        },
        { method: 'POST' },
      );
      assert.ok(submitted.TranscodeTaskId);
      assert.equal(submitted.TranscodeJobs.TranscodeJob.length, 1);
      const video = await waitForStatus(vod, videoId, ['Normal', 'TranscodeFail'], 60_000);
      assert.equal(video.Status, 'Normal', `transcoding failed: ${video.StatusReason}`);

      const streams = await inspect(dataDir, ({ streams }) => streams.listForVideo(videoId));
      assert.equal(streams.length, 1);
      const [stream] = streams;
      assert.equal(stream!.encryptScheme, 'aes-128');
      const dataKey = Buffer.from(key.Plaintext, 'base64');
      assert.equal(dataKey.length, 16);
      const playlist = (await objectBytes(dataDir, stream!.playlistKey)).toString('utf8');
      const lines = playlist.split('\n');
      const keyLines = lines.filter((l) => l.startsWith('#EXT-X-KEY'));
      assert.ok(keyLines.length > 0, 'the playlist is encrypted');
      const expectedUri = DECRYPT_KEY_URI + encodeURIComponent(key.CiphertextBlob);
      for (const line of keyLines) {
        assert.match(line, /METHOD=AES-128/);
        assert.equal(/URI="([^"]*)"/.exec(line)?.[1], expectedUri, 'the URI is exactly the DecryptKeyUri');
      }

      const parts = [await objectBytes(dataDir, `${stream!.storagePrefix}init.mp4`)];
      const raw = [parts[0]!];
      let iv: Buffer | undefined;
      let sequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)?.[1] ?? 0);
      for (const line of lines) {
        if (line.startsWith('#EXT-X-KEY')) {
          const hex = /IV=0x([0-9a-fA-F]{32})/.exec(line)?.[1];
          iv = hex ? Buffer.from(hex, 'hex') : undefined;
        } else if (line && !line.startsWith('#')) {
          const cipher = await objectBytes(dataDir, stream!.storagePrefix + line.trim());
          raw.push(cipher);
          // Without an IV attribute, HLS uses the media sequence number (RFC 8216 §5.2).
          const segmentIv = iv ?? Buffer.from(sequence.toString(16).padStart(32, '0'), 'hex');
          const decipher = createDecipheriv('aes-128-cbc', dataKey, segmentIv);
          parts.push(Buffer.concat([decipher.update(cipher), decipher.final()]));
          sequence++;
        }
      }
      const decrypted = join(dataDir, 'customer-key.mp4');
      await writeFile(decrypted, Buffer.concat(parts));
      assert.equal((await decodeVideo(decrypted)).frames, sourceFrames, 'every frame decodes');
      const stored = join(dataDir, 'customer-key-raw.mp4');
      await writeFile(stored, Buffer.concat(raw));
      assert.equal((await decodeVideo(stored)).frames, 0, 'the stored segments are ciphertext');

      const mine = events.filter((e) => e.VideoId === videoId);
      assert.ok(mine.some((e) => e.EventType === 'StreamTranscodeComplete' && e.Encrypt === true));
    });

    test('a SessionId cannot be used twice', async () => {
      const error = await popError(
        vod.request(
          'SubmitTranscodeJobs',
          {
            VideoId: videoId,
            TemplateGroupId: groupId,
            EncryptConfig: encryptConfig(),
            SessionId: 'robustness-session-1',
          },
          { method: 'POST' },
        ),
      );
      assert.match(error.code, /SessionId/);
      assert.equal(error.entry.response.statusCode, 400);
      assert.equal(
        (await waitForStatus(vod, videoId, ['Normal'], 1000)).Status,
        'Normal',
        'no job was queued',
      );
    });
  });

  describe('(b) dead callback endpoints', () => {
    let groupId: string;
    let baselineMs: number;
    const callbackTo = (url: string) => JSON.stringify({ MessageCallback: { CallbackURL: url } });
    // With a cover given, no cover snapshot job follows each transcode: the timing below is of
    // transcodes and callbacks only.
    const COVER = { CoverURL: 'https://covers.example/robustness.jpg' };

    before(async () => {
      groupId = await addGroup('callbacks', [template('LD', 160)]);
      const started = Date.now();
      const baseline = await upload({ TemplateGroupId: groupId, ...COVER });
      await waitForStatus(vod, baseline, ['Normal'], 60_000);
      baselineMs = Date.now() - started;
    });

    test("refused connections and a 30-second sleeper do not hold up their own videos' transcoding", async () => {
      // A port nothing listens on: bind one, then close it.
      const dead = await listen((_body, res) => res.end());
      await close(dead.server);
      const calledBefore = hanging.length;

      const begun = Date.now();
      const videos = await Promise.all([
        upload({ TemplateGroupId: groupId, UserData: callbackTo(dead.url), ...COVER }),
        upload({ TemplateGroupId: groupId, UserData: callbackTo(sleeper.url), ...COVER }),
        upload({ TemplateGroupId: groupId, UserData: callbackTo(sleeper.url), ...COVER }),
      ]);
      for (const videoId of videos) {
        const video = await waitForStatus(vod, videoId, ['Normal', 'TranscodeFail'], 60_000);
        assert.equal(video.Status, 'Normal');
      }
      const tookMs = Date.now() - begun;
      // Three small transcodes on two worker slots. Waiting even once for a callback to time out
      // (5 s) would blow this budget on any machine where one video takes under a second.
      assert.ok(
        tookMs < 3 * baselineMs + 2500,
        `three videos took ${tookMs} ms to reach Normal (one alone: ${baselineMs} ms)`,
      );
      const deadline = Date.now() + 10_000;
      while (hanging.length === calledBefore) {
        assert.ok(Date.now() < deadline, 'the sleeping endpoint is called');
        await sleep(100);
      }
    });

    test('with every worker slot held by a hanging callback, a transcode waits at most one timeout', async () => {
      // Two "no transcoding" uploads whose FileUploadComplete goes to the sleeper: once both
      // deliveries hang, both worker slots are busy for the 5-second callback timeout.
      const calledBefore = hanging.length;
      await Promise.all([
        upload({ TemplateGroupId: 'VOD_NO_TRANSCODE', UserData: callbackTo(sleeper.url) }),
        upload({ TemplateGroupId: 'VOD_NO_TRANSCODE', UserData: callbackTo(sleeper.url) }),
      ]);
      const deadline = Date.now() + 5000;
      while (hanging.length < calledBefore + 2) {
        assert.ok(Date.now() < deadline, 'both callbacks are in flight');
        await sleep(20);
      }
      const begun = Date.now();
      const videoId = await upload({ TemplateGroupId: groupId });
      const video = await waitForStatus(vod, videoId, ['Normal', 'TranscodeFail'], 60_000);
      assert.equal(video.Status, 'Normal');
      const tookMs = Date.now() - begun;
      assert.ok(
        tookMs < baselineMs + 5000 + 2500,
        `the transcode took ${tookMs} ms behind hanging callbacks (alone: ${baselineMs} ms)`,
      );
      // The API stays responsive meanwhile.
      const t0 = Date.now();
      await vod.request('GetVideoInfo', { VideoId: videoId });
      assert.ok(Date.now() - t0 < 1000);
    });

    after(() => {
      sleeperAwake = true;
    });
  });

  describe('(c) crash recovery', () => {
    test('SIGKILL mid-transcode: the job is retried and nothing of the killed attempt survives', async () => {
      const longClip = join(dataDir, 'long.mp4');
      await makeClip(longClip, { seconds: 40, width: 1280, height: 720 });
      const groupId = await addGroup('crash', [template('SD', 480), template('LD', 240)]);
      const videoId = await upload({ TemplateGroupId: groupId }, longClip);

      // Kill as soon as packaging has stored its first object, so that the killed attempt leaves
      // work behind everywhere: ffmpeg output in scratch, part of the job's objects in storage,
      // perhaps a temp file, and a running job with a lease in the database.
      const scratch = join(dataDir, 'scratch');
      const objectsDir = join(dataDir, 'storage', 'objects');
      const deadline = Date.now() + 60_000;
      let jobDir: string | undefined;
      while (!(jobDir = (await readdir(scratch)).find((n) => n.startsWith('job-')))) {
        assert.ok(Date.now() < deadline, 'transcoding started');
        await sleep(50);
      }
      const killedJobId = /^job-([0-9a-f]+)-/.exec(jobDir)?.[1];
      assert.ok(killedJobId);
      const killedOutput = join(objectsDir, 'videos', videoId, 'hls', killedJobId);
      while ((await filesUnder(killedOutput)).length === 0) {
        assert.ok(Date.now() < deadline, 'packaging started');
        await sleep(2);
      }
      process.kill(serverPid(server), 'SIGKILL');
      const killedAt = Date.now();
      const partial = await filesUnder(killedOutput);
      assert.ok(partial.length > 0);
      assert.ok(
        !partial.some((f) => f.endsWith('master.m3u8#')),
        `the kill came after packaging finished: ${partial.join(', ')}`,
      );
      await server.stop();
      assert.equal(
        (await inspect(dataDir, ({ videos }) => videos.find(videoId)))?.status,
        'Transcoding',
        'the killed server left the video Transcoding',
      );

      server = await startServerProcess({ dataDir, env: SERVER_ENV });
      vod = vodClient(server.url);
      const video = await waitForStatus(vod, videoId, ['Normal', 'TranscodeFail'], 50_000);
      assert.equal(video.Status, 'Normal', `the retried job failed: ${video.StatusReason}`);
      // The cover snapshot the published video gets is a job of its own: let it finish, so that
      // storage and scratch below hold only what the transcode left.
      while (
        (await vod.request<{ Video: { CoverURL: string } }>('GetVideoInfo', { VideoId: videoId })).Video
          .CoverURL === ''
      ) {
        assert.ok(Date.now() < deadline + 60_000, 'the cover snapshot finished');
        await sleep(100);
      }

      // One job's streams, every playlist complete and every segment present.
      const streams = await inspect(dataDir, ({ streams }) => streams.listForVideo(videoId));
      assert.deepEqual(streams.map((s) => s.definition).sort(), ['LD', 'SD']);
      assert.equal(new Set(streams.map((s) => s.jobId)).size, 1, 'streams of exactly one job');
      const referenced = new Set<string>();
      for (const stream of streams) {
        const playlist = (await objectBytes(dataDir, stream.playlistKey)).toString('utf8');
        assert.match(playlist, /#EXT-X-ENDLIST/, `${stream.definition}: the playlist is complete`);
        const segments = playlist.split('\n').filter((l) => l && !l.startsWith('#'));
        assert.equal(segments.length, stream.segmentCount);
        assert.ok(segments.length >= 19, `${stream.definition}: 40 s in 2 s segments`);
        referenced.add(stream.playlistKey);
        referenced.add(`${stream.storagePrefix}init.mp4`);
        for (const segment of segments) {
          const key = stream.storagePrefix + segment.trim();
          await objectBytes(dataDir, key); // throws if missing
          referenced.add(key);
        }
      }
      const jobPrefix = streams[0]!.storagePrefix.replace(/[^/]+\/$/, '');
      referenced.add(`${jobPrefix}master.m3u8`);

      // Storage: every object of the video belongs to the published job and was written after
      // the kill — no partial output of the killed attempt survives, under its prefix or any other.
      const stored = (await filesUnder(join(objectsDir, 'videos', videoId)))
        .filter((f) => !f.startsWith('snapshots/')) // the cover snapshot's pictures
        .map((f) => `videos/${videoId}/${f.replace(/#$/, '')}`);
      assert.deepEqual(stored.sort(), [...referenced].sort(), 'stored objects = published objects');
      for (const key of stored) {
        const { mtimeMs } = await stat(join(objectsDir, `${key}#`));
        assert.ok(mtimeMs > killedAt, `${key} was written by the retry, not the killed attempt`);
      }
      assert.deepEqual(await filesUnder(join(dataDir, 'storage', '.tmp')), [], 'no temp files are left');
      assert.deepEqual(await filesUnder(scratch), [], 'the scratch dir is empty');

      // The job itself: claimed again after the lease ran out (attempt 2), and succeeded.
      const jobs = await inspect(dataDir, ({ queue }) => queue.list({ type: 'transcode', limit: 1000 }));
      assert.deepEqual(
        jobs
          .filter((j) => j.type === 'transcode' && j.payload.videoId === videoId)
          .map((j) => [j.status, j.attempts]),
        [['succeeded', 2]],
      );
    });
  });
});
