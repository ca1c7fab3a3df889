/**
 * An offline package and its key file made directly with @securevod/crypto (no server), for the
 * `securevod offline` tests: the CLI must open what the library writes, and refuse what is
 * altered. The plaintext is random bytes, so every chunk differs.
 */
import { createKeyFile, encryptPackageStream } from '@securevod/crypto';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const FIXTURE_APP = 'com.example.offline';
export const FIXTURE_APP_DECRYPT_KEY = 'OfflineKey0123456789abcd';

export interface PackageFixture {
  readonly packagePath: string;
  readonly keyFilePath: string;
  /** The key file as text: the base64 AppEncryptKey, as the API returns it. */
  readonly keyTextPath: string;
  readonly plaintext: Buffer;
  readonly secret: Buffer;
  readonly chunkSize: number;
  readonly headerLength: number;
}

export async function makePackageFixture(
  dir: string,
  options: { plaintextLength?: number; chunkSize?: number; secretVersion?: number } = {},
): Promise<PackageFixture> {
  const { plaintextLength = 100_000, chunkSize = 16_384, secretVersion = 3 } = options;
  const secret = randomBytes(32);
  const plaintext = randomBytes(plaintextLength);
  const keyFile = await createKeyFile({
    secret,
    secretVersion,
    appIdentification: FIXTURE_APP,
    appDecryptKey: FIXTURE_APP_DECRYPT_KEY,
    iterations: 100_000,
  });
  const pieces: Uint8Array[] = [];
  for await (const piece of encryptPackageStream([plaintext], {
    secret,
    secretVersion,
    videoId: 'a'.repeat(32),
    definition: 'SD',
    appIdentification: FIXTURE_APP,
    plaintextLength,
    chunkSize,
  })) {
    pieces.push(Buffer.from(piece));
  }
  const packagePath = join(dir, 'fixture.svpk');
  const keyFilePath = join(dir, 'fixture-key.dat');
  const keyTextPath = join(dir, 'fixture-key.txt');
  await writeFile(packagePath, Buffer.concat(pieces));
  await writeFile(keyFilePath, keyFile);
  await writeFile(
    keyTextPath,
    `${Buffer.from(keyFile)
      .toString('base64')
      .replace(/(.{40})/g, '$1\n')}\n`,
  );
  return {
    packagePath,
    keyFilePath,
    keyTextPath,
    plaintext,
    secret,
    chunkSize,
    headerLength: pieces[0]!.length,
  };
}
