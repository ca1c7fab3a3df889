/**
 * Private key exchanges per second: `POST /keys/private/<vid>/<stream>/<period>` with
 * `{Token, PublicKey}` on the real server (token check, stream lookup, cached period key, one
 * ECDH derivation on the cached server key pair, HKDF and an AES-GCM wrap — on a worker thread by
 * default, `SECUREVOD_KEY_EXCHANGE_THREADS` — and the buffered audit insert),
 * against `openssl speed ecdhp256` — what this machine's OpenSSL does in pure ECDH, on one
 * thread. Client key pairs are generated up front (a pool used round-robin): the client's cost
 * is not what is measured.
 */
import { createKeyExchangeRequest, unwrapKeyFromServer } from '@securevod/crypto';
import { join } from 'node:path';
import { opensslEcdhP256, type OpensslSpeed } from './anchors/openssl-speed.js';
import { compare, type Benchmark, type BenchContext, type BenchResult } from './benchmark.js';
import { formatProfile, readProfileFrom } from './cpu-profile.js';
import { loadSettingsLabel, runLoad, type LoadResult } from './load-generator.js';
import {
  NO_KEY_RATE_LIMITS,
  auditedDeliveries,
  privateKeyEndpoint,
  servicePid,
  startService,
  transcodedVideo,
  type PrivateKeyEndpoint,
} from './securevod-service.js';

const TITLE = 'Private key exchange (AliyunVoDEncryption, ECDH P-256)';
const CLIENT_KEY_POOL = 1000;
const OPENSSL_SECONDS = 5;

async function requestBodies(endpoint: PrivateKeyEndpoint): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < CLIENT_KEY_POOL; i++) {
    const { publicKey } = await createKeyExchangeRequest();
    bodies.push(JSON.stringify({ Token: endpoint.token, PublicKey: publicKey }));
  }
  return bodies;
}

/** One exchange end to end, unwrapped by the client, so the load below hits a working endpoint. */
async function checkExchange(endpoint: PrivateKeyEndpoint): Promise<void> {
  const mine = await createKeyExchangeRequest();
  const res = await fetch(endpoint.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ Token: endpoint.token, PublicKey: mine.publicKey }),
  });
  const body = (await res.json()) as Record<string, string>;
  if (res.status !== 200) throw new Error(`key exchange answered ${res.status}: ${JSON.stringify(body)}`);
  await unwrapKeyFromServer({
    privateKey: mine.privateKey,
    clientPublicKey: mine.publicKey,
    response: { serverPublicKey: body.ServerPublicKey!, iv: body.Iv!, wrappedKey: body.WrappedKey! },
    context: endpoint.context,
  });
}

async function exchangeLoad(
  ctx: BenchContext,
  endpoint: PrivateKeyEndpoint,
  pid: number,
): Promise<LoadResult> {
  const bodies = await requestBodies(endpoint);
  const headers = { 'content-type': 'application/json' };
  return runLoad({ url: endpoint.url, method: 'POST', headers, bodies, pid }, ctx.options.load);
}

function describeLoad(name: string, r: LoadResult): string {
  const l = r.latencyMs;
  return `${name}: ${r.requestsPerSecond.toFixed(0)} exchanges/s, p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, ${r.cpuMicrosPerRequest.toFixed(0)} µs CPU/exchange, non-2xx ${r.non2xx}, errors ${r.errors}`;
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const load = ctx.options.load;
  const dataDir = join(ctx.workDir, 'data');
  const details: Record<string, unknown> = { load, clientKeyPool: CLIENT_KEY_POOL };
  ctx.log('starting securevod and transcoding an AliyunVoDEncryption clip…');
  let server = await startService({ dataDir, env: NO_KEY_RATE_LIMITS });
  let videoId: string;
  let ours: LoadResult;
  let audited: number;
  let openssl: OpensslSpeed;
  try {
    videoId = await transcodedVideo(server, 'AliyunVoDEncryption');
    const endpoint = await privateKeyEndpoint(server, videoId);
    await checkExchange(endpoint);

    ctx.log(`anchor: openssl speed -seconds ${OPENSSL_SECONDS} ecdhp256 (server idle)…`);
    openssl = await opensslEcdhP256(OPENSSL_SECONDS);
    ctx.log(`anchor: ${openssl.line}`);

    const before = await auditedDeliveries(server, videoId);
    ctx.log(`ours (securevod POST /keys/private): ${loadSettingsLabel(load)}`);
    ours = await exchangeLoad(ctx, endpoint, servicePid(server));
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
      const endpoint = await privateKeyEndpoint(server, videoId);
      profiled = await exchangeLoad(ctx, endpoint, servicePid(server));
    } finally {
      await server.stop();
    }
    const summary = await readProfileFrom(profileDir, profiled.window);
    ctx.log(`${describeLoad('ours, profiled', profiled)}\n${formatProfile(summary)}`);
    details.profile = { load: profiled, summary };
  }

  details.ours = ours;
  details.anchor = openssl;
  details.auditedDeliveries = audited;
  const anchorMicros = 1e6 / openssl.opsPerSecond;
  const notes = [
    `Load: ${loadSettingsLabel(load)}; ${CLIENT_KEY_POOL} pre-generated client public keys used round-robin; throughput counts 2xx only; CPU is the server process's user + system time (all threads) over the measured run.`,
    `Ours: p50 ${ours.latencyMs.p50.toFixed(2)} ms, p99 ${ours.latencyMs.p99.toFixed(2)} ms. Every exchange is audited: ${audited} rows inserted while ${ours.ok + ours.warmupOk} exchanges were counted (warm-up + measured; requests in flight when a run ends are served and audited but not counted).`,
    `Anchor: "${openssl.command}" runs on one thread and reports ops per second of its own CPU time; one op is one ECDH derivation. Each exchange of ours is one ECDH derivation on the server's cached key pair (node:crypto, rotated by a timer every 10 s), plus HKDF and AES-GCM (on the key exchange worker threads, \`SECUREVOD_KEY_EXCHANGE_THREADS\`, default min(2, cores − 1)), the HTTP request with its JSON body on the lean node:http path (keys/private-key-fast-path.ts), and a buffered audit row.`,
  ];
  if (ours.non2xx || ours.errors || ours.timeouts) {
    notes.push(
      `ours: ${ours.non2xx} non-2xx (${JSON.stringify(ours.statusCodes)}), ${ours.errors} errors, ${ours.timeouts} timeouts.`,
    );
  }
  return {
    name: 'key-exchange',
    title: TITLE,
    ours: 'POST /keys/private/<vid>/<stream>/<period> on securevod',
    anchor: `${openssl.command} (one thread)`,
    rows: [
      compare('key exchanges/s vs ECDH op/s', 'op/s', ours.requestsPerSecond, openssl.opsPerSecond, {
        kind: 'ratio-at-least',
        value: 0.4,
      }),
      compare('CPU per exchange vs per ECDH op', 'µs', ours.cpuMicrosPerRequest, anchorMicros),
    ],
    notes,
    details,
  };
}

const benchmark: Benchmark = { name: 'key-exchange', title: TITLE, run };
export default benchmark;
