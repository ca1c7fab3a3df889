/**
 * The local key ring shared between nodes (SECUREVOD_KMS_DIR): a node that can only read it —
 * a secret mounted read-only — starts, encrypts and decrypts, picks up a version rotated
 * elsewhere, and refuses to rotate with a message that says where rotation happens. Rotation
 * stays the operator's `securevod kms rotate`, run where the key ring is written.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CUSTOMER_DATA_KEY_CONTEXT } from '../../src/actions/kms-data-key-handlers.js';
import { openLocalKms } from '../../src/kms/local-kms.js';
import { runCli } from '../cli/cli-process.js';
import { readOnlyView, type ReadOnlyView } from '../support/read-only-view.js';
import { REPO_ROOT, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';

interface DataKeyResponse {
  KeyId: string;
  CiphertextBlob: string;
  Plaintext: string;
}

const blobVersion = (blob: string) => Buffer.from(blob, 'base64').readUInt32BE(5);

describe('shared local key ring (SECUREVOD_KMS_DIR)', () => {
  let root: string;
  let ring: string;
  let view: ReadOnlyView;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'securevod-keyring-'));
    ring = join(root, 'ring');
    // The operator creates the key ring where it is written, with two versions.
    const created = await runCli(['kms', 'rotate', '--kms-dir', ring, '--json'], { cwd: root });
    assert.equal(created.code, 0, created.stderr);
    assert.equal((JSON.parse(created.stdout) as { currentVersion: number }).currentVersion, 2);
    view = await readOnlyView(ring, join(root, 'mounted'));
  });
  after(async () => {
    await view?.restore();
    await rm(root, { recursive: true, force: true });
  });

  it('serves from a read-only key ring: decrypts, encrypts under the current version, learns rotations', async () => {
    // A blob another node made under version 2.
    const writer = await openLocalKms({ dir: ring });
    const fromElsewhere = await writer.generateDataKey({ bytes: 16, context: CUSTOMER_DATA_KEY_CONTEXT });
    let server: ServerProcess | undefined;
    try {
      server = await startServerProcess({
        dataDir: join(root, 'node-data'),
        env: { SECUREVOD_KMS_DIR: view.path },
        launcher: view.launcher,
      });
      const client = vodClient(server.url);
      const opened = await client.request<DataKeyResponse>('DecryptKMSDataKey', {
        CipherText: fromElsewhere.ciphertextBlob,
      });
      assert.equal(opened.Plaintext, Buffer.from(fromElsewhere.plaintext).toString('base64'));
      const made = await client.request<DataKeyResponse>('GenerateKMSDataKey', {});
      assert.equal(blobVersion(made.CiphertextBlob), 2);
      const back = await writer.decrypt(made.CiphertextBlob, CUSTOMER_DATA_KEY_CONTEXT);
      assert.equal(Buffer.from(back.plaintext).toString('base64'), made.Plaintext, 'the writer opens it too');

      // The operator rotates where the ring is written; the node decrypts v3 blobs at once.
      const rotated = await runCli(['kms', 'rotate', '--kms-dir', ring, '--json'], { cwd: root });
      assert.equal(rotated.code, 0, rotated.stderr);
      await writer.close();
      const reopened = await openLocalKms({ dir: ring });
      const v3 = await reopened.generateDataKey({ bytes: 16, context: CUSTOMER_DATA_KEY_CONTEXT });
      await reopened.close();
      assert.equal(blobVersion(v3.ciphertextBlob), 3);
      const openedV3 = await client.request<DataKeyResponse>('DecryptKMSDataKey', {
        CipherText: v3.ciphertextBlob,
      });
      assert.equal(openedV3.Plaintext, Buffer.from(v3.plaintext).toString('base64'));
    } finally {
      await writer.close();
      assert.equal(await server?.stop(), 0);
    }
  });

  it('refuses to rotate on the read-only node, saying where rotation happens; status still works', async () => {
    const refused = await runCli(['kms', 'rotate', '--kms-dir', view.path, '--json'], {
      cwd: root,
      launcher: view.launcher,
    });
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, '');
    assert.match(
      refused.stderr,
      new RegExp(
        `securevod kms rotate: This node cannot write the local KMS key ring .*\\(${view.errorCode}\\).*securevod kms rotate --kms-dir`,
      ),
    );
    const status = await runCli(['kms', 'status', '--kms-dir', view.path, '--json'], {
      cwd: root,
      launcher: view.launcher,
    });
    assert.equal(status.code, 0, status.stderr);
    const parsed = JSON.parse(status.stdout) as { versions: number[]; writable: boolean; kind: string };
    assert.equal(parsed.kind, 'local');
    assert.equal(parsed.writable, false);
    assert.ok(parsed.versions.length >= 2);
  });

  it('does not start on a read-only key ring that holds no key, and says how to make one', async () => {
    const empty = join(root, 'empty');
    await openLocalKms({ dir: empty }).then(async (kms) => {
      await kms.close();
    });
    await rm(join(empty, 'master-v1.key'));
    await chmod(empty, 0o700);
    const emptyView = await readOnlyView(empty, join(root, 'empty-mounted'));
    try {
      await assert.rejects(
        startServerProcess({
          dataDir: join(root, 'empty-node'),
          env: { SECUREVOD_KMS_DIR: emptyView.path },
          launcher: emptyView.launcher,
        }),
        /holds no master key and this node cannot write it .*securevod kms rotate --kms-dir/,
      );
    } finally {
      await emptyView.restore();
    }
  });

  it('rejects SECUREVOD_KMS_DIR together with SECUREVOD_KMS=pkcs11 at start, naming the setting', async () => {
    const result = await runCli(['server', '--data-dir', join(root, 'bad'), '--port', '0'], {
      cwd: REPO_ROOT,
      env: { SECUREVOD_KMS: 'pkcs11', SECUREVOD_KMS_DIR: ring },
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /SECUREVOD_KMS_DIR: only applies to SECUREVOD_KMS=local/);
    assert.match(result.stderr, /SECUREVOD_PKCS11_MODULE: /);
  });
});
