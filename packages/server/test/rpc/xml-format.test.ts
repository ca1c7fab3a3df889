/**
 * `Format=XML` (reference vod-api-more §1.10) on the real server, signed both ways (v1 and V3):
 * every response parses with an XML parser (fast-xml-parser), has the root `<{Action}Response>`
 * (`<Error>` for errors) and carries the same data as the JSON answer to the same request.
 * Arrays: a plain JSON array becomes one element per item named after the field; a wrapped list
 * stays a container of repeated items.
 */
import { XMLParser } from 'fast-xml-parser';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { signParams } from '../../src/rpc/signature.js';
import { signRequestV3 } from '../../src/rpc/signature-v3.js';
import {
  makeDataDir,
  removeDir,
  startServerProcess,
  TEST_ROOT_KEY,
  type ServerProcess,
} from '../support/server-process.js';
import { popTimestamp, vodClient } from '../support/vod-client.js';

type Signing = 'v1' | 'v3';

interface Raw {
  status: number;
  contentType: string;
  text: string;
}

function httpPost(url: string, path: string, headers: Record<string, string>): Promise<Raw> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, method: 'POST', path, headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), text }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** One signed call; `format` undefined sends no Format at all. */
async function call(
  url: string,
  signing: Signing,
  action: string,
  params: Record<string, string>,
  format?: string,
): Promise<Raw> {
  const query = { ...params, ...(format ? { Format: format } : {}) };
  if (signing === 'v3') {
    const headers = signRequestV3({
      method: 'POST',
      host: new URL(url).host,
      action,
      version: '2017-03-21',
      ...TEST_ROOT_KEY,
      query,
    });
    return httpPost(url, `/?${new URLSearchParams(query).toString().replace(/\+/g, '%20')}`, headers);
  }
  const signed = signParams(
    'POST',
    {
      Action: action,
      Version: '2017-03-21',
      AccessKeyId: TEST_ROOT_KEY.accessKeyId,
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      SignatureNonce: `${Date.now()}-${Math.random()}`,
      Timestamp: popTimestamp(new Date()),
      ...query,
    },
    TEST_ROOT_KEY.accessKeySecret,
  );
  return httpPost(url, `/?${new URLSearchParams(signed).toString()}`, {});
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  ignoreDeclaration: true,
  isArray: () => true,
});

/** What the XML parser (every element an array, every value text) yields for a JSON value. */
function xmlShape(value: unknown): unknown {
  if (Array.isArray(value)) throw new Error('arrays are handled by their field');
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).flatMap(([key, child]): Array<[string, unknown]> => {
      if (child === null || child === undefined) return [];
      const items = Array.isArray(child) ? child : [child];
      return items.length === 0 ? [] : [[key, items.map(xmlShape)]];
    });
    return entries.length === 0 ? '' : Object.fromEntries(entries);
  }
  return String(value);
}

const withoutRequestId = (body: Record<string, unknown>) => {
  const { RequestId: _id, ...rest } = body;
  return rest;
};

describe('Format=XML on the RPC API', () => {
  let server: ServerProcess;
  let dataDir: string;
  const videoIds: string[] = [];

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({ dataDir });
    const vod = vodClient(server.url);
    for (const title of ['first & <one>', 'second "two"']) {
      const { VideoId } = await vod.request<{ VideoId: string }>('CreateUploadVideo', {
        Title: title,
        FileName: 'a.mp4',
      });
      videoIds.push(VideoId);
    }
  });

  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  const cases: Array<[string, () => Record<string, string>]> = [
    ['GetVideoInfo', () => ({ VideoId: videoIds[0] ?? '' })],
    ['GetVideoInfos', () => ({ VideoIds: [...videoIds, 'missing-video-id'].join(',') })],
    ['ListTranscodeTemplateGroup', () => ({})],
    ['ListAccessKeys', () => ({})],
  ];

  for (const signing of ['v1', 'v3'] as Signing[]) {
    for (const [action, params] of cases) {
      test(`${signing}: ${action} in XML carries the same data as in JSON`, async () => {
        const json = await call(server.url, signing, action, params(), 'JSON');
        const xml = await call(server.url, signing, action, params(), 'xml');
        assert.equal(json.status, 200, json.text);
        assert.equal(xml.status, 200, xml.text);
        assert.equal(xml.contentType, 'text/xml;charset=utf-8');
        assert.match(xml.text, new RegExp(`^<\\?xml version="1.0" encoding="UTF-8"\\?><${action}Response>`));
        const parsed = parser.parse(xml.text) as Record<string, Array<Record<string, unknown>>>;
        const root = parsed[`${action}Response`]?.[0];
        assert.ok(root, `root element ${action}Response`);
        assert.match(String((root.RequestId as string[])[0]), /^[0-9A-F-]{36}$/);
        const jsonBody = JSON.parse(json.text) as Record<string, unknown>;
        assert.deepEqual(withoutRequestId(root), xmlShape(withoutRequestId(jsonBody)));
      });
    }
  }

  test('arrays are rendered as the reference says', async () => {
    const infos = await call(
      server.url,
      'v3',
      'GetVideoInfos',
      { VideoIds: `${videoIds.join(',')},nope1,nope2` },
      'XML',
    );
    const body = infos.text.replace(/^<\?xml[^>]*\?>/, '');
    assert.equal(body.match(/<VideoList><VideoId>/g)?.length, 2, 'one <VideoList> per video');
    assert.match(
      body,
      /<NonExistVideoIds>nope1<\/NonExistVideoIds><NonExistVideoIds>nope2<\/NonExistVideoIds>/,
    );
    assert.match(body, /<Title>first &amp; &lt;one&gt;<\/Title>/);
    const keys = await call(server.url, 'v1', 'ListAccessKeys', {}, 'XML');
    assert.match(keys.text, /<AccessKeys><AccessKey><AccessKeyId>/, 'a wrapped list keeps its container');
  });

  test('errors in XML: <Error> with Code, Message, RequestId, HostId and the HTTP status', async () => {
    for (const signing of ['v1', 'v3'] as Signing[]) {
      const reply = await call(server.url, signing, 'GetVideoInfo', { VideoId: 'no-such-video' }, 'XML');
      assert.equal(reply.status, 404);
      assert.equal(reply.contentType, 'text/xml;charset=utf-8');
      const error = (parser.parse(reply.text) as Record<string, Array<Record<string, string[]>>>).Error?.[0];
      assert.equal(error?.Code?.[0], 'InvalidVideo.NotFound');
      assert.ok(error?.Message?.[0] && error.RequestId?.[0] && error.HostId?.[0]);
    }
  });

  test('V3 without Format answers JSON; an unknown Format is InvalidParameter', async () => {
    const plain = await call(server.url, 'v3', 'ListTranscodeTemplateGroup', {});
    assert.equal(plain.contentType, 'application/json;charset=utf-8');
    assert.ok(
      Array.isArray(
        (JSON.parse(plain.text) as { TranscodeTemplateGroupList: unknown }).TranscodeTemplateGroupList,
      ),
    );
    const bad = await call(server.url, 'v1', 'ListTranscodeTemplateGroup', {}, 'YAML');
    assert.equal(bad.status, 400);
    assert.match((JSON.parse(bad.text) as { Message: string }).Message, /"Format"/);
  });
});
