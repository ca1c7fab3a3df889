/**
 * Checks of the editable video fields (Title, Description, CoverURL, Tags, CateId), shared by
 * every action that takes them — as RPC parameters (CreateUploadVideo, UpdateVideoInfo) or as
 * JSON items (UpdateVideoInfos `UpdateContent[i]`, UploadMediaByURL `UploadMetadatas[i]`). Each
 * error names the field as the caller wrote it (`UpdateContent[2].Title`).
 */
import { apiErrors, mediaLibraryErrors } from '../errors/api-error.js';
import type { CategoryStore } from '../store/category-store.js';
import { catalogueErrors } from './catalogue-errors.js';

export const TITLE_MAX_BYTES = 128;
export const DESCRIPTION_MAX_BYTES = 1024;
export const COVER_URL_MAX_BYTES = 1024;

export function checkLength(name: string, value: string, max: number): string {
  if (Buffer.byteLength(value) > max) throw catalogueErrors.lengthExceeded(name, max);
  return value;
}

/** ≤16 comma-separated tags of ≤32 bytes; returned trimmed and re-joined. */
export function normaliseTags(raw: string): string {
  const list = raw
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (list.length > 16) throw catalogueErrors.tagsExceeded();
  if (list.some((t) => Buffer.byteLength(t) > 32)) throw catalogueErrors.lengthExceeded('Tag', 32);
  return list.join(',');
}

/** A CateId that must name an existing category (our choice; see docs/api.md). */
export async function checkCateId(categories: CategoryStore, name: string, raw: unknown): Promise<number> {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!/^\d{1,15}$/.test(text))
    throw apiErrors.invalidParameter(name, 'It must be a category id (a number).');
  const cateId = Number(text);
  if (!(await categories.find(cateId))) throw mediaLibraryErrors.cateNotFound(cateId);
  return cateId;
}

/** The editable fields of one JSON item, checked; absent fields stay absent. */
export interface VideoFieldValues {
  title?: string;
  description?: string;
  coverUrl?: string;
  tags?: string;
  cateId?: number;
}

/**
 * Reads Title/Description/CoverURL/Tags/CateId from a JSON object `item`, naming errors
 * `${prefix}.Field`. Values must be strings (CateId may be a number).
 */
export async function readVideoFields(
  categories: CategoryStore,
  item: Record<string, unknown>,
  prefix: string,
): Promise<VideoFieldValues> {
  const text = (field: string): string | undefined => {
    const value = item[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string')
      throw apiErrors.invalidParameter(`${prefix}.${field}`, 'It must be a string.');
    return value;
  };
  const out: VideoFieldValues = {};
  const title = text('Title');
  if (title !== undefined) {
    if (title.trim() === '') throw apiErrors.invalidParameter(`${prefix}.Title`, 'It must not be empty.');
    out.title = checkLength(`${prefix}.Title`, title, TITLE_MAX_BYTES);
  }
  const description = text('Description');
  if (description !== undefined)
    out.description = checkLength(`${prefix}.Description`, description, DESCRIPTION_MAX_BYTES);
  const cover = text('CoverURL');
  if (cover !== undefined) out.coverUrl = checkLength(`${prefix}.CoverURL`, cover, COVER_URL_MAX_BYTES);
  const tags = text('Tags');
  if (tags !== undefined) out.tags = normaliseTags(tags);
  if (item.CateId !== undefined && item.CateId !== null && item.CateId !== '')
    out.cateId = await checkCateId(categories, `${prefix}.CateId`, item.CateId);
  return out;
}
