/**
 * Issue 11 item 10, sources at rest, through the running server with the vendor's clients: a
 * source uploaded by PutObject, by a multipart upload with parts out of order and in parallel,
 * or by a URL pull is nowhere in storage in the clear (no 64-byte run of it in any file, parts
 * included); GetMezzanineInfo's FileURL serves the exact original bytes, with Range; the source
 * is gone after DeleteMezzanines and, with SECUREVOD_DELETE_SOURCE_AFTER_TRANSCODE=1, after its
 * transcode publishes — which reads it over the loopback endpoint, never from a scratch copy. A
 * source stored clear before this change still reads back.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type RPCClient from '@alicloud/pop-core';
import { createLocalDirectoryStore } from '../../src/storage/local-directory-store.js';
import { encryptedTemplate, addGroup } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import {
  filesContaining,
  makeDataDir,
  removeDir,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';
import { createUpload, ossClientFor, waitForStatus } from '../support/vod-upload.js';

interface Mezzanine {
  FileURL: string;
  Size: number;
  Status: string;
}

/**
 * 64-byte runs of `bytes`: eight from its middle half. (A clip's container header can legitimately
 * match the clear init segment of its own rendition — same encoder, same parameter sets — so the
 * runs are taken from the coded frames.)
 */
function runsOf(bytes: Buffer): Buffer[] {
  const at = [bytes.length >> 1];
  for (let i = 0; i < 7; i++) at.push(Math.floor(bytes.length / 4 + Math.random() * (bytes.length / 2 - 64)));
  return at.map((offset) => bytes.subarray(offset, offset + 64));
}

async function mezzanine(vod: RPCClient, videoId: string, extra: Record<string, string> = {}) {
  return (await vod.request<{ Mezzanine: Mezzanine }>('GetMezzanineInfo', { VideoId: videoId, ...extra }))
    .Mezzanine;
}

async function fetchBytes(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return {
    status: response.status,
    headers: response.headers,
    body: Buffer.from(await response.arrayBuffer()),
  };
}

describe('sources are stored encrypted and read back decrypted', () => {
  let server: ServerProcess;
  let dataDir: string;
  let vod: RPCClient;
  let clip: Buffer;
  let clipPath: string;
  let origin: Server;
  const storage = () => join(dataDir, 'storage');

  before(async () => {
    dataDir = await makeDataDir();
    clipPath = join(dataDir, 'clip.mp4');
    await makeClip(clipPath, { seconds: 2, width: 320, height: 180 });
    clip = await readFile(clipPath);
    origin = createServer((_req, res) => res.writeHead(200, { 'content-type': 'video/mp4' }).end(clip));
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    server = await startServerProcess({
      dataDir,
      env: {
        SECUREVOD_X264_PRESET: 'ultrafast',
        SECUREVOD_ALLOW_PRIVATE_OUTBOUND: '1',
        SECUREVOD_DELETE_SOURCE_AFTER_TRANSCODE: '1',
      },
    });
    vod = vodClient(server.url);
  });

  after(async () => {
    await server?.stop();
    await new Promise((r) => origin.close(r));
    await removeDir(dataDir);
  });

  test('PutObject: no clear bytes in storage; FileURL gives the exact bytes, with Range', async () => {
    const ticket = await createUpload(vod, {
      Title: 'put',
      FileName: 'put.mp4',
      TemplateGroupId: 'VOD_NO_TRANSCODE',
    });
    await ossClientFor(ticket).put(ticket.address.FileName, clipPath);
    await waitForStatus(vod, ticket.videoId, ['UploadSucc'], 30_000);
    assert.deepEqual(await filesContaining(storage(), runsOf(clip)), []);

    const m = await mezzanine(vod, ticket.videoId, { AuthTimeout: '600' });
    assert.equal(m.Size, clip.length);
    const whole = await fetchBytes(m.FileURL);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.ok(whole.body.equals(clip), 'the FileURL serves the uploaded bytes');

    const size = clip.length;
    for (const [range, start, end] of [
      ['bytes=100-70099', 100, 70_099], // crosses a 64 KiB chunk boundary
      [`bytes=${size - 10}-`, size - 10, size - 1],
      ['bytes=-37', size - 37, size - 1],
      [`bytes=65530-${size + 1000}`, 65_530, size - 1],
    ] as const) {
      const part = await fetchBytes(m.FileURL, { range });
      assert.equal(part.status, 206, range);
      assert.equal(part.headers.get('content-range'), `bytes ${start}-${end}/${size}`);
      assert.ok(part.body.equals(clip.subarray(start, end + 1)), range);
    }
    assert.equal((await fetchBytes(m.FileURL, { range: `bytes=${size}-` })).status, 416);

    // The URL is signed: altered, missing or foreign signatures are refused.
    const url = new URL(m.FileURL);
    const sig = url.searchParams.get('auth_key')!;
    const altered = new URL(url);
    altered.searchParams.set(
      'auth_key',
      sig.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
    );
    assert.equal((await fetchBytes(altered.href)).status, 403);
    const bare = new URL(url);
    bare.search = '';
    assert.equal((await fetchBytes(bare.href)).status, 403);

    // The store holds the source in the documented format, not as uploaded (D: a source written
    // before this change has no magic and is still served as stored).
    const store = await createLocalDirectoryStore({ root: storage() });
    const { body } = await store.get(ticket.address.FileName, { range: { start: 0, end: 3 } });
    assert.equal(Buffer.concat(await body.toArray()).toString('latin1'), 'SVSC');
    const legacy = randomBytes(70_000);
    await store.put(ticket.address.FileName, legacy);
    const legacyRead = await fetchBytes(m.FileURL, { range: 'bytes=5-69999' });
    assert.ok(legacyRead.body.equals(legacy.subarray(5)), 'a clear (pre-encryption) source reads as stored');

    // DeleteMezzanines (Force: no transcoded streams) removes it; the old URL stops working.
    await vod.request('DeleteMezzanines', { VideoIds: ticket.videoId, Force: 'true' });
    const left = await readdir(join(storage(), 'objects', 'sources')).catch((): string[] => []);
    assert.ok(!left.includes(ticket.videoId), 'no source objects left');
    assert.equal((await mezzanine(vod, ticket.videoId)).Status, 'Deleted');
    assert.equal((await fetchBytes(m.FileURL)).status, 404);
  });

  test('multipart, parts out of order and in parallel: encrypted while open and after; exact bytes back', async () => {
    const file = randomBytes(3 * 110 * 1024 + 4321);
    const path = join(dataDir, 'parts.bin');
    await writeFile(path, file);
    const ticket = await createUpload(vod, {
      Title: 'mp',
      FileName: 'mp.mp4',
      TemplateGroupId: 'VOD_NO_TRANSCODE',
    });
    const oss = ossClientFor(ticket);
    const name = ticket.address.FileName;
    const { uploadId } = await oss.initMultipartUpload(name);
    const bounds = [0, 110 * 1024, 220 * 1024, 330 * 1024, file.length];
    const order = [3, 1, 4, 2];
    const etags = await Promise.all(
      order.map(async (n) => ({
        number: n,
        etag: (await oss.uploadPart(name, uploadId, n, path, bounds[n - 1]!, bounds[n]!)).etag,
      })),
    );
    // The open upload's parts are stored encrypted too.
    assert.deepEqual(await filesContaining(storage(), runsOf(file)), []);
    const listed = await oss.listParts(name, uploadId);
    const parts = Array.isArray(listed.parts) ? listed.parts : [listed.parts];
    assert.deepEqual(
      parts.map((p) => Number(p.Size)),
      [1, 2, 3, 4].map((n) => bounds[n]! - bounds[n - 1]!),
      'ListParts reports plaintext sizes',
    );
    await oss.completeMultipartUpload(
      name,
      uploadId,
      etags.sort((a, b) => a.number - b.number),
    );
    const video = await waitForStatus(vod, ticket.videoId, ['UploadSucc'], 30_000);
    assert.equal(video.Size, file.length);
    assert.deepEqual(await filesContaining(storage(), runsOf(file)), []);
    const m = await mezzanine(vod, ticket.videoId);
    assert.ok((await fetchBytes(m.FileURL)).body.equals(file));
    const middle = await fetchBytes(m.FileURL, { range: 'bytes=112000-300000' });
    assert.ok(middle.body.equals(file.subarray(112_000, 300_001)));
  });

  test('URL pull: stored encrypted; transcoded from the loopback endpoint; source deleted after', async () => {
    const groupId = await addGroup(vod, 'at-rest', [encryptedTemplate('LD', 180, 'HLSEncryption')]);
    const scratch = join(dataDir, 'scratch');
    const seen = new Set<string>();
    const watcher = setInterval(() => {
      void readdir(scratch, { recursive: true }).then(
        (names) => names.forEach((n) => seen.add(String(n))),
        () => undefined,
      );
    }, 20);
    try {
      const { UploadJobs } = await vod.request<{ UploadJobs: { JobId: string }[] }>(
        'UploadMediaByURL',
        {
          UploadURLs: encodeURIComponent(
            `http://127.0.0.1:${(origin.address() as AddressInfo).port}/clip.mp4`,
          ),
          TemplateGroupId: 'VOD_NO_TRANSCODE',
        },
        { method: 'POST' },
      );
      let videoId = '';
      for (const deadline = Date.now() + 60_000; !videoId;) {
        const { URLUploadInfoList } = await vod.request<{ URLUploadInfoList: { MediaId?: string }[] }>(
          'GetURLUploadInfos',
          { JobIds: UploadJobs[0]!.JobId },
        );
        videoId = URLUploadInfoList[0]?.MediaId ?? '';
        assert.ok(Date.now() < deadline, 'the pull created a video');
        if (!videoId) await new Promise((r) => setTimeout(r, 100));
      }
      await waitForStatus(vod, videoId, ['UploadSucc'], 30_000);
      assert.deepEqual(await filesContaining(storage(), runsOf(clip)), []);
      assert.ok((await fetchBytes((await mezzanine(vod, videoId)).FileURL)).body.equals(clip));

      await vod.request(
        'SubmitTranscodeJobs',
        { VideoId: videoId, TemplateGroupId: groupId },
        { method: 'POST' },
      );
      const video = await waitForStatus(vod, videoId, ['Normal', 'TranscodeFail']);
      assert.equal(video.Status, 'Normal', video.StatusReason);
      // SECUREVOD_DELETE_SOURCE_AFTER_TRANSCODE=1: the source went with the publish.
      assert.equal((await mezzanine(vod, videoId)).Status, 'Deleted');
      const sources = await readdir(join(storage(), 'objects', 'sources')).catch((): string[] => []);
      assert.ok(!sources.includes(videoId), 'no source objects left');
      assert.deepEqual(await filesContaining(storage(), runsOf(clip)), []);
    } finally {
      clearInterval(watcher);
    }
    assert.ok(
      ![...seen].some((n) => /(^|\/)source/.test(n)),
      `no source copy in scratch: ${[...seen].join(' ')}`,
    );
  });
});
