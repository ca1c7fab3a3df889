/**
 * The start-up cap on V8's young generation (src/ops/young-generation.ts): capped as
 * bin/securevod.mjs caps it, the young generation stays at its initial size while surviving
 * objects pile up; released, it grows again, so a loaded server gets the young generation it had
 * before the cap. Without the binary's mark, the release leaves V8's flags alone. Each case runs in
 * a Node process of its own (V8 flags are per process).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';

const MODULE = fileURLToPath(new URL('../../src/ops/young-generation.ts', import.meta.url));

/** Young-generation sizes (MB) at each `measure()` and after each `churn()`, in a child process running `body`. */
async function youngGenerationSizes(body: string): Promise<number[]> {
  const script = `
    import { setFlagsFromString, getHeapSpaceStatistics } from 'node:v8';
    import { releaseYoungGenerationCap, CAPPED } from ${JSON.stringify(MODULE)};
    const sizes = [];
    const kept = [];
    const measure = () =>
      sizes.push(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 2 ** 20);
    const churn = () => {
      for (let i = 0; i < 300_000; i++) kept.push({ i, s: 'x' + i });
      measure();
    };
    ${body}
    console.log(JSON.stringify(sizes));
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { env: { ...process.env, NODE_OPTIONS: '' } },
  );
  return JSON.parse(stdout) as number[];
}

describe('young generation cap', () => {
  test('capped, the young generation keeps its initial size; released, it grows again', async () => {
    const [start, capped, released] = await youngGenerationSizes(`
      setFlagsFromString('--semi-space-growth-factor=1');
      globalThis[CAPPED] = true;
      measure();
      churn();
      releaseYoungGenerationCap();
      churn();
    `);
    assert.equal(capped, start, `capped young generation: ${start} MB, then ${capped} MB`);
    assert.ok(released! > capped!, `released: ${released} MB, capped: ${capped} MB`);
  });

  test('without the binary’s mark, the release changes nothing', async () => {
    const [start, before, after] = await youngGenerationSizes(`
      setFlagsFromString('--semi-space-growth-factor=1');
      measure();
      churn();
      releaseYoungGenerationCap();
      churn();
    `);
    assert.deepEqual([before, after], [start, start], `young generation: ${start}, ${before}, ${after} MB`);
  });
});
