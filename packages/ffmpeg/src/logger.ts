/**
 * The logger this package writes to. One simple shape, message first:
 * `logger.debug('ffmpeg stderr', { line })`. A pino logger adapts with one line per level, e.g.
 * `debug: (msg, data) => pino.debug(data ?? {}, msg)`. Every method is required (no silent
 * defaults inside an implementation); pass `noopLogger` to discard.
 */
export interface FfmpegLogger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

export const noopLogger: FfmpegLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
