/**
 * Standard key service throughput and latency: `GET /keys/hls/<vid>/<stream>/<period>?MtsHlsUriToken=…`
 * of a really transcoded HLSEncryption video on the real server binary (token verification,
 * video/stream lookup, cached data key, HKDF, and the audit-log insert every delivery costs),
 * against a bare `node:http` server doing one HMAC-SHA256 per request and answering 16 bytes.
 * Both are driven by the same autocannon settings, one after the other.
 */
import { join } from 'node:path';
import { startAnchorServer } from './anchors/anchor-process.js';
import { compare, type Benchmark, type BenchContext, type BenchResult } from './benchmark.js';
import { formatProfile, readProfileFrom } from './cpu-profile.js';
import { loadSettingsLabel, runLoad, type LoadResult } from './load-generator.js';
import {
  NO_KEY_RATE_LIMITS,
  auditedDeliveries,
  onOrigin,
  servicePid,
  standardKeyUri,
  startService,
  transcodedVideo,
} from './securevod-service.js';

const TITLE = 'Standard key service (HLSEncryption)';

async function fetchKey(url: string): Promise<void> {
  const res = await fetch(url);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200 || bytes.length !== 16) {
    throw new Error(
      `${new URL(url).pathname} answered ${res.status} with ${bytes.length} bytes, not a 16-byte key`,
    );
  }
}

function describeLoad(name: string, r: LoadResult): string {
  const l = r.latencyMs;
  return `${name}: ${r.requestsPerSecond.toFixed(0)} req/s, p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, ${r.cpuMicrosPerRequest.toFixed(0)} µs CPU/request (main thread ${r.mainThreadCpuMicrosPerRequest.toFixed(0)} µs), non-2xx ${r.non2xx}, errors ${r.errors}`;
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const load = ctx.options.load;
  const dataDir = join(ctx.workDir, 'data');
  const details: Record<string, unknown> = { load };
  ctx.log('starting securevod and transcoding an HLSEncryption clip…');
  let server = await startService({ dataDir, env: NO_KEY_RATE_LIMITS });
  let anchor: LoadResult;
  let ours: LoadResult;
  let audited: number;
  let keyUri: string;
  try {
    const videoId = await transcodedVideo(server, 'HLSEncryption');
    keyUri = await standardKeyUri(server, videoId);
    await fetchKey(keyUri);

    const bare = await startAnchorServer(new URL('./anchors/hmac-key-server.ts', import.meta.url));
    try {
      const anchorUrl = onOrigin(keyUri, bare.origin);
      await fetchKey(anchorUrl);
      ctx.log(`anchor (node:http + HMAC-SHA256): ${loadSettingsLabel(load)}`);
      anchor = await runLoad({ url: anchorUrl, pid: bare.pid }, load);
      ctx.log(describeLoad('anchor', anchor));
    } finally {
      await bare.stop();
    }

    const before = await auditedDeliveries(server, videoId);
    ctx.log(`ours (securevod GET /keys/hls): ${loadSettingsLabel(load)}`);
    ours = await runLoad({ url: keyUri, pid: servicePid(server) }, load);
    ctx.log(describeLoad('ours', ours));
    audited = (await auditedDeliveries(server, videoId)) - before;
  } finally {
    await server.stop();
  }

  if (ctx.options.profile) {
    const profileDir = join(ctx.workDir, 'profile');
    server = await startService({ dataDir, cpuProfileDir: profileDir, env: NO_KEY_RATE_LIMITS });
    let profiled: LoadResult;
    try {
      ctx.log('profiling ours (V8 CPU profiler in the server process)…');
      profiled = await runLoad({ url: onOrigin(keyUri, server.url), pid: servicePid(server) }, load);
    } finally {
      await server.stop();
    }
    const summary = await readProfileFrom(profileDir, profiled.window);
    ctx.log(`${describeLoad('ours, profiled', profiled)}\n${formatProfile(summary)}`);
    details.profile = { load: profiled, summary };
  }

  details.ours = ours;
  details.anchor = anchor;
  details.auditedDeliveries = audited;
  const notes = [
    `Load: ${loadSettingsLabel(load)}; anchor first, then ours; throughput counts 2xx only; CPU is the serving process's user + system time (all threads) over the measured run.`,
    `Ours: real server binary (all roles, SQLite, SECUREVOD_LOG_LEVEL=warn). Every delivery is audited: ${audited} rows inserted while ${ours.ok + ours.warmupOk} deliveries were counted (warm-up + measured; requests in flight when a run ends are served and audited but not counted).`,
  ];
  for (const [name, r] of [
    ['ours', ours],
    ['anchor', anchor],
  ] as const) {
    if (r.non2xx || r.errors || r.timeouts) {
      notes.push(
        `${name}: ${r.non2xx} non-2xx (${JSON.stringify(r.statusCodes)}), ${r.errors} errors, ${r.timeouts} timeouts.`,
      );
    }
  }
  return {
    name: 'key-service',
    title: TITLE,
    ours: 'GET /keys/hls/<vid>/<stream>/<period>?MtsHlsUriToken=… on securevod',
    anchor: 'bare node:http server, one HMAC-SHA256 over the query, 16-byte answer (child process)',
    rows: [
      compare('key requests/s', 'req/s', ours.requestsPerSecond, anchor.requestsPerSecond, {
        kind: 'ratio-at-least',
        value: 0.7,
      }),
      compare('p50 latency', 'ms', ours.latencyMs.p50, anchor.latencyMs.p50),
      compare('p99 latency', 'ms', ours.latencyMs.p99, anchor.latencyMs.p99, {
        kind: 'ours-below',
        value: 5,
        unit: 'ms',
      }),
      compare('server CPU per request', 'µs', ours.cpuMicrosPerRequest, anchor.cpuMicrosPerRequest),
      compare(
        'main-thread CPU per request',
        'µs',
        ours.mainThreadCpuMicrosPerRequest,
        anchor.mainThreadCpuMicrosPerRequest,
      ),
    ],
    notes,
    details,
  };
}

const benchmark: Benchmark = { name: 'key-service', title: TITLE, run };
export default benchmark;
