/**
 * Image actions (reference-more §2): CreateUploadImage, GetImageInfo, GetImageInfos and
 * DeleteImage. Images are uploaded with ali-oss exactly as videos are (`UploadService`), and
 * served by signed URL at `/images/<ImageId>/image.<ext>` (`playback/image-routes.ts`).
 */
import { parseUserData } from '../callbacks/callback-config.js';
import { catalogueErrors } from '../catalogue/catalogue-errors.js';
import { IMAGE_EXTENSIONS, IMAGE_TYPES } from '../catalogue/image-uploads.js';
import { snapshotName, type SnapshotOutputs, type SnapshotType } from '../catalogue/snapshot-plan.js';
import { DEFAULT_APP_ID, wireTime } from '../catalogue/template-group-service.js';
import { newVideoId, UPLOAD_BUCKET, type UploadService } from '../catalogue/upload-service.js';
import { checkCateId, checkLength, normaliseTags } from '../catalogue/video-fields.js';
import { apiErrors } from '../errors/api-error.js';
import { imageObjectKey, imagePath } from '../playback/image-routes.js';
import type { PlaybackService } from '../playback/playback-service.js';
import type { RpcParams } from '../rpc/rpc-params.js';
import type { ActionHandler } from '../rpc/rpc-plugin.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { CategoryStore } from '../store/category-store.js';
import type { ImageRecord, ImageStore } from '../store/image-store.js';
import type { SnapshotStore } from '../store/snapshot-store.js';
import type { UploadCredentialStore } from '../store/upload-credential-store.js';
import type { VideoStore } from '../store/video-store.js';

export interface ImageActionDeps {
  images: ImageStore;
  videos: VideoStore;
  snapshots: SnapshotStore;
  uploads: UploadService;
  credentials: UploadCredentialStore;
  categories: CategoryStore;
  objects: ObjectStore;
  playback: PlaybackService;
  publicUrl: () => string;
}

const DEFAULT_AUTH_TIMEOUT_SECONDS = 3600;
const DELETE_SNAPSHOT_TYPES: readonly SnapshotType[] = [
  'CoverSnapshot',
  'NormalSnapshot',
  'SpriteSnapshot',
  'SpriteOriginSnapshot',
];

function idList(params: RpcParams, name: string, max: number): string[] {
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
  if (ids.length > max)
    throw apiErrors.invalidParameter(name, `It lists ${ids.length} items; at most ${max}.`);
  return ids;
}

export function imageActions(deps: ImageActionDeps): Record<string, ActionHandler> {
  const { images } = deps;

  const authTimeout = (params: RpcParams) => {
    params.oneOf('OutputType', ['oss', 'cdn'] as const);
    return params.integer('AuthTimeout', { min: 1, max: 2592000, fallback: DEFAULT_AUTH_TIMEOUT_SECONDS })!;
  };

  const toWire = async (image: ImageRecord, ttl: number) => {
    const category = image.cateId !== null ? await deps.categories.find(image.cateId) : undefined;
    return {
      ImageId: image.imageId,
      Title: image.title ?? '',
      Description: image.description ?? '',
      Tags: image.tags ?? '',
      ...(image.cateId !== null ? { CateId: image.cateId, CateName: category?.cateName ?? '' } : {}),
      StorageLocation: image.storageLocation,
      AppId: image.appId,
      CreationTime: wireTime(image.creationTime),
      ImageType: image.imageType,
      Status: image.status,
      URL: deps.playback.assetUrl(imagePath(image.imageId, image.imageExt), deps.playback.nowSeconds() + ttl),
      Mezzanine: {
        FileSize: String(image.fileSize ?? 0),
        FileURL: `${deps.publicUrl()}/${UPLOAD_BUCKET}/${image.objectKey}`,
        OriginalFileName: image.originalFileName ?? `image.${image.imageExt}`,
      },
    };
  };

  /** Deletes images and everything stored for them; returns the ids that did not exist. */
  const deleteImages = async (ids: readonly string[]) => {
    const missing: string[] = [];
    for (const id of ids) {
      const image = await images.find(id);
      if (!image) {
        missing.push(id);
        continue;
      }
      await images.delete(id);
      await deps.credentials.deleteForVideo(id);
      await deps.objects.deletePrefix(`images/${id}/`);
    }
    return missing;
  };

  /** DeleteImage VideoId: the named snapshot types of the video's snapshot jobs. */
  const deleteSnapshots = async (videoId: string, types: readonly SnapshotType[]) => {
    const video = await deps.videos.find(videoId);
    if (!video) throw catalogueErrors.noSuchResource(`VideoId ${videoId}`);
    for (const job of await deps.snapshots.listSucceeded(videoId)) {
      const outputs = JSON.parse(job.outputs ?? '{}') as SnapshotOutputs;
      for (const type of types) {
        const set = outputs[type];
        if (!set) continue;
        // SpriteOriginSnapshot may be the same pictures as NormalSnapshot: keep what is still named.
        delete outputs[type];
        const stillUsed = Object.values(outputs).some((other) => other.pattern === set.pattern);
        if (!stillUsed) {
          for (let i = 1; i <= set.count; i++) {
            await deps.objects.delete(`videos/${videoId}/${snapshotName(set.pattern, i)}`);
          }
        }
        if (type === 'SpriteSnapshot' && outputs.WebVttSnapshot) {
          await deps.objects.delete(`videos/${videoId}/${outputs.WebVttSnapshot.pattern}`);
          delete outputs.WebVttSnapshot;
        }
      }
      await deps.snapshots.update(job.jobId, { outputs: JSON.stringify(outputs) });
    }
  };

  return {
    CreateUploadImage: async ({ params }) => {
      const imageType = params.oneOf('ImageType', IMAGE_TYPES, 'default')!;
      const original = params.optional('OriginalFileName');
      const fromName = original ? /\.([A-Za-z0-9]+)$/.exec(original)?.[1]?.toLowerCase() : undefined;
      const rawExt = (params.optional('ImageExt') ?? fromName ?? 'png').toLowerCase();
      if (!(IMAGE_EXTENSIONS as readonly string[]).includes(rawExt)) {
        throw apiErrors.invalidParameter('ImageExt', `It must be one of ${IMAGE_EXTENSIONS.join(', ')}.`);
      }
      const title = params.optional('Title');
      const description = params.optional('Description');
      const tags = params.optional('Tags');
      const cateRaw = params.optional('CateId');
      const userData = params.optional('UserData');
      parseUserData(userData);
      const imageId = newVideoId();
      const objectKey = imageObjectKey(imageId, rawExt);
      await images.insert({
        imageId,
        imageType,
        imageExt: rawExt,
        title: title === undefined ? null : checkLength('Title', title, 128),
        description: description === undefined ? null : checkLength('Description', description, 1024),
        tags: tags === undefined ? null : normaliseTags(tags),
        cateId: cateRaw === undefined ? null : await checkCateId(deps.categories, 'CateId', cateRaw),
        storageLocation: params.optional('StorageLocation') ?? UPLOAD_BUCKET,
        appId: params.optional('AppId') ?? DEFAULT_APP_ID,
        userData: userData ?? null,
        originalFileName: original ?? null,
        status: 'Uploading',
        objectKey,
        fileSize: null,
      });
      const credentials = await deps.uploads.issueCredentials({ videoId: imageId, sourceKey: objectKey });
      return {
        ImageId: imageId,
        ImageURL: deps.playback.assetUrl(
          imagePath(imageId, rawExt),
          deps.playback.nowSeconds() + DEFAULT_AUTH_TIMEOUT_SECONDS,
        ),
        FileURL: `${deps.publicUrl()}/${UPLOAD_BUCKET}/${objectKey}`,
        UploadAddress: credentials.uploadAddress,
        UploadAuth: credentials.uploadAuth,
      };
    },

    GetImageInfo: async ({ params }) => {
      const imageId = params.required('ImageId');
      const ttl = authTimeout(params);
      const image = await images.find(imageId);
      if (!image) throw catalogueErrors.noSuchResource(`ImageId ${imageId}`);
      return { ImageInfo: await toWire(image, ttl) };
    },

    GetImageInfos: async ({ params }) => {
      const ids = idList(params, 'ImageIds', 20);
      const ttl = authTimeout(params);
      const found = new Map((await images.findMany(ids)).map((i) => [i.imageId, i]));
      const list = [];
      for (const id of ids) {
        const image = found.get(id);
        if (image) list.push(await toWire(image, ttl));
      }
      return { ImageInfo: list, NonExistImageIds: ids.filter((id) => !found.has(id)) };
    },

    DeleteImage: async ({ params }) => {
      const type = params.oneOf('DeleteImageType', ['ImageURL', 'ImageId', 'VideoId'] as const);
      if (type === undefined) throw apiErrors.missingParameter('DeleteImageType');
      if (type === 'VideoId') {
        const videoId = params.required('VideoId');
        const raw = idList(params, 'ImageType', 5);
        const types = raw.includes('All') ? DELETE_SNAPSHOT_TYPES : raw;
        for (const t of types) {
          if (!(DELETE_SNAPSHOT_TYPES as readonly string[]).includes(t)) {
            throw apiErrors.invalidParameter(
              'ImageType',
              `"${t}" is not one of ${DELETE_SNAPSHOT_TYPES.join(', ')} or All.`,
            );
          }
        }
        await deleteSnapshots(videoId, types as SnapshotType[]);
        return {};
      }
      const ids =
        type === 'ImageId'
          ? idList(params, 'ImageIds', 20)
          : idList(params, 'ImageURLs', 20).map((encoded) => {
              let url: string;
              try {
                url = decodeURIComponent(encoded);
              } catch {
                throw apiErrors.invalidParameter(
                  'ImageURLs',
                  'Each URL must be URL-encoded, then joined with commas.',
                );
              }
              const id = /\/images\/([0-9a-f]{32})\//.exec(url)?.[1];
              if (!id)
                throw apiErrors.invalidParameter('ImageURLs', `"${url}" is not an ImageURL of this service.`);
              return id;
            });
      const missing = await deleteImages(ids);
      if (missing.length === ids.length) throw catalogueErrors.noSuchResource(`ImageId ${missing.join(',')}`);
      return {};
    },
  };
}
