/**
 * Issue "upload, catalogue and encrypted transcoding", end to end against the running server:
 * pop-core creates uploads, unmodified ali-oss uploads, the worker transcodes with real ffmpeg,
 * and the stored renditions are checked from outside — decrypted with keys derived from the
 * KMS here in the test, then decoded by plain ffmpeg.
 */
import { decryptAes128Segment, decryptPrivateSegment, deriveSegmentKey, hexToBytes } from '@securevod/crypto';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openLocalKms } from '../../src/kms/local-kms.js';
import { createLocalDirectoryStore } from '../../src/storage/local-directory-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { createStreamStore, type StreamRecord } from '../../src/store/stream-store.js';
import { createVideoStore } from '../../src/store/video-store.js';
import { videoDataKeyContext } from '../../src/transcode/transcode-job-handler.js';
import { decodeVideo, makeClip } from '../support/media.js';
import {
  filesContaining,
  makeDataDir,
  removeDir,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';
import { createUpload, ossClientFor, waitForStatus } from '../support/vod-upload.js';

interface ReceivedCallback {
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

const AUTH_KEY = 'CallbackKey2026';

function template(definition: string, height: number, encryptType?: string, rotation?: number) {
  return {
    Definition: definition,
    TemplateName: `${definition} test`,
    Video: { Codec: 'H.264', Bitrate: '400', Height: String(height) },
    Audio: { Codec: 'AAC', Bitrate: '64' },
    Container: { Format: 'm3u8' },
    MuxConfig: { Segment: { Duration: '2' } },
    ...(encryptType
      ? { EncryptSetting: { EncryptType: encryptType, KeyRotationSegments: String(rotation ?? 0) } }
      : {}),
  };
}

async function readText(store: ObjectStore, key: string): Promise<string> {
  return (await readBytes(store, key)).toString('utf8');
}

async function readBytes(store: ObjectStore, key: string): Promise<Buffer> {
  const { body } = await store.get(key);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('upload → encrypted transcoding → callbacks', () => {
  let server: ServerProcess;
  let dataDir: string;
  let receiver: Server;
  let receiverUrl: string;
  const received: ReceivedCallback[] = [];
  let clip: string;
  const keyMaterial: Uint8Array[] = [];

  before(async () => {
    dataDir = await makeDataDir();
    clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: 6 });
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ body: JSON.parse(body) as Record<string, unknown>, headers: req.headers });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/vod-events`;
    // The callback receiver is on 127.0.0.1: callbacks may reach private addresses only with this.
    server = await startServerProcess({
      dataDir,
      env: { SECUREVOD_X264_PRESET: 'ultrafast', SECUREVOD_ALLOW_PRIVATE_OUTBOUND: '1' },
    });
    await vodClient(server.url).request('SetMessageCallback', {
      CallbackURL: receiverUrl,
      EventTypeList: 'ALL',
      AuthSwitch: 'on',
      AuthKey: AUTH_KEY,
    });
  });

  after(async () => {
    await server?.stop();
    await new Promise((r) => receiver.close(r));
    const hits = await filesContaining(join(dataDir, 'storage'), keyMaterial);
    assert.deepEqual(hits, [], 'key material found in storage');
    const dbHits = await filesContaining(dataDir, keyMaterial);
    assert.deepEqual(dbHits, [], 'key material found under the data dir');
    await removeDir(dataDir);
  });

  async function uploadAndWait(groupId: string, title: string) {
    const vod = vodClient(server.url);
    const ticket = await createUpload(vod, {
      Title: title,
      FileName: 'lesson.mp4',
      TemplateGroupId: groupId,
    });
    const oss = ossClientFor(ticket);
    await oss.put(ticket.address.FileName, clip);
    const video = await waitForStatus(vod, ticket.videoId, ['Normal', 'TranscodeFail']);
    assert.equal(video.Status, 'Normal', `transcoding failed: ${video.StatusReason}`);
    return ticket.videoId;
  }

  async function inspect<T>(
    fn: (ctx: {
      db: Db;
      store: ObjectStore;
      dataKey: (videoId: string) => Promise<Uint8Array>;
    }) => Promise<T>,
  ) {
    const db = await openDatabase({ sqlitePath: join(dataDir, 'securevod.sqlite') });
    const kms = await openLocalKms({ dir: join(dataDir, 'kms') });
    const store = await createLocalDirectoryStore({ root: join(dataDir, 'storage') });
    try {
      return await fn({
        db,
        store,
        dataKey: async (videoId) => {
          const video = await createVideoStore(db).find(videoId);
          assert.ok(video?.dataKeyCiphertext, 'the video has a wrapped data key');
          const { plaintext } = await kms.decrypt(video.dataKeyCiphertext, videoDataKeyContext(videoId));
          keyMaterial.push(new Uint8Array(plaintext));
          return plaintext;
        },
      });
    } finally {
      await db.close();
      await kms.close();
    }
  }

  /** init + every segment concatenated: what a player would decode without any key. */
  async function rawConcat(store: ObjectStore, stream: StreamRecord): Promise<string> {
    const playlist = await readText(store, stream.playlistKey);
    const parts = [await readBytes(store, `${stream.storagePrefix}init.mp4`)];
    for (const line of playlist.split('\n')) {
      if (line && !line.startsWith('#'))
        parts.push(await readBytes(store, stream.storagePrefix + line.trim()));
    }
    const path = join(dataDir, `${stream.streamId}-raw.mp4`);
    await writeFile(path, Buffer.concat(parts));
    return path;
  }

  test('standard HLS encryption: every rendition decrypts with KMS-derived keys and decodes fully', async () => {
    const vod = vodClient(server.url);
    const { TranscodeTemplateGroupId: groupId } = await vod.request<{ TranscodeTemplateGroupId: string }>(
      'AddTranscodeTemplateGroup',
      {
        Name: 'standard encrypted',
        TranscodeTemplateList: JSON.stringify([
          template('SD', 360, 'HLSEncryption', 2),
          template('LD', 240, 'HLSEncryption', 2),
        ]),
      },
    );
    const videoId = await uploadAndWait(groupId, 'standard');
    const source = await decodeVideo(clip);
    assert.equal(source.frames, 150);

    await inspect(async ({ db, store, dataKey }) => {
      const streams = await createStreamStore(db).listForVideo(videoId);
      assert.deepEqual(
        streams.map((s) => [s.definition, s.height, s.encryptScheme]),
        [
          ['SD', 360, 'aes-128'],
          ['LD', 240, 'aes-128'],
        ],
      );
      const dk = await dataKey(videoId);
      for (const stream of streams) {
        let stored = 0;
        for await (const object of store.list(stream.storagePrefix)) stored += object.size;
        assert.equal(stream.size, stored, `${stream.definition}: Size counts every stored byte`);
        const playlist = await readText(store, stream.playlistKey);
        const keyLines = playlist.split('\n').filter((l) => l.startsWith('#EXT-X-KEY'));
        assert.ok(keyLines.every((l) => l.includes('METHOD=AES-128')));
        const periods = new Set(keyLines.map((l) => /URI="([^"]+)"/.exec(l)?.[1]));
        assert.equal(periods.size, 2, '3 segments with rotation every 2 segments → 2 key periods');
        const parts = [await readBytes(store, `${stream.storagePrefix}init.mp4`)];
        let iv: Uint8Array | undefined;
        let period = 0;
        for (const line of playlist.split('\n')) {
          const key = /^#EXT-X-KEY:.*URI="([^"]+)".*IV=0x([0-9a-fA-F]{32})/.exec(line);
          if (key) {
            period = Number(key[1]!.split('/').pop());
            iv = hexToBytes(key[2]!);
          } else if (line && !line.startsWith('#')) {
            const periodKey = await deriveSegmentKey(dk, {
              videoId,
              rendition: stream.streamId,
              period,
              scheme: 'aes-128',
            });
            keyMaterial.push(periodKey);
            const cipher = await readBytes(store, stream.storagePrefix + line.trim());
            parts.push(Buffer.from(await decryptAes128Segment(periodKey, iv!, cipher)));
          }
        }
        const decrypted = join(dataDir, `${stream.streamId}.mp4`);
        await writeFile(decrypted, Buffer.concat(parts));
        const decoded = await decodeVideo(decrypted);
        assert.equal(decoded.frames, source.frames, `${stream.definition}: frame count`);
        assert.ok(
          Math.abs(decoded.durationSeconds - 6) < 0.2,
          `${stream.definition}: duration ${decoded.durationSeconds}`,
        );
        assert.equal(
          (await decodeVideo(await rawConcat(store, stream))).frames,
          0,
          'stored segments do not decode',
        );
      }
    });

    const events = received.filter((e) => e.body.VideoId === videoId);
    const types = events.map((e) => e.body.EventType);
    assert.ok(types.includes('FileUploadComplete'));
    assert.equal(types.filter((t) => t === 'StreamTranscodeComplete').length, 2);
    const done = events.find((e) => e.body.EventType === 'TranscodeComplete');
    assert.equal(done?.body.Status, 'success');
    assert.equal((done?.body.StreamInfos as unknown[]).length, 2);
    for (const event of events) {
      const ts = String(event.headers['x-vod-timestamp']);
      const expected = createHash('md5').update(`${receiverUrl}|${ts}|${AUTH_KEY}`).digest('hex');
      assert.equal(event.headers['x-vod-signature'], expected, 'callback signature');
    }
  });

  test('private encryption: segments decrypt with packages/crypto to valid fMP4', async () => {
    const vod = vodClient(server.url);
    const { TranscodeTemplateGroupId: groupId } = await vod.request<{ TranscodeTemplateGroupId: string }>(
      'AddTranscodeTemplateGroup',
      {
        Name: 'private',
        TranscodeTemplateList: JSON.stringify([template('SD', 360, 'AliyunVoDEncryption')]),
      },
    );
    const videoId = await uploadAndWait(groupId, 'private');
    await inspect(async ({ db, store, dataKey }) => {
      const [stream] = await createStreamStore(db).listForVideo(videoId);
      assert.ok(stream);
      assert.equal(stream.encryptScheme, 'aes-256-gcm');
      const dk = await dataKey(videoId);
      const key = await deriveSegmentKey(dk, {
        videoId,
        rendition: stream.streamId,
        period: 0,
        scheme: 'aes-256-gcm',
      });
      keyMaterial.push(key);
      const playlist = await readText(store, stream.playlistKey);
      const parts = [await readBytes(store, `${stream.storagePrefix}init.mp4`)];
      let index = 0;
      for (const line of playlist.split('\n')) {
        if (!line || line.startsWith('#')) continue;
        const cipher = await readBytes(store, stream.storagePrefix + line.trim());
        const context = { videoId, rendition: stream.streamId, segmentIndex: index++ };
        parts.push(Buffer.from(await decryptPrivateSegment(key, cipher, context)));
      }
      const decrypted = join(dataDir, 'private.mp4');
      await writeFile(decrypted, Buffer.concat(parts));
      assert.equal((await decodeVideo(decrypted)).frames, 150);
      assert.equal((await decodeVideo(await rawConcat(store, stream))).frames, 0);
    });
  });

  test('a file that is not a video ends TranscodeFail with a reason, without retries', async () => {
    const vod = vodClient(server.url);
    const ticket = await createUpload(vod, { Title: 'not a video', FileName: 'notes.mp4' });
    const text = join(dataDir, 'notes.mp4');
    await writeFile(text, 'this is not a video\n'.repeat(100));
    await ossClientFor(ticket).put(ticket.address.FileName, text);
    const video = await waitForStatus(vod, ticket.videoId, ['TranscodeFail', 'Normal'], 60_000);
    assert.equal(video.Status, 'TranscodeFail');
    assert.match(String(video.StatusReason), /could not be read|no video/);
    const deadline = Date.now() + 5000;
    while (
      !received.some((e) => e.body.VideoId === ticket.videoId && e.body.EventType === 'TranscodeComplete')
    ) {
      assert.ok(Date.now() < deadline, 'a TranscodeComplete fail callback arrives');
      await new Promise((r) => setTimeout(r, 100));
    }
    const failed = received.find(
      (e) => e.body.VideoId === ticket.videoId && e.body.EventType === 'TranscodeComplete',
    );
    assert.equal(failed?.body.Status, 'fail');
  });
});
