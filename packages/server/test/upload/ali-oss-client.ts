/**
 * Typed access to the real, unmodified `ali-oss` package (it ships no TypeScript types), for
 * tests that drive the upload endpoint through the client users use (STYLE §13). Only the members
 * the tests call are typed.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface OssClientOptions {
  readonly endpoint: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly stsToken?: string;
  readonly cname?: boolean;
  readonly sldEnable?: boolean;
  readonly timeout?: number;
}

export interface OssResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
}

export interface OssCheckpoint {
  file: string;
  name: string;
  fileSize: number;
  partSize: number;
  uploadId: string;
  doneParts: { number: number; etag: string }[];
}

export interface OssClient {
  put(
    name: string,
    file: string | Buffer,
    options?: { mime?: string; headers?: Record<string, string> },
  ): Promise<{ name: string; res: OssResponse }>;
  multipartUpload(
    name: string,
    file: string,
    options?: {
      partSize?: number;
      parallel?: number;
      mime?: string;
      checkpoint?: OssCheckpoint;
      progress?: (percentage: number, checkpoint: OssCheckpoint | undefined) => void | Promise<void>;
    },
  ): Promise<{ bucket: string; name: string; etag: string; res: OssResponse }>;
  initMultipartUpload(
    name: string,
    options?: { mime?: string },
  ): Promise<{ uploadId: string; res: OssResponse }>;
  uploadPart(
    name: string,
    uploadId: string,
    partNo: number,
    file: string,
    start: number,
    end: number,
  ): Promise<{ name: string; etag: string; res: OssResponse }>;
  completeMultipartUpload(
    name: string,
    uploadId: string,
    parts: { number: number; etag: string }[],
  ): Promise<{ bucket: string; name: string; etag: string; res: OssResponse }>;
  abortMultipartUpload(name: string, uploadId: string): Promise<{ res: OssResponse }>;
  listParts(
    name: string,
    uploadId: string,
    query?: Record<string, string | number>,
  ): Promise<{
    parts:
      { PartNumber: string; ETag: string; Size: string; LastModified: string }[] | Record<string, string>;
    isTruncated: string;
    nextPartNumberMarker: string;
    res: OssResponse;
  }>;
  head(name: string): Promise<{ status: number; res: OssResponse }>;
  cancel(): void;
}

/** What `ali-oss` throws for an OSS error response. */
export interface OssClientError {
  readonly name?: string;
  readonly code?: string;
  readonly status?: number;
  readonly requestId?: string;
  readonly message?: string;
}

/** `ali-oss/lib/common/signUtils`: call these as methods (they use `this`). */
export interface OssSignUtils {
  buildCanonicalString(
    method: string,
    resourcePath: string,
    request: { headers: Record<string, string>; parameters?: Record<string, string | number> | string },
    expires?: string,
  ): string;
  computeSignature(accessKeySecret: string, canonicalString: string): string;
  authorization(accessKeyId: string, accessKeySecret: string, canonicalString: string): string;
}

export const ossSignUtils = require('ali-oss/lib/common/signUtils') as OssSignUtils;

export function createOssClient(options: OssClientOptions): OssClient {
  const OSS = require('ali-oss') as new (options: object) => OssClient;
  const credentials = {
    accessKeyId: options.accessKeyId,
    accessKeySecret: options.accessKeySecret,
    stsToken: options.stsToken,
  };
  // A refresher that hands back the same credential keeps ali-oss from warning on every client;
  // with a one-hour interval it is never called during a test.
  return new OSS({
    ...options,
    refreshSTSToken: async () => credentials,
    refreshSTSTokenInterval: 3_600_000,
  });
}
