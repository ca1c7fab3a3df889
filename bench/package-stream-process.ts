/**
 * "Ours" of package-throughput.bench.ts, run in a Node process of its own (as the openssl anchor
 * runs in its own), so neither the bench process's heap from earlier benchmarks nor its load
 * generator is measured: `encryptPackageStream` over pseudo-random plaintext cut from an 8 MiB
 * random pool in 64 KiB pieces (an fs read stream's size), never held whole. One warm-up pass,
 * then `passes` measured passes; prints one JSON line `{"passes":[StreamRun…]}` and exits.
 *
 *   node --import tsx bench/package-stream-process.ts <plaintextBytes> <passes> <warmupBytes>
 *
 * `runPackageStreamProcess` starts it and reads that line.
 */
import { encryptPackageStream } from '@securevod/crypto/node';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const POOL_BYTES = 8 * 2 ** 20;
export const PIECE_BYTES = 64 * 1024;
const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

export interface StreamRun {
  plaintextBytes: number;
  packageBytes: number;
  wallSeconds: number;
  /** The process's user + system CPU, all threads (WebCrypto runs on the libuv pool). */
  cpuSeconds: number;
}

/** `total` bytes as PIECE_BYTES views into `pool`, round and round. */
function* poolSource(pool: Uint8Array, total: number): Generator<Uint8Array> {
  for (let at = 0; at < total; at += PIECE_BYTES) {
    const offset = at % pool.length;
    yield pool.subarray(offset, offset + Math.min(PIECE_BYTES, total - at));
  }
}

async function encryptOnce(pool: Uint8Array, plaintextLength: number): Promise<StreamRun> {
  const secret = new Uint8Array(randomBytes(32));
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let packageBytes = 0;
  for await (const piece of encryptPackageStream(poolSource(pool, plaintextLength), {
    secret,
    secretVersion: 1,
    videoId: '0123456789abcdef0123456789abcdef',
    definition: 'HD',
    appIdentification: 'com.example.bench',
    plaintextLength,
  })) {
    packageBytes += piece.length;
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  secret.fill(0);
  return {
    plaintextBytes: plaintextLength,
    packageBytes,
    wallSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

export async function runPackageStreamProcess(
  plaintextBytes: number,
  passes: number,
  warmupBytes: number,
): Promise<StreamRun[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', SELF, String(plaintextBytes), String(passes), String(warmupBytes)],
    { cwd: REPO_ROOT, timeout: 10 * 60_000 },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('{"passes":'));
  if (!line) throw new Error(`package-stream-process printed no result:\n${stdout}`);
  return (JSON.parse(line) as { passes: StreamRun[] }).passes;
}

async function main(argv: string[]): Promise<void> {
  const [plaintextBytes, passes, warmupBytes] = argv.map(Number);
  if (!plaintextBytes || !passes || warmupBytes === undefined) {
    throw new Error('usage: package-stream-process.ts <plaintextBytes> <passes> <warmupBytes>');
  }
  const pool = new Uint8Array(randomBytes(POOL_BYTES));
  if (warmupBytes > 0) await encryptOnce(pool, warmupBytes);
  const runs: StreamRun[] = [];
  for (let i = 0; i < passes; i++) runs.push(await encryptOnce(pool, plaintextBytes));
  console.log(JSON.stringify({ passes: runs }));
}

if (process.argv[1] === SELF) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
