/**
 * Issue "playback", from outside: GetVideoPlayAuth / GetPlayInfo through pop-core, signed media
 * URLs played by plain ffmpeg (a third-party player), and every refusal with its code.
 */
import { createKeyExchangeRequest, KeyExchangeError, unwrapKeyFromServer } from '@securevod/crypto';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openLocalKms } from '../../src/kms/local-kms.js';
import { issuePlayAuth } from '../../src/playback/play-auth.js';
import { loadPlaybackSecrets } from '../../src/playback/playback-secrets.js';
import { openDatabase } from '../../src/store/database.js';
import { createSettingsStore } from '../../src/store/settings-store.js';
import { addGroup, encryptedTemplate, uploadVideo } from '../support/fixtures.js';
import { decodeVideo, makeClip } from '../support/media.js';
import {
  filesContaining,
  makeDataDir,
  removeDir,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { popError, vodClient } from '../support/vod-client.js';

interface PlayInfo {
  PlayURL: string;
  Definition: string;
  Encrypt: number;
  EncryptType?: string;
  StreamId: string;
}
interface PlayInfoResponse {
  VideoBase: { VideoId: string; Duration: string; Status: string };
  PlayInfoList: { PlayInfo: PlayInfo[] };
}

async function fetchJson(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function postJson(url: string, body: object) {
  return fetchJson(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function keyUris(playlistUrl: string): Promise<string[]> {
  const media = await (await fetch(playlistUrl)).text();
  return [...media.matchAll(/#EXT-X-KEY:[^\n]*URI="([^"]+)"/g)].map((m) => new URL(m[1]!, playlistUrl).href);
}

describe('playback: PlayAuth, GetPlayInfo, signed media, key service', () => {
  let server: ServerProcess;
  let dataDir: string;
  let standardId: string;
  let privateId: string;
  let clipFrames: number;

  before(async () => {
    dataDir = await makeDataDir();
    const clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: 6 });
    clipFrames = (await decodeVideo(clip)).frames;
    server = await startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
    const vod = vodClient(server.url);
    const standard = await addGroup(vod, 'standard', [
      encryptedTemplate('SD', 360, 'HLSEncryption', 2),
      encryptedTemplate('LD', 240, 'HLSEncryption', 2),
    ]);
    const priv = await addGroup(vod, 'private', [encryptedTemplate('SD', 360, 'AliyunVoDEncryption')]);
    standardId = await uploadVideo(vod, clip, standard, 'standard');
    privateId = await uploadVideo(vod, clip, priv, 'private');
  });

  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  test('GetVideoPlayAuth: default and range of AuthInfoTimeout, VideoMeta, errors', async () => {
    const vod = vodClient(server.url);
    const res = await vod.request<{ PlayAuth: string; VideoMeta: Record<string, unknown> }>(
      'GetVideoPlayAuth',
      { VideoId: standardId },
    );
    assert.ok(res.PlayAuth.length > 20);
    assert.equal(res.VideoMeta.VideoId, standardId);
    assert.equal(res.VideoMeta.Status, 'Normal');
    assert.equal(typeof res.VideoMeta.Duration, 'number');
    for (const timeout of ['99', '3001']) {
      const err = await popError(
        vod.request('GetVideoPlayAuth', { VideoId: standardId, AuthInfoTimeout: timeout }),
      );
      assert.equal(err.code, 'InvalidParameter');
      assert.match(err.data.Message, /AuthInfoTimeout/);
    }
    const missing = await popError(vod.request('GetVideoPlayAuth', { VideoId: 'f'.repeat(32) }));
    assert.equal(missing.code, 'InvalidVideo.NotFound');
    assert.equal(missing.entry.response.statusCode, 404);
  });

  test('GetPlayInfo: wrapping and types; ffmpeg decodes every frame of the standard stream from the URL', async () => {
    const vod = vodClient(server.url);
    const res = await vod.request<PlayInfoResponse>('GetPlayInfo', { VideoId: standardId });
    assert.equal(typeof res.VideoBase.Duration, 'string');
    const list = res.PlayInfoList.PlayInfo;
    assert.deepEqual(list.map((p) => p.Definition).sort(), ['LD', 'SD']);
    for (const info of list) {
      assert.equal(info.Encrypt, 1);
      assert.equal(info.EncryptType, 'HLSEncryption');
      const decoded = await decodeVideo(info.PlayURL);
      assert.equal(decoded.frames, clipFrames, `${info.Definition} decodes all frames through ffmpeg`);
    }
    const one = await vod.request<PlayInfoResponse>('GetPlayInfo', { VideoId: standardId, Definition: 'LD' });
    assert.deepEqual(
      one.PlayInfoList.PlayInfo.map((p) => p.Definition),
      ['LD'],
    );
  });

  test('GetPlayInfo hides private streams unless ResultType=Multiple; ffmpeg cannot play them', async () => {
    const vod = vodClient(server.url);
    const err = await popError(vod.request('GetPlayInfo', { VideoId: privateId }));
    assert.equal(err.code, 'Forbidden.AliyunVoDEncryption');
    assert.equal(err.entry.response.statusCode, 403);
    const res = await vod.request<PlayInfoResponse>('GetPlayInfo', {
      VideoId: privateId,
      ResultType: 'Multiple',
    });
    const [info] = res.PlayInfoList.PlayInfo;
    assert.equal(info?.EncryptType, 'AliyunVoDEncryption');
    assert.equal((await decodeVideo(info!.PlayURL, ['-allowed_extensions', 'ALL'])).frames, 0);
  });

  test('refusals: tampered, expired and cross-video media URLs; key requests without, with stale, or with foreign tokens', async () => {
    const vod = vodClient(server.url);
    const a = (await vod.request<PlayInfoResponse>('GetPlayInfo', { VideoId: standardId, Definition: 'SD' }))
      .PlayInfoList.PlayInfo[0]!;
    const b = (
      await vod.request<PlayInfoResponse>('GetPlayInfo', { VideoId: privateId, ResultType: 'Multiple' })
    ).PlayInfoList.PlayInfo[0]!;

    const tampered = new URL(a.PlayURL);
    const token = tampered.searchParams.get('token')!;
    tampered.searchParams.set('token', token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA'));
    assert.deepEqual(await codeOf(tampered.href), [403, 'MediaTokenInvalid']);

    const unsigned = new URL(a.PlayURL);
    unsigned.search = '';
    assert.deepEqual(await codeOf(unsigned.href), [403, 'MediaTokenMissing']);

    const crossVideo = new URL(b.PlayURL);
    crossVideo.searchParams.set('token', token);
    assert.deepEqual(await codeOf(crossVideo.href), [403, 'MediaTokenWrongVideo']);

    const [keyUri] = await keyUris(a.PlayURL);
    assert.ok(keyUri);
    const keyRes = await fetch(keyUri);
    assert.equal(keyRes.status, 200);
    assert.equal((await keyRes.arrayBuffer()).byteLength, 16);
    const bare = new URL(keyUri);
    bare.search = '';
    assert.deepEqual(await codeOf(bare.href), [403, 'HlsKeyTokenMissing']);
    const otherVideo = new URL(keyUri.replace(standardId, privateId));
    assert.deepEqual((await codeOf(otherVideo.href))[0], 403);

    const short = (
      await vod.request<PlayInfoResponse>('GetPlayInfo', {
        VideoId: standardId,
        Definition: 'SD',
        AuthTimeout: '2',
      })
    ).PlayInfoList.PlayInfo[0]!;
    const [shortKey] = await keyUris(short.PlayURL);
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual(await codeOf(short.PlayURL), [403, 'MediaTokenExpired']);
    assert.deepEqual(await codeOf(shortKey!), [403, 'HlsKeyTokenExpired']);
  });

  test('player endpoint: PlayAuth → session; expired and foreign PlayAuths refused; private keys only via ECDH', async () => {
    const vod = vodClient(server.url);
    const { PlayAuth } = await vod.request<{ PlayAuth: string }>('GetVideoPlayAuth', { VideoId: privateId });
    const info = await postJson(`${server.url}/play/info`, { VideoId: privateId, PlayAuth });
    assert.equal(info.status, 200);
    const session = info.body.Session as { Token: string };
    const play = (info.body.PlayInfoList as { PlayInfo: PlayInfo[] }).PlayInfo[0]!;
    assert.equal(play.EncryptType, 'AliyunVoDEncryption');

    assert.deepEqual(await postStatus(`${server.url}/play/info`, { VideoId: standardId, PlayAuth }), [
      403,
      'PlayAuthWrongVideo',
    ]);
    const expired = await expiredPlayAuth(privateId);
    assert.deepEqual(await postStatus(`${server.url}/play/info`, { VideoId: privateId, PlayAuth: expired }), [
      403,
      'PlayAuthExpired',
    ]);

    const [keyUri] = await keyUris(play.PlayURL);
    assert.ok(keyUri, 'the private playlist names a key URI');
    const url = new URL(keyUri);
    url.search = '';
    const mine = await createKeyExchangeRequest();
    const wrapped = await postJson(url.href, { Token: session.Token, PublicKey: mine.publicKey });
    assert.equal(wrapped.status, 200);
    const response = {
      serverPublicKey: String(wrapped.body.ServerPublicKey),
      iv: String(wrapped.body.Iv),
      wrappedKey: String(wrapped.body.WrappedKey),
    };
    assert.equal(Buffer.from(response.wrappedKey, 'base64url').length > 16, true);
    const period = Number(url.pathname.split('/').pop());
    const context = { videoId: privateId, rendition: play.StreamId, period };
    const key = await unwrapKeyFromServer({
      privateKey: mine.privateKey,
      clientPublicKey: mine.publicKey,
      response,
      context,
    });
    assert.equal(key.extractable, false);
    const other = await createKeyExchangeRequest();
    await assert.rejects(
      unwrapKeyFromServer({
        privateKey: other.privateKey,
        clientPublicKey: other.publicKey,
        response,
        context,
      }),
      (e: unknown) => e instanceof KeyExchangeError && e.code === 'UnwrapFailed',
    );
    assert.deepEqual(await postStatus(url.href, { PublicKey: mine.publicKey }), [403, 'MediaTokenMissing']);
    assert.deepEqual(await postStatus(url.href, { Token: session.Token, PublicKey: 'not-a-point' }), [
      400,
      'InvalidPublicKey',
    ]);
    const standardKey = url.href.replace('/keys/private/', '/keys/hls/');
    assert.deepEqual(
      await codeOf(`${standardKey}?token=${session.Token}`),
      [404, 'KeyNotFound'],
      'a private stream has no standard key',
    );

    const refreshed = await postJson(`${server.url}/play/refresh`, { Token: session.Token });
    assert.equal(refreshed.status, 200);
    assert.notEqual((refreshed.body.Session as { Token: string }).Token, undefined);
  });

  test('key deliveries are audited and queryable; no key bytes under the data dir or in the log', async () => {
    const vod = vodClient(server.url);
    const res = await vod.request<{
      Total: number;
      KeyDeliveryList: { KeyDelivery: Array<Record<string, unknown>> };
    }>('ListKeyDeliveries', { VideoId: standardId });
    assert.ok(res.Total >= 1);
    const entry = res.KeyDeliveryList.KeyDelivery[0]!;
    assert.equal(entry.VideoId, standardId);
    assert.equal(entry.ClientIp, '127.0.0.1');
    assert.equal(entry.EncryptType, 'HLSEncryption');

    const sd = (await vod.request<PlayInfoResponse>('GetPlayInfo', { VideoId: standardId, Definition: 'SD' }))
      .PlayInfoList.PlayInfo[0]!;
    const keys: Uint8Array[] = [];
    for (const uri of new Set(await keyUris(sd.PlayURL)))
      keys.push(new Uint8Array(await (await fetch(uri)).arrayBuffer()));
    assert.equal(keys.length, 2, 'two key periods');
    assert.deepEqual(await filesContaining(dataDir, keys), []);
    for (const key of keys) {
      assert.ok(!server.output().includes(Buffer.from(key).toString('hex')));
      assert.ok(!server.output().includes(Buffer.from(key).toString('base64')));
    }
  });

  async function expiredPlayAuth(videoId: string): Promise<string> {
    const kms = await openLocalKms({ dir: join(dataDir, 'kms') });
    const db = await openDatabase({ sqlitePath: join(dataDir, 'securevod.sqlite') });
    try {
      const secrets = await loadPlaybackSecrets(kms, createSettingsStore(db));
      return issuePlayAuth(secrets, { videoId, ttlSeconds: 100, now: Math.floor(Date.now() / 1000) - 200 });
    } finally {
      await db.close();
      await kms.close();
    }
  }
});

async function codeOf(url: string): Promise<[number, string]> {
  const res = await fetch(url);
  const text = await res.text();
  let code = '';
  try {
    code = String((JSON.parse(text) as { Code?: string }).Code ?? '');
  } catch {
    code = '';
  }
  return [res.status, code];
}

async function postStatus(url: string, body: object): Promise<[number, string]> {
  const res = await postJson(url, body);
  return [res.status, String(res.body.Code ?? '')];
}
