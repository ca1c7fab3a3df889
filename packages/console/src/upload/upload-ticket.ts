/**
 * The upload ticket CreateUploadVideo / RefreshUploadVideo return (reference §2.4): base64 JSON
 * UploadAddress {Endpoint, Bucket, FileName} and UploadAuth {AccessKeyId, AccessKeySecret,
 * SecurityToken, Expiration}, and the ali-oss options for it. Same rules as the CLI's
 * `packages/server/src/cli/oss-upload-client.ts`: an IP endpoint works with ali-oss's defaults; a
 * host name needs `cname: true` unless it is a real OSS endpoint.
 */

export interface UploadTicket {
  readonly videoId: string;
  readonly endpoint: string;
  readonly bucket: string;
  readonly objectKey: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string;
  readonly expiresAt: Date;
}

export interface UploadAnswer {
  readonly VideoId?: unknown;
  readonly UploadAddress?: unknown;
  readonly UploadAuth?: unknown;
}

export class UploadTicketError extends Error {
  override readonly name = 'UploadTicketError';
  readonly code = 'BadUploadTicket';
}

function decodeBase64Json(value: unknown, name: string): Record<string, unknown> {
  try {
    const binary = atob(String(value));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const json: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof json === 'object' && json !== null) return json as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new UploadTicketError(`The server's ${name} is not base64 JSON.`);
}

export function decodeUploadTicket(answer: UploadAnswer): UploadTicket {
  const address = decodeBase64Json(answer.UploadAddress, 'UploadAddress');
  const auth = decodeBase64Json(answer.UploadAuth, 'UploadAuth');
  const text = (record: Record<string, unknown>, name: string, what: string): string => {
    const value = record[name];
    if (typeof value !== 'string' || value === '')
      throw new UploadTicketError(`The server's ${what} has no ${name}.`);
    return value;
  };
  const expiresAt = new Date(text(auth, 'Expiration', 'UploadAuth'));
  if (Number.isNaN(expiresAt.getTime()))
    throw new UploadTicketError("The server's UploadAuth has an invalid Expiration.");
  if (typeof answer.VideoId !== 'string' || answer.VideoId === '')
    throw new UploadTicketError('The server sent no VideoId.');
  return {
    videoId: answer.VideoId,
    endpoint: text(address, 'Endpoint', 'UploadAddress'),
    bucket: text(address, 'Bucket', 'UploadAddress'),
    objectKey: text(address, 'FileName', 'UploadAddress'),
    accessKeyId: text(auth, 'AccessKeyId', 'UploadAuth'),
    accessKeySecret: text(auth, 'AccessKeySecret', 'UploadAuth'),
    securityToken: text(auth, 'SecurityToken', 'UploadAuth'),
    expiresAt,
  };
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isIpAddress(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host.includes(':')) return true; // IPv6 (URL hostnames contain ':' only then)
  const match = IPV4.exec(host);
  return match !== null && match.slice(1).every((part) => Number(part) <= 255);
}

/** ali-oss puts the bucket into the host name unless the endpoint is an IP or `cname` is set. */
export function needsCname(endpoint: string): boolean {
  const hostname = new URL(endpoint).hostname;
  return !isIpAddress(hostname) && !hostname.endsWith('.aliyuncs.com');
}

/** Options for `new OSS(…)` from the ticket. */
export function ossClientOptions(ticket: UploadTicket, timeoutMs: number): Record<string, unknown> {
  const credentials = {
    accessKeyId: ticket.accessKeyId,
    accessKeySecret: ticket.accessKeySecret,
    stsToken: ticket.securityToken,
  };
  return {
    ...credentials,
    endpoint: ticket.endpoint,
    bucket: ticket.bucket,
    cname: needsCname(ticket.endpoint),
    secure: ticket.endpoint.startsWith('https:'),
    timeout: timeoutMs,
    // The uploader renews credentials itself (a new client per ticket); this refresher only
    // keeps ali-oss from warning that none is configured, and is never due.
    refreshSTSToken: async () => credentials,
    refreshSTSTokenInterval: Number.MAX_SAFE_INTEGER,
  };
}
