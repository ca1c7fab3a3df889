/**
 * Errors of access control: RAM (2015-05-01), STS (2015-04-01), VOD apps and the authorisation
 * of every action. Codes, statuses and messages follow ram-sts.md (§2.3, §2.4, §3.6, §4); where
 * the reference is UNCONFIRMED our choice is listed in docs/api.md ("Access control").
 */
import { ApiError } from './api-error.js';

const e = (code: string, status: number, message: string) => new ApiError(code, status, message);

export const accessErrors = {
  // --- authorisation --------------------------------------------------------------------------
  /** A VOD action the caller's RAM policies do not allow (§2.4, VOD's own code). */
  vodForbidden: (action: string) =>
    e('Forbidden', 403, `User not authorized to operate on the specified resource. (vod:${action})`),
  /** A RAM or STS action the caller's policies do not allow. */
  noPermission: (action: string) =>
    e(
      'NoPermission',
      403,
      `You are not authorized to do this action. You should be authorized by RAM. (${action})`,
    ),
  /** App management without VODAppAdministratorAccess. */
  forbiddenOperateApp: () => e('Forbidden.OperateApp', 403, 'User not authorized to operate app.'),
  /** A resource of an app the caller's app policies do not cover. */
  forbiddenOperateAppResource: () =>
    e('Forbidden.OperateAppResource', 403, 'Invalid app permission to operate on the specified resource.'),
  rootProtected: () =>
    e(
      'NoPermission',
      403,
      'The root AccessKey of the account cannot be disabled or deleted through the API.',
    ),

  // --- STS credentials on any request ---------------------------------------------------------
  tokenExpired: () => e('InvalidSecurityToken.Expired', 400, 'Specified SecurityToken is expired.'),
  tokenMalformed: () => e('InvalidSecurityToken.Malformed', 400, 'Specified SecurityToken is malformed.'),
  tokenMismatch: () =>
    e(
      'InvalidSecurityToken.MismatchWithAccessKey',
      400,
      'Specified SecurityToken mismatch with the AccessKey.',
    ),
  tokenMissing: () => e('MissingSecurityToken', 400, 'SecurityToken is mandatory for this action.'),

  // --- RAM ------------------------------------------------------------------------------------
  userNameInvalidChars: () =>
    e(
      'InvalidParameter.UserName.InvalidChars',
      400,
      'The parameter "UserName" contains invalid chars: use letters, digits, ".", "_" and "-".',
    ),
  userNameLength: () =>
    e(
      'InvalidParameter.UserName.Length',
      400,
      'The length of parameter "UserName" must be 1 to 64 characters.',
    ),
  userExists: () => e('EntityAlreadyExists.User', 409, 'The user does already EXIST.'),
  userNotFound: () => e('EntityNotExist.User', 404, 'The user does not exist.'),
  userKeyLimit: () =>
    e(
      'LimitExceeded.User.AccessKey',
      409,
      'The access key count of the user access keys beyond the current limits.',
    ),
  userKeyNotFound: () => e('EntityNotExist.User.AccessKey', 404, 'The user access key does not exist.'),
  deleteConflictUserKey: () =>
    e(
      'DeleteConflict.User.AccessKey',
      409,
      'The user has access keys: delete them before deleting the user.',
    ),
  deleteConflictUserPolicy: () =>
    e(
      'DeleteConflict.User.Policy',
      409,
      'The user has policies attached: detach them before deleting the user.',
    ),
  policyDocumentLength: (max: number) =>
    e('InvalidParameter.PolicyDocument.Length', 400, `The policy document must be 1 to ${max} characters.`),
  malformedPolicy: (problems: readonly string[]) =>
    e('MalformedPolicyDocument', 400, `The policy document is malformed: ${problems.join('; ')}`),
  policyNameInvalid: () =>
    e(
      'InvalidParameter.PolicyName',
      400,
      'The parameter "PolicyName" must be 1 to 128 letters, digits and "-".',
    ),
  policyExists: () => e('EntityAlreadyExists.Policy', 409, 'The policy already exists.'),
  policyNotFound: () => e('EntityNotExist.Policy', 404, 'The policy does not exist.'),
  policyLimit: () =>
    e('LimitExceeded.Policy', 409, 'The count of custom policies is beyond the current limit of 1500.'),
  policyTypeInvalid: () =>
    e('InvalidParameter.PolicyType', 400, 'The parameter "PolicyType" must be "System" or "Custom".'),
  policyAlreadyAttached: (to: 'User' | 'Role') =>
    e(`EntityAlreadyExists.${to}.Policy`, 409, `The policy is already attached to the ${to.toLowerCase()}.`),
  policyNotAttached: (to: 'User' | 'Role') =>
    e(`EntityNotExist.${to}.Policy`, 404, `The policy is not attached to the ${to.toLowerCase()}.`),
  attachLimit: (to: 'User' | 'Role') =>
    e(
      `LimitExceeded.${to}.Policy`,
      409,
      `The count of policies attached to the ${to.toLowerCase()} is beyond the current limit.`,
    ),
  deleteConflictPolicy: () =>
    e('DeleteConflict.Policy.User', 409, 'The policy is attached: detach it from every user and role first.'),
  systemPolicyReadOnly: () =>
    e('NoPermission.SystemPolicy', 403, 'System policies cannot be changed or deleted.'),
  roleNameInvalid: () =>
    e(
      'InvalidParameter.RoleName',
      400,
      'The parameter "RoleName" must be 1 to 64 letters, digits, "." and "-".',
    ),
  roleExists: () => e('EntityAlreadyExists.Role', 409, 'The role already exists.'),
  roleNotFound: () => e('EntityNotExist.Role', 404, 'The specified Role not exists.'),
  malformedTrustPolicy: (problems: readonly string[]) =>
    e('MalformedPolicyDocument', 400, `The AssumeRolePolicyDocument is malformed: ${problems.join('; ')}`),
  deleteConflictRolePolicy: () =>
    e(
      'DeleteConflict.Role.Policy',
      409,
      'The role has policies attached: detach them before deleting the role.',
    ),

  // --- STS AssumeRole -------------------------------------------------------------------------
  roleArnInvalid: () => e('InvalidParameter.RoleArn', 400, 'The parameter RoleArn is wrongly formed.'),
  roleSessionNameInvalid: () =>
    e('InvalidParameter.RoleSessionName', 400, 'The parameter RoleSessionName is wrongly formed.'),
  durationInvalid: (min: number, max: number) =>
    e('InvalidParameter.DurationSeconds', 400, `The Min/Max value of DurationSeconds is ${min}s/${max}s.`),
  policyGrammar: (problems: readonly string[]) =>
    e(
      'InvalidParameter.PolicyGrammar',
      400,
      `The parameter Policy has not passed grammar check: ${problems.join('; ')}`,
    ),
  policySize: (max: number) =>
    e('InvalidParameter.PolicySize', 400, `The size of Policy must be smaller than ${max} characters.`),
  rootCannotAssume: () => e('NoPermission', 403, 'Roles may not be assumed by root accounts.'),
  notTrusted: () =>
    e(
      'NoPermission',
      403,
      'You are not authorized to do this action. You should be authorized by RAM. (the role does not trust you)',
    ),

  // --- VOD apps (§2.3) ------------------------------------------------------------------------
  appNameExists: () => e('AlreadyExist.AppName', 409, 'The app name already exists.'),
  appCountLimit: () => e('LimitExceeded.AppCount', 400, 'App Count has exceeded 10.'),
  appNotFound: (appId: string) =>
    e('InvalidAppId.NotFound', 404, `The specified app "${appId}" does not exist.`),
  appNotEmpty: () =>
    e(
      'Forbidden.ResourceNotEmpty',
      403,
      'The app still has resources (videos or template groups): move or delete them first.',
    ),
  defaultAppFixed: () =>
    e('Forbidden.OperateApp', 403, 'The default app app-1000000 cannot be deleted or disabled.'),
  appIdentityLimit: () =>
    e('LimitExceeded.AppPolicy', 400, 'An identity can hold policies on at most 10 apps.'),
} as const;
