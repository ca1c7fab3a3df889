/**
 * `securevod worker`: transcoding scaled out of the API process. A server started with
 * `--roles api` accepts the upload but never transcodes; a separate worker process on the same
 * data dir takes the job from the shared queue and the video reaches Normal.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeClip } from '../support/media.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';
import { waitForStatus, type VideoInfo } from '../support/vod-upload.js';
import { ROOT_KEY_ENV, runCli, startWorkerProcess, type WorkerProcess } from './cli-process.js';

describe('securevod worker', () => {
  let server: ServerProcess;
  let worker: WorkerProcess | undefined;
  let dataDir: string;
  let clip: string;

  before(async () => {
    dataDir = await makeDataDir();
    clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: 2, width: 320, height: 180 });
    server = await startServerProcess({ dataDir, args: ['--roles', 'api'] });
  });

  after(async () => {
    await worker?.stop();
    await server?.stop();
    await removeDir(dataDir);
  });

  test('an upload to an API-only server is transcoded by a separate worker process', async () => {
    const uploaded = await runCli(['upload', clip, '--json', '--endpoint', server.url], {
      cwd: dataDir,
      env: ROOT_KEY_ENV,
    });
    assert.equal(uploaded.code, 0, uploaded.stderr);
    const { videoId } = JSON.parse(uploaded.stdout) as { videoId: string };

    // The API process has no worker: the job waits in the queue.
    const vod = vodClient(server.url);
    await new Promise((r) => setTimeout(r, 1500));
    const waiting = (await vod.request<{ Video: VideoInfo }>('GetVideoInfo', { VideoId: videoId })).Video;
    assert.equal(waiting.Status, 'UploadSucc');

    worker = await startWorkerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
    const health = await fetch(`${worker.url}/healthz`);
    assert.equal(health.status, 200);
    const rpc = await fetch(`${worker.url}/?Action=GetVideoInfo`);
    assert.equal(rpc.status, 404, 'the worker serves no API');

    const done = await waitForStatus(vod, videoId, ['Normal', 'TranscodeFail'], 30_000);
    assert.equal(done.Status, 'Normal', done.StatusReason);
    assert.ok(worker.output().includes('"roles":["worker"]'));
    assert.equal(await worker.stop(), 0, 'SIGTERM stops the worker cleanly');
    worker = undefined;
  });

  test('worker configuration errors exit 2 with the setting named', async () => {
    const result = await runCli(['worker', '--data-dir', dataDir, '--port', 'eighty'], { cwd: dataDir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /securevod worker: invalid configuration:/);
    assert.match(result.stderr, /--port \/ SECUREVOD_PORT: "eighty" is not a port number/);
  });
});
