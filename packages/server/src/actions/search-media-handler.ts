/**
 * SearchMedia (reference-more §5.1): `Match` (parsed and compiled to parameterised SQL by
 * `search/`), `Fields`, `SortBy`, page-number paging over the first 5000 hits, and `ScrollToken`
 * keyset paging through everything. `SearchType=video` is implemented; other types answer
 * InvalidParameter until their field table and query exist (see `SEARCH_SOURCES`).
 *
 * Any malformed Match — bad syntax, an unknown field, an operator the field does not allow, a
 * value of the wrong type — is `InvalidParameter` naming the character position.
 */
import { apiErrors, mediaLibraryErrors } from '../errors/api-error.js';
import type { RpcParams } from '../rpc/rpc-params.js';
import type { ActionHandler, RpcRequest } from '../rpc/rpc-plugin.js';
import { checkMatch, type FieldTable, type Predicate } from '../search/match-compiler.js';
import { MatchSyntaxError, parseMatch } from '../search/match-parser.js';
import { decodeScrollToken, encodeScrollToken, searchFingerprint } from '../search/scroll-token.js';
import {
  DEFAULT_VIDEO_FIELDS,
  searchVideos,
  sortValues,
  VIDEO_FIELDS,
  type ScrollPosition,
  type SortKey,
} from '../search/video-search.js';
import type { Db } from '../store/database.js';
import type { VideoRecord } from '../store/video-store.js';

const SEARCH_TYPES = ['video', 'audio', 'image', 'attached'] as const;
type SearchType = (typeof SEARCH_TYPES)[number];

/** Page-number paging reaches this many hits; beyond, ScrollToken. */
export const MAX_PAGED_HITS = 5000;
/** With a ScrollToken, how far ahead of its position one request may reach. */
export const MAX_SCROLL_AHEAD = 100;
const MAX_SORT_FIELDS = 3;

/** One searchable media type: its fields and how to query its rows. */
interface SearchSource<Row> {
  readonly mediaType: string;
  /** The key of the type's object in a MediaList item (`Video`, `Image`, …). */
  readonly itemKey: string;
  readonly fields: FieldTable<Row>;
  readonly defaultFields: readonly string[];
  search(
    db: Db,
    query: {
      where?: Predicate;
      sort: readonly SortKey[];
      after?: ScrollPosition;
      offset: number;
      limit: number;
    },
  ): Promise<{ total: number; rows: Row[] }>;
  id(row: Row): string;
  creationTime(row: Row): string;
  sortValues(row: Row, sort: readonly SortKey[]): (string | number)[];
}

const VIDEO_SOURCE: SearchSource<VideoRecord> = {
  mediaType: 'video',
  itemKey: 'Video',
  fields: VIDEO_FIELDS,
  defaultFields: DEFAULT_VIDEO_FIELDS,
  search: searchVideos,
  id: (v) => v.videoId,
  creationTime: (v) => String(VIDEO_FIELDS.CreationTime!.wire(v)),
  sortValues,
};

/** Media types that can be searched; an image source (wip/media) slots in here. */
const SEARCH_SOURCES: Partial<Record<SearchType, SearchSource<VideoRecord>>> = { video: VIDEO_SOURCE };

function parseFields<Row>(raw: string | undefined, source: SearchSource<Row>): string[] {
  if (raw === undefined) return [...source.defaultFields];
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!Object.hasOwn(source.fields, name)) {
      throw apiErrors.invalidParameter(
        'Fields',
        `"${name}" is not a ${source.mediaType} field; returnable fields are ${Object.keys(source.fields).join(', ')}.`,
      );
    }
  }
  const idField = source.defaultFields[0]!;
  return [...new Set([idField, ...names])];
}

function parseSortBy<Row>(raw: string, source: SearchSource<Row>): SortKey[] {
  const parts = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) throw apiErrors.invalidParameter('SortBy', 'Give Field:Desc or Field:Asc.');
  if (parts.length > MAX_SORT_FIELDS)
    throw apiErrors.invalidParameter('SortBy', `At most ${MAX_SORT_FIELDS} sort fields.`);
  return parts.map((part) => {
    const [name, direction = 'Desc', extra] = part.split(':').map((s) => s.trim());
    const field = name !== undefined && Object.hasOwn(source.fields, name) ? source.fields[name] : undefined;
    if (!field?.sortable || field.column === undefined) {
      const sortable = Object.entries(source.fields)
        .filter(([, f]) => f.sortable)
        .map(([n]) => n);
      throw apiErrors.invalidParameter(
        'SortBy',
        `"${name}" cannot be sorted by; use ${sortable.join(' or ')}.`,
      );
    }
    if (extra !== undefined || (direction !== 'Desc' && direction !== 'Asc')) {
      throw apiErrors.invalidParameter('SortBy', `"${part}": the direction must be Desc or Asc.`);
    }
    return { column: field.column, descending: direction === 'Desc' };
  });
}

function compileMatch<Row>(text: string, source: SearchSource<Row>): Predicate | undefined {
  try {
    const expression = parseMatch(text);
    return expression === undefined ? undefined : checkMatch(source.fields, expression);
  } catch (error) {
    if (error instanceof MatchSyntaxError)
      throw apiErrors.invalidParameter('Match', `Error ${error.message}.`);
    throw error;
  }
}

export function searchMediaHandler(deps: {
  db: Db;
  /** The apps whose media the caller may see (RAM app grants), or 'all'. */
  appScope?: (request: RpcRequest) => Promise<'all' | string[]>;
  /** How a stored CoverURL reads on the wire (PlaybackService.coverUrl signs our own covers). */
  coverUrl?: (stored: string | null) => string;
}): ActionHandler {
  return async (request) => {
    const { params } = request;
    const searchType = params.oneOf('SearchType', SEARCH_TYPES, 'video')!;
    const source = SEARCH_SOURCES[searchType];
    if (!source) {
      throw apiErrors.invalidParameter(
        'SearchType',
        `Searching ${searchType} media is not supported; use video.`,
      );
    }
    const scope = (await deps.appScope?.(request)) ?? 'all';
    const result = await search(deps.db, source, params, scope);
    if (deps.coverUrl) {
      for (const item of result.MediaList as Record<string, Record<string, unknown> | undefined>[]) {
        const media = item[source.itemKey];
        if (typeof media?.CoverURL === 'string' && media.CoverURL !== '')
          media.CoverURL = deps.coverUrl(media.CoverURL);
      }
    }
    return result;
  };
}

async function search<Row>(db: Db, source: SearchSource<Row>, params: RpcParams, scope: 'all' | string[]) {
  const fields = parseFields(params.optional('Fields'), source);
  const matchText = params.optional('Match') ?? '';
  const matched = compileMatch(matchText, source);
  // Only media of the apps the caller may see: the scope joins the caller's Match with `and`.
  const appColumn = source.fields.AppId?.column;
  const inScope: Predicate | undefined =
    scope === 'all' || appColumn === undefined
      ? undefined
      : scope.length === 0
        ? { kind: 'compare', column: appColumn, op: '=', value: '' }
        : { kind: 'in', column: appColumn, values: scope };
  const where: Predicate | undefined =
    matched && inScope ? { kind: 'and', items: [matched, inScope] } : (matched ?? inScope);
  const sortBy = params.optional('SortBy') ?? 'CreationTime:Desc';
  const sort = parseSortBy(sortBy, source);
  const pageNo = params.integer('PageNo', { min: 1, max: 1_000_000, fallback: 1 })!;
  const pageSize = params.integer('PageSize', { min: 1, max: 100, fallback: 10 })!;
  const fingerprint = searchFingerprint(source.mediaType, matchText, sortBy);

  const token = params.optional('ScrollToken');
  let after: ScrollPosition | undefined;
  let offset: number;
  if (token !== undefined) {
    if (sort.length > 1) throw mediaLibraryErrors.sortByExceeded();
    const state = decodeScrollToken(token, fingerprint);
    after = { values: state.values, id: state.id };
    // Clients either keep PageNo at 1 or count pages on; both continue after the token's page.
    const ahead = Math.max(1, pageNo - state.pageNo);
    if (ahead * pageSize > MAX_SCROLL_AHEAD) {
      throw apiErrors.invalidParameter(
        'PageNo',
        `With a ScrollToken a request reaches at most ${MAX_SCROLL_AHEAD} records past the token's page (PageNo ${state.pageNo}).`,
      );
    }
    offset = (ahead - 1) * pageSize;
  } else {
    if (pageNo * pageSize > MAX_PAGED_HITS) {
      throw apiErrors.invalidParameter(
        'PageNo',
        `Page numbers reach the first ${MAX_PAGED_HITS} hits; page on with the returned ScrollToken.`,
      );
    }
    offset = (pageNo - 1) * pageSize;
  }

  const { total, rows } = await source.search(db, { where, sort, after, offset, limit: pageSize });
  const last = rows.at(-1);
  return {
    Total: total,
    ScrollToken: last
      ? encodeScrollToken({
          pageNo,
          values: source.sortValues(last, sort),
          id: source.id(last),
          search: fingerprint,
        })
      : (token ?? ''),
    MediaList: rows.map((row) => ({
      MediaId: source.id(row),
      MediaType: source.mediaType,
      CreationTime: source.creationTime(row),
      [source.itemKey]: Object.fromEntries(fields.map((name) => [name, source.fields[name]!.wire(row)])),
    })),
  };
}
