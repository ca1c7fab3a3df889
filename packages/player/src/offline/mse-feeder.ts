/**
 * Plays a decrypted fMP4 through Media Source Extensions: one `MediaSource`, one `SourceBuffer`
 * of the init segment's type (`video/mp4; codecs="avc1…, mp4a…"`), fragments appended on demand.
 * What to append or remove is decided by `buffer-planner.ts`; this class carries it out on the
 * media element's events (`timeupdate`, `seeking`, `waiting`) and as the fragment index grows.
 *
 * A seek needs no special path: the next plan starts from the fragment at the new position, and
 * fragments carry their own decode times (tfdt), so the SourceBuffer places them wherever they are
 * appended. Bookkeeping of what is buffered is ours (`appended`), re-checked against the
 * element's `buffered` at the playback position, because the browser may evict on its own.
 */
import { planAppend, planEvictions, type BufferPolicy } from './buffer-planner.js';
import { fragmentIndexAt, type ByteReader, type FragmentIndex, type InitSegment } from './fragment-index.js';
import { fatal } from './offline-errors.js';

export interface MseFeederOptions {
  readonly video: HTMLVideoElement;
  readonly init: InitSegment;
  readonly index: FragmentIndex;
  readonly reader: ByteReader;
  readonly policy: BufferPolicy;
  /** Seconds, when known before the index is complete (so the whole timeline is seekable). */
  readonly durationHint: number | undefined;
  /** A fatal failure: the feeder has stopped. */
  readonly onError: (error: unknown) => void;
}

/** Gaps shorter than this (seconds) between appended fragments are jumped over. */
const MAX_GAP = 0.5;
/** Re-appends of one fragment the browser seems to have dropped, before we stop believing it. */
const MAX_REAPPENDS = 2;
const HAVE_FUTURE_DATA = 3;

export class MseFeeder {
  readonly appended = new Set<number>();
  appendedCount = 0;
  evictedCount = 0;
  private mediaSource: MediaSource | undefined;
  private sourceBuffer: SourceBuffer | undefined;
  private objectUrl: string | undefined;
  private running = false;
  private again = false;
  private destroyed = false;
  private durationFinal = false;
  private readonly reappends = new Map<number, number>();
  private readonly cleanups: Array<() => void> = [];
  private readonly stopped = new AbortController();

  constructor(private readonly options: MseFeederOptions) {}

  /** Attaches to the element and appends the init segment; rejects with a `PlayerError`. */
  async start(): Promise<void> {
    const { video, init } = this.options;
    if (typeof MediaSource === 'undefined') {
      throw fatal('media', 'mseUnsupported', 'This browser has no Media Source Extensions.');
    }
    if (!MediaSource.isTypeSupported(init.info.mimeType)) {
      throw fatal('media', 'codecsUnsupported', `This browser cannot play ${init.info.mimeType}.`);
    }
    const mediaSource = (this.mediaSource = new MediaSource());
    this.objectUrl = URL.createObjectURL(mediaSource);
    // Destroyed meanwhile (a failure elsewhere detaches the element): 'sourceopen' never comes.
    await new Promise<void>((resolve) => {
      mediaSource.addEventListener('sourceopen', () => resolve(), { once: true });
      this.stopped.signal.addEventListener('abort', () => resolve(), { once: true });
      video.src = this.objectUrl!;
    });
    if (this.destroyed) return;
    this.sourceBuffer = mediaSource.addSourceBuffer(init.info.mimeType);
    await this.append(init.bytes);
    if (this.destroyed) return;
    const hint = this.options.durationHint;
    if (hint !== undefined && Number.isFinite(hint) && hint > 0) mediaSource.duration = hint;

    const wake = (): void => this.schedule();
    for (const type of ['timeupdate', 'waiting', 'playing'] as const) this.listen(video, type, wake);
    this.listen(video, 'seeking', () => {
      this.reappends.clear();
      this.schedule();
    });
    this.listen(video, 'error', () =>
      this.fail(
        fatal(
          'media',
          'mediaDecodeFailed',
          `The browser could not play the video: ${video.error?.message ?? 'media error'}.`,
        ),
      ),
    );
    this.cleanups.push(this.options.index.onGrow(wake));
    this.schedule();
  }

  /** Detaches from the element. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.stopped.abort();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    const { video } = this.options;
    if (this.objectUrl && video.src === this.objectUrl) {
      video.removeAttribute('src');
      video.load();
    }
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
  }

  private listen(target: EventTarget, type: string, listener: () => void): void {
    target.addEventListener(type, listener);
    this.cleanups.push(() => target.removeEventListener(type, listener));
  }

  private fail(error: unknown): void {
    if (this.destroyed) return;
    this.destroy();
    this.options.onError(error);
  }

  /** Runs `pump` now, or once more after the current run. */
  private schedule(): void {
    if (this.destroyed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.pump()
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
  }

  private async pump(): Promise<void> {
    const { video, index, reader, policy } = this.options;
    do {
      this.again = false;
      if (this.destroyed) return;
      this.reconcile();
      this.jumpSmallGap();
      await this.evict();
      const plan = planAppend(index.fragments, this.appended, video.currentTime, index.complete, policy);
      if (plan.kind === 'append') {
        const fragment = index.fragments[plan.index]!;
        const bytes = await reader.read(fragment.offset, fragment.size);
        if (this.destroyed) return;
        await this.append(bytes);
        bytes.fill(0);
        this.appended.add(plan.index);
        this.appendedCount++;
        this.again = true;
      } else if (plan.kind === 'end') {
        this.endOfStream();
      }
      this.finalDuration();
    } while (this.again);
  }

  /** The fragment at the position counts as appended only while the element has its middle. */
  private reconcile(): void {
    const { video, index } = this.options;
    const at = fragmentIndexAt(index.fragments, video.currentTime);
    if (at < 0 || !this.appended.has(at)) return;
    const fragment = index.fragments[at]!;
    if (inRanges(video.buffered, (fragment.startTime + fragment.endTime) / 2)) return;
    const count = this.reappends.get(at) ?? 0;
    if (count >= MAX_REAPPENDS) return;
    this.reappends.set(at, count + 1);
    this.appended.delete(at);
  }

  /** Steps over a small hole between appended fragments (audio and video rarely line up exactly). */
  private jumpSmallGap(): void {
    const { video, index } = this.options;
    if (video.readyState >= HAVE_FUTURE_DATA) return;
    const t = video.currentTime;
    if (inRanges(video.buffered, t) || !this.appended.has(fragmentIndexAt(index.fragments, t))) return;
    for (let i = 0; i < video.buffered.length; i++) {
      const start = video.buffered.start(i);
      if (start > t && start - t <= MAX_GAP) {
        video.currentTime = start + 0.001;
        return;
      }
    }
  }

  private async evict(): Promise<void> {
    const { video, index, policy } = this.options;
    for (const eviction of planEvictions(index.fragments, this.appended, video.currentTime, policy)) {
      const duration = this.mediaSource!.duration;
      const end = Number.isFinite(duration) ? Math.min(eviction.end, duration) : eviction.end;
      if (end > eviction.start) await this.update(() => this.sourceBuffer!.remove(eviction.start, end));
      for (const i of eviction.indexes) this.appended.delete(i);
      this.evictedCount += eviction.indexes.length;
    }
  }

  private async append(bytes: Uint8Array): Promise<void> {
    try {
      await this.update(() => this.sourceBuffer!.appendBuffer(bytes as Uint8Array<ArrayBuffer>));
    } catch (error) {
      if (!(error instanceof DOMException && error.name === 'QuotaExceededError')) throw error;
      // The browser's buffer is full: keep only what the position needs, then try once more.
      await this.evictAllBut(this.options.video.currentTime);
      await this.update(() => this.sourceBuffer!.appendBuffer(bytes as Uint8Array<ArrayBuffer>)).catch(
        (again: unknown) => {
          throw fatal('media', 'bufferFull', 'The browser has no room to buffer the video.', again);
        },
      );
    }
  }

  private async evictAllBut(position: number): Promise<void> {
    const { index } = this.options;
    const policy = { maxBufferBehind: 0, maxBufferAhead: 0.001 };
    for (const eviction of planEvictions(index.fragments, this.appended, position, policy)) {
      await this.update(() => this.sourceBuffer!.remove(eviction.start, eviction.end));
      for (const i of eviction.indexes) this.appended.delete(i);
      this.evictedCount += eviction.indexes.length;
    }
  }

  /** Runs one SourceBuffer operation and waits for its `updateend` (or its `error`). */
  private update(start: () => void): Promise<void> {
    const sourceBuffer = this.sourceBuffer!;
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        sourceBuffer.removeEventListener('updateend', done);
        sourceBuffer.removeEventListener('error', failed);
        resolve();
      };
      const failed = (): void => {
        sourceBuffer.removeEventListener('updateend', done);
        sourceBuffer.removeEventListener('error', failed);
        reject(fatal('media', 'bufferAppendFailed', 'The browser rejected a fragment of the video.'));
      };
      sourceBuffer.addEventListener('updateend', done);
      sourceBuffer.addEventListener('error', failed);
      try {
        start();
      } catch (error) {
        sourceBuffer.removeEventListener('updateend', done);
        sourceBuffer.removeEventListener('error', failed);
        reject(error);
      }
    });
  }

  private endOfStream(): void {
    const mediaSource = this.mediaSource!;
    if (mediaSource.readyState === 'open' && !this.sourceBuffer!.updating && this.options.index.complete) {
      mediaSource.endOfStream();
    }
  }

  /** Once the index is complete, the exact duration (never below what is buffered). */
  private finalDuration(): void {
    const mediaSource = this.mediaSource!;
    const duration = this.options.index.durationSeconds;
    if (this.durationFinal || duration === undefined) return;
    if (mediaSource.readyState !== 'open' || this.sourceBuffer!.updating) return;
    const buffered = this.sourceBuffer!.buffered;
    const bufferedEnd = buffered.length > 0 ? buffered.end(buffered.length - 1) : 0;
    mediaSource.duration = Math.max(duration, bufferedEnd);
    this.durationFinal = true;
  }
}

function inRanges(ranges: TimeRanges, t: number): boolean {
  for (let i = 0; i < ranges.length; i++) if (ranges.start(i) - 1e-3 <= t && t < ranges.end(i)) return true;
  return false;
}
