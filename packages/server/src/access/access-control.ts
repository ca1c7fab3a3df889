/**
 * The one place where policies are evaluated (the RPC endpoint's `authorize` hook), and the
 * questions handlers ask afterwards (who is calling; which apps may a list show).
 *
 * Per API version:
 * - VOD (2017-03-21): `vod:<Action>` against the RAM policies for every resource ARN (refusal:
 *   `Forbidden` 403), then the app grants for every app the request touches
 *   (`Forbidden.OperateAppResource` 403); app management needs VODAppAdministratorAccess
 *   (`Forbidden.OperateApp` 403). The VOD-namespace AccessKey actions are aliases of RAM's
 *   and are checked as `ram:<Action>`.
 * - RAM (2015-05-01): `ram:<Action>` on the user / policy / role ARN (`NoPermission` 403).
 * - STS (2015-04-01): `sts:AssumeRole` on the role's ARN; GetCallerIdentity needs nothing.
 * The account's own keys (root) may do everything, except assume roles (as with the vendor).
 */
import { accessErrors } from '../errors/access-errors.js';
import type { RpcRequest } from '../rpc/rpc-types.js';
import type { VodAppStore } from '../store/vod-app-store.js';
import { appGrantsAllow, appsAllowed, isAppAdministrator } from './app-policies.js';
import type { CredentialResolver } from './credential-resolver.js';
import { requestContext } from './policy-conditions.js';
import { evaluateSession, type Decision } from './policy-evaluator.js';
import type { PolicySource } from './policy-source.js';
import { roleArn, type Principal } from './principal.js';
import { ramResources, vodResources, type VodResourceLookup } from './request-resources.js';

export const VOD_VERSION = '2017-03-21';
export const RAM_VERSION = '2015-05-01';
export const STS_VERSION = '2015-04-01';

/** VOD-namespace actions that are RAM's under another name (docs/api.md). */
export const RAM_ALIASES_IN_VOD = new Set([
  'CreateAccessKey',
  'ListAccessKeys',
  'UpdateAccessKey',
  'DeleteAccessKey',
]);
const APP_ADMIN_ACTIONS = new Set([
  'CreateAppInfo',
  'UpdateAppInfo',
  'DeleteAppInfo',
  'AttachAppPolicyToIdentity',
  'DetachAppPolicyFromIdentity',
]);

export interface AccessControlDeps {
  resolver: CredentialResolver;
  policies: PolicySource;
  apps: VodAppStore;
  vodLookup: VodResourceLookup;
  now?: () => number;
}

export class AccessControl {
  private readonly principals = new WeakMap<RpcRequest, Promise<Principal>>();
  private readonly now: () => number;

  constructor(private readonly deps: AccessControlDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The caller of an authenticated request (resolved once per request). */
  principal(request: RpcRequest): Promise<Principal> {
    let principal = this.principals.get(request);
    if (!principal) {
      principal = this.deps.resolver.principalOf(request.caller);
      this.principals.set(request, principal);
    }
    return principal;
  }

  /** The endpoint's `authorize` hook. */
  readonly authorize = async (request: RpcRequest): Promise<void> => {
    const principal = await this.principal(request);
    if (request.version === STS_VERSION) return this.authorizeSts(request, principal);
    if (
      request.version === RAM_VERSION ||
      (request.version === VOD_VERSION && RAM_ALIASES_IN_VOD.has(request.action))
    ) {
      if (principal.kind === 'root') return;
      const arns = ramResources(request.action, request.params, principal);
      if (!(await this.allows(request, principal, `ram:${request.action}`, arns))) {
        throw accessErrors.noPermission(`ram:${request.action}`);
      }
      return;
    }
    if (request.version === VOD_VERSION) return this.authorizeVod(request, principal);
    // Another API (none today): only the account's own keys.
    if (principal.kind !== 'root') throw accessErrors.noPermission(request.action);
  };

  /**
   * The apps whose resources a list action may show the caller, or 'all'. Handlers of list
   * actions (GetVideoList, ListTranscodeTemplateGroup, ListAppInfo, …) filter by it.
   */
  async appScope(request: RpcRequest): Promise<'all' | string[]> {
    const principal = await this.principal(request);
    return appsAllowed(await this.deps.policies.appGrantsOf(principal), request.action);
  }

  /** Is the caller an app administrator (root always is)? */
  async isAppAdministrator(request: RpcRequest): Promise<boolean> {
    return isAppAdministrator(await this.deps.policies.appGrantsOf(await this.principal(request)));
  }

  private async authorizeVod(request: RpcRequest, principal: Principal): Promise<void> {
    const { action, params } = request;
    const resources = await vodResources(action, params, principal.accountId, this.deps.vodLookup);
    // Input validation that holds for every caller, root included.
    if (
      resources.namedApp !== undefined &&
      !APP_ADMIN_ACTIONS.has(action) &&
      action !== 'ListAppPoliciesForIdentity'
    ) {
      if (!(await this.deps.apps.find(resources.namedApp)))
        throw accessErrors.appNotFound(resources.namedApp);
    }
    if (principal.kind === 'root') return;
    if (!(await this.allows(request, principal, `vod:${action}`, resources.arns))) {
      throw accessErrors.vodForbidden(action);
    }
    const grants = await this.deps.policies.appGrantsOf(principal);
    if (APP_ADMIN_ACTIONS.has(action)) {
      if (!isAppAdministrator(grants)) throw accessErrors.forbiddenOperateApp();
      return;
    }
    for (const app of resources.apps) {
      if (!appGrantsAllow(grants, action, app)) throw accessErrors.forbiddenOperateAppResource();
    }
  }

  private async authorizeSts(request: RpcRequest, principal: Principal): Promise<void> {
    if (request.action !== 'AssumeRole') return;
    if (principal.kind === 'root') throw accessErrors.rootCannotAssume();
    const roleName = /^acs:ram::\d+:role\/(.+)$/.exec(request.params.optional('RoleArn') ?? '')?.[1] ?? '*';
    if (
      !(await this.allows(request, principal, 'sts:AssumeRole', [roleArn(principal.accountId, roleName)]))
    ) {
      throw accessErrors.noPermission('sts:AssumeRole');
    }
  }

  /** Allowed for every ARN? */
  private async allows(
    request: RpcRequest,
    principal: Principal,
    action: string,
    arns: readonly string[],
  ): Promise<boolean> {
    const { identity, session } = await this.deps.policies.policiesOf(principal);
    const context = requestContext({
      sourceIp: request.clientIp,
      currentTime: new Date(this.now()),
      secureTransport: request.secureTransport,
    });
    return arns.every((resource) => {
      const decision: Decision = evaluateSession(identity, session, { action, resource, context });
      return decision === 'Allow';
    });
  }
}
