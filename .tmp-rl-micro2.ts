import Fastify from 'fastify';
import { createLimiter, registerRateLimiting, digest } from './packages/server/src/http/rate-limits.js';
import { InProcessCounters } from './packages/server/src/shared/shared-counters.js';
import { normalizeIP } from '@fastify/rate-limit';

const counters = new InProcessCounters();
const app = Fastify();
await registerRateLimiting(app, counters);
const lim = createLimiter(app, 'k', 1e9, 60000)!;
let captured: any;
app.get('/x', async (req) => { captured = req; return 'ok'; });
await app.ready();
await app.inject({ url: '/x' });
const req = captured;
const token = 'x'.repeat(200);
async function time(name: string, fn: () => Promise<unknown> | unknown) {
  for (let i = 0; i < 20000; i++) await fn();
  const n = 200000;
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  const t = process.cpuUsage(t0);
  console.log(`${name}: ${((t.user + t.system) / n).toFixed(2)} µs`);
}
for (let r = 0; r < 2; r++) {
  await time('limiter (plugin)', () => lim(req, '127.0.0.1'));
  await time('counters.increment', () => counters.increment('rate:k:127.0.0.1', 60000));
  await time('digest', () => digest(token));
  await time('normalizeIP', () => normalizeIP('127.0.0.1', 64));
}
