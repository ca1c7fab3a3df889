/**
 * The wire format of playback errors, as a player meets them: real refusals of the running
 * server's player-facing endpoints (play info, media, key service), each compared with the
 * status and code written out here by hand — not with a table derived from the server's own
 * catalogue, so a changed status, a renamed code or a route that stops using the error envelope
 * fails here.
 *
 * Every refusal must be `{ RequestId, Code, Message }` as JSON with the documented status
 * (docs/formats.md "Errors", docs/sdk.md "Server API the SDK speaks"), readable cross-origin,
 * with a fixed message per code that echoes nothing the client sent — and the player SDK must
 * read the code from it.
 */
// The SDK's own classifier, from source: the server package does not depend on the player.
import { fromServerError } from '../../../player/src/errors.js';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addGroup, encryptedTemplate, uploadVideo } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';

interface Refusal {
  /** What the request does wrong. */
  readonly case: string;
  readonly status: 400 | 403 | 404;
  readonly code: string;
  /** How the player SDK classifies it. */
  readonly type: 'auth' | 'key' | 'other';
  readonly request: () => { url: string; init?: RequestInit };
  /** Strings the client sent that must not come back in the message. */
  readonly sent?: () => string[];
}

const post = (url: string, body: object) => ({
  url,
  init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
});

const OTHER_VIDEO = 'f'.repeat(32);
const GARBAGE_TOKEN = 'eyJ2IjoxfQ.bm90LWEtc2lnbmF0dXJl';

describe('playback errors on the wire', () => {
  let server: ServerProcess;
  let dataDir: string;
  let videoId: string;
  let playAuth: string;
  let token: string;
  let playUrl: URL;
  /** The clear rendition's, and the private one's. */
  let streamId: string;
  let privateStreamId: string;

  before(async () => {
    dataDir = await makeDataDir();
    const clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: 2, width: 320, height: 180 });
    server = await startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
    const vod = vodClient(server.url);
    const group = await addGroup(vod, 'clear and private', [
      encryptedTemplate('SD', 180),
      encryptedTemplate('LD', 144, 'AliyunVoDEncryption'),
    ]);
    videoId = await uploadVideo(vod, clip, group);
    playAuth = (await vod.request<{ PlayAuth: string }>('GetVideoPlayAuth', { VideoId: videoId })).PlayAuth;
    const { url, init } = post(`${server.url}/play/info`, { VideoId: videoId, PlayAuth: playAuth });
    const info = (await (await fetch(url, init)).json()) as {
      Session: { Token: string };
      PlayInfoList: { PlayInfo: { PlayURL: string; StreamId: string; Encrypt: number }[] };
    };
    token = info.Session.Token;
    const clear = info.PlayInfoList.PlayInfo.find((p) => p.Encrypt === 0)!;
    playUrl = new URL(clear.PlayURL);
    streamId = clear.StreamId;
    privateStreamId = info.PlayInfoList.PlayInfo.find((p) => p.Encrypt === 1)!.StreamId;
  });

  after(async () => {
    await server?.stop();
    if (dataDir) await removeDir(dataDir);
  });

  const media = (path: string, query: Record<string, string>) => {
    const url = new URL(path, server.url);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return { url: url.href };
  };
  const withoutToken = () => {
    const url = new URL(playUrl);
    url.searchParams.delete('token');
    return url;
  };

  const refusals: Refusal[] = [
    {
      case: 'play info without a PlayAuth',
      status: 403,
      code: 'PlayAuthMissing',
      type: 'auth',
      request: () => post(`${server.url}/play/info`, { VideoId: videoId }),
    },
    {
      case: 'play info with a forged PlayAuth',
      status: 403,
      code: 'PlayAuthInvalid',
      type: 'auth',
      request: () => post(`${server.url}/play/info`, { VideoId: videoId, PlayAuth: GARBAGE_TOKEN }),
      sent: () => [GARBAGE_TOKEN],
    },
    {
      case: "play info for another video with this video's PlayAuth",
      status: 403,
      code: 'PlayAuthWrongVideo',
      type: 'auth',
      request: () => post(`${server.url}/play/info`, { VideoId: OTHER_VIDEO, PlayAuth: playAuth }),
      sent: () => [playAuth, OTHER_VIDEO],
    },
    {
      case: 'a playlist without its token',
      status: 403,
      code: 'MediaTokenMissing',
      type: 'auth',
      request: () => ({ url: withoutToken().href }),
    },
    {
      case: 'a private key exchange without a token',
      status: 403,
      code: 'MediaTokenMissing',
      type: 'auth',
      request: () => post(`${server.url}/keys/private/${videoId}/${streamId}/0`, { PublicKey: 'x' }),
    },
    {
      case: 'a playlist with a forged token',
      status: 403,
      code: 'MediaTokenInvalid',
      type: 'auth',
      request: () => media(withoutToken().pathname, { token: GARBAGE_TOKEN }),
      sent: () => [GARBAGE_TOKEN],
    },
    {
      case: "another video's playlist with this video's token",
      status: 403,
      code: 'MediaTokenWrongVideo',
      type: 'auth',
      request: () => media(withoutToken().pathname.replace(videoId, OTHER_VIDEO), { token }),
      sent: () => [token],
    },
    {
      case: 'a playlist that does not exist',
      status: 404,
      code: 'MediaNotFound',
      type: 'other',
      request: () => media(`/media/${videoId}/no-such-rendition/index.m3u8`, { token }),
      sent: () => [token, 'no-such-rendition'],
    },
    {
      case: 'a standard key without MtsHlsUriToken or token',
      status: 403,
      code: 'HlsKeyTokenMissing',
      type: 'auth',
      request: () => media(`/keys/hls/${videoId}/${streamId}/0`, {}),
    },
    {
      case: 'a standard key with a forged MtsHlsUriToken',
      status: 403,
      code: 'HlsKeyTokenInvalid',
      type: 'auth',
      request: () => media(`/keys/hls/${videoId}/${streamId}/0`, { MtsHlsUriToken: GARBAGE_TOKEN }),
      sent: () => [GARBAGE_TOKEN],
    },
    {
      case: 'a standard key of a clear rendition',
      status: 404,
      code: 'KeyNotFound',
      type: 'key',
      request: () => media(`/keys/hls/${videoId}/${streamId}/0`, { token }),
      sent: () => [token],
    },
    {
      case: 'a private key exchange with a public key that is not a P-256 point',
      status: 400,
      code: 'InvalidPublicKey',
      type: 'key',
      request: () =>
        post(`${server.url}/keys/private/${videoId}/${privateStreamId}/0`, {
          Token: token,
          PublicKey: 'not-a-point',
        }),
      sent: () => [token, 'not-a-point'],
    },
  ];

  const messages = new Map<string, string>();

  async function checkRefusal(refusal: Refusal) {
    const { url, init } = refusal.request();
    const res = await fetch(url, {
      ...init,
      headers: { ...init?.headers, origin: 'https://school.example' },
    });
    const text = await res.text();
    assert.equal(res.status, refusal.status, `${refusal.case}: status (${text})`);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `${refusal.case}: JSON`);
    assert.equal(
      res.headers.get('access-control-allow-origin'),
      '*',
      `${refusal.case}: a page on another origin can read the error`,
    );
    const body = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['Code', 'Message', 'RequestId'], `${refusal.case}: envelope`);
    assert.equal(body.Code, refusal.code, refusal.case);
    assert.match(String(body.RequestId), /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    const message = String(body.Message);
    assert.match(message, /^[A-Z].{9,}\.$/, `${refusal.case}: a sentence`);
    for (const secret of refusal.sent?.() ?? []) {
      assert.ok(!message.includes(secret), `${refusal.case}: the message does not echo what was sent`);
    }
    const seen = messages.get(refusal.code);
    if (seen !== undefined) assert.equal(message, seen, `${refusal.code}: one fixed message per code`);
    messages.set(refusal.code, message);

    const classified = fromServerError('The request', res.status, body);
    assert.equal(classified.code, refusal.code, `${refusal.case}: the SDK reads Code`);
    assert.equal(classified.status, refusal.status);
    assert.equal(classified.type, refusal.type, `${refusal.case}: SDK error type`);
    assert.ok(classified.message.includes(message), 'the SDK keeps the server message');
  }

  test('every refusal is {RequestId, Code, Message} with the documented status', async () => {
    for (const refusal of refusals) await checkRefusal(refusal);
    assert.ok(messages.size >= 10, 'the cases cover at least ten codes');
  });

  test("a deleted video: its still-valid PlayAuth gets the vendor's 404 InvalidVideo.NotFound", async () => {
    await vodClient(server.url).request('DeleteVideo', { VideoIds: videoId });
    await checkRefusal({
      case: 'play info for a deleted video',
      status: 404,
      code: 'InvalidVideo.NotFound',
      type: 'other',
      request: () => post(`${server.url}/play/info`, { VideoId: videoId, PlayAuth: playAuth }),
      sent: () => [playAuth],
    });
  });
});
