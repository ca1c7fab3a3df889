/**
 * System policies (PolicyType `System`): built in, read-only, attachable like custom ones.
 * Contents follow ram-sts.md §2.2 where it is known; where it is UNCONFIRMED (the exact JSON of
 * the VOD policies) this is our reading of their descriptions, listed in docs/api.md.
 */
import { parsePolicyValue, type PolicyDocument } from './policy-document.js';

export interface SystemPolicy {
  readonly name: string;
  readonly description: string;
  /** The document as JSON text, as GetPolicy returns it. */
  readonly text: string;
  readonly document: PolicyDocument;
}

function policy(name: string, description: string, action: string | string[]): SystemPolicy {
  const value = { Version: '1', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] };
  return { name, description, text: JSON.stringify(value, null, 2), document: parsePolicyValue(value) };
}

const LIST: readonly SystemPolicy[] = [
  policy('AdministratorAccess', 'Full access to every action, RAM included.', '*'),
  policy('AliyunRAMFullAccess', 'Manage users, AccessKeys, policies and roles.', 'ram:*'),
  policy('AliyunRAMReadOnlyAccess', 'Read users, AccessKeys (without secrets), policies and roles.', [
    'ram:Get*',
    'ram:List*',
  ]),
  policy(
    'AliyunSTSAssumeRoleAccess',
    'Call sts:AssumeRole (the role must also trust the caller).',
    'sts:AssumeRole',
  ),
  policy('AliyunVODFullAccess', 'Every VOD action.', 'vod:*'),
  policy('AliyunVODReadOnlyAccess', 'VOD actions that read: Get*, Describe*, Search*, List*.', [
    'vod:Get*',
    'vod:Describe*',
    'vod:Search*',
    'vod:List*',
  ]),
  policy('AliyunVODPlayAuth', 'Playback credentials and video information.', [
    'vod:GetPlayInfo',
    'vod:GetVideoPlayAuth',
    'vod:GetVideoPlayInfo',
    'vod:GetVideoInfo',
  ]),
  policy('AliyunVODUploadAuth', 'Upload credentials.', [
    'vod:CreateUploadVideo',
    'vod:RefreshUploadVideo',
    'vod:CreateUploadImage',
  ]),
];

export const SYSTEM_POLICIES: ReadonlyMap<string, SystemPolicy> = new Map(LIST.map((p) => [p.name, p]));
