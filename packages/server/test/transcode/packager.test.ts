/**
 * Packager integration: a real clear fMP4 HLS rendition from ffmpeg, packaged into the real local
 * directory store, served over HTTP from that store and played back by ffmpeg/ffprobe.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  SegmentCryptoError,
  aes128SegmentIv,
  decryptAes128Segment,
  decryptPrivateSegment,
  deriveSegmentKey,
  formatHlsIv,
  randomBytes,
  type SegmentScheme,
} from '@securevod/crypto';
import { readHlsOutput, type HlsRenditionOutput } from '@securevod/ffmpeg';
import { createLocalDirectoryStore } from '../../src/storage/local-directory-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import {
  PackagerError,
  packageMaster,
  packageRendition,
  type PackageRenditionOptions,
} from '../../src/transcode/packager.js';

const run = promisify(execFile);
const VIDEO_ID = '5c1e0b7a9d2f4e3c8b6a0d1e2f3a4b5c';
const DK = randomBytes(32);

let base: string;
let rendition: HlsRenditionOutput;
let masterPath: string;
let clearFrames: number;
let storeSeq = 0;
/** The store the HTTP server currently serves, and the key requests it has seen. */
let served: ObjectStore | undefined;
let keyRequests: string[] = [];
let server: Server;
let origin: string;

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'securevod-packager-'));
  const scratch = join(base, 'scratch');
  await mkdir(scratch);
  // The brief's clear rendition, in the layout of buildHlsLadderArgs (one variant named "sd").
  await run('ffmpeg', [
    ...['-hide_banner', '-v', 'error', '-nostdin'],
    ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine', '-t', '6'],
    ...['-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac'],
    ...['-force_key_frames', 'expr:gte(t,n_forced*2)'],
    ...['-f', 'hls', '-hls_segment_type', 'fmp4', '-hls_time', '2', '-hls_playlist_type', 'vod'],
    ...['-hls_flags', 'independent_segments', '-hls_fmp4_init_filename', 'init_sd.mp4'],
    ...['-hls_segment_filename', join(scratch, '%v', 'seg_%05d.m4s'), '-master_pl_name', 'master.m3u8'],
    ...['-var_stream_map', 'v:0,a:0,name:sd', join(scratch, '%v', 'index.m3u8')],
  ]);
  const output = await readHlsOutput(scratch);
  assert.equal(output.renditions.length, 1);
  rendition = output.renditions[0]!;
  masterPath = output.masterPath;
  assert.equal(rendition.segments.length, 3, 'ffmpeg cut 6 s into three 2 s segments');
  clearFrames = await countFrames(rendition.playlistPath);
  assert.equal(clearFrames, 150);

  server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/key') {
        keyRequests.push(url.search);
        const key = await deriveSegmentKey(DK, {
          videoId: VIDEO_ID,
          rendition: url.searchParams.get('rendition') ?? '',
          period: Number(url.searchParams.get('period')),
          scheme: 'aes-128',
        });
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(key);
      } else if (url.pathname.startsWith('/store/') && served) {
        const object = await served.get(url.pathname.slice('/store/'.length));
        res.writeHead(200, { 'content-type': object.contentType, 'content-length': object.contentLength });
        object.body.pipe(res);
      } else {
        res.writeHead(404).end();
      }
    })().catch(() => {
      if (!res.headersSent) res.writeHead(404);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  if (base) await rm(base, { recursive: true, force: true });
});

/** Video frames ffprobe decodes (`-count_frames`); 0 when it finds none or cannot read the input. */
async function countFrames(input: string): Promise<number> {
  try {
    const { stdout } = await run('ffprobe', [
      ...['-v', 'error', '-count_frames', '-select_streams', 'v:0'],
      ...['-show_entries', 'stream=nb_read_frames', '-of', 'json', input],
    ]);
    const n = Number(
      (JSON.parse(stdout) as { streams?: Array<{ nb_read_frames?: string }> }).streams?.[0]?.nb_read_frames,
    );
    return Number.isFinite(n) ? n : 0;
  } catch {
    return 0;
  }
}

async function freshStore(): Promise<{ store: ObjectStore; root: string }> {
  const root = join(base, `store-${++storeSeq}`);
  return { store: await createLocalDirectoryStore({ root }), root };
}

async function getBytes(store: ObjectStore, key: string): Promise<Buffer> {
  const { body } = await store.get(key);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function pack(
  store: ObjectStore,
  scheme: PackageRenditionOptions['scheme'],
  keyRotationSegments: number,
  extra: Partial<PackageRenditionOptions> = {},
) {
  return packageRendition({
    store,
    dataKey: DK,
    videoId: VIDEO_ID,
    rendition,
    scheme,
    keyRotationSegments,
    keyUri: (period) => `/key?rendition=sd&period=${period}`,
    outputPrefix: `videos/${VIDEO_ID}/hls/sd/`,
    ...extra,
  });
}

async function storeMaster(store: ObjectStore) {
  return packageMaster({
    store,
    masterPath,
    outputKey: `videos/${VIDEO_ID}/hls/master.m3u8`,
    variants: [{ sourceUri: rendition.uri, uri: 'sd/index.m3u8' }],
  });
}

const periodKey = (scheme: SegmentScheme, period: number) =>
  deriveSegmentKey(DK, { videoId: VIDEO_ID, rendition: 'sd', period, scheme });

/** Every file under `root` (the store's own files on disk) must not contain any of `needles`. */
async function assertNotOnDisk(root: string, needles: ReadonlyArray<[string, Uint8Array]>): Promise<void> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  let files = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    files++;
    const content = await readFile(join(entry.parentPath, entry.name));
    for (const [what, needle] of needles) {
      assert.equal(content.indexOf(needle), -1, `${what} found in ${entry.name}`);
      assert.equal(
        content.indexOf(Buffer.from(needle).toString('hex')),
        -1,
        `${what} (hex) found in ${entry.name}`,
      );
    }
  }
  assert.ok(files >= 5, 'the store wrote its files');
}

/** A 256-byte window from the middle of each clear segment: media bytes that must never be stored. */
async function clearSamples(): Promise<Array<[string, Uint8Array]>> {
  return Promise.all(
    rendition.segments.map(async (s, i): Promise<[string, Uint8Array]> => {
      const bytes = await readFile(s.path);
      const mid = Math.floor(bytes.length / 2);
      return [`clear bytes of segment ${i}`, bytes.subarray(mid, mid + 256)];
    }),
  );
}

describe('packageRendition with standard AES-128', () => {
  it('stores a stream ffmpeg decodes over HTTP with the key service: same frames, one key per period', async () => {
    const { store, root } = await freshStore();
    const result = await pack(store, 'aes-128', 1);
    await storeMaster(store);
    assert.deepEqual(
      { ...result, bytes: result.bytes > 0 },
      {
        playlistKey: `videos/${VIDEO_ID}/hls/sd/index.m3u8`,
        initKey: `videos/${VIDEO_ID}/hls/sd/init.mp4`,
        segmentCount: 3,
        bytes: true,
        periods: 3,
        durationSeconds: 6,
      },
    );

    const playlist = (await getBytes(store, result.playlistKey)).toString();
    const lines = playlist.trimEnd().split('\n');
    const keyLines = lines.filter((l) => l.startsWith('#EXT-X-KEY:'));
    const expected = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const iv = formatHlsIv(await aes128SegmentIv(await periodKey('aes-128', i), i));
        return `#EXT-X-KEY:METHOD=AES-128,URI="/key?rendition=sd&period=${i}",IV=${iv}`;
      }),
    );
    assert.deepEqual(
      keyLines,
      expected,
      'rotation 1: one EXT-X-KEY per segment, each with its own period URI',
    );
    assert.ok(
      lines.indexOf('#EXT-X-MAP:URI="init.mp4"') < lines.indexOf(keyLines[0]!),
      'map before the first key',
    );
    assert.ok(lines.includes('#EXT-X-INDEPENDENT-SEGMENTS'), 'carried over from the source');
    assert.deepEqual(
      lines.filter((l) => !l.startsWith('#')),
      ['seg_00000.m4s', 'seg_00001.m4s', 'seg_00002.m4s'],
    );

    served = store;
    keyRequests = [];
    assert.equal(await countFrames(`${origin}/store/videos/${VIDEO_ID}/hls/master.m3u8`), clearFrames);
    assert.deepEqual(
      [...new Set(keyRequests)].sort(),
      [0, 1, 2].map((p) => `?rendition=sd&period=${p}`),
    );
    assert.equal(await countFrames(`${origin}/store/${result.playlistKey}`), clearFrames);

    const init = await getBytes(store, result.initKey);
    assert.ok(init.equals(await readFile(rendition.initPath)), 'the init segment is stored clear');
    for (const [i, source] of rendition.segments.entries()) {
      const clear = await readFile(source.path);
      const stored = await getBytes(store, `videos/${VIDEO_ID}/hls/sd/seg_0000${i}.m4s`);
      // Alone, a stored segment is noise: init + it decodes nothing, while init + the clear one does.
      await writeFile(join(base, 'probe-enc.mp4'), Buffer.concat([init, stored]));
      await writeFile(join(base, 'probe-clear.mp4'), Buffer.concat([init, clear]));
      assert.equal(await countFrames(join(base, 'probe-enc.mp4')), 0, `stored segment ${i} is not decodable`);
      assert.equal(await countFrames(join(base, 'probe-clear.mp4')), 50, `clear segment ${i} is`);
      const key = await periodKey('aes-128', i);
      const iv = await aes128SegmentIv(key, i);
      assert.ok(
        Buffer.from(await decryptAes128Segment(key, iv, stored)).equals(clear),
        `segment ${i} decrypts`,
      );
    }

    const keys = await Promise.all([0, 1, 2].map((p) => periodKey('aes-128', p)));
    await assertNotOnDisk(root, [
      ['the data key', DK],
      ...keys.map((k, p): [string, Uint8Array] => [`the period ${p} key`, k]),
      ...(await clearSamples()),
    ]);
  });

  it('groups keyRotationSegments segments per key period (0 = one period)', async () => {
    for (const [rotation, periods] of [
      [0, [0, 0, 0]],
      [2, [0, 0, 1]],
      [3, [0, 0, 0]],
      [5, [0, 0, 0]],
    ] as const) {
      const { store } = await freshStore();
      const result = await pack(store, 'aes-128', rotation);
      assert.equal(result.periods, new Set(periods).size, `rotation ${rotation}`);
      const playlist = (await getBytes(store, result.playlistKey)).toString();
      const uris = [...playlist.matchAll(/URI="\/key\?rendition=sd&period=(\d+)"/g)].map((m) => Number(m[1]));
      assert.deepEqual(uris, periods, `rotation ${rotation}: key URI per segment`);
    }
  });
});

describe('packageRendition with private AES-256-GCM', () => {
  it('stores SVS1 segments that decrypt (non-extractable key) to a valid fMP4 with every frame', async () => {
    const { store, root } = await freshStore();
    const result = await pack(store, 'aes-256-gcm', 0);
    await storeMaster(store);
    assert.equal(result.periods, 1);
    assert.equal(result.segmentCount, 3);

    const playlist = (await getBytes(store, result.playlistKey)).toString();
    assert.match(
      playlist,
      new RegExp(`^#EXT-X-SECUREVOD-PRIVATE:VERSION=1,VIDEO-ID="${VIDEO_ID}",RENDITION="sd"$`, 'm'),
    );
    assert.deepEqual(
      playlist.split('\n').filter((l) => l.startsWith('#EXT-X-KEY:')),
      [
        '#EXT-X-KEY:METHOD=SECUREVOD-AES-256-GCM,URI="/key?rendition=sd&period=0",KEYFORMAT="com.securevod.svs1",KEYFORMATVERSIONS="1"',
      ],
    );
    assert.ok(playlist.indexOf('#EXT-X-MAP:') < playlist.indexOf('#EXT-X-KEY:'));

    const raw = await periodKey('aes-256-gcm', 0);
    const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['decrypt']);
    const parts = [await getBytes(store, result.initKey)];
    const stored: Buffer[] = [];
    for (const [i, source] of rendition.segments.entries()) {
      const bytes = await getBytes(store, `videos/${VIDEO_ID}/hls/sd/seg_0000${i}.svs`);
      stored.push(bytes);
      const context = { videoId: VIDEO_ID, rendition: 'sd', segmentIndex: i };
      const clear = await decryptPrivateSegment(key, bytes, context);
      assert.ok(
        Buffer.from(clear).equals(await readFile(source.path)),
        `segment ${i} decrypts to the source`,
      );
      parts.push(Buffer.from(clear));
    }
    const joined = join(base, 'private-joined.mp4');
    await writeFile(joined, Buffer.concat(parts));
    assert.equal(await countFrames(joined), clearFrames);

    // Segments cannot be moved: segment 1 does not open as segment 0, nor under another rendition.
    await assert.rejects(
      decryptPrivateSegment(key, stored[1]!, { videoId: VIDEO_ID, rendition: 'sd', segmentIndex: 0 }),
      (e: unknown) => e instanceof SegmentCryptoError && e.code === 'DecryptFailed',
    );
    await assert.rejects(
      decryptPrivateSegment(key, stored[1]!, { videoId: VIDEO_ID, rendition: 'hd', segmentIndex: 1 }),
      (e: unknown) => e instanceof SegmentCryptoError && e.code === 'DecryptFailed',
    );

    // A standard player gets nothing out of it, even with a key endpoint answering.
    served = store;
    assert.equal(await countFrames(`${origin}/store/videos/${VIDEO_ID}/hls/master.m3u8`), 0);
    assert.equal(await countFrames(`${origin}/store/${result.playlistKey}`), 0);

    await assertNotOnDisk(root, [['the data key', DK], ['the period key', raw], ...(await clearSamples())]);
  });

  it('derives a distinct key per period and rendition name', async () => {
    const { store } = await freshStore();
    await pack(store, 'aes-256-gcm', 2);
    const seg2 = await getBytes(store, `videos/${VIDEO_ID}/hls/sd/seg_00002.svs`);
    const context = { videoId: VIDEO_ID, rendition: 'sd', segmentIndex: 2 };
    await assert.rejects(
      decryptPrivateSegment(await periodKey('aes-256-gcm', 0), seg2, context),
      SegmentCryptoError,
    );
    const clear = await decryptPrivateSegment(await periodKey('aes-256-gcm', 1), seg2, context);
    assert.ok(Buffer.from(clear).equals(await readFile(rendition.segments[2]!.path)));
  });
});

describe('packageRendition without encryption, and failures', () => {
  it('stores a clear rendition that plays as is', async () => {
    const { store } = await freshStore();
    const result = await packageRendition({
      store,
      videoId: VIDEO_ID,
      rendition,
      scheme: 'none',
      keyRotationSegments: 0,
      outputPrefix: 'videos/clear/hls/sd/',
    });
    assert.equal(result.periods, 0);
    const playlist = (await getBytes(store, result.playlistKey)).toString();
    assert.ok(!playlist.includes('#EXT-X-KEY'));
    served = store;
    assert.equal(await countFrames(`${origin}/store/${result.playlistKey}`), clearFrames);
  });

  it('writes the playlist last: a failed segment upload leaves no playlist and no put in flight', async () => {
    const { store } = await freshStore();
    let puts = 0;
    let inFlight = 0;
    const failing: ObjectStore = {
      ...store,
      capabilities: store.capabilities,
      get: store.get.bind(store),
      head: store.head.bind(store),
      delete: store.delete.bind(store),
      deletePrefix: store.deletePrefix.bind(store),
      list: store.list.bind(store),
      put: async (key, body, opts) => {
        if (++puts === 3) throw new Error('disk full');
        inFlight++;
        try {
          await new Promise((resolve) => setTimeout(resolve, 30));
          return await store.put(key, body, opts);
        } finally {
          inFlight--;
        }
      },
    };
    await assert.rejects(pack(failing, 'aes-128', 1, { concurrency: 3 }), /disk full/);
    assert.equal(inFlight, 0);
    assert.equal(await store.head(`videos/${VIDEO_ID}/hls/sd/index.m3u8`), undefined);
  });

  it('stops on abort', async () => {
    const { store } = await freshStore();
    const controller = new AbortController();
    const result = pack(store, 'aes-256-gcm', 0, {
      onProgress: ({ segmentsDone }) => segmentsDone === 1 && controller.abort(),
      concurrency: 1,
      signal: controller.signal,
    });
    await assert.rejects(result, { name: 'AbortError' });
    assert.equal(await store.head(`videos/${VIDEO_ID}/hls/sd/index.m3u8`), undefined);
  });

  it('refuses unusable options and sources', async () => {
    const { store } = await freshStore();
    const cases: Array<Partial<PackageRenditionOptions>> = [
      { dataKey: undefined },
      { keyUri: undefined },
      { outputPrefix: 'videos/x' },
      { keyRotationSegments: -1 },
      { concurrency: 0 },
      { scheme: 'aes-192' as SegmentScheme },
      { rendition: { ...rendition, segments: [] } },
    ];
    for (const extra of cases) {
      await assert.rejects(
        pack(store, 'aes-128', 1, extra),
        PackagerError,
        JSON.stringify(Object.keys(extra)),
      );
    }
    const encrypted = join(base, 'encrypted.m3u8');
    const source = await readFile(rendition.playlistPath, 'utf8');
    await writeFile(encrypted, source.replace('#EXTINF', '#EXT-X-KEY:METHOD=AES-128,URI="k"\n#EXTINF'));
    await assert.rejects(
      pack(store, 'aes-128', 1, { rendition: { ...rendition, playlistPath: encrypted } }),
      /already encrypted/,
    );
  });
});
