/**
 * Real media for the integration tests, generated with ffmpeg's lavfi sources into a temp dir.
 * Deliberately independent of the code under test (plain execFile, not runFfmpeg).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveFfmpegPaths } from '../../src/ffmpeg-paths.js';

const exec = promisify(execFile);

/** Test entry point: the environment is read here, never in the library. */
export const PATHS = resolveFfmpegPaths(process.env);

export async function makeTempDir(
  prefix = 'securevod-ffmpeg-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

async function ffmpeg(args: string[]): Promise<void> {
  await exec(PATHS.ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args]);
}

/** 640x360 25 fps testsrc2 (+ 440 Hz sine at 48 kHz unless `audio: false`), H.264/AAC MP4. */
export async function makeTestClip(
  dir: string,
  opts: { seconds?: number; audio?: boolean; name?: string; size?: string } = {},
): Promise<string> {
  const out = join(dir, opts.name ?? 'clip.mp4');
  const seconds = String(opts.seconds ?? 6);
  const size = opts.size ?? '640x360';
  const inputs = ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`];
  if (opts.audio !== false) inputs.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  await ffmpeg([
    ...inputs,
    '-t',
    seconds,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    ...(opts.audio !== false ? ['-c:a', 'aac'] : []),
    out,
  ]);
  return out;
}

export async function makeAudioOnly(dir: string): Promise<string> {
  const out = join(dir, 'tone.m4a');
  await ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '2', '-c:a', 'aac', out]);
  return out;
}

/** An MP3 whose only "video" stream is cover art (disposition attached_pic). */
export async function makeMp3WithCover(dir: string): Promise<string> {
  const cover = join(dir, 'cover.png');
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x64', '-frames:v', '1', cover]);
  const out = join(dir, 'song.mp3');
  await ffmpeg([
    ...['-f', 'lavfi', '-i', 'sine=d=2', '-i', cover, '-map', '0', '-map', '1'],
    ...['-c:a', 'libmp3lame', '-c:v', 'copy', '-disposition:v', 'attached_pic', '-id3v2_version', '3', out],
  ]);
  return out;
}

export async function makePng(dir: string): Promise<string> {
  const out = join(dir, 'still.png');
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x64', '-frames:v', '1', out]);
  return out;
}

/** A clip stored 640x360 with a 90° display rotation (as phones record portrait video). */
export async function makeRotatedClip(dir: string, source: string): Promise<string> {
  const out = join(dir, 'rotated.mp4');
  await ffmpeg(['-i', source, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', out]);
  return out;
}

export async function makeTextFile(dir: string): Promise<string> {
  const out = join(dir, 'notes.mp4');
  await writeFile(out, 'this is not a video, just text pretending to be one\n'.repeat(50));
  return out;
}

/** Decodes the first video stream of `input` (a file or an HLS playlist) and counts frames. */
export async function decodedFrameCount(input: string): Promise<number> {
  const { stdout } = await exec(PATHS.ffprobePath, [
    ...['-v', 'error', '-count_frames', '-select_streams', 'v:0'],
    ...['-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', input],
  ]);
  const first = stdout.split(/\s+/).find((s) => s !== '');
  return Number(first);
}

/** Command lines of live processes whose arguments mention `marker` (Linux /proc; zombies have none). */
export async function processesMentioning(marker: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').join(' ');
      if (cmdline.includes(marker)) found.push(`${entry}: ${cmdline}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Presentation times of the video keyframes of `input`, relative to the first one, in seconds. */
export async function keyframeTimes(input: string): Promise<number[]> {
  const { stdout } = await exec(PATHS.ffprobePath, [
    ...['-v', 'error', '-select_streams', 'v:0', '-skip_frame', 'nokey'],
    ...['-show_entries', 'frame=pts_time', '-of', 'csv=p=0', input],
  ]);
  const times = stdout
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .map(Number);
  const first = times[0] ?? 0;
  return times.map((t) => Math.round((t - first) * 1000) / 1000);
}
