import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { probe } from '@securevod/ffmpeg';
import { openSourceForFfmpeg } from '../../src/source/ffmpeg-source-endpoint.js';
import { encryptSource, openEncryptedSource } from '../../src/source/source-cipher.js';
import { deriveSourceKey, SOURCE_MAX_HEADER_LENGTH, sourceBinding } from '../../src/source/source-format.js';
import type { OpenSource } from '../../src/source/source-vault.js';
import { createLocalDirectoryStore } from '../../src/storage/local-directory-store.js';
import { makeClip } from '../support/media.js';

const dir = await mkdtemp(join(tmpdir(), 'securevod-source-endpoint-'));
after(() => rm(dir, { recursive: true, force: true }));
const store = await createLocalDirectoryStore({ root: join(dir, 'store') });
const KEY = deriveSourceKey(randomBytes(32));
const VIDEO = {
  videoId: '0123456789abcdef0123456789abcdef',
  sourceKey: 'sources/0123456789abcdef0123456789abcdef/source.mp4',
};

/** A vault over one encrypted object, as `SourceVault.open` would return it. */
async function vaultWith(plain: Buffer) {
  await store.put(VIDEO.sourceKey, encryptSource(KEY, sourceBinding(VIDEO.videoId), Readable.from([plain])));
  const info = (await store.head(VIDEO.sourceKey))!;
  const head = Buffer.concat(
    await (
      await store.get(VIDEO.sourceKey, { range: { start: 0, end: SOURCE_MAX_HEADER_LENGTH - 1 } })
    ).body.toArray(),
  );
  return {
    open: async (): Promise<OpenSource> => ({
      encrypted: true,
      ...(await openEncryptedSource(store, VIDEO.sourceKey, KEY, sourceBinding(VIDEO.videoId), {
        storedSize: info.size,
        firstBytes: head,
      })),
    }),
  };
}

describe('the loopback source endpoint for ffmpeg', () => {
  it('serves the decrypted source with Range at its one path only, until closed', async () => {
    const plain = randomBytes(200_000);
    const input = await openSourceForFfmpeg(await vaultWith(plain), VIDEO);
    try {
      assert.equal(input.url.hostname, '127.0.0.1');
      assert.match(input.url.pathname, /^\/[0-9a-f]{32}\/source\.mp4$/);
      const whole = await fetch(input.url);
      assert.equal(whole.status, 200);
      assert.ok(Buffer.from(await whole.arrayBuffer()).equals(plain));
      const part = await fetch(input.url, { headers: { range: 'bytes=65000-140000' } });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), `bytes 65000-140000/${plain.length}`);
      assert.ok(Buffer.from(await part.arrayBuffer()).equals(plain.subarray(65_000, 140_001)));
      const head = await fetch(input.url, { method: 'HEAD' });
      assert.equal(head.headers.get('content-length'), String(plain.length));
      assert.equal((await fetch(new URL('/other/source.mp4', input.url))).status, 404);
      assert.equal((await fetch(input.url, { method: 'POST', body: 'x' })).status, 404);
      assert.equal((await fetch(input.url, { headers: { range: `bytes=${plain.length}-` } })).status, 416);
    } finally {
      await input.close();
    }
    await assert.rejects(fetch(input.url));
  });

  it('ffprobe reads a clip through it', async () => {
    const clipPath = join(dir, 'clip.mp4');
    await makeClip(clipPath, { seconds: 1, width: 160, height: 90 });
    const input = await openSourceForFfmpeg(await vaultWith(await readFile(clipPath)), VIDEO);
    try {
      const probed = await probe(input.url, { ffprobePath: 'ffprobe', signal: AbortSignal.timeout(30_000) });
      assert.equal(probed.video.width, 160);
    } finally {
      await input.close();
    }
  });
});
