/**
 * Server configuration, read once at the entry point from flags and the environment (flags
 * win), validated with messages that name the bad setting. Library code receives the result.
 */
import { resolveFfmpegPaths } from '@securevod/ffmpeg';
import { availableParallelism } from 'node:os';
import type { AccessKeyPair } from '../auth/access-key-service.js';
import { allowListEntryProblem, type OutboundPolicy } from '../outbound/outbound-policy.js';
import { loadKmsConfig, loadStorageConfig, type KmsConfig, type StorageConfig } from './cluster-config.js';
import { resolveDataDir } from './data-dir.js';
import { loadLimitsConfig, type LimitsConfig } from './limits-config.js';

export type { KmsConfig, StorageConfig } from './cluster-config.js';

export const ROLES = ['api', 'keys', 'media', 'worker'] as const;
export type Role = (typeof ROLES)[number];

export interface ServerConfig {
  dataDir: string;
  host: string;
  port: number;
  /** Public base URL clients use, without trailing slash; undefined = derived after listen. */
  publicUrl: string | undefined;
  /** `postgres://…` for PostgreSQL; undefined = SQLite in the data dir. */
  databaseUrl: string | undefined;
  rootAccessKey: AccessKeyPair | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  roles: Role[];
  ffmpegPath: string;
  ffprobePath: string;
  /** x264 preset for transcoding (`veryfast` by default; tests use `ultrafast`). */
  x264Preset: string;
  /** SECUREVOD_DELETE_SOURCE_AFTER_TRANSCODE: a source is deleted once its transcode publishes. */
  deleteSourceAfterTranscode: boolean;
  /**
   * How long a worker's claim on a job lasts without a heartbeat (renewed every third of it).
   * After a crash, the job is retried once this runs out: shorter recovers sooner, but a worker
   * stalled longer than this (e.g. a stopped VM) loses its job to another one.
   */
  jobLeaseMs: number;
  /**
   * A multipart upload with no activity (initiation, a part) for this long is abandoned: the API
   * role removes its parts. 0 = never (e.g. when a bucket lifecycle rule does it).
   */
  abandonedUploadMaxIdleMs: number;
  /** Type-A URL signing (`auth_key`) of media URLs: keys `[primary, secondary?]`; off when undefined. */
  urlSigning: { privateKeys: string[]; validitySeconds: number } | undefined;
  /** Origins allowed to call the RPC and upload endpoints from a browser (CORS); empty = none. */
  corsOrigins: string[];
  /** Where objects live: the data dir (embedded default) or an S3-compatible bucket. */
  storage: StorageConfig;
  /** Where master keys live: a local key ring (embedded default) or an HSM over PKCS#11. */
  kms: KmsConfig;
  /**
   * Cluster mode's shared Redis (`SECUREVOD_REDIS_URL`): the BullMQ job queue, nonce replay,
   * counters and cache invalidation. Undefined = the embedded defaults (queue in the database,
   * everything else in process). `keyPrefix` ends with `:` and starts every key this node writes.
   */
  redis: { url: string; keyPrefix: string } | undefined;
  /** Bearer token `/metrics` requires; undefined = open (bind it to a private network then). */
  metricsToken: string | undefined;
  /**
   * On SIGTERM: how long running jobs may take to finish before they are handed back to the
   * queue, and in-flight requests to complete (`SECUREVOD_SHUTDOWN_GRACE_MS`).
   */
  shutdownGraceMs: number;
  /**
   * Shortest AssumeRole DurationSeconds accepted: 900 (the cloud's minimum) unless
   * SECUREVOD_STS_MIN_DURATION_SECONDS lowers it — for tests that watch credentials expire.
   */
  stsMinDurationSeconds: number;
  /** Where callbacks and URL pull uploads may connect (outbound/outbound-policy.ts). */
  outbound: OutboundPolicy;
  /** Bounds of one URL pull upload (UploadMediaByURL). */
  urlUpload: UrlUploadLimits;
  /** Timeouts, body sizes, connections per client and rate limits (limits-config.ts). */
  limits: LimitsConfig;
  /**
   * Worker threads for the private key exchange's ECDH (keys/key-exchange-pool.ts;
   * `SECUREVOD_KEY_EXCHANGE_THREADS`): default min(2, cores − 1), so 0 (on the event loop) with
   * one core.
   */
  keyExchangeThreads: number;
}

export interface UrlUploadLimits {
  /** Larger sources fail with URLFileTooLarge (the cloud's limit is 20 GB). */
  maxBytes: number;
  /** The whole download must finish within this time. */
  timeoutMs: number;
  /** Redirects followed; every hop is checked against the outbound policy. */
  maxRedirects: number;
}

export interface ServerFlags {
  dataDir?: string;
  host?: string;
  port?: string;
  roles?: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadServerConfig(input: {
  flags: ServerFlags;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}): ServerConfig {
  const { flags, env, cwd } = input;
  const problems: string[] = [];
  const pick = (flag: string | undefined, envName: string) => {
    const value = flag ?? env[envName];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  const { dataDir, problem: dataDirProblem } = resolveDataDir({ flag: flags.dataDir, env, cwd });
  if (dataDirProblem) problems.push(dataDirProblem);

  const host = pick(flags.host, 'SECUREVOD_HOST') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(host))
    problems.push(`--host / SECUREVOD_HOST: "${host}" is not a host name or IP address`);

  const portRaw = pick(flags.port, 'SECUREVOD_PORT') ?? '8080';
  const port = Number(portRaw);
  if (!/^\d+$/.test(portRaw) || port > 65535) {
    problems.push(`--port / SECUREVOD_PORT: "${portRaw}" is not a port number (0-65535)`);
  }

  let publicUrl = pick(undefined, 'SECUREVOD_PUBLIC_URL');
  if (publicUrl !== undefined) {
    try {
      const url = new URL(publicUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
      if (url.search || url.hash) throw new Error('query');
      publicUrl = url.href.replace(/\/+$/, '');
    } catch {
      problems.push(`SECUREVOD_PUBLIC_URL: "${publicUrl}" must be an http:// or https:// URL without query`);
    }
  }

  const databaseUrl = pick(undefined, 'SECUREVOD_DATABASE_URL');
  if (databaseUrl !== undefined && !/^(postgres|postgresql):\/\//.test(databaseUrl)) {
    problems.push(
      'SECUREVOD_DATABASE_URL: only postgres:// URLs are supported (leave it unset for SQLite in the data dir)',
    );
  }

  const rootId = pick(undefined, 'SECUREVOD_ROOT_ACCESS_KEY_ID');
  const rootSecret = pick(undefined, 'SECUREVOD_ROOT_ACCESS_KEY_SECRET');
  let rootAccessKey: AccessKeyPair | undefined;
  if ((rootId === undefined) !== (rootSecret === undefined)) {
    problems.push('SECUREVOD_ROOT_ACCESS_KEY_ID and SECUREVOD_ROOT_ACCESS_KEY_SECRET must be set together');
  } else if (rootId !== undefined && rootSecret !== undefined) {
    if (!/^[A-Za-z0-9]{8,64}$/.test(rootId)) {
      problems.push('SECUREVOD_ROOT_ACCESS_KEY_ID: must be 8-64 ASCII letters and digits');
    }
    if (rootSecret.length < 16)
      problems.push('SECUREVOD_ROOT_ACCESS_KEY_SECRET: must be at least 16 characters');
    rootAccessKey = { accessKeyId: rootId, accessKeySecret: rootSecret };
  }

  const logLevel = pick(undefined, 'SECUREVOD_LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`SECUREVOD_LOG_LEVEL: "${logLevel}" must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const rolesRaw = pick(flags.roles, 'SECUREVOD_ROLES') ?? ROLES.join(',');
  const roles = rolesRaw.split(',').map((r) => r.trim()) as Role[];
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) {
      problems.push(`--roles / SECUREVOD_ROLES: unknown role "${role}" (known: ${ROLES.join(', ')})`);
    }
  }

  const x264Preset = pick(undefined, 'SECUREVOD_X264_PRESET') ?? 'veryfast';
  const presets = [
    'ultrafast',
    'superfast',
    'veryfast',
    'faster',
    'fast',
    'medium',
    'slow',
    'slower',
    'veryslow',
  ];
  if (!presets.includes(x264Preset)) {
    problems.push(`SECUREVOD_X264_PRESET: "${x264Preset}" must be one of ${presets.join(', ')}`);
  }
  const leaseRaw = pick(undefined, 'SECUREVOD_JOB_LEASE_MS') ?? '60000';
  const jobLeaseMs = Number(leaseRaw);
  if (!/^\d+$/.test(leaseRaw) || jobLeaseMs < 1000 || jobLeaseMs > 3_600_000) {
    problems.push(`SECUREVOD_JOB_LEASE_MS: "${leaseRaw}" must be milliseconds from 1000 to 3600000`);
  }
  const abandonedRaw = pick(undefined, 'SECUREVOD_ABANDONED_UPLOAD_SECONDS') ?? '86400';
  if (!/^\d+$/.test(abandonedRaw) || Number(abandonedRaw) > 31_536_000) {
    problems.push(
      `SECUREVOD_ABANDONED_UPLOAD_SECONDS: "${abandonedRaw}" must be whole seconds up to 31536000 (0 = never remove)`,
    );
  }
  const ffmpeg = resolveFfmpegPaths(env);

  const signingKeys = pick(undefined, 'SECUREVOD_URL_SIGNING_KEYS')
    ?.split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (signingKeys && (signingKeys.length > 2 || signingKeys.some((k) => !/^[A-Za-z0-9]{6,64}$/.test(k)))) {
    problems.push(
      'SECUREVOD_URL_SIGNING_KEYS: one or two comma-separated keys of 6-64 letters and digits (primary,secondary)',
    );
  }
  const validityRaw = pick(undefined, 'SECUREVOD_URL_SIGNING_VALIDITY') ?? '0';
  if (!/^\d+$/.test(validityRaw) || Number(validityRaw) > 31_536_000) {
    problems.push(
      'SECUREVOD_URL_SIGNING_VALIDITY: seconds a CDN adds to the auth_key timestamp (0 = the timestamp is the expiry)',
    );
  }

  const redis = readRedis(pick, problems);

  const metricsToken = pick(undefined, 'SECUREVOD_METRICS_TOKEN');
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,256}$/.test(metricsToken)) {
    problems.push('SECUREVOD_METRICS_TOKEN: 16-256 printable ASCII characters without spaces');
  }
  const graceRaw = pick(undefined, 'SECUREVOD_SHUTDOWN_GRACE_MS') ?? '25000';
  const shutdownGraceMs = Number(graceRaw);
  if (!/^\d+$/.test(graceRaw) || shutdownGraceMs > 3_600_000) {
    problems.push(`SECUREVOD_SHUTDOWN_GRACE_MS: "${graceRaw}" must be milliseconds from 0 to 3600000`);
  }
  const corsOrigins: string[] = [];
  for (const raw of (pick(undefined, 'SECUREVOD_CORS_ORIGINS') ?? '').split(',')) {
    const origin = raw.trim();
    if (origin === '') continue;
    if (!isOrigin(origin)) {
      problems.push(
        `SECUREVOD_CORS_ORIGINS: "${origin}" is not an origin; list origins like https://console.example.com (scheme, host, optional port; no path, no *)`,
      );
    } else corsOrigins.push(origin);
  }

  const deleteSourceRaw = pick(undefined, 'SECUREVOD_DELETE_SOURCE_AFTER_TRANSCODE') ?? '0';
  if (deleteSourceRaw !== '0' && deleteSourceRaw !== '1') {
    problems.push(
      `SECUREVOD_DELETE_SOURCE_AFTER_TRANSCODE: "${deleteSourceRaw}" must be 1 (delete a source once its transcode is published) or 0`,
    );
  }
  const allowPrivateRaw = pick(undefined, 'SECUREVOD_ALLOW_PRIVATE_OUTBOUND') ?? '0';
  if (allowPrivateRaw !== '0' && allowPrivateRaw !== '1') {
    problems.push(
      `SECUREVOD_ALLOW_PRIVATE_OUTBOUND: "${allowPrivateRaw}" must be 1 (callbacks and URL uploads may reach loopback, private and link-local addresses) or 0`,
    );
  }
  const allowList = (pick(undefined, 'SECUREVOD_OUTBOUND_ALLOW') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of allowList) {
    const problem = allowListEntryProblem(entry);
    if (problem) problems.push(`SECUREVOD_OUTBOUND_ALLOW: ${problem}`);
  }
  const integer = (name: string, fallback: string, min: number, max: number, what: string) => {
    const raw = pick(undefined, name) ?? fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name}: "${raw}" must be ${what} from ${min} to ${max}`);
    }
    return value;
  };
  const urlUpload: UrlUploadLimits = {
    maxBytes: integer('SECUREVOD_URL_UPLOAD_MAX_BYTES', String(20 * 1024 ** 3), 1, 2 ** 50, 'bytes'),
    timeoutMs: integer('SECUREVOD_URL_UPLOAD_TIMEOUT_SECONDS', '3600', 1, 7 * 24 * 3600, 'seconds') * 1000,
    maxRedirects: integer('SECUREVOD_URL_UPLOAD_MAX_REDIRECTS', '5', 0, 20, 'a count'),
  };
  const storage = loadStorageConfig(env, dataDir, problems);
  const kms = loadKmsConfig(env, { dataDir, cwd }, problems);
  const stsMinRaw = pick(undefined, 'SECUREVOD_STS_MIN_DURATION_SECONDS') ?? '900';
  if (!/^\d+$/.test(stsMinRaw) || Number(stsMinRaw) < 1 || Number(stsMinRaw) > 900) {
    problems.push(
      `SECUREVOD_STS_MIN_DURATION_SECONDS: "${stsMinRaw}" must be seconds from 1 to 900 (lower than 900 only for tests)`,
    );
  }
  const limits = loadLimitsConfig(env, problems);
  const cores = availableParallelism();
  const keyExchangeThreads = integer(
    'SECUREVOD_KEY_EXCHANGE_THREADS',
    // One core stays the event loop's: on 2 cores a second worker measured more CPU per
    // exchange than one (BENCHMARKS.md, key-exchange), the threads fighting for the cores.
    String(Math.min(2, cores - 1)),
    0,
    64,
    'a thread count (0 = on the event loop)',
  );

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    dataDir,
    host,
    port,
    publicUrl,
    databaseUrl,
    rootAccessKey,
    logLevel: logLevel as ServerConfig['logLevel'],
    roles,
    ffmpegPath: ffmpeg.ffmpegPath,
    ffprobePath: ffmpeg.ffprobePath,
    x264Preset,
    deleteSourceAfterTranscode: deleteSourceRaw === '1',
    jobLeaseMs,
    abandonedUploadMaxIdleMs: Number(abandonedRaw) * 1000,
    urlSigning: signingKeys?.length
      ? { privateKeys: signingKeys, validitySeconds: Number(validityRaw) }
      : undefined,
    redis,
    metricsToken,
    shutdownGraceMs,
    corsOrigins,
    outbound: { allowPrivate: allowPrivateRaw === '1', allowList },
    urlUpload,
    storage,
    kms,
    stsMinDurationSeconds: Number(stsMinRaw),
    limits,
    keyExchangeThreads,
  };
}

/**
 * `SECUREVOD_REDIS_URL` (`redis://` or `rediss://` for TLS; user, password and database number
 * in the URL as usual) and `SECUREVOD_REDIS_PREFIX` (default `securevod`), which lets several
 * installations, or tests, share one Redis.
 */
function readRedis(
  pick: (flag: string | undefined, envName: string) => string | undefined,
  problems: string[],
): ServerConfig['redis'] {
  const url = pick(undefined, 'SECUREVOD_REDIS_URL');
  const prefix = pick(undefined, 'SECUREVOD_REDIS_PREFIX') ?? 'securevod';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix)) {
    problems.push('SECUREVOD_REDIS_PREFIX: 1-64 letters, digits, "_", "." or "-"');
  }
  if (url === undefined) {
    if (pick(undefined, 'SECUREVOD_REDIS_PREFIX') !== undefined) {
      problems.push('SECUREVOD_REDIS_PREFIX: set SECUREVOD_REDIS_URL too (without it nothing uses Redis)');
    }
    return undefined;
  }
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error('scheme');
    if (parsed.pathname !== '' && parsed.pathname !== '/' && !/^\/\d{1,2}$/.test(parsed.pathname)) {
      throw new Error('database');
    }
  } catch {
    problems.push(
      'SECUREVOD_REDIS_URL: must be redis://[user:password@]host[:port][/db] or rediss://… for TLS',
    );
  }
  return { url, keyPrefix: `${prefix}:` };
}

/** `http(s)://host[:port]` exactly as a browser sends it in `Origin`. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}
