/**
 * The access-control part of the one catalogue (spread into `ERROR_CATALOGUE`): RAM (2015-05-01),
 * STS (2015-04-01), VOD apps and the authorisation of every action. Codes, statuses and messages
 * follow ram-sts.md (§2.3, §2.4, §3.6, §4); where the reference is UNCONFIRMED our choice is listed
 * in docs/api.md ("Access control"). Raised through `access-errors.ts`.
 */
import type { ErrorDefinition } from './error-catalogue.js';

const RPC = ['rpc'] as const;

export const ACCESS_ERROR_TABLE = {
  // Authorisation.
  NoPermission: { status: 403, message: 'You are not authorized to do this action.', surfaces: RPC },
  'Forbidden.OperateApp': { status: 403, message: 'User not authorized to operate app.', surfaces: RPC },
  'Forbidden.OperateAppResource': {
    status: 403,
    message: 'Invalid app permission to operate on the specified resource.',
    surfaces: RPC,
  },
  'NoPermission.SystemPolicy': {
    status: 403,
    message: 'System policies cannot be changed or deleted.',
    surfaces: RPC,
  },

  // STS credentials on any request.
  'InvalidSecurityToken.Expired': {
    status: 400,
    message: 'Specified SecurityToken is expired.',
    surfaces: RPC,
  },
  'InvalidSecurityToken.Malformed': {
    status: 400,
    message: 'Specified SecurityToken is malformed.',
    surfaces: RPC,
  },
  'InvalidSecurityToken.MismatchWithAccessKey': {
    status: 400,
    message: 'Specified SecurityToken mismatch with the AccessKey.',
    surfaces: RPC,
  },
  MissingSecurityToken: {
    status: 400,
    message: 'SecurityToken is mandatory for this action.',
    surfaces: RPC,
  },

  // RAM users, keys, policies, roles.
  'InvalidParameter.UserName.InvalidChars': {
    status: 400,
    message: 'The parameter "UserName" contains invalid chars: use letters, digits, ".", "_" and "-".',
    surfaces: RPC,
  },
  'InvalidParameter.UserName.Length': {
    status: 400,
    message: 'The length of parameter "UserName" must be 1 to 64 characters.',
    surfaces: RPC,
  },
  'EntityAlreadyExists.User': { status: 409, message: 'The user does already EXIST.', surfaces: RPC },
  'EntityNotExist.User': { status: 404, message: 'The user does not exist.', surfaces: RPC },
  'LimitExceeded.User.AccessKey': {
    status: 409,
    message: 'The access key count of the user access keys beyond the current limits.',
    surfaces: RPC,
  },
  'EntityNotExist.User.AccessKey': {
    status: 404,
    message: 'The user access key does not exist.',
    surfaces: RPC,
  },
  'DeleteConflict.User.AccessKey': {
    status: 409,
    message: 'The user has access keys: delete them before deleting the user.',
    surfaces: RPC,
  },
  'DeleteConflict.User.Policy': {
    status: 409,
    message: 'The user has policies attached: detach them before deleting the user.',
    surfaces: RPC,
  },
  'InvalidParameter.PolicyDocument.Length': {
    status: 400,
    message: 'The policy document must be 1 to {max} characters.',
    surfaces: RPC,
  },
  MalformedPolicyDocument: { status: 400, message: 'The {document} is malformed: {problems}', surfaces: RPC },
  'InvalidParameter.PolicyName': {
    status: 400,
    message: 'The parameter "PolicyName" must be 1 to 128 letters, digits and "-".',
    surfaces: RPC,
  },
  'EntityAlreadyExists.Policy': { status: 409, message: 'The policy already exists.', surfaces: RPC },
  'EntityNotExist.Policy': { status: 404, message: 'The policy does not exist.', surfaces: RPC },
  'LimitExceeded.Policy': {
    status: 409,
    message: 'The count of custom policies is beyond the current limit of 1500.',
    surfaces: RPC,
  },
  'InvalidParameter.PolicyType': {
    status: 400,
    message: 'The parameter "PolicyType" must be "System" or "Custom".',
    surfaces: RPC,
  },
  'EntityAlreadyExists.User.Policy': {
    status: 409,
    message: 'The policy is already attached to the user.',
    surfaces: RPC,
  },
  'EntityAlreadyExists.Role.Policy': {
    status: 409,
    message: 'The policy is already attached to the role.',
    surfaces: RPC,
  },
  'EntityNotExist.User.Policy': {
    status: 404,
    message: 'The policy is not attached to the user.',
    surfaces: RPC,
  },
  'EntityNotExist.Role.Policy': {
    status: 404,
    message: 'The policy is not attached to the role.',
    surfaces: RPC,
  },
  'LimitExceeded.User.Policy': {
    status: 409,
    message: 'The count of policies attached to the user is beyond the current limit.',
    surfaces: RPC,
  },
  'LimitExceeded.Role.Policy': {
    status: 409,
    message: 'The count of policies attached to the role is beyond the current limit.',
    surfaces: RPC,
  },
  'DeleteConflict.Policy.User': {
    status: 409,
    message: 'The policy is attached: detach it from every user and role first.',
    surfaces: RPC,
  },
  'InvalidParameter.RoleName': {
    status: 400,
    message: 'The parameter "RoleName" must be 1 to 64 letters, digits, "." and "-".',
    surfaces: RPC,
  },
  'EntityAlreadyExists.Role': { status: 409, message: 'The role already exists.', surfaces: RPC },
  'EntityNotExist.Role': { status: 404, message: 'The specified Role not exists.', surfaces: RPC },
  'DeleteConflict.Role.Policy': {
    status: 409,
    message: 'The role has policies attached: detach them before deleting the role.',
    surfaces: RPC,
  },

  // STS AssumeRole.
  'InvalidParameter.RoleArn': {
    status: 400,
    message: 'The parameter RoleArn is wrongly formed.',
    surfaces: RPC,
  },
  'InvalidParameter.RoleSessionName': {
    status: 400,
    message: 'The parameter RoleSessionName is wrongly formed.',
    surfaces: RPC,
  },
  'InvalidParameter.DurationSeconds': {
    status: 400,
    message: 'The Min/Max value of DurationSeconds is {min}s/{max}s.',
    surfaces: RPC,
  },
  'InvalidParameter.PolicyGrammar': {
    status: 400,
    message: 'The parameter Policy has not passed grammar check: {problems}',
    surfaces: RPC,
  },
  'InvalidParameter.PolicySize': {
    status: 400,
    message: 'The size of Policy must be smaller than {max} characters.',
    surfaces: RPC,
  },

  // VOD apps (§2.3).
  'AlreadyExist.AppName': { status: 409, message: 'The app name already exists.', surfaces: RPC },
  'LimitExceeded.AppCount': { status: 400, message: 'App Count has exceeded 10.', surfaces: RPC },
  'InvalidAppId.NotFound': {
    status: 404,
    message: 'The specified app "{appId}" does not exist.',
    surfaces: RPC,
  },
  'Forbidden.ResourceNotEmpty': {
    status: 403,
    message: 'The app still has resources (videos or template groups): move or delete them first.',
    surfaces: RPC,
  },
  'LimitExceeded.AppPolicy': {
    status: 400,
    message: 'An identity can hold policies on at most 10 apps.',
    surfaces: RPC,
  },
} as const satisfies Record<string, ErrorDefinition>;
