/**
 * Anchor for key exchanges: `openssl speed -seconds N ecdhp256`, the OpenSSL build's own
 * single-threaded P-256 ECDH rate (one shared-secret derivation per op; key generation is not
 * counted). Parsed from its summary table, e.g.
 *
 *                               op      op/s
 *    256 bits ecdh (nistp256)   0.0000s  20289.5
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface OpensslSpeed {
  command: string;
  opsPerSecond: number;
  line: string;
}

export async function opensslEcdhP256(seconds: number): Promise<OpensslSpeed> {
  const args = ['speed', '-seconds', String(seconds), 'ecdhp256'];
  const { stdout } = await run('openssl', args, { timeout: (seconds + 30) * 1000 });
  return { command: `openssl ${args.join(' ')}`, ...parseEcdhP256(stdout) };
}

export function parseEcdhP256(stdout: string): { opsPerSecond: number; line: string } {
  const match = /^\s*256 bits ecdh \(nistp256\)\s+[\d.]+s\s+([\d.]+)\s*$/m.exec(stdout);
  if (!match) throw new Error(`no "256 bits ecdh (nistp256)" line in openssl speed output:\n${stdout}`);
  return { opsPerSecond: Number(match[1]), line: match[0].trim() };
}
