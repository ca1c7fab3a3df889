/**
 * Anchor for package streaming: `openssl speed -evp aes-256-gcm -seconds N`, the OpenSSL build's
 * own single-threaded AES-256-GCM rate through the EVP interface (AES-NI + PCLMUL where the CPU has
 * them). Parsed from the 16384-byte column of its summary table, which is in 1000s of bytes per
 * second:
 *
 *    type             16 bytes     64 bytes    256 bytes   1024 bytes   8192 bytes  16384 bytes
 *    AES-256-GCM      41421.56k   171810.86k   604705.41k  1650516.85k  3582757.08k  4106758.83k
 *
 * By default openssl speed divides by its own user CPU time; with `-elapsed` by wall-clock time.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const OPENSSL_BLOCK_BYTES = 16384;

export interface OpensslCipherSpeed {
  command: string;
  /** Bytes per second in the 16384-byte column. */
  bytesPerSecond: number;
  line: string;
}

export async function opensslAes256Gcm(
  seconds: number,
  options: { elapsed?: boolean } = {},
): Promise<OpensslCipherSpeed> {
  const args = [
    'speed',
    ...(options.elapsed ? ['-elapsed'] : []),
    '-evp',
    'aes-256-gcm',
    '-seconds',
    String(seconds),
  ];
  // Six block sizes, `seconds` each, plus start-up.
  const { stdout } = await run('openssl', args, { timeout: (6 * seconds + 30) * 1000 });
  return { command: `openssl ${args.join(' ')}`, ...parseAesGcmSpeed(stdout) };
}

export function parseAesGcmSpeed(stdout: string): { bytesPerSecond: number; line: string } {
  const lines = stdout.split('\n');
  const header = lines.find((l) => /^type\s/.test(l));
  const row = lines.find((l) => /^AES-256-GCM\s/i.test(l));
  if (!header || !row) throw new Error(`no AES-256-GCM table in openssl speed output:\n${stdout}`);
  const sizes = [...header.matchAll(/(\d+) bytes/g)].map((m) => Number(m[1]));
  const values = [...row.matchAll(/([\d.]+)k/g)].map((m) => Number(m[1]));
  const column = sizes.indexOf(OPENSSL_BLOCK_BYTES);
  if (column === -1 || values.length !== sizes.length) {
    throw new Error(`no ${OPENSSL_BLOCK_BYTES}-byte column in openssl speed output:\n${stdout}`);
  }
  return { bytesPerSecond: values[column]! * 1000, line: `${header.trim()}\n${row.trim()}` };
}
