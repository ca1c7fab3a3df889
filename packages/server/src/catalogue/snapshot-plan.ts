/**
 * Snapshot jobs as data (reference-more §3): the validated SubmitSnapshotJob request, the times
 * it asks for once the duration is known, what a finished job stored, and the WebVTT thumbnail
 * track of a sprite. Pure; the job handler (transcode/snapshot-job-handler.ts) runs ffmpeg.
 */
import { apiErrors } from '../errors/api-error.js';
import type { RpcParams } from '../rpc/rpc-params.js';

export interface SpriteConfig {
  /** Cell size; default the snapshot size (or the source's, scaled to 160 px wide). */
  cellWidth?: number;
  cellHeight?: number;
  padding: number;
  margin: number;
  color: string;
  columns: number;
  lines: number;
  /** Keep the cell pictures as SpriteOriginSnapshot (`KeepCellPic keep`, the default). */
  keepCellPic: boolean;
}

export interface SnapshotRequest {
  /** SpecifiedOffsetTimes (ms), when given: exactly these times. */
  offsetsMs?: number[];
  /** SpecifiedOffsetTime (ms): the first snapshot. */
  startMs: number;
  count: number;
  /** Seconds between snapshots; 0 spreads `count` evenly over the duration. */
  intervalSeconds: number;
  width?: number;
  height?: number;
  sprite?: SpriteConfig;
}

/** The most snapshots one job makes (the vendor names no limit; a sprite of 10×10 needs 100). */
export const MAX_SNAPSHOT_COUNT = 200;
/** The automatic cover job: CoverSnapshots spread over the video; the middle one is the cover. */
export const COVER_SNAPSHOT_COUNT = 3;
export const COVER_REQUEST: SnapshotRequest = { startMs: 0, count: COVER_SNAPSHOT_COUNT, intervalSeconds: 0 };

export type SnapshotType =
  'CoverSnapshot' | 'NormalSnapshot' | 'SpriteSnapshot' | 'SpriteOriginSnapshot' | 'WebVttSnapshot';
export const SNAPSHOT_TYPES: readonly SnapshotType[] = [
  'CoverSnapshot',
  'NormalSnapshot',
  'SpriteSnapshot',
  'SpriteOriginSnapshot',
  'WebVttSnapshot',
];

/** One kind of output of a job: `count` objects named by `pattern` with `{SnapshotCount}` → 00001…. */
export interface SnapshotSet {
  count: number;
  /** Media object path under `/media/<VideoId>/`, with the `{SnapshotCount}` placeholder. */
  pattern: string;
}

export type SnapshotOutputs = Partial<Record<SnapshotType, SnapshotSet>>;

export const SNAPSHOT_COUNT_PLACEHOLDER = '{SnapshotCount}';
export const snapshotName = (pattern: string, index: number) =>
  pattern.replace(SNAPSHOT_COUNT_PLACEHOLDER, String(index).padStart(5, '0'));

/** Parses SubmitSnapshotJob's parameters; every refusal names its field (InvalidParameter). */
export function parseSnapshotRequest(params: RpcParams): SnapshotRequest {
  const size = (name: string) => {
    const raw = params.optional(name);
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 8 || value > 4096) {
      throw apiErrors.invalidParameter(name, 'It must be a whole number of pixels from 8 to 4096.');
    }
    return value;
  };
  const request: SnapshotRequest = {
    startMs: params.integer('SpecifiedOffsetTime', { min: 0, max: 864_000_000, fallback: 0 })!,
    count: params.integer('Count', { min: 1, max: MAX_SNAPSHOT_COUNT, fallback: 1 })!,
    intervalSeconds: params.integer('Interval', { min: 0, max: 86_400, fallback: 1 })!,
  };
  const width = size('Width');
  const height = size('Height');
  if (width !== undefined) request.width = width;
  if (height !== undefined) request.height = height;
  const times = params.optional('SpecifiedOffsetTimes');
  if (times !== undefined && times !== '') {
    let list: unknown;
    try {
      list = JSON.parse(times);
    } catch {
      list = undefined;
    }
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      list.length > 30 ||
      !list.every((t) => Number.isSafeInteger(t) && (t as number) >= 0)
    ) {
      throw apiErrors.invalidParameter(
        'SpecifiedOffsetTimes',
        'It must be a JSON array of 1 to 30 times in milliseconds, e.g. [1000,2000].',
      );
    }
    request.offsetsMs = list as number[];
  }
  const sprite = params.optional('SpriteSnapshotConfig');
  if (sprite !== undefined && sprite !== '') request.sprite = parseSpriteConfig(sprite);
  return request;
}

function parseSpriteConfig(raw: string): SpriteConfig {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw apiErrors.invalidParameter('SpriteSnapshotConfig', 'It must be a JSON object.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw apiErrors.invalidParameter('SpriteSnapshotConfig', 'It must be a JSON object.');
  }
  const int = (name: string, min: number, max: number, fallback: number | undefined) => {
    const given = value[name];
    if (given === undefined || given === '') return fallback;
    const n = Number(given);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw apiErrors.invalidParameter(
        'SpriteSnapshotConfig',
        `SpriteSnapshotConfig.${name} must be a whole number from ${min} to ${max}.`,
      );
    }
    return n;
  };
  const color = value.Color === undefined ? 'black' : String(value.Color);
  if (!/^(#[0-9A-Fa-f]{6}|[A-Za-z]{3,20})$/.test(color)) {
    throw apiErrors.invalidParameter(
      'SpriteSnapshotConfig',
      'SpriteSnapshotConfig.Color must be a colour name (e.g. black) or #RRGGBB.',
    );
  }
  const keep = value.KeepCellPic === undefined ? 'keep' : String(value.KeepCellPic);
  if (keep !== 'keep' && keep !== 'delete') {
    throw apiErrors.invalidParameter(
      'SpriteSnapshotConfig',
      'SpriteSnapshotConfig.KeepCellPic must be keep or delete.',
    );
  }
  const config: SpriteConfig = {
    padding: int('Padding', 0, 100, 0)!,
    margin: int('Margin', 0, 100, 0)!,
    color,
    columns: int('Columns', 1, 10_000, 10)!,
    lines: int('Lines', 1, 10_000, 10)!,
    keepCellPic: keep === 'keep',
  };
  const cellWidth = int('CellWidth', 8, 4096, undefined);
  const cellHeight = int('CellHeight', 8, 4096, undefined);
  if (cellWidth !== undefined) config.cellWidth = cellWidth;
  if (cellHeight !== undefined) config.cellHeight = cellHeight;
  return config;
}

/**
 * The times (seconds) of a request once the duration is known. "If both Count and Interval are
 * set, the one producing fewer snapshots prevails": times past the end are dropped. A video
 * shorter than the start still gets its first frame, so a job never produces nothing.
 */
export function snapshotTimes(request: SnapshotRequest, durationSeconds: number): number[] {
  // The last decodable frame is a little before the container's duration.
  const last = Math.max(0, durationSeconds - 0.05);
  if (request.offsetsMs) {
    const inside = request.offsetsMs.map((ms) => ms / 1000).filter((t) => t <= last);
    return inside.length > 0 ? inside : [0];
  }
  const start = request.startMs / 1000;
  if (start > last) return [0];
  if (request.intervalSeconds === 0) {
    // Evenly spread: the middle of `count` equal parts of [start, duration).
    const span = durationSeconds - start;
    return Array.from({ length: request.count }, (_, i) =>
      round3(start + (span * (i + 0.5)) / request.count),
    );
  }
  const times: number[] = [];
  for (let i = 0; i < request.count; i++) {
    const t = start + i * request.intervalSeconds;
    if (t > last) break;
    times.push(round3(t));
  }
  return times;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/**
 * The WebVTT thumbnail track of a sprite (the de-facto format players use for seek previews):
 * one cue per cell, from its time to the next cell's (the first from 0, the last to the end), so
 * the cues cover the whole duration; the payload names the sheet and the cell's rectangle
 * (`#xywh=`, Media Fragments).
 */
export function spriteVtt(options: {
  times: readonly number[];
  durationSeconds: number;
  sheetName: (sheetIndex: number) => string;
  cellWidth: number;
  cellHeight: number;
  columns: number;
  lines: number;
  padding: number;
  margin: number;
}): string {
  const perSheet = options.columns * options.lines;
  const lines = ['WEBVTT', ''];
  options.times.forEach((time, i) => {
    const start = i === 0 ? 0 : time;
    const end = i + 1 < options.times.length ? options.times[i + 1]! : options.durationSeconds;
    const sheet = Math.floor(i / perSheet) + 1;
    const cell = i % perSheet;
    const x = options.margin + (cell % options.columns) * (options.cellWidth + options.padding);
    const y = options.margin + Math.floor(cell / options.columns) * (options.cellHeight + options.padding);
    lines.push(
      `${vttTime(start)} --> ${vttTime(Math.max(end, start))}`,
      `${options.sheetName(sheet)}#xywh=${x},${y},${options.cellWidth},${options.cellHeight}`,
      '',
    );
  });
  return lines.join('\n');
}

export function vttTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}
