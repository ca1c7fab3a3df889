/**
 * Parser for the machine-readable progress ffmpeg writes with `-progress pipe:1`: blocks of
 * `key=value` lines, each block ended by `progress=continue` or `progress=end` (ffmpeg 5.1
 * `print_report`). Pure and incremental: feed stdout chunks as they arrive, in any split.
 */
export interface FfmpegProgress {
  /** Output position in seconds. Never decreases between reports of one run. */
  outTimeSeconds: number;
  /** Frames output so far (the first video output's count). */
  frame: number;
  /** Encoding speed in frames per second, 0 while unknown. */
  fps: number;
  /** Speed relative to real time (2 = twice real time); undefined while ffmpeg says N/A. */
  speed?: number;
  /** 0–100, only when the source duration was given; 100 on the final report. */
  percent?: number;
  /** True on the final report (`progress=end`). */
  done: boolean;
}

export class FfmpegProgressParser {
  private pending = '';
  private block = new Map<string, string>();
  private maxOutTime = 0;

  /** @param durationSeconds source duration, to compute `percent`; omit or 0 when unknown. */
  constructor(private readonly durationSeconds?: number) {}

  /** Consumes a stdout chunk and returns the reports completed by it (often none or one). */
  push(chunk: string): FfmpegProgress[] {
    const lines = (this.pending + chunk).split(/\r?\n/);
    this.pending = lines.pop() ?? '';
    const reports: FfmpegProgress[] = [];
    for (const line of lines) {
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      if (key === 'progress') {
        reports.push(this.finishBlock(value === 'end'));
      } else {
        this.block.set(key, value);
      }
    }
    return reports;
  }

  private finishBlock(done: boolean): FfmpegProgress {
    const b = this.block;
    this.block = new Map();
    const outTime = parseOutTime(b);
    if (outTime !== undefined && outTime > this.maxOutTime) this.maxOutTime = outTime;

    const report: FfmpegProgress = {
      outTimeSeconds: this.maxOutTime,
      frame: parseNumber(b.get('frame')) ?? 0,
      fps: parseNumber(b.get('fps')) ?? 0,
      done,
    };
    const speed = parseNumber(b.get('speed')?.replace(/x$/, ''));
    if (speed !== undefined) report.speed = speed;
    const duration = this.durationSeconds;
    if (duration && duration > 0) {
      report.percent = done ? 100 : Math.min(100, Math.round((this.maxOutTime / duration) * 1000) / 10);
    }
    return report;
  }
}

/**
 * `out_time_us` is microseconds; ffmpeg 5.1's `out_time_ms` is (misnamed) microseconds too, and
 * `out_time` is `[-]HH:MM:SS.micro`. Negative times (audio priming) count as 0.
 */
function parseOutTime(b: Map<string, string>): number | undefined {
  const us = parseNumber(b.get('out_time_us')) ?? parseNumber(b.get('out_time_ms'));
  if (us !== undefined) return Math.max(0, us / 1e6);
  const m = /^(-?)(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(b.get('out_time') ?? '');
  if (!m) return undefined;
  if (m[1] === '-') return 0;
  return Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

function parseNumber(value: string | undefined): number | undefined {
  if (value === undefined || value === '' || value === 'N/A') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
