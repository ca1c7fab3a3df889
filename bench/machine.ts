/**
 * Facts about the machine a benchmark ran on, recorded into every result so numbers from
 * different runs are never compared blind. Load average is included because a busy machine
 * (other test suites running) skews every number.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface MachineFacts {
  cpuModel: string;
  /** Logical CPUs visible to this process. */
  cores: number;
  memoryGiB: number;
  platform: string;
  kernel: string;
  node: string;
  /** The OpenSSL Node is linked against (what WebCrypto and node:crypto use). */
  nodeOpenssl: string;
  /** The `openssl` binary used by CLI anchors. */
  openssl: string;
  ffmpeg: string;
  loadAverage1m: number;
}

export async function machineFacts(): Promise<MachineFacts> {
  return {
    cpuModel: await cpuModel(),
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    node: process.version,
    nodeOpenssl: process.versions.openssl ?? 'unknown',
    openssl: await firstLine('openssl', ['version']),
    ffmpeg: await firstLine('ffmpeg', ['-hide_banner', '-version']),
    loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

export function describeMachine(m: MachineFacts): string {
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node} (OpenSSL ${m.nodeOpenssl}), ${m.openssl}, ${m.ffmpeg}, load ${m.loadAverage1m}`;
}

async function cpuModel(): Promise<string> {
  try {
    const info = await readFile('/proc/cpuinfo', 'utf8');
    const line = /^model name\s*:\s*(.+)$/m.exec(info);
    if (line) return line[1]!.trim();
  } catch {
    // Not Linux: fall through to what Node reports.
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

async function firstLine(cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(cmd, args);
    return stdout
      .split('\n')[0]!
      .replace(/ Copyright.*$/, '')
      .trim();
  } catch {
    return `${cmd}: not found`;
  }
}
