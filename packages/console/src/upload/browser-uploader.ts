/**
 * Uploads one file the way any customer's page would: CreateUploadVideo through the API, then the
 * bytes with unmodified ali-oss (its browser build, loaded on first use) and `multipartUpload`,
 * reporting progress. When the credentials expire or the connection drops mid-way, it asks for
 * new ones (RefreshUploadVideo) and resumes from ali-oss's checkpoint instead of starting over.
 */
import type { VodClient } from '../api/vod-client.js';
import { loadScript } from '../util/script-loader.js';
import {
  decodeUploadTicket,
  ossClientOptions,
  type UploadAnswer,
  type UploadTicket,
} from './upload-ticket.js';

/** What the console uses of the ali-oss browser client. */
interface OssBrowserClient {
  multipartUpload(
    name: string,
    file: File,
    options: {
      partSize: number;
      parallel: number;
      checkpoint?: unknown;
      mime?: string;
      progress: (fraction: number, checkpoint: unknown) => void | Promise<void>;
    },
  ): Promise<unknown>;
  cancel(): void;
}

type OssConstructor = new (options: Record<string, unknown>) => OssBrowserClient;

interface OssFailure {
  readonly name?: string;
  readonly code?: string;
  readonly status?: number;
  readonly message?: string;
}

export interface UploadPolicy {
  readonly partSize: number;
  readonly parallel: number;
  /** Attempts in all, counting the first, for failures a fresh credential or retry can fix. */
  readonly maxAttempts: number;
  readonly timeoutMs: number;
}

export const DEFAULT_UPLOAD_POLICY: UploadPolicy = Object.freeze({
  partSize: 4 * 1024 * 1024,
  parallel: 3,
  maxAttempts: 4,
  timeoutMs: 120_000,
});

export interface UploadRequest {
  readonly client: VodClient;
  readonly file: File;
  readonly title: string;
  /** Template group; the server's default group when undefined. */
  readonly templateGroupId?: string;
  /** URL of ali-oss's browser build (`aliyun-oss-sdk.min.js`). */
  readonly ossScriptUrl: string;
  /** Called once the video exists (before any byte is sent). */
  readonly onCreated?: (videoId: string) => void;
  /** 0..1 */
  readonly onProgress?: (fraction: number) => void;
  readonly signal?: AbortSignal;
  readonly policy?: Partial<UploadPolicy>;
}

export class UploadError extends Error {
  override readonly name = 'UploadError';
  constructor(
    readonly code: 'Cancelled' | 'UploadFailed' | 'NoUploader',
    message: string,
    readonly videoId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

async function ossConstructor(scriptUrl: string): Promise<OssConstructor> {
  const existing = (globalThis as { OSS?: OssConstructor }).OSS;
  if (existing) return existing;
  await loadScript(scriptUrl);
  const loaded = (globalThis as { OSS?: OssConstructor }).OSS;
  if (!loaded)
    throw new UploadError('NoUploader', 'The upload library did not load; reload the page.', undefined);
  return loaded;
}

function retryable(failure: OssFailure): boolean {
  const status = failure.status ?? 0;
  // 403: the temporary credential expired or was replaced; -1/0: the connection broke.
  return status === 403 || status <= 0 || status >= 500 || failure.code === 'ConnectionTimeoutError';
}

/** Resolves with the VideoId once the whole file is stored; the server then starts transcoding. */
export async function uploadFile(request: UploadRequest): Promise<string> {
  const policy = { ...DEFAULT_UPLOAD_POLICY, ...request.policy };
  const { client, file } = request;
  const OSS = await ossConstructor(request.ossScriptUrl);
  const created = await client.request<UploadAnswer>('CreateUploadVideo', {
    Title: request.title,
    FileName: file.name,
    FileSize: file.size,
    TemplateGroupId: request.templateGroupId,
  });
  let ticket: UploadTicket = decodeUploadTicket(created);
  const videoId = ticket.videoId;
  request.onCreated?.(videoId);

  let checkpoint: unknown;
  for (let attempt = 1; ; attempt++) {
    if (request.signal?.aborted) throw new UploadError('Cancelled', 'Upload cancelled.', videoId);
    const oss = new OSS(ossClientOptions(ticket, policy.timeoutMs));
    const onAbort = () => oss.cancel();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await oss.multipartUpload(ticket.objectKey, file, {
        partSize: policy.partSize,
        parallel: policy.parallel,
        mime: file.type || 'application/octet-stream',
        ...(checkpoint ? { checkpoint } : {}),
        progress: (fraction, next) => {
          if (next) checkpoint = next;
          request.onProgress?.(fraction);
        },
      });
      request.onProgress?.(1);
      return videoId;
    } catch (error) {
      const failure = (error ?? {}) as OssFailure;
      if (failure.name === 'cancel' || request.signal?.aborted) {
        throw new UploadError('Cancelled', 'Upload cancelled.', videoId, { cause: error });
      }
      if (attempt >= policy.maxAttempts || !retryable(failure)) {
        throw new UploadError(
          'UploadFailed',
          `Uploading ${file.name} failed: ${failure.code ?? failure.name ?? 'error'}${
            failure.message ? ` — ${failure.message}` : ''
          }. Try again; the video stays in the library as "Uploading" until it is deleted.`,
          videoId,
          { cause: error },
        );
      }
      ticket = decodeUploadTicket(
        await client.request<UploadAnswer>('RefreshUploadVideo', { VideoId: videoId }),
      );
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
    }
  }
}
