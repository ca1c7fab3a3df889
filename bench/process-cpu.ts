/**
 * CPU time of a local process — all its threads, so the libuv thread pool doing WebCrypto work
 * counts — read from /proc (Linux). CPU per request holds up on a busy machine where requests
 * per second do not: other processes take cores away, but not CPU seconds per request.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** /proc reports in USER_HZ ticks, 100 per second on Linux. */
const TICKS_PER_SECOND = 100;

/** user + system CPU seconds of `pid` so far, or NaN when /proc is unavailable. */
export function processCpuSeconds(pid: number): number {
  return cpuSecondsOf(`/proc/${pid}/stat`);
}

/**
 * user + system CPU seconds of the main thread of `pid` (its event loop) so far: the resource a
 * Node server runs out of first, while worker threads may still have a core to spare.
 */
export function mainThreadCpuSeconds(pid: number): number {
  return cpuSecondsOf(`/proc/${pid}/task/${pid}/stat`);
}

function cpuSecondsOf(statPath: string): number {
  try {
    const stat = readFileSync(statPath, 'utf8');
    // Fields after "(comm)", which may contain spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** The pid of the one process whose command line contains every one of `needles`. */
export function findPid(needles: string[]): number {
  const matches: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string;
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue; // exited meanwhile
    }
    if (needles.every((n) => args.includes(n))) matches.push(Number(entry));
  }
  if (matches.length !== 1) {
    throw new Error(`expected one process matching ${JSON.stringify(needles)}, found ${matches.length}`);
  }
  return matches[0]!;
}
