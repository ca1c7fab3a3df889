/**
 * CPU per request to authenticate an RPC call: signature V3 (`ACS3-HMAC-SHA256`: canonical query
 * and headers, two SHA-256, one HMAC-SHA256, nonce) against signature v1 (`HMAC-SHA1` over the
 * canonicalised parameters, nonce), both through the server's own authenticators, in process,
 * on requests signed up front (the client's cost is not measured). CPU time, not wall time: the
 * machine is shared. A realistic GetPlayInfo-sized request: six business parameters.
 */
import { InMemoryReplayCache } from '../packages/server/src/rpc/replay-cache.js';
import { RpcParams } from '../packages/server/src/rpc/rpc-params.js';
import { signParams } from '../packages/server/src/rpc/signature.js';
import { signRequestV3 } from '../packages/server/src/rpc/signature-v3.js';
import { authenticateV1 } from '../packages/server/src/rpc/v1-authenticator.js';
import { authenticateV3 } from '../packages/server/src/rpc/v3-authenticator.js';
import { compare, type Benchmark, type BenchContext, type BenchResult } from './benchmark.js';

const ITERATIONS = 20_000;
const KEY = { accessKeyId: 'SVAKBENCH0000000000001', accessKeySecret: 'bench-secret-0123456789abcdef' };
const QUERY = {
  VideoId: '93ab850b4f654b6e91d24d81d44bbf44',
  Formats: 'm3u8',
  Definition: 'HD,SD',
  AuthTimeout: '3600',
  ResultType: 'Single',
  PlayConfig: '{"EncryptType":"HLSEncryption"}',
};

function deps() {
  return {
    findAccessKey: async () => ({ secret: KEY.accessKeySecret, active: true }),
    replayCache: new InMemoryReplayCache(),
    now: Date.now,
  };
}

/** CPU microseconds per call of `op` over `inputs`. */
async function cpuPerOp<T>(inputs: T[], op: (input: T) => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  for (const input of inputs) await op(input);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / inputs.length;
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const date = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const v3Requests = Array.from({ length: ITERATIONS }, (_, i) => {
    const headers = signRequestV3({
      method: 'POST',
      host: 'vod.example.com',
      action: 'GetPlayInfo',
      version: '2017-03-21',
      ...KEY,
      query: QUERY,
      date,
      nonce: `v3-${i}`,
    });
    return {
      method: 'POST',
      rawHeaders: Object.entries(headers),
      query: Object.entries(QUERY),
      body: new Uint8Array(0),
    };
  });
  const v1Requests = Array.from(
    { length: ITERATIONS },
    (_, i) =>
      new RpcParams(
        signParams(
          'POST',
          {
            Action: 'GetPlayInfo',
            Version: '2017-03-21',
            Format: 'JSON',
            AccessKeyId: KEY.accessKeyId,
            SignatureMethod: 'HMAC-SHA1',
            SignatureVersion: '1.0',
            SignatureNonce: `v1-${i}`,
            Timestamp: date,
            ...QUERY,
          },
          KEY.accessKeySecret,
        ),
      ),
  );
  ctx.log(`authenticating ${ITERATIONS} pre-signed requests per scheme…`);
  // Warm up both paths (JIT), then measure each on fresh nonces.
  const v3Deps = deps();
  const v1Deps = deps();
  await cpuPerOp(v3Requests.slice(0, 2000), (r) => authenticateV3(r, deps()));
  await cpuPerOp(v1Requests.slice(0, 2000), (p) => authenticateV1('POST', p, deps()));
  const v3 = await cpuPerOp(v3Requests, (r) => authenticateV3(r, v3Deps));
  const v1 = await cpuPerOp(v1Requests, (p) => authenticateV1('POST', p, v1Deps));
  return {
    name: 'rpc-signature',
    title: 'RPC authentication, CPU per request',
    ours: 'signature V3 (ACS3-HMAC-SHA256), rpc/v3-authenticator.ts',
    anchor: 'signature v1 (HMAC-SHA1), rpc/v1-authenticator.ts',
    rows: [compare('CPU per authentication', 'µs', v3, v1, { kind: 'ratio-at-most', value: 2 })],
    notes: [`${ITERATIONS} requests per scheme, each with a fresh nonce, in process (no HTTP).`],
    details: { iterations: ITERATIONS, v3MicrosPerOp: v3, v1MicrosPerOp: v1 },
  };
}

const benchmark: Benchmark = { name: 'rpc-signature', title: 'RPC authentication, CPU per request', run };
export default benchmark;
