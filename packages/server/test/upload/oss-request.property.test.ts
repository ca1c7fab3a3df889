/**
 * Fuzz target "the OSS request parser and XML" (issue 11). The CompleteMultipartUpload parser
 * takes any text without throwing and round-trips every part list it is given in ali-oss's shape;
 * and the upload endpoint itself (the real plugin over a local directory store, through
 * `inject`) answers any request — signed as ali-oss signs or not, any method, sub-resources,
 * headers, path and body — with success or a catalogued OSS error in XML, never a 5xx.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { OSS_ERROR_CATALOGUE } from '../../src/errors/oss-error-catalogue.js';
import { createLocalDirectoryStore } from '../../src/storage/local-directory-store.js';
import type { UploadCredential } from '../../src/upload/oss-authenticator.js';
import { SIGNED_SUB_RESOURCES } from '../../src/upload/oss-signature.js';
import { ossUploadPlugin } from '../../src/upload/oss-upload-plugin.js';
import { escapeXml, parseCompleteMultipartUpload } from '../../src/upload/oss-xml.js';
import { fuzzParameters, fuzzRuns, onlyTyped } from '../support/fuzz.js';
import { ossSignUtils } from './ali-oss-client.js';

const RUNS = fuzzRuns(3000);
const HTTP_RUNS = fuzzRuns(1500);
const ID = 'STS.fuzzaccesskey';
const CREDENTIAL: UploadCredential = {
  accessKeySecret: 'fuzz-oss-secret',
  securityToken: 'fuzz-security-token',
  bucket: 'securevod-in',
  objectKey: 'sourcefiles/fuzz/video.mp4',
  expiresAt: new Date(Date.now() + 3_600_000),
};

const partXml = (number: string, etag: string) =>
  `<Part><PartNumber>${number}</PartNumber><ETag>${etag}</ETag></Part>`;
const completeXml = fc
  .array(
    fc.tuple(
      fc.oneof(fc.integer({ min: 0, max: 99999 }).map(String), fc.string({ maxLength: 6 })),
      fc.oneof(
        fc.stringMatching(/^[0-9a-f]{32}$/).map((h) => `"${h.toUpperCase()}"`),
        fc.string({ maxLength: 10 }),
      ),
    ),
    { maxLength: 5 },
  )
  .chain((parts) =>
    fc
      .tuple(
        fc.constantFrom(
          '',
          '<?xml version="1.0" encoding="UTF-8"?>\n',
          '\uFEFF',
          '<!DOCTYPE x [<!ENTITY a "b">]>',
        ),
        fc.constantFrom('CompleteMultipartUpload', 'CompleteMultipartUpload xmlns="x"', 'Other'),
        fc.constantFrom(
          '',
          '<!-- c -->',
          '&amp;',
          '&lt;',
          '&#x10FFFF;',
          '&#xD800;',
          '&bogus;',
          '<![CDATA[x]]>',
          '<?pi?>',
        ),
      )
      .map(([prolog, root, extra]) => {
        const name = root.split(' ')[0];
        return `${prolog}<${root}>${extra}${parts.map(([n, e]) => partXml(n, e)).join('\n')}</${name}>`;
      }),
  );

/** Byte-level edits of XML text: near-misses that stress the hand-written parser. */
const mutatedXml = fc
  .tuple(
    completeXml,
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('<', '>', '/', '&', ';', '"', '!', '-', '?', '', 'x')), {
      maxLength: 4,
    }),
  )
  .map(([xml, edits]) =>
    edits.reduce(
      (s, [at, c]) => s.slice(0, at % (s.length + 1)) + c + s.slice((at % (s.length + 1)) + 1),
      xml,
    ),
  );

describe('OSS XML parser, property-based', () => {
  it(`takes any text without throwing (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.oneof(completeXml, mutatedXml, fc.string({ unit: 'binary', maxLength: 300 })), (xml) => {
        const parts = onlyTyped([], () => parseCompleteMultipartUpload(xml));
        for (const part of parts ?? []) {
          assert.ok(Number.isInteger(part.partNumber) && part.partNumber >= 0 && part.partNumber <= 99999);
          assert.notEqual(part.etag, '');
        }
      }),
      fuzzParameters(RUNS),
    );
  });

  it(`round-trips any part list written as ali-oss writes it (${RUNS} runs)`, () => {
    const parts = fc.array(
      fc.record({
        partNumber: fc.integer({ min: 1, max: 10000 }),
        etag: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
      }),
      { minLength: 1, maxLength: 20 },
    );
    fc.assert(
      fc.property(parts, (list) => {
        // XML 1.0 cannot carry these, escaped or not; ali-oss never sends them in an ETag.
        const clean = list.map((p) => ({
          ...p,
          // eslint-disable-next-line no-control-regex
          etag: p.etag.replace(/[\u0000-\u001f"]/g, 'x').trim() || 'x',
        }));
        const xml =
          '<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload>\n' +
          clean
            .map(
              (p) =>
                `<Part>\n<PartNumber>${p.partNumber}</PartNumber>\n<ETag>"${escapeXml(p.etag)}"</ETag>\n</Part>\n`,
            )
            .join('') +
          '</CompleteMultipartUpload>';
        assert.deepEqual(parseCompleteMultipartUpload(xml), clean);
      }),
      fuzzParameters(RUNS),
    );
  });
});

/** `inject` resolves the URL with WHATWG rules first and cannot send a path those reject (`/\\`). */
function injectable(path: string): boolean {
  try {
    new URL(path, 'http://localhost');
    return true;
  } catch {
    return false;
  }
}

describe('OSS upload endpoint, property-based', () => {
  let app: FastifyInstance;
  let root: string;
  let uploadId: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'securevod-oss-fuzz-'));
    app = Fastify({ logger: false });
    await app.register(ossUploadPlugin, {
      store: await createLocalDirectoryStore({ root }),
      findCredential: async (id) => (id === ID ? CREDENTIAL : undefined),
      onObjectComplete: async () => {},
    });
    await app.ready();
    const res = await send({
      method: 'POST',
      sub: { uploads: '' },
      other: {},
      headers: {},
      body: undefined,
      path: undefined,
      sign: true,
    });
    uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(res.body)![1]!;
  });
  after(async () => {
    await app.close();
    await rm(root, { recursive: true, force: true });
  });

  interface Req {
    method: string;
    sub: Record<string, string>;
    other: Record<string, string>;
    headers: Record<string, string>;
    body: string | undefined;
    path: string | undefined;
    /** true: signed as ali-oss signs; else this Authorization header (unless `headers` has one). */
    sign: true | string;
  }

  function send(r: Req) {
    const headers: Record<string, string> = {
      'x-oss-date': new Date().toUTCString(),
      'x-oss-security-token': CREDENTIAL.securityToken,
      // Signed, so set here rather than left to inject's default for a string payload.
      ...(r.body === undefined ? {} : { 'content-type': 'application/octet-stream' }),
      ...r.headers,
    };
    const resource = `/${CREDENTIAL.bucket}/${CREDENTIAL.objectKey}`;
    const signedSub = Object.fromEntries(Object.entries(r.sub).filter(([k]) => SIGNED_SUB_RESOURCES.has(k)));
    if (r.sign === true) {
      headers.authorization = ossSignUtils.authorization(
        ID,
        CREDENTIAL.accessKeySecret,
        ossSignUtils.buildCanonicalString(r.method, resource, { headers, parameters: signedSub }),
      );
    } else if (headers.authorization === undefined) {
      headers.authorization = r.sign;
    }
    const query = new URLSearchParams({ ...r.sub, ...r.other }).toString().replace(/=(&|$)/g, '$1');
    return app.inject({
      method: r.method as 'GET',
      url: `${r.path ?? resource}${query ? `?${query}` : ''}`,
      headers,
      ...(r.body === undefined ? {} : { payload: r.body }),
    });
  }

  const request = fc.record({
    method: fc.constantFrom('GET', 'HEAD', 'PUT', 'POST', 'DELETE'),
    sub: fc.dictionary(
      fc.constantFrom('uploads', 'uploadId', 'partNumber', 'acl', 'x-oss-process', 'append', 'position'),
      fc.oneof(fc.constantFrom('', '1', '0', '10001', '-1', '1e3', 'REAL'), fc.string({ maxLength: 8 })),
      { maxKeys: 3 },
    ),
    other: fc.dictionary(
      fc.constantFrom('max-parts', 'part-number-marker', 'foo'),
      fc.oneof(fc.constantFrom('', '0', '1', '99999999999999999999', '-5'), fc.string({ maxLength: 6 })),
      { maxKeys: 2 },
    ),
    headers: fc.oneof(
      { weight: 2, arbitrary: fc.constant({}) },
      fc.dictionary(
        fc.constantFrom(
          'content-md5',
          'content-type',
          'x-oss-date',
          'date',
          'x-oss-copy-source',
          'x-oss-meta-a',
          'authorization',
          'x-oss-security-token',
          'host',
        ),
        fc.oneof(
          fc.constantFrom(
            '1B2M2Y8AsgTpgAmY7PhCfg==',
            'AAAA',
            'OSS a:b',
            'OSS4-HMAC-SHA256 x',
            'Thu, 01 Jan 1970 00:00:00 GMT',
            'securevod-in.oss-cn-shanghai.aliyuncs.com',
            '[::1]:80',
          ),
          fc.stringMatching(/^[\x20-\x7e]{0,24}$/),
        ),
        { maxKeys: 3 },
      ),
    ),
    body: fc.option(fc.oneof(completeXml, mutatedXml, fc.string({ maxLength: 64 })), { nil: undefined }),
    path: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      fc.oneof(
        fc
          .oneof(
            fc.constantFrom(
              '/',
              '//',
              '/securevod-in/',
              '/sourcefiles/fuzz/video.mp4',
              '/%zz',
              '/securevod-in/sourcefiles/fuzz/../fuzz/video.mp4',
              '/securevod-in/.multipart/x',
            ),
            fc.stringMatching(/^\/[\x21-\x7e]{0,20}$/).filter((p) => !p.includes('?') && !p.includes('#')),
          )
          .filter(injectable),
      ),
    ),
    sign: fc.oneof(
      { weight: 3, arbitrary: fc.constant(true as const) },
      fc.constantFrom(`OSS ${ID}:AAAA`, 'OSS a:b', 'OSS4-HMAC-SHA256 Credential=x', 'OSS-x', 'OSS '),
      fc.stringMatching(/^[\x20-\x7e]{0,30}$/).map((rest) => `OSS ${rest}`),
    ),
  });

  it(`answers any request with success or a catalogued OSS error, never a 5xx (${HTTP_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const sub = Object.fromEntries(
          Object.entries(r.sub).map(([k, v]) => [k, v === 'REAL' ? uploadId : v]),
        );
        const res = await send({ ...r, sub });
        // The plugin stamps every request it answers. Others are another route's (no OSS
        // Authorization: the RPC API, media…) or refused by Fastify's router before any route
        // (a path it cannot decode, `/%`: a 400 of its own).
        if (res.headers['x-oss-request-id'] === undefined) return assert.ok(res.statusCode < 500);
        assert.ok(res.statusCode < 500, `status ${res.statusCode}: ${res.body}`);
        if (res.statusCode < 300) return;
        const xml =
          r.method === 'HEAD'
            ? Buffer.from(String(res.headers['x-oss-err'] ?? ''), 'base64').toString()
            : res.body;
        const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
        assert.ok(
          code !== undefined && Object.hasOwn(OSS_ERROR_CATALOGUE, code),
          `uncatalogued: ${res.statusCode} ${xml}`,
        );
      }),
      fuzzParameters(HTTP_RUNS),
    );
  });
});
