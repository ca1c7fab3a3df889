/**
 * The upload ticket `CreateUploadVideo` / `RefreshUploadVideo` return (reference §2.4: base64
 * JSON UploadAddress and UploadAuth), and an unmodified `ali-oss` client built from it. ali-oss
 * ships no TypeScript types; only the members the CLI calls are typed here.
 *
 * Addressing (see `upload/oss-authenticator.ts`): ali-oss puts the bucket into the host name
 * unless the endpoint is an IP address. For an IP endpoint its defaults work as they are; for a
 * host name (`localhost`, `vod.example.com`) we set `cname: true`, so requests go to
 * `/<object key>` on that host and the bucket travels only in the signature. Real OSS endpoints
 * (`*.aliyuncs.com`) keep ali-oss's virtual-hosted default.
 */
import { createRequire } from 'node:module';
import { isIP } from 'node:net';

const require = createRequire(import.meta.url);

export interface UploadAddress {
  readonly Endpoint: string;
  readonly Bucket: string;
  readonly FileName: string;
}

export interface UploadAuth {
  readonly AccessKeyId: string;
  readonly AccessKeySecret: string;
  readonly SecurityToken: string;
  /** ISO 8601 UTC. */
  readonly Expiration: string;
}

export interface UploadTicket {
  readonly videoId: string;
  readonly address: UploadAddress;
  readonly auth: UploadAuth;
  /** `auth.Expiration` parsed. */
  readonly expiresAt: Date;
}

/** Decodes the answer of CreateUploadVideo / RefreshUploadVideo. */
export function decodeUploadTicket(answer: {
  VideoId?: unknown;
  UploadAddress?: unknown;
  UploadAuth?: unknown;
}): UploadTicket {
  const decode = (value: unknown, name: string): Record<string, unknown> => {
    try {
      const json: unknown = JSON.parse(Buffer.from(String(value), 'base64').toString('utf8'));
      if (typeof json === 'object' && json !== null) return json as Record<string, unknown>;
    } catch {
      // reported below
    }
    throw new Error(`the server's ${name} is not base64 JSON`);
  };
  const address = decode(answer.UploadAddress, 'UploadAddress');
  const auth = decode(answer.UploadAuth, 'UploadAuth');
  const strings = (record: Record<string, unknown>, names: string[], what: string) => {
    for (const name of names) {
      if (typeof record[name] !== 'string' || record[name] === '') {
        throw new Error(`the server's ${what} has no ${name}`);
      }
    }
  };
  strings(address, ['Endpoint', 'Bucket', 'FileName'], 'UploadAddress');
  strings(auth, ['AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'Expiration'], 'UploadAuth');
  const expiresAt = new Date(String(auth.Expiration));
  if (Number.isNaN(expiresAt.getTime())) throw new Error(`the server's UploadAuth has an invalid Expiration`);
  if (typeof answer.VideoId !== 'string' || !answer.VideoId) throw new Error('the server sent no VideoId');
  return {
    videoId: answer.VideoId,
    address: address as unknown as UploadAddress,
    auth: auth as unknown as UploadAuth,
    expiresAt,
  };
}

export interface OssCheckpoint {
  file: string;
  name: string;
  fileSize: number;
  partSize: number;
  uploadId: string;
  doneParts: { number: number; etag: string }[];
}

/** The subset of the ali-oss client the uploader uses. */
export interface OssUploadClient {
  put(name: string, file: string): Promise<unknown>;
  multipartUpload(
    name: string,
    file: string,
    options: {
      partSize: number;
      parallel: number;
      checkpoint?: OssCheckpoint;
      progress: (fraction: number, checkpoint: OssCheckpoint | undefined) => void | Promise<void>;
    },
  ): Promise<unknown>;
  /** Stops a running multipartUpload; it then rejects with `{ name: 'cancel' }`. */
  cancel(): void;
}

/** What ali-oss rejects with: an OSS error response, a network error, or a cancel event. */
export interface OssFailure {
  readonly name?: string;
  readonly code?: string;
  readonly status?: number;
  readonly message?: string;
}

export function createOssUploadClient(ticket: UploadTicket, options: { timeoutMs: number }): OssUploadClient {
  const OSS = require('ali-oss') as new (options: object) => OssUploadClient;
  const { Endpoint, Bucket } = ticket.address;
  const credentials = {
    accessKeyId: ticket.auth.AccessKeyId,
    accessKeySecret: ticket.auth.AccessKeySecret,
    stsToken: ticket.auth.SecurityToken,
  };
  return new OSS({
    ...credentials,
    endpoint: Endpoint,
    bucket: Bucket,
    cname: needsCname(Endpoint),
    timeout: options.timeoutMs,
    // Credentials are renewed by the uploader (a fresh client per ticket), not by ali-oss; this
    // refresher only keeps ali-oss from warning that none is configured, and is never due.
    refreshSTSToken: async () => credentials,
    refreshSTSTokenInterval: Number.MAX_SAFE_INTEGER,
  });
}

export function needsCname(endpoint: string): boolean {
  const hostname = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
  return isIP(hostname) === 0 && !hostname.endsWith('.aliyuncs.com');
}
