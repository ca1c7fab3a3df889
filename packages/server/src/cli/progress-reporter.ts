/**
 * Progress of long CLI work (upload bytes, transcode percent), always on stderr so stdout stays
 * for results. Which reporter a command gets is decided once from its output mode:
 *   - `bar`:   a `cli-progress` bar, redrawn in place (stderr is a terminal);
 *   - `lines`: one line per 10% step (stderr is a file or pipe: logs stay readable);
 *   - `none`:  nothing (`--json`: scripts parse stdout and want a quiet stderr).
 */
import type { SingleBar } from 'cli-progress';
import { createRequire } from 'node:module';

// Loaded on first use: only interactive CLI commands draw bars, and the server never does.
const requireOptional = createRequire(import.meta.url);

export interface ProgressReporter {
  start(total: number): void;
  /** Absolute value, in the unit of `total`; values never go backwards on screen. */
  update(value: number): void;
  stop(): void;
}

export type ProgressMode = 'bar' | 'lines' | 'none';

export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export function progressMode(options: { json: boolean; stream: ProgressOutput }): ProgressMode {
  if (options.json) return 'none';
  return options.stream.isTTY ? 'bar' : 'lines';
}

export type ValueFormat = 'bytes' | 'percent';

export function createProgressReporter(
  mode: ProgressMode,
  label: string,
  format: ValueFormat,
  stream: ProgressOutput & NodeJS.WritableStream,
): ProgressReporter {
  if (mode === 'none') return { start() {}, update() {}, stop() {} };
  if (mode === 'lines') return new LineReporter(label, format, stream);
  return new BarReporter(label, format, stream);
}

class LineReporter implements ProgressReporter {
  private total = 0;
  private lastStep = -1;

  constructor(
    private readonly label: string,
    private readonly format: ValueFormat,
    private readonly stream: ProgressOutput,
  ) {}

  start(total: number): void {
    this.total = total;
    this.lastStep = -1;
    this.update(0);
  }

  update(value: number): void {
    const percent = this.total > 0 ? Math.min(100, Math.floor((value / this.total) * 100)) : 100;
    const step = Math.floor(percent / 10);
    if (step <= this.lastStep) return;
    this.lastStep = step;
    const detail = this.format === 'bytes' ? ` (${formatBytes(value)} of ${formatBytes(this.total)})` : '';
    this.stream.write(`${this.label}: ${step * 10}%${detail}\n`);
  }

  stop(): void {}
}

class BarReporter implements ProgressReporter {
  private readonly bar: SingleBar;
  private highest = 0;
  private startedAt = 0;

  constructor(
    label: string,
    private readonly format: ValueFormat,
    stream: NodeJS.WritableStream,
  ) {
    const amounts = format === 'bytes' ? ' | {done} of {size} | {speed}' : '';
    const { SingleBar: Bar } = requireOptional('cli-progress') as typeof import('cli-progress');
    this.bar = new Bar({
      stream,
      format: `${label.padEnd(9)} [{bar}] {percentage}%${amounts} | {duration_formatted}`,
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      hideCursor: true,
      clearOnComplete: false,
    });
  }

  start(total: number): void {
    this.startedAt = Date.now();
    this.highest = 0;
    this.bar.start(total, 0, this.payload(0, total));
  }

  update(value: number): void {
    this.highest = Math.max(this.highest, value);
    this.bar.update(this.highest, this.payload(this.highest, this.bar.getTotal()));
  }

  stop(): void {
    this.bar.stop();
  }

  private payload(value: number, total: number) {
    if (this.format !== 'bytes') return {};
    const seconds = (Date.now() - this.startedAt) / 1000;
    return {
      done: formatBytes(value),
      size: formatBytes(total),
      speed: seconds > 0.5 ? `${formatBytes(value / seconds)}/s` : '-',
    };
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}
