/**
 * A video whose only rendition uses private encryption, as a new user meets it:
 *   - docs/formats.md and docs/sdk.md name the key-exchange fields; a real exchange against the
 *     running server is made with the request names the docs give and must answer with exactly
 *     the response names they give (issue 14, item 1);
 *   - `securevod play-url` on it says what to do with securevod, not the vendor's advice
 *     (issue 14, item 3).
 */
import { createKeyExchangeRequest, unwrapKeyFromServer } from '@securevod/crypto';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, ROOT_KEY_ENV, runCli } from '../cli/cli-process.js';
import { addGroup, encryptedTemplate, uploadVideo } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import {
  makeDataDir,
  REPO_ROOT,
  removeDir,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';

const readDoc = (name: string) => readFile(join(REPO_ROOT, 'docs', name), 'utf8');

/** The text of the `## <title>` section of a markdown document. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  assert.notEqual(start, -1, `the document has a "## ${title}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end === -1 ? undefined : end);
}

/** Every `"Name"` inside the first `{ … }` of `line`. */
function quotedNames(line: string): string[] {
  const braces = /\{([^}]*)\}/.exec(line);
  assert.ok(braces, `a { … } in: ${line}`);
  return [...braces[1]!.matchAll(/"([A-Za-z]+)"/g)].map((m) => m[1]!);
}

function lineStarting(text: string, prefix: string): string {
  const line = text.split('\n').find((l) => l.trimStart().startsWith(prefix));
  assert.ok(line, `a line starting "${prefix}"`);
  return line;
}

interface DocumentedExchange {
  readonly request: string[];
  readonly response: string[];
}

/** docs/formats.md, "Private key exchange": the exchange diagram and the test vector's JSON. */
async function fromFormats(): Promise<DocumentedExchange & { vectorResponse: string[] }> {
  const text = section(await readDoc('formats.md'), 'Private key exchange');
  const request = quotedNames(lineStarting(text, 'client → key service:'));
  const response = quotedNames(lineStarting(text, 'key service → client:')).filter((n) => n !== 'RequestId');
  const vector = /and receives:\s*```json\n([\s\S]*?)```/.exec(text);
  assert.ok(vector, 'the test vector shows the JSON the client receives');
  return { request, response, vectorResponse: Object.keys(JSON.parse(vector[1]!) as object) };
}

/** docs/sdk.md, "**Private key exchange.** `POST …` `{ request }` → `{ response }`". */
async function fromSdk(): Promise<DocumentedExchange> {
  const text = await readDoc('sdk.md');
  const at = text.indexOf('**Private key exchange.**');
  assert.notEqual(at, -1, 'docs/sdk.md has a "Private key exchange" paragraph');
  const paragraph = text.slice(at, text.indexOf('\n\n', at));
  const [request, response] = paragraph.split('→');
  assert.ok(request && response, `request → response in: ${paragraph}`);
  return { request: quotedNames(request), response: quotedNames(response) };
}

const lowerFirst = (name: string) => name[0]!.toLowerCase() + name.slice(1);

describe('a private-only video: documented key exchange and play-url advice', () => {
  let server: ServerProcess;
  let dataDir: string;
  let videoId: string;

  before(async () => {
    dataDir = await makeDataDir();
    const clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: 2, width: 320, height: 180 });
    server = await startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
    const vod = vodClient(server.url);
    const group = await addGroup(vod, 'private only', [encryptedTemplate('SD', 180, 'AliyunVoDEncryption')]);
    videoId = await uploadVideo(vod, clip, group, 'private only');
  });

  after(async () => {
    await server?.stop();
    if (dataDir) await removeDir(dataDir);
  });

  test('docs/formats.md and docs/sdk.md name the fields a real key exchange uses', async () => {
    const formats = await fromFormats();
    const sdk = await fromSdk();
    assert.deepEqual(formats.request, sdk.request, 'both documents name the same request fields');
    assert.deepEqual(formats.response, sdk.response, 'both documents name the same response fields');
    assert.deepEqual(formats.vectorResponse, sdk.response, "the test vector's JSON uses the wire names");
    assert.equal(sdk.request.length, 2, `request fields: ${sdk.request.join(', ')}`);
    assert.equal(sdk.response.length, 3, `response fields: ${sdk.response.join(', ')}`);

    // A session and a key URI, the way the SDK gets them.
    const vod = vodClient(server.url);
    const { PlayAuth } = await vod.request<{ PlayAuth: string }>('GetVideoPlayAuth', { VideoId: videoId });
    const info = (await (
      await fetch(`${server.url}/play/info`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ VideoId: videoId, PlayAuth }),
      })
    ).json()) as {
      Session: { Token: string };
      PlayInfoList: { PlayInfo: { PlayURL: string; StreamId: string }[] };
    };
    const play = info.PlayInfoList.PlayInfo[0]!;
    const playlist = await (await fetch(play.PlayURL)).text();
    const keyUri = /#EXT-X-KEY:[^\n]*URI="([^"]+)"/.exec(playlist)?.[1];
    assert.ok(keyUri, 'the private playlist names a key URI');
    const keyUrl = new URL(keyUri, play.PlayURL);
    keyUrl.search = '';

    // The request, built from the documented names: the session token, then the public key.
    const mine = await createKeyExchangeRequest();
    const [tokenField, publicKeyField] = sdk.request as [string, string];
    const res = await fetch(keyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ [tokenField]: info.Session.Token, [publicKeyField]: mine.publicKey }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 200, JSON.stringify(body));
    const { RequestId, ...fields } = body;
    assert.equal(typeof RequestId, 'string');
    assert.deepEqual(
      Object.keys(fields).sort(),
      [...sdk.response].sort(),
      'the wire sends the documented names',
    );

    // The documented names carry what the docs say they do: they unwrap the period key.
    const response = Object.fromEntries(sdk.response.map((name) => [lowerFirst(name), String(fields[name])]));
    assert.deepEqual(Object.keys(response).sort(), ['iv', 'serverPublicKey', 'wrappedKey']);
    const key = await unwrapKeyFromServer({
      privateKey: mine.privateKey,
      clientPublicKey: mine.publicKey,
      response: response as { serverPublicKey: string; iv: string; wrappedKey: string },
      context: { videoId, rendition: play.StreamId, period: Number(keyUrl.pathname.split('/').pop()) },
    });
    assert.equal(key.extractable, false);
  });

  test('play-url on a private-only video points to play-auth, the securevod SDK or a standard rendition', async () => {
    const env = { ...ROOT_KEY_ENV, SECUREVOD_ENDPOINT: server.url };
    const result = await runCli(['play-url', videoId], { cwd: dataDir, env: cleanEnv(env) });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, '', 'no URL is printed');
    assert.equal(result.stderrLines.length, 1, result.stderr);
    const [line] = result.stderrLines as [string];
    assert.match(line, new RegExp(`^securevod play-url: video ${videoId} has only privately encrypted`));
    assert.ok(line.includes(`securevod play-auth ${videoId}`), line);
    assert.ok(line.includes('securevod player SDK'), line);
    assert.match(line, /standard encryption/);
    assert.match(line, /HLSEncryption/);
    assert.doesNotMatch(line, /Aliyun player/i, "the vendor's advice is not repeated");

    // --json does not change where the advice goes.
    const json = await runCli(['play-url', videoId, '--json'], { cwd: dataDir, env: cleanEnv(env) });
    assert.equal(json.code, 1);
    assert.equal(json.stdout, '');
    assert.ok(json.stderr.includes(`securevod play-auth ${videoId}`), json.stderr);

    // play-auth, which the message recommends, works for this video.
    const auth = await runCli(['play-auth', videoId, '--json'], { cwd: dataDir, env: cleanEnv(env) });
    assert.equal(auth.code, 0, auth.stderr);
    assert.ok((JSON.parse(auth.stdout) as { playAuth: string }).playAuth.length > 20);
  });
});
