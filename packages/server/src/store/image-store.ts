/** Images of CreateUploadImage (migration 0070, reference-more §2). */
import type { ImagesTable, ImageStatus } from './catalogue-schema.js';
import type { Db } from './database.js';

export interface ImageRecord {
  imageId: string;
  imageType: string;
  imageExt: string;
  title: string | null;
  description: string | null;
  tags: string | null;
  cateId: number | null;
  storageLocation: string;
  appId: string;
  userData: string | null;
  originalFileName: string | null;
  status: ImageStatus;
  objectKey: string;
  fileSize: number | null;
  creationTime: string;
  modificationTime: string;
}

function fromRow(r: ImagesTable): ImageRecord {
  return {
    imageId: r.image_id,
    imageType: r.image_type,
    imageExt: r.image_ext,
    title: r.title,
    description: r.description,
    tags: r.tags,
    cateId: r.cate_id === null ? null : Number(r.cate_id),
    storageLocation: r.storage_location,
    appId: r.app_id,
    userData: r.user_data,
    originalFileName: r.original_file_name,
    status: r.status,
    objectKey: r.object_key,
    fileSize: r.file_size === null ? null : Number(r.file_size),
    creationTime: r.creation_time,
    modificationTime: r.modification_time,
  };
}

export function createImageStore(db: Db, options: { now?: () => Date } = {}) {
  const { kysely } = db;
  const now = () => (options.now?.() ?? new Date()).toISOString();
  return {
    async insert(image: Omit<ImageRecord, 'creationTime' | 'modificationTime'>): Promise<ImageRecord> {
      const time = now();
      const record = { ...image, creationTime: time, modificationTime: time };
      await kysely
        .insertInto('images')
        .values({
          image_id: record.imageId,
          image_type: record.imageType,
          image_ext: record.imageExt,
          title: record.title,
          description: record.description,
          tags: record.tags,
          cate_id: record.cateId,
          storage_location: record.storageLocation,
          app_id: record.appId,
          user_data: record.userData,
          original_file_name: record.originalFileName,
          status: record.status,
          object_key: record.objectKey,
          file_size: record.fileSize,
          creation_time: record.creationTime,
          modification_time: record.modificationTime,
        })
        .execute();
      return record;
    },
    async find(imageId: string): Promise<ImageRecord | undefined> {
      const row = await kysely
        .selectFrom('images')
        .selectAll()
        .where('image_id', '=', imageId)
        .executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    async findMany(imageIds: readonly string[]): Promise<ImageRecord[]> {
      if (imageIds.length === 0) return [];
      const rows = await kysely.selectFrom('images').selectAll().where('image_id', 'in', imageIds).execute();
      return rows.map(fromRow);
    },
    /** Marks an uploaded image Normal; false if it was already (a repeated completion). */
    async markUploaded(imageId: string, fileSize: number): Promise<boolean> {
      const result = await kysely
        .updateTable('images')
        .set({ status: 'Normal', file_size: fileSize, modification_time: now() })
        .where('image_id', '=', imageId)
        .where('status', '!=', 'Normal')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async delete(imageId: string): Promise<boolean> {
      const result = await kysely.deleteFrom('images').where('image_id', '=', imageId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type ImageStore = ReturnType<typeof createImageStore>;
