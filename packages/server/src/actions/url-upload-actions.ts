/**
 * URL pull upload (reference-more §6.1–§6.2): UploadMediaByURL queues one `url-upload` job per
 * URL and answers with their JobIds; GetURLUploadInfos reports each pull. Malformed requests
 * (not URLs, no media extension, bad metadata) are refused at once, naming the field; whether a
 * URL may be fetched at all (scheme, destination address, size, redirects) is decided by the
 * pull itself and reported per URL, with ErrorCode and ErrorMessage.
 */
import { randomUUID } from 'node:crypto';
import { extname } from 'node:path';
import { parseUserData } from '../callbacks/callback-config.js';
import { DEFAULT_APP_ID, wireTime, type TemplateGroupService } from '../catalogue/template-group-service.js';
import { UPLOAD_BUCKET, VIDEO_EXTENSIONS } from '../catalogue/upload-service.js';
import { readVideoFields } from '../catalogue/video-fields.js';
import { apiErrors, mediaLibraryErrors } from '../errors/api-error.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { RpcParams } from '../rpc/rpc-params.js';
import type { ActionHandler } from '../rpc/rpc-plugin.js';
import type { CategoryStore } from '../store/category-store.js';
import type { UrlUploadMetadata, UrlUploadRecord, UrlUploadStore } from '../store/url-upload-store.js';

const MAX_SUBMIT = 20;
const MAX_QUERY = 10;
const MAX_RECORDS = 100;
const MAX_URL_BYTES = 2048;

export interface UrlUploadActionDeps {
  uploads: UrlUploadStore;
  categories: CategoryStore;
  groups: TemplateGroupService;
  queue: Pick<JobQueue, 'enqueue'>;
  /** Wakes an in-process worker. */
  wake?: () => void;
}

/** `UploadURLs`: URL-encoded URLs joined by commas (plain URLs without commas work too). */
function urlList(params: RpcParams, max: number): string[] {
  const raw = params.required('UploadURLs');
  const urls = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (urls.length === 0) throw apiErrors.missingParameter('UploadURLs');
  if (urls.length > max) throw mediaLibraryErrors.uploadUrlsInvalid(`At most ${max} URLs.`);
  return urls.map((encoded, index) => {
    let url: string;
    try {
      url = decodeURIComponent(encoded);
    } catch {
      throw mediaLibraryErrors.uploadUrlsInvalid(`URL ${index + 1} is not correctly URL-encoded.`);
    }
    if (Buffer.byteLength(url) > MAX_URL_BYTES)
      throw mediaLibraryErrors.uploadUrlsInvalid(`URL ${index + 1} is longer than ${MAX_URL_BYTES} bytes.`);
    if (!URL.canParse(url))
      throw mediaLibraryErrors.uploadUrlsInvalid(`URL ${index + 1} ("${url.slice(0, 100)}") is not a URL.`);
    return url;
  });
}

function extensionOf(url: string): string {
  try {
    return extname(decodeURIComponent(new URL(url).pathname)).toLowerCase();
  } catch {
    return '';
  }
}

function fileNameOf(url: string): string {
  try {
    const name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    return name.replace(/\.[^.]*$/, '') || new URL(url).host;
  } catch {
    return 'URL upload';
  }
}

function checkExtension(raw: string, name: string): string {
  const ext = (raw.startsWith('.') ? raw : `.${raw}`).toLowerCase();
  if (!(VIDEO_EXTENSIONS as readonly string[]).includes(ext)) {
    throw apiErrors.invalidParameter(name, `"${raw}" is not a media file extension (e.g. mp4, mov, mkv).`);
  }
  return ext;
}

function recordToWire(r: UrlUploadRecord): Record<string, unknown> {
  const failed = r.status === 'DOWNLOAD_FAIL' || r.status === 'UPLOAD_FAIL';
  return {
    JobId: r.jobId,
    UploadURL: r.uploadUrl,
    MediaId: r.mediaId ?? '',
    Status: r.status,
    FileSize: r.fileSize === null ? '' : String(r.fileSize),
    CreationTime: wireTime(r.creationTime),
    CompleteTime: r.completeTime ? wireTime(r.completeTime) : '',
    UserData: r.userData ?? '',
    // The reference's sample shows ErrorCode "200" for a successful pull.
    ErrorCode: failed ? (r.errorCode ?? '') : r.status === 'SUCCESS' ? '200' : '',
    ErrorMessage: failed ? (r.errorMessage ?? '') : '',
  };
}

export function urlUploadActions(deps: UrlUploadActionDeps): Record<string, ActionHandler> {
  return {
    UploadMediaByURL: async ({ params }) => {
      const urls = urlList(params, MAX_SUBMIT);
      const appId = params.optional('AppId') ?? DEFAULT_APP_ID;
      const userData = params.optional('UserData');
      parseUserData(userData);
      const storageLocation = params.optional('StorageLocation') ?? UPLOAD_BUCKET;
      const defaultGroup = params.optional('WorkflowId') ?? params.optional('TemplateGroupId');
      if (defaultGroup !== undefined) await deps.groups.resolveForUpload(defaultGroup, appId);

      const metadataList = params.json<unknown>('UploadMetadatas') ?? [];
      if (!Array.isArray(metadataList))
        throw apiErrors.invalidParameter(
          'UploadMetadatas',
          'It must be a JSON array of UploadMetadata objects.',
        );
      const byUrl = new Map<string, { item: Record<string, unknown>; name: string }>();
      for (const [index, item] of metadataList.entries()) {
        const name = `UploadMetadatas[${index}]`;
        if (typeof item !== 'object' || item === null || Array.isArray(item))
          throw apiErrors.invalidParameter(name, 'It must be a JSON object.');
        const record = item as Record<string, unknown>;
        if (typeof record.SourceURL !== 'string' || record.SourceURL === '')
          throw apiErrors.missingParameter(`${name}.SourceURL`);
        let source = record.SourceURL;
        try {
          source = decodeURIComponent(source);
        } catch {
          // compared as given
        }
        byUrl.set(source, { item: record, name });
      }

      const rows: Parameters<UrlUploadStore['insertMany']>[0] = [];
      for (const [index, url] of urls.entries()) {
        const entry = byUrl.get(url);
        const name = entry?.name ?? `UploadURLs[${index}]`;
        const fields = entry ? await readVideoFields(deps.categories, entry.item, entry.name) : {};
        const extRaw = entry?.item.FileExtension;
        if (extRaw !== undefined && typeof extRaw !== 'string')
          throw apiErrors.invalidParameter(`${name}.FileExtension`, 'It must be a string.');
        const fileExtension = extRaw
          ? checkExtension(extRaw, `${name}.FileExtension`)
          : extensionOf(url) !== ''
            ? checkExtension(extensionOf(url), `UploadURLs[${index}]`)
            : (() => {
                throw mediaLibraryErrors.uploadUrlsInvalid(
                  `URL ${index + 1} has no file extension; name one with UploadMetadatas[].FileExtension.`,
                );
              })();
        const groupId = [entry?.item.WorkflowId, entry?.item.TemplateGroupId].find(
          (v): v is string => typeof v === 'string' && v !== '',
        );
        const group = await deps.groups.resolveForUpload(groupId ?? defaultGroup, appId);
        const metadata: UrlUploadMetadata = {
          title: fields.title ?? fileNameOf(url).slice(0, 128),
          ...(fields.description !== undefined ? { description: fields.description } : {}),
          ...(fields.coverUrl !== undefined ? { coverUrl: fields.coverUrl } : {}),
          ...(fields.cateId !== undefined ? { cateId: fields.cateId } : {}),
          ...(fields.tags !== undefined ? { tags: fields.tags } : {}),
          templateGroupId: group.templateGroupId,
          fileExtension,
          storageLocation,
        };
        rows.push({
          jobId: randomUUID().replaceAll('-', ''),
          uploadUrl: url,
          userData: userData ?? null,
          metadata,
          appId,
        });
      }

      await deps.uploads.insertMany(rows);
      for (const row of rows)
        await deps.queue.enqueue('url-upload', { jobId: row.jobId }, { maxAttempts: 3 });
      deps.wake?.();
      return { UploadJobs: rows.map((r) => ({ JobId: r.jobId, SourceURL: r.uploadUrl })) };
    },

    GetURLUploadInfos: async ({ params }) => {
      // Both given: JobIds wins, as the reference says.
      if (params.has('JobIds')) {
        const ids = [
          ...new Set(
            params
              .required('JobIds')
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          ),
        ];
        if (ids.length > MAX_QUERY)
          throw apiErrors.invalidParameter('JobIds', `At most ${MAX_QUERY} JobIds.`);
        const found = new Map((await deps.uploads.findMany(ids)).map((r) => [r.jobId, r]));
        return {
          URLUploadInfoList: ids.filter((id) => found.has(id)).map((id) => recordToWire(found.get(id)!)),
          NonExists: ids.filter((id) => !found.has(id)),
        };
      }
      if (!params.has('UploadURLs')) throw apiErrors.missingParameter('JobIds');
      const urls = urlList(params, MAX_QUERY);
      const records = await deps.uploads.findByUrls(urls, MAX_RECORDS);
      return {
        URLUploadInfoList: records.map(recordToWire),
        NonExists: urls.filter((url) => !records.some((r) => r.uploadUrl === url)),
      };
    },
  };
}
