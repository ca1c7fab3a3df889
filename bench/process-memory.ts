/**
 * Resident memory of a local process, read from `/proc/<pid>/status` (Linux): `VmRSS` now and
 * `VmHWM`, the kernel's own high-water mark of RSS over the process's life — the true peak, even
 * between two samples. The sampler adds the curve (VmRSS every `intervalMs`), to show whether
 * memory stays flat or grows while a stream goes by.
 */
import { readFileSync } from 'node:fs';

export interface MemoryReading {
  /** Bytes resident now. */
  rss: number;
  /** Peak bytes resident since the process started. */
  peakRss: number;
}

/** The reading of `pid`, or undefined once it has exited. */
export function readMemory(pid: number): MemoryReading | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${field} line`);
    return Number(match[1]) * 1024;
  };
  return { rss: kib('VmRSS'), peakRss: kib('VmHWM') };
}

export interface RssSample {
  /** Milliseconds since the sampler started. */
  atMs: number;
  rss: number;
  /** Whatever the caller reports as progress when the sample is taken (e.g. bytes downloaded). */
  progress: number;
}

export interface RssSampling {
  samples: RssSample[];
  /** VmHWM at the last successful reading. */
  peakRss: number;
  /** The largest sampled VmRSS (≤ peakRss). */
  maxSampledRss: number;
}

/** Samples `pid` every `intervalMs` until `stop()`, which returns what was seen. */
export function sampleRss(
  pid: number,
  intervalMs: number,
  progress: () => number = () => 0,
): { stop(): RssSampling } {
  const started = Date.now();
  const samples: RssSample[] = [];
  let peakRss = 0;
  const take = () => {
    const reading = readMemory(pid);
    if (!reading) return;
    peakRss = reading.peakRss;
    samples.push({ atMs: Date.now() - started, rss: reading.rss, progress: progress() });
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { samples, peakRss, maxSampledRss: Math.max(0, ...samples.map((s) => s.rss)) };
    },
  };
}

/** VmRSS of the first sample at or after each fraction of `total` progress (e.g. 25 %, 50 %…). */
export function rssAtProgress(
  samples: readonly RssSample[],
  total: number,
  fractions: readonly number[],
): Array<{ fraction: number; rss: number }> {
  return fractions.map((fraction) => {
    const sample = samples.find((s) => s.progress >= fraction * total) ?? samples.at(-1);
    return { fraction, rss: sample?.rss ?? NaN };
  });
}

export const MB = 1e6;
