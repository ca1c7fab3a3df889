/**
 * The plaintext scan after a cluster run (issue 10 "Plaintext scan"): the secrets to look for,
 * derived the way the server derives them, and every place the cluster wrote to.
 *
 * Secrets: each video's data key (its wrapped key from PostgreSQL, unwrapped with the shared key
 * ring), every period key of every stream (HKDF from the data key, as the packager and the key
 * service derive them), download secrets (from the key files the CLI wrote) and the AppDecryptKey
 * and AccessKey secrets the test used. Each is searched as raw bytes, hex, base64 and base64url.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { deriveSegmentKey, keyPeriodForSegment, openKeyFile } from '@securevod/crypto';
import { Redis } from 'ioredis';
import type { Kms } from '../../src/kms/kms.js';
import type { Db } from '../../src/store/database.js';
import { createStreamStore } from '../../src/store/stream-store.js';
import { createVideoStore } from '../../src/store/video-store.js';
import { videoDataKeyContext } from '../../src/transcode/transcode-job-handler.js';

export interface Secret {
  /** What it is, for the failure message (never the value). */
  readonly label: string;
  readonly bytes: Buffer;
}

/** The data key and every period key of each video. */
export async function videoKeys(db: Db, kms: Kms, videoIds: string[]): Promise<Secret[]> {
  const videos = createVideoStore(db);
  const streams = createStreamStore(db);
  const out: Secret[] = [];
  for (const videoId of videoIds) {
    const video = await videos.find(videoId);
    if (!video?.dataKeyCiphertext) throw new Error(`video ${videoId} has no wrapped data key`);
    const { plaintext } = await kms.decrypt(video.dataKeyCiphertext, videoDataKeyContext(videoId));
    out.push({ label: `data key of ${videoId}`, bytes: Buffer.from(plaintext) });
    for (const stream of await streams.listForVideo(videoId)) {
      if (stream.encryptScheme !== 'aes-128' && stream.encryptScheme !== 'aes-256-gcm') continue;
      const periods = keyPeriodForSegment(stream.segmentCount - 1, stream.keyRotationSegments) + 1;
      for (let period = 0; period < periods; period++) {
        const key = await deriveSegmentKey(plaintext, {
          videoId,
          rendition: stream.streamId,
          period,
          scheme: stream.encryptScheme,
        });
        out.push({
          label: `${stream.encryptScheme} period key ${period} of stream ${stream.streamId}`,
          bytes: Buffer.from(key),
        });
      }
    }
  }
  return out;
}

/** The download secret inside a key file written by `securevod keys register`. */
export async function downloadSecret(
  keyFile: string,
  appIdentification: string,
  appDecryptKey: string,
): Promise<Secret> {
  const opened = await openKeyFile(await readFile(keyFile), {
    appIdentification,
    appDecryptKey,
    extractable: true,
  });
  const raw = await crypto.subtle.exportKey('raw', opened.secretKey);
  return { label: `download secret of ${appIdentification}`, bytes: Buffer.from(raw) };
}

export function textSecret(label: string, text: string): Secret {
  return { label, bytes: Buffer.from(text, 'utf8') };
}

/** The encodings a secret could leak in: raw, hex (either case), base64, base64url. */
function encodings(secret: Secret): Buffer[] {
  const b64 = secret.bytes.toString('base64');
  return [
    secret.bytes,
    Buffer.from(secret.bytes.toString('hex')),
    Buffer.from(secret.bytes.toString('hex').toUpperCase()),
    Buffer.from(b64.replace(/=+$/, '')),
    Buffer.from(secret.bytes.toString('base64url')),
  ];
}

/** `where: label` for every secret found in `haystack`, in any of its encodings. */
export function findSecrets(where: string, haystack: Buffer, secrets: Secret[]): string[] {
  const hits: string[] = [];
  for (const secret of secrets) {
    if (encodings(secret).some((needle) => haystack.includes(needle))) hits.push(`${where}: ${secret.label}`);
  }
  return hits;
}

/** `pg_dump` of one schema (data and definitions), as an operator's backup would hold it. */
export async function dumpSchema(databaseUrl: string, schema: string): Promise<Buffer> {
  const url = new URL(databaseUrl);
  url.search = '';
  const { stdout } = await promisify(execFile)(
    'pg_dump',
    ['--no-owner', '--schema', schema, '--dbname', url.href],
    { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
  );
  return stdout;
}

/** Every key of a Redis server, each as its name and `DUMP` bytes. */
export async function dumpRedis(url: string): Promise<{ key: string; dump: Buffer }[]> {
  const client = new Redis(url, { maxRetriesPerRequest: 2 });
  const out: { key: string; dump: Buffer }[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const dump = await client.dumpBuffer(key);
        if (dump) out.push({ key, dump });
      }
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return out;
}
