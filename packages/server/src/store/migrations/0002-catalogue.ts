/**
 * The media catalogue: videos, their upload credentials, transcoded streams and template groups.
 * Frozen once released (see 0001-initial.ts).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('videos')
    .addColumn('video_id', 'text', (col) => col.primaryKey())
    .addColumn('title', 'text', (col) => col.notNull())
    .addColumn('description', 'text')
    .addColumn('file_name', 'text', (col) => col.notNull())
    .addColumn('file_size', 'integer')
    .addColumn('cover_url', 'text')
    .addColumn('cate_id', 'integer')
    .addColumn('tags', 'text')
    .addColumn('template_group_id', 'text', (col) => col.notNull())
    .addColumn('storage_location', 'text', (col) => col.notNull())
    .addColumn('app_id', 'text', (col) => col.notNull())
    .addColumn('user_data', 'text')
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('source_key', 'text', (col) => col.notNull())
    .addColumn('source_size', 'integer')
    .addColumn('source_etag', 'text')
    .addColumn('duration', 'real')
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('fps', 'real')
    .addColumn('bitrate', 'real')
    .addColumn('mezzanine', 'text')
    .addColumn('transcode_progress', 'real')
    .addColumn('download_switch', 'text', (col) => col.notNull().defaultTo('on'))
    .addColumn('data_key_ciphertext', 'text')
    .addColumn('creation_time', 'text', (col) => col.notNull())
    .addColumn('modification_time', 'text', (col) => col.notNull())
    .addCheckConstraint(
      'videos_status_check',
      sql`status in ('Uploading','UploadFail','UploadSucc','Transcoding','TranscodeFail','Checking','Blocked','Normal','ProduceFail')`,
    )
    .execute();
  await db.schema
    .createIndex('videos_creation_idx')
    .on('videos')
    .columns(['creation_time', 'video_id'])
    .execute();
  await db.schema.createIndex('videos_status_idx').on('videos').columns(['status']).execute();

  await db.schema
    .createTable('upload_credentials')
    .addColumn('access_key_id', 'text', (col) => col.primaryKey())
    .addColumn('video_id', 'text', (col) => col.notNull())
    .addColumn('secret_ciphertext', 'text', (col) => col.notNull())
    .addColumn('security_token_sha256', 'text', (col) => col.notNull())
    .addColumn('bucket', 'text', (col) => col.notNull())
    .addColumn('object_key', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('upload_credentials_video_idx')
    .on('upload_credentials')
    .column('video_id')
    .execute();

  await db.schema
    .createTable('streams')
    .addColumn('stream_id', 'text', (col) => col.primaryKey())
    .addColumn('video_id', 'text', (col) => col.notNull())
    .addColumn('job_id', 'text', (col) => col.notNull())
    .addColumn('definition', 'text', (col) => col.notNull())
    .addColumn('format', 'text', (col) => col.notNull())
    .addColumn('width', 'integer', (col) => col.notNull())
    .addColumn('height', 'integer', (col) => col.notNull())
    .addColumn('bitrate_kbps', 'real', (col) => col.notNull())
    .addColumn('fps', 'real', (col) => col.notNull())
    .addColumn('duration', 'real', (col) => col.notNull())
    .addColumn('size', 'integer', (col) => col.notNull())
    .addColumn('encrypt_scheme', 'text', (col) => col.notNull())
    .addColumn('encrypt_type', 'text')
    .addColumn('key_rotation_segments', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('customer_key_ciphertext', 'text')
    .addColumn('customer_key_uri', 'text')
    .addColumn('storage_prefix', 'text', (col) => col.notNull())
    .addColumn('playlist_key', 'text', (col) => col.notNull())
    .addColumn('segment_count', 'integer', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('creation_time', 'text', (col) => col.notNull())
    .addCheckConstraint('streams_scheme_check', sql`encrypt_scheme in ('none','aes-128','aes-256-gcm')`)
    .execute();
  await db.schema.createIndex('streams_video_idx').on('streams').column('video_id').execute();

  await db.schema
    .createTable('template_groups')
    .addColumn('template_group_id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('is_default', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('locked', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('special', 'text')
    .addColumn('app_id', 'text', (col) => col.notNull())
    .addColumn('templates', 'text', (col) => col.notNull())
    .addColumn('creation_time', 'text', (col) => col.notNull())
    .addColumn('modify_time', 'text', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('template_groups').execute();
  await db.schema.dropTable('streams').execute();
  await db.schema.dropTable('upload_credentials').execute();
  await db.schema.dropTable('videos').execute();
}
