/**
 * Fuzz target "RPC parameter parsing" (issue 11), through the real RPC plugin on Fastify
 * (`inject`, no socket): random query strings (well-formed and broken percent-encoding, odd names
 * such as `__proto__`), form bodies, methods, content types and signature headers, v1 and V3. No
 * input gets a 5xx; every error is the catalogue's, in the JSON or XML envelope the request asked
 * for. Signed requests with arbitrary Unicode values pass, and reach the handler with exactly the
 * values signed, whether sent in the query or a form body; any altered value is refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { percentEncode } from '@securevod/crypto';
import { isErrorCode } from '../../src/errors/error-catalogue.js';
import { parseParams } from '../../src/http/query-params.js';
import { InMemoryReplayCache } from '../../src/rpc/replay-cache.js';
import { rpcPlugin } from '../../src/rpc/rpc-plugin.js';
import type { RpcRequest } from '../../src/rpc/rpc-types.js';
import { signParams } from '../../src/rpc/signature.js';
import { fuzzParameters, fuzzRuns, isWellFormed, toWellFormed } from '../support/fuzz.js';
import { popTimestamp } from '../support/vod-client.js';

const RUNS = fuzzRuns(2000);
const KEY = { id: 'AKFUZZ', secret: 'fuzz-secret' };
const VERSION = '2017-03-21';

let app: FastifyInstance;
before(async () => {
  // The server's own query parser (server.ts), which keeps repeated names visible as such.
  app = Fastify({ logger: false, routerOptions: { querystringParser: parseParams } });
  const echo = async ({ params }: RpcRequest) => {
    // The typed accessors every action uses: each must refuse bad values with the API's error.
    params.integer('PageNo', { min: 1, max: 100, fallback: 1 });
    params.time('StartTime');
    params.json('UserData');
    params.oneOf('Kind', ['a', 'b'] as const);
    return { Values: params.all };
  };
  await app.register(rpcPlugin, {
    apis: { [VERSION]: { Echo: echo }, '2015-04-01': { GetCallerIdentity: echo } },
    findAccessKey: async (id) => (id === KEY.id ? { secret: KEY.secret, active: true } : undefined),
    replayCache: new InMemoryReplayCache(),
    hostId: 'vod.fuzz',
    recommendBase: 'http://vod.fuzz/docs',
  });
  await app.ready();
});
after(() => app.close());

let nonce = 0;
const signatureParams = () => ({
  AccessKeyId: KEY.id,
  SignatureMethod: 'HMAC-SHA1',
  SignatureVersion: '1.0',
  SignatureNonce: `fuzz-${process.pid}-${++nonce}`,
  Timestamp: popTimestamp(new Date()),
  Format: 'JSON',
  Version: VERSION,
  Action: 'Echo',
});

const NAMES = [
  'Action',
  'Version',
  'AccessKeyId',
  'Signature',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'Timestamp',
  'Format',
  'SecurityToken',
  'PageNo',
  'StartTime',
  'UserData',
  'Kind',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'toString',
  'a[b]',
  'a.1',
];
const VALUES = [
  'Echo',
  'GetCallerIdentity',
  VERSION,
  '2015-04-01',
  KEY.id,
  'HMAC-SHA1',
  'hmac-sha1',
  '1.0',
  'XML',
  'xml',
  'JSON',
  'YAML',
  '2026-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '99999999999999999999',
  '-0',
  '1e3',
  '{"a":[1,{"b":null}]}',
  '{',
  'ACS3-HMAC-SHA256 Credential=AKFUZZ,SignedHeaders=host,Signature=00',
];
const name = fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 8 }));
const value = fc.oneof(
  fc.constantFrom(...VALUES),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
/** One `name=value` pair as it may appear on the wire: encoded, raw, or broken percent-encoding. */
const wirePart = fc.oneof(
  value.map((v) => (isWellFormed(v) ? percentEncode(v) : encodeURIComponent(toWellFormed(v)))),
  fc.stringMatching(/^[^&#\s]{0,12}$/),
  fc
    .array(fc.integer({ min: 0, max: 255 }), { maxLength: 4 })
    .map((bytes) => bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')),
  fc.constantFrom('%', '%zz', '%e2%82', '+', '=', '%00'),
);
const pair = fc
  .tuple(name, wirePart, fc.boolean())
  .map(([n, v, withEquals]) =>
    withEquals ? `${encodeURIComponent(toWellFormed(n))}=${v}` : encodeURIComponent(toWellFormed(n)),
  );
// Names may repeat: a repeated parameter is refused (input hygiene), never a 5xx.
const rawQuery = fc.array(pair, { maxLength: 10 }).map((pairs) => pairs.join('&'));

const request = fc.record({
  method: fc.constantFrom('GET' as const, 'POST' as const),
  query: rawQuery,
  body: fc.option(rawQuery, { nil: undefined }),
  contentType: fc.constantFrom(
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=utf-8',
    // Refused with InvalidParameter naming Content-Type (input hygiene), never a 5xx.
    'application/json',
    'text/plain',
  ),
  headers: fc.dictionary(
    fc.constantFrom(
      'authorization',
      'x-acs-action',
      'x-acs-version',
      'x-acs-date',
      'x-acs-signature-nonce',
      'x-acs-content-sha256',
    ),
    fc.oneof(fc.constantFrom(...VALUES), fc.stringMatching(/^[\x20-\x7e]{0,30}$/)),
    { maxKeys: 4 },
  ),
});

function assertEnvelope(res: { statusCode: number; body: string; headers: Record<string, unknown> }) {
  assert.ok(res.statusCode < 500, `status ${res.statusCode}: ${res.body}`);
  if (res.statusCode === 200) return;
  assert.ok(res.statusCode >= 400);
  const type = String(res.headers['content-type']);
  const code = type.startsWith('text/xml')
    ? /<Code>([^<]*)<\/Code>/.exec(res.body)?.[1]
    : (JSON.parse(res.body) as { Code?: string }).Code;
  assert.ok(code !== undefined && isErrorCode(code), `uncatalogued error: ${res.body}`);
}

describe('RPC parameter parsing, property-based', () => {
  it(`answers any query, form body and signature header with 2xx or a catalogued 4xx (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const res = await app.inject({
          method: r.method,
          url: `/?${r.query}`,
          headers: { ...r.headers, ...(r.body === undefined ? {} : { 'content-type': r.contentType }) },
          ...(r.body === undefined ? {} : { payload: r.body }),
        });
        assertEnvelope(res);
      }),
      fuzzParameters(RUNS),
    );
  });

  it(`signed requests with hostile typed parameters get 2xx or a catalogued 4xx (${RUNS} runs)`, async () => {
    const typed = fc.record(
      {
        PageNo: value,
        StartTime: value,
        UserData: fc.oneof(value, fc.json({ maxDepth: 3 })),
        Kind: value,
        Format: fc.constantFrom('JSON', 'XML', 'xml', 'Json', 'yaml', ''),
        SecurityToken: value,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(typed, fc.boolean(), async (extra, post) => {
        const params = { ...signatureParams(), ...extra };
        for (const [n, v] of Object.entries(params))
          if (!isWellFormed(v)) delete params[n as keyof typeof params];
        const signed = signParams(post ? 'POST' : 'GET', params, KEY.secret);
        const encoded = Object.entries(signed)
          .map(([n, v]) => `${percentEncode(n)}=${percentEncode(v)}`)
          .join('&');
        assertEnvelope(
          await app.inject(
            post
              ? {
                  method: 'POST',
                  url: '/',
                  headers: { 'content-type': 'application/x-www-form-urlencoded' },
                  payload: encoded,
                }
              : { method: 'GET', url: `/?${encoded}` },
          ),
        );
      }),
      fuzzParameters(RUNS),
    );
  });

  it(`signed requests carry any Unicode values to the handler exactly; altered ones fail (${RUNS} runs)`, async () => {
    const userParam = fc.dictionary(
      fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,10}$/).filter((n) => !NAMES.includes(n)),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      { maxKeys: 5 },
    );
    await fc.assert(
      fc.asyncProperty(userParam, fc.boolean(), fc.boolean(), async (extra, post, tamper) => {
        const signed = signParams(post ? 'POST' : 'GET', { ...signatureParams(), ...extra }, KEY.secret);
        const names = Object.keys(extra);
        if (tamper && names.length > 0) signed[names[0]!] += 'x';
        const encoded = Object.entries(signed)
          .map(([n, v]) => `${percentEncode(n)}=${percentEncode(v)}`)
          .join('&');
        const res = await app.inject(
          post
            ? {
                method: 'POST',
                url: '/',
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                payload: encoded,
              }
            : { method: 'GET', url: `/?${encoded}` },
        );
        assertEnvelope(res);
        if (tamper && names.length > 0) {
          assert.equal((JSON.parse(res.body) as { Code: string }).Code, 'SignatureDoesNotMatch');
          return;
        }
        assert.equal(res.statusCode, 200, res.body);
        const { Values } = JSON.parse(res.body) as { Values: Record<string, string> };
        for (const n of names) assert.equal(Values[n], extra[n], `value of ${n}`);
      }),
      fuzzParameters(RUNS),
    );
  });
});
