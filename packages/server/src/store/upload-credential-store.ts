/** Temporary upload credentials (CreateUploadVideo / RefreshUploadVideo): one object each. */
import type { UploadCredentialsTable } from './catalogue-schema.js';
import type { Db } from './database.js';

export interface UploadCredentialRecord {
  accessKeyId: string;
  videoId: string;
  secretCiphertext: string;
  securityTokenSha256: string;
  bucket: string;
  objectKey: string;
  expiresAt: string;
  createdAt: string;
}

function fromRow(row: UploadCredentialsTable): UploadCredentialRecord {
  return {
    accessKeyId: row.access_key_id,
    videoId: row.video_id,
    secretCiphertext: row.secret_ciphertext,
    securityTokenSha256: row.security_token_sha256,
    bucket: row.bucket,
    objectKey: row.object_key,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
  };
}

export function createUploadCredentialStore(db: Db) {
  const { kysely } = db;
  return {
    async insert(record: UploadCredentialRecord): Promise<void> {
      await kysely
        .insertInto('upload_credentials')
        .values({
          access_key_id: record.accessKeyId,
          video_id: record.videoId,
          secret_ciphertext: record.secretCiphertext,
          security_token_sha256: record.securityTokenSha256,
          bucket: record.bucket,
          object_key: record.objectKey,
          expires_at: record.expiresAt,
          created_at: record.createdAt,
        })
        .execute();
    },
    async find(accessKeyId: string): Promise<UploadCredentialRecord | undefined> {
      const row = await kysely
        .selectFrom('upload_credentials')
        .selectAll()
        .where('access_key_id', '=', accessKeyId)
        .executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    async deleteForVideo(videoId: string): Promise<void> {
      await kysely.deleteFrom('upload_credentials').where('video_id', '=', videoId).execute();
    },
    async deleteExpired(before: string): Promise<number> {
      const result = await kysely
        .deleteFrom('upload_credentials')
        .where('expires_at', '<', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type UploadCredentialStore = ReturnType<typeof createUploadCredentialStore>;
