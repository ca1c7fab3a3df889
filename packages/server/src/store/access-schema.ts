/** Kysely table types of access control (migration 0040). Same portability rules as schema.ts. */
import type { IsoTimestamp } from './schema.js';

export interface RamUsersTable {
  /** 16 digits, like the vendor's user IDs. */
  user_id: string;
  user_name: string;
  display_name: string | null;
  email: string | null;
  mobile_phone: string | null;
  comments: string | null;
  create_date: IsoTimestamp;
  update_date: IsoTimestamp;
}

export interface RamPoliciesTable {
  policy_name: string;
  description: string | null;
  /** The JSON document as the customer wrote it (validated on write). */
  policy_document: string;
  default_version: string;
  create_date: IsoTimestamp;
  update_date: IsoTimestamp;
}

export type PrincipalType = 'User' | 'Role';
export type PolicyType = 'System' | 'Custom';

export interface RamPolicyAttachmentsTable {
  principal_type: PrincipalType;
  /** user_id or role_id. */
  principal_id: string;
  policy_type: PolicyType;
  policy_name: string;
  attach_date: IsoTimestamp;
}

export interface RamRolesTable {
  role_id: string;
  role_name: string;
  role_key: string;
  description: string | null;
  assume_role_policy_document: string;
  max_session_duration: number;
  create_date: IsoTimestamp;
  update_date: IsoTimestamp;
}

export type AppType = 'System' | 'Custom';
export type AppStatus = 'Normal' | 'Disable';

export interface VodAppsTable {
  app_id: string;
  app_name: string;
  description: string | null;
  type: AppType;
  status: AppStatus;
  creation_time: IsoTimestamp;
  modification_time: IsoTimestamp;
}

export type IdentityType = 'RamUser' | 'RamRole';

export interface VodAppGrantsTable {
  identity_type: IdentityType;
  /** user_id or role_id. */
  identity_id: string;
  app_id: string;
  policy_name: string;
  creation_time: IsoTimestamp;
}

export interface AccessTables {
  ram_users: RamUsersTable;
  ram_policies: RamPoliciesTable;
  ram_policy_attachments: RamPolicyAttachmentsTable;
  ram_roles: RamRolesTable;
  vod_apps: VodAppsTable;
  vod_app_grants: VodAppGrantsTable;
}
