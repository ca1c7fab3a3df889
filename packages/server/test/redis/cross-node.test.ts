/**
 * Two server processes (nodes A and B) sharing one data dir (SQLite, local storage, local KMS)
 * and one Redis key prefix: what one node does must reach the other (issue 10 §3).
 * - A v1-signed request accepted by A and replayed to B → SignatureNonceUsed (Redis nonces).
 * - An AccessKey disabled on A is refused by B within one second.
 * - A video deleted on A gets no more keys from B within one second, although B had its stream
 *   facts cached for five (the invalidation bus, not the TTL, does it).
 * - `securevod kms rotate` announces the rotation: B wraps new keys under the new master-key
 *   version within one second, without a restart.
 * The full multi-node topology (PostgreSQL, S3, separate worker nodes) is tested elsewhere.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { addGroup, encryptedTemplate, uploadVideo } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import { signedUrl, within } from '../support/multi-node.js';
import { deleteKeys, REDIS_URL, withRedis } from '../support/redis.js';
import {
  makeDataDir,
  removeDir,
  REPO_ROOT,
  SECUREVOD_BIN,
  startServerProcess,
  TEST_ROOT_KEY,
  type ServerProcess,
} from '../support/server-process.js';
import { popError, vodClient } from '../support/vod-client.js';

const prefix = `svtest-cross-${randomBytes(4).toString('hex')}`;
const env = {
  SECUREVOD_REDIS_URL: REDIS_URL,
  SECUREVOD_REDIS_PREFIX: prefix,
  SECUREVOD_X264_PRESET: 'ultrafast',
};

await withRedis('cross-node consistency', () => {
  describe('cross-node consistency over Redis', () => {
    let dataDir: string;
    let a: ServerProcess;
    let b: ServerProcess;
    /** Secrets the tests saw; none may be in Redis afterwards. */
    const secrets: Buffer[] = [Buffer.from(TEST_ROOT_KEY.accessKeySecret)];

    before(async () => {
      dataDir = await makeDataDir('securevod-cross-');
      a = await startServerProcess({ dataDir, env });
      b = await startServerProcess({ dataDir, env });
    });
    after(async () => {
      await a?.stop();
      await b?.stop();
      await removeDir(dataDir);
      await deleteKeys(REDIS_URL, `${prefix}:`);
    });

    it('refuses on B a signed request replayed from A', async () => {
      const url = await signedUrl(a.url, 'GetVideoList');
      assert.equal((await fetch(url)).status, 200);
      const replay = await fetch(url.replace(a.url, b.url));
      assert.equal(replay.status, 400);
      assert.equal(((await replay.json()) as { Code: string }).Code, 'SignatureNonceUsed');
    });

    it('refuses on B, within a second, an AccessKey disabled on A', async () => {
      const created = await vodClient(a.url).request<{
        AccessKey: { AccessKeyId: string; AccessKeySecret: string };
      }>('CreateAccessKey', {});
      const key = {
        accessKeyId: created.AccessKey.AccessKeyId,
        accessKeySecret: created.AccessKey.AccessKeySecret,
      };
      await vodClient(b.url, key).request('GetVideoList', {}); // B now holds its secret
      await vodClient(a.url).request('UpdateAccessKey', {
        UserAccessKeyId: key.accessKeyId,
        Status: 'Inactive',
      });
      await within(1000, 'B refusing the disabled key', async () => {
        const error = await popError(vodClient(b.url, key).request('GetVideoList', {})).catch(
          () => undefined,
        );
        return error?.code === 'InvalidAccessKeyId.Inactive';
      });
    });

    it('stops handing out keys on B within a second of a delete on A', async () => {
      const clip = join(dataDir, 'clip.mp4');
      await makeClip(clip, { seconds: 4 });
      const vodA = vodClient(a.url);
      const group = await addGroup(vodA, 'standard', [encryptedTemplate('SD', 360, 'HLSEncryption')]);
      const videoId = await uploadVideo(vodA, clip, group);

      const info = await vodClient(b.url).request<{ PlayInfoList: { PlayInfo: { PlayURL: string }[] } }>(
        'GetPlayInfo',
        { VideoId: videoId },
      );
      const playlistUrl = info.PlayInfoList.PlayInfo[0]!.PlayURL;
      assert.ok(playlistUrl.startsWith(b.url), playlistUrl);
      const media = await (await fetch(playlistUrl)).text();
      const variant = media.includes('#EXT-X-STREAM-INF') ? /^[^#\s].*$/m.exec(media)?.[0] : undefined;
      const mediaPlaylist = variant ? await (await fetch(new URL(variant, playlistUrl))).text() : media;
      const base = variant ? new URL(variant, playlistUrl).href : playlistUrl;
      const keyUri = /#EXT-X-KEY:[^\n]*URI="([^"]+)"/.exec(mediaPlaylist)?.[1];
      assert.ok(keyUri, `a key URI in ${mediaPlaylist}`);
      const keyUrl = new URL(keyUri, base).href;
      const first = await fetch(keyUrl);
      assert.equal(first.status, 200, 'B serves the key (and caches the stream facts for 5 s)');
      const keyBytes = Buffer.from(await first.arrayBuffer());
      assert.equal(keyBytes.byteLength, 16);
      secrets.push(keyBytes);

      await vodA.request('DeleteVideo', { VideoIds: videoId });
      const took = await within(1000, 'B refusing keys of the deleted video', async () => {
        const res = await fetch(keyUrl);
        await res.arrayBuffer();
        return res.status !== 200;
      });
      assert.ok(took < 1000);
    });

    it('uses a master key rotated by `securevod kms rotate` on B within a second, without a restart', async () => {
      const version = async () => {
        const res = await vodClient(b.url).request<{ CiphertextBlob: string }>('GenerateKMSDataKey', {});
        return Buffer.from(res.CiphertextBlob, 'base64').readUInt32BE(5);
      };
      const before = await version();
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [SECUREVOD_BIN, 'kms', 'rotate', '--data-dir', dataDir, '--json'],
        { cwd: REPO_ROOT, env: { ...process.env, ...env } },
      );
      const rotated = JSON.parse(stdout) as { currentVersion: number; announced: boolean };
      assert.equal(rotated.currentVersion, before + 1);
      assert.equal(rotated.announced, true);
      await within(1000, 'B wrapping under the new version', async () => (await version()) === before + 1);
    });

    it('leaves no key material in Redis (DUMP of every key under the prefix)', async () => {
      const client = new Redis(REDIS_URL);
      try {
        let cursor = '0';
        let keys = 0;
        do {
          const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          for (const key of batch) {
            keys++;
            const dump = await client.dumpBuffer(key);
            for (const secret of secrets) {
              assert.ok(!dump?.includes(secret), `${key} holds a secret the test saw`);
              assert.ok(!key.includes(secret.toString('latin1')), `the name ${key} holds a secret`);
            }
          }
        } while (cursor !== '0');
        assert.ok(keys > 0, 'the nodes wrote keys (nonces, queue) to look at');
      } finally {
        client.disconnect();
      }
    });
  });
});
