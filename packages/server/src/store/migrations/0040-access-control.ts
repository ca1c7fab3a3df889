/**
 * Access control (issue 11): RAM users, custom policies and their attachments, roles, VOD apps
 * and app-policy grants; AccessKeys gain the RAM user they belong to (null = the account's own).
 * Frozen once released (see 0001-initial.ts).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ram_users')
    .addColumn('user_id', 'text', (col) => col.primaryKey())
    .addColumn('user_name', 'text', (col) => col.notNull().unique())
    .addColumn('display_name', 'text')
    .addColumn('email', 'text')
    .addColumn('mobile_phone', 'text')
    .addColumn('comments', 'text')
    .addColumn('create_date', 'text', (col) => col.notNull())
    .addColumn('update_date', 'text', (col) => col.notNull())
    .execute();

  await db.schema.alterTable('access_keys').addColumn('user_id', 'text').execute();
  await db.schema.createIndex('access_keys_user_idx').on('access_keys').columns(['user_id']).execute();

  await db.schema
    .createTable('ram_policies')
    .addColumn('policy_name', 'text', (col) => col.primaryKey())
    .addColumn('description', 'text')
    .addColumn('policy_document', 'text', (col) => col.notNull())
    .addColumn('default_version', 'text', (col) => col.notNull())
    .addColumn('create_date', 'text', (col) => col.notNull())
    .addColumn('update_date', 'text', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('ram_policy_attachments')
    .addColumn('principal_type', 'text', (col) => col.notNull())
    .addColumn('principal_id', 'text', (col) => col.notNull())
    .addColumn('policy_type', 'text', (col) => col.notNull())
    .addColumn('policy_name', 'text', (col) => col.notNull())
    .addColumn('attach_date', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('ram_policy_attachments_pkey', [
      'principal_type',
      'principal_id',
      'policy_type',
      'policy_name',
    ])
    .addCheckConstraint('ram_policy_attachments_principal_check', sql`principal_type in ('User', 'Role')`)
    .addCheckConstraint('ram_policy_attachments_type_check', sql`policy_type in ('System', 'Custom')`)
    .execute();
  await db.schema
    .createIndex('ram_policy_attachments_policy_idx')
    .on('ram_policy_attachments')
    .columns(['policy_type', 'policy_name'])
    .execute();

  await db.schema
    .createTable('ram_roles')
    .addColumn('role_id', 'text', (col) => col.primaryKey())
    .addColumn('role_name', 'text', (col) => col.notNull())
    /** Lower-cased role name: role names are unique ignoring case, as in their ARNs. */
    .addColumn('role_key', 'text', (col) => col.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('assume_role_policy_document', 'text', (col) => col.notNull())
    .addColumn('max_session_duration', 'integer', (col) => col.notNull())
    .addColumn('create_date', 'text', (col) => col.notNull())
    .addColumn('update_date', 'text', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('vod_apps')
    .addColumn('app_id', 'text', (col) => col.primaryKey())
    .addColumn('app_name', 'text', (col) => col.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('creation_time', 'text', (col) => col.notNull())
    .addColumn('modification_time', 'text', (col) => col.notNull())
    .addCheckConstraint('vod_apps_type_check', sql`type in ('System', 'Custom')`)
    .addCheckConstraint('vod_apps_status_check', sql`status in ('Normal', 'Disable')`)
    .execute();

  await db.schema
    .createTable('vod_app_grants')
    .addColumn('identity_type', 'text', (col) => col.notNull())
    .addColumn('identity_id', 'text', (col) => col.notNull())
    /** `*` for VODAppAdministratorAccess, which covers every app. */
    .addColumn('app_id', 'text', (col) => col.notNull())
    .addColumn('policy_name', 'text', (col) => col.notNull())
    .addColumn('creation_time', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('vod_app_grants_pkey', ['identity_type', 'identity_id', 'app_id', 'policy_name'])
    .addCheckConstraint('vod_app_grants_identity_check', sql`identity_type in ('RamUser', 'RamRole')`)
    .execute();
  await db.schema.createIndex('vod_app_grants_app_idx').on('vod_app_grants').columns(['app_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('vod_app_grants').execute();
  await db.schema.dropTable('vod_apps').execute();
  await db.schema.dropTable('ram_roles').execute();
  await db.schema.dropTable('ram_policy_attachments').execute();
  await db.schema.dropTable('ram_policies').execute();
  await db.schema.dropIndex('access_keys_user_idx').execute();
  await db.schema.alterTable('access_keys').dropColumn('user_id').execute();
  await db.schema.dropTable('ram_users').execute();
}
