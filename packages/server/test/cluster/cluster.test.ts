/**
 * The multi-node test (issue 10 "Must show"): separate `securevod server` processes on their own
 * ports — nodes A and B with roles api,keys,media, two worker-only nodes — sharing one PostgreSQL
 * schema, one S3 bucket (s3rver), one test-owned Redis and one key-ring directory
 * (support/cluster.ts). One cluster serves the whole file, in order:
 *
 * 1. A video uploaded through A with ali-oss is transcoded by a worker node with private
 *    encryption; the SDK in Chromium, on a page of another origin, plays it through B.
 * 2. Catalogue, keys and the key-delivery audit log read the same from A and B.
 * 3. A Secure download through B opens with `securevod offline decrypt`.
 * 4. Cross-node: a v1 request replayed to B → SignatureNonceUsed; an AccessKey disabled on A is
 *    refused by B within a second; a download secret revoked on A gets no new package from B
 *    within a second.
 * 5. Every node's PostgreSQL connections are terminated: both API nodes keep answering.
 * 6. Faults: the worker holding a transcode is SIGKILLed once it has stored output in S3 → the
 *    other worker finishes it, TranscodeComplete is announced once, and the bucket holds exactly
 *    the published job's objects; S3 is stopped for 10 s mid-transcode → retried, then Normal.
 * 7. The workers are stopped, two uploads queue their jobs, and the redis-server is killed with
 *    SIGKILL and restarted (append-only file): a new worker node transcodes both, each announced
 *    once, and signed calls with their replay check work again on both API nodes.
 * 8. Plaintext scan (plaintext-scan.ts): no data key, period key, download secret, AppDecryptKey
 *    or AccessKey secret in the bucket, a pg_dump of the schema, a DUMP of every Redis key, any
 *    node's log, or any live node's /metrics.
 *
 * Closer to the adapters: Redis killed under a busy queue (test/redis/bullmq-faults.test.ts) and
 * PostgreSQL connections dropped mid-statement and mid-transaction
 * (test/store/postgres-resilience.test.ts).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { openLocalKms } from '../../src/kms/local-kms.js';
import { ROOT_KEY_ENV, runCli } from '../cli/cli-process.js';
import { filesUnder } from '../e2e/e2e-helpers.js';
import { launchChromium, newPage } from '../support/browser.js';
import { startCluster, type Cluster, type ClusterNode } from '../support/cluster.js';
import { fatalErrors, startSdkPlayer } from '../support/customer-site.js';
import { addGroup, encryptedTemplate } from '../support/fixtures.js';
import { decodeVideo, makeClip } from '../support/media.js';
import { signedUrl, within } from '../support/multi-node.js';
import { TEST_ROOT_KEY } from '../support/server-process.js';
import { popError, vodClient } from '../support/vod-client.js';
import { createUpload, ossClientFor, waitForStatus } from '../support/vod-upload.js';
import {
  closeServer,
  firstOutput,
  startReceiver,
  startSite,
  strayObjects,
  transcodeHolder,
  type PlayInfoResponse,
} from './cluster-helpers.js';
import {
  downloadSecret,
  dumpRedis,
  dumpSchema,
  findSecrets,
  textSecret,
  videoKeys,
  type Secret,
} from './plaintext-scan.js';

const APP = 'com.example.cluster';
const APP_DECRYPT_KEY = 'ClusterKey0123456789abcd';

describe('cluster: 2 API nodes + 2 worker nodes on PostgreSQL, S3 and Redis', () => {
  let cluster: Cluster;
  let a: ClusterNode;
  let b: ClusterNode;
  let site: Awaited<ReturnType<typeof startSite>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let browser: Browser | undefined;
  let clip: string;
  let longClip: string;
  let clipFrames: number;
  let standardGroup: string;
  const videos = { private: '', standard: '', killed: '', s3Outage: '', queued1: '', queued2: '' };
  /** Secrets the test saw or used (besides the derived video keys). */
  const seen: Secret[] = [textSecret('root AccessKey secret', TEST_ROOT_KEY.accessKeySecret)];

  before(async () => {
    [site, receiver] = await Promise.all([startSite(), startReceiver()]);
    cluster = await startCluster({
      env: {
        SECUREVOD_CORS_ORIGINS: site.origin,
        // A killed worker's job is back in the queue within seconds (BullMQ's stalled check).
        SECUREVOD_JOB_LEASE_MS: '4000',
        // The callback receiver is on 127.0.0.1.
        SECUREVOD_ALLOW_PRIVATE_OUTBOUND: '1',
      },
      nodes: [
        { name: 'a', roles: 'api,keys,media' },
        { name: 'b', roles: 'api,keys,media' },
        { name: 'worker-1', roles: 'worker' },
        { name: 'worker-2', roles: 'worker' },
      ],
    });
    a = cluster.node('a');
    b = cluster.node('b');
    clip = join(cluster.dir, 'clip.mp4');
    longClip = join(cluster.dir, 'long.mp4');
    await Promise.all([
      makeClip(clip, { seconds: 6, width: 320, height: 240 }),
      makeClip(longClip, { seconds: 16, width: 640, height: 360 }),
    ]);
    clipFrames = (await decodeVideo(clip)).frames;
    await vodClient(a.url).request('SetMessageCallback', { CallbackURL: receiver.url, EventTypeList: 'ALL' });
  });

  after(async () => {
    await browser?.close();
    await cluster?.close();
    await closeServer(site?.server);
    await closeServer(receiver?.server);
  });

  /** Uploads through node A with ali-oss; returns the VideoId without waiting. */
  async function upload(file: string, groupId: string, title: string): Promise<string> {
    const ticket = await createUpload(vodClient(a.url), {
      Title: title,
      FileName: 'clip.mp4',
      TemplateGroupId: groupId,
    });
    assert.equal(new URL(ticket.address.Endpoint).port, new URL(a.url).port, 'the upload goes to node A');
    await ossClientFor(ticket).put(ticket.address.FileName, file);
    return ticket.videoId;
  }

  async function normal(videoId: string, timeoutMs = 120_000): Promise<void> {
    const video = await waitForStatus(vodClient(a.url), videoId, ['Normal', 'TranscodeFail'], timeoutMs);
    assert.equal(video.Status, 'Normal', video.StatusReason);
  }

  test('a video uploaded through A with ali-oss is transcoded with private encryption by a worker node', async () => {
    const vodA = vodClient(a.url);
    const privateGroup = await addGroup(vodA, 'private', [
      encryptedTemplate('SD', 240, 'AliyunVoDEncryption', 2),
    ]);
    standardGroup = await addGroup(vodA, 'standard', [encryptedTemplate('SD', 240, 'HLSEncryption', 2)]);
    videos.private = await upload(clip, privateGroup, 'private lesson');
    videos.standard = await upload(clip, standardGroup, 'standard lesson');
    await Promise.all([normal(videos.private), normal(videos.standard)]);

    const workers = cluster.nodes.filter((n) => n.roles === 'worker');
    const ran = workers.filter((w) => w.output().includes('"msg":"job completed"'));
    assert.ok(ran.length >= 1, 'a worker node ran the transcodes');
    for (const api of [a, b])
      assert.ok(!api.output().includes('"jobType":"transcode"'), `${api.name} ran no job`);
    for (const name of ['a', 'b', 'worker-1', 'worker-2']) {
      assert.ok(
        !existsSync(join(cluster.dir, `node-${name}`, 'storage')),
        `node ${name} stores nothing locally`,
      );
    }
    const stored = await filesUnder(join(cluster.s3.directory, cluster.bucket, 'videos', videos.private));
    assert.ok(stored.length > 0, 'the renditions are in the bucket');
  });

  test('the SDK in Chromium, on a page of another origin, plays it through node B', async () => {
    browser = await launchChromium();
    const page = await newPage(browser);
    const origins = new Set<string>();
    page.on('request', (request) => origins.add(new URL(request.url()).origin));
    try {
      await page.goto(`${site.origin}/page.html`);
      await page.addScriptTag({ url: `${b.url}/sdk/securevod-player.js` });
      const { PlayAuth } = await vodClient(b.url).request<{ PlayAuth: string }>('GetVideoPlayAuth', {
        VideoId: videos.private,
        AuthInfoTimeout: '600',
      });
      await startSdkPlayer(page, { vid: videos.private, playAuth: PlayAuth });
      await page.waitForFunction(
        () => {
          const v = document.getElementById('v') as HTMLVideoElement;
          if (v.paused && v.readyState >= 2) void v.play().catch(() => undefined);
          return v.currentTime > 3;
        },
        undefined,
        { timeout: 60_000, polling: 200 },
      );
      assert.deepEqual(await fatalErrors(page), []);
      assert.deepEqual(
        [...origins].sort(),
        [b.url, site.origin].sort(),
        'the page talked to node B only (SDK, play info, playlists, segments, keys)',
      );
    } finally {
      await page.close();
    }
  });

  test('catalogue, keys and the key-delivery audit log are the same from A and B', async () => {
    const [vodA, vodB] = [vodClient(a.url), vodClient(b.url)];
    const info = (vod: typeof vodA, id: string) =>
      vod.request<{ Video: Record<string, unknown> }>('GetVideoInfo', { VideoId: id });
    // Each node signs the cover's URL with its own public address: the same object, another host.
    const sameHost = (video: object): object => ({
      ...video,
      CoverURL:
        'CoverURL' in video && typeof video.CoverURL === 'string'
          ? new URL(video.CoverURL).pathname
          : undefined,
    });
    for (const id of [videos.private, videos.standard]) {
      const [fromA, fromB] = await Promise.all([info(vodA, id), info(vodB, id)]);
      assert.deepEqual(sameHost(fromB.Video), sameHost(fromA.Video));
    }
    const list = (vod: typeof vodA) =>
      vod.request<{ Total: number; VideoList: { Video: { VideoId: string; Status: string }[] } }>(
        'GetVideoList',
        {},
      );
    const [listA, listB] = await Promise.all([list(vodA), list(vodB)]);
    assert.equal(listA.Total, 2);
    assert.deepEqual(listB.VideoList.Video.map(sameHost), listA.VideoList.Video.map(sameHost));

    // The same standard-encryption key, whichever node is asked.
    const keyOf = async (node: ClusterNode) => {
      const res = await vodClient(node.url).request<PlayInfoResponse>('GetPlayInfo', {
        VideoId: videos.standard,
      });
      const playlistUrl = res.PlayInfoList.PlayInfo[0]!.PlayURL;
      assert.ok(playlistUrl.startsWith(node.url), playlistUrl);
      const playlist = await (await fetch(playlistUrl)).text();
      const uri = /#EXT-X-KEY:[^\n]*URI="([^"]+)"/.exec(playlist)?.[1];
      assert.ok(uri, playlist);
      const res2 = await fetch(new URL(uri, playlistUrl));
      assert.equal(res2.status, 200);
      return Buffer.from(await res2.arrayBuffer());
    };
    const [keyA, keyB] = [await keyOf(a), await keyOf(b)];
    assert.equal(keyA.length, 16);
    assert.deepEqual(keyB, keyA);
    seen.push({ label: 'HLS key fetched from the key service', bytes: keyA });

    // Deliveries made by B (the browser) and by A and B (just now), listed alike by both nodes.
    type Deliveries = { Total: number; KeyDeliveryList: { KeyDelivery: Record<string, unknown>[] } };
    const audit = (vod: typeof vodA, id: string) =>
      vod.request<Deliveries>('ListKeyDeliveries', { VideoId: id, PageSize: '100' });
    await within(10_000, 'both key deliveries of the standard video audited', async () => {
      return (await audit(vodA, videos.standard)).Total >= 2;
    });
    for (const id of [videos.private, videos.standard]) {
      const [fromA, fromB] = await Promise.all([audit(vodA, id), audit(vodB, id)]);
      assert.ok(fromA.Total >= 1, `deliveries of ${id} are audited`);
      assert.deepEqual({ ...fromB, RequestId: '' }, { ...fromA, RequestId: '' });
    }
  });

  test('a Secure download through B opens with `securevod offline decrypt`', async () => {
    await vodClient(a.url).request('SetCustomerConfig', { DownloadSwitch: 'on', DownloadMode: 'Secure' });
    const cli = (args: string[], env: Record<string, string> = {}) =>
      runCli(args, { cwd: cluster.dir, env: { ...ROOT_KEY_ENV, ...env } });
    const registered = await cli(
      [
        'keys',
        'register',
        '--app-identification',
        APP,
        '-o',
        join(cluster.dir, 'key.dat'),
        '--endpoint',
        a.url,
      ],
      { SECUREVOD_APP_DECRYPT_KEY: APP_DECRYPT_KEY },
    );
    assert.equal(registered.code, 0, registered.stderr);
    const pkg = join(cluster.dir, 'lesson.svpk');
    const downloaded = await cli([
      'download',
      videos.private,
      '-o',
      pkg,
      '--app-identification',
      APP,
      '--endpoint',
      b.url,
    ]);
    assert.equal(downloaded.code, 0, downloaded.stderr);
    const out = join(cluster.dir, 'lesson.mp4');
    const decrypted = await cli(
      [
        'offline',
        'decrypt',
        pkg,
        '-o',
        out,
        '--key-file',
        join(cluster.dir, 'key.dat'),
        '--app-identification',
        APP,
      ],
      { SECUREVOD_APP_DECRYPT_KEY: APP_DECRYPT_KEY },
    );
    assert.equal(decrypted.code, 0, decrypted.stderr);
    assert.equal((await decodeVideo(out)).frames, clipFrames, 'every frame of the source');
    seen.push(await downloadSecret(join(cluster.dir, 'key.dat'), APP, APP_DECRYPT_KEY));
    seen.push(textSecret('AppDecryptKey', APP_DECRYPT_KEY));
  });

  test('a v1-signed request accepted by A and replayed to B: SignatureNonceUsed', async () => {
    const url = await signedUrl(a.url, 'GetVideoList');
    assert.equal((await fetch(url)).status, 200);
    const replay = await fetch(url.replace(a.url, b.url));
    assert.equal(replay.status, 400);
    assert.equal(((await replay.json()) as { Code: string }).Code, 'SignatureNonceUsed');
  });

  test('an AccessKey disabled on A is refused by B within a second', async () => {
    const created = await vodClient(a.url).request<{
      AccessKey: { AccessKeyId: string; AccessKeySecret: string };
    }>('CreateAccessKey', {});
    const key = {
      accessKeyId: created.AccessKey.AccessKeyId,
      accessKeySecret: created.AccessKey.AccessKeySecret,
    };
    seen.push(textSecret('created AccessKey secret', key.accessKeySecret));
    await vodClient(b.url, key).request('GetVideoList', {}); // B now holds it
    await vodClient(a.url).request('UpdateAccessKey', {
      UserAccessKeyId: key.accessKeyId,
      Status: 'Inactive',
    });
    await within(1000, 'B refusing the disabled key', async () => {
      const error = await popError(vodClient(b.url, key).request('GetVideoList', {})).catch(() => undefined);
      return error?.code === 'InvalidAccessKeyId.Inactive';
    });
  });

  test('a download secret revoked on A gets no new package from B within a second', async () => {
    const packageStatus = async () => {
      const { PlayAuth } = await vodClient(b.url).request<{ PlayAuth: string }>('GetVideoPlayAuth', {
        VideoId: videos.standard,
      });
      const url = new URL(`${b.url}/download/${videos.standard}`);
      url.searchParams.set('PlayAuth', PlayAuth);
      url.searchParams.set('AppIdentification', APP);
      const res = await fetch(url);
      const body = res.status === 200 ? undefined : ((await res.json()) as { Code: string });
      if (res.status === 200) await res.body?.cancel();
      return { status: res.status, code: body?.Code };
    };
    assert.equal((await packageStatus()).status, 200, 'B hands out packages while the secret is active');
    await vodClient(a.url).request('RevokeDownloadSecretKey', { AppIdentification: APP, SecretVersion: '1' });
    let last: { status: number; code?: string } | undefined;
    await within(1000, 'B refusing packages for the revoked secret', async () => {
      last = await packageStatus();
      return last.status !== 200;
    });
    assert.deepEqual(last, { status: 403, code: 'Forbidden.AppNotRegistered' });
  });

  test('every PostgreSQL connection of the nodes is terminated: A and B keep answering', async () => {
    // Both nodes have just used their pools (idle connections are closed after 10 s).
    await Promise.all([a, b].map((node) => vodClient(node.url).request('GetVideoList', {})));
    assert.ok((await cluster.terminateConnections()) >= 2, 'the nodes had connections to terminate');
    for (const node of [a, b]) {
      const list = await vodClient(node.url).request<{ Total: number }>('GetVideoList', {});
      assert.equal(list.Total, 2, `${node.name} answers from PostgreSQL`);
    }
  });

  /** Worker nodes SIGKILLed or stopped by the tests. */
  const killed = new Set<ClusterNode>();

  const events = (videoId: string, type: string) =>
    receiver.events.filter((e) => e.VideoId === videoId && e.EventType === type);

  test('SIGKILL of the worker holding a transcode: the other finishes it, Normal once, no stray objects', async () => {
    videos.killed = await upload(longClip, standardGroup, 'killed worker');
    const { worker, jobId } = await transcodeHolder(cluster, killed);
    await firstOutput(cluster, videos.killed, jobId);
    await worker.kill9();
    killed.add(worker);
    const survivor = cluster.nodes.find((n) => n.roles === 'worker' && n !== worker)!;
    const status = await vodClient(a.url).request<{ Video: { Status: string } }>('GetVideoInfo', {
      VideoId: videos.killed,
    });
    assert.equal(status.Video.Status, 'Transcoding', 'killed before it could publish');

    await normal(videos.killed);
    // The video is Normal when the publish commits; the queue records the job a moment later.
    const retried = new RegExp(`"jobId":"[^"]*","jobType":"transcode","attempt":2[^\\n]*job completed`);
    await within(10_000, 'the survivor logging attempt 2 completed', async () =>
      retried.test(survivor.output()),
    );
    await within(
      10_000,
      'TranscodeComplete announced',
      async () => events(videos.killed, 'TranscodeComplete').length > 0,
    );
    await sleep(1000); // a second announcement would have arrived by now
    assert.equal(events(videos.killed, 'TranscodeComplete').length, 1, 'Normal exactly once');
    const { jobIds, stray } = await strayObjects(cluster, videos.killed);
    assert.deepEqual(jobIds, [jobId], 'the retried job published under its own prefix');
    assert.deepEqual(stray, [], 'no stray objects under the job prefix');
    const files = await cluster.s3.bucketFiles(cluster.bucket);
    assert.deepEqual(
      files.filter((f) => f.includes('#staging')),
      [],
      'no staging objects',
    );
    assert.deepEqual(await cluster.s3.pendingUploads(cluster.bucket), [], 'no unfinished multipart uploads');
    const played = await vodClient(b.url).request<PlayInfoResponse>('GetPlayInfo', {
      VideoId: videos.killed,
    });
    const frames = (await decodeVideo(played.PlayInfoList.PlayInfo[0]!.PlayURL)).frames;
    assert.equal(frames, (await decodeVideo(longClip)).frames, 'every frame plays');
  });

  test('S3 stopped for 10 s during a transcode: the job is retried, then Normal', async () => {
    videos.s3Outage = await upload(longClip, standardGroup, 's3 outage');
    const { worker, jobId } = await transcodeHolder(cluster, killed);
    await firstOutput(cluster, videos.s3Outage, jobId);
    await cluster.s3.pause();
    try {
      await sleep(10_000);
    } finally {
      await cluster.s3.resume();
    }
    await normal(videos.s3Outage, 180_000).catch((error: unknown) => {
      // Which node failed, and why: the API nodes' own words.
      const tail = (node: ClusterNode) => `--- node ${node.name} ---\n${node.output().slice(-6000)}`;
      throw new Error(`${String(error)}\n${tail(a)}\n${tail(b)}`);
    });
    assert.match(worker.output(), /job failed; will retry/);
    // The event is queued when the publish commits: it may arrive just after Normal shows.
    await within(
      10_000,
      'TranscodeComplete announced',
      async () => events(videos.s3Outage, 'TranscodeComplete').length > 0,
    );
    await sleep(1000); // a second announcement would have arrived by now
    assert.equal(events(videos.s3Outage, 'TranscodeComplete').length, 1);
    const { stray } = await strayObjects(cluster, videos.s3Outage);
    assert.deepEqual(stray, [], 'no stray objects under the job prefix');
  });

  test('Redis killed with SIGKILL while jobs are queued, then restarted: no job lost', async () => {
    // No worker runs, so the jobs stay queued in Redis while it goes down.
    for (const worker of cluster.nodes.filter((n) => n.roles === 'worker' && !killed.has(n))) {
      await worker.stop();
      killed.add(worker);
    }
    videos.queued1 = await upload(clip, standardGroup, 'queued 1');
    videos.queued2 = await upload(clip, standardGroup, 'queued 2');
    await sleep(1500); // the append-only file is written to disk every second
    await cluster.redis.kill9();
    await within(10_000, 'B reporting Redis down on /readyz', async () => {
      const res = await fetch(`${b.url}/readyz`);
      const body = (await res.json()) as { checks?: Record<string, { status: string }> };
      return res.status === 503 && JSON.stringify(body).includes('redis');
    });
    await sleep(1000);
    await cluster.redis.restart();
    await cluster.startNode({ name: 'worker-3', roles: 'worker' });
    await Promise.all([normal(videos.queued1), normal(videos.queued2)]);
    for (const id of [videos.queued1, videos.queued2]) {
      await within(
        10_000,
        'TranscodeComplete announced',
        async () => events(id, 'TranscodeComplete').length > 0,
      );
      assert.equal(events(id, 'TranscodeComplete').length, 1);
    }
    // Signed calls and their replay check work again on both API nodes.
    const url = await signedUrl(b.url, 'GetVideoList');
    assert.equal((await fetch(url)).status, 200);
    const replay = await fetch(url.replace(b.url, a.url));
    assert.equal(((await replay.json()) as { Code: string }).Code, 'SignatureNonceUsed');
  });

  test('no plaintext key or secret in the bucket, PostgreSQL, Redis, the logs or /metrics', async () => {
    const db = await cluster.openDb();
    const kms = await openLocalKms({ dir: cluster.kmsDir });
    let derived: Secret[];
    try {
      derived = await videoKeys(db, kms, Object.values(videos));
    } finally {
      await kms.close();
      await db.close();
    }
    // The scan must look for something: every video's data key, period keys, and what the test saw.
    assert.equal(derived.filter((s) => s.label.startsWith('data key')).length, Object.keys(videos).length);
    assert.ok(derived.filter((s) => s.label.includes('aes-256-gcm period key')).length >= 2);
    const fetched = seen.find((s) => s.label === 'HLS key fetched from the key service')!;
    assert.ok(
      derived.some((s) => s.bytes.equals(fetched.bytes)),
      'the derivation here gives the keys the key service hands out',
    );
    assert.ok(seen.some((s) => s.label.startsWith('download secret')));
    const secrets = [...derived, ...seen];
    // The scan finds what it looks for, in the encodings it claims.
    const planted = derived.at(-1)!;
    for (const encoding of ['hex', 'base64', 'base64url'] as const) {
      const text = Buffer.from(`{"x":"${planted.bytes.toString(encoding)}"}`);
      assert.deepEqual(findSecrets('planted', text, [planted]), [`planted: ${planted.label}`]);
    }

    const hits: string[] = [];
    const bucketFiles = await cluster.s3.bucketFiles(cluster.bucket);
    assert.ok(bucketFiles.length > 20);
    for (const file of bucketFiles) hits.push(...findSecrets(file, await readFile(file), secrets));

    const dump = await dumpSchema(cluster.databaseUrl, cluster.schema);
    assert.match(dump.toString('utf8'), /CREATE TABLE [^\n]*videos/, 'the dump holds the tables');
    hits.push(...findSecrets('pg_dump', dump, secrets));

    const keys = await dumpRedis(cluster.redis.url);
    assert.ok(keys.length > 0, 'the nodes wrote to Redis');
    for (const { key, dump: bytes } of keys) {
      hits.push(...findSecrets(`redis ${key}`, Buffer.concat([Buffer.from(key), bytes]), secrets));
    }

    for (const node of cluster.nodes.filter((n) => !killed.has(n))) {
      const res = await fetch(`${node.url}/metrics`);
      assert.equal(res.status, 200);
      hits.push(...findSecrets(`${node.name} /metrics`, Buffer.from(await res.text()), secrets));
    }
    for (const node of cluster.nodes)
      hits.push(...findSecrets(`${node.name} log`, Buffer.from(node.output()), secrets));
    assert.deepEqual(hits, []);
  });
});
