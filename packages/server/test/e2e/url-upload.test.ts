/**
 * URL pull upload (reference-more §6) and the outbound policy (issue 11 item 9) against running
 * servers, through pop-core, with a real origin HTTP server and a real callback receiver:
 *
 * - server A allows private destinations (SECUREVOD_ALLOW_PRIVATE_OUTBOUND=1, as tests must to
 *   reach 127.0.0.1) and pulls at most 2 MB: a pull ends Normal through the normal upload path,
 *   with UploadByURLComplete signed; oversize bodies (declared or streamed), a non-http scheme,
 *   redirect loops and HTTP errors are per-URL errors in GetURLUploadInfos;
 * - server B has the default policy, opened only for 127.0.0.3 (SECUREVOD_OUTBOUND_ALLOW): a
 *   127.0.0.1 URL, `localhost` (refused after DNS) and a redirect from 127.0.0.3 to 127.0.0.2
 *   are refused; so are callbacks to 127.0.0.1 (at SetMessageCallback) and to localhost (at
 *   delivery).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type RPCClient from '@alicloud/pop-core';
import { createLocalDirectoryStore } from '../../src/storage/local-directory-store.js';
import { readObject } from '../../src/storage/object-store.js';
import { makeClip } from '../support/media.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';
import { waitForStatus } from '../support/vod-upload.js';
import { expectApiError, plain, sleep } from './e2e-helpers.js';

const AUTH_KEY = 'UrlPullKey2026';
const MAX_BYTES = 2_000_000;

interface UrlUploadInfo {
  JobId: string;
  UploadURL: string;
  MediaId: string;
  Status: string;
  FileSize: string;
  CreationTime: string;
  CompleteTime: string;
  ErrorCode: string;
  ErrorMessage: string;
}
interface Received {
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

async function listen(
  handler: RequestListener,
  host = '127.0.0.1',
): Promise<{ server: Server; base: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, base: `http://${host}:${(server.address() as AddressInfo).port}` };
}

const close = (server: Server | undefined) =>
  new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));

/** URL-encode each URL, then join with commas (reference-more §6.1). */
const uploadUrls = (...urls: string[]) => urls.map(encodeURIComponent).join(',');

async function submit(vod: RPCClient, params: Record<string, string>) {
  return (
    await vod.request<{ UploadJobs: { JobId: string; SourceURL: string }[] }>('UploadMediaByURL', params, {
      method: 'POST',
    })
  ).UploadJobs;
}

/** Polls GetURLUploadInfos until every job is finished (SUCCESS or a *_FAIL). */
async function finished(vod: RPCClient, jobIds: string[], timeoutMs = 60_000): Promise<UrlUploadInfo[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { URLUploadInfoList } = await vod.request<{ URLUploadInfoList: UrlUploadInfo[] }>(
      'GetURLUploadInfos',
      {
        JobIds: jobIds.join(','),
      },
    );
    if (URLUploadInfoList.every((i) => i.Status === 'SUCCESS' || i.Status.endsWith('_FAIL'))) {
      return jobIds.map((id) => URLUploadInfoList.find((i) => i.JobId === id)!);
    }
    if (Date.now() > deadline) throw new Error(`pulls not finished: ${JSON.stringify(URLUploadInfoList)}`);
    await sleep(200);
  }
}

describe('URL pull upload and the outbound policy', () => {
  let dataDirs: string[] = [];
  let clip: Buffer;
  let origin: { server: Server; base: string };
  let origin3: { server: Server; base: string };
  let receiver: { server: Server; base: string };
  const hits: string[] = [];
  const received: Received[] = [];

  before(async () => {
    const dir = await makeDataDir('securevod-url-clip-');
    dataDirs.push(dir);
    await makeClip(join(dir, 'clip.mp4'), { seconds: 3, width: 320, height: 180 });
    clip = await readFile(join(dir, 'clip.mp4'));
    assert.ok(clip.length < MAX_BYTES, 'the clip fits the size limit');

    const handler: RequestListener = (req, res) => {
      const path = (req.url ?? '').split('?')[0]!;
      hits.push(`${req.headers.host}${path}`);
      if (path === '/clip.mp4' || path === '/no-extension') {
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': clip.length }).end(clip);
      } else if (path === '/hop.mp4') {
        res.writeHead(302, { location: '/clip.mp4' }).end();
      } else if (path === '/loop.mp4') {
        res.writeHead(302, { location: '/loop.mp4' }).end();
      } else if (path === '/declared-big.mp4') {
        res.writeHead(200, { 'content-length': MAX_BYTES + 1 });
        res.end(); // the declared length is enough to refuse
      } else if (path === '/streamed-big.mp4') {
        // Chunked, no length: the limit has to be enforced while streaming.
        res.writeHead(200, { 'content-type': 'video/mp4' });
        const chunk = Buffer.alloc(64 * 1024, 7);
        let sent = 0;
        const pump = () => {
          while (sent < 3 * MAX_BYTES) {
            sent += chunk.length;
            if (!res.write(chunk)) return res.once('drain', pump);
          }
          res.end();
        };
        res.on('error', () => undefined);
        pump();
      } else if (path === '/to-private.mp4') {
        const port = (req.socket.localPort ?? 0).toString();
        res.writeHead(302, { location: `http://127.0.0.2:${port}/clip.mp4` }).end();
      } else {
        res.writeHead(404).end('no such file');
      }
    };
    origin = await listen(handler);
    origin3 = await listen(handler, '127.0.0.3');
    receiver = await listen((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ body: JSON.parse(body) as Record<string, unknown>, headers: req.headers });
        res.writeHead(200).end('ok');
      });
    });
  });

  after(async () => {
    await Promise.all([close(origin?.server), close(origin3?.server), close(receiver?.server)]);
    await Promise.all(dataDirs.map((d) => removeDir(d)));
    dataDirs = [];
  });

  async function startServer(env: Record<string, string>): Promise<ServerProcess> {
    const dataDir = await makeDataDir();
    dataDirs.push(dataDir);
    return startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast', ...env } });
  }

  describe('server A: private destinations allowed, 2 MB limit', () => {
    let server: ServerProcess;
    let vod: RPCClient;
    let groupId: string;
    const eventsFor = (type: string) => received.filter((r) => r.body.EventType === type);

    before(async () => {
      server = await startServer({
        SECUREVOD_ALLOW_PRIVATE_OUTBOUND: '1',
        SECUREVOD_URL_UPLOAD_MAX_BYTES: String(MAX_BYTES),
        SECUREVOD_URL_UPLOAD_MAX_REDIRECTS: '3',
      });
      vod = vodClient(server.url);
      await vod.request('SetMessageCallback', {
        CallbackURL: `${receiver.base}/events`,
        EventTypeList: 'ALL',
        AuthSwitch: 'on',
        AuthKey: AUTH_KEY,
      });
      groupId = (
        await vod.request<{ TranscodeTemplateGroupId: string }>('AddTranscodeTemplateGroup', {
          Name: 'url pull',
          TranscodeTemplateList: JSON.stringify([
            {
              Definition: 'LD',
              Video: { Codec: 'H.264', Bitrate: '200', Height: '128' },
              Audio: { Codec: 'AAC', Bitrate: '64' },
              Container: { Format: 'm3u8' },
              MuxConfig: { Segment: { Duration: '2' } },
            },
          ]),
        })
      ).TranscodeTemplateGroupId;
    });

    after(async () => server?.stop());

    test('pulls a URL with metadata into a video that ends Normal, announcing UploadByURLComplete', async () => {
      const category = (
        await vod.request<{ Category: { CateId: number } }>('AddCategory', { CateName: 'Pulled' })
      ).Category;
      const url = `${origin.base}/hop.mp4`;
      const jobs = await submit(vod, {
        UploadURLs: uploadUrls(url),
        TemplateGroupId: groupId,
        UploadMetadatas: JSON.stringify([
          { SourceURL: url, Title: 'Pulled lesson', Tags: 'pulled,url', CateId: String(category.CateId) },
        ]),
        UserData: JSON.stringify({ Extend: { lesson: 7 } }),
      });
      assert.equal(jobs.length, 1);
      assert.equal(jobs[0]!.SourceURL, url);
      assert.match(jobs[0]!.JobId, /^[0-9a-f]{32}$/);

      const [info] = await finished(vod, [jobs[0]!.JobId]);
      assert.equal(info!.Status, 'SUCCESS', JSON.stringify(info));
      assert.equal(info!.FileSize, String(clip.length));
      assert.equal(info!.UploadURL, url);
      assert.match(info!.MediaId, /^[0-9a-f]{32}$/);
      assert.match(info!.CompleteTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.ok(hits.includes(`${new URL(origin.base).host}/clip.mp4`), 'the redirect was followed');

      const video = await waitForStatus(vod, info!.MediaId, ['Normal', 'TranscodeFail']);
      assert.equal(video.Status, 'Normal', video.StatusReason);
      const full = (
        await vod.request<{ Video: Record<string, unknown> }>('GetVideoInfo', { VideoId: info!.MediaId })
      ).Video;
      assert.deepEqual(
        [full.Title, full.Tags, full.CateId, full.CateName, full.Size],
        ['Pulled lesson', 'pulled,url', category.CateId, 'Pulled', clip.length],
      );
      // The source is stored encrypted (docs/formats.md, "Encrypted source"), and its FileURL
      // serves the origin's file, byte for byte.
      const store = await createLocalDirectoryStore({ root: join(server.dataDir, 'storage') });
      const source = (await store.list(`sources/${info!.MediaId}/`)[Symbol.asyncIterator]().next()).value;
      assert.ok(source, 'the source is stored');
      assert.equal((await readObject(store, source.key, { start: 0, end: 3 })).toString('latin1'), 'SVSC');
      const { Mezzanine } = await vod.request<{ Mezzanine: { FileURL: string } }>('GetMezzanineInfo', {
        VideoId: info!.MediaId,
      });
      const served = Buffer.from(await (await fetch(Mezzanine.FileURL)).arrayBuffer());
      assert.equal(
        createHash('sha256').update(served).digest('hex'),
        createHash('sha256').update(clip).digest('hex'),
      );

      // Events: UploadByURLComplete, then the normal path (FileUploadComplete … TranscodeComplete).
      const deadline = Date.now() + 20_000;
      while (
        Date.now() < deadline &&
        !eventsFor('TranscodeComplete').some((e) => e.body.VideoId === info!.MediaId)
      )
        await sleep(100);
      const mine = received.filter((r) => r.body.VideoId === info!.MediaId || r.body.JobId === info!.JobId);
      const types = mine.map((r) => r.body.EventType);
      assert.ok(types.indexOf('UploadByURLComplete') < types.indexOf('FileUploadComplete'), types.join());
      assert.ok(types.includes('TranscodeComplete'), types.join());
      const event = mine.find((r) => r.body.EventType === 'UploadByURLComplete')!;
      assert.deepEqual(
        { ...event.body, EventTime: 'T' },
        {
          EventTime: 'T',
          EventType: 'UploadByURLComplete',
          JobId: info!.JobId,
          SourceURL: url,
          VideoId: info!.MediaId,
          Status: 'success',
          Size: String(clip.length),
          Extend: '{"lesson":7}',
        },
      );
      assert.match(String(event.body.EventTime), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      const timestamp = String(event.headers['x-vod-timestamp']);
      assert.equal(
        event.headers['x-vod-signature'],
        createHash('md5').update(`${receiver.base}/events|${timestamp}|${AUTH_KEY}`).digest('hex'),
      );
    });

    test('refuses oversize bodies, other schemes, redirect loops and HTTP errors per URL; no video is left', async () => {
      const urls = [
        `${origin.base}/declared-big.mp4`,
        `${origin.base}/streamed-big.mp4`,
        `ftp://${new URL(origin.base).host}/clip.mp4`,
        `file:///etc/passwd.mp4`,
        `${origin.base}/loop.mp4`,
        `${origin.base}/missing.mp4`,
      ];
      const before = await vod.request<{ Total: number }>('GetVideoList', {});
      const jobs = await submit(vod, { UploadURLs: uploadUrls(...urls), TemplateGroupId: groupId });
      const infos = await finished(
        vod,
        jobs.map((j) => j.JobId),
      );
      const outcome = infos.map((i) => [i.UploadURL, i.Status, i.ErrorCode, i.MediaId]);
      assert.deepEqual(outcome, [
        [urls[0], 'DOWNLOAD_FAIL', 'URLFileTooLarge', ''],
        [urls[1], 'DOWNLOAD_FAIL', 'URLFileTooLarge', ''],
        [urls[2], 'DOWNLOAD_FAIL', 'URLInvalidError', ''],
        [urls[3], 'DOWNLOAD_FAIL', 'URLInvalidError', ''],
        [urls[4], 'DOWNLOAD_FAIL', 'URLTooManyRedirects', ''],
        [urls[5], 'DOWNLOAD_FAIL', 'URLDownloadFailed', ''],
      ]);
      assert.match(infos[0]!.ErrorMessage, /larger than 2000000 bytes.*SECUREVOD_URL_UPLOAD_MAX_BYTES/);
      assert.match(infos[2]!.ErrorMessage, /ftp: URLs are not supported; use http/);
      assert.match(infos[4]!.ErrorMessage, /More than 3 redirects/);
      assert.match(infos[5]!.ErrorMessage, /HTTP 404/);
      const afterList = await vod.request<{ Total: number }>('GetVideoList', {});
      assert.equal(afterList.Total, before.Total, 'a failed pull leaves no video behind');

      // Each failure is announced too.
      const deadline = Date.now() + 10_000;
      const failEvents = () =>
        eventsFor('UploadByURLComplete').filter((e) => jobs.some((j) => j.JobId === e.body.JobId));
      while (Date.now() < deadline && failEvents().length < jobs.length) await sleep(100);
      const big = failEvents().find((e) => e.body.JobId === jobs[1]!.JobId)!;
      assert.deepEqual(
        [big.body.Status, big.body.ErrorCode, big.body.SourceURL, big.body.VideoId],
        ['fail', 'URLFileTooLarge', urls[1], undefined],
      );
    });

    test('GetURLUploadInfos by URL, NonExists, and malformed submissions', async () => {
      const url = `${origin.base}/missing.mp4`;
      const byUrl = await vod.request<{ URLUploadInfoList: UrlUploadInfo[]; NonExists: string[] }>(
        'GetURLUploadInfos',
        { UploadURLs: uploadUrls(url, 'http://example.invalid/never.mp4') },
      );
      assert.ok(byUrl.URLUploadInfoList.length >= 1);
      assert.ok(byUrl.URLUploadInfoList.every((i) => i.UploadURL === url));
      assert.deepEqual(plain(byUrl.NonExists), ['http://example.invalid/never.mp4']);
      const byId = await vod.request<{ NonExists: string[] }>('GetURLUploadInfos', { JobIds: 'nope' });
      assert.deepEqual(plain(byId.NonExists), ['nope']);

      await expectApiError(submit(vod, {}), 'MissingParameter', 400, /"UploadURLs"/);
      await expectApiError(
        submit(vod, { UploadURLs: uploadUrls('not a url') }),
        'InvalidParameter.UploadURLs',
        400,
        /not a URL/,
      );
      await expectApiError(
        submit(vod, { UploadURLs: uploadUrls(`${origin.base}/no-extension`) }),
        'InvalidParameter.UploadURLs',
        400,
        /no file extension/,
      );
      await expectApiError(
        submit(vod, {
          UploadURLs: Array.from({ length: 21 }, (_, i) => uploadUrls(`${origin.base}/${i}.mp4`)).join(','),
        }),
        'InvalidParameter.UploadURLs',
        400,
        /At most 20/,
      );
      const noExt = `${origin.base}/no-extension`;
      await expectApiError(
        submit(vod, {
          UploadURLs: uploadUrls(noExt),
          UploadMetadatas: JSON.stringify([{ SourceURL: noExt, Title: 'x', CateId: '4242' }]),
        }),
        'InvalidCateId.NotFound',
        404,
      );
      await expectApiError(
        submit(vod, {
          UploadURLs: uploadUrls(noExt),
          UploadMetadatas: JSON.stringify([
            { SourceURL: noExt, Title: 'x'.repeat(129), FileExtension: 'mp4' },
          ]),
        }),
        'LengthExceededMax',
        400,
        /UploadMetadatas\[0\]\.Title/,
      );
      await expectApiError(
        submit(vod, { UploadURLs: uploadUrls(`${origin.base}/a.mp4`), TemplateGroupId: 'nope' }),
        'InvalidTemplateGroupId.NotFound',
        404,
      );
      // A FileExtension makes an extension-less URL acceptable.
      const ok = await submit(vod, {
        UploadURLs: uploadUrls(noExt),
        TemplateGroupId: 'VOD_NO_TRANSCODE',
        UploadMetadatas: JSON.stringify([{ SourceURL: noExt, Title: 'no extension', FileExtension: 'mp4' }]),
      });
      const [info] = await finished(vod, [ok[0]!.JobId]);
      assert.equal(info!.Status, 'SUCCESS');
      assert.equal((await waitForStatus(vod, info!.MediaId, ['UploadSucc'], 10_000)).Status, 'UploadSucc');
    });
  });

  describe('server B: the default policy (only 127.0.0.3 allowed)', () => {
    let server: ServerProcess;
    let vod: RPCClient;

    before(async () => {
      server = await startServer({ SECUREVOD_OUTBOUND_ALLOW: '127.0.0.3' });
      vod = vodClient(server.url);
    });

    after(async () => server?.stop());

    test('refuses loopback and private destinations, after DNS and on redirects', async () => {
      const port3 = new URL(origin3.base).port;
      const urls = [
        `${origin.base}/clip.mp4`,
        `http://localhost:${new URL(origin.base).port}/clip.mp4`,
        `${origin3.base}/to-private.mp4`,
        `http://[::1]:${new URL(origin.base).port}/clip.mp4`,
      ];
      const hitsBefore = hits.length;
      const jobs = await submit(vod, { UploadURLs: uploadUrls(...urls) });
      const infos = await finished(
        vod,
        jobs.map((j) => j.JobId),
      );
      assert.deepEqual(
        infos.map((i) => [i.Status, i.ErrorCode, i.MediaId]),
        urls.map(() => ['DOWNLOAD_FAIL', 'URLAddressRefused', '']),
        JSON.stringify(infos),
      );
      assert.match(
        infos[0]!.ErrorMessage,
        /127\.0\.0\.1 is a loopback address.*SECUREVOD_ALLOW_PRIVATE_OUTBOUND=1/,
      );
      assert.match(
        infos[1]!.ErrorMessage,
        /localhost \(127\.0\.0\.1\) is a loopback address/,
        'refused after DNS',
      );
      assert.match(infos[2]!.ErrorMessage, /127\.0\.0\.2 is a loopback address/, 'refused on the redirect');
      assert.deepEqual(
        hits.slice(hitsBefore),
        [`127.0.0.3:${port3}/to-private.mp4`],
        'only the allowed first hop was ever requested',
      );
      assert.equal(
        (await vod.request<{ Total: number }>('GetVideoList', {})).Total,
        0,
        'no video was created',
      );
    });

    test('refuses callbacks to 127.0.0.1 at SetMessageCallback and to localhost at delivery', async () => {
      const before = received.length;
      await expectApiError(
        vod.request('SetMessageCallback', { CallbackURL: `${receiver.base}/events`, EventTypeList: 'ALL' }),
        'InvalidParameter',
        400,
        /"CallbackURL".*127\.0\.0\.1 is a loopback address.*SECUREVOD_ALLOW_PRIVATE_OUTBOUND=1/,
      );
      const viaName = `http://localhost:${new URL(receiver.base).port}/events`;
      await vod.request('SetMessageCallback', { CallbackURL: viaName, EventTypeList: 'ALL' });
      await vod.request('SendTestCallback', {});
      type Delivery = { EventType: string; Status: string; Attempts: number; LastError?: string };
      let delivery: Delivery | undefined;
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const list = await vod.request<{ CallbackDeliveries: { CallbackDelivery: Delivery[] } }>(
          'ListCallbackDeliveries',
          {},
        );
        delivery = list.CallbackDeliveries.CallbackDelivery.find((d) => d.EventType === 'TestEvent');
        if (delivery?.Status === 'fail') break;
        await sleep(200);
      }
      assert.equal(delivery?.Status, 'fail', JSON.stringify(delivery));
      assert.equal(delivery.Attempts, 1, 'a refused destination is not retried');
      assert.match(delivery.LastError ?? '', /localhost \(127\.0\.0\.1\) is a loopback address/);
      assert.equal(received.length, before, 'the receiver got nothing');
    });
  });
});
