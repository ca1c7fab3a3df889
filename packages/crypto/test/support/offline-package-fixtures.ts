/** Shared fixtures of the offline-package tests: the documented vector, packages with random or fixed keys, an independent node:crypto writer. */
import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes as nodeRandomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  concatBytes,
  encryptPackageStream,
  hexToBytes,
  openPackage,
  PACKAGE_NOT_LICENSED_MESSAGE,
  PackageError,
  packageSourceFromBytes,
  utf8Encode,
  type PackageErrorCode,
  type PackageSource,
  type PackageWriterOptions,
} from '@securevod/crypto';

export const ANDROID = 'BB:0D:AC:74:D3:21:09:EF:9C:71:1A:5E:77:2C:8E:BF:03:FD:FA:5A';
export const APP = `android:${ANDROID}`;
export const WEB = 'web:https://video.example.com';
export const KEY = 'AppDecryptKeyAndroid20230101';
export const VIDEO_ID = '9f2c4e1a7b3d4c8e9a0b1c2d3e4f5a6b';
export const CS = 1024;
export const MiB = 1 << 20;

export const VECTOR = {
  secret: hexToBytes('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'),
  packageKey: hexToBytes('202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f'),
  noncePrefix: hexToBytes('a0a1a2a3a4a5a6a7'),
  wrapIv: hexToBytes('b0b1b2b3b4b5b6b7b8b9babb'),
  plaintext: utf8Encode('securevod offline package: 3 chunks, v1'),
};

export const vectorOptions: PackageWriterOptions = {
  secret: VECTOR.secret,
  secretVersion: 1,
  videoId: VIDEO_ID,
  definition: 'HD',
  appIdentification: ANDROID,
  plaintextLength: VECTOR.plaintext.length,
  chunkSize: 16,
  _fixed: { packageKey: VECTOR.packageKey, noncePrefix: VECTOR.noncePrefix, wrapIv: VECTOR.wrapIv },
};

// ---------------------------------------------------------------------------------------------
// helpers

export async function hexBlock(title: string): Promise<string> {
  const markdown = await readFile(new URL('../../../../docs/formats.md', import.meta.url), 'utf8');
  const section = markdown.split(/^## /m).find((s) => s.startsWith(title));
  assert.ok(section, `docs/formats.md has a "## ${title}" section`);
  const vector = section.split(/^### /m).find((s) => s.startsWith('Test vector'));
  assert.ok(vector, `"${title}" has a "### Test vector" subsection`);
  const block = /```hex\n([\s\S]*?)```/.exec(vector);
  assert.ok(block, 'the test vector has a ```hex block');
  return block[1]!
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').replace(/\s+/g, ''))
    .join('')
    .toLowerCase();
}

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export function pseudoRandom(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Yields `bytes` in uneven pieces (including empty ones), as a network stream would. */
export async function* pieces(bytes: Uint8Array, seed = 7): AsyncGenerator<Uint8Array> {
  const sizes = pseudoRandom(64, seed);
  for (let at = 0, i = 0; at < bytes.length || i === 0; i++) {
    const size = i % 5 === 3 ? 0 : 1 + sizes[i % 64]! * 13;
    yield bytes.slice(at, at + size);
    at += size;
  }
}

export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of stream) parts.push(p);
  return concatBytes(...parts);
}

interface Fixture {
  readonly secret: Uint8Array;
  readonly key: CryptoKey;
}

export async function fixture(secret = nodeRandomBytes(32)): Promise<Fixture> {
  const key = await crypto.subtle.importKey('raw', new Uint8Array(secret), 'AES-GCM', false, [
    'decrypt',
    'unwrapKey',
  ]);
  return { secret: new Uint8Array(secret), key };
}

export function options(f: Fixture, plaintextLength: number, extra: Partial<PackageWriterOptions> = {}) {
  return {
    secret: f.secret,
    secretVersion: 3,
    videoId: VIDEO_ID,
    definition: 'HD',
    appIdentification: WEB,
    plaintextLength,
    chunkSize: CS,
    ...extra,
  } satisfies PackageWriterOptions;
}

export async function makePackage(
  f: Fixture,
  plaintext: Uint8Array,
  extra: Partial<PackageWriterOptions> = {},
) {
  return collect(encryptPackageStream(pieces(plaintext), options(f, plaintext.length, extra)));
}

export function open(f: Fixture, pkg: Uint8Array | PackageSource, app = WEB, secretVersion = 3) {
  const source = pkg instanceof Uint8Array ? packageSourceFromBytes(pkg) : pkg;
  return openPackage(source, { secretKey: f.key, secretVersion, appIdentification: app });
}

export function isPackageError(code: PackageErrorCode, what = '', mentions?: RegExp): (e: unknown) => true {
  return (e) => {
    assert.ok(e instanceof PackageError, `${what}: ${String(e)}`);
    assert.equal(e.code, code, `${what}: ${e.message}`);
    if (code === 'NotLicensed') assert.equal(e.message, PACKAGE_NOT_LICENSED_MESSAGE);
    if (mentions) assert.match(e.message, mentions);
    return true;
  };
}

/**
 * The package built with node:crypto straight from docs/formats.md, as an independent check of the
 * writer — and to build what the writer refuses to (a last chunk without the final flag).
 */
export function independentPackage(
  o: PackageWriterOptions & { _fixed: NonNullable<PackageWriterOptions['_fixed']> },
  plaintext: Uint8Array,
  finalFlag: (index: number, count: number) => boolean = (i, n) => i === n - 1,
): Uint8Array {
  const lp = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 255]), b]);
  };
  const app = o.appIdentification.startsWith('android:')
    ? o.appIdentification
    : `android:${o.appIdentification}`;
  const strings = Buffer.concat([lp(o.videoId), lp(o.definition), lp(app)]);
  const chunkSize = o.chunkSize!;
  const fixed = Buffer.alloc(44);
  fixed.write('SVPK', 0, 'latin1');
  fixed.writeUInt16BE(1, 4);
  fixed.writeUInt16BE(44 + strings.length + 48, 6);
  fixed.writeUInt32BE(o.secretVersion, 8);
  fixed.writeUInt32BE(chunkSize, 12);
  fixed.writeBigUInt64BE(BigInt(plaintext.length), 16);
  Buffer.from(o._fixed.noncePrefix).copy(fixed, 24);
  Buffer.from(o._fixed.wrapIv).copy(fixed, 32);
  const signed = Buffer.concat([fixed, strings]);
  const wrap = createCipheriv('aes-256-gcm', o.secret, o._fixed.wrapIv);
  wrap.setAAD(signed);
  const header = Buffer.concat([signed, wrap.update(o._fixed.packageKey), wrap.final(), wrap.getAuthTag()]);
  const digest = createHash('sha256').update(header).digest();
  const count = Math.max(1, Math.ceil(plaintext.length / chunkSize));
  const chunks = [];
  for (let i = 0; i < count; i++) {
    const iv = Buffer.alloc(12);
    Buffer.from(o._fixed.noncePrefix).copy(iv);
    iv.writeUInt32BE(i, 8);
    const aad = Buffer.alloc(37);
    digest.copy(aad);
    aad.writeUInt32BE(i, 32);
    aad[36] = finalFlag(i, count) ? 1 : 0;
    const c = createCipheriv('aes-256-gcm', o._fixed.packageKey, iv);
    c.setAAD(aad);
    chunks.push(c.update(plaintext.subarray(i * chunkSize, (i + 1) * chunkSize)), c.final(), c.getAuthTag());
  }
  return new Uint8Array(Buffer.concat([header, ...chunks]));
}

// ---------------------------------------------------------------------------------------------
