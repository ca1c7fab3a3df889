/**
 * Media catalogue actions (reference §2.4–§2.8, §2.14): CreateUploadVideo, RefreshUploadVideo,
 * GetVideoInfo, GetVideoInfos, GetVideoList, UpdateVideoInfo, DeleteVideo, GetMezzanineInfo.
 * Batch updates and stream/source deletion are in `video-batch-actions.ts`.
 */
import { extname } from 'node:path';
import { parseUserData } from '../callbacks/callback-config.js';
import { catalogueErrors } from '../catalogue/catalogue-errors.js';
import { DEFAULT_APP_ID, type TemplateGroupService } from '../catalogue/template-group-service.js';
import {
  newVideoId,
  sourceObjectKey,
  UPLOADING_VIDEO,
  UPLOAD_BUCKET,
  VIDEO_EXTENSIONS,
  type UploadService,
} from '../catalogue/upload-service.js';
import { checkCateId, checkLength, normaliseTags } from '../catalogue/video-fields.js';
import {
  ENCRYPT_SCHEME_OF_TYPE,
  mezzanineToWire,
  VIDEO_ENCRYPT_TYPES,
  videoToWire,
  type VideoEncryptType,
} from '../catalogue/video-wire.js';
import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import type { CategoryStore } from '../store/category-store.js';
import { apiErrors } from '../errors/api-error.js';
import type { RpcParams } from '../rpc/rpc-params.js';
import type { ActionHandler, RpcRequest } from '../rpc/rpc-plugin.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { VideoStatus } from '../store/catalogue-schema.js';
import type { StreamStore } from '../store/stream-store.js';
import type { UploadCredentialStore } from '../store/upload-credential-store.js';
import type { VideoPatch, VideoStore } from '../store/video-store.js';
import type { MezzanineUrlSigner } from '../source/mezzanine-routes.js';

const STATUSES: readonly VideoStatus[] = [
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

export interface VideoActionDeps {
  videos: VideoStore;
  streams: StreamStore;
  credentials: UploadCredentialStore;
  uploads: UploadService;
  groups: TemplateGroupService;
  objects: ObjectStore;
  categories: CategoryStore;
  callbacks: CallbackDispatcher;
  publicUrl: () => string;
  /** Signs GetMezzanineInfo's FileURL (source/mezzanine-routes.ts). */
  mezzanineUrls: Pick<MezzanineUrlSigner, 'url'>;
  /** The apps whose videos the caller may list (access control); absent = all. */
  appScope?: (request: RpcRequest) => Promise<'all' | string[]>;
  /** The video's snapshot jobs go with it (their pictures are under its media prefix). */
  snapshots?: { deleteForVideo(videoId: string): Promise<void> };
  /** Our own covers: stored as paths, signed when read (PlaybackService). */
  covers?: {
    coverUrl(stored: string | null): string;
    ownAssetPath(url: string): string;
  };
}

function limited(params: RpcParams, name: string, max: number): string | undefined {
  const value = params.optional(name);
  return value === undefined ? undefined : checkLength(name, value, max);
}

function tags(params: RpcParams): string | undefined {
  const raw = params.optional('Tags');
  return raw === undefined ? undefined : normaliseTags(raw);
}

/** CateId of an upload or update: an existing category; `-1` clears it (our choice). */
async function cateId(params: RpcParams, categories: CategoryStore): Promise<number | null | undefined> {
  const raw = params.optional('CateId');
  if (raw === undefined) return undefined;
  if (raw.trim() === '-1') return null;
  return checkCateId(categories, 'CateId', raw);
}

function videoIds(params: RpcParams, name: string): string[] {
  const ids = params
    .required(name)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0) throw apiErrors.missingParameter(name);
  if (ids.length > 20) throw catalogueErrors.videoIdsExceeded();
  return [...new Set(ids)];
}

export function videoActions(deps: VideoActionDeps): Record<string, ActionHandler> {
  const { videos } = deps;

  const wire = (video: Parameters<typeof videoToWire>[0], schemes: Parameters<typeof videoToWire>[1]) =>
    videoToWire(video, schemes, deps.covers ? (stored) => deps.covers!.coverUrl(stored) : undefined);
  const coverParam = (params: RpcParams) => {
    const cover = limited(params, 'CoverURL', 1024);
    return cover !== undefined && deps.covers ? deps.covers.ownAssetPath(cover) : cover;
  };

  const mustFind = async (videoId: string) => {
    const video = await videos.find(videoId);
    if (!video) throw catalogueErrors.videoNotFound();
    return video;
  };

  return {
    CreateUploadVideo: async ({ params }) => {
      const title = params.required('Title');
      if (Buffer.byteLength(title) > 128) throw catalogueErrors.lengthExceeded('Title', 128);
      const fileName = params.required('FileName');
      const ext = extname(fileName.replaceAll('\\', '/')).toLowerCase();
      if (!(VIDEO_EXTENSIONS as readonly string[]).includes(ext)) throw catalogueErrors.fileNameExtension();
      const fileSize = params.integer('FileSize', { min: 0, max: Number.MAX_SAFE_INTEGER });
      const appId = params.optional('AppId') ?? DEFAULT_APP_ID;
      const group = await deps.groups.resolveForUpload(
        params.optional('WorkflowId') ?? params.optional('TemplateGroupId'),
        appId,
      );
      const userData = params.optional('UserData');
      parseUserData(userData);
      const videoId = newVideoId();
      const video = await videos.insert({
        videoId,
        title,
        description: limited(params, 'Description', 1024) ?? null,
        fileName,
        fileSize: fileSize ?? null,
        coverUrl: coverParam(params) ?? null,
        cateId: (await cateId(params, deps.categories)) ?? null,
        tags: tags(params) ?? null,
        templateGroupId: group.templateGroupId,
        storageLocation: params.optional('StorageLocation') ?? UPLOAD_BUCKET,
        appId,
        userData: userData ?? null,
        ...UPLOADING_VIDEO,
        sourceKey: sourceObjectKey(videoId, fileName),
      });
      const credentials = await deps.uploads.issueCredentials(video);
      return {
        VideoId: videoId,
        UploadAddress: credentials.uploadAddress,
        UploadAuth: credentials.uploadAuth,
      };
    },

    RefreshUploadVideo: async ({ params }) => {
      const video = await mustFind(params.required('VideoId'));
      const credentials = await deps.uploads.issueCredentials(video);
      return {
        VideoId: video.videoId,
        UploadAddress: credentials.uploadAddress,
        UploadAuth: credentials.uploadAuth,
      };
    },

    GetVideoInfo: async ({ params }) => {
      const video = await mustFind(params.required('VideoId'));
      const schemes = await deps.streams.schemesByVideo([video.videoId]);
      return { Video: wire(video, schemes.get(video.videoId)) };
    },

    GetVideoInfos: async ({ params }) => {
      const ids = videoIds(params, 'VideoIds');
      const found = await videos.findMany(ids);
      const byId = new Map(found.map((v) => [v.videoId, v]));
      const schemes = await deps.streams.schemesByVideo(found.map((v) => v.videoId));
      return {
        VideoList: ids.filter((id) => byId.has(id)).map((id) => wire(byId.get(id)!, schemes.get(id))),
        NonExistVideoIds: ids.filter((id) => !byId.has(id)),
      };
    },

    GetVideoList: async (request) => {
      const { params } = request;
      const scope = (await deps.appScope?.(request)) ?? 'all';
      const statusRaw = params.optional('Status');
      const statuses = statusRaw
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean) as VideoStatus[] | undefined;
      for (const status of statuses ?? []) {
        if (!STATUSES.includes(status)) {
          throw apiErrors.invalidParameter(
            'Status',
            `"${status}" is not a video status (${STATUSES.join(', ')}).`,
          );
        }
      }
      const pageNo = params.integer('PageNo', { min: 1, max: 100000, fallback: 1 })!;
      const pageSize = params.integer('PageSize', { min: 1, max: 100, fallback: 10 })!;
      if (pageNo * pageSize > 5000) throw catalogueErrors.videoListExceeded();
      const sortBy = params.oneOf(
        'SortBy',
        ['CreationTime:Desc', 'CreationTime:Asc'] as const,
        'CreationTime:Desc',
      );
      const startMs = params.time('StartTime');
      const endMs = params.time('EndTime');
      if (startMs !== undefined && endMs !== undefined && endMs <= startMs) {
        throw apiErrors.invalidParameter('EndTime', 'It must be later than StartTime.');
      }
      const startTime = startMs === undefined ? undefined : new Date(startMs).toISOString();
      // Times on the wire have whole seconds, so a whole-second EndTime covers its whole second:
      // otherwise a video created at 10:00:05.400, which reads 10:00:05Z, would fall outside
      // EndTime=10:00:05Z, and paging back by the last CreationTime seen would skip videos.
      const endTime =
        endMs === undefined ? undefined : new Date(endMs % 1000 === 0 ? endMs + 999 : endMs).toISOString();
      // Our extension: only videos with a published rendition of this EncryptType.
      const encryptType = params.optional('EncryptType');
      if (encryptType !== undefined && !(VIDEO_ENCRYPT_TYPES as readonly string[]).includes(encryptType)) {
        throw apiErrors.invalidParameter(
          'EncryptType',
          `It must be one of ${VIDEO_ENCRYPT_TYPES.join(', ')}.`,
        );
      }
      const { total, videos: list } = await videos.list({
        statuses,
        cateId: params.integer('CateId', { min: 0, max: Number.MAX_SAFE_INTEGER }),
        startTime,
        endTime,
        storageLocation: params.optional('StorageLocation'),
        ...(encryptType && { encryptScheme: ENCRYPT_SCHEME_OF_TYPE[encryptType as VideoEncryptType] }),
        ...(scope === 'all' ? {} : { appIds: scope }),
        ascending: sortBy === 'CreationTime:Asc',
        offset: (pageNo - 1) * pageSize,
        limit: pageSize,
      });
      const schemes = await deps.streams.schemesByVideo(list.map((v) => v.videoId));
      return {
        Total: total,
        VideoList: { Video: list.map((v) => wire(v, schemes.get(v.videoId))) },
      };
    },

    UpdateVideoInfo: async ({ params }) => {
      const video = await mustFind(params.required('VideoId'));
      const patch: VideoPatch = {};
      const title = limited(params, 'Title', 128);
      if (title !== undefined) patch.title = title;
      const description = limited(params, 'Description', 1024);
      if (description !== undefined) patch.description = description;
      const cover = coverParam(params);
      if (cover !== undefined) patch.coverUrl = cover;
      const cate = await cateId(params, deps.categories);
      if (cate !== undefined) patch.cateId = cate;
      const tagList = tags(params);
      if (tagList !== undefined) patch.tags = tagList;
      const download = params.oneOf('DownloadSwitch', ['on', 'off'] as const);
      if (download !== undefined) patch.downloadSwitch = download;
      await videos.update(video.videoId, patch);
      return {};
    },

    DeleteVideo: async ({ params }) => {
      const ids = videoIds(params, 'VideoIds');
      const nonExist: string[] = [];
      for (const id of ids) {
        const video = await videos.find(id);
        if (!video) {
          nonExist.push(id);
          continue;
        }
        // Crypto-shredding: the row holding the wrapped data key goes with the ciphertext.
        await videos.delete(id);
        await deps.streams.deleteForVideo(id);
        await deps.credentials.deleteForVideo(id);
        await deps.snapshots?.deleteForVideo(id);
        await deps.objects.deletePrefix(`sources/${id}/`);
        await deps.objects.deletePrefix(`videos/${id}/`);
        // DeleteMediaComplete (reference-more §7.3); the video's UserData URL still applies.
        const { callbackUrl } = parseUserData(video.userData ?? undefined);
        await deps.callbacks.emit(
          'DeleteMediaComplete',
          { Status: 'success', MediaType: 'video', DeleteType: 'all', MediaId: id },
          callbackUrl ? { callbackUrl } : {},
        );
      }
      if (nonExist.length === ids.length) throw catalogueErrors.videoNotFound();
      return { NonExistVideoIds: nonExist, ForbiddenVideoIds: [] };
    },

    GetMezzanineInfo: async ({ params }) => {
      const video = await mustFind(params.required('VideoId'));
      if (video.status === 'Uploading' && video.sourceSize === null) throw catalogueErrors.fileNotFound();
      const authTimeout = params.integer('AuthTimeout', { min: 1, max: 2592000 }) ?? 1800;
      params.oneOf('OutputType', ['oss', 'cdn'] as const);
      const additions = (params.optional('AdditionType') ?? '').split(',').map((s) => s.trim());
      // A deleted source (DeleteMezzanines) has no URL; Status says Deleted.
      const fileUrl = video.mezzanineDeletedAt
        ? ''
        : deps.mezzanineUrls.url(deps.publicUrl(), video, authTimeout);
      return { Mezzanine: mezzanineToWire(video, fileUrl, additions) };
    },
  };
}
