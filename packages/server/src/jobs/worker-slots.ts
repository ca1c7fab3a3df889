/**
 * The worker role's slots: which job types share a `Worker` and how many run at once. Separate
 * slots keep one kind of job from waiting behind another; the entry point makes one `Worker` per
 * row. Every job type has exactly one slot (a test in test/jobs checks it).
 */
import type { JobType } from './job-types.js';

export interface WorkerSlot {
  readonly name: string;
  readonly types: readonly JobType[];
  readonly concurrency: number;
}

export const WORKER_SLOTS: readonly WorkerSlot[] = [
  // One transcode at a time: ffmpeg already uses every core for one job.
  { name: 'transcode', types: ['transcode'], concurrency: 1 },
  // Slow callback endpoints never take transcoding slots.
  { name: 'callback', types: ['callback'], concurrency: 4 },
  // Pulls wait on the network, not the CPU; their own slots keep them from delaying either.
  { name: 'url-upload', types: ['url-upload'], concurrency: 2 },
  // Snapshots are short ffmpeg runs; their own slot keeps them from waiting behind a transcode.
  { name: 'snapshot', types: ['snapshot'], concurrency: 1 },
  // Leak detection decodes three videos at 64×36: minutes of one core, apart from transcodes.
  { name: 'trace-extract', types: ['trace-extract'], concurrency: 1 },
];
