/**
 * Upload credentials allow writing one object of one bucket, until they expire: every other use
 * is refused with the code and status OSS uses, as `ali-oss` surfaces them, and writes nothing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { OssClientError } from './ali-oss-client.js';
import { startUploadTestServer } from './upload-test-server.js';
import type { TestCredential, UploadTestServer } from './upload-test-server.js';

const base = await mkdtemp(join(tmpdir(), 'securevod-oss-auth-'));
after(() => rm(base, { recursive: true, force: true }));

function refusedWith(code: string, status = 403) {
  return (err: unknown) => {
    const e = err as OssClientError;
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    assert.equal(e.status, status);
    assert.match(e.requestId ?? '', /^[0-9A-F]{24}$/);
    return true;
  };
}

describe('OSS upload endpoint refusals', () => {
  let server: UploadTestServer;
  let largeFile: string;
  before(async () => {
    server = await startUploadTestServer({ root: join(base, 'store') });
    largeFile = join(base, 'large.bin');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(largeFile, Buffer.alloc(300 * 1024, 1));
  });
  after(() => server.close());

  async function assertNothingWritten() {
    const written: string[] = [];
    for await (const info of server.store.list('')) written.push(info.key);
    assert.deepEqual(written, []);
    assert.deepEqual(server.completions, []);
  }

  /** Tries both `put` and `multipartUpload` (which starts with InitiateMultipartUpload). */
  async function assertRefused(
    credential: TestCredential,
    code: string,
    options: Parameters<UploadTestServer['client']>[1] = {},
    objectKey = credential.objectKey,
  ) {
    const client = server.client(credential, options);
    await assert.rejects(client.put(objectKey, Buffer.from('payload')), refusedWith(code), `put: ${code}`);
    await assert.rejects(
      client.multipartUpload(objectKey, largeFile, { partSize: 100 * 1024 }),
      refusedWith(code),
      `multipartUpload: ${code}`,
    );
    await assertNothingWritten();
  }

  it('refuses an unknown AccessKeyId with InvalidAccessKeyId', async () => {
    const credential = server.issue();
    await assertRefused({ ...credential, accessKeyId: 'STS.not-issued' }, 'InvalidAccessKeyId');
  });

  it('refuses a wrong secret with SignatureDoesNotMatch', async () => {
    const credential = server.issue();
    await assertRefused({ ...credential, accessKeySecret: 'not-the-secret' }, 'SignatureDoesNotMatch');
  });

  it('refuses a wrong or missing security token', async () => {
    const credential = server.issue();
    await assertRefused({ ...credential, securityToken: 'forged-token' }, 'InvalidSecurityToken');
    const client = server.client(credential, { stsToken: undefined });
    await assert.rejects(
      client.put(credential.objectKey, Buffer.from('x')),
      refusedWith('InvalidAccessKeyId'),
    );
    await assertNothingWritten();
  });

  it('refuses an expired credential with SecurityTokenExpired', async () => {
    const credential = server.issue({ expiresAt: new Date(Date.now() - 1000) });
    await assertRefused(credential, 'SecurityTokenExpired');
  });

  it('refuses another object name with AccessDenied', async () => {
    const credential = server.issue();
    await assertRefused(credential, 'AccessDenied', {}, 'sourcefiles/someone-else/video.mp4');
    await assertRefused(credential, 'AccessDenied', {}, `${credential.objectKey}.extra`);
  });

  it('refuses another bucket named in the Host or the path with AccessDenied', async () => {
    const credential = server.issue();
    await assertRefused(credential, 'AccessDenied', { bucket: 'other-bucket' });
    await assertRefused(credential, 'AccessDenied', {
      bucket: 'other-bucket',
      endpoint: `http://localhost:${server.port}`,
      sldEnable: true,
    });
  });

  it('refuses another bucket under cname: true with SignatureDoesNotMatch, as OSS does', async () => {
    // With a custom domain the request names no bucket: the domain stands for the credential's
    // bucket, so a client that signed another bucket's resource signed the wrong request.
    const credential = server.issue();
    await assertRefused(credential, 'SignatureDoesNotMatch', {
      bucket: 'other-bucket',
      endpoint: `http://localhost:${server.port}`,
      cname: true,
    });
  });

  it('refuses reading the object (HEAD) with AccessDenied: upload credentials only write', async () => {
    const credential = server.issue();
    await assert.rejects(server.client(credential).head(credential.objectKey), refusedWith('AccessDenied'));
  });

  it('does not let a credential complete an upload started for another object', async () => {
    const owner = server.issue();
    const other = server.issue();
    const { uploadId } = await server.client(owner).initMultipartUpload(owner.objectKey);
    await assert.rejects(
      server.client(other).uploadPart(other.objectKey, uploadId, 1, largeFile, 0, 1024),
      refusedWith('NoSuchUpload', 404),
    );
    await assert.rejects(
      server.client(other).abortMultipartUpload(other.objectKey, uploadId),
      refusedWith('NoSuchUpload', 404),
    );
    await server.client(owner).abortMultipartUpload(owner.objectKey, uploadId);
    await assertNothingWritten();
  });
});

describe('OSS upload endpoint clock', () => {
  it('refuses a request dated more than 15 minutes from the server clock with RequestTimeTooSkewed', async () => {
    const server = await startUploadTestServer({
      root: join(base, 'skewed'),
      now: () => new Date(Date.now() + 16 * 60 * 1000),
    });
    try {
      const credential = server.issue({ expiresAt: new Date(Date.now() + 60 * 60 * 1000) });
      await assert.rejects(
        server.client(credential).put(credential.objectKey, Buffer.from('x')),
        refusedWith('RequestTimeTooSkewed'),
      );
      assert.equal(await server.store.head(credential.objectKey), undefined);
    } finally {
      await server.close();
    }
  });
});
