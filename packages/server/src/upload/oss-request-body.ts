/**
 * Request bodies of the OSS upload endpoint, passed through as streams (never buffered whole)
 * with the checks OSS makes on the way: the size limit, Content-Length and Content-MD5. A check
 * that fails throws from inside the stream, so the object store discards what it was writing.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ossErrors } from './oss-error.js';

/** OSS limit for PutObject and for one part. */
export const MAX_OBJECT_SIZE = 5 * 1024 ** 3;

/**
 * Passes the request body through, failing it (so the store keeps nothing) if it is shorter than
 * its Content-Length — a client that went away — or does not match its Content-MD5.
 */
export async function* checkedBody(
  source: AsyncIterable<unknown>,
  headers: IncomingHttpHeaders,
): AsyncGenerator<Uint8Array> {
  const expectedLength = contentLength(headers);
  const expectedMd5 = contentMd5(headers);
  const hash = expectedMd5 ? createHash('md5') : undefined;
  let received = 0;
  for await (const chunk of source) {
    const bytes = chunk as Uint8Array;
    received += bytes.byteLength;
    if (received > MAX_OBJECT_SIZE) throw ossErrors.entityTooLarge();
    hash?.update(bytes);
    yield bytes;
  }
  if (expectedLength !== undefined && received !== expectedLength) throw ossErrors.incompleteBody();
  if (hash && !hash.digest().equals(expectedMd5!)) throw ossErrors.invalidDigest();
}

/** Reads a small body (e.g. the CompleteMultipartUpload XML) whole; `MalformedXML` past `limit` bytes. */
export async function readSmallBody(
  source: AsyncIterable<unknown>,
  headers: IncomingHttpHeaders,
  limit: number,
): Promise<string> {
  if ((contentLength(headers) ?? 0) > limit) throw ossErrors.malformedXml();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of checkedBody(source, headers)) {
    size += chunk.byteLength;
    if (size > limit) throw ossErrors.malformedXml();
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function contentLength(headers: IncomingHttpHeaders): number | undefined {
  const value = headers['content-length'];
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw ossErrors.invalidArgument('Content-Length is not a number.', 'Content-Length');
  const length = Number(value);
  if (length > MAX_OBJECT_SIZE) throw ossErrors.entityTooLarge();
  return length;
}

function contentMd5(headers: IncomingHttpHeaders): Buffer | undefined {
  const header = headers['content-md5'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const digest = Buffer.from(value, 'base64');
  if (digest.length !== 16 || digest.toString('base64') !== value.trim()) throw ossErrors.invalidDigest();
  return digest;
}
