/**
 * `securevod upload`, driven as users run it: the real binary against a real server process,
 * results checked through the vendor's own RPC client (pop-core).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeClip } from '../support/media.js';
import {
  makeDataDir,
  removeDir,
  startServerProcess,
  TEST_ROOT_KEY,
  type ServerProcess,
} from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';
import type { VideoInfo } from '../support/vod-upload.js';
import { closedPort, ROOT_KEY_ENV, runCli } from './cli-process.js';

describe('securevod upload', () => {
  let server: ServerProcess;
  let dataDir: string;
  /** The CLI's working directory: empty, so no ./data/root-credentials.json is found by accident. */
  let work: string;
  let clip: string;

  before(async () => {
    dataDir = await makeDataDir();
    work = await makeDataDir('securevod-cli-');
    clip = join(work, 'clip.mp4');
    await makeClip(clip, { seconds: 2, width: 320, height: 180 });
    server = await startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
  });

  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
    await removeDir(work);
  });

  const upload = (args: string[], env: Record<string, string | undefined> = ROOT_KEY_ENV) =>
    runCli(['upload', ...args, '--endpoint', server.url], { cwd: work, env });

  async function videoCount(): Promise<number> {
    const list = await vodClient(server.url).request<{ Total: number }>('GetVideoList', {});
    return list.Total;
  }

  test('upload --wait --json ends Normal, and the server agrees', async () => {
    const result = await upload([clip, '--wait', '--json', '--title', 'CLI clip']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '', '--json writes no progress');
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 1, 'one JSON object on stdout');
    const out = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(out.status, 'Normal');
    assert.equal(out.title, 'CLI clip');
    assert.equal(out.fileName, 'clip.mp4');
    assert.equal(out.size, (await stat(clip)).size);
    assert.match(String(out.videoId), /^[0-9a-f]{32}$/);

    const { Video } = await vodClient(server.url).request<{ Video: VideoInfo & { Title: string } }>(
      'GetVideoInfo',
      { VideoId: String(out.videoId) },
    );
    assert.equal(Video.Status, 'Normal');
    assert.equal(Video.Title, 'CLI clip');
    assert.equal(Video.Size, out.size);
    assert.ok(Math.abs(Video.Duration - 2) < 0.2, `duration ${Video.Duration}`);
  });

  test('a non-video file uploads in parts, reports progress per 10%, and --wait exits 1 with the reason', async () => {
    const noise = join(work, 'noise.mp4');
    await writeFile(noise, randomBytes(9 * 1024 * 1024)); // two 8 MiB parts: multipart upload
    const result = await upload([noise, '--wait']);
    assert.equal(result.code, 1, result.stderr);
    const progress = result.stderrLines.filter((l) => l.startsWith('upload: '));
    assert.ok(progress.length >= 2, result.stderr);
    assert.match(progress.at(-1)!, /^upload: 100% \(9\.0 MiB of 9\.0 MiB\)$/);
    const errors = result.stderrLines.filter((l) => l.startsWith('securevod upload:'));
    assert.equal(errors.length, 1, result.stderr);
    assert.match(errors[0]!, /ended TranscodeFail: .*(could not be read|no video)/);
    assert.equal(result.stderrLines.at(-1), errors[0], 'the reason is the last line');
    assert.equal(result.stdout, '', 'nothing on stdout for a failed video');
  });

  test('a missing AccessKey is one line and exit 1, before any API call', async () => {
    const before = await videoCount();
    const result = await upload([clip], {});
    assert.equal(result.code, 1);
    assert.deepEqual(result.stderrLines, [
      'securevod upload: no AccessKey: set SECUREVOD_ACCESS_KEY_ID and SECUREVOD_ACCESS_KEY_SECRET ' +
        '(or run on the server with data/root-credentials.json)',
    ]);
    assert.equal(await videoCount(), before);
  });

  test('a wrong secret is refused in one line, without echoing the secret', async () => {
    const result = await upload([clip], {
      ...ROOT_KEY_ENV,
      SECUREVOD_ACCESS_KEY_SECRET: 'wrong-secret-123456',
    });
    assert.equal(result.code, 1);
    assert.deepEqual(result.stderrLines, [
      'securevod upload: the server refused the AccessKey (SignatureDoesNotMatch)',
    ]);
    assert.ok(!result.stderr.includes('wrong-secret-123456'));
  });

  test('an unknown AccessKeyId is refused in one line', async () => {
    const result = await upload([clip], { ...ROOT_KEY_ENV, SECUREVOD_ACCESS_KEY_ID: 'SVAKNOSUCHKEY0000000' });
    assert.equal(result.code, 1);
    assert.deepEqual(result.stderrLines, [
      'securevod upload: the server refused the AccessKey (InvalidAccessKeyId.NotFound)',
    ]);
  });

  test('an unreachable endpoint is one line naming it', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const result = await runCli(['upload', clip, '--endpoint', endpoint], { cwd: work, env: ROOT_KEY_ENV });
    assert.equal(result.code, 1);
    assert.equal(result.stderrLines.length, 1, result.stderr);
    assert.equal(
      result.stderrLines[0],
      `securevod upload: cannot reach the securevod server at ${endpoint} (ECONNREFUSED)`,
    );
  });

  test('a missing or unreadable file is one line and exit 1, before any API call', async () => {
    const before = await videoCount();
    const missing = await upload([join(work, 'nope.mp4')]);
    assert.equal(missing.code, 1);
    assert.deepEqual(missing.stderrLines, [
      `securevod upload: cannot read ${join(work, 'nope.mp4')}: no such file`,
    ]);
    const directory = await upload([work]);
    assert.equal(directory.code, 1);
    assert.deepEqual(directory.stderrLines, [`securevod upload: ${work} is not a regular file`]);
    if (process.getuid?.() !== 0) {
      const locked = join(work, 'locked.mp4');
      await writeFile(locked, 'x');
      await chmod(locked, 0o000);
      const unreadable = await upload([locked]);
      assert.equal(unreadable.code, 1);
      assert.deepEqual(unreadable.stderrLines, [
        `securevod upload: cannot read ${locked}: permission denied`,
      ]);
    }
    assert.equal(await videoCount(), before);
  });

  test('on the server machine, data/root-credentials.json is used without setup; --credentials FILE too', async () => {
    const home = join(work, 'server-home');
    await mkdir(join(home, 'data'), { recursive: true });
    await writeFile(join(home, 'data', 'root-credentials.json'), JSON.stringify(TEST_ROOT_KEY));
    // VOD_NO_TRANSCODE: --wait ends at UploadSucc, as nothing will transcode the video.
    const noTranscode = ['--template-group-id', 'VOD_NO_TRANSCODE'];
    const implicit = await runCli(
      ['upload', clip, '--wait', '--json', ...noTranscode, '--endpoint', server.url],
      { cwd: home },
    );
    assert.equal(implicit.code, 0, implicit.stderr);
    const out = JSON.parse(implicit.stdout) as { status: string; templateGroupId: string };
    assert.equal(out.status, 'UploadSucc');
    assert.equal(out.templateGroupId, 'VOD_NO_TRANSCODE');

    const explicit = await runCli(
      [
        'upload',
        clip,
        '--json',
        ...noTranscode,
        '--endpoint',
        server.url,
        '--credentials',
        join(home, 'data', 'root-credentials.json'),
      ],
      { cwd: work, env: { ...ROOT_KEY_ENV, SECUREVOD_ACCESS_KEY_SECRET: 'a-flag-wins-over-env' } },
    );
    assert.equal(explicit.code, 0, explicit.stderr);

    const broken = join(work, 'broken.json');
    await writeFile(broken, '{"accessKeyId": "only"}');
    const bad = await runCli(['upload', clip, '--endpoint', server.url, '--credentials', broken], {
      cwd: work,
    });
    assert.equal(bad.code, 1);
    assert.equal(bad.stderrLines.length, 1);
    assert.match(bad.stderrLines[0]!, /broken\.json is not a credentials file/);
  });

  test('usage errors exit 2', async () => {
    const badEndpoint = await runCli(['upload', clip, '--endpoint', 'ftp://example'], {
      cwd: work,
      env: ROOT_KEY_ENV,
    });
    assert.equal(badEndpoint.code, 2);
    assert.equal(badEndpoint.stderrLines.length, 1);
    assert.match(
      badEndpoint.stderrLines[0]!,
      /--endpoint \/ SECUREVOD_ENDPOINT: "ftp:\/\/example" must be an http/,
    );
    const noFile = await runCli(['upload'], { cwd: work, env: ROOT_KEY_ENV });
    assert.equal(noFile.code, 2);
    assert.match(noFile.stderr, /missing required argument 'file'/);
  });
});
