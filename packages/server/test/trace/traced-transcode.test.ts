/**
 * Leak tracing through the real server (another process), with pop-core and ali-oss:
 * - `TraceWatermark` in TranscodeTemplateList (our extension) is validated with the API's
 *   InvalidParameter naming the field, and round-trips through Add/Update/GetTranscodeTemplateGroup;
 * - a video uploaded into a traced group transcodes and publishes: each traced rendition is stored
 *   as `init.mp4`, `a/seg_N`, `b/seg_N` and `index.m3u8` (naming a/), cut into 1 s segments, and
 *   A ≠ B for every stored segment;
 * - per-session sequences: GetPlayInfo with `DigitalWatermarkType=TraceMark&Trace=…` (and without a
 *   Trace, and GetVideoPlayAuth's `Trace` through /play/info) serves playlists whose variant for
 *   segment k is exactly `TraceCode(secret).variant(video, trace, k)`; two trace IDs get different
 *   sequences, one trace ID the same; every issuance is in trace_sessions;
 * - swapping `/a/` for `/b/` in a segment URI gets a 403 (AuthKeyInvalid), the listed URIs a 200;
 * - a traced download — Normal over HTTP, and Secure with `securevod download --trace`, decrypted
 *   with `securevod offline decrypt` — carries the download's own sequence, recorded as kind
 *   `download`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { expectApiError, filesUnder } from '../e2e/e2e-helpers.js';
import { addGroup, encryptedTemplate, tracedTemplate, uploadVideo } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';
import { openLocalKms } from '../../src/kms/local-kms.js';
import { openDatabase } from '../../src/store/database.js';
import { createSettingsStore } from '../../src/store/settings-store.js';
import { createTraceSessionStore, type TraceSessionRecord } from '../../src/store/trace-session-store.js';
import { TraceCode } from '../../src/trace/trace-code.js';
import { ClearRenditionReader } from '../../src/download/clear-rendition-reader.js';
import { ROOT_KEY_ENV, runCli } from '../cli/cli-process.js';
import { createLocalDirectoryStore } from '../../src/storage/local-directory-store.js';
import { createStreamStore } from '../../src/store/stream-store.js';
import { createVideoStore } from '../../src/store/video-store.js';
import { videoDataKeyContext } from '../../src/transcode/transcode-job-handler.js';
import { loadTraceSecret } from '../../src/trace/trace-secret.js';

const CLIP_SECONDS = 20;

describe('traced templates and the A/B transcode, through the server', () => {
  let server: ServerProcess;
  let dataDir: string;
  let videoId = '';

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
  });
  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  test('TraceWatermark is validated and round-trips through Add/Update/GetTranscodeTemplateGroup', async () => {
    const vod = vodClient(server.url);
    const add = (templates: object[]) =>
      vod.request<{ TranscodeTemplateGroupId: string }>(
        'AddTranscodeTemplateGroup',
        { Name: 'traced', TranscodeTemplateList: JSON.stringify(templates) },
        { method: 'POST' },
      );
    await expectApiError(
      add([{ ...encryptedTemplate('SD', 360), TraceWatermark: { Enabled: 'yes' } }]),
      'InvalidParameter',
      400,
      /TranscodeTemplateList\[0\]\.TraceWatermark\.Enabled/,
    );
    await expectApiError(
      add([tracedTemplate('SD', 360, 'HLSEncryption', { SegmentSeconds: '5' })]),
      'InvalidParameter',
      400,
      /TraceWatermark\.SegmentSeconds must be an integer from 1 to 4/,
    );
    await expectApiError(
      add([{ ...encryptedTemplate('SD', 360), TraceWatermark: '[1]' }]),
      'InvalidParameter',
      400,
      /TraceWatermark must be a JSON object/,
    );

    const { TranscodeTemplateGroupId: id } = await add([
      tracedTemplate('SD', 360, 'HLSEncryption', { SegmentSeconds: '2' }),
      encryptedTemplate('LD', 180, 'HLSEncryption'),
    ]);
    type Wire = { TranscodeTemplateList: Array<Record<string, string | undefined>> };
    const get = async () =>
      (
        await vod.request<{ TranscodeTemplateGroup: Wire }>('GetTranscodeTemplateGroup', {
          TranscodeTemplateGroupId: id,
        })
      ).TranscodeTemplateGroup.TranscodeTemplateList;
    const [sd, ld] = await get();
    assert.deepEqual(JSON.parse(sd!.TraceWatermark!), { Enabled: 'true', SegmentSeconds: '2' });
    assert.equal(ld!.TraceWatermark, undefined, 'absent when tracing is off');

    // What Get returns is accepted back by Update (sub-configs as JSON strings); off turns it off.
    await vod.request(
      'UpdateTranscodeTemplateGroup',
      {
        TranscodeTemplateGroupId: id,
        TranscodeTemplateList: JSON.stringify([
          { ...sd, TraceWatermark: JSON.stringify({ Enabled: 'false' }) },
          { ...ld, TraceWatermark: { Enabled: 'true' } },
        ]),
      },
      { method: 'POST' },
    );
    const [sd2, ld2] = await get();
    assert.equal(sd2!.TraceWatermark, undefined);
    assert.deepEqual(JSON.parse(ld2!.TraceWatermark!), { Enabled: 'true', SegmentSeconds: '1' });
  });

  test('a traced video transcodes and publishes as A/B variants in 1 s segments', async () => {
    const vod = vodClient(server.url);
    const clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: CLIP_SECONDS, width: 640, height: 360 });
    const group = await addGroup(vod, 'ab', [
      tracedTemplate('SD', 360, 'HLSEncryption'),
      tracedTemplate('LD', 180, 'AliyunVoDEncryption'),
    ]);
    videoId = await uploadVideo(vod, clip, group, 'traced');
    const root = join(dataDir, 'storage', 'objects', 'videos', videoId);
    // Object keys, hls/<job>/<rendition>/… (the local store adds a `#` to each file name).
    const files = (await filesUnder(root)).map((f) => f.replace(/#$/, ''));
    for (const [definition, ext] of [
      ['sd', 'm4s'],
      ['ld', 'svs'],
    ] as const) {
      const mine = files
        .filter((f) => f.split('/')[2] === definition)
        .map((f) => f.split('/').slice(3).join('/'));
      const names = Array.from(
        { length: CLIP_SECONDS },
        (_, i) => `seg_${String(i).padStart(5, '0')}.${ext}`,
      );
      assert.deepEqual(
        mine.sort(),
        [...names.map((n) => `a/${n}`), ...names.map((n) => `b/${n}`), 'index.m3u8', 'init.mp4'].sort(),
        `${definition}: ${mine.join(', ')}`,
      );
      const playlistPath = files.find((f) => f.endsWith(`/${definition}/index.m3u8`))!;
      const playlist = await readFile(join(root, `${playlistPath}#`), 'utf8');
      assert.deepEqual(
        // The stored file starts with the local store's metadata header: keep the segment lines.
        playlist.split('\n').filter((l) => /^\w\/?seg_\d+/.test(l) || /^seg_/.test(l)),
        names.map((n) => `a/${n}`),
      );
      for (const n of names) {
        const [a, b] = await Promise.all(
          ['a', 'b'].map(async (v) =>
            createHash('sha256')
              .update(await readFile(join(root, playlistPath.replace('index.m3u8', `${v}/${n}#`))))
              .digest('hex'),
          ),
        );
        assert.notEqual(a, b, `${definition}: stored A = B at ${n}`);
      }
    }
  });

  /** The deployment's trace secret and session table, read as the detector would. */
  async function traceState(): Promise<{ code: TraceCode; sessions: TraceSessionRecord[] }> {
    const kms = await openLocalKms({ dir: join(dataDir, 'kms') });
    const db = await openDatabase({ sqlitePath: join(dataDir, 'securevod.sqlite') });
    try {
      const code = new TraceCode(await loadTraceSecret(kms, createSettingsStore(db)));
      const store = createTraceSessionStore(db);
      const sessions = (
        await Promise.all((await store.traceIds(videoId)).map((t) => store.sessionsOf(videoId, t)))
      ).flat();
      return { code, sessions };
    } finally {
      await db.close();
      await kms.close();
    }
  }

  async function playInfo(params: Record<string, string>): Promise<string> {
    const { PlayInfoList } = await vodClient(server.url).request<{
      PlayInfoList: { PlayInfo: Array<{ PlayURL: string; Definition: string }> };
    }>('GetPlayInfo', { VideoId: videoId, ...params });
    return PlayInfoList.PlayInfo.find((p) => p.Definition === 'SD')!.PlayURL;
  }

  /** The segment URIs (absolute) of a rendition playlist, and the variant letters they name. */
  async function sequence(playlistUrl: string): Promise<{ uris: string[]; variants: string }> {
    const res = await fetch(playlistUrl);
    assert.equal(res.status, 200, playlistUrl);
    const uris = (await res.text())
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => new URL(l, playlistUrl).href);
    return { uris, variants: uris.map((u) => /\/([ab])\/seg_/.exec(u)![1]).join('') };
  }

  test('per-session A/B sequences follow the keyed code word; every issuance is recorded', async () => {
    const vod = vodClient(server.url);
    await expectApiError(
      vod.request('GetPlayInfo', { VideoId: videoId, Trace: 'viewer1' }),
      'InvalidParameter',
      400,
      /DigitalWatermarkType/,
    );
    await expectApiError(
      vod.request('GetPlayInfo', { VideoId: videoId, DigitalWatermarkType: 'TraceMark', Trace: 'not-alnum' }),
      'InvalidParameter',
      400,
      /Trace/,
    );
    await expectApiError(
      vod.request('GetVideoPlayAuth', { VideoId: videoId, Trace: 'x'.repeat(1025) }),
      'InvalidParameter',
      400,
      /Trace/,
    );

    const one = await sequence(await playInfo({ DigitalWatermarkType: 'TraceMark', Trace: 'viewer1' }));
    const again = await sequence(await playInfo({ DigitalWatermarkType: 'TraceMark', Trace: 'viewer1' }));
    const two = await sequence(await playInfo({ DigitalWatermarkType: 'TraceMark', Trace: 'viewer2' }));
    const anonymous = await sequence(await playInfo({}));
    assert.equal(one.variants.length, CLIP_SECONDS);
    assert.equal(again.variants, one.variants, 'the same trace ID gets the same sequence');
    assert.notEqual(two.variants, one.variants, 'another trace ID gets another sequence');

    // The SDK path: GetVideoPlayAuth's Trace (our extension) → /play/info → the same sequence.
    const { PlayAuth } = await vod.request<{ PlayAuth: string }>('GetVideoPlayAuth', {
      VideoId: videoId,
      Trace: 'viewer1',
    });
    const info = (await (
      await fetch(`${server.url}/play/info`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ VideoId: videoId, PlayAuth }),
      })
    ).json()) as { PlayInfoList: { PlayInfo: Array<{ PlayURL: string; Definition: string }> } };
    const viaSdk = await sequence(info.PlayInfoList.PlayInfo.find((p) => p.Definition === 'SD')!.PlayURL);
    assert.equal(viaSdk.variants, one.variants, 'GetVideoPlayAuth Trace selects the same sequence');

    const { code, sessions } = await traceState();
    const expected = (trace: string) =>
      Array.from(code.bits(videoId, trace, CLIP_SECONDS), (b) => 'ab'[b]).join('');
    assert.equal(one.variants, expected('viewer1'));
    assert.equal(two.variants, expected('viewer2'));
    const generated = sessions.filter((s) => s.viewerId === null);
    assert.equal(generated.length, 1, 'the Trace-less session is recorded with a generated trace ID');
    assert.equal(anonymous.variants, expected(generated[0]!.traceId));
    assert.deepEqual(
      sessions.map((s) => `${s.traceId}/${s.kind}`).sort(),
      [
        `${generated[0]!.traceId}/play`,
        'viewer1/play',
        'viewer1/play',
        'viewer1/play',
        'viewer2/play',
      ].sort(),
    );
    for (const s of sessions) {
      assert.equal(s.videoId, videoId);
      assert.match(s.sessionId, /^[0-9a-f]{32}$/);
      assert.ok(!Number.isNaN(Date.parse(s.issuedAt)));
      assert.equal(
        s.viewerId,
        s.traceId === generated[0]!.traceId ? null : s.traceId,
        'viewer ID = what was passed',
      );
    }
  });

  test('swapping /a/ for /b/ in a segment URI gets a 403; the listed URIs play', async () => {
    const { uris } = await sequence(await playInfo({ DigitalWatermarkType: 'TraceMark', Trace: 'viewer3' }));
    for (const uri of uris.slice(0, 3)) assert.equal((await fetch(uri)).status, 200, uri);
    const swapped = uris[0]!.includes('/a/')
      ? uris[0]!.replace('/a/', '/b/')
      : uris[0]!.replace('/b/', '/a/');
    const refused = await fetch(swapped);
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { Code: string }).Code, 'AuthKeyInvalid');
    // Without its auth_key the path is refused too.
    const bare = new URL(uris[1]!);
    bare.searchParams.delete('auth_key');
    assert.equal((await fetch(bare)).status, 403);
  });

  test('a download of a traced video is its own session: recorded as such, assembled by its code word', async () => {
    const vod = vodClient(server.url);
    await vod.request('SetCustomerConfig', { DownloadSwitch: 'on', DownloadMode: 'Normal' });
    await vod.request('UpdateVideoInfo', { VideoId: videoId, DownloadSwitch: 'on' });
    const { PlayAuth } = await vod.request<{ PlayAuth: string }>('GetVideoPlayAuth', { VideoId: videoId });
    const url = (trace: string) =>
      `${server.url}/download/${videoId}?${new URLSearchParams({ PlayAuth, Definition: 'SD', Trace: trace })}`;
    const refused = await fetch(url('not-alnum'));
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { Code: string }).Code, 'InvalidParameter');
    const res = await fetch(url('dl7'));
    assert.equal(res.status, 200);
    const downloaded = Buffer.from(await res.arrayBuffer());

    // Secure mode through the CLI: the package decrypts to the dl8 sequence.
    const app = 'com.example.traced';
    const appKey = 'TracedPlayerKey0123456789abXY';
    const cli = (args: string[]) =>
      runCli(args, { cwd: dataDir, env: { ...ROOT_KEY_ENV, SECUREVOD_APP_DECRYPT_KEY: appKey } });
    await vod.request('SetCustomerConfig', { DownloadMode: 'Secure' });
    const keyFile = join(dataDir, 'traced-key.dat');
    const registered = await cli([
      'keys',
      'register',
      '--app-identification',
      app,
      '-o',
      keyFile,
      '--endpoint',
      server.url,
    ]);
    assert.equal(registered.code, 0, registered.stderr);
    const pkg = join(dataDir, 'traced.svpk');
    const fetched = await cli([
      'download',
      videoId,
      '-o',
      pkg,
      '--app-identification',
      app,
      '--definition',
      'SD',
      '--trace',
      'dl8',
      '--endpoint',
      server.url,
    ]);
    assert.equal(fetched.code, 0, fetched.stderr);
    const opened = join(dataDir, 'traced-package.mp4');
    const decrypted = await cli([
      'offline',
      'decrypt',
      pkg,
      '-o',
      opened,
      '--key-file',
      keyFile,
      '--app-identification',
      app,
    ]);
    assert.equal(decrypted.code, 0, decrypted.stderr);
    const fromPackage = await readFile(opened);

    // What the file must be: the rendition read with the session's variants (the same reader the
    // detector uses for its all-A and all-B references), opened here from storage.
    const { code, sessions } = await traceState();
    assert.deepEqual(
      sessions
        .filter((s) => s.kind === 'download')
        .map((s) => s.traceId)
        .sort(),
      ['dl7', 'dl8'],
      'each download is recorded as a session of its own',
    );
    const kms = await openLocalKms({ dir: join(dataDir, 'kms') });
    const db = await openDatabase({ sqlitePath: join(dataDir, 'securevod.sqlite') });
    try {
      const video = (await createVideoStore(db).find(videoId))!;
      const stream = (await createStreamStore(db).listForVideo(videoId)).find((s) => s.definition === 'SD')!;
      assert.equal(stream.traced, true);
      const dataKey = (await kms.decrypt(video.dataKeyCiphertext!, videoDataKeyContext(videoId))).plaintext;
      const objects = await createLocalDirectoryStore({ root: join(dataDir, 'storage') });
      const read = async (variantOf: (i: number) => 'a' | 'b') => {
        const reader = await ClearRenditionReader.open(objects, stream, dataKey, { variantOf });
        const parts: Uint8Array[] = [];
        for await (const chunk of reader.chunks()) parts.push(chunk);
        return Buffer.concat(parts);
      };
      const expected = await read((i) => code.variant(videoId, 'dl7', i));
      assert.ok(downloaded.equals(expected), 'the download follows the code word of its trace ID');
      assert.ok(!downloaded.equals(await read(() => 'a')), 'and is not all-A');
      assert.ok(!downloaded.equals(await read(() => 'b')), 'nor all-B');
      assert.ok(
        fromPackage.equals(await read((i) => code.variant(videoId, 'dl8', i))),
        'the Secure package follows the code word of its trace ID',
      );
    } finally {
      await db.close();
      await kms.close();
    }
  });
});
