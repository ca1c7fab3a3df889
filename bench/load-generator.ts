/**
 * One load-generator setting for every HTTP benchmark, so "ours" and "anchor" are always driven
 * identically: autocannon in this process, a warm-up phase that is not measured, then a
 * measured phase. Latency is recorded per response here (autocannon's own histogram has 1 ms
 * resolution, too coarse for a key service), and throughput counts 2xx responses only, so a
 * server answering errors fast cannot look good.
 */
import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';

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
  /** Body of every request, or per request when `bodies` is given (taken round-robin). */
  body?: string;
  bodies?: readonly string[];
}

export interface LoadResult {
  /** 2xx responses per second over the measured phase. */
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  ok: number;
  /** 2xx responses during the warm-up (they reach the server too, e.g. its audit log). */
  warmupOk: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSeconds: number;
  statusCodes: Record<string, number>;
}

export function loadSettingsLabel(s: LoadSettings): string {
  return `autocannon -c ${s.connections} -p ${s.pipelining} -w ${s.warmupSeconds}s -d ${s.durationSeconds}s`;
}

export async function runLoad(target: LoadTarget, settings: LoadSettings): Promise<LoadResult> {
  const requests: AutocannonRequest[] | undefined = target.bodies
    ? [roundRobinBodies(target.bodies)]
    : undefined;
  const instance = autocannon({
    url: target.url,
    method: target.method ?? 'GET',
    connections: settings.connections,
    pipelining: settings.pipelining,
    duration: settings.durationSeconds,
    timeout: 10,
    ...(target.headers ? { headers: target.headers } : {}),
    ...(target.body !== undefined ? { body: target.body } : {}),
    ...(requests ? { requests } : {}),
    ...(settings.warmupSeconds > 0
      ? { warmup: { connections: settings.connections, duration: settings.warmupSeconds } }
      : {}),
  });
  const latencies: number[] = [];
  // Only the measured phase's tracker is returned, so warm-up responses never land here.
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, ms: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(ms);
  });
  const result: AutocannonResult = await instance;
  return summarise(result, latencies);
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

function summarise(result: AutocannonResult, latencies: number[]): LoadResult {
  latencies.sort((a, b) => a - b);
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
  const ok = result['2xx'];
  const mean = latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : NaN;
  return {
    requestsPerSecond: ok / result.duration,
    latencyMs: {
      p50: percentile(latencies, 0.5),
      p90: percentile(latencies, 0.9),
      p99: percentile(latencies, 0.99),
      max: latencies.at(-1) ?? NaN,
      mean,
    },
    ok,
    warmupOk: result.warmup?.['2xx'] ?? 0,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSeconds: result.duration,
    statusCodes,
  };
}

/** Nearest-rank percentile of sorted values (NaN when empty). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}
