/** Media fixtures made with ffmpeg's lavfi sources, and ffprobe measurements, for tests. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A clip with a testsrc2 pattern and a sine tone (H.264/AAC in MP4). */
export async function makeClip(
  path: string,
  options: { seconds?: number; width?: number; height?: number; fps?: number; audio?: boolean } = {},
): Promise<void> {
  const { seconds = 6, width = 640, height = 360, fps = 25, audio = true } = options;
  const args = ['-y', '-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`];
  if (audio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  args.push('-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p');
  if (audio) args.push('-c:a', 'aac', '-b:a', '96k');
  args.push(path);
  await run('ffmpeg', args);
}

export interface DecodedInfo {
  frames: number;
  durationSeconds: number;
}

/** Decodes the first video stream fully and counts frames (0 when nothing decodes). */
export async function decodeVideo(input: string, extraArgs: string[] = []): Promise<DecodedInfo> {
  try {
    const { stdout } = await run(
      'ffprobe',
      [
        '-v',
        'error',
        ...extraArgs,
        '-count_frames',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=nb_read_frames:format=duration',
        '-of',
        'json',
        input,
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const json = JSON.parse(stdout) as {
      streams?: { nb_read_frames?: string }[];
      format?: { duration?: string };
    };
    return {
      frames: Number(json.streams?.[0]?.nb_read_frames ?? 0),
      durationSeconds: Number(json.format?.duration ?? 0),
    };
  } catch {
    return { frames: 0, durationSeconds: 0 };
  }
}
