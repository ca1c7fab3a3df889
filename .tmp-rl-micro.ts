import Fastify from 'fastify';
import { installPlayerRouteGuards } from './packages/server/src/http/player-route-guards.js';
import { registerRateLimiting } from './packages/server/src/http/rate-limits.js';
import { parseParams } from './packages/server/src/http/query-params.js';
import { InProcessCounters } from './packages/server/src/shared/shared-counters.js';

async function make(on: boolean) {
  const app = Fastify({ routerOptions: { querystringParser: parseParams } });
  await registerRateLimiting(app, new InProcessCounters());
  const big = 1_000_000_000;
  installPlayerRouteGuards(app, on
    ? { windowMs: 60000, rpcPerAccessKey: 0, playPerClient: 0, keysPerClient: big, keysPerToken: big, downloadPerClient: 0 }
    : { windowMs: 60000, rpcPerAccessKey: 0, playPerClient: 0, keysPerClient: 0, keysPerToken: 0, downloadPerClient: 0 });
  app.get('/keys/hls/:a/:b/:c', async (_req, reply) => reply.send(Buffer.alloc(16)));
  await app.ready();
  return app;
}
const url = '/keys/hls/v/s/0?MtsHlsUriToken=' + 'x'.repeat(200);
for (const round of [1, 2, 3, 4]) {
  for (const on of [false, true]) {
    const app = await make(on);
    for (let i = 0; i < 2000; i++) await app.inject({ url });
    const n = 20000;
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) await app.inject({ url });
    const t = process.cpuUsage(t0);
    console.log(`round ${round} ${on ? 'on ' : 'off'}: ${((t.user + t.system) / n).toFixed(1)} µs/request`);
    await app.close();
  }
}
