/**
 * Batch updates and partial deletion (reference-more §7): UpdateVideoInfos, DeleteStream and
 * DeleteMezzanines. Every item is checked before anything changes, so a bad item fails the
 * request and loses nothing. Deletions announce DeleteMediaComplete (`DeleteType` `stream` /
 * `mezzanine`; the cloud documents the event for DeleteVideo only — our choice to send it for
 * these too, see docs/api.md).
 */
import { parseUserData } from '../callbacks/callback-config.js';
import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import { catalogueErrors } from '../catalogue/catalogue-errors.js';
import { readVideoFields } from '../catalogue/video-fields.js';
import { apiErrors, mediaLibraryErrors } from '../errors/api-error.js';
import type { RpcParams } from '../rpc/rpc-params.js';
import type { ActionHandler, RpcRequest } from '../rpc/rpc-plugin.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { CategoryStore } from '../store/category-store.js';
import type { StreamStore } from '../store/stream-store.js';
import type { VideoPatch, VideoRecord, VideoStore } from '../store/video-store.js';

const MAX_BATCH = 20;

export interface VideoBatchDeps {
  videos: VideoStore;
  streams: StreamStore;
  categories: CategoryStore;
  objects: ObjectStore;
  callbacks: CallbackDispatcher;
  /**
   * The apps whose videos the caller may change (RAM app grants), or 'all'. UpdateVideoInfos
   * names its videos inside JSON, where the request-level check cannot see them: videos of other
   * apps are reported in ForbiddenVideoIds and left alone.
   */
  appScope?: (request: RpcRequest) => Promise<'all' | string[]>;
}

/** A comma list parameter: trimmed, de-duplicated, at least one, at most `max`. */
function idList(params: RpcParams, name: string, max: number, tooMany: () => Error): string[] {
  const ids = [
    ...new Set(
      params
        .required(name)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  if (ids.length === 0) throw apiErrors.missingParameter(name);
  if (ids.length > max) throw tooMany();
  return ids;
}

export function videoBatchActions(deps: VideoBatchDeps): Record<string, ActionHandler> {
  const { videos, streams } = deps;

  const announceDelete = (video: VideoRecord, body: Record<string, unknown>) => {
    const { callbackUrl } = parseUserData(video.userData ?? undefined);
    return deps.callbacks.emit(
      'DeleteMediaComplete',
      { Status: 'success', MediaType: 'video', MediaId: video.videoId, ...body },
      callbackUrl ? { callbackUrl } : {},
    );
  };

  return {
    UpdateVideoInfos: async (request) => {
      const { params } = request;
      const content = params.json<unknown>('UpdateContent');
      if (content === undefined) throw apiErrors.missingParameter('UpdateContent');
      if (!Array.isArray(content))
        throw apiErrors.invalidParameter('UpdateContent', 'It must be a JSON array of {VideoId, …} objects.');
      if (content.length > MAX_BATCH) throw mediaLibraryErrors.countExceeded('UpdateContent', MAX_BATCH);
      const updates: { videoId: string; patch: VideoPatch }[] = [];
      for (const [index, item] of content.entries()) {
        const name = `UpdateContent[${index}]`;
        if (typeof item !== 'object' || item === null || Array.isArray(item))
          throw apiErrors.invalidParameter(name, 'It must be a JSON object.');
        const record = item as Record<string, unknown>;
        if (typeof record.VideoId !== 'string' || record.VideoId.trim() === '')
          throw apiErrors.missingParameter(`${name}.VideoId`);
        const fields = await readVideoFields(deps.categories, record, name);
        updates.push({ videoId: record.VideoId.trim(), patch: { ...fields } });
      }
      const scope = (await deps.appScope?.(request)) ?? 'all';
      const found = new Map(
        (await videos.findMany(updates.map((u) => u.videoId))).map((v) => [v.videoId, v.appId]),
      );
      const nonExist: string[] = [];
      const forbidden: string[] = [];
      for (const update of updates) {
        const appId = found.get(update.videoId);
        if (appId === undefined) {
          if (!nonExist.includes(update.videoId)) nonExist.push(update.videoId);
          continue;
        }
        if (scope !== 'all' && !scope.includes(appId)) {
          if (!forbidden.includes(update.videoId)) forbidden.push(update.videoId);
          continue;
        }
        if (Object.keys(update.patch).length > 0) await videos.update(update.videoId, update.patch);
      }
      return { NonExistVideoIds: nonExist, ForbiddenVideoIds: forbidden };
    },

    DeleteStream: async ({ params }) => {
      const videoId = params.required('VideoId');
      const jobIds = idList(params, 'JobIds', MAX_BATCH, mediaLibraryErrors.jobIdsExceeded);
      const video = await videos.find(videoId);
      if (!video) throw catalogueErrors.videoNotFound();
      const existing = new Map((await streams.listForVideo(videoId)).map((s) => [s.streamId, s]));
      const missing = jobIds.find((id) => !existing.has(id));
      if (missing !== undefined) throw mediaLibraryErrors.streamNotFound(missing);
      // Records first: from then on no play URL is issued for them; then their files.
      const deleted = await streams.deleteStreams(videoId, jobIds);
      try {
        for (const stream of deleted) await deps.objects.deletePrefix(stream.storagePrefix);
      } catch (error) {
        throw mediaLibraryErrors.deleteStreamFailed(error);
      }
      await announceDelete(video, { DeleteType: 'stream', JobIds: jobIds.join(',') });
      return {};
    },

    DeleteMezzanines: async ({ params }) => {
      const ids = idList(params, 'VideoIds', MAX_BATCH, catalogueErrors.videoIdsExceeded);
      const force = params.oneOf('Force', ['true', 'false'] as const, 'false') === 'true';
      const nonExist: string[] = [];
      const unRemoveable: string[] = [];
      for (const id of ids) {
        const video = await videos.find(id);
        if (!video) {
          nonExist.push(id);
          continue;
        }
        if (video.mezzanineDeletedAt) continue; // already gone: nothing to do, not an error
        // Without Force, a source that is the only playable copy stays: a video with no
        // transcoded stream (no-transcoding group, or not transcoded yet) keeps its source.
        if (!force && (await streams.listForVideo(id)).length === 0) {
          unRemoveable.push(id);
          continue;
        }
        await deps.objects.deletePrefix(`sources/${id}/`);
        await videos.update(id, { mezzanineDeletedAt: new Date().toISOString() });
        await announceDelete(video, { DeleteType: 'mezzanine' });
      }
      return { NonExistVideoIds: nonExist, UnRemoveableVideoIds: unRemoveable };
    },
  };
}
