/**
 * The key service's hot path (issue 12 item 3), on the real server process: a warm
 * `GET /keys/hls/…` sends no statement to the database — counted from outside through
 * `securevod_db_statements_total` on /metrics — and its audit rows arrive in batched inserts.
 * The lean fast path answers with the same headers fastify gives the route (compared with a HEAD,
 * which fastify serves), and hands errors to fastify, so they keep the one error format.
 *
 * The video is transcoded by a server with every role; the counting runs on a restart without
 * the worker role, whose queue polling would add statements of its own.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addGroup, encryptedTemplate, uploadVideo } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';

type Counts = Record<'select' | 'insert' | 'update' | 'delete' | 'other', number>;

async function statementCounts(server: ServerProcess): Promise<Counts> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const counts: Counts = { select: 0, insert: 0, update: 0, delete: 0, other: 0 };
  for (const kind of Object.keys(counts) as Array<keyof Counts>) {
    const match = new RegExp(`^securevod_db_statements_total\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(text);
    assert.ok(match, `/metrics reports securevod_db_statements_total for ${kind}`);
    counts[kind] = Number(match[1]);
  }
  return counts;
}

const minus = (a: Counts, b: Counts): Counts =>
  Object.fromEntries(Object.keys(a).map((k) => [k, a[k as keyof Counts] - b[k as keyof Counts]])) as Counts;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('key service hot path', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;
  let keyUri: string;
  let videoId: string;

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
    const vod = vodClient(server.url);
    const clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: 2, width: 320, height: 240 });
    const group = await addGroup(vod, 'hot path', [encryptedTemplate('LD', 240, 'HLSEncryption')]);
    videoId = await uploadVideo(vod, clip, group, 'hot path');
    await server.stop();
    server = await startServerProcess({ dataDir, args: ['--roles', 'api,keys,media'] });
    const info = await vodClient(server.url).request<{
      PlayInfoList: { PlayInfo: Array<{ PlayURL: string }> };
    }>('GetPlayInfo', { VideoId: videoId, AuthTimeout: '3600' });
    const playUrl = info.PlayInfoList.PlayInfo[0]!.PlayURL;
    const playlist = await (await fetch(playUrl)).text();
    const uri = /#EXT-X-KEY:[^\n]*URI="([^"]+)"/.exec(playlist)?.[1];
    assert.ok(uri, 'the media playlist names a key URI');
    keyUri = new URL(uri, playUrl).href;
  });

  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  it('serves warm key requests without a database statement, auditing them in batches', async () => {
    const first = await fetch(keyUri); // cold: loads the stream facts and the data key
    assert.equal(first.status, 200);
    await pause(400); // the audit buffer flushes every 200 ms
    const s1 = await statementCounts(server!);
    const s2 = await statementCounts(server!); // what a scrape itself costs (queue depth)
    const idle = minus(s2, s1);

    const requests = 30;
    for (let i = 0; i < requests; i++) {
      const res = await fetch(keyUri, { headers: { 'user-agent': 'hot-path-test' } });
      assert.equal(res.status, 200);
      assert.equal((await res.arrayBuffer()).byteLength, 16);
    }
    await pause(400);
    const s3 = await statementCounts(server!);
    const during = minus(minus(s3, s2), idle);
    assert.deepEqual(
      { select: during.select, update: during.update, delete: during.delete, other: during.other },
      { select: 0, update: 0, delete: 0, other: 0 },
      'warm key requests read and change nothing in the database',
    );
    // SQLite runs the prepared audit INSERT once per row, all of a batch in one transaction.
    assert.equal(during.insert, requests, 'one audit row per delivery, nothing else');

    const audit = await vodClient(server!.url).request<{ Total: number }>('ListKeyDeliveries', {
      VideoId: videoId,
      PageSize: '1',
    });
    assert.equal(audit.Total, requests + 1);
  });

  it('answers with the headers fastify gives the route, and leaves errors to fastify', async () => {
    const origin = { origin: 'https://player.example' };
    const get = await fetch(keyUri, { headers: origin });
    const head = await fetch(keyUri, { method: 'HEAD', headers: origin }); // served by fastify
    assert.equal(get.status, 200);
    assert.equal(head.status, 200);
    const names = (res: Response) =>
      [...res.headers.keys()].filter((n) => !['date', 'keep-alive', 'connection'].includes(n)).sort();
    assert.deepEqual(names(get), names(head));
    for (const name of names(get)) {
      assert.equal(get.headers.get(name), head.headers.get(name), `header ${name}`);
    }
    assert.equal(get.headers.get('access-control-allow-origin'), '*');

    const bad = new URL(keyUri);
    bad.searchParams.set('MtsHlsUriToken', 'not-a-token');
    const refused = await fetch(bad);
    assert.equal(refused.status, 403);
    const body = (await refused.json()) as { RequestId: string; Code: string; Message: string };
    assert.equal(body.Code, 'HlsKeyTokenInvalid');
    assert.ok(body.RequestId && body.Message);
  });
});
