/**
 * What a request touches, read from its parameters, for the policy check: the ARNs RAM policies
 * are matched against, and (VOD) the apps whose grants must cover it.
 *
 * VOD resources are found by parameter name, so actions added later are covered as long as they
 * use the vendor's names: `VideoId` / `VideoIds` (each video's ARN and app), `ImageId` /
 * `ImageIds` / `ImageURLs` (each image's app),
 * `TranscodeTemplateGroupId` / `TemplateGroupId` (the group's app) and `AppId` (that app; for
 * the actions that create something, a missing AppId means the default app).
 */
import { DEFAULT_APP_ID } from '../catalogue/template-group-service.js';
import type { RpcParams } from '../rpc/rpc-params.js';
import { policyArn, roleArn, userArn, videoArn, vodAccountArn, type Principal } from './principal.js';

export interface VodResourceLookup {
  /** The app of each existing video (absent ids do not exist). */
  videoApps(videoIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** The app of a template group, or undefined if there is none. */
  groupApp(templateGroupId: string): Promise<string | undefined>;
  /** The app of each existing image (CreateUploadImage); absent ids do not exist. */
  imageApps?(imageIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
}

export interface VodResources {
  /** ARNs for the RAM check: one per named video, or the account-wide VOD ARN. */
  readonly arns: readonly string[];
  /** Apps of the resources touched; each must be covered by an app grant. */
  readonly apps: ReadonlySet<string>;
  /** The `AppId` parameter, when given (must exist). */
  readonly namedApp?: string;
}

/** Actions that create a resource in an app: without `AppId` they create in the default app. */
const CREATES_IN_APP = new Set([
  'CreateUploadVideo',
  'CreateUploadImage',
  'CreateUploadAttachedMedia',
  'UploadMediaByURL',
  'AddTranscodeTemplateGroup',
  'AddCategory',
]);

export function idList(params: RpcParams, name: string): string[] {
  return (params.optional(name) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .slice(0, 100);
}

export async function vodResources(
  action: string,
  params: RpcParams,
  accountId: string,
  lookup: VodResourceLookup,
): Promise<VodResources> {
  const videoIds = [...new Set([...idList(params, 'VideoId'), ...idList(params, 'VideoIds')])];
  const apps = new Set<string>();
  if (videoIds.length > 0) for (const app of (await lookup.videoApps(videoIds)).values()) apps.add(app);
  // DeleteImage names images by URL too (`/images/<ImageId>/…`, each URL-encoded).
  const fromUrls = idList(params, 'ImageURLs').flatMap((encoded) => {
    let url = encoded;
    try {
      url = decodeURIComponent(encoded);
    } catch {
      // the action refuses it; nothing to look up
    }
    const id = /\/images\/([0-9a-f]{32})\//.exec(url)?.[1];
    return id ? [id] : [];
  });
  const imageIds = [...new Set([...idList(params, 'ImageId'), ...idList(params, 'ImageIds'), ...fromUrls])];
  if (imageIds.length > 0 && lookup.imageApps) {
    for (const app of (await lookup.imageApps(imageIds)).values()) apps.add(app);
  }
  for (const name of ['TranscodeTemplateGroupId', 'TemplateGroupId']) {
    const id = params.optional(name);
    const app = id === undefined ? undefined : await lookup.groupApp(id);
    if (app !== undefined) apps.add(app);
  }
  const namedApp = params.optional('AppId');
  const app = namedApp ?? (CREATES_IN_APP.has(action) ? DEFAULT_APP_ID : undefined);
  if (app !== undefined) apps.add(app);
  return {
    arns: videoIds.length > 0 ? videoIds.map((id) => videoArn(accountId, id)) : [vodAccountArn(accountId)],
    apps,
    ...(namedApp !== undefined ? { namedApp } : {}),
  };
}

/** ARNs of a RAM (2015-05-01) request, per ram-sts.md §1.3 and §4's "RAM action / resource". */
export function ramResources(action: string, params: RpcParams, principal: Principal): string[] {
  const acct = principal.accountId;
  const self = principal.kind === 'user' ? principal.userName : '*';
  const user = userArn(acct, params.optional('UserName') ?? self);
  const policy = policyArn(acct, params.optional('PolicyName') ?? '*');
  const role = roleArn(acct, params.optional('RoleName') ?? '*');
  switch (action) {
    case 'CreateUser':
    case 'ListUsers':
      return [userArn(acct, '*')];
    case 'CreatePolicy':
    case 'ListPolicies':
      return [policyArn(acct, '*')];
    case 'GetPolicy':
    case 'DeletePolicy':
      return [policy];
    case 'AttachPolicyToUser':
    case 'DetachPolicyFromUser':
      return [user, policy];
    case 'CreateRole':
    case 'ListRoles':
      return [roleArn(acct, '*')];
    case 'GetRole':
    case 'DeleteRole':
    case 'ListPoliciesForRole':
      return [role];
    case 'AttachPolicyToRole':
    case 'DetachPolicyFromRole':
      return [role, policy];
    default:
      // The user actions (GetUser, DeleteUser, the AccessKey actions, ListPoliciesForUser, …).
      return [user];
  }
}
