/**
 * Uploads a source file with the credentials of an upload ticket, through unmodified ali-oss:
 * `put` below one part size, `multipartUpload` above it.
 *
 * Upload credentials expire (UPLOAD_CREDENTIAL_TTL_SECONDS, 50 minutes), and a large file on a
 * slow link outlives them. After each part, if the ticket is within `refreshBeforeExpiryMs` of
 * its Expiration and parts remain, the upload is cancelled and resumed from ali-oss's checkpoint
 * with a fresh ticket from `refresh` (RefreshUploadVideo), so no finished part is sent twice and
 * no request is signed with a credential about to lapse. A credential that fails anyway (the
 * machine slept, the clock is off) is refreshed and the upload resumed the same way, a bounded
 * number of times without progress; network errors and 5xx answers resume after a backoff.
 * Both bounds are data (`UploadPolicy`).
 */
import {
  createOssUploadClient,
  type OssCheckpoint,
  type OssFailure,
  type OssUploadClient,
  type UploadTicket,
} from './oss-upload-client.js';

export interface UploadPolicy {
  /** Files smaller than this go in one `put`; larger ones in parts of this size. */
  readonly partSize: number;
  readonly parallel: number;
  /** Renew the credential this long before its Expiration. */
  readonly refreshBeforeExpiryMs: number;
  /** Credential failures in a row (no part finished in between) before giving up. */
  readonly maxCredentialRetries: number;
  /** Network / 5xx failures in a row before giving up, with doubling delays. */
  readonly maxTransientRetries: number;
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  /** ali-oss request timeout. */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_UPLOAD_POLICY: UploadPolicy = {
  partSize: 8 * 1024 * 1024,
  parallel: 4,
  refreshBeforeExpiryMs: 5 * 60_000,
  maxCredentialRetries: 2,
  maxTransientRetries: 3,
  retryDelayMs: 1000,
  maxRetryDelayMs: 8000,
  requestTimeoutMs: 120_000,
};

/** OSS codes meaning "this credential is no longer good", answered by a fresh one. */
const CREDENTIAL_FAILURES = new Set(['SecurityTokenExpired', 'InvalidAccessKeyId', 'InvalidSecurityToken']);

export interface SourceUploadOptions {
  readonly file: string;
  readonly size: number;
  readonly ticket: UploadTicket;
  /** A fresh ticket for the same video and object (RefreshUploadVideo). */
  refresh(): Promise<UploadTicket>;
  /** Bytes known to be stored so far (whole parts; the full size at the end). */
  onProgress?(uploadedBytes: number): void;
  readonly policy?: Partial<UploadPolicy>;
  readonly now?: () => number;
  readonly createClient?: (ticket: UploadTicket, options: { timeoutMs: number }) => OssUploadClient;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface SourceUploadResult {
  /** How many times RefreshUploadVideo was called. */
  readonly refreshes: number;
  readonly multipart: boolean;
}

/** The upload failed for good; `code` is the OSS error code or ali-oss's network error name. */
export class SourceUploadError extends Error {
  override readonly name = 'SourceUploadError';
  constructor(
    readonly code: string,
    readonly httpStatus: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export async function uploadSource(options: SourceUploadOptions): Promise<SourceUploadResult> {
  const policy = { ...DEFAULT_UPLOAD_POLICY, ...options.policy };
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const createClient = options.createClient ?? createOssUploadClient;
  const objectKey = options.ticket.address.FileName;
  let ticket = options.ticket;
  let refreshes = 0;
  const due = () => now() >= ticket.expiresAt.getTime() - policy.refreshBeforeExpiryMs;
  const renew = async () => {
    ticket = await options.refresh();
    refreshes++;
  };
  const retries = new RetryBudget(policy);

  if (options.size < policy.partSize) {
    for (;;) {
      if (due()) await renew();
      try {
        await createClient(ticket, { timeoutMs: policy.requestTimeoutMs }).put(objectKey, options.file);
        break;
      } catch (error) {
        const next = retries.next(error as OssFailure);
        if (next === 'renew') await renew();
        else if (typeof next === 'number') await sleep(next);
        else throw next;
      }
    }
    options.onProgress?.(options.size);
    return { refreshes, multipart: false };
  }

  let checkpoint: OssCheckpoint | undefined;
  const uploaded = () => storedBytes(checkpoint, options.size);
  for (;;) {
    if (due()) await renew();
    const client = createClient(ticket, { timeoutMs: policy.requestTimeoutMs });
    let cancelledForRefresh = false;
    const partsBefore = checkpoint?.doneParts.length ?? 0;
    // Each attempt gets its own copy: a failed attempt's parts still in flight must not append
    // to the list the next attempt completes with.
    checkpoint = checkpoint && { ...checkpoint, doneParts: [...checkpoint.doneParts] };
    try {
      await client.multipartUpload(objectKey, options.file, {
        partSize: policy.partSize,
        parallel: policy.parallel,
        checkpoint,
        progress: (_fraction, current) => {
          if (current) checkpoint = current;
          options.onProgress?.(uploaded());
          const remaining = checkpoint ? partCount(checkpoint) - checkpoint.doneParts.length : 1;
          if (remaining > 0 && due() && !cancelledForRefresh) {
            cancelledForRefresh = true;
            client.cancel();
          }
        },
      });
      break;
    } catch (error) {
      // ali-oss rejects on the first failed part while others still run; stop them.
      client.cancel();
      if ((checkpoint?.doneParts.length ?? 0) > partsBefore) retries.progressed();
      if (cancelledForRefresh && (error as OssFailure).name === 'cancel') continue;
      const next = retries.next(error as OssFailure);
      if (next === 'renew') await renew();
      else if (typeof next === 'number') await sleep(next);
      else throw next;
    }
  }
  options.onProgress?.(options.size);
  return { refreshes, multipart: true };
}

/** Decides what a failure leads to: a fresh credential, a delay before resuming, or the end. */
class RetryBudget {
  private credentialFailures = 0;
  private transientFailures = 0;

  constructor(private readonly policy: UploadPolicy) {}

  progressed(): void {
    this.credentialFailures = 0;
    this.transientFailures = 0;
  }

  next(failure: OssFailure): 'renew' | number | SourceUploadError {
    const code = failure.code ?? failure.name ?? 'UploadFailed';
    if (CREDENTIAL_FAILURES.has(code) && this.credentialFailures < this.policy.maxCredentialRetries) {
      this.credentialFailures++;
      return 'renew';
    }
    const transient = failure.status === -1 || failure.status === -2 || (failure.status ?? 0) >= 500;
    if (transient && this.transientFailures < this.policy.maxTransientRetries) {
      const delay = Math.min(
        this.policy.retryDelayMs * 2 ** this.transientFailures,
        this.policy.maxRetryDelayMs,
      );
      this.transientFailures++;
      return delay;
    }
    const firstLine = (failure.message ?? code).split('\n')[0]!;
    const status = failure.status !== undefined && failure.status > 0 ? failure.status : undefined;
    return new SourceUploadError(code, status, `${code}${status ? ` (HTTP ${status})` : ''}: ${firstLine}`, {
      cause: failure,
    });
  }
}

function partCount(checkpoint: OssCheckpoint): number {
  return Math.ceil(checkpoint.fileSize / checkpoint.partSize);
}

function storedBytes(checkpoint: OssCheckpoint | undefined, size: number): number {
  if (!checkpoint) return 0;
  let bytes = 0;
  for (const part of checkpoint.doneParts) {
    bytes += Math.min(checkpoint.partSize, size - (part.number - 1) * checkpoint.partSize);
  }
  return bytes;
}
