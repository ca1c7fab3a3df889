/**
 * The image half of the upload path (reference-more §2): CreateUploadImage issues a credential
 * for one object `images/<ImageId>/image.<ext>` through the same `UploadService` as videos, and
 * the OSS-style endpoint calls `completeImageUpload` when that object is whole: the image becomes
 * Normal and ImageUploadComplete is announced (once per image).
 */
import { parseUserData } from '../callbacks/callback-config.js';
import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import type { ImageStore } from '../store/image-store.js';
import { UPLOAD_BUCKET } from './upload-service.js';

export const IMAGE_TYPES = ['default', 'cover'] as const;
export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'gif', 'webp', 'heic'] as const;

/** The image id an object key belongs to, or undefined for any other key. */
export function imageIdOfObjectKey(objectKey: string): string | undefined {
  return /^images\/([0-9a-f]{32})\/image\.[a-z]+$/.exec(objectKey)?.[1];
}

export function createImageUploads(deps: {
  images: ImageStore;
  callbacks: CallbackDispatcher;
  publicUrl: () => string;
}) {
  return {
    async completeImageUpload(info: { objectKey: string; size: number }): Promise<void> {
      const imageId = imageIdOfObjectKey(info.objectKey);
      if (!imageId) return;
      if (!(await deps.images.markUploaded(imageId, info.size))) return;
      const image = await deps.images.find(imageId);
      if (!image) return;
      await deps.callbacks.emit(
        'ImageUploadComplete',
        {
          ImageId: imageId,
          Status: 'success',
          Size: info.size,
          FileURL: `${deps.publicUrl()}/${UPLOAD_BUCKET}/${info.objectKey}`,
          AppId: image.appId,
        },
        parseUserData(image.userData ?? undefined),
      );
    },
  };
}
