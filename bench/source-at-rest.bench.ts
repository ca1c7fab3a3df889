/**
 * Encrypted sources at rest (docs/formats.md, "Encrypted source"): what encrypting a source as it
 * is uploaded (`encryptSource`) and decrypting it for ffmpeg or a FileURL (`openEncryptedSource`,
 * one ranged read of the whole object from the local store) cost per CPU second, against
 * `openssl speed -evp aes-256-gcm` on the same machine. 256 MiB of plaintext, cut from a random
 * 64 KiB piece (as uploads arrive), never held whole. Informational: a source is read at its
 * bitrate (a few MB/s), far below either rate.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { encryptSource, openEncryptedSource } from '../packages/server/src/source/source-cipher.js';
import { deriveSourceKey, SOURCE_MAX_HEADER_LENGTH } from '../packages/server/src/source/source-format.js';
import { createLocalDirectoryStore } from '../packages/server/src/storage/local-directory-store.js';
import { readObject } from '../packages/server/src/storage/object-store.js';
import { opensslAes256Gcm } from './anchors/openssl-aes-gcm-speed.js';
import { compare, type Benchmark } from './benchmark.js';

const MiB = 2 ** 20;
const BYTES = 256 * MiB;
const BINDING = 'source:00112233445566778899aabbccddeeff';

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

async function measure(work: () => Promise<number>): Promise<{ bytes: number; cpu: number; wall: number }> {
  const cpu = cpuSeconds();
  const wall = performance.now();
  const bytes = await work();
  return { bytes, cpu: cpuSeconds() - cpu, wall: (performance.now() - wall) / 1000 };
}

const benchmark: Benchmark = {
  name: 'source-at-rest',
  title: 'Encrypted source: encrypt on upload, decrypt on read, vs openssl speed -evp aes-256-gcm',
  async run(ctx) {
    const key = deriveSourceKey(randomBytes(32));
    const piece = randomBytes(64 * 1024);
    async function* plaintext() {
      for (let i = 0; i < BYTES / piece.length; i++) yield piece;
    }
    const store = await createLocalDirectoryStore({ root: join(ctx.workDir, 'store') });

    ctx.log('encrypting 256 MiB…');
    const encrypt = await measure(async () => {
      let n = 0;
      for await (const chunk of encryptSource(key, BINDING, plaintext())) n += chunk.length;
      return n;
    });
    await store.put('source', encryptSource(key, BINDING, plaintext()));
    const info = (await store.head('source'))!;
    const opened = await openEncryptedSource(store, 'source', key, BINDING, {
      storedSize: info.size,
      firstBytes: await readObject(store, 'source', { start: 0, end: SOURCE_MAX_HEADER_LENGTH - 1 }),
    });
    ctx.log('reading and decrypting 256 MiB…');
    const decrypt = await measure(async () => {
      let n = 0;
      for await (const chunk of opened.read(0, opened.size - 1)) n += chunk.length;
      return n;
    });
    ctx.log('openssl speed…');
    const openssl = await opensslAes256Gcm(3);
    const anchor = openssl.bytesPerSecond / MiB;
    const rate = (m: { bytes: number; cpu: number }) => BYTES / MiB / m.cpu;
    return {
      name: 'source-at-rest',
      title: benchmark.title,
      ours: 'encryptSource / openEncryptedSource (node:crypto, 64 KiB chunks)',
      anchor: openssl.command,
      rows: [
        compare('encrypt (upload path)', 'MiB per CPU s', rate(encrypt), anchor),
        compare('read + decrypt (ffmpeg / FileURL path)', 'MiB per CPU s', rate(decrypt), anchor),
      ],
      notes: [
        `wall: encrypt ${(BYTES / MiB / encrypt.wall).toFixed(0)} MiB/s, read + decrypt ${(BYTES / MiB / decrypt.wall).toFixed(0)} MiB/s`,
        'the read includes the local store and the 16-byte tag per 64 KiB; openssl measures the cipher alone',
      ],
      details: { encrypt, decrypt, openssl },
    };
  },
};

export default benchmark;
