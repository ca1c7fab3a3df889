/**
 * One load-generator setting for every HTTP benchmark, so "ours" and "anchor" are always driven
 * identically: autocannon in this process, a warm-up run that is not measured, then the measured
 * run. Latency is recorded per response here (autocannon's own histogram has 1 ms resolution,
 * too coarse for a key service), throughput counts 2xx responses only (a server answering
 * errors fast must not look good), and the target's CPU time is read around the measured run.
 */
import autocannon, { type AutocannonOptions, type AutocannonRequest } from 'autocannon';
import { monotonicMicros, type ProfileWindow } from './cpu-profile.js';
import { mainThreadCpuSeconds, processCpuSeconds } from './process-cpu.js';

export interface LoadSettings {
  connections: number;
  pipelining: number;
  warmupSeconds: number;
  durationSeconds: number;
}

export interface LoadTarget {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Request bodies, taken round-robin. */
  bodies?: readonly string[];
  /** The serving process, to report its CPU time per request. */
  pid?: number;
}

export interface LoadResult {
  /** 2xx responses per second over the measured run. */
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** CPU time of `pid` (all threads) per 2xx response; NaN without a pid. */
  cpuMicrosPerRequest: number;
  /** CPU time of `pid`'s main thread (the event loop) per 2xx response; NaN without a pid. */
  mainThreadCpuMicrosPerRequest: number;
  ok: number;
  /** 2xx responses during the warm-up (they reach the server too, e.g. its audit log). */
  warmupOk: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSeconds: number;
  statusCodes: Record<string, number>;
  /** When the measured run ran, on the monotonic clock (to cut a CPU profile to it). */
  window: ProfileWindow;
}

export function loadSettingsLabel(s: LoadSettings): string {
  return `autocannon -c ${s.connections} -p ${s.pipelining}, ${s.warmupSeconds} s warm-up, ${s.durationSeconds} s measured`;
}

export async function runLoad(target: LoadTarget, settings: LoadSettings): Promise<LoadResult> {
  const options: AutocannonOptions = {
    url: target.url,
    method: target.method ?? 'GET',
    connections: settings.connections,
    pipelining: settings.pipelining,
    timeout: 10,
    ...(target.headers ? { headers: target.headers } : {}),
    ...(target.bodies ? { requests: [roundRobinBodies(target.bodies)] } : {}),
  };
  let warmupOk = 0;
  if (settings.warmupSeconds > 0) {
    warmupOk = (await autocannon({ ...options, duration: settings.warmupSeconds }))['2xx'];
  }

  const latencies: number[] = [];
  const cpuBefore = target.pid ? processCpuSeconds(target.pid) : NaN;
  const mainBefore = target.pid ? mainThreadCpuSeconds(target.pid) : NaN;
  const fromUs = monotonicMicros();
  const instance = autocannon({ ...options, duration: settings.durationSeconds });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, ms: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(ms);
  });
  const result = await instance;
  const toUs = monotonicMicros();
  const cpuSeconds = target.pid ? processCpuSeconds(target.pid) - cpuBefore : NaN;
  const mainSeconds = target.pid ? mainThreadCpuSeconds(target.pid) - mainBefore : NaN;

  latencies.sort((a, b) => a - b);
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
  const ok = result['2xx'];
  return {
    requestsPerSecond: ok / result.duration,
    latencyMs: {
      p50: percentile(latencies, 0.5),
      p90: percentile(latencies, 0.9),
      p99: percentile(latencies, 0.99),
      max: latencies.at(-1) ?? NaN,
      mean: latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : NaN,
    },
    cpuMicrosPerRequest: (cpuSeconds / ok) * 1e6,
    mainThreadCpuMicrosPerRequest: (mainSeconds / ok) * 1e6,
    ok,
    warmupOk,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSeconds: result.duration,
    statusCodes,
    window: { fromUs, toUs },
  };
}

function roundRobinBodies(bodies: readonly string[]): AutocannonRequest {
  let next = 0;
  return {
    setupRequest(req) {
      req.body = bodies[next]!;
      next = (next + 1) % bodies.length;
      return req;
    },
  };
}

/** Nearest-rank percentile of sorted values (NaN when empty). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}
