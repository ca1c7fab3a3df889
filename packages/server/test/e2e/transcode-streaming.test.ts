/**
 * Issue 12 item 2, against the running server: ffmpeg reads the source from the worker's loopback
 * source endpoint and writes its HLS output to the worker's loopback sink, so
 * (a) no media file (source copy, clear segment, init segment or playlist) ever appears in the
 *     worker's scratch directory while a video is transcoded, watched with fs.watch and readdir
 *     polling;
 * (b) when ffmpeg is killed mid-output, nothing is published (no stream, the video stays
 *     Transcoding and waits for its retry), the job's output prefix is deleted and no scratch
 *     is left.
 */
import assert from 'node:assert/strict';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type RPCClient from '@alicloud/pop-core';
import { openDatabase } from '../../src/store/database.js';
import { createStreamStore } from '../../src/store/stream-store.js';
import { makeClip } from '../support/media.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';
import { createUpload, ossClientFor, waitForStatus, type VideoInfo } from '../support/vod-upload.js';
import { filesUnder, sleep } from './e2e-helpers.js';

/** Media as ffmpeg would write it to disk (and a source copy, which ffmpeg reads over HTTP now). */
const MEDIA_FILE = /\.(m4s|mp4|ts|m3u8|svs|mov|mkv|bin)$/i;
const isOutputMedia = (rel: string): boolean => MEDIA_FILE.test(rel);

const template = (definition: string, height: number) => ({
  Definition: definition,
  Video: { Codec: 'H.264', Bitrate: '400', Height: String(height) },
  Audio: { Codec: 'AAC', Bitrate: '64' },
  Container: { Format: 'm3u8' },
  MuxConfig: { Segment: { Duration: '2' } },
  EncryptSetting: { EncryptType: 'HLSEncryption' },
});

/** Every process below `root` (children, grandchildren…) whose command name is `name`. */
async function descendants(root: number, name: string): Promise<number[]> {
  const parents = new Map<number, { ppid: number; comm: string }>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      if (m) parents.set(Number(entry), { ppid: Number(m[2]), comm: m[1]! });
    } catch {
      // exited meanwhile
    }
  }
  const below = (pid: number): boolean => {
    for (let p = parents.get(pid)?.ppid; p !== undefined && p > 1; p = parents.get(p)?.ppid) {
      if (p === root) return true;
    }
    return false;
  };
  return [...parents].filter(([pid, info]) => info.comm === name && below(pid)).map(([pid]) => pid);
}

function serverPid(server: ServerProcess): number {
  const pid = Number(/"pid":(\d+)/.exec(server.output())?.[1]);
  assert.ok(pid > 0, 'the server logs its pid');
  return pid;
}

describe('transcoding through the loopback HTTP sink', () => {
  let server: ServerProcess;
  let dataDir: string;
  let vod: RPCClient;
  let groupId: string;

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
    vod = vodClient(server.url);
    groupId = (
      await vod.request<{ TranscodeTemplateGroupId: string }>(
        'AddTranscodeTemplateGroup',
        {
          Name: 'streaming',
          TranscodeTemplateList: JSON.stringify([template('SD', 360), template('LD', 240)]),
        },
        { method: 'POST' },
      )
    ).TranscodeTemplateGroupId;
  });

  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  async function upload(file: string): Promise<string> {
    const ticket = await createUpload(vod, {
      Title: 'streaming',
      FileName: 'clip.mp4',
      TemplateGroupId: groupId,
    });
    await ossClientFor(ticket).put(ticket.address.FileName, file);
    return ticket.videoId;
  }

  test('(a) no media file appears in the scratch directory during a transcode', async () => {
    const clip = join(dataDir, 'short.mp4');
    await makeClip(clip, { seconds: 6 });
    const scratch = join(dataDir, 'scratch');
    const seen = new Set<string>();
    const watchers: FSWatcher[] = [];
    const watchDir = (dir: string, rel: string): void => {
      try {
        const w = watch(dir, (_event, name) => {
          if (name) seen.add(rel + name);
          void scan();
        });
        w.on('error', () => undefined);
        watchers.push(w);
      } catch {
        // removed before it could be watched; the poll below still lists it
      }
    };
    const watched = new Set<string>();
    const scan = async (): Promise<void> => {
      const walk = async (dir: string, rel: string): Promise<void> => {
        let entries;
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of entries) {
          seen.add(rel + e.name);
          if (e.isDirectory()) {
            if (!watched.has(rel + e.name)) {
              watched.add(rel + e.name);
              watchDir(join(dir, e.name), `${rel}${e.name}/`);
            }
            await walk(join(dir, e.name), `${rel}${e.name}/`);
          }
        }
      };
      await walk(scratch, '');
    };
    watchDir(scratch, '');
    let polling = true;
    const poller = (async () => {
      while (polling) {
        await scan();
        await sleep(5);
      }
    })();
    try {
      const videoId = await upload(clip);
      const video = await waitForStatus(vod, videoId, ['Normal', 'TranscodeFail']);
      assert.equal(video.Status, 'Normal', String(video.StatusReason));
      // The job removes its scratch directory just after publishing: keep watching until then.
      const deadline = Date.now() + 15_000;
      while ((await filesUnder(scratch)).length > 0 && Date.now() < deadline) await sleep(20);
    } finally {
      polling = false;
      await poller;
      for (const w of watchers) w.close();
    }
    // The watch itself works: it saw the job's scratch directory come and go.
    assert.ok(
      [...seen].some((p) => /^job-[^/]+$/.test(p)),
      `the job's scratch directory was seen: ${[...seen].join(', ')}`,
    );
    assert.deepEqual([...seen].filter(isOutputMedia), [], 'media files in scratch');
    assert.deepEqual(await filesUnder(scratch), [], 'scratch is empty afterwards');
  });

  test('(b) ffmpeg killed mid-output: nothing published, prefix and scratch cleaned', async () => {
    const clip = join(dataDir, 'long.mp4');
    await makeClip(clip, { seconds: 40 });
    const videoId = await upload(clip);
    const hls = join(dataDir, 'storage', 'objects', 'videos', videoId, 'hls');

    // Wait until ffmpeg has sent its first segments and they are stored, then kill it.
    const deadline = Date.now() + 120_000;
    let killed: number[] = [];
    while (killed.length === 0) {
      assert.ok(Date.now() < deadline, 'ffmpeg started writing segments');
      if ((await filesUnder(hls)).some((f) => /seg_\d+\.m4s#?$/.test(f))) {
        killed = await descendants(serverPid(server), 'ffmpeg');
        assert.equal(killed.length, 1, 'one ffmpeg is running for the job');
        process.kill(killed[0]!, 'SIGKILL');
      } else {
        await sleep(20);
      }
    }

    // The attempt fails and the job waits for its retry (10 s backoff).
    let info: VideoInfo | undefined;
    while (!/retrying after/.test(info?.StatusReason ?? '')) {
      assert.ok(Date.now() < deadline, `the attempt failed; last: ${JSON.stringify(info)}`);
      await sleep(100);
      info = (await vod.request<{ Video: VideoInfo }>('GetVideoInfo', { VideoId: videoId })).Video;
    }
    assert.equal(info?.Status, 'Transcoding', 'not published');
    assert.match(String(info?.StatusReason), /SIGKILL/);
    const db = await openDatabase({ sqlitePath: join(dataDir, 'securevod.sqlite') });
    try {
      assert.deepEqual(await createStreamStore(db).listForVideo(videoId), [], 'no stream published');
    } finally {
      await db.close();
    }
    assert.deepEqual(await filesUnder(hls), [], 'the job prefix is deleted');
    assert.deepEqual(await filesUnder(join(dataDir, 'scratch')), [], 'no scratch left');
    assert.deepEqual(await descendants(serverPid(server), 'ffmpeg'), [], 'no ffmpeg left');
  });
});
