/**
 * Type-A URL signing (reference §4.1) on media URLs: with SECUREVOD_URL_SIGNING_KEYS set, every
 * URL — the PlayURL and every URI inside the served playlists — carries an `auth_key` that a
 * type-A CDN can verify by the vendor's formula, and the origin refuses URLs without it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addGroup, encryptedTemplate, uploadVideo } from '../support/fixtures.js';
import { decodeVideo, makeClip } from '../support/media.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';

const KEY = 'aliyuncdnexp1234';

describe('type-A URL signing of media URLs', () => {
  let server: ServerProcess;
  let dataDir: string;
  let videoId: string;

  before(async () => {
    dataDir = await makeDataDir();
    const clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: 4 });
    server = await startServerProcess({
      dataDir,
      env: { SECUREVOD_X264_PRESET: 'ultrafast', SECUREVOD_URL_SIGNING_KEYS: `${KEY},secondary2026` },
    });
    const vod = vodClient(server.url);
    videoId = await uploadVideo(
      vod,
      clip,
      await addGroup(vod, 'std', [encryptedTemplate('SD', 360, 'HLSEncryption')]),
    );
  });
  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  test('every URL carries a verifiable auth_key; ffmpeg plays; URLs without it are refused', async () => {
    const res = await vodClient(server.url).request<{
      PlayInfoList: { PlayInfo: Array<{ PlayURL: string }> };
    }>('GetPlayInfo', {
      VideoId: videoId,
    });
    const playUrl = new URL(res.PlayInfoList.PlayInfo[0]!.PlayURL);
    const check = (url: URL) => {
      const [ts, rand, uid, hash] = url.searchParams.get('auth_key')!.split('-');
      const expected = createHash('md5').update(`${url.pathname}-${ts}-${rand}-${uid}-${KEY}`).digest('hex');
      assert.equal(hash, expected, `auth_key of ${url.pathname} verifies with the type-A formula`);
      assert.ok(Number(ts) > Date.now() / 1000, 'timestamp is the expiry');
    };
    check(playUrl);
    const playlist = await (await fetch(playUrl)).text();
    const uris = playlist
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .concat([...playlist.matchAll(/#EXT-X-MAP:URI="([^"]+)"/g)].map((m) => m[1]!));
    assert.ok(uris.length >= 2);
    for (const uri of uris) check(new URL(uri, playUrl));
    assert.ok((await decodeVideo(playUrl.href)).frames > 90);

    const unsigned = new URL(playUrl);
    unsigned.searchParams.delete('auth_key');
    const refused = await fetch(unsigned);
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { Code: string }).Code, 'AuthKeyMissing');
    const forged = new URL(playUrl);
    forged.searchParams.set(
      'auth_key',
      forged.searchParams.get('auth_key')!.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')),
    );
    assert.equal(((await (await fetch(forged)).json()) as { Code: string }).Code, 'AuthKeyInvalid');
  });
});
