/**
 * The OSS-style upload endpoint (DESIGN §3): the subset of the OSS object API that unmodified
 * `ali-oss` uses for `put` and `multipartUpload` — PutObject, InitiateMultipartUpload, UploadPart,
 * CompleteMultipartUpload, AbortMultipartUpload, ListParts — authorised by the temporary upload
 * credentials `CreateUploadVideo` hands out, streaming bodies to the object store.
 *
 * Mounting: `app.register(ossUploadPlugin, deps)`, with no prefix (ali-oss always requests
 * `/<object key>` or `/<bucket>/<object key>`). Its routes are `/*` constrained to requests whose
 * `Authorization` header is an OSS signature, so the plugin shares one Fastify instance with the
 * RPC API at `/` (signed by query parameters, no such header), the console and media routes:
 * requests without that header never reach it, and more specific routes keep precedence.
 *
 * Clients: an endpoint that is an IP address (`http://127.0.0.1:8080`) works as is; with a host
 * name, either wildcard DNS for `<bucket>.<host>`, or `cname: true` (the bucket then travels only
 * in the signature), or `sldEnable: true` (path style) — see `oss-authenticator.ts`.
 *
 * Hooks registered on the root instance also run for these routes; a root hook meant for the RPC
 * API should skip requests whose `request.routeOptions.config.securevodOssUpload` is true.
 *
 * Body parsing is replaced inside this plugin's encapsulation context only: every content type is
 * handed over as the raw stream, so nothing is buffered and the RPC route's form parsing is
 * untouched. Register it without `fastify-plugin`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_CONTENT_TYPE, ObjectStoreError } from '../storage/object-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { MultipartUploadStore, MAX_PART_NUMBER, assertUploadableKey } from './multipart-upload-store.js';
import type { MultipartManifest } from './multipart-upload-store.js';
import { authenticateOssRequest } from './oss-authenticator.js';
import type { AuthenticatedUpload, FindCredential } from './oss-authenticator.js';
import { OssError, ossErrors, renderOssErrorXml } from './oss-error.js';
import { checkedBody, readSmallBody } from './oss-request-body.js';
import { SIGNED_SUB_RESOURCES } from './oss-signature.js';
import { parseCompleteMultipartUpload, renderXmlDocument } from './oss-xml.js';
import type { XmlNode } from './oss-xml.js';
import { measured, type UploadSealer } from './upload-sealer.js';

/** pino-shaped, so `app.log` fits. Never given secrets. */
export interface OssUploadLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface ObjectCompletion {
  readonly bucket: string;
  readonly objectKey: string;
  readonly size: number;
  /** Lowercase hex MD5 of the whole object as uploaded (also for multipart uploads). */
  readonly etag: string;
}

export interface OssUploadDeps {
  readonly store: ObjectStore;
  /** Looks up temporary credentials by AccessKeyId; undefined if unknown. */
  readonly findCredential: FindCredential;
  /**
   * Called once the object is complete (after PutObject, or CompleteMultipartUpload), before the
   * client gets its answer. If it throws, the client gets InternalError and may retry: for a
   * multipart upload the parts are kept until this succeeds. Completions of one upload are
   * serialised within a process; across processes, make this idempotent.
   */
  onObjectComplete(info: ObjectCompletion): Promise<void>;
  /**
   * Called once a request's signature checked out, before its body is read: the server gives
   * authenticated uploads their long body deadline here (http/request-limits.ts).
   */
  readonly onAuthenticated?: (request: FastifyRequest) => void;
  readonly now?: () => Date;
  /** Defaults to the request's logger. */
  readonly logger?: OssUploadLogger;
  /** Allowed difference between the request's date and `now`; OSS uses 15 minutes. */
  readonly maxClockSkewMs?: number;
  /** Stores objects and parts in another form (encrypted sources); as uploaded without one. */
  readonly sealer?: UploadSealer;
}

/** 10,000 parts at ~70 bytes each fit comfortably. */
const MAX_COMPLETE_BODY = 2 * 1024 * 1024;
const LIST_PARTS_MAX = 1000;

/** Route constraint: the request carries an OSS signature (V1 `OSS ` or V4 `OSS4-HMAC-SHA256 `). */
const CONSTRAINT = 'securevodOssSignature';
const ossSignatureConstraint = {
  name: CONSTRAINT,
  mustMatchWhenDerived: false,
  storage() {
    const handlers = new Map<string, unknown>();
    return {
      get: (value: string) => (handlers.get(value) ?? null) as never,
      set: (value: string, handler: unknown) => void handlers.set(value, handler),
    };
  },
  deriveConstraint(req: { headers: IncomingHttpHeaders }): string | undefined {
    const authorization = req.headers.authorization;
    return typeof authorization === 'string' && /^OSS4?[ -]/.test(authorization) ? 'oss' : undefined;
  },
};

type Operation =
  | 'PutObject'
  | 'InitiateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts';

export const ossUploadPlugin: FastifyPluginAsync<OssUploadDeps> = async (app, deps) => {
  const now = deps.now ?? (() => new Date());
  const multipart = new MultipartUploadStore(deps.store, deps.sealer);
  const serialized = keyedSerializer();
  const logOf = (request: FastifyRequest): OssUploadLogger => deps.logger ?? request.log;

  if (!app.hasConstraintStrategy(CONSTRAINT)) app.addConstraintStrategy(ossSignatureConstraint);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.addHook('onRequest', async (_request, reply) => {
    reply.header('x-oss-request-id', randomBytes(12).toString('hex').toUpperCase());
  });

  app.setErrorHandler((error, request, reply) => {
    const ossError = toOssError(error);
    const requestId = String(reply.getHeader('x-oss-request-id'));
    const fields = {
      requestId,
      code: ossError.code,
      method: request.method,
      path: request.url.split('?')[0],
    };
    if (ossError.httpStatus >= 500)
      logOf(request).error({ ...fields, err: error }, 'OSS upload request failed');
    else logOf(request).info(fields, 'OSS upload request refused');
    const xml = renderOssErrorXml(ossError, { requestId, hostId: request.headers.host ?? '' });
    reply.code(ossError.httpStatus).header('content-type', 'application/xml');
    // HEAD answers carry no body; OSS puts the error document, base64, in `x-oss-err`.
    if (request.method === 'HEAD')
      return reply.header('x-oss-err', Buffer.from(xml).toString('base64')).send();
    return reply.send(xml);
  });

  app.route({
    method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'],
    url: '/*',
    constraints: { [CONSTRAINT]: 'oss' },
    exposeHeadRoute: false,
    // Lets hooks registered at the root (which these routes inherit) recognise and skip them.
    config: { securevodOssUpload: true },
    handler: async (request, reply) => {
      const url = request.raw.url ?? '/';
      const q = url.indexOf('?');
      const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
      const upload = await authenticateOssRequest(
        { method: request.method, headers: request.headers, path: q < 0 ? url : url.slice(0, q), query },
        { findCredential: deps.findCredential, now: now(), maxClockSkewMs: deps.maxClockSkewMs },
      );
      deps.onAuthenticated?.(request);
      const body = (request.body as Readable | undefined) ?? request.raw;
      const operation = operationOf(request.method, query, request.headers);
      const uploadId = query.get('uploadId') ?? '';
      switch (operation) {
        case 'PutObject':
          return putObject(request, reply, upload, body);
        case 'InitiateMultipartUpload':
          return initiate(request, reply, upload);
        case 'UploadPart':
          return uploadPart(request, reply, upload, body, uploadId, query.get('partNumber') ?? '');
        case 'CompleteMultipartUpload': {
          const xml = await readSmallBody(body, request.headers, MAX_COMPLETE_BODY);
          const parts = parseCompleteMultipartUpload(xml);
          if (!parts) throw ossErrors.malformedXml();
          return serialized(uploadId, async () => {
            const manifest = await multipart.find(uploadId, upload);
            return complete(request, reply, manifest, await multipart.complete(manifest, parts));
          });
        }
        case 'AbortMultipartUpload':
          return serialized(uploadId, async () => {
            await multipart.find(uploadId, upload);
            await multipart.discard(uploadId);
            return reply.code(204).send();
          });
        case 'ListParts':
          return listParts(reply, await multipart.find(uploadId, upload), query);
        default:
          throw ossErrors.accessDenied(
            'Upload credentials allow only PutObject and the multipart upload operations on their object.',
          );
      }
    },
  });

  async function putObject(
    request: FastifyRequest,
    reply: FastifyReply,
    upload: AuthenticatedUpload,
    body: Readable,
  ) {
    assertUploadableKey(upload.objectKey);
    const contentType = request.headers['content-type'] || DEFAULT_CONTENT_TYPE;
    const plain = checkedBody(body, request.headers);
    let size: number;
    let etag: string;
    if (deps.sealer) {
      const hash = createHash('md5');
      const counted = measured(plain, hash);
      await deps.store.put(
        upload.objectKey,
        await deps.sealer.seal(upload.objectKey, undefined, counted.body),
        {
          contentType,
        },
      );
      size = counted.result.size;
      etag = hash.digest('hex');
    } else {
      ({ size, etag } = await deps.store.put(upload.objectKey, plain, { contentType }));
    }
    await deps.onObjectComplete({ bucket: upload.bucket, objectKey: upload.objectKey, size, etag });
    logOf(request).info(
      {
        requestId: reply.getHeader('x-oss-request-id'),
        bucket: upload.bucket,
        objectKey: upload.objectKey,
        size,
      },
      'Object uploaded',
    );
    return reply.code(200).header('ETag', ossEtag(etag)).header('Content-MD5', hexToBase64(etag)).send();
  }

  async function initiate(request: FastifyRequest, reply: FastifyReply, upload: AuthenticatedUpload) {
    const contentType = request.headers['content-type'] || DEFAULT_CONTENT_TYPE;
    const manifest = await multipart.initiate(
      { bucket: upload.bucket, objectKey: upload.objectKey, contentType },
      now(),
    );
    return sendXml(reply, [
      'InitiateMultipartUploadResult',
      [
        ['Bucket', manifest.bucket],
        ['Key', manifest.objectKey],
        ['UploadId', manifest.uploadId],
      ],
    ]);
  }

  async function uploadPart(
    request: FastifyRequest,
    reply: FastifyReply,
    upload: AuthenticatedUpload,
    body: Readable,
    uploadId: string,
    partNumberText: string,
  ) {
    const partNumber = Number(partNumberText);
    if (!/^\d{1,5}$/.test(partNumberText) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw ossErrors.invalidArgument(
        'Part number must be an integer between 1 and 10000, inclusive.',
        'partNumber',
      );
    }
    const manifest = await multipart.find(uploadId, upload);
    const { etag } = await multipart.putPart(manifest, partNumber, checkedBody(body, request.headers));
    return reply.code(200).header('ETag', ossEtag(etag)).send();
  }

  async function complete(
    request: FastifyRequest,
    reply: FastifyReply,
    manifest: MultipartManifest,
    assembled: { size: number; etag: string; multipartEtag: string },
  ) {
    const { bucket, objectKey, uploadId } = manifest;
    await deps.onObjectComplete({ bucket, objectKey, size: assembled.size, etag: assembled.etag });
    const log = logOf(request);
    const requestId = reply.getHeader('x-oss-request-id');
    // The object is complete and recorded; a failed clean-up must not turn that into an error.
    await multipart.discard(uploadId).catch((err: unknown) => {
      log.warn({ requestId, uploadId, err }, 'Could not discard a completed multipart upload');
    });
    log.info({ requestId, bucket, objectKey, size: assembled.size, uploadId }, 'Multipart object uploaded');
    const location = `${request.protocol}://${request.headers.host ?? ''}/${encodeURIComponent(objectKey).replace(/%2F/g, '/')}`;
    reply.header('ETag', `"${assembled.multipartEtag}"`);
    return sendXml(reply, [
      'CompleteMultipartUploadResult',
      [
        ['Location', location],
        ['Bucket', bucket],
        ['Key', objectKey],
        ['ETag', `"${assembled.multipartEtag}"`],
      ],
    ]);
  }

  async function listParts(reply: FastifyReply, manifest: MultipartManifest, query: URLSearchParams) {
    const maxParts = boundedInteger(query.get('max-parts'), LIST_PARTS_MAX, 1, LIST_PARTS_MAX, 'max-parts');
    const marker = boundedInteger(
      query.get('part-number-marker'),
      0,
      0,
      MAX_PART_NUMBER,
      'part-number-marker',
    );
    const after = (await multipart.listParts(manifest)).filter((p) => p.partNumber > marker);
    const page = after.slice(0, maxParts);
    const truncated = after.length > page.length;
    return sendXml(reply, [
      'ListPartsResult',
      [
        ['Bucket', manifest.bucket],
        ['Key', manifest.objectKey],
        ['UploadId', manifest.uploadId],
        ['PartNumberMarker', marker],
        ['NextPartNumberMarker', page.at(-1)?.partNumber ?? marker],
        ['MaxParts', maxParts],
        ['IsTruncated', truncated],
        ...page.map((p): XmlNode => [
          'Part',
          [
            ['PartNumber', p.partNumber],
            ['LastModified', p.lastModified.toISOString()],
            ['ETag', ossEtag(p.etag)],
            ['Size', p.size],
          ],
        ]),
      ],
    ]);
  }
};

/** Which operation a request is, from its method and sub-resources; undefined for anything else. */
function operationOf(
  method: string,
  query: URLSearchParams,
  headers: IncomingHttpHeaders,
): Operation | undefined {
  const own = new Set(['uploads', 'uploadId', 'partNumber']);
  const otherSubResource = [...query.keys()].some((k) => SIGNED_SUB_RESOURCES.has(k) && !own.has(k));
  if (otherSubResource || headers['x-oss-copy-source'] !== undefined) return undefined;
  const has = (name: string) => query.has(name);
  switch (method) {
    case 'PUT':
      if (!has('uploadId') && !has('partNumber')) return 'PutObject';
      return has('uploadId') && has('partNumber') ? 'UploadPart' : undefined;
    case 'POST':
      if (has('uploads')) return 'InitiateMultipartUpload';
      return has('uploadId') ? 'CompleteMultipartUpload' : undefined;
    case 'DELETE':
      return has('uploadId') ? 'AbortMultipartUpload' : undefined;
    case 'GET':
      return has('uploadId') ? 'ListParts' : undefined;
    default:
      return undefined;
  }
}

function boundedInteger(
  text: string | null,
  fallback: number,
  min: number,
  max: number,
  name: string,
): number {
  if (text === null || text === '') return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min) throw ossErrors.invalidArgument(`${name} is not valid.`, name);
  return Math.min(value, max);
}

/** OSS writes ETags quoted and in uppercase hex. */
function ossEtag(hexMd5: string): string {
  return `"${hexMd5.toUpperCase()}"`;
}

function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

function sendXml(reply: FastifyReply, root: XmlNode) {
  return reply.code(200).header('content-type', 'application/xml').send(renderXmlDocument(root));
}

/** The one place errors become OSS codes; anything unexpected is an InternalError. */
function toOssError(error: unknown): OssError {
  if (error instanceof OssError) return error;
  if (error instanceof ObjectStoreError) {
    switch (error.code) {
      case 'InvalidKey':
        return ossErrors.invalidObjectName();
      case 'InvalidArgument':
        return ossErrors.invalidArgument(error.message);
      case 'Unavailable':
        return ossErrors.unavailable(error);
      default:
        return ossErrors.internal(error);
    }
  }
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return ossErrors.invalidArgument((error as Error).message);
  }
  return ossErrors.internal(error);
}

/** Runs tasks with the same key one after another (completing and aborting one upload). */
function keyedSerializer() {
  const tails = new Map<string, Promise<void>>();
  return async <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}
