/**
 * Issue 11 item 4 (timeouts and limits per route) and item 8 (single-purpose upload credentials)
 * against the real server binary, with short limits set through the environment:
 * a stalled RPC body and stalled headers are cut (408) while /healthz answers; an authenticated
 * ali-oss upload whose body pauses longer than the body timeout still completes (the long
 * deadline starts only after its signature checked out); the connection cap per client address;
 * a completed upload's credentials cannot write again, RefreshUploadVideo's can.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { POST, vodClient } from '../support/vod-client.js';
import { createUpload, decodeTicket, ossClientFor, type UploadTicket } from '../support/vod-upload.js';

const BODY_TIMEOUT_MS = 1000;

/** A raw TCP connection to `url`, collecting what the server sends until it closes. */
async function rawSocket(url: string): Promise<{ socket: Socket; closed: Promise<string> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const closed = new Promise<string>((resolve) => {
    socket.once('close', () => resolve(received));
    socket.on('error', () => undefined);
  });
  return { socket, closed };
}

describe('timeouts and limits per route', () => {
  let server: ServerProcess;
  let dataDir: string;

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({
      dataDir,
      env: {
        SECUREVOD_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
        SECUREVOD_HEADERS_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
        SECUREVOD_IDLE_TIMEOUT_MS: '20000',
        SECUREVOD_UPLOAD_BODY_TIMEOUT_MS: '60000',
      },
    });
  });

  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  test('a stalled RPC body is cut with 408 while /healthz answers', async () => {
    const { socket, closed } = await rawSocket(server.url);
    socket.write(
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        'Content-Length: 1000\r\n\r\nAction=GetVideoInfo&',
    );
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    // Without a body deadline this never resolves and the test runner's timeout fails the test.
    const answer = await closed;
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });

  test('stalled headers are cut too', async () => {
    const { socket, closed } = await rawSocket(server.url);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    assert.match(await closed, /^HTTP\/1\.1 408 /);
  });

  test('an authenticated upload may pause longer than the body timeout and still complete', async () => {
    const vod = vodClient(server.url);
    const ticket = await createUpload(vod, {
      Title: 'slow',
      FileName: 'slow.mp4',
      TemplateGroupId: 'VOD_NO_TRANSCODE',
    });
    const chunk = Buffer.alloc(64 * 1024, 7);
    async function* slowBody() {
      yield chunk;
      await new Promise((r) => setTimeout(r, BODY_TIMEOUT_MS * 2.5));
      yield chunk;
    }
    const client = ossClientFor(ticket) as unknown as {
      putStream(name: string, stream: Readable): Promise<{ res: { status: number } }>;
    };
    const result = await client.putStream(ticket.address.FileName, Readable.from(slowBody()));
    assert.equal(result.res.status, 200);
    const info = await vod.request<{ Video: { Status: string; Size: number } }>('GetVideoInfo', {
      VideoId: ticket.videoId,
    });
    assert.equal(info.Video.Status, 'UploadSucc');
  });

  test('upload credentials are single-purpose: spent once the object is complete', async () => {
    const vod = vodClient(server.url);
    const ticket = await createUpload(vod, {
      Title: 'once',
      FileName: 'once.mp4',
      TemplateGroupId: 'VOD_NO_TRANSCODE',
    });
    await ossClientFor(ticket).put(ticket.address.FileName, Buffer.from('first upload'));
    await assert.rejects(
      ossClientFor(ticket).put(ticket.address.FileName, Buffer.from('replaced behind its back')),
      (err: { status?: number; code?: string }) => err.status === 403 && err.code === 'InvalidAccessKeyId',
    );
    // Re-upload is what RefreshUploadVideo is for (reference §2.5).
    const refreshed = decodeTicket(
      await vod.request<UploadTicket>('RefreshUploadVideo', { VideoId: ticket.videoId }, POST),
    );
    assert.equal(refreshed.address.FileName, ticket.address.FileName);
    const again = await ossClientFor(refreshed).put(refreshed.address.FileName, Buffer.from('second'));
    assert.equal(again.res.status, 200);
    await assert.rejects(ossClientFor(refreshed).put(refreshed.address.FileName, Buffer.from('third')));
  });
});

describe('connections per client address', () => {
  test('a client over the cap is refused at once; a slot frees when a connection closes', async () => {
    const dataDir = await makeDataDir();
    const server = await startServerProcess({
      dataDir,
      env: { SECUREVOD_MAX_CONNECTIONS_PER_CLIENT: '3' },
    });
    const sockets: Array<{ socket: Socket; closed: Promise<string> }> = [];
    try {
      for (let i = 0; i < 3; i++) sockets.push(await rawSocket(server.url));
      const extra = await rawSocket(server.url);
      assert.equal(await extra.closed, '', 'the fourth connection is closed without an answer');
      const first = sockets.shift()!;
      first.socket.destroy();
      await first.closed;
      // The server learns of the close a moment later: try a few times.
      let answer = '';
      for (let attempt = 0; attempt < 50 && answer === ''; attempt++) {
        const { socket, closed } = await rawSocket(server.url);
        socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        answer = await closed;
        if (answer === '') await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(answer, /^HTTP\/1\.1 200 /);
    } finally {
      for (const s of sockets) s.socket.destroy();
      await server.stop();
      await removeDir(dataDir);
    }
  });
});
