/**
 * Connection, timeout, body-size and rate limits (issue 11 items 4–5), read once by
 * `loadServerConfig` from the environment. Every value is documented with its default in
 * docs/configuration.md ("Timeouts and limits"). 0 turns a rate limit or the connection cap off.
 */

export interface HttpLimits {
  /** The request line and headers must arrive within this time (Node's `headersTimeout`). */
  headersTimeoutMs: number;
  /** A connection with no bytes either way for this long is closed (socket inactivity). */
  idleTimeoutMs: number;
  /** A kept-alive connection waiting for its next request is closed after this long. */
  keepAliveTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this time, on every route… */
  bodyTimeoutMs: number;
  /** …except an authenticated OSS upload (PutObject, UploadPart), which gets this much. */
  uploadBodyTimeoutMs: number;
  /** Largest request body on every route but the upload routes (which stream, see below). */
  bodyLimitBytes: number;
  /** Open connections one client address may hold at once; 0 = no cap. */
  maxConnectionsPerClient: number;
}

/** Requests per window; 0 = that limit is off. */
export interface RateLimits {
  windowMs: number;
  /** RPC API, per AccessKeyId (after authentication): `Throttling.User`. */
  rpcPerAccessKey: number;
  /** `/play/*`, per client address. */
  playPerClient: number;
  /** `/keys/*`, per client address. */
  keysPerClient: number;
  /** `/keys/*`, per media token or MtsHlsUriToken (hashed; one leaked URL cannot pull keys at line rate). */
  keysPerToken: number;
  /** `/download/*`, per client address. */
  downloadPerClient: number;
}

export interface LimitsConfig {
  http: HttpLimits;
  rateLimits: RateLimits;
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadLimitsConfig(env: Env, problems: string[]): LimitsConfig {
  const integer = (name: string, fallback: number, min: number, max: number, unit: string) => {
    const raw = env[name]?.trim() || String(fallback);
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name}: "${raw}" must be ${unit} from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const ms = (name: string, fallback: number, min = 100) =>
    integer(name, fallback, min, 24 * 3_600_000, 'milliseconds');
  const count = (name: string, fallback: number) =>
    integer(name, fallback, 0, 1_000_000_000, 'a count (0 = off)');

  const http: HttpLimits = {
    headersTimeoutMs: ms('SECUREVOD_HEADERS_TIMEOUT_MS', 20_000),
    idleTimeoutMs: ms('SECUREVOD_IDLE_TIMEOUT_MS', 60_000),
    keepAliveTimeoutMs: ms('SECUREVOD_KEEP_ALIVE_TIMEOUT_MS', 5_000),
    bodyTimeoutMs: ms('SECUREVOD_BODY_TIMEOUT_MS', 30_000),
    uploadBodyTimeoutMs: ms('SECUREVOD_UPLOAD_BODY_TIMEOUT_MS', 3_600_000),
    bodyLimitBytes: integer('SECUREVOD_BODY_LIMIT_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024, 'bytes'),
    maxConnectionsPerClient: count('SECUREVOD_MAX_CONNECTIONS_PER_CLIENT', 256),
  };
  if (http.headersTimeoutMs > http.bodyTimeoutMs) {
    problems.push('SECUREVOD_HEADERS_TIMEOUT_MS must not exceed SECUREVOD_BODY_TIMEOUT_MS');
  }
  if (http.uploadBodyTimeoutMs < http.bodyTimeoutMs) {
    problems.push('SECUREVOD_UPLOAD_BODY_TIMEOUT_MS must not be shorter than SECUREVOD_BODY_TIMEOUT_MS');
  }
  const rateLimits: RateLimits = {
    windowMs: ms('SECUREVOD_RATE_LIMIT_WINDOW_MS', 60_000),
    rpcPerAccessKey: count('SECUREVOD_RATE_LIMIT_RPC', 6_000),
    playPerClient: count('SECUREVOD_RATE_LIMIT_PLAY', 600),
    keysPerClient: count('SECUREVOD_RATE_LIMIT_KEYS', 6_000),
    keysPerToken: count('SECUREVOD_RATE_LIMIT_KEYS_PER_TOKEN', 600),
    downloadPerClient: count('SECUREVOD_RATE_LIMIT_DOWNLOAD', 120),
  };
  return { http, rateLimits };
}
