/**
 * Issue 11 item 5: rate limits trip with the right code and reset, against the real server with
 * small limits and a short window: per AccessKey on the RPC API (`Throttling.User`, through
 * pop-core), per client address on /play, per token on /keys (`TooManyRequests`, 429,
 * `Retry-After`). With `SECUREVOD_REDIS_URL`, two servers count one window together, and no
 * token reaches Redis (counters are keyed by the token's hash).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { deleteKeys, REDIS_URL, withRedis } from '../support/redis.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { popError, vodClient } from '../support/vod-client.js';

const WINDOW_MS = 3000;
const LIMITS = {
  SECUREVOD_RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
  SECUREVOD_RATE_LIMIT_RPC: '3',
  SECUREVOD_RATE_LIMIT_PLAY: '2',
  SECUREVOD_RATE_LIMIT_KEYS_PER_TOKEN: '2',
};

const list = (url: string) => vodClient(url).request('GetVideoList', {});

async function untilAllowed(call: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + WINDOW_MS * 4;
  for (;;) {
    try {
      await call();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('rate limits (in process)', () => {
  let server: ServerProcess;
  let dataDir: string;

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({ dataDir, env: LIMITS });
  });

  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  test('RPC: Throttling.User (400) past the limit per AccessKey, and the window resets', async () => {
    await untilAllowed(() => list(server.url));
    let throttled;
    for (let i = 0; i < 5 && !throttled; i++) {
      throttled = await list(server.url).then(
        () => undefined,
        (err: unknown) => err,
      );
    }
    const err = throttled as Awaited<ReturnType<typeof popError>>;
    assert.ok(err, 'the limit tripped');
    assert.equal(err.data.Code, 'Throttling.User');
    assert.equal(err.entry.response.statusCode, 400);
    assert.equal(err.data.Message, 'Request was denied due to user flow control.');
    assert.ok(
      Number((err.entry.response as { headers?: Record<string, string> }).headers?.['retry-after']) >= 1,
    );
    await untilAllowed(() => list(server.url));
  });

  test('/play per client address and /keys per token: TooManyRequests (429) with Retry-After', async () => {
    const play = () =>
      fetch(`${server.url}/play/info`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ PlayAuth: 'x', VideoId: 'v' }),
      });
    // Until a refusal (a window may end between two requests on a loaded machine: then the
    // count starts again, so allow two windows' worth).
    const untilRefused = async (call: () => Promise<Response>, limit: number) => {
      const statuses: number[] = [];
      for (let i = 0; i < 2 * limit + 2; i++) {
        const res = await call();
        statuses.push(res.status);
        if (res.status === 429) return { statuses, refused: res };
      }
      assert.fail(`never refused: ${statuses.join(', ')}`);
    };
    const byPlay = await untilRefused(play, 2);
    assert.ok(byPlay.statuses.length >= 3, `the first two pass: ${byPlay.statuses.join(', ')}`);
    assert.ok(byPlay.statuses.slice(0, -1).every((s) => s === 403));
    assert.ok(Number(byPlay.refused.headers.get('retry-after')) >= 1);
    assert.equal(((await byPlay.refused.json()) as { Code: string }).Code, 'TooManyRequests');

    const token = randomBytes(24).toString('base64url');
    const key = (t: string) => fetch(`${server.url}/keys/hls/v/s/0?MtsHlsUriToken=${t}`);
    const byToken = await untilRefused(() => key(token), 2);
    assert.ok(byToken.statuses.length >= 3, `the first two pass: ${byToken.statuses.join(', ')}`);
    assert.equal((await key(`${token}2`)).status, 403, 'another token still gets an answer');
    // The private key exchange carries its token in the JSON body: counted the same way.
    const bodyToken = randomBytes(24).toString('base64url');
    const exchange = () =>
      fetch(`${server.url}/keys/private/v/s/0`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ Token: bodyToken, PublicKey: 'x' }),
      });
    assert.ok((await untilRefused(exchange, 2)).statuses.length >= 3);

    // Each key's window started with its own first request: each resets on its own.
    for (const call of [play, () => key(token)]) {
      await untilAllowed(async () => {
        if ((await call()).status === 429) throw new Error('still limited');
      });
    }
  });
});

await withRedis('rate limits in Redis', () => {
  describe('rate limits in Redis (two servers, one window)', () => {
    const prefix = `svtest-rate-${randomBytes(4).toString('hex')}`;
    const servers: ServerProcess[] = [];
    const dirs: string[] = [];

    before(async () => {
      for (let i = 0; i < 2; i++) {
        const dataDir = await makeDataDir();
        dirs.push(dataDir);
        servers.push(
          await startServerProcess({
            dataDir,
            env: {
              ...LIMITS,
              SECUREVOD_RATE_LIMIT_WINDOW_MS: '60000',
              SECUREVOD_REDIS_URL: REDIS_URL,
              SECUREVOD_REDIS_PREFIX: prefix,
            },
          }),
        );
      }
    });

    after(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await Promise.all(dirs.map((d) => removeDir(d)));
      await deleteKeys(REDIS_URL, `${prefix}:`);
    });

    test('the AccessKey limit is counted across nodes; tokens are stored only hashed', async () => {
      const [a, b] = servers as [ServerProcess, ServerProcess];
      await list(a.url);
      await list(b.url);
      await list(a.url);
      const err = await popError(list(b.url));
      assert.equal(err.data.Code, 'Throttling.User');

      const token = randomBytes(24).toString('base64url');
      await fetch(`${a.url}/keys/hls/v/s/0?MtsHlsUriToken=${token}`);
      await fetch(`${b.url}/keys/hls/v/s/0?MtsHlsUriToken=${token}`);
      assert.equal((await fetch(`${a.url}/keys/hls/v/s/0?MtsHlsUriToken=${token}`)).status, 429);

      const redis = new Redis(REDIS_URL);
      try {
        const keys = await redis.keys(`${prefix}:*`);
        assert.ok(
          keys.some((k) => k.includes('count:rate:')),
          keys.join(', '),
        );
        assert.ok(!keys.some((k) => k.includes(token)), 'no token in a Redis key');
      } finally {
        redis.disconnect();
      }
    });
  });
});
