/**
 * What the cluster test (cluster.test.ts) needs around the cluster itself: a customer's page on
 * another origin, a receiver for the event callbacks, and the S3-side checks of the fault cases
 * (which worker holds a transcode, when its first output is stored, which objects are stray).
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createStreamStore } from '../../src/store/stream-store.js';
import type { Cluster, ClusterNode } from '../support/cluster.js';
import { filesUnder } from '../e2e/e2e-helpers.js';

export interface PlayInfoResponse {
  PlayInfoList: { PlayInfo: { PlayURL: string; Definition: string; Encrypt: number }[] };
}

export interface CallbackEvent {
  EventType: string;
  VideoId: string;
  Status?: string;
}

/** The page of a customer's website, on its own port (another origin than every node). */
export async function startSite(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] === '/page.html') {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><video id="v" muted autoplay></video>');
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Receives the message callbacks (event notifications) the worker nodes send. */
export async function startReceiver(): Promise<{ server: Server; url: string; events: CallbackEvent[] }> {
  const events: CallbackEvent[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      try {
        events.push(JSON.parse(body) as CallbackEvent);
      } catch {
        // not an event
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, events };
}

export const closeServer = (server: Server | undefined) =>
  new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));

/**
 * The running worker node (not in `stopped`) with a transcode in its scratch dir, and that job's
 * id (one transcode runs at a time in these tests; `firstOutput` checks it is the video's).
 */
export async function transcodeHolder(
  cluster: Cluster,
  stopped: ReadonlySet<ClusterNode>,
): Promise<{ worker: ClusterNode; jobId: string }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    for (const worker of cluster.nodes.filter((n) => n.roles === 'worker' && !stopped.has(n))) {
      const names = await readdir(join(cluster.dir, `node-${worker.name}`, 'scratch')).catch(() => []);
      const jobId = names.map((name) => /^job-([0-9a-f]+)-/.exec(name)?.[1]).find(Boolean);
      if (jobId) return { worker, jobId };
    }
    assert.ok(Date.now() < deadline, 'a worker started transcoding');
    await sleep(10);
  }
}

/** Waits until the job has stored part of its output in the bucket. */
export async function firstOutput(cluster: Cluster, videoId: string, jobId: string): Promise<void> {
  const dir = join(cluster.s3.directory, cluster.bucket, 'videos', videoId, 'hls', jobId);
  const deadline = Date.now() + 60_000;
  while ((await filesUnder(dir)).length === 0) {
    assert.ok(Date.now() < deadline, 'packaging stored its first object');
    await sleep(2);
  }
}

/** Objects under the video's job prefixes that no published stream or master playlist names. */
export async function strayObjects(
  cluster: Cluster,
  videoId: string,
): Promise<{ jobIds: string[]; stray: string[] }> {
  const db = await cluster.openDb();
  try {
    const streams = await createStreamStore(db).listForVideo(videoId);
    const jobIds = [...new Set(streams.map((s) => s.jobId))];
    const hls = join(cluster.s3.directory, cluster.bucket, 'videos', videoId, 'hls');
    const objects = (await filesUnder(hls))
      .filter((f) => f.endsWith('._S3rver_object'))
      .map((f) => `videos/${videoId}/hls/${f.slice(0, -'._S3rver_object'.length)}`);
    const referenced = new Set<string>();
    for (const stream of streams) {
      referenced.add(stream.playlistKey);
      const playlist = await readFile(
        join(cluster.s3.directory, cluster.bucket, `${stream.playlistKey}._S3rver_object`),
        'utf8',
      );
      for (const line of playlist.split('\n')) {
        if (line && !line.startsWith('#')) referenced.add(`${stream.storagePrefix}${line.trim()}`);
        const map = /#EXT-X-MAP:URI="([^"]+)"/.exec(line)?.[1];
        if (map) referenced.add(`${stream.storagePrefix}${map}`);
      }
      referenced.add(`videos/${videoId}/hls/${stream.jobId}/master.m3u8`);
    }
    return { jobIds, stray: objects.filter((key) => !referenced.has(key)) };
  } finally {
    await db.close();
  }
}
