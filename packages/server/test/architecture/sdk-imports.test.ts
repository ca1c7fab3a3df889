/**
 * Heavy SDKs stay in their adapters (STYLE §1, brief): ioredis and BullMQ only in the Redis
 * adapters and the BullMQ queue, prom-client only in the metrics module. A stray import elsewhere
 * would tie library code to one engine.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const ALLOWED: Record<string, (file: string) => boolean> = {
  ioredis: (f) => f.startsWith('redis/') || f === 'jobs/bullmq-job-queue.ts',
  bullmq: (f) => f === 'jobs/bullmq-job-queue.ts',
  'prom-client': (f) => f === 'ops/metrics.ts',
};

it('imports ioredis, bullmq and prom-client only from their adapters', async () => {
  const files = (await readdir(SRC, { recursive: true })).filter((f) => f.endsWith('.ts'));
  const seen = new Set<string>();
  for (const file of files) {
    const text = await readFile(join(SRC, file), 'utf8');
    for (const [, module] of text.matchAll(/from '(ioredis|bullmq|prom-client)'/g)) {
      seen.add(module!);
      const where = relative(SRC, join(SRC, file));
      assert.ok(ALLOWED[module!]!(where), `${where} imports ${module}`);
    }
  }
  assert.deepEqual([...seen].sort(), ['bullmq', 'ioredis', 'prom-client'], 'the adapters exist');
});
