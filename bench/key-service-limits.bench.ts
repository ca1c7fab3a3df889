/**
 * What the issue-11 request hygiene costs the hot path: `GET /keys/hls/…?MtsHlsUriToken=…` on the
 * real server binary with every rate limit off (`SECUREVOD_RATE_LIMIT_*=0`, the anchor) and on,
 * in the same run, same data dir, same key URI. "On" counts every request in the per-client and
 * per-token windows (the token hashed) exactly as in production, with limits set so high that
 * none trips (a load generator on one address would otherwise meet the per-client default at
 * once, which is the point of it). Both runs also pay the duplicate-parameter check and the
 * redacting logger. The key service takes tokens, never AccessKeys: no RAM policy is evaluated
 * on it (bench/policy-eval-cpu.ts measures one evaluation for the RPC API).
 */
import { join } from 'node:path';
import { compare, type Benchmark, type BenchContext, type BenchResult } from './benchmark.js';
import { loadSettingsLabel, runLoad, type LoadResult } from './load-generator.js';
import { onOrigin, servicePid, standardKeyUri, startService, transcodedVideo } from './securevod-service.js';

const TITLE = 'Key service with rate limiting on vs off';

const OFF = {
  SECUREVOD_RATE_LIMIT_RPC: '0',
  SECUREVOD_RATE_LIMIT_PLAY: '0',
  SECUREVOD_RATE_LIMIT_KEYS: '0',
  SECUREVOD_RATE_LIMIT_KEYS_PER_TOKEN: '0',
  SECUREVOD_RATE_LIMIT_DOWNLOAD: '0',
};
const ON = {
  SECUREVOD_RATE_LIMIT_KEYS: '1000000000',
  SECUREVOD_RATE_LIMIT_KEYS_PER_TOKEN: '1000000000',
};

function describeLoad(name: string, r: LoadResult): string {
  return `${name}: ${r.requestsPerSecond.toFixed(0)} req/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms, ${r.cpuMicrosPerRequest.toFixed(0)} µs CPU/request, non-2xx ${r.non2xx}`;
}

/** Mean of the runs' figures (the rows compare means of alternating runs). */
function mean(runs: LoadResult[], pick: (r: LoadResult) => number): number {
  return runs.reduce((sum, r) => sum + pick(r), 0) / runs.length;
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const load = ctx.options.load;
  const dataDir = join(ctx.workDir, 'data');
  ctx.log('starting securevod and transcoding an HLSEncryption clip…');
  let keyUri: string;
  const first = await startService({ dataDir, env: OFF });
  try {
    keyUri = await standardKeyUri(first, await transcodedVideo(first, 'HLSEncryption'));
  } finally {
    await first.stop();
  }
  // Alternating off, on, off, on: drift in the machine's load hits both sides alike.
  const runs: Record<'off' | 'on', LoadResult[]> = { off: [], on: [] };
  for (const mode of ['off', 'on', 'off', 'on'] as const) {
    const server = await startService({ dataDir, env: mode === 'off' ? OFF : ON });
    try {
      ctx.log(`limits ${mode}: ${loadSettingsLabel(load)}`);
      const result = await runLoad({ url: onOrigin(keyUri, server.url), pid: servicePid(server) }, load);
      ctx.log(describeLoad(mode, result));
      runs[mode].push(result);
    } finally {
      await server.stop();
    }
  }
  const { on, off } = runs;
  return {
    name: 'key-service-limits',
    title: TITLE,
    ours: 'GET /keys/hls/… with the per-client and per-token rate limits counting (in process)',
    anchor: 'the same server binary, data and key URI with every rate limit off',
    rows: [
      compare(
        'key requests/s',
        'req/s',
        mean(on, (r) => r.requestsPerSecond),
        mean(off, (r) => r.requestsPerSecond),
        { kind: 'ratio-at-least', value: 0.9 },
      ),
      compare(
        'p50 latency',
        'ms',
        mean(on, (r) => r.latencyMs.p50),
        mean(off, (r) => r.latencyMs.p50),
      ),
      compare(
        'p99 latency',
        'ms',
        mean(on, (r) => r.latencyMs.p99),
        mean(off, (r) => r.latencyMs.p99),
      ),
      compare(
        'server CPU per request',
        'µs',
        mean(on, (r) => r.cpuMicrosPerRequest),
        mean(off, (r) => r.cpuMicrosPerRequest),
      ),
    ],
    notes: [
      `Load: ${loadSettingsLabel(load)} per run; four runs alternating off, on, off, on (a restart on the same data dir each); rows compare the means; throughput counts 2xx only.`,
      `Per run, req/s: off ${off.map((r) => r.requestsPerSecond.toFixed(0)).join(', ')}; on ${on.map((r) => r.requestsPerSecond.toFixed(0)).join(', ')}. Non-2xx: off ${off.reduce((n, r) => n + r.non2xx, 0)}, on ${on.reduce((n, r) => n + r.non2xx, 0)} (the limits are set high so that none trips).`,
    ],
    details: { load, off, on },
  };
}

const benchmark: Benchmark = { name: 'key-service-limits', title: TITLE, run };
export default benchmark;
