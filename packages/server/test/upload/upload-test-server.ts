/**
 * A real Fastify server on 127.0.0.1 (port 0) with the upload plugin over a local directory store
 * and an in-memory credential table, sharing the instance with stand-ins for the RPC API at `/`
 * (form POST and GET) and a catch-all GET route, as the real server will.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { createLocalDirectoryStore } from '../../src/storage/local-directory-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import type { UploadCredential } from '../../src/upload/oss-authenticator.js';
import { ossUploadPlugin } from '../../src/upload/oss-upload-plugin.js';
import type { ObjectCompletion } from '../../src/upload/oss-upload-plugin.js';
import { createOssClient, ossSignUtils } from './ali-oss-client.js';
import type { OssClient, OssClientOptions } from './ali-oss-client.js';

export interface TestCredential extends UploadCredential {
  readonly accessKeyId: string;
}

export interface UploadTestServer {
  readonly app: FastifyInstance;
  readonly store: ObjectStore;
  readonly endpoint: string;
  readonly port: number;
  readonly credentials: Map<string, TestCredential>;
  readonly completions: ObjectCompletion[];
  /** UploadPart requests this server received. */
  readonly partUploads: () => number;
  issue(overrides?: Partial<TestCredential>): TestCredential;
  client(credential: TestCredential, options?: Partial<OssClientOptions>): OssClient;
  close(): Promise<void>;
}

export async function startUploadTestServer(options: {
  root: string;
  credentials?: Map<string, TestCredential>;
  now?: () => Date;
  onObjectComplete?: (info: ObjectCompletion) => Promise<void>;
}): Promise<UploadTestServer> {
  const store = await createLocalDirectoryStore({ root: options.root });
  const credentials = options.credentials ?? new Map<string, TestCredential>();
  const completions: ObjectCompletion[] = [];
  let partUploads = 0;

  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.route({
    method: ['GET', 'POST'],
    url: '/',
    handler: async (request) => ({
      rpc: true,
      params: { ...(request.query as object), ...((request.body as object | undefined) ?? {}) },
    }),
  });
  app.get('/*', async (request) => ({ fallback: request.url }));
  app.addHook('onRequest', async (request) => {
    if (request.method === 'PUT' && /[?&]partNumber=/.test(request.url)) partUploads += 1;
  });
  await app.register(ossUploadPlugin, {
    store,
    findCredential: async (accessKeyId) => credentials.get(accessKeyId),
    onObjectComplete: async (info) => {
      await options.onObjectComplete?.(info);
      completions.push(info);
    },
    now: options.now,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    app,
    store,
    endpoint,
    port,
    credentials,
    completions,
    partUploads: () => partUploads,
    issue(overrides = {}) {
      const credential: TestCredential = {
        accessKeyId: `STS.${randomBytes(12).toString('hex')}`,
        accessKeySecret: randomBytes(24).toString('base64'),
        securityToken: randomBytes(48).toString('base64'),
        bucket: 'securevod-in',
        objectKey: `sourcefiles/${randomBytes(8).toString('hex')}/video.mp4`,
        expiresAt: new Date(Date.now() + 50 * 60 * 1000),
        ...overrides,
      };
      credentials.set(credential.accessKeyId, credential);
      return credential;
    },
    client(credential, clientOptions = {}) {
      return createOssClient({
        endpoint,
        bucket: credential.bucket,
        accessKeyId: credential.accessKeyId,
        accessKeySecret: credential.accessKeySecret,
        stsToken: credential.securityToken,
        ...clientOptions,
      });
    },
    close: () => app.close(),
  };
}

/**
 * Sends one request signed exactly as ali-oss signs (its own signUtils), path-style, for the
 * requests ali-oss itself cannot be made to send (parts out of order, a wrong Content-MD5, …).
 */
export async function signedFetch(
  endpoint: string,
  credential: TestCredential,
  request: {
    method: string;
    subres?: Record<string, string>;
    headers?: Record<string, string>;
    body?: Buffer | string;
  },
): Promise<{ status: number; headers: Headers; text: string }> {
  const headers: Record<string, string> = {
    'x-oss-date': new Date().toUTCString(),
    'x-oss-security-token': credential.securityToken,
    ...request.headers,
  };
  const resource = `/${credential.bucket}/${credential.objectKey}`;
  const canonical = ossSignUtils.buildCanonicalString(request.method, resource, {
    headers,
    parameters: request.subres,
  });
  headers.authorization = ossSignUtils.authorization(
    credential.accessKeyId,
    credential.accessKeySecret,
    canonical,
  );
  const query = new URLSearchParams(request.subres ?? {}).toString();
  const response = await fetch(`${endpoint}${resource}${query ? `?${query}` : ''}`, {
    method: request.method,
    headers,
    body:
      typeof request.body === 'string' || request.body === undefined
        ? request.body
        : new Uint8Array(request.body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export function md5Hex(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

/** The `<Code>` of an OSS XML error body. */
export function xmlCode(text: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
}
