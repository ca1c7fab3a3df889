/**
 * The CLI's uploader against a real server: credentials renewed through RefreshUploadVideo before
 * they expire (resuming ali-oss's checkpoint with the fresh ones) and after the server rejects
 * them, with the stored source checked byte for byte (the MD5 of what its FileURL serves).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createOssUploadClient,
  decodeUploadTicket,
  type UploadTicket,
} from '../../src/cli/oss-upload-client.js';
import { SourceUploadError, uploadSource, type SourceUploadOptions } from '../../src/cli/source-uploader.js';
import { VodApiClient } from '../../src/cli/vod-api-client.js';
import { UPLOAD_CREDENTIAL_TTL_SECONDS } from '../../src/catalogue/upload-service.js';
import {
  makeDataDir,
  removeDir,
  startServerProcess,
  TEST_ROOT_KEY,
  type ServerProcess,
} from '../support/server-process.js';

describe('source uploader', () => {
  let server: ServerProcess;
  let dataDir: string;
  let api: VodApiClient;

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({ dataDir, env: { SECUREVOD_LOG_LEVEL: 'warn' } });
    api = new VodApiClient({ endpoint: server.url, ...TEST_ROOT_KEY });
  });

  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  async function sourceFile(name: string, size: number): Promise<{ path: string; md5: string }> {
    const bytes = randomBytes(size);
    const path = join(dataDir, name);
    await writeFile(path, bytes);
    return { path, md5: createHash('md5').update(bytes).digest('hex') };
  }

  async function createUpload(fileName: string): Promise<UploadTicket> {
    // No transcoding: the objects are random bytes, and only the upload is under test.
    return decodeUploadTicket(
      await api.request('CreateUploadVideo', {
        Title: fileName,
        FileName: fileName,
        TemplateGroupId: 'VOD_NO_TRANSCODE',
      }),
    );
  }

  const refreshOf = (videoId: string) => async () =>
    decodeUploadTicket(await api.request('RefreshUploadVideo', { VideoId: videoId }));

  /** Uploads and returns what the server stored, plus every AccessKeyId a client was built with. */
  async function run(options: Omit<SourceUploadOptions, 'createClient'>) {
    const keyIds: string[] = [];
    const progress: number[] = [];
    const result = await uploadSource({
      ...options,
      onProgress: (bytes) => progress.push(bytes),
      createClient: (ticket, clientOptions) => {
        keyIds.push(ticket.auth.AccessKeyId);
        return createOssUploadClient(ticket, clientOptions);
      },
    });
    // The store holds the source encrypted; GetMezzanineInfo's FileURL gives back what was uploaded.
    const { Mezzanine } = await api.request<{ Mezzanine: { FileURL: string } }>('GetMezzanineInfo', {
      VideoId: options.ticket.videoId,
    });
    const served = Buffer.from(await (await fetch(Mezzanine.FileURL)).arrayBuffer());
    const stored = { etag: createHash('md5').update(served).digest('hex') };
    const { Video } = await api.request<{ Video: { Status: string; Size: number } }>('GetVideoInfo', {
      VideoId: options.ticket.videoId,
    });
    return { result, keyIds, progress, stored, video: Video };
  }

  test('renews the credential before it expires and resumes the multipart upload from its checkpoint', async () => {
    const file = await sourceFile('long.mp4', 1024 * 1024);
    const ticket = await createUpload('long.mp4');
    const { result, keyIds, progress, stored, video } = await run({
      file: file.path,
      size: 1024 * 1024,
      ticket,
      refresh: refreshOf(ticket.videoId),
      // Every credential is "about to expire": renewal after each part.
      policy: {
        partSize: 128 * 1024,
        parallel: 2,
        refreshBeforeExpiryMs: (UPLOAD_CREDENTIAL_TTL_SECONDS + 60) * 1000,
      },
    });
    assert.equal(result.multipart, true);
    assert.ok(result.refreshes >= 4, `refreshed ${result.refreshes} times`);
    assert.equal(new Set(keyIds).size, keyIds.length, 'each attempt uses a fresh credential');
    assert.equal(keyIds.length, result.refreshes, 'every refresh built a new client');
    assert.equal(stored?.etag, file.md5, 'the stored object is the file');
    assert.equal(video.Status, 'UploadSucc');
    assert.equal(video.Size, 1024 * 1024);
    assert.deepEqual(
      progress,
      [...progress].sort((a, b) => a - b),
      'progress never goes back',
    );
    assert.equal(progress.at(-1), 1024 * 1024);
  });

  test('a credential the server rejects is renewed once, for parts and for a single put', async () => {
    for (const size of [600 * 1024, 40 * 1024]) {
      const file = await sourceFile(`rejected-${size}.mp4`, size);
      const ticket = await createUpload(`rejected-${size}.mp4`);
      const tampered: UploadTicket = { ...ticket, auth: { ...ticket.auth, SecurityToken: 'not-the-token' } };
      const { result, keyIds, stored } = await run({
        file: file.path,
        size,
        ticket: tampered,
        refresh: refreshOf(ticket.videoId),
        policy: { partSize: 256 * 1024 },
      });
      assert.equal(result.multipart, size >= 256 * 1024);
      assert.equal(result.refreshes, 1);
      assert.equal(keyIds[0], ticket.auth.AccessKeyId);
      assert.notEqual(keyIds.at(-1), ticket.auth.AccessKeyId);
      assert.equal(stored?.etag, file.md5);
    }
  });

  test('gives up with the OSS code when fresh credentials keep failing', async () => {
    const file = await sourceFile('hopeless.mp4', 300 * 1024);
    const ticket = await createUpload('hopeless.mp4');
    let refreshes = 0;
    const broken = (t: UploadTicket): UploadTicket => ({ ...t, auth: { ...t.auth, SecurityToken: 'bad' } });
    await assert.rejects(
      uploadSource({
        file: file.path,
        size: 300 * 1024,
        ticket: broken(ticket),
        refresh: async () => {
          refreshes++;
          return broken(await refreshOf(ticket.videoId)());
        },
        policy: { partSize: 128 * 1024, maxCredentialRetries: 2 },
      }),
      (error: unknown) => {
        assert.ok(error instanceof SourceUploadError);
        assert.equal(error.code, 'InvalidSecurityToken');
        assert.equal(error.httpStatus, 403);
        return true;
      },
    );
    assert.equal(refreshes, 2);
  });
});
