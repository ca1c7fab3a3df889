/**
 * How the library asks for videos: GetVideoList when only a status is chosen, SearchMedia when a
 * search text or a category is (docs/api.md, SearchMedia). The Match expression is built here
 * from what a person typed: values are always quoted, with `\` and `'` escaped, so any text is
 * searched for as text.
 *
 * An encryption filter (our GetVideoList extension `EncryptType`; SearchMedia has no such field)
 * always goes to GetVideoList, with the status and category; a search text then narrows the
 * loaded videos in the browser (`searchHere`). SearchMedia's results carry no `EncryptTypes`
 * (`needsEncryptTypes`): the library fills them in with `loadEncryptTypes` once the page shows.
 */
import type { VodClient } from './vod-client.js';
import type { GetVideoListAnswer, SearchMediaAnswer, WireCategory, WireVideo } from './wire-types.js';

export interface LibraryFilter {
  readonly status: string;
  readonly search: string;
  /** '' for any category. */
  readonly cateId: string;
  /** An `EncryptType` (`AliyunVoDEncryption`, `HLSEncryption`, `Unencrypted`); '' for any. */
  readonly encryption: string;
}

/** A Match string value: quoted, with backslashes and quotes escaped. */
export function matchValue(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** The Match expression for a filter; '' when nothing narrows the search. */
export function libraryMatch(filter: LibraryFilter): string {
  const parts: string[] = [];
  const search = filter.search.trim();
  // A 32-hex text is probably a VideoId someone pasted: look for it as an id and as a title.
  if (search) {
    parts.push(
      /^[0-9a-f]{32}$/.test(search)
        ? `(VideoId = ${matchValue(search)} or Title = ${matchValue(search)})`
        : `Title = ${matchValue(search)}`,
    );
  }
  if (filter.status) parts.push(`Status = ${matchValue(filter.status)}`);
  if (filter.cateId) parts.push(`CateId = ${Number(filter.cateId)}`);
  return parts.join(' and ');
}

const SEARCH_FIELDS = 'Title,Status,Duration,Size,CreationTime,ModificationTime,CateId,CateName,CoverURL';

export async function loadLibraryPage(
  client: VodClient,
  filter: LibraryFilter,
  page: { pageNo: number; pageSize: number },
  signal: AbortSignal,
): Promise<{ total: number; videos: WireVideo[]; searchHere: boolean; needsEncryptTypes?: boolean }> {
  if (filter.encryption || (!filter.search.trim() && !filter.cateId)) {
    const answer = await client.request<GetVideoListAnswer>(
      'GetVideoList',
      {
        Status: filter.status || undefined,
        CateId: filter.encryption && filter.cateId ? Number(filter.cateId) : undefined,
        EncryptType: filter.encryption || undefined,
        PageNo: page.pageNo,
        PageSize: page.pageSize,
        SortBy: 'CreationTime:Desc',
      },
      { signal },
    );
    return {
      total: answer.Total,
      videos: [...(answer.VideoList?.Video ?? [])],
      searchHere: Boolean(filter.search.trim()),
    };
  }
  const answer = await client.request<SearchMediaAnswer>(
    'SearchMedia',
    {
      SearchType: 'video',
      Match: libraryMatch(filter),
      Fields: SEARCH_FIELDS,
      SortBy: 'CreationTime:Desc',
      PageNo: page.pageNo,
      PageSize: page.pageSize,
    },
    { signal },
  );
  return {
    total: answer.Total,
    videos: (answer.MediaList ?? []).flatMap((item) => (item.Video ? [item.Video] : [])),
    searchHere: false,
    needsEncryptTypes: true,
  };
}

/**
 * `EncryptTypes` of `videoIds` from GetVideoInfos, 20 at a time (SearchMedia's results do not
 * carry it; the library fills its Encryption column with this once the page shows).
 */
export async function loadEncryptTypes(
  client: VodClient,
  videoIds: readonly string[],
  signal: AbortSignal,
): Promise<Map<string, string>> {
  const encryptTypes = new Map<string, string>();
  for (let i = 0; i < videoIds.length; i += 20) {
    const answer = await client.request<{ VideoList?: WireVideo[] }>(
      'GetVideoInfos',
      { VideoIds: videoIds.slice(i, i + 20).join(',') },
      { signal },
    );
    for (const v of answer.VideoList ?? []) if (v.EncryptTypes) encryptTypes.set(v.VideoId, v.EncryptTypes);
  }
  return encryptTypes;
}

/** A category with its path from the top ("Courses › Maths"), for pickers. */
export interface CategoryOption {
  readonly cateId: number;
  readonly path: string;
  readonly level: number;
}

/**
 * The whole category tree, depth first, by walking GetCategories from the root (-1) down its
 * three levels, 100 children a page.
 */
export async function loadCategoryOptions(
  client: VodClient,
  signal?: AbortSignal,
): Promise<CategoryOption[]> {
  const out: CategoryOption[] = [];
  const walk = async (cateId: number, prefix: string): Promise<void> => {
    for (let pageNo = 1; ; pageNo++) {
      const answer = await client.request<{
        SubTotal: number;
        SubCategories?: { Category?: WireCategory[] };
      }>(
        'GetCategories',
        { CateId: cateId, PageNo: pageNo, PageSize: 100, SortBy: 'CreationTime:Asc' },
        { signal },
      );
      const children = answer.SubCategories?.Category ?? [];
      for (const child of children) {
        const path = prefix ? `${prefix} › ${child.CateName}` : child.CateName;
        out.push({ cateId: child.CateId, path, level: child.Level });
        if ((child.SubTotal ?? 0) > 0) await walk(child.CateId, path);
      }
      if (children.length < 100 || pageNo * 100 >= answer.SubTotal) return;
    }
  };
  await walk(-1, '');
  return out;
}
