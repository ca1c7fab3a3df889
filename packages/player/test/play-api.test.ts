/** PlayApi against a real HTTP server: wire format, retry policy, timeouts and error bodies. */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PlayerError } from '../src/errors.js';
import { PlayApi } from '../src/play-api.js';
import { selectSource, availableDefinitions, type PlayInfoResponse } from '../src/play-info.js';

type Handler = (req: IncomingMessage, body: unknown, res: ServerResponse) => void;
let handler: Handler = (_req, _body, res) => res.writeHead(500).end();
const seen: Array<{ method: string; url: string; body: unknown; contentType: string | undefined }> = [];
let endpoint: string;
const server = createServer((req, res) => {
  let raw = '';
  req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  req.on('end', () => {
    const body = raw ? (JSON.parse(raw) as unknown) : undefined;
    seen.push({ method: req.method!, url: req.url!, body, contentType: req.headers['content-type'] });
    handler(req, body, res);
  });
});
const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const fast = { timeoutMs: 300, maxNumRetry: 2, retryDelayMs: 10, maxRetryDelayMs: 20 };
const api = () =>
  new PlayApi({ endpoint: `${endpoint}/`, policies: { playInfo: fast, refresh: fast, keyExchange: fast } });

const INFO: PlayInfoResponse = {
  RequestId: 'r',
  VideoMeta: { VideoId: 'v1', Title: 't', Duration: 10, Status: 'Normal' },
  Session: { Token: 's1', ExpiresAt: '2030-01-01T00:00:00.000Z' },
  PlayInfoList: {
    PlayInfo: [
      {
        Definition: 'LD',
        Format: 'm3u8',
        PlayURL: 'http://h/media/v1/ld/index.m3u8?token=s1',
        Height: 180,
        Bitrate: 300,
      },
      {
        Definition: 'SD',
        Format: 'm3u8',
        PlayURL: 'http://h/media/v1/sd/index.m3u8?token=s1',
        Height: 360,
        Bitrate: 800,
      },
      { Definition: 'HD', Format: 'mp4', PlayURL: 'http://h/media/v1/hd.mp4?token=s1', Height: 720 },
    ],
  },
  MasterPlayURL: 'http://h/media/v1/master.m3u8?token=s1',
};

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

void describe('PlayApi', () => {
  void it('POSTs /play/info as JSON and checks the answer', async () => {
    seen.length = 0;
    handler = (_req, _body, res) => json(res, 200, INFO);
    const info = await api().playInfo('v1', 'pa');
    assert.deepEqual(seen, [
      {
        method: 'POST',
        url: '/play/info',
        body: { VideoId: 'v1', PlayAuth: 'pa' },
        contentType: 'application/json',
      },
    ]);
    assert.equal(info.Session.Token, 's1');
    assert.equal(info.PlayInfoList.PlayInfo.length, 3);
  });

  void it('retries 503 and network-level failures per policy, then succeeds', async () => {
    seen.length = 0;
    let n = 0;
    handler = (req, _body, res) => {
      if (++n === 1) return json(res, 503, { Code: 'ServiceUnavailable' });
      if (n === 2) return req.socket.destroy();
      json(res, 200, { Session: { Token: 's2', ExpiresAt: '2030-01-01T00:00:00Z' } });
    };
    const session = await api().refresh('s1');
    assert.equal(session.Token, 's2');
    assert.equal(seen.length, 3);
    assert.deepEqual(seen[0]!.body, { Token: 's1' });
  });

  void it('does not retry a refusal; the error carries the server Code and Message', async () => {
    seen.length = 0;
    handler = (_req, _body, res) =>
      json(res, 403, { RequestId: 'r', Code: 'PlayAuthExpired', Message: 'The PlayAuth has expired.' });
    await assert.rejects(api().playInfo('v1', 'old'), (e: unknown) => {
      assert.ok(e instanceof PlayerError);
      assert.equal(e.type, 'auth');
      assert.equal(e.details, 'playAuthExpired');
      assert.equal(e.code, 'PlayAuthExpired');
      assert.match(e.message, /The PlayAuth has expired/);
      return true;
    });
    assert.equal(seen.length, 1);
  });

  void it('times out each attempt and reports network/requestTimeout after the retries', async () => {
    seen.length = 0;
    handler = () => undefined; // never answers
    const started = Date.now();
    await assert.rejects(api().refresh('s1'), (e: unknown) => {
      assert.ok(e instanceof PlayerError);
      assert.equal(e.type, 'network');
      assert.equal(e.details, 'requestTimeout');
      return true;
    });
    assert.equal(seen.length, 3);
    assert.ok(Date.now() - started >= 900);
  });

  void it('sends the key exchange to the key URI and refuses malformed answers', async () => {
    seen.length = 0;
    handler = (_req, _body, res) => json(res, 200, { ServerPublicKey: 'a', Iv: 'b' });
    const keyUrl = `${endpoint}/keys/private/v1/s/0?token=s1`;
    await assert.rejects(api().exchangeKey(keyUrl, 's1', 'PUB'), (e: unknown) => {
      assert.ok(e instanceof PlayerError);
      assert.equal(e.details, 'keyExchangeFailed');
      return true;
    });
    assert.deepEqual(seen[0], {
      method: 'POST',
      url: '/keys/private/v1/s/0?token=s1',
      body: { Token: 's1', PublicKey: 'PUB' },
      contentType: 'application/json',
    });
  });

  void it('refuses a play info without a usable session or PlayURL', async () => {
    for (const bad of [
      { ...INFO, Session: { Token: 's' } },
      { ...INFO, PlayInfoList: { PlayInfo: [{ Definition: 'LD', PlayURL: 'javascript:alert(1)' }] } },
    ]) {
      handler = (_req, _body, res) => json(res, 200, bad);
      await assert.rejects(api().playInfo('v1', 'pa'), /not in the expected form/);
    }
  });

  void it('aborts when the player goes away', async () => {
    handler = () => undefined;
    const controller = new AbortController();
    const pending = api().playInfo('v1', 'pa', controller.signal);
    controller.abort(new Error('destroyed'));
    await assert.rejects(pending, /destroyed/);
  });
});

void describe('selectSource', () => {
  void it('AUTO is the master playlist; a Definition picks its HLS stream, case-insensitively', () => {
    assert.deepEqual(selectSource(INFO), { definition: 'AUTO', url: INFO.MasterPlayURL });
    assert.equal(selectSource(INFO, 'sd').url, 'http://h/media/v1/sd/index.m3u8?token=s1');
    assert.deepEqual(availableDefinitions(INFO), ['AUTO', 'LD', 'SD']);
  });
  void it('AUTO without a master is the tallest HLS stream; unknown or non-HLS definitions fail clearly', () => {
    const noMaster = { ...INFO, MasterPlayURL: undefined };
    assert.equal(selectSource(noMaster).definition, 'SD');
    assert.throws(
      () => selectSource(INFO, 'HD'),
      (e: unknown) =>
        e instanceof PlayerError && e.details === 'definitionNotFound' && /available: LD, SD/.test(e.message),
    );
  });
});
