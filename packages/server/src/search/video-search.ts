/**
 * Searching videos (SearchMedia `SearchType=video`, reference-more §5.1): the field table — which
 * fields can be returned, matched exactly or fuzzily, listed, ranged and sorted — and the query.
 * Another media type (images) is added the same way: a field table over its own rows and a
 * `search…` function over its table, both handed to `search-media-handler.ts`.
 */
import { sql } from 'kysely';
import { wireTime } from '../catalogue/template-group-service.js';
import type { VideoStatus } from '../store/catalogue-schema.js';
import type { Db } from '../store/database.js';
import { fromRow, selectVideos, type VideoRecord } from '../store/video-store.js';
import { predicateToSql, type FieldTable, type Predicate } from './match-compiler.js';

const VIDEO_STATUSES: readonly VideoStatus[] = [
  'Uploading',
  'UploadFail',
  'UploadSucc',
  'Transcoding',
  'TranscodeFail',
  'Checking',
  'Blocked',
  'Normal',
  'ProduceFail',
];

export const VIDEO_FIELDS: FieldTable<VideoRecord> = {
  VideoId: { type: 'string', column: 'videos.video_id', exact: true, multi: true, wire: (v) => v.videoId },
  AppId: { type: 'string', column: 'videos.app_id', multi: true, wire: (v) => v.appId },
  CateId: { type: 'integer', column: 'videos.cate_id', exact: true, wire: (v) => v.cateId ?? undefined },
  CateName: { type: 'string', wire: (v) => (v.cateId !== null ? (v.cateName ?? '') : undefined) },
  StorageLocation: {
    type: 'string',
    column: 'videos.storage_location',
    exact: true,
    multi: true,
    wire: (v) => v.storageLocation,
  },
  Title: { type: 'string', column: 'videos.title', fuzzy: true, multi: true, wire: (v) => v.title },
  Tags: { type: 'string', column: 'videos.tags', fuzzy: true, multi: true, wire: (v) => v.tags ?? '' },
  Description: {
    type: 'string',
    column: 'videos.description',
    fuzzy: true,
    multi: true,
    wire: (v) => v.description ?? '',
  },
  Status: {
    type: 'string',
    column: 'videos.status',
    multi: true,
    allowed: VIDEO_STATUSES,
    wire: (v) => v.status,
  },
  // Stored as the source's size once uploaded; a video still uploading has none to range over.
  Size: {
    type: 'integer',
    column: 'videos.source_size',
    range: true,
    wire: (v) => v.sourceSize ?? v.fileSize ?? 0,
  },
  Duration: { type: 'number', column: 'videos.duration', range: true, wire: (v) => v.duration ?? 0 },
  CreationTime: {
    type: 'time',
    column: 'videos.creation_time',
    range: true,
    sortable: true,
    wire: (v) => wireTime(v.creationTime),
  },
  ModificationTime: {
    type: 'time',
    column: 'videos.modification_time',
    range: true,
    sortable: true,
    wire: (v) => wireTime(v.modificationTime),
  },
  CoverURL: { type: 'string', wire: (v) => v.coverUrl ?? '' },
  // securevod has one kind of source, storage class and transcode mode; these are constants.
  MediaSource: { type: 'string', wire: () => 'general' },
  PreprocessStatus: { type: 'string', wire: () => 'UnPreprocess' },
  StorageClass: { type: 'string', wire: () => 'Standard' },
  TranscodeMode: { type: 'string', wire: () => 'AsyncTranscode' },
  DownloadSwitch: { type: 'string', wire: (v) => v.downloadSwitch },
  // Plain string arrays here, unlike GetVideoInfo's wrapped list (reference-more §5.1).
  Snapshots: { type: 'string', wire: () => [] },
  SpriteSnapshots: { type: 'string', wire: () => [] },
};

/** Returned when `Fields` is absent (the fields of the reference's sample). */
export const DEFAULT_VIDEO_FIELDS = [
  'VideoId',
  'Title',
  'CoverURL',
  'Status',
  'CreationTime',
  'ModificationTime',
];

export interface SortKey {
  readonly column: string;
  readonly descending: boolean;
}

export interface SearchPage {
  readonly total: number;
  readonly rows: VideoRecord[];
}

/** The position after a row, for keyset paging: its sort values and id. */
export interface ScrollPosition {
  readonly values: readonly (string | number)[];
  readonly id: string;
}

/** The sort values of `row` for `sort` (what a scroll token records). */
export function sortValues(row: VideoRecord, sort: readonly SortKey[]): (string | number)[] {
  return sort.map((key) =>
    key.column === 'videos.modification_time' ? row.modificationTime : row.creationTime,
  );
}

/** Rows strictly after `position` in (sort…, video_id) order. */
function afterPosition(sort: readonly SortKey[], position: ScrollPosition): Predicate {
  const branches: Predicate[] = [];
  const keys = [...sort, { column: 'videos.video_id', descending: false }];
  const values = [...position.values, position.id];
  for (let i = 0; i < keys.length; i++) {
    const equal: Predicate[] = keys
      .slice(0, i)
      .map((key, j) => ({ kind: 'compare', column: key.column, op: '=', value: values[j]! }));
    const key = keys[i]!;
    branches.push({
      kind: 'and',
      items: [
        ...equal,
        { kind: 'compare', column: key.column, op: key.descending ? '<' : '>', value: values[i]! },
      ],
    });
  }
  return { kind: 'or', items: branches };
}

export async function searchVideos(
  db: Db,
  query: {
    where?: Predicate;
    sort: readonly SortKey[];
    after?: ScrollPosition;
    offset: number;
    limit: number;
  },
): Promise<SearchPage> {
  const counted = await db.kysely
    .selectFrom('videos')
    .$if(query.where !== undefined, (q) => q.where((eb) => predicateToSql(eb, query.where!)))
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirst();
  const conditions = [query.where, query.after && afterPosition(query.sort, query.after)].filter(
    (p): p is Predicate => p !== undefined,
  );
  let page = selectVideos(db);
  if (conditions.length > 0)
    page = page.where((eb) => predicateToSql(eb, { kind: 'and', items: conditions }));
  for (const key of query.sort) page = page.orderBy(sql.ref(key.column), key.descending ? 'desc' : 'asc');
  const rows = await page.orderBy('videos.video_id', 'asc').offset(query.offset).limit(query.limit).execute();
  return { total: Number(counted?.n ?? 0), rows: rows.map(fromRow) };
}
