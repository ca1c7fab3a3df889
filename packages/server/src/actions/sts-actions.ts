/**
 * STS (2015-04-01, ram-sts.md §3): AssumeRole and GetCallerIdentity.
 *
 * AssumeRole: the endpoint's authorize hook has already checked that the caller may call
 * `sts:AssumeRole` on the role; here the role must exist and its trust policy must name the
 * caller (or the caller's account). The credentials' rights are the role's policies intersected
 * with the optional `Policy`, evaluated on every request, so detaching a role's policy or
 * deleting the role takes effect at once, while the token itself stays valid until it expires.
 */
import type { AccessControl } from '../access/access-control.js';
import { requestContext } from '../access/policy-conditions.js';
import { parsePolicyDocument, PolicyGrammarError } from '../access/policy-document.js';
import { trustAllows } from '../access/policy-evaluator.js';
import { principalArn, roleArn, trustArns } from '../access/principal.js';
import type { StsTokenCodec } from '../access/sts-token.js';
import { accessErrors } from '../errors/access-errors.js';
import type { ActionHandler } from '../rpc/rpc-types.js';
import type { RamRoleStore } from '../store/ram-role-store.js';
import { mustFindRole } from './ram-role-actions.js';

export const MAX_SESSION_POLICY = 2048;
export const DEFAULT_SESSION_SECONDS = 3600;

export interface StsDeps {
  access: AccessControl;
  roles: RamRoleStore;
  sts: StsTokenCodec;
  accountId: string;
  /** Shortest DurationSeconds accepted: 900 as on the cloud; tests lower it (configuration). */
  minDurationSeconds: number;
  now?: () => number;
}

export function stsActions(deps: StsDeps): Record<string, ActionHandler> {
  const now = deps.now ?? Date.now;
  return {
    AssumeRole: async (request) => {
      const { params } = request;
      const principal = await deps.access.principal(request);
      if (principal.kind === 'root') throw accessErrors.rootCannotAssume();
      const arn = /^acs:ram::(\d+):role\/([A-Za-z0-9.-]{1,64})$/.exec(params.required('RoleArn'));
      if (!arn) throw accessErrors.roleArnInvalid();
      if (arn[1] !== deps.accountId) throw accessErrors.roleNotFound();
      const sessionName = params.required('RoleSessionName');
      if (!/^[\w.@-]{2,64}$/.test(sessionName)) throw accessErrors.roleSessionNameInvalid();
      const policy = params.optional('Policy');
      if (policy !== undefined) {
        if (policy.length > MAX_SESSION_POLICY) throw accessErrors.policySize(MAX_SESSION_POLICY);
        try {
          parsePolicyDocument(policy);
        } catch (error) {
          if (error instanceof PolicyGrammarError) throw accessErrors.policyGrammar(error.problems);
          throw error;
        }
      }
      const role = await mustFindRole(deps.roles, arn[2]!);
      const min = deps.minDurationSeconds;
      const max = role.maxSessionDuration;
      const duration = params.optional('DurationSeconds') ?? String(Math.min(DEFAULT_SESSION_SECONDS, max));
      if (!/^\d{1,6}$/.test(duration) || Number(duration) < min || Number(duration) > max) {
        throw accessErrors.durationInvalid(min, max);
      }
      const context = requestContext({
        sourceIp: request.clientIp,
        currentTime: new Date(now()),
        secureTransport: request.secureTransport,
      });
      if (
        !trustAllows(
          parsePolicyDocument(role.assumeRolePolicyDocument, 'trust'),
          trustArns(principal),
          context,
        )
      ) {
        throw accessErrors.notTrusted();
      }
      const issuedAt = Math.floor(now() / 1000);
      const issued = deps.sts.issue({
        accountId: deps.accountId,
        roleId: role.roleId,
        roleName: role.roleName,
        sessionName,
        ...(policy !== undefined ? { policy } : {}),
        sourceArn: principalArn(principal),
        issuedAt,
        expiresAt: issuedAt + Number(duration),
      });
      return {
        Credentials: {
          AccessKeyId: issued.accessKeyId,
          AccessKeySecret: issued.accessKeySecret,
          SecurityToken: issued.securityToken,
          Expiration: new Date(issued.claims.expiresAt * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
        AssumedRoleUser: {
          Arn: `${roleArn(deps.accountId, role.roleName)}/${sessionName}`,
          AssumedRoleId: `${role.roleId}:${sessionName}`,
        },
      };
    },

    GetCallerIdentity: async (request) => {
      const p = await deps.access.principal(request);
      const common = { AccountId: p.accountId, Arn: principalArn(p) };
      switch (p.kind) {
        case 'root':
          return { ...common, IdentityType: 'Account', PrincipalId: p.accountId };
        case 'user':
          return { ...common, IdentityType: 'RAMUser', PrincipalId: p.userId, UserId: p.userId };
        case 'role-session':
          return {
            ...common,
            IdentityType: 'AssumedRoleUser',
            PrincipalId: `${p.session.roleId}:${p.session.sessionName}`,
            RoleId: p.session.roleId,
          };
      }
    },
  };
}
