/** Where the ffmpeg and ffprobe binaries are. Paths without a slash are looked up on PATH. */
export interface FfmpegPaths {
  ffmpegPath: string;
  ffprobePath: string;
}

/**
 * Resolves the binaries from an environment map: `FFMPEG_PATH` / `FFPROBE_PATH` when set and
 * non-blank, else `ffmpeg` / `ffprobe` on PATH. Pure: the entry point passes `process.env`
 * (library code never reads it). A missing binary surfaces later, on first use, as an
 * `FfmpegError` with code `NotFound`.
 */
export function resolveFfmpegPaths(env: Record<string, string | undefined>): FfmpegPaths {
  return {
    ffmpegPath: nonBlank(env.FFMPEG_PATH) ?? 'ffmpeg',
    ffprobePath: nonBlank(env.FFPROBE_PATH) ?? 'ffprobe',
  };
}

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
