/**
 * Issue 13 item 4 from outside, on one server process: concurrent-stream limits set with
 * SetCustomerConfig through pop-core, sessions opened with GetPlayInfo and with PlayAuths traded
 * at /play/info, the refusal `Forbidden.ConcurrentStreams` on the RPC API and on playlists, keys
 * and refreshes, and a long session kept alive by the SDK's own session code (PlaybackSession and
 * PlayApi from packages/player, run in Node) with the lease timings scaled down 60×.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PlayApi } from '../../../player/src/play-api.js';
import { PlayerError } from '../../../player/src/errors.js';
import { PlaybackSession } from '../../../player/src/session.js';
import { addGroup, encryptedTemplate, uploadVideo } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { popError, vodClient } from '../support/vod-client.js';

interface PlayInfoAnswer {
  PlayInfoList: { PlayInfo: { PlayURL: string }[] };
}

describe('concurrent-stream limits: account setting, GetPlayInfo, PlayAuth sessions, heartbeats', () => {
  let server: ServerProcess;
  let dataDir: string;
  let videoId: string;
  const vod = () => vodClient(server.url);

  before(async () => {
    dataDir = await makeDataDir();
    const clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: 4, width: 320, height: 180 });
    server = await startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
    // Standard encryption with a key period per segment, so a player fetches keys as it plays.
    const group = await addGroup(vod(), 'limited', [encryptedTemplate('LD', 180, 'HLSEncryption', 1)]);
    videoId = await uploadVideo(vod(), clip, group);
  });

  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  const setLimits = (params: Record<string, string>) => vod().request('SetCustomerConfig', params);
  const playInfo = (params: Record<string, string>) =>
    vod().request<PlayInfoAnswer>('GetPlayInfo', { VideoId: videoId, ...params });
  const refused = async (call: Promise<unknown>) => {
    const error = await popError(call);
    assert.equal(error.code, 'Forbidden.ConcurrentStreams', error.message);
    assert.equal(error.entry.response.statusCode, 403);
  };

  /** The media playlist text and the absolute URL of its first key. */
  async function firstKeyUrl(playUrl: string): Promise<string> {
    const res = await fetch(playUrl);
    assert.equal(res.status, 200);
    const text = await res.text();
    const uri = /#EXT-X-KEY:[^\n]*URI="([^"]+)"/.exec(text)?.[1];
    assert.ok(uri, `a key URI in ${text}`);
    return new URL(uri, playUrl).href;
  }

  async function codeOf(url: string, init?: RequestInit): Promise<[number, string | undefined]> {
    const res = await fetch(url, init);
    const text = await res.text();
    return [res.status, res.ok ? undefined : (JSON.parse(text) as { Code: string }).Code];
  }

  test('SetCustomerConfig stores the setting (off by default) and names a bad field', async () => {
    const initial = await vod().request<Record<string, unknown>>('GetCustomerConfig', {});
    assert.equal(initial.MaxConcurrentStreams, 0);
    assert.equal(initial.ConcurrentStreamsPolicy, 'RefuseNew');
    assert.equal(initial.DownloadSwitch, 'off', 'the download settings are still answered');
    await setLimits({ MaxConcurrentStreams: '2', StreamLeaseInterval: '30', StreamLeaseGrace: '30' });
    const got = await vod().request<Record<string, unknown>>('GetCustomerConfig', {});
    assert.deepEqual(
      [got.MaxConcurrentStreams, got.ConcurrentStreamsPolicy, got.StreamLeaseInterval, got.StreamLeaseGrace],
      [2, 'RefuseNew', 30, 30],
    );
    for (const [name, value] of [
      ['MaxConcurrentStreams', '101'],
      ['ConcurrentStreamsPolicy', 'Evict'],
      ['StreamLeaseInterval', '0'],
    ] as const) {
      const error = await popError(setLimits({ [name]: value }));
      assert.equal(error.code, 'InvalidParameter');
      assert.match(error.message, new RegExp(name));
    }
    const error = await popError(playInfo({ ViewerId: 'x', MaxConcurrentStreams: '0' }));
    assert.equal(error.code, 'InvalidParameter');
    assert.match(error.message, /MaxConcurrentStreams/);
  });

  test('with a limit of 2, a third GetPlayInfo session of a viewer is refused; others are not', async () => {
    await setLimits({ MaxConcurrentStreams: '2', ConcurrentStreamsPolicy: 'RefuseNew' });
    const viewer = `viewer-${randomUUID()}`;
    await playInfo({ ViewerId: viewer });
    await playInfo({ ViewerId: viewer });
    await refused(playInfo({ ViewerId: viewer }));
    await refused(playInfo({ DigitalWatermarkType: 'TraceMark', Trace: 'abc', ViewerId: viewer }));
    await playInfo({ ViewerId: `other-${randomUUID()}` });
    await playInfo({}); // no viewer ID: no limit
    await playInfo({});
    await playInfo({});
    // The Trace parameter names the viewer when there is no ViewerId.
    const trace = `T${randomUUID().replaceAll('-', '')}`;
    await playInfo({ DigitalWatermarkType: 'TraceMark', Trace: trace });
    await playInfo({ DigitalWatermarkType: 'TraceMark', Trace: trace });
    await refused(playInfo({ DigitalWatermarkType: 'TraceMark', Trace: trace }));
    // A per-request limit lowers the account's.
    const lowered = `viewer-${randomUUID()}`;
    await playInfo({ ViewerId: lowered, MaxConcurrentStreams: '1' });
    await refused(playInfo({ ViewerId: lowered, MaxConcurrentStreams: '1' }));
    // ... and cannot raise it.
    await playInfo({ ViewerId: lowered, MaxConcurrentStreams: '5' });
    await refused(playInfo({ ViewerId: lowered, MaxConcurrentStreams: '5' }));
  });

  test('a third PlayAuth session is refused at /play/info; a released one frees its slot', async () => {
    await setLimits({ MaxConcurrentStreams: '2', ConcurrentStreamsPolicy: 'RefuseNew' });
    const viewer = `viewer-${randomUUID()}`;
    const api = new PlayApi({ endpoint: server.url });
    const open = async () => {
      const { PlayAuth } = await vod().request<{ PlayAuth: string }>('GetVideoPlayAuth', {
        VideoId: videoId,
        ViewerId: viewer,
      });
      return api.playInfo(videoId, PlayAuth);
    };
    const first = await open();
    await open();
    const error = await open().then(
      () => assert.fail('a third session was admitted'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof PlayerError);
    assert.deepEqual(
      [error.type, error.details, error.code],
      ['auth', 'concurrentStreams', 'Forbidden.ConcurrentStreams'],
    );
    assert.match(error.message, /most screens allowed/);
    // A limited session's token lives one lease (30 + 30 s), so the SDK refreshes within it.
    const lifetime = Date.parse(first.Session.ExpiresAt) - Date.now();
    assert.ok(lifetime <= 60_000, `session lifetime ${lifetime} ms`);
    // ... and is asked to refresh every 0.8 interval, so the grace absorbs a late timer.
    assert.equal(first.Session.RefreshAfterSeconds, 24);

    api.release(first.Session.Token);
    let admitted = false;
    for (let i = 0; i < 40 && !admitted; i++) {
      admitted = await open().then(
        () => true,
        () => false,
      );
      if (!admitted) await sleep(50);
    }
    assert.ok(admitted, 'a session is admitted once one was released');
  });

  test('with EndOldest, the oldest session is ended: its playlist, key and refresh requests are refused', async () => {
    await setLimits({ MaxConcurrentStreams: '2', ConcurrentStreamsPolicy: 'EndOldest' });
    const viewer = `viewer-${randomUUID()}`;
    const oldest = (await playInfo({ ViewerId: viewer })).PlayInfoList.PlayInfo[0]!.PlayURL;
    const oldKey = await firstKeyUrl(oldest);
    assert.equal((await codeOf(oldKey))[0], 200);
    const second = (await playInfo({ ViewerId: viewer })).PlayInfoList.PlayInfo[0]!.PlayURL;
    const third = (await playInfo({ ViewerId: viewer })).PlayInfoList.PlayInfo[0]!.PlayURL;

    assert.deepEqual(await codeOf(oldest), [403, 'Forbidden.ConcurrentStreams'], 'its playlist');
    assert.deepEqual(await codeOf(oldKey), [403, 'Forbidden.ConcurrentStreams'], 'its key (MtsHlsUriToken)');
    const token = new URL(oldest).searchParams.get('token')!;
    const keyWithToken = `${oldKey.split('?')[0]}?token=${encodeURIComponent(token)}`;
    assert.deepEqual(await codeOf(keyWithToken), [403, 'Forbidden.ConcurrentStreams'], 'its key (token)');
    const refresh = await codeOf(`${server.url}/play/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Token: token }),
    });
    assert.deepEqual(refresh, [403, 'Forbidden.ConcurrentStreams'], 'its refresh');
    for (const url of [second, third]) {
      assert.equal((await codeOf(url))[0], 200);
      assert.equal((await codeOf(await firstKeyUrl(url)))[0], 200);
    }
  });

  test('a session kept by the SDK refreshes through ten simulated minutes (lease 1 + 1 s, 60× faster), paused, and is never refused', async () => {
    // 60× faster than the defaults: a 60 s interval is 1 s, so 10 minutes take 10 s.
    await setLimits({
      MaxConcurrentStreams: '1',
      ConcurrentStreamsPolicy: 'RefuseNew',
      StreamLeaseInterval: '1',
      StreamLeaseGrace: '1',
    });
    const viewer = `viewer-${randomUUID()}`;
    const api = new PlayApi({ endpoint: server.url });
    const { PlayAuth } = await vod().request<{ PlayAuth: string }>('GetVideoPlayAuth', {
      VideoId: videoId,
      ViewerId: viewer,
    });
    const info = await api.playInfo(videoId, PlayAuth);
    const failures: PlayerError[] = [];
    const session = new PlaybackSession({
      initial: info.Session,
      refresh: (token, signal) => api.refresh(token, signal),
      onError: (error) => failures.push(error),
    });
    session.start();
    try {
      // Paused: no playlist or key requests, only the SDK's refresh timer. Every simulated
      // minute another screen of the same viewer tries to start, and is refused: the slot is held.
      const started = Date.now();
      while (Date.now() - started < 10_000) {
        await sleep(1000);
        await refused(playInfo({ ViewerId: viewer }));
      }
      assert.deepEqual(failures, [], 'no refresh failed');
      assert.ok(session.refreshes >= 5, `${session.refreshes} refreshes`);
      // Resumed: the session's own requests still work.
      const playUrl = info.PlayInfoList.PlayInfo[0]!.PlayURL;
      const [status] = await codeOf(playUrl.replace(/token=[^&]+/, `token=${session.token}`));
      assert.equal(status, 200);
    } finally {
      session.stop();
    }
    // Once the player is gone and its lease lapses (2 s), the slot is free again.
    let admitted = false;
    for (let i = 0; i < 100 && !admitted; i++) {
      admitted = await playInfo({ ViewerId: viewer }).then(
        () => true,
        () => false,
      );
      if (!admitted) await sleep(100);
    }
    assert.ok(admitted, 'the lapsed slot is free');
  });
});
