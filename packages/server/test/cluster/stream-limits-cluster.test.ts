/**
 * Issue 13 item 4 in cluster mode: two `securevod server` processes (A: api,keys,media,worker;
 * B: api,keys,media) sharing PostgreSQL, S3 and a test-owned Redis (support/cluster.ts). A viewer's
 * limit of 2 holds across both nodes: sessions opened on A count on B, twelve concurrent
 * GetPlayInfo calls split across A and B admit exactly two, and a session ended by one opened on
 * B is refused its playlist and keys on A — and the reverse.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PlayApi } from '../../../player/src/play-api.js';
import { PlayerError } from '../../../player/src/errors.js';
import { startCluster, type Cluster, type ClusterNode } from '../support/cluster.js';
import { addGroup, encryptedTemplate, uploadVideo } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import { popError, vodClient, type PopError } from '../support/vod-client.js';
import type { PlayInfoResponse } from './cluster-helpers.js';

describe('cluster: concurrent-stream limits hold across two nodes sharing Redis and PostgreSQL', () => {
  let cluster: Cluster;
  let a: ClusterNode;
  let b: ClusterNode;
  let videoId: string;

  before(async () => {
    cluster = await startCluster({
      nodes: [
        { name: 'a', roles: 'api,keys,media,worker' },
        { name: 'b', roles: 'api,keys,media' },
      ],
    });
    a = cluster.node('a');
    b = cluster.node('b');
    const clip = join(cluster.dir, 'clip.mp4');
    await makeClip(clip, { seconds: 4, width: 320, height: 180 });
    const group = await addGroup(vodClient(a.url), 'limited', [
      encryptedTemplate('LD', 180, 'HLSEncryption', 1),
    ]);
    videoId = await uploadVideo(vodClient(a.url), clip, group);
    // Set on A; B reads the same account setting from PostgreSQL.
    await vodClient(a.url).request('SetCustomerConfig', { MaxConcurrentStreams: '2' });
  });

  after(async () => {
    await cluster?.close();
  });

  const playUrl = async (node: ClusterNode, viewer: string) =>
    (
      await vodClient(node.url).request<PlayInfoResponse>('GetPlayInfo', {
        VideoId: videoId,
        ViewerId: viewer,
      })
    ).PlayInfoList.PlayInfo[0]!.PlayURL;

  const refusal = async (call: Promise<unknown>) => {
    const error = await popError(call);
    assert.equal(error.code, 'Forbidden.ConcurrentStreams', error.message);
  };

  /** `url` with its origin replaced by `node`'s. */
  const on = (node: ClusterNode, url: string) => {
    const moved = new URL(url);
    const target = new URL(node.url);
    moved.host = target.host;
    return moved.href;
  };

  async function status(url: string): Promise<[number, string | undefined]> {
    const res = await fetch(url);
    const text = await res.text();
    return [res.status, res.ok ? undefined : (JSON.parse(text) as { Code: string }).Code];
  }

  async function keyUrl(playlistUrl: string): Promise<string> {
    const text = await (await fetch(playlistUrl)).text();
    const uri = /#EXT-X-KEY:[^\n]*URI="([^"]+)"/.exec(text)?.[1];
    assert.ok(uri, `a key URI in ${text}`);
    return new URL(uri, playlistUrl).href;
  }

  test('sessions opened on A and B count together; a third is refused on either node', async () => {
    const viewer = `viewer-${randomUUID()}`;
    await playUrl(a, viewer);
    await playUrl(b, viewer);
    await refusal(playUrl(a, viewer));
    await refusal(playUrl(b, viewer));
    // The SDK path too: a PlayAuth traded at B's /play/info.
    const { PlayAuth } = await vodClient(a.url).request<{ PlayAuth: string }>('GetVideoPlayAuth', {
      VideoId: videoId,
      ViewerId: viewer,
    });
    const error = await new PlayApi({ endpoint: b.url }).playInfo(videoId, PlayAuth).then(
      () => assert.fail('admitted a third session on B'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof PlayerError);
    assert.equal(error.details, 'concurrentStreams');
  });

  test('twelve concurrent GetPlayInfo calls split across A and B admit exactly two', async () => {
    const viewer = `viewer-${randomUUID()}`;
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => playUrl(i % 2 === 0 ? a : b, viewer)),
    );
    const admitted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as PopError).code] : []));
    assert.equal(admitted.length, 2, `admitted ${admitted.length}`);
    assert.deepEqual(new Set(refused), new Set(['Forbidden.ConcurrentStreams']));
  });

  test('with EndOldest, a session ended through B is refused its playlist and keys on A, and the reverse', async () => {
    await vodClient(b.url).request('SetCustomerConfig', { ConcurrentStreamsPolicy: 'EndOldest' });
    const viewer = `viewer-${randomUUID()}`;
    const oldest = await playUrl(a, viewer);
    const oldestKey = await keyUrl(oldest);
    assert.equal((await status(on(b, oldestKey)))[0], 200, 'B serves its key while it is live');
    const second = await playUrl(b, viewer);
    await playUrl(b, viewer); // ends `oldest`
    for (const node of [a, b]) {
      assert.deepEqual(await status(on(node, oldest)), [403, 'Forbidden.ConcurrentStreams']);
      assert.deepEqual(await status(on(node, oldestKey)), [403, 'Forbidden.ConcurrentStreams']);
    }
    await playUrl(a, viewer); // ends `second`, opened on B
    assert.deepEqual(await status(on(b, second)), [403, 'Forbidden.ConcurrentStreams']);
    assert.deepEqual(await status(on(a, second)), [403, 'Forbidden.ConcurrentStreams']);
  });
});
