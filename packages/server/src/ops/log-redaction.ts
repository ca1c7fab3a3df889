/**
 * The one redaction rule for every log line the server writes (issue 11 item 7; DESIGN: keys,
 * secrets and tokens never reach logs):
 *
 * 1. URLs and paths are logged without their query strings (tokens, signatures, PlayAuths and
 *    AppDecryptKeys travel in queries), wherever they appear: the request serializer, the
 *    message text (Fastify's own "Route GET:/x?… not found"), error messages and stacks.
 * 2. Fields named like a secret (`SECRET_FIELDS`, any letter case, at any depth) are masked, and
 *    so is `name=value` text for those names.
 *
 * `loggerOptions` is the pino configuration that applies both to every line: the message and
 * string arguments (`hooks.logMethod`), the merged fields (`formatters.log`), and what the
 * serializers produce (`req`, `err`). A test scans a server's whole log for every secret a
 * realistic flow used (test/ops/log-redaction-flow.test.ts).
 */
export const REDACTED = '[redacted]';

/** Lower-cased names of fields and parameters whose values are secrets. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'accesskeysecret',
  'securitytoken',
  'x-acs-security-token',
  'signature',
  'authorization',
  'playauth',
  'token',
  'mtshlsuritoken',
  'auth_key',
  'appdecryptkey',
  'appencryptkey',
  'plaintext',
  'authkey',
  'uploadauth',
  'wrappedkey',
  'password',
  'cookie',
]);

const NAMES = [...SECRET_FIELDS].map((n) => n.replace(/[-_]/g, '[-_]?')).join('|');
/** `name=value` or `"name":"value"` for a secret name. */
const SECRET_PAIR = new RegExp(`((?:${NAMES})["']?\\s*[=:]\\s*["']?)([^&\\s"',;}]+)`, 'gi');
/** A query string: `?` after a path or URL character, up to whitespace or a quote. */
const QUERY = /(?<=[\w/.%~-])\?[^\s"'<>]+/g;

/** `text` with query strings removed and `secret=value` pairs masked. */
export function redactText(text: string): string {
  if (text.indexOf('?') === -1 && text.indexOf('=') === -1 && text.indexOf(':') === -1) return text;
  return text.replace(QUERY, '').replace(SECRET_PAIR, `$1${REDACTED}`);
}

/** A copy of `value` with secret-named fields masked and every string redacted. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null || depth > 6) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value instanceof Error) return redactError(value);
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  // Requests, replies and other class instances are left to their serializers.
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_FIELDS.has(key.toLowerCase()) ? REDACTED : redactValue(v, depth + 1);
  }
  return out;
}

interface SerializedError {
  [key: string]: unknown;
  type: string;
  message: string;
  stack: string;
}

function redactError(err: Error): SerializedError {
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error ? redactError(err.cause) : redactValue(err.cause);
  return {
    type: err.name,
    message: redactText(err.message),
    stack: redactText(err.stack ?? ''),
    ...(code !== undefined && { code: redactValue(code) }),
    ...(cause !== undefined && { cause }),
  };
}

export function loggerOptions(level: string) {
  return {
    level,
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        url: String(req.url).split('?')[0],
        remoteAddress: req.ip,
      }),
      err: (err: Error) => (err instanceof Error ? redactError(err) : (redactValue(err) as SerializedError)),
    },
    formatters: {
      log: (fields: Record<string, unknown>) => redactValue(fields) as Record<string, unknown>,
    },
    hooks: {
      logMethod(this: unknown, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)),
        );
      },
    },
  };
}
