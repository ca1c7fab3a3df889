/**
 * @securevod/ffmpeg — runs ffmpeg/ffprobe for the transcoding worker. Imports nothing from the
 * server: the logger, progress callback, AbortSignal and binary paths are passed in.
 */
export * from './ffmpeg-error.js';
export * from './logger.js';
export * from './ffmpeg-paths.js';
export * from './ffmpeg-progress.js';
export * from './ffmpeg-runner.js';
export * from './ffprobe.js';
export * from './media-input.js';
export * from './hls-ladder-args.js';
export * from './hls-playlist-parser.js';
export * from './hls-output.js';
export * from './snapshot-args.js';
export * from './grey-frames.js';
