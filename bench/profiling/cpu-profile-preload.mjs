// Preloaded into a Node process with NODE_OPTIONS=--import=<this file> (Node 20 refuses
// --cpu-prof in NODE_OPTIONS, and the server is started by the tests' own helper, which takes no
// Node flags). Samples the main thread through the in-process inspector from start-up and, when
// the process exits (the server calls process.exit on SIGTERM), writes <pid>.cpuprofile into
// SECUREVOD_BENCH_CPU_PROFILE_DIR — the same format `node --cpu-prof` writes.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.SECUREVOD_BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  // A same-thread inspector session answers synchronously, so this completes inside 'exit'.
  process.on('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
