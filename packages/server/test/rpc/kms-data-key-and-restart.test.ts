/**
 * GenerateKMSDataKey / DecryptKMSDataKey through pop-core, and what must survive a restart
 * with a master-key rotation in between: KMS blobs still decrypt, and a key file issued before
 * still matches a secret version the service knows.
 */
import { decodeAppEncryptKey, openKeyFile } from '@securevod/crypto';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { openLocalKms } from '../../src/kms/local-kms.js';
import { openDatabase } from '../../src/store/database.js';
import { createDownloadSecretStore } from '../../src/store/download-secret-store.js';
import { downloadSecretContext } from '../../src/download/download-secret-service.js';
import {
  filesContaining,
  makeDataDir,
  removeDir,
  SECUREVOD_BIN,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { POST, popError, vodClient } from '../support/vod-client.js';

const run = promisify(execFile);
const WEB_APP = 'https://Learn.Example.com:443/';
const APP_KEY = 'WebAppKey2026abcdEF';

interface DataKeyResponse {
  KeyId: string;
  CiphertextBlob: string;
  Plaintext: string;
}

describe('KMS actions and restart with master-key rotation', () => {
  let dataDir: string;
  let server: ServerProcess;
  const plaintexts: Uint8Array[] = [];

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({ dataDir });
  });

  after(async () => {
    await server?.stop();
    const hits = await filesContaining(dataDir, [...plaintexts, new TextEncoder().encode(APP_KEY)]);
    assert.deepEqual(hits, [], 'plaintext key material found on disk');
    await removeDir(dataDir);
  });

  test('GenerateKMSDataKey returns a 16-byte AES_128 key and a blob that DecryptKMSDataKey opens', async () => {
    const client = vodClient(server.url);
    const key = await client.request<DataKeyResponse>('GenerateKMSDataKey', {});
    const plaintext = Buffer.from(key.Plaintext, 'base64');
    assert.equal(plaintext.length, 16);
    plaintexts.push(plaintext);
    assert.ok(key.KeyId.length > 0);
    const decrypted = await client.request<DataKeyResponse>(
      'DecryptKMSDataKey',
      { CipherText: key.CiphertextBlob },
      POST,
    );
    assert.equal(decrypted.Plaintext, key.Plaintext);
    assert.equal(decrypted.KeyId, key.KeyId);
  });

  test('DecryptKMSDataKey refuses altered or foreign blobs, and a missing CipherText', async () => {
    const client = vodClient(server.url);
    const key = await client.request<DataKeyResponse>('GenerateKMSDataKey', {});
    plaintexts.push(Buffer.from(key.Plaintext, 'base64'));
    const blob = Buffer.from(key.CiphertextBlob, 'base64');
    blob[blob.length - 1] = (blob[blob.length - 1] ?? 0) ^ 1;
    for (const cipherText of [blob.toString('base64'), 'bm90IGEgYmxvYg==', '%%%']) {
      const err = await popError(client.request('DecryptKMSDataKey', { CipherText: cipherText }));
      assert.equal(err.code, 'InvalidParameter');
      assert.equal(err.entry.response.statusCode, 400);
      assert.match(err.data.Message, /"CipherText"/);
    }
    const missing = await popError(client.request('DecryptKMSDataKey', {}));
    assert.equal(missing.code, 'MissingParameter');
  });

  test('after a restart with a rotated master key, old blobs decrypt and old key files stay known', async () => {
    const client = vodClient(server.url);
    const before = await client.request<DataKeyResponse>('GenerateKMSDataKey', {});
    plaintexts.push(Buffer.from(before.Plaintext, 'base64'));
    const issued = await client.request<{
      AppEncryptKey: string;
      SecretVersion: number;
      AppIdentification: string;
    }>('GenerateDownloadSecretKey', { AppIdentification: WEB_APP, AppDecryptKey: APP_KEY });
    assert.equal(issued.AppIdentification, 'web:https://learn.example.com');

    assert.equal(await server.stop(), 0, 'graceful shutdown exits 0');
    const rotated = await run(process.execPath, [
      SECUREVOD_BIN,
      'kms',
      'rotate',
      '--data-dir',
      dataDir,
      '--json',
    ]);
    assert.equal((JSON.parse(rotated.stdout) as { currentVersion: number }).currentVersion, 2);
    server = await startServerProcess({ dataDir });

    const restarted = vodClient(server.url);
    const decrypted = await restarted.request<DataKeyResponse>('DecryptKMSDataKey', {
      CipherText: before.CiphertextBlob,
    });
    assert.equal(decrypted.Plaintext, before.Plaintext);
    const after = await restarted.request<DataKeyResponse>('GenerateKMSDataKey', {});
    plaintexts.push(Buffer.from(after.Plaintext, 'base64'));
    assert.equal(
      (await restarted.request<DataKeyResponse>('DecryptKMSDataKey', { CipherText: after.CiphertextBlob }))
        .Plaintext,
      after.Plaintext,
    );
    const next = await restarted.request<{ SecretVersion: number }>('GenerateDownloadSecretKey', {
      AppIdentification: 'https://learn.example.com',
      AppDecryptKey: APP_KEY,
    });
    assert.equal(next.SecretVersion, issued.SecretVersion + 1, 'secret versions survive the restart');
    await server.stop();

    // The key file issued before the restart carries a secret the service still holds.
    const opened = await openKeyFile(decodeAppEncryptKey(issued.AppEncryptKey), {
      appIdentification: 'https://learn.example.com',
      appDecryptKey: APP_KEY,
      extractable: true,
    });
    const fromFile = new Uint8Array(await crypto.subtle.exportKey('raw', opened.secretKey));
    plaintexts.push(fromFile);
    const kms = await openLocalKms({ dir: join(dataDir, 'kms') });
    const db = await openDatabase({ sqlitePath: join(dataDir, 'securevod.sqlite') });
    try {
      const row = await createDownloadSecretStore(db).find(issued.AppIdentification, issued.SecretVersion);
      assert.ok(row, 'secret version is still stored');
      const { plaintext } = await kms.decrypt(
        row.secretCiphertext,
        downloadSecretContext(issued.AppIdentification),
      );
      assert.deepEqual(new Uint8Array(plaintext), fromFile);
    } finally {
      await db.close();
      await kms.close();
    }
    server = await startServerProcess({ dataDir });
  });
});
