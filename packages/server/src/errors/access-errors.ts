/**
 * Factories for the errors of access control: RAM (2015-05-01), STS (2015-04-01), VOD apps and
 * the authorisation of every action. Codes, statuses and messages are the catalogue's
 * (`access-error-table.ts`, part of `error-catalogue.ts`).
 */
import { catalogued } from './api-error.js';

export const accessErrors = {
  // --- authorisation --------------------------------------------------------------------------
  /** A VOD action the caller's RAM policies do not allow (§2.4, VOD's own code). */
  vodForbidden: (action: string) => catalogued('Forbidden', {}, { detail: `(vod:${action})` }),
  /** A RAM or STS action the caller's policies do not allow. */
  noPermission: (action: string) =>
    catalogued('NoPermission', {}, { detail: `You should be authorized by RAM. (${action})` }),
  /** App management without VODAppAdministratorAccess. */
  forbiddenOperateApp: () => catalogued('Forbidden.OperateApp'),
  /** A resource of an app the caller's app policies do not cover. */
  forbiddenOperateAppResource: () => catalogued('Forbidden.OperateAppResource'),
  rootProtected: () =>
    catalogued(
      'NoPermission',
      {},
      { detail: 'The root AccessKey of the account cannot be disabled or deleted through the API.' },
    ),

  // --- STS credentials on any request ---------------------------------------------------------
  tokenExpired: () => catalogued('InvalidSecurityToken.Expired'),
  tokenMalformed: () => catalogued('InvalidSecurityToken.Malformed'),
  tokenMismatch: () => catalogued('InvalidSecurityToken.MismatchWithAccessKey'),
  tokenMissing: () => catalogued('MissingSecurityToken'),

  // --- RAM ------------------------------------------------------------------------------------
  userNameInvalidChars: () => catalogued('InvalidParameter.UserName.InvalidChars'),
  userNameLength: () => catalogued('InvalidParameter.UserName.Length'),
  userExists: () => catalogued('EntityAlreadyExists.User'),
  userNotFound: () => catalogued('EntityNotExist.User'),
  userKeyLimit: () => catalogued('LimitExceeded.User.AccessKey'),
  userKeyNotFound: () => catalogued('EntityNotExist.User.AccessKey'),
  deleteConflictUserKey: () => catalogued('DeleteConflict.User.AccessKey'),
  deleteConflictUserPolicy: () => catalogued('DeleteConflict.User.Policy'),
  policyDocumentLength: (max: number) => catalogued('InvalidParameter.PolicyDocument.Length', { max }),
  malformedPolicy: (problems: readonly string[]) =>
    catalogued('MalformedPolicyDocument', { document: 'policy document', problems: problems.join('; ') }),
  policyNameInvalid: () => catalogued('InvalidParameter.PolicyName'),
  policyExists: () => catalogued('EntityAlreadyExists.Policy'),
  policyNotFound: () => catalogued('EntityNotExist.Policy'),
  policyLimit: () => catalogued('LimitExceeded.Policy'),
  policyTypeInvalid: () => catalogued('InvalidParameter.PolicyType'),
  policyAlreadyAttached: (to: 'User' | 'Role') =>
    catalogued(to === 'User' ? 'EntityAlreadyExists.User.Policy' : 'EntityAlreadyExists.Role.Policy'),
  policyNotAttached: (to: 'User' | 'Role') =>
    catalogued(to === 'User' ? 'EntityNotExist.User.Policy' : 'EntityNotExist.Role.Policy'),
  attachLimit: (to: 'User' | 'Role') =>
    catalogued(to === 'User' ? 'LimitExceeded.User.Policy' : 'LimitExceeded.Role.Policy'),
  deleteConflictPolicy: () => catalogued('DeleteConflict.Policy.User'),
  systemPolicyReadOnly: () => catalogued('NoPermission.SystemPolicy'),
  roleNameInvalid: () => catalogued('InvalidParameter.RoleName'),
  roleExists: () => catalogued('EntityAlreadyExists.Role'),
  roleNotFound: () => catalogued('EntityNotExist.Role'),
  malformedTrustPolicy: (problems: readonly string[]) =>
    catalogued('MalformedPolicyDocument', {
      document: 'AssumeRolePolicyDocument',
      problems: problems.join('; '),
    }),
  deleteConflictRolePolicy: () => catalogued('DeleteConflict.Role.Policy'),

  // --- STS AssumeRole -------------------------------------------------------------------------
  roleArnInvalid: () => catalogued('InvalidParameter.RoleArn'),
  roleSessionNameInvalid: () => catalogued('InvalidParameter.RoleSessionName'),
  durationInvalid: (min: number, max: number) => catalogued('InvalidParameter.DurationSeconds', { min, max }),
  policyGrammar: (problems: readonly string[]) =>
    catalogued('InvalidParameter.PolicyGrammar', { problems: problems.join('; ') }),
  policySize: (max: number) => catalogued('InvalidParameter.PolicySize', { max }),
  rootCannotAssume: () =>
    catalogued('NoPermission', {}, { detail: 'Roles may not be assumed by root accounts.' }),
  notTrusted: () =>
    catalogued(
      'NoPermission',
      {},
      { detail: 'You should be authorized by RAM. (the role does not trust you)' },
    ),

  // --- VOD apps (§2.3) ------------------------------------------------------------------------
  appNameExists: () => catalogued('AlreadyExist.AppName'),
  appCountLimit: () => catalogued('LimitExceeded.AppCount'),
  appNotFound: (appId: string) => catalogued('InvalidAppId.NotFound', { appId }),
  appNotEmpty: () => catalogued('Forbidden.ResourceNotEmpty'),
  defaultAppFixed: () =>
    catalogued(
      'Forbidden.OperateApp',
      {},
      { detail: 'The default app app-1000000 cannot be deleted or disabled.' },
    ),
  appIdentityLimit: () => catalogued('LimitExceeded.AppPolicy'),
} as const;
