/**
 * The leak detector through the real server (another process), with pop-core and ali-oss:
 * a 2-minute traced source (640×360, 1 s segments), leaks uploaded like any video, and
 * SubmitDigitalWatermarkExtractJob / GetDigitalWatermarkExtractResult (issue 13, "Must show").
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type RPCClient from '@alicloud/pop-core';
import { expectApiError, sleep } from '../e2e/e2e-helpers.js';
import { addGroup, encryptedTemplate, uploadVideo } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';
import { createUpload, ossClientFor, waitForStatus } from '../support/vod-upload.js';
import { ROOT_KEY_ENV, runCli } from '../cli/cli-process.js';

const run = promisify(execFile);

/** A traced template (our extension `TraceWatermark`), 1 s segments by default. */
function tracedTemplate(definition: string, height: number, encryptType: string) {
  return { ...encryptedTemplate(definition, height, encryptType), TraceWatermark: { Enabled: 'true' } };
}
const SOURCE_SECONDS = 120;
/** The leak attack of the issue: 480p, CRF 30, 8 px cropped from each edge, first 10 s trimmed. */
const ATTACK = [
  '-ss',
  '10',
  '-vf',
  'scale=-2:480,crop=iw-16:ih-16',
  '-c:v',
  'libx264',
  '-preset',
  'ultrafast',
  '-crf',
  '30',
];

export interface ExtractResult {
  JobId: string;
  Status: string;
  WaterMarkText: string;
  ErrorMessage: string;
  CreateTime: string;
  ModifyTime: string;
  TraceReport?: {
    Verdict: string;
    SegmentsUsed: number;
    OffsetSeconds: number;
    AlignmentCorrelation: number;
    CandidatesScored: number;
    Score: { TraceId: string; Agreements: number; Bits: number } | null;
    Threshold: { MaxPValue: number; AgreementsNeeded: number | null };
    TopCandidates: { TraceId: string }[];
  };
}

/** Uploads a leak like any video (ali-oss), without transcoding it; returns its MediaId. */
export async function uploadLeak(vod: RPCClient, file: string, title = 'leak'): Promise<string> {
  const ticket = await createUpload(vod, {
    Title: title,
    FileName: 'leak.mp4',
    TemplateGroupId: 'VOD_NO_TRANSCODE',
  });
  await ossClientFor(ticket).put(ticket.address.FileName, file);
  await waitForStatus(vod, ticket.videoId, ['UploadSucc']);
  return ticket.videoId;
}

/** Submits an extraction and polls GetDigitalWatermarkExtractResult until it is done. */
export async function extract(
  vod: RPCClient,
  mediaId: string,
  sourceVideoId: string,
): Promise<ExtractResult> {
  const { JobId } = await vod.request<{ JobId: string }>(
    'SubmitDigitalWatermarkExtractJob',
    { MediaId: mediaId, ExtractType: 'TraceMark', SourceVideoId: sourceVideoId },
    { method: 'POST' },
  );
  const deadline = Date.now() + 180_000;
  for (;;) {
    const { AiExtractResultList } = await vod.request<{ AiExtractResultList: ExtractResult[] }>(
      'GetDigitalWatermarkExtractResult',
      { MediaId: mediaId, ExtractType: 'TraceMark', JobId },
    );
    assert.equal(AiExtractResultList.length, 1);
    const result = AiExtractResultList[0]!;
    assert.equal(result.JobId, JobId);
    if (result.Status !== 'Processing') return result;
    if (Date.now() > deadline) throw new Error(`extraction ${JobId} still processing`);
    await sleep(500);
  }
}

/** The SD PlayURL GetPlayInfo hands a session with `Trace` (issues and records the trace ID). */
async function playUrl(vod: RPCClient, videoId: string, trace: string): Promise<string> {
  const { PlayInfoList } = await vod.request<{ PlayInfoList: { PlayInfo: Array<{ PlayURL: string }> } }>(
    'GetPlayInfo',
    { VideoId: videoId, DigitalWatermarkType: 'TraceMark', Trace: trace, Formats: 'm3u8' },
  );
  return PlayInfoList.PlayInfo[0]!.PlayURL;
}

/** ffmpeg as the session's player: it fetches the playlist, keys and segments through the server. */
const PLAYER_INPUT = ['-protocol_whitelist', 'http,tcp,crypto,hls,data'];

describe('leak detection through the server', () => {
  let server: ServerProcess;
  let dataDir: string;
  let vod: RPCClient;
  let sourceId: string;
  let sourceClip: string;

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
    vod = vodClient(server.url);
    sourceClip = join(dataDir, 'source.mp4');
    await makeClip(sourceClip, { seconds: SOURCE_SECONDS, width: 640, height: 360 });
    const group = await addGroup(vod, 'traced', [tracedTemplate('SD', 360, 'HLSEncryption')]);
    sourceId = await uploadVideo(vod, sourceClip, group, 'traced source');
  });
  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  test('the extraction actions validate with the API codes, naming the field', async () => {
    const submit = (params: Record<string, string>) =>
      vod.request('SubmitDigitalWatermarkExtractJob', params, { method: 'POST' });
    await expectApiError(
      submit({ ExtractType: 'TraceMark', SourceVideoId: sourceId }),
      'MissingParameter',
      400,
      /MediaId/,
    );
    await expectApiError(
      submit({ MediaId: sourceId, SourceVideoId: sourceId }),
      'MissingParameter',
      400,
      /ExtractType/,
    );
    await expectApiError(
      submit({ MediaId: sourceId, ExtractType: 'TraceMark' }),
      'MissingParameter',
      400,
      /SourceVideoId/,
    );
    await expectApiError(
      submit({ MediaId: sourceId, ExtractType: 'Other', SourceVideoId: sourceId }),
      'InvalidParameter',
      400,
      /ExtractType/,
    );
    await expectApiError(
      submit({ MediaId: sourceId, ExtractType: 'CopyrightMark', SourceVideoId: sourceId }),
      'InvalidParameter',
      400,
      /ExtractType.*TraceMark/,
    );
    await expectApiError(
      submit({ MediaId: 'nosuchvideo', ExtractType: 'TraceMark', SourceVideoId: sourceId }),
      'InvalidVideo.NotFound',
      404,
    );
    await expectApiError(
      submit({ MediaId: sourceId, ExtractType: 'TraceMark', SourceVideoId: 'nosuchvideo' }),
      'InvalidVideo.NotFound',
      404,
    );
    const untracedGroup = await addGroup(vod, 'plain', [encryptedTemplate('LD', 180)]);
    const untraced = await uploadVideo(vod, sourceClip, untracedGroup, 'untraced');
    await expectApiError(
      submit({ MediaId: sourceId, ExtractType: 'TraceMark', SourceVideoId: untraced }),
      'InvalidVideo.NoneStream',
      404,
      /SourceVideoId/,
    );
    await expectApiError(
      vod.request('GetDigitalWatermarkExtractResult', { MediaId: sourceId }),
      'MissingParameter',
      400,
      /ExtractType/,
    );
    const none = await vod.request<{ AiExtractResultList: unknown[] }>('GetDigitalWatermarkExtractResult', {
      MediaId: sourceId,
      ExtractType: 'TraceMark',
      JobId: 'nosuchjob',
    });
    assert.deepEqual(none.AiExtractResultList, []);
  });

  test("a session's stream, re-encoded at 480p, cropped and trimmed, names exactly its trace ID (ali-oss + pop-core)", async () => {
    // 200 trace IDs issued for the source, as 200 viewers' GetPlayInfo calls would.
    const urls = new Map<string, string>();
    for (let i = 0; i < 200; i++) urls.set(`viewer${i}`, await playUrl(vod, sourceId, `viewer${i}`));
    const leak = join(dataDir, 'leak117.mp4');
    await run('ffmpeg', [
      '-y',
      '-v',
      'error',
      ...PLAYER_INPUT,
      '-i',
      urls.get('viewer117')!,
      ...ATTACK,
      '-an',
      leak,
    ]);
    const result = await extract(vod, await uploadLeak(vod, leak), sourceId);
    assert.equal(result.Status, 'Success', result.ErrorMessage);
    assert.equal(result.WaterMarkText, 'viewer117');
    const report = result.TraceReport!;
    assert.equal(report.Verdict, 'Match');
    assert.equal(report.CandidatesScored, 200);
    assert.ok(Math.abs(report.OffsetSeconds - 10) <= 0.1, `offset ${report.OffsetSeconds}`);
    assert.ok(report.SegmentsUsed >= 100, `${report.SegmentsUsed} segments`);
    assert.ok(report.Score!.Agreements >= report.Threshold.AgreementsNeeded!);
    assert.equal(report.TopCandidates[0]!.TraceId, 'viewer117');

    // A splice of two sessions' segments, half and half: one of the two, never a third.
    const splice = join(dataDir, 'splice.mp4');
    await run('ffmpeg', [
      '-y',
      '-v',
      'error',
      ...PLAYER_INPUT,
      '-i',
      urls.get('viewer40')!,
      ...PLAYER_INPUT,
      '-i',
      urls.get('viewer41')!,
      '-filter_complex',
      '[0:v]trim=0:60,setpts=PTS-STARTPTS[x];[1:v]trim=60:120,setpts=PTS-STARTPTS[y];' +
        '[x][y]concat=n=2:v=1:a=0,scale=-2:480,crop=iw-16:ih-16[v]',
      '-map',
      '[v]',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-crf',
      '30',
      splice,
    ]);
    const spliced = await extract(vod, await uploadLeak(vod, splice, 'splice'), sourceId);
    assert.equal(spliced.Status, 'Success', spliced.ErrorMessage);
    assert.ok(['viewer40', 'viewer41'].includes(spliced.WaterMarkText), `named ${spliced.WaterMarkText}`);
  });

  test('the same re-encode of the clear source, and a different video, give "no match"', async () => {
    const clearLeak = join(dataDir, 'clear-leak.mp4');
    await run('ffmpeg', ['-y', '-v', 'error', '-i', sourceClip, ...ATTACK, '-an', clearLeak]);
    const clear = await extract(vod, await uploadLeak(vod, clearLeak, 'clear leak'), sourceId);
    assert.equal(clear.Status, 'Success', clear.ErrorMessage);
    assert.equal(clear.WaterMarkText, '');
    assert.match(clear.ErrorMessage, /no match/);
    assert.equal(clear.TraceReport!.Verdict, 'NoMatch');
    assert.ok(clear.TraceReport!.AlignmentCorrelation > 0.9, 'it is the same video');
    assert.ok(
      Math.abs(clear.TraceReport!.OffsetSeconds - 10) <= 0.1,
      `offset ${clear.TraceReport!.OffsetSeconds}`,
    );
    assert.match(clear.CreateTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    const otherFile = join(dataDir, 'other.mp4');
    await run('ffmpeg', [
      '-y',
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'mandelbrot=size=640x360:rate=25',
      '-t',
      '60',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      otherFile,
    ]);
    // The same through the CLI: `securevod trace FILE --video ID --json` uploads and runs the job.
    const cli = await runCli(['trace', otherFile, '--video', sourceId, '--json'], {
      cwd: dataDir,
      env: { ...ROOT_KEY_ENV, SECUREVOD_ENDPOINT: server.url },
      timeoutMs: 180_000,
    });
    assert.equal(cli.code, 0, cli.stderr);
    const verdict = JSON.parse(cli.stdout) as { verdict: string; traceId: string | null; message: string };
    assert.equal(verdict.verdict, 'no-match');
    assert.equal(verdict.traceId, null);
    assert.match(verdict.message, /no match/);
  });

  test('a traced Secure download, decrypted with the CLI and re-encoded, is traced to its trace ID', async () => {
    const app = 'com.example.tracer';
    const env = {
      ...ROOT_KEY_ENV,
      SECUREVOD_ENDPOINT: server.url,
      SECUREVOD_APP_DECRYPT_KEY: 'TracerKey0123456789abcdXY',
    };
    const cli = async (args: string[]) => {
      const result = await runCli(args, { cwd: dataDir, env, timeoutMs: 180_000 });
      assert.equal(result.code, 0, `${args[0]}: ${result.stderr}`);
      return result.stdout;
    };
    await vod.request('SetCustomerConfig', { DownloadSwitch: 'on', DownloadMode: 'Secure' });
    await cli(['keys', 'register', '--app-identification', app, '-o', join(dataDir, 'tracer.key')]);
    const pkg = join(dataDir, 'traced.svpk');
    await cli(['download', sourceId, '-o', pkg, '--app-identification', app, '--definition', 'SD']);
    const clear = join(dataDir, 'traced-download.mp4');
    await cli([
      'offline',
      'decrypt',
      pkg,
      '-o',
      clear,
      '--key-file',
      join(dataDir, 'tracer.key'),
      '--app-identification',
      app,
    ]);
    const leak = join(dataDir, 'download-leak.mp4');
    await run('ffmpeg', ['-y', '-v', 'error', '-i', clear, ...ATTACK, '-an', leak]);

    const verdict = JSON.parse(await cli(['trace', leak, '--video', sourceId, '--json'])) as {
      verdict: string;
      traceId: string;
      sessions: { Kind: string }[];
      segmentsUsed: number;
      threshold: { AgreementsNeeded: number };
      score: { Agreements: number };
    };
    assert.equal(verdict.verdict, 'match');
    assert.ok(
      verdict.sessions.some((s) => s.Kind === 'download'),
      `the named trace ID ${verdict.traceId} was issued to the download: ${JSON.stringify(verdict.sessions)}`,
    );
    assert.ok(verdict.score.Agreements >= verdict.threshold.AgreementsNeeded);
  });
});
