/**
 * OSS request signature V1, byte for byte as `ali-oss` computes it (`lib/common/signUtils.js`
 * `buildCanonicalString` / `computeSignature`, called from `client.js` `authorization`):
 *
 *   Authorization: OSS <AccessKeyId>:<base64 HMAC-SHA1(secret, StringToSign)>
 *   StringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n
 *                  CanonicalizedOSSHeaders CanonicalizedResource
 *
 * - Date is `x-oss-date` when sent (ali-oss sends only that), else the `Date` header.
 * - CanonicalizedOSSHeaders: every `x-oss-*` header, lowercase name, trimmed value, sorted by
 *   name, each as `name:value\n` (so `x-oss-date` and `x-oss-security-token` are signed twice/once).
 * - CanonicalizedResource: `/<bucket>/<object key>` (key not percent-encoded), then the signed
 *   sub-resources present in the query, sorted by name, `?a&b=v` (no `=` for an empty value).
 *   Other query parameters (e.g. ListParts `max-parts`) are not signed.
 *
 * Header values reach Node as Latin-1 strings of the wire bytes; the resource is UTF-8. The string
 * to sign is therefore kept as a "binary" string and hashed as Latin-1, which reproduces the bytes
 * ali-oss hashes (exactly so in its `headerEncoding: 'latin1'` mode, and for all ASCII requests).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Query parameters OSS signs as sub-resources (the list OSS's own SDKs sign). */
export const SIGNED_SUB_RESOURCES: ReadonlySet<string> = new Set([
  'acl',
  'append',
  'bucketInfo',
  'callback',
  'callback-var',
  'cname',
  'comp',
  'continuation-token',
  'cors',
  'delete',
  'encryption',
  'endTime',
  'img',
  'inventory',
  'inventoryId',
  'lifecycle',
  'live',
  'location',
  'logging',
  'objectMeta',
  'partNumber',
  'policy',
  'position',
  'qos',
  'referer',
  'replication',
  'replicationLocation',
  'replicationProgress',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'security-token',
  'sequential',
  'startTime',
  'stat',
  'status',
  'style',
  'styleName',
  'symlink',
  'tagging',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'vod',
  'website',
  'worm',
  'wormExtend',
  'wormId',
  'x-oss-process',
]);

export interface SignableRequest {
  readonly method: string;
  /** As Node delivers them: lowercase names. */
  readonly headers: IncomingHttpHeaders;
  readonly bucket: string;
  /** Decoded (not percent-encoded). */
  readonly objectKey: string;
  readonly query: URLSearchParams;
}

export function canonicalizedResource(bucket: string, objectKey: string, query: URLSearchParams): string {
  const resource = bucket === '' ? `/${objectKey}` : `/${bucket}/${objectKey}`;
  const names = [...new Set(query.keys())].filter((name) => SIGNED_SUB_RESOURCES.has(name)).sort();
  if (names.length === 0) return resource;
  const subResources = names.map((name) => {
    const value = query.get(name) ?? '';
    return value === '' ? name : `${name}=${value}`;
  });
  return `${resource}?${subResources.join('&')}`;
}

/** The V1 string to sign, as a binary (Latin-1) string; see the file comment. */
export function buildStringToSign(request: SignableRequest): string {
  const header = (name: string): string => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(',') : (value ?? '');
  };
  const ossHeaders = Object.keys(request.headers)
    .filter((name) => name.startsWith('x-oss-'))
    .sort()
    .map((name) => `${name}:${header(name).trim()}\n`)
    .join('');
  const resource = Buffer.from(
    canonicalizedResource(request.bucket, request.objectKey, request.query),
    'utf8',
  ).toString('latin1');
  const date = header('x-oss-date') || header('date');
  return `${request.method.toUpperCase()}\n${header('content-md5')}\n${header('content-type')}\n${date}\n${ossHeaders}${resource}`;
}

export function computeSignature(accessKeySecret: string, stringToSign: string): string {
  return createHmac('sha1', accessKeySecret).update(Buffer.from(stringToSign, 'latin1')).digest('base64');
}

/** Compares two strings (signatures, tokens) in time independent of where they differ. */
export function constantTimeEqual(expected: string, provided: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(provided);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type ParsedAuthorization =
  { readonly version: 1; readonly accessKeyId: string; readonly signature: string } | { readonly version: 4 };

/** Parses `OSS <id>:<signature>`; recognises V4 so it can be refused by name; else undefined. */
export function parseAuthorization(value: string | undefined): ParsedAuthorization | undefined {
  if (value === undefined) return undefined;
  if (value.startsWith('OSS4-HMAC-SHA256 ')) return { version: 4 };
  const match = /^OSS ([^\s:]+):([A-Za-z0-9+/=]+)$/.exec(value.trim());
  if (!match) return undefined;
  return { version: 1, accessKeyId: match[1]!, signature: match[2]! };
}
