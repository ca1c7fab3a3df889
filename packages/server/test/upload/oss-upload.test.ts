/**
 * The upload endpoint driven by the real `ali-oss` client against a real server (DESIGN §3):
 * `put`, `multipartUpload` of a >100 MB file, checkpoint resume across a server restart, abort,
 * ListParts, completion checks, and living next to the RPC API on one Fastify instance.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { readAll } from '../contracts/object-store-contract.js';
import { ossSignUtils } from './ali-oss-client.js';
import type { OssCheckpoint, OssClientError } from './ali-oss-client.js';
import { md5Hex, signedFetch, startUploadTestServer, xmlCode } from './upload-test-server.js';
import type { UploadTestServer } from './upload-test-server.js';

const MiB = 1024 * 1024;
const base = await mkdtemp(join(tmpdir(), 'securevod-oss-upload-'));
after(() => rm(base, { recursive: true, force: true }));

/** Writes `size` bytes (1 MiB blocks of random data, each stamped with its index); returns the MD5. */
async function writeTestFile(path: string, size: number): Promise<string> {
  const block = randomBytes(MiB);
  const hash = createHash('md5');
  const fh = await open(path, 'w');
  try {
    for (let offset = 0, n = 0; offset < size; offset += MiB, n++) {
      const chunk = block.subarray(0, Math.min(MiB, size - offset));
      if (chunk.length >= 4) chunk.writeUInt32BE(n, 0);
      hash.update(chunk);
      await fh.write(chunk, 0, chunk.length, offset);
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

function ossError(code: string, status: number) {
  return (err: unknown) => {
    const e = err as OssClientError;
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    assert.equal(e.status, status);
    assert.match(e.requestId ?? '', /^[0-9A-F]{24}$/);
    return true;
  };
}

async function keys(store: ObjectStore, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const info of store.list(prefix)) found.push(info.key);
  return found;
}

describe('OSS upload endpoint with ali-oss', () => {
  let server: UploadTestServer;
  before(async () => {
    server = await startUploadTestServer({ root: join(base, 'main') });
  });
  after(() => server.close());

  const completionsOf = (objectKey: string) => server.completions.filter((c) => c.objectKey === objectKey);

  it('accepts put of a Buffer: content, type, ETag, request id, one completion', async () => {
    const credential = server.issue();
    const content = Buffer.from('a small source file');
    const result = await server.client(credential).put(credential.objectKey, content);
    assert.equal(result.res.status, 200);
    assert.equal(result.res.headers.etag, `"${md5Hex(content).toUpperCase()}"`);
    assert.match(result.res.headers['x-oss-request-id'] ?? '', /^[0-9A-F]{24}$/);
    const stored = await server.store.get(credential.objectKey);
    assert.deepEqual(await readAll(stored.body), content);
    assert.equal(stored.contentType, 'video/mp4');
    assert.deepEqual(completionsOf(credential.objectKey), [
      {
        bucket: credential.bucket,
        objectKey: credential.objectKey,
        size: content.length,
        etag: md5Hex(content),
      },
    ]);
  });

  it('accepts put of a file path (streamed, Content-Length, no Content-MD5)', async () => {
    const credential = server.issue();
    const file = join(base, 'put-5mb.bin');
    const md5 = await writeTestFile(file, 5 * MiB + 3);
    await server.client(credential).put(credential.objectKey, file);
    const info = await server.store.head(credential.objectKey);
    assert.equal(info?.size, 5 * MiB + 3);
    assert.equal(info?.etag, md5);
    assert.equal(completionsOf(credential.objectKey).length, 1);
  });

  it('accepts a host-name endpoint with cname: true or sldEnable: true (path style)', async () => {
    for (const style of [{ cname: true }, { sldEnable: true }]) {
      const credential = server.issue();
      const client = server.client(credential, { endpoint: `http://localhost:${server.port}`, ...style });
      await client.put(credential.objectKey, Buffer.from(JSON.stringify(style)));
      const stored = await server.store.get(credential.objectKey);
      assert.equal((await readAll(stored.body)).toString(), JSON.stringify(style));
    }
  });

  it('assembles a >100 MB multipartUpload; size, MD5 and one completion; parts removed', async () => {
    const credential = server.issue();
    const file = join(base, 'big.bin');
    const size = 100 * MiB + 12_345;
    const md5 = await writeTestFile(file, size);
    const result = await server.client(credential).multipartUpload(credential.objectKey, file, {
      partSize: 10 * MiB,
    });
    assert.match(result.etag, /^"[0-9A-F]{32}-11"$/);
    const info = await server.store.head(credential.objectKey);
    assert.equal(info?.size, size);
    assert.equal(info?.etag, md5);
    // ali-oss types a multipart upload by the local file's extension (.bin), not the object's.
    assert.equal(info?.contentType, 'application/octet-stream');
    assert.deepEqual(completionsOf(credential.objectKey), [
      { bucket: credential.bucket, objectKey: credential.objectKey, size, etag: md5 },
    ]);
    assert.deepEqual(await keys(server.store, '.multipart/'), [], 'no parts or manifests left');
    await rm(file);
  });

  it('aborts a multipart upload: parts removed, the upload id is gone', async () => {
    const credential = server.issue();
    const client = server.client(credential);
    const file = join(base, 'abort.bin');
    await writeTestFile(file, 400 * 1024);
    const { uploadId } = await client.initMultipartUpload(credential.objectKey);
    await client.uploadPart(credential.objectKey, uploadId, 1, file, 0, 200 * 1024);
    await client.uploadPart(credential.objectKey, uploadId, 2, file, 200 * 1024, 400 * 1024);
    assert.equal((await keys(server.store, `.multipart/${uploadId}/`)).length, 3);

    const aborted = await client.abortMultipartUpload(credential.objectKey, uploadId);
    assert.equal(aborted.res.status, 204);
    assert.deepEqual(await keys(server.store, `.multipart/${uploadId}/`), []);
    await assert.rejects(
      client.uploadPart(credential.objectKey, uploadId, 3, file, 0, 1),
      ossError('NoSuchUpload', 404),
    );
    await assert.rejects(
      client.completeMultipartUpload(credential.objectKey, uploadId, [{ number: 1, etag: '"X"' }]),
      ossError('NoSuchUpload', 404),
    );
    await assert.rejects(
      client.abortMultipartUpload(credential.objectKey, uploadId),
      ossError('NoSuchUpload', 404),
    );
    assert.deepEqual(await keys(server.store, `.multipart/${uploadId}/`), [], 'no orphan part');
    assert.equal(await server.store.head(credential.objectKey), undefined);
    assert.deepEqual(completionsOf(credential.objectKey), []);
  });

  it('lists parts and checks the part list on completion', async () => {
    const credential = server.issue();
    const client = server.client(credential);
    const key = credential.objectKey;
    const file = join(base, 'parts.bin');
    await writeTestFile(file, 400 * 1024);
    const { uploadId } = await client.initMultipartUpload(key);
    const p1 = await client.uploadPart(key, uploadId, 1, file, 0, 200 * 1024);
    const p3 = await client.uploadPart(key, uploadId, 3, file, 200 * 1024, 350 * 1024);
    const p2 = await client.uploadPart(key, uploadId, 2, file, 350 * 1024, 400 * 1024);

    const listed = await client.listParts(key, uploadId);
    const parts = Array.isArray(listed.parts) ? listed.parts : [listed.parts];
    assert.deepEqual(
      parts.map((p) => [p.PartNumber, p.Size, p.ETag]),
      [
        ['1', String(200 * 1024), p1.etag],
        ['2', String(50 * 1024), p2.etag],
        ['3', String(150 * 1024), p3.etag],
      ],
    );
    const page = await client.listParts(key, uploadId, { 'max-parts': 2, 'part-number-marker': 0 });
    assert.equal(page.isTruncated, 'true');
    assert.equal(page.nextPartNumberMarker, '2');

    const complete = (list: { number: number; etag: string }[]) =>
      client.completeMultipartUpload(key, uploadId, list);
    await assert.rejects(
      complete([{ number: 1, etag: p2.etag }]),
      ossError('InvalidPart', 400),
      'an ETag of another part',
    );
    await assert.rejects(
      complete([{ number: 4, etag: p1.etag }]),
      ossError('InvalidPart', 400),
      'a missing part',
    );
    await assert.rejects(
      complete([
        { number: 1, etag: p1.etag },
        { number: 2, etag: p2.etag },
        { number: 3, etag: p3.etag },
      ]),
      ossError('EntityTooSmall', 400),
      'a 50 KiB part that is not the last',
    );
    const xmlOf = (numbers: number[]) =>
      `<CompleteMultipartUpload>${numbers
        .map((n) => `<Part><PartNumber>${n}</PartNumber><ETag>${[p1, p2, p3][n - 1]!.etag}</ETag></Part>`)
        .join('')}</CompleteMultipartUpload>`;
    const outOfOrder = await signedFetch(server.endpoint, credential, {
      method: 'POST',
      subres: { uploadId },
      headers: { 'content-type': 'application/xml' },
      body: xmlOf([3, 1]),
    });
    assert.equal(outOfOrder.status, 400);
    assert.equal(xmlCode(outOfOrder.text), 'InvalidPartOrder');
    const malformed = await signedFetch(server.endpoint, credential, {
      method: 'POST',
      subres: { uploadId },
      headers: { 'content-type': 'application/xml' },
      body: '<CompleteMultipartUpload><Part>',
    });
    assert.equal(malformed.status, 400);
    assert.equal(xmlCode(malformed.text), 'MalformedXML');
    assert.equal(await server.store.head(key), undefined, 'nothing assembled by refused completions');

    const done = await complete([
      { number: 1, etag: p1.etag },
      { number: 3, etag: p3.etag },
    ]);
    assert.match(done.etag, /^"[0-9A-F]{32}-2"$/);
    const whole = await readAll((await server.store.get(key)).body);
    const source = await readAll((await import('node:fs')).createReadStream(file));
    assert.deepEqual(
      whole,
      Buffer.concat([source.subarray(0, 200 * 1024), source.subarray(200 * 1024, 350 * 1024)]),
    );
    assert.equal(completionsOf(key).length, 1);
    assert.deepEqual(await keys(server.store, `.multipart/${uploadId}/`), []);
  });

  it('refuses a body that does not match its Content-MD5, keeping nothing', async () => {
    const credential = server.issue();
    const response = await signedFetch(server.endpoint, credential, {
      method: 'PUT',
      headers: {
        'content-type': 'video/mp4',
        'content-md5': createHash('md5').update('other').digest('base64'),
      },
      body: 'the real body',
    });
    assert.equal(response.status, 400);
    assert.equal(xmlCode(response.text), 'InvalidDigest');
    assert.equal(await server.store.head(credential.objectKey), undefined);
    assert.deepEqual(completionsOf(credential.objectKey), []);
  });

  it('keeps nothing from a client that disconnects mid-body', async () => {
    const credential = server.issue();
    const headers: Record<string, string> = {
      'x-oss-date': new Date().toUTCString(),
      'x-oss-security-token': credential.securityToken,
      'content-type': 'video/mp4',
      'content-length': String(8 * MiB),
    };
    const resource = `/${credential.bucket}/${credential.objectKey}`;
    const canonical = ossSignUtils.buildCanonicalString('PUT', resource, { headers });
    headers.authorization = ossSignUtils.authorization(
      credential.accessKeyId,
      credential.accessKeySecret,
      canonical,
    );
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${server.endpoint}${resource}`, { method: 'PUT', headers });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(2 * MiB, 7), () => setTimeout(() => req.destroy(), 50));
    });
    const tmp = join(base, 'main', '.tmp');
    for (let i = 0; i < 100 && (await readdir(tmp)).length > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await readdir(tmp), [], 'temp file removed');
    assert.equal(await server.store.head(credential.objectKey), undefined);
    assert.deepEqual(completionsOf(credential.objectKey), []);
  });

  it('shares the Fastify instance with the RPC API at / and other routes', async () => {
    const form = await fetch(`${server.endpoint}/`, {
      method: 'POST',
      body: new URLSearchParams({ Action: 'CreateUploadVideo', Title: 't' }),
    });
    assert.deepEqual(await form.json(), { rpc: true, params: { Action: 'CreateUploadVideo', Title: 't' } });
    const get = await fetch(`${server.endpoint}/?Action=GetVideoInfo`);
    assert.deepEqual(await get.json(), { rpc: true, params: { Action: 'GetVideoInfo' } });
    const other = await fetch(`${server.endpoint}/console/app.js`);
    assert.deepEqual(await other.json(), { fallback: '/console/app.js' });

    const unsigned = await fetch(`${server.endpoint}/sourcefiles/x/video.mp4`, { method: 'PUT', body: 'x' });
    assert.equal(unsigned.status, 404, 'requests without an OSS signature never reach the upload routes');
    const v4 = await fetch(`${server.endpoint}/sourcefiles/x/video.mp4`, {
      method: 'PUT',
      body: 'x',
      headers: { authorization: 'OSS4-HMAC-SHA256 Credential=a/b/c/oss/aliyun_v4_request,Signature=00' },
    });
    assert.equal(v4.status, 400);
    assert.equal(xmlCode(await v4.text()), 'InvalidArgument');
    assert.deepEqual(await keys(server.store, 'sourcefiles/x/'), []);
  });
});

describe('multipart state across a server restart', () => {
  it('resumes an interrupted multipartUpload from its checkpoint on a new server process', async () => {
    const root = join(base, 'restart');
    const first = await startUploadTestServer({ root });
    const credential = first.issue();
    const file = join(base, 'resume.bin');
    const size = 4 * MiB + 777;
    const partSize = 256 * 1024;
    const totalParts = Math.ceil(size / partSize);
    const md5 = await writeTestFile(file, size);

    const client1 = first.client(credential);
    let checkpoint: OssCheckpoint | undefined;
    await assert.rejects(
      client1.multipartUpload(credential.objectKey, file, {
        partSize,
        parallel: 2,
        progress: (_p, cpt) => {
          if (cpt && cpt.doneParts.length >= 5 && !checkpoint) {
            checkpoint = cpt;
            client1.cancel();
          }
        },
      }),
      (err: OssClientError) => err.name === 'cancel',
    );
    assert.ok(checkpoint);
    const done = checkpoint.doneParts.length;
    assert.ok(done >= 5 && done < totalParts, `${done} parts done before the interruption`);
    await first.close();

    const second = await startUploadTestServer({ root, credentials: first.credentials });
    try {
      const result = await second.client(credential).multipartUpload(credential.objectKey, file, {
        checkpoint,
        partSize,
        parallel: 2,
      });
      assert.match(result.etag, new RegExp(`^"[0-9A-F]{32}-${totalParts}"$`));
      assert.equal(second.partUploads(), totalParts - done, 'only the missing parts were sent again');
      const info = await second.store.head(credential.objectKey);
      assert.equal(info?.size, size);
      assert.equal(info?.etag, md5);
      assert.deepEqual(first.completions, []);
      assert.equal(second.completions.length, 1);
      assert.deepEqual(await keys(second.store, '.multipart/'), []);
    } finally {
      await second.close();
    }
  });

  it('keeps the parts when recording the completion fails, so the client can complete again', async () => {
    let failNext = true;
    const server = await startUploadTestServer({
      root: join(base, 'flaky-catalogue'),
      onObjectComplete: async () => {
        if (failNext) {
          failNext = false;
          throw new Error('catalogue unavailable');
        }
      },
    });
    try {
      const credential = server.issue();
      const client = server.client(credential);
      const file = join(base, 'flaky.bin');
      await writeTestFile(file, 300 * 1024);
      const { uploadId } = await client.initMultipartUpload(credential.objectKey);
      const part = await client.uploadPart(credential.objectKey, uploadId, 1, file, 0, 300 * 1024);
      const parts = [{ number: 1, etag: part.etag }];
      await assert.rejects(
        client.completeMultipartUpload(credential.objectKey, uploadId, parts),
        ossError('InternalError', 500),
      );
      assert.equal((await keys(server.store, `.multipart/${uploadId}/`)).length, 2);
      await client.completeMultipartUpload(credential.objectKey, uploadId, parts);
      assert.equal(server.completions.length, 1);
      assert.equal((await server.store.head(credential.objectKey))?.size, 300 * 1024);
      assert.deepEqual(await keys(server.store, '.multipart/'), []);
    } finally {
      await server.close();
    }
  });
});
