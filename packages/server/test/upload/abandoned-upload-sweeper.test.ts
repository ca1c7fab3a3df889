/** The sweep schedule's own logic (the store's sweep is tested in multipart-upload-store.test.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startAbandonedUploadSweeper, sweepIntervalMs } from '../../src/upload/abandoned-upload-sweeper.js';

function recordingLog() {
  const lines: { level: string; obj: object; msg: string }[] = [];
  return {
    lines,
    info: (obj: object, msg: string) => lines.push({ level: 'info', obj, msg }),
    warn: (obj: object, msg: string) => lines.push({ level: 'warn', obj, msg }),
  };
}

describe('abandoned-upload sweeper', () => {
  it('sweeps at start with the cutoff now − max idle, and logs what it removed', async () => {
    const cutoffs: number[] = [];
    const log = recordingLog();
    const sweeper = startAbandonedUploadSweeper({
      uploads: { sweepAbandoned: async (olderThan) => (cutoffs.push(olderThan.getTime()), 3) },
      maxIdleMs: 60_000,
      intervalMs: 3_600_000,
      log,
      now: () => 1_000_000,
    });
    await sweeper.stop();
    assert.deepEqual(cutoffs, [940_000]);
    assert.deepEqual(log.lines, [
      { level: 'info', obj: { removed: 3, maxIdleSeconds: 60 }, msg: 'removed abandoned multipart uploads' },
    ]);
  });

  it('never runs two sweeps at once; a failure is logged and the next sweep runs', async () => {
    let calls = 0;
    let release!: () => void;
    const log = recordingLog();
    const sweeper = startAbandonedUploadSweeper({
      uploads: {
        sweepAbandoned: () => {
          calls += 1;
          if (calls === 1) return new Promise<number>((resolve) => (release = () => resolve(0)));
          return Promise.reject(new Error('store unavailable'));
        },
      },
      maxIdleMs: 1000,
      intervalMs: 3_600_000,
      log,
    });
    const during = sweeper.sweep();
    assert.equal(calls, 1, 'the sweep asked for while one runs joins it');
    release();
    assert.equal(await during, 0);
    assert.equal(await sweeper.sweep(), 0, 'a failed sweep resolves to 0');
    assert.equal(calls, 2);
    assert.equal(log.lines.length, 1);
    assert.equal(log.lines[0]!.level, 'warn');
    await sweeper.stop();
  });

  it('looks a quarter of the idle limit apart, between 1 s and 1 h', () => {
    assert.equal(sweepIntervalMs(2000), 1000);
    assert.equal(sweepIntervalMs(60_000), 15_000);
    assert.equal(sweepIntervalMs(86_400_000), 3_600_000);
  });
});
