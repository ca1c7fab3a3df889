/**
 * Seek-bar previews from a WebVTT thumbnail track (the server's `WebVttSnapshot`: one cue per
 * sprite cell, payload `sprite-00001.jpg?…#xywh=x,y,w,h`). `parseThumbnailTrack` and
 * `thumbnailAt` are pure; `SeekPreview` is the small DOM part: while the pointer is over the
 * application's seek bar it shows the cell for the time under the pointer above it.
 */

export interface ThumbnailCue {
  /** Seconds. */
  readonly start: number;
  readonly end: number;
  /** Absolute URL of the sprite sheet (query kept, fragment removed). */
  readonly url: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

function vttSeconds(text: string): number | undefined {
  const match = /^(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1] ?? 0) * 3600 + Number(match[2]) * 60 + Number(match[3]) + Number(match[4]) / 1000;
}

/** The cues of a thumbnail track; cues without an `#xywh=` payload are skipped. */
export function parseThumbnailTrack(text: string, trackUrl: string): ThumbnailCue[] {
  const lines = text.split(/\r?\n/);
  if (!lines[0]?.startsWith('WEBVTT')) return [];
  const cues: ThumbnailCue[] = [];
  for (let i = 0; i < lines.length; i++) {
    const timing = /^(\S+)\s+-->\s+(\S+)/.exec(lines[i]!);
    if (!timing) continue;
    const start = vttSeconds(timing[1]!);
    const end = vttSeconds(timing[2]!);
    const payload = lines[i + 1]?.trim() ?? '';
    const hash = payload.lastIndexOf('#xywh=');
    if (start === undefined || end === undefined || hash === -1) continue;
    const box = payload
      .slice(hash + 6)
      .split(',')
      .map(Number);
    if (box.length !== 4 || box.some((n) => !Number.isFinite(n) || n < 0)) continue;
    let url: string;
    try {
      url = new URL(payload.slice(0, hash), trackUrl).href;
    } catch {
      continue;
    }
    cues.push({ start, end, url, x: box[0]!, y: box[1]!, width: box[2]!, height: box[3]! });
  }
  return cues;
}

/** The cue showing at `time` (the last one at or past the end), or undefined for no cues. */
export function thumbnailAt(cues: readonly ThumbnailCue[], time: number): ThumbnailCue | undefined {
  return cues.find((c) => time >= c.start && time < c.end) ?? (time >= 0 ? cues.at(-1) : undefined);
}

export interface SeekPreviewOptions {
  /** The application's seek bar: its width stands for the whole duration. */
  readonly seekBar: HTMLElement;
  readonly cues: readonly ThumbnailCue[];
  /** Seconds of the whole video. */
  readonly duration: () => number;
  /** The URL to request for a sheet (the player puts its current session token on it). */
  readonly sheetUrl: (url: string) => string;
}

/** The preview element (`.securevod-seek-preview`), shown above the seek bar while hovering it. */
export class SeekPreview {
  readonly element: HTMLDivElement;
  private readonly abort = new AbortController();

  constructor(private readonly options: SeekPreviewOptions) {
    const doc = options.seekBar.ownerDocument;
    this.element = doc.createElement('div');
    this.element.className = 'securevod-seek-preview';
    Object.assign(this.element.style, {
      position: 'fixed',
      display: 'none',
      pointerEvents: 'none',
      backgroundRepeat: 'no-repeat',
      zIndex: '2147483647',
      boxShadow: '0 0 2px rgba(0,0,0,.6)',
    });
    doc.body.append(this.element);
    const signal = this.abort.signal;
    options.seekBar.addEventListener('pointermove', (event) => this.show(event.clientX), { signal });
    options.seekBar.addEventListener('pointerleave', () => this.hide(), { signal });
  }

  /** Shows the preview for the pointer at `clientX` (what `pointermove` does). */
  show(clientX: number): void {
    const bar = this.options.seekBar.getBoundingClientRect();
    const duration = this.options.duration();
    if (bar.width <= 0 || !(duration > 0)) return this.hide();
    const fraction = Math.min(1, Math.max(0, (clientX - bar.left) / bar.width));
    const cue = thumbnailAt(this.options.cues, fraction * duration);
    if (!cue) return this.hide();
    const left = Math.min(Math.max(0, clientX - cue.width / 2), window.innerWidth - cue.width);
    Object.assign(this.element.style, {
      display: 'block',
      width: `${cue.width}px`,
      height: `${cue.height}px`,
      left: `${left}px`,
      top: `${Math.max(0, bar.top - cue.height - 8)}px`,
      backgroundImage: `url("${this.options.sheetUrl(cue.url)}")`,
      backgroundPosition: `-${cue.x}px -${cue.y}px`,
    });
    this.element.dataset.time = String(Math.round(fraction * duration * 1000) / 1000);
  }

  hide(): void {
    this.element.style.display = 'none';
  }

  destroy(): void {
    this.abort.abort();
    this.element.remove();
  }
}
