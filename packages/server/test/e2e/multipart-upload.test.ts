/**
 * Large uploads and upload-credential scoping through the full server with the unmodified
 * `ali-oss` client (DESIGN §3): a >100 MB `multipartUpload` finishes the video with the right
 * Size and a FileUploadComplete event; a credential writes its own object and nothing else.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { after, before, describe, test } from 'node:test';
import type RPCClient from '@alicloud/pop-core';
import { createOssClient, type OssClientError } from '../upload/ali-oss-client.js';
import {
  filesContaining,
  makeDataDir,
  removeDir,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';
import { createUpload, ossClientFor, waitForStatus, type DecodedTicket } from '../support/vod-upload.js';
import { filesUnder } from './e2e-helpers.js';
import { sourceStoredSize } from '../../src/source/source-format.js';

const LARGE_SIZE = 101 * 1024 * 1024 + 12_345;

interface Event {
  EventType: string;
  VideoId: string;
  Size?: number;
}

/** Writes `size` random bytes to `path` and returns their MD5 (hex). */
async function randomFile(path: string, size: number): Promise<string> {
  const file = await open(path, 'w');
  const hash = createHash('md5');
  try {
    for (let written = 0; written < size;) {
      const chunk = randomBytes(Math.min(4 * 1024 * 1024, size - written));
      hash.update(chunk);
      await file.write(chunk);
      written += chunk.length;
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

/** `length` bytes of the file at `path` from `offset`. */
async function fileBytes(path: string, offset: number, length: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    await file.read(buffer, 0, length, offset);
    return buffer;
  } finally {
    await file.close();
  }
}

/** Runs an ali-oss call that must fail and returns what ali-oss raised. */
async function ossError(call: Promise<unknown>): Promise<OssClientError> {
  try {
    await call;
  } catch (error) {
    return error as OssClientError;
  }
  throw new Error('expected the OSS request to fail, but it succeeded');
}

describe('multipart upload and credential scope through the full server', () => {
  let server: ServerProcess;
  let dataDir: string;
  let vod: RPCClient;
  let receiver: Server;
  const events: Event[] = [];

  before(async () => {
    dataDir = await makeDataDir();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        events.push(JSON.parse(body) as Event);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    // The callback receiver is on 127.0.0.1: callbacks may reach private addresses only with this.
    server = await startServerProcess({ dataDir, env: { SECUREVOD_ALLOW_PRIVATE_OUTBOUND: '1' } });
    vod = vodClient(server.url);
    await vod.request('SetMessageCallback', {
      CallbackURL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`,
      EventTypeList: 'FileUploadComplete',
    });
  });

  after(async () => {
    await server?.stop();
    await new Promise((r) => receiver.close(r));
    await removeDir(dataDir);
  });

  const newUpload = (title: string) =>
    createUpload(vod, { Title: title, FileName: 'big.mp4', TemplateGroupId: 'VOD_NO_TRANSCODE' });

  test('multipartUpload of a >100 MB file: UploadSucc, exact Size, FileUploadComplete', async () => {
    const path = join(dataDir, 'big.bin');
    const md5 = await randomFile(path, LARGE_SIZE);
    const ticket = await newUpload('large');
    let lastProgress = 0;
    const result = await ossClientFor(ticket).multipartUpload(ticket.address.FileName, path, {
      partSize: 8 * 1024 * 1024,
      parallel: 4,
      progress: (p) => {
        lastProgress = p;
      },
    });
    assert.equal(result.res.status, 200);
    assert.equal(result.name, ticket.address.FileName);
    assert.equal(lastProgress, 1);

    const video = await waitForStatus(vod, ticket.videoId, ['UploadSucc'], 30_000);
    assert.equal(video.Size, LARGE_SIZE);
    const deadline = Date.now() + 10_000;
    while (!events.some((e) => e.VideoId === ticket.videoId)) {
      assert.ok(Date.now() < deadline, 'FileUploadComplete arrives');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(
      events.filter((e) => e.VideoId === ticket.videoId).map((e) => [e.EventType, e.Size]),
      [['FileUploadComplete', LARGE_SIZE]],
    );
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(
      (await waitForStatus(vod, ticket.videoId, ['UploadSucc'], 1000)).Status,
      'UploadSucc',
      '"no transcoding": the video stays UploadSucc',
    );

    // The stored source is encrypted (docs/formats.md, "Encrypted source"; the local store keeps
    // a 1 KiB header first): no 64-byte run of the file is anywhere in storage.
    const storedPath = join(dataDir, 'storage', 'objects', `${ticket.address.FileName}#`);
    const stored = await readFile(storedPath);
    assert.equal(stored.subarray(1024, 1028).toString('latin1'), 'SVSC');
    assert.equal(stored.length - 1024, sourceStoredSize(stored.readUInt16BE(1024 + 6), 65_536, LARGE_SIZE));
    const runs = [0, LARGE_SIZE >> 1, LARGE_SIZE - 64].map((at) => fileBytes(path, at, 64));
    assert.deepEqual(await filesContaining(join(dataDir, 'storage'), await Promise.all(runs)), []);
    // GetMezzanineInfo's FileURL serves the file back, byte for byte.
    const mezzanine = await vod.request<{ Mezzanine: { Size: number; FileURL: string } }>(
      'GetMezzanineInfo',
      {
        VideoId: ticket.videoId,
      },
    );
    assert.equal(mezzanine.Mezzanine.Size, LARGE_SIZE);
    const served = await fetch(mezzanine.Mezzanine.FileURL);
    assert.equal(served.status, 200);
    const hash = createHash('md5');
    for await (const chunk of Readable.fromWeb(served.body! as WebReadableStream<Uint8Array>)) {
      hash.update(chunk as Buffer);
    }
    assert.equal(hash.digest('hex'), md5);
    // The parts were discarded after completion.
    assert.deepEqual(await filesUnder(join(dataDir, 'storage', 'objects', '.multipart')), []);
  });

  describe('a credential writes its own object and nothing else', () => {
    let a: DecodedTicket;
    let b: DecodedTicket;
    const body = Buffer.alloc(2048, 9);

    before(async () => {
      a = await newUpload('a');
      b = await newUpload('b');
    });

    const sourcesOf = (ticket: DecodedTicket) =>
      filesUnder(join(dataDir, 'storage', 'objects', 'sources', ticket.videoId));

    test('another object name with a valid credential → AccessDenied', async () => {
      const oss = ossClientFor(a);
      const renamed = a.address.FileName.replace(/source\.mp4$/, 'other.mp4');
      for (const name of [renamed, 'loose.mp4', `sources/${a.videoId}/source.mp4/extra`]) {
        const error = await ossError(oss.put(name, body));
        assert.equal(error.code, 'AccessDenied', `${name}: ${error.code} ${error.message}`);
        assert.equal(error.status, 403);
        assert.ok(error.requestId, 'the OSS error carries a request id');
      }
      const multipart = await ossError(oss.initMultipartUpload(renamed));
      assert.equal(multipart.code, 'AccessDenied');
      assert.equal(multipart.status, 403);
      assert.deepEqual(await sourcesOf(a), [], 'nothing was written');
    });

    test("video A's credential on video B's object → refused", async () => {
      const error = await ossError(ossClientFor(a).put(b.address.FileName, body));
      assert.equal(error.code, 'AccessDenied');
      assert.equal(error.status, 403);
      const multipart = await ossError(
        ossClientFor(a).multipartUpload(b.address.FileName, join(dataDir, 'big.bin'), {
          partSize: 32 * 1024 * 1024,
        }),
      );
      assert.equal(multipart.code, 'AccessDenied');
      assert.deepEqual(await sourcesOf(b), []);
      const video = await waitForStatus(vod, b.videoId, ['Uploading'], 1000);
      assert.equal(video.Status, 'Uploading', "B's upload has not happened");
    });

    test('garbage, wrong-secret and wrong-token credentials are refused with OSS codes', async () => {
      const client = (overrides: Partial<DecodedTicket['auth']>) =>
        createOssClient({
          endpoint: a.address.Endpoint,
          bucket: a.address.Bucket,
          accessKeyId: overrides.AccessKeyId ?? a.auth.AccessKeyId,
          accessKeySecret: overrides.AccessKeySecret ?? a.auth.AccessKeySecret,
          stsToken: overrides.SecurityToken ?? a.auth.SecurityToken,
        });
      const garbage = await ossError(
        client({ AccessKeyId: 'STS.notAKeyWeIssued' }).put(a.address.FileName, body),
      );
      assert.equal(garbage.code, 'InvalidAccessKeyId');
      assert.equal(garbage.status, 403);
      const wrongSecret = await ossError(
        client({ AccessKeySecret: 'x'.repeat(32) }).put(a.address.FileName, body),
      );
      assert.equal(wrongSecret.code, 'SignatureDoesNotMatch');
      assert.equal(wrongSecret.status, 403);
      const wrongToken = await ossError(
        client({ SecurityToken: 'y'.repeat(64) }).put(a.address.FileName, body),
      );
      assert.equal(wrongToken.code, 'InvalidSecurityToken');
      assert.equal(wrongToken.status, 403);
      assert.deepEqual(await sourcesOf(a), []);

      // The real credential still works afterwards.
      await ossClientFor(a).put(a.address.FileName, body);
      assert.equal((await waitForStatus(vod, a.videoId, ['UploadSucc'], 10_000)).Size, body.length);
    });

    test('a deleted video takes its credentials with it', async () => {
      await vod.request('DeleteVideo', { VideoIds: b.videoId });
      const error = await ossError(ossClientFor(b).put(b.address.FileName, body));
      assert.equal(error.code, 'InvalidAccessKeyId');
      assert.equal(error.status, 403);
      assert.deepEqual(await sourcesOf(b), []);
    });
  });
});
