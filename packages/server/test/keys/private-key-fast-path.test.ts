/**
 * The private key exchange's fast path (keys/private-key-fast-path.ts), wired as server.ts wires
 * it — fastify with the CORS policy, the `/keys/` rate-limit guards, the key routes and the real
 * `KeyService` on a worker pool; the stores are stand-ins (one private stream of 4 periods):
 *
 * - a successful exchange is answered outside fastify and opens, with the client's
 *   `unwrapKeyFromServer`, to the period key;
 * - its answers are byte for byte fastify's (status, header names, order and values, body fields
 *   in order; only `Date`, `RequestId` and the fresh key material differ) for a success and for
 *   errors: bad JSON, a bad PublicKey, a missing Token, a body over the fast path's bound and one
 *   over fastify's `bodyLimit`. Fastify's own answer is had by sending the same body chunked
 *   (no `content-length`), which the fast path never takes;
 * - the `/keys/` per-token and per-client limits hold on it, and a failed exchange is counted once;
 * - a pool worker killed while exchanges are in flight costs no exchange;
 * - closing the server with exchanges in flight finishes or refuses them (no 500) and does not hang.
 */
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  createKeyExchangeRequest,
  deriveSegmentKey,
  unwrapKeyFromServer,
  type KeyExchangeRequest,
} from '@securevod/crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { RateLimits } from '../../src/config/limits-config.js';
import { playerCorsHeaders, registerCorsPolicy } from '../../src/http/cors-policy.js';
import { installPlayerRouteGuards } from '../../src/http/player-route-guards.js';
import { parseParams } from '../../src/http/query-params.js';
import { registerRateLimiting } from '../../src/http/rate-limits.js';
import type { DataKeyCache } from '../../src/keys/data-key-cache.js';
import type { KeyExchangePool } from '../../src/keys/key-exchange-pool.js';
import type { KeyDeliveryLog } from '../../src/keys/key-delivery-log.js';
import { keyRoutes } from '../../src/keys/key-routes.js';
import { KeyService } from '../../src/keys/key-service.js';
import {
  attachBodyReplay,
  MAX_BODY_BYTES,
  PrivateKeyFastPath,
} from '../../src/keys/private-key-fast-path.js';
import { ServerMetrics } from '../../src/ops/metrics.js';
import { issueMediaToken } from '../../src/playback/media-token.js';
import type { PlaybackService } from '../../src/playback/playback-service.js';
import { InProcessInvalidationBus } from '../../src/shared/invalidation-bus.js';
import { InProcessCounters } from '../../src/shared/shared-counters.js';
import type { StreamStore } from '../../src/store/stream-store.js';
import type { VideoStore } from '../../src/store/video-store.js';

const SECRET = new Uint8Array(32).fill(9);
const DATA_KEY = new Uint8Array(32).fill(5);
const VIDEO = 'v0000000000000000000000000000001';
const STREAM = 's1';
const CONTEXT = { videoId: VIDEO, rendition: STREAM, period: 1 };
const PATH = `/keys/private/${VIDEO}/${STREAM}/1`;
const NO_LIMITS: RateLimits = {
  windowMs: 60_000,
  rpcPerAccessKey: 0,
  playPerClient: 0,
  keysPerClient: 0,
  keysPerToken: 0,
  downloadPerClient: 0,
};

interface TestServer {
  app: FastifyInstance;
  keys: KeyService;
  port: number;
  /** Requests fastify saw (the fast path's are not among them). */
  fastifySaw: () => number;
}

async function startTestServer(limits: RateLimits = NO_LIMITS): Promise<TestServer> {
  // Set once the key service exists, as in server.ts.
  const front: { fastPath?: PrivateKeyFastPath } = {};
  const app = Fastify({
    serverFactory: (handler) =>
      createServer((req, res) => {
        if (front.fastPath) front.fastPath.tryServe(req, res, () => handler(req, res));
        else handler(req, res);
      }),
    routerOptions: { querystringParser: parseParams },
  });
  let seen = 0;
  app.addHook('onRequest', async () => void seen++);
  await registerCorsPolicy(app, { apiOrigins: [], uploadPrefix: '/securevod/' });
  const counters = new InProcessCounters();
  await registerRateLimiting(app, counters);
  const keyLimits = installPlayerRouteGuards(app, limits, counters);
  const keys = new KeyService({
    playback: {
      secrets: [SECRET],
      nowSeconds: () => Math.floor(Date.now() / 1000),
      streamLimits: undefined,
    } as unknown as PlaybackService,
    videos: { find: async () => ({ status: 'Normal', dataKeyCiphertext: 'dk' }) } as unknown as VideoStore,
    streams: {
      find: async (id: string) =>
        id === STREAM
          ? {
              videoId: VIDEO,
              encryptScheme: 'aes-256-gcm',
              customerKeyCiphertext: null,
              segmentCount: 8,
              keyRotationSegments: 2,
            }
          : undefined,
    } as unknown as StreamStore,
    dataKeys: { get: async () => DATA_KEY } as unknown as DataKeyCache,
    keyLog: { record: async () => undefined } as unknown as KeyDeliveryLog,
    invalidation: new InProcessInvalidationBus(),
    exchangeThreads: 2,
  });
  const privateFastPath = new PrivateKeyFastPath({
    keys,
    metrics: new ServerMetrics(),
    corsHeaders: playerCorsHeaders(),
    bodyTimeoutMs: 30_000,
  });
  attachBodyReplay(app, privateFastPath);
  await app.register(keyRoutes, { keys });
  if (keyLimits) {
    privateFastPath.setGuard({
      allow: (req, token) => keyLimits.allow(req.socket.remoteAddress ?? '', token),
      handedOff: (req) => keyLimits.countedAlready(req),
    });
  }
  app.addHook('preClose', () => privateFastPath.close());
  front.fastPath = privateFastPath;
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    keys,
    port: ((app.server as Server).address() as AddressInfo).port,
    fastifySaw: () => seen,
  };
}

interface Answer {
  status: number;
  /** Raw header pairs as sent, `Date` left out. */
  headers: string[];
  body: string;
}

/** POSTs `body` with a `content-length` (the fast path may take it) or chunked (it never does). */
function post(
  port: number,
  body: string,
  options: { chunked?: boolean; path?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', connection: 'close' };
    if (!options.chunked) headers['content-length'] = String(Buffer.byteLength(body));
    const req = httpRequest(
      { host: '127.0.0.1', port, method: 'POST', path: options.path ?? PATH, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const raw = res.rawHeaders;
          const kept: string[] = [];
          for (let i = 0; i < raw.length; i += 2) {
            if (raw[i]!.toLowerCase() !== 'date') kept.push(raw[i]!, raw[i + 1]!);
          }
          resolve({ status: res.statusCode!, headers: kept, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.chunked) {
      // Two writes, so the body goes chunked however small it is.
      req.write(body.slice(0, 1));
      req.end(body.slice(1));
    } else {
      req.end(body);
    }
  });
}

const token = () =>
  issueMediaToken(SECRET, { videoId: VIDEO, expiresAt: Math.floor(Date.now() / 1000) + 600 });

async function periodKey(): Promise<Uint8Array> {
  return deriveSegmentKey(DATA_KEY, { videoId: VIDEO, rendition: STREAM, period: 1, scheme: 'aes-256-gcm' });
}

/** The answer opens, for `request`, to the period key. */
async function assertOpens(answer: Answer, request: KeyExchangeRequest): Promise<void> {
  assert.equal(answer.status, 200, answer.body);
  const body = JSON.parse(answer.body) as Record<string, string>;
  const key = await unwrapKeyFromServer({
    privateKey: request.privateKey,
    clientPublicKey: request.publicKey,
    response: { serverPublicKey: body.ServerPublicKey!, iv: body.Iv!, wrappedKey: body.WrappedKey! },
    context: CONTEXT,
  });
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await periodKey(), iv);
  const sealed = Buffer.concat([cipher.update('segment'), cipher.final(), cipher.getAuthTag()]);
  const opened = await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, sealed);
  assert.equal(Buffer.from(opened).toString(), 'segment');
}

/** What may differ between two answers to the same request: `RequestId` and the fresh key material. */
function normalised(answer: Answer): Answer {
  let body = answer.body;
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    for (const field of ['RequestId', 'ServerPublicKey', 'Iv', 'WrappedKey']) {
      if (typeof json[field] === 'string') json[field] = `<${field} of ${(json[field] as string).length}>`;
    }
    body = JSON.stringify(json);
  } catch {
    // not JSON: compared as is
  }
  return { ...answer, body };
}

const exchangeBody = (request: KeyExchangeRequest, tokenValue = token()) =>
  JSON.stringify({ Token: tokenValue, PublicKey: request.publicKey });

describe('private key exchange fast path', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.app.close();
  });

  test('a successful exchange is served outside fastify and opens to the period key', async () => {
    const request = await createKeyExchangeRequest();
    const before = server.fastifySaw();
    const answer = await post(server.port, exchangeBody(request));
    await assertOpens(answer, request);
    assert.equal(server.fastifySaw(), before, 'fastify never saw it');
  });

  test('success: the same bytes as the fastify route', async () => {
    const request = await createKeyExchangeRequest();
    const before = server.fastifySaw();
    const fast = await post(server.port, exchangeBody(request));
    const routed = await post(server.port, exchangeBody(request), { chunked: true });
    assert.equal(server.fastifySaw(), before + 1, 'only the chunked one went through fastify');
    await assertOpens(fast, request);
    await assertOpens(routed, request);
    assert.deepEqual(normalised(fast), normalised(routed));
    assert.deepEqual(Object.keys(JSON.parse(fast.body) as object), [
      'RequestId',
      'ServerPublicKey',
      'Iv',
      'WrappedKey',
    ]);
  });

  const publicKey = 'BAAA'; // not a P-256 point
  const errors: Array<[string, () => Promise<string>, number]> = [
    ['bad JSON', async () => '{"Token": "x", "PublicKey":', 400],
    ['a JSON body that is not an object', async () => '"just a string"', 403],
    ['a bad PublicKey', async () => JSON.stringify({ Token: token(), PublicKey: publicKey }), 400],
    [
      'a PublicKey not on the curve',
      async () => {
        const raw = Buffer.alloc(65, 1);
        raw[0] = 4;
        return JSON.stringify({ Token: token(), PublicKey: raw.toString('base64url') });
      },
      400,
    ],
    [
      'a missing Token',
      async () => JSON.stringify({ PublicKey: (await createKeyExchangeRequest()).publicKey }),
      403,
    ],
    [
      'a forged Token',
      async () =>
        JSON.stringify({ Token: 'forged', PublicKey: (await createKeyExchangeRequest()).publicKey }),
      403,
    ],
    ['a __proto__ key', async () => '{"__proto__": {"x": 1}, "Token": "t"}', 400],
    [
      'a body over the fast path bound',
      async () =>
        JSON.stringify({
          Padding: 'x'.repeat(MAX_BODY_BYTES),
          PublicKey: (await createKeyExchangeRequest()).publicKey,
        }),
      403,
    ],
    ['a body over fastify bodyLimit', async () => JSON.stringify({ Padding: 'x'.repeat(1_100_000) }), 413],
  ];
  for (const [name, makeBody, status] of errors) {
    test(`${name}: the same answer as the fastify route`, async () => {
      const body = await makeBody();
      const fast = await post(server.port, body);
      const routed = await post(server.port, body, { chunked: true });
      assert.equal(fast.status, status, fast.body);
      assert.deepEqual(normalised(fast), normalised(routed));
    });
  }

  test("a wrong stream or period is the route's error too", async () => {
    const request = await createKeyExchangeRequest();
    for (const path of [`/keys/private/${VIDEO}/other/1`, `/keys/private/${VIDEO}/${STREAM}/9`]) {
      const fast = await post(server.port, exchangeBody(request), { path });
      const routed = await post(server.port, exchangeBody(request), { path, chunked: true });
      assert.equal(fast.status, 404);
      assert.deepEqual(normalised(fast), normalised(routed));
    }
  });

  test('a pool worker killed while exchanges are in flight: every exchange answers correctly', async () => {
    const requests = await Promise.all(Array.from({ length: 60 }, () => createKeyExchangeRequest()));
    const answers = requests.map((request) => post(server.port, exchangeBody(request)));
    // The pool is the service's own; reach it to kill a worker as a crash would.
    const pool = (server.keys as unknown as { exchange: KeyExchangePool }).exchange;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await pool.workers[0]!.terminate();
    const done = await Promise.all(answers);
    for (let i = 0; i < requests.length; i++) await assertOpens(done[i]!, requests[i]!);
    assert.equal(pool.workers.length, 2);
  });
});

describe('private key exchange fast path: rate limits', () => {
  test('the per-token limit holds, and a failed exchange is counted once', async () => {
    const server = await startTestServer({ ...NO_LIMITS, keysPerToken: 3 });
    try {
      // Tokens are deterministic: this one differs from `token()` by its expiry.
      const mine = issueMediaToken(SECRET, {
        videoId: VIDEO,
        expiresAt: Math.floor(Date.now() / 1000) + 900,
      });
      const bad = await post(server.port, JSON.stringify({ Token: mine, PublicKey: 'BAAA' }));
      assert.equal(bad.status, 400);
      for (let i = 0; i < 2; i++) {
        const request = await createKeyExchangeRequest();
        await assertOpens(await post(server.port, exchangeBody(request, mine)), request);
      }
      const over = await post(server.port, exchangeBody(await createKeyExchangeRequest(), mine));
      assert.equal(over.status, 429);
      const at = over.headers.findIndex((h) => h.toLowerCase() === 'retry-after');
      assert.ok(at >= 0, 'the refusal carries Retry-After');
      // Another token is not limited.
      const other = await createKeyExchangeRequest();
      await assertOpens(await post(server.port, exchangeBody(other)), other);
    } finally {
      await server.app.close();
    }
  });

  test('the per-client limit holds', async () => {
    const server = await startTestServer({ ...NO_LIMITS, keysPerClient: 2 });
    try {
      for (let i = 0; i < 2; i++) {
        const request = await createKeyExchangeRequest();
        await assertOpens(await post(server.port, exchangeBody(request)), request);
      }
      const over = await post(server.port, exchangeBody(await createKeyExchangeRequest()));
      assert.equal(over.status, 429);
    } finally {
      await server.app.close();
    }
  });
});

describe('private key exchange fast path: closing', () => {
  test('closing with exchanges in flight finishes or refuses them, never a 500, and does not hang', async () => {
    const server = await startTestServer();
    const requests = await Promise.all(Array.from({ length: 40 }, () => createKeyExchangeRequest()));
    const answers = requests.map((request) =>
      post(server.port, exchangeBody(request)).then(
        (answer) => ({ request, answer }),
        (error: Error) => ({ request, error }),
      ),
    );
    await Promise.race(answers); // the others are in flight now
    const closing = server.app.close();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      closing,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('close hung')), 10_000);
      }),
    ]);
    clearTimeout(timer);
    let served = 0;
    for (const outcome of await Promise.all(answers)) {
      if ('error' in outcome) continue; // refused at the socket: the server had stopped listening
      if (outcome.answer.status === 200) {
        served++;
        await assertOpens(outcome.answer, outcome.request);
      } else {
        assert.equal(outcome.answer.status, 503, outcome.answer.body);
      }
    }
    assert.ok(served > 0, 'exchanges in flight at close were finished');
  });
});
