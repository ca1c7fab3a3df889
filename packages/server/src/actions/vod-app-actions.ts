/**
 * VOD applications (2017-03-21, ram-sts.md §2.3): CreateAppInfo, ListAppInfo, GetAppInfos,
 * UpdateAppInfo, DeleteAppInfo, AttachAppPolicyToIdentity, DetachAppPolicyFromIdentity,
 * ListAppPoliciesForIdentity. Who may call what is decided by access/access-control.ts; the
 * list actions show only the apps the caller holds a grant on (administrators: all).
 */
import type { AccessControl } from '../access/access-control.js';
import {
  ALL_APPS,
  APP_POLICY_DESCRIPTIONS,
  isAppPolicyName,
  type AppPolicyName,
} from '../access/app-policies.js';
import { randomDigits } from '../access/account-id.js';
import { DEFAULT_APP_ID } from '../catalogue/template-group-service.js';
import { accessErrors } from '../errors/access-errors.js';
import { apiErrors } from '../errors/api-error.js';
import type { RpcParams } from '../rpc/rpc-params.js';
import type { ActionHandler, RpcRequest } from '../rpc/rpc-types.js';
import type { IdentityType } from '../store/access-schema.js';
import type { RamRoleStore } from '../store/ram-role-store.js';
import type { RamUserStore } from '../store/ram-user-store.js';
import { StoreError } from '../store/store-error.js';
import type { Identity, VodAppRecord, VodAppStore } from '../store/vod-app-store.js';
import { optionalText, requiredText, wireTime } from './ram-wire.js';

const MAX_APPS = 10;
const MAX_APPS_PER_IDENTITY = 10;

export interface VodAppDeps {
  apps: VodAppStore;
  users: RamUserStore;
  roles: RamRoleStore;
  access: AccessControl;
  /** Does the app still hold videos or template groups? (DeleteAppInfo refuses then.) */
  appHasResources(appId: string): Promise<boolean>;
}

export function appToWire(app: VodAppRecord): Record<string, unknown> {
  return {
    AppId: app.appId,
    AppName: app.appName,
    Description: app.description ?? '',
    Type: app.type,
    Status: app.status,
    CreationTime: wireTime(app.creationTime),
    ModificationTime: wireTime(app.modificationTime),
  };
}

export function vodAppActions(deps: VodAppDeps): Record<string, ActionHandler> {
  const { apps } = deps;

  const visible = async (request: RpcRequest): Promise<(appId: string) => boolean> => {
    if (await deps.access.isAppAdministrator(request)) return () => true;
    const scope = await deps.access.appScope(request);
    return (appId) => scope === 'all' || scope.includes(appId);
  };
  const mustFindApp = async (appId: string) => {
    const app = await apps.find(appId);
    if (!app) throw accessErrors.appNotFound(appId);
    return app;
  };
  const identityOf = async (params: RpcParams): Promise<Identity> => {
    const type = params.oneOf('IdentityType', ['RamUser', 'RamRole'] as const);
    if (type === undefined) throw apiErrors.missingParameter('IdentityType');
    const name = params.required('IdentityName');
    return { identityType: type, identityId: await identityId(type, name) };
  };
  const identityId = async (type: IdentityType, name: string): Promise<string> => {
    if (type === 'RamRole') {
      const role = await deps.roles.findByName(name);
      if (!role) throw accessErrors.roleNotFound();
      return role.roleId;
    }
    // The vendor names a RAM user by its user ID here; a user name is accepted too.
    const user = (await deps.users.findById(name)) ?? (await deps.users.findByName(name));
    if (!user) throw accessErrors.userNotFound();
    return user.userId;
  };
  const policyNames = (params: RpcParams) => {
    const names = [
      ...new Set(
        params
          .required('PolicyNames')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ];
    if (names.length === 0) throw apiErrors.missingParameter('PolicyNames');
    return {
      known: names.filter(isAppPolicyName),
      unknown: names.filter((n) => !isAppPolicyName(n)),
    };
  };
  /** The app a grant is stored under: `*` for the administrator policy. */
  const grantApp = async (params: RpcParams, policy: AppPolicyName): Promise<string> => {
    if (policy === 'VODAppAdministratorAccess') return ALL_APPS;
    const appId = params.optional('AppId');
    if (appId === undefined) throw apiErrors.missingParameter('AppId');
    return (await mustFindApp(appId)).appId;
  };

  return {
    CreateAppInfo: async ({ params }) => {
      const name = requiredText(params, 'AppName', 128);
      const description = optionalText(params, 'Description', 512) ?? null;
      if ((await apps.count()) >= MAX_APPS) throw accessErrors.appCountLimit();
      for (let attempt = 0; ; attempt++) {
        const appId = `app-${randomDigits(7)}`;
        try {
          await apps.insert({ appId, appName: name, description, type: 'Custom', status: 'Normal' });
          return { AppId: appId };
        } catch (error) {
          if (!(error instanceof StoreError && error.code === 'AlreadyExists')) throw error;
          if ((await apps.list()).some((a) => a.appName === name)) throw accessErrors.appNameExists();
          if (attempt >= 5) throw error;
        }
      }
    },

    ListAppInfo: async (request) => {
      const status = request.params.oneOf('Status', ['Normal', 'Disable'] as const);
      const pageNo = request.params.integer('PageNo', { min: 1, max: 10000, fallback: 1 })!;
      const pageSize = request.params.integer('PageSize', { min: 1, max: 100, fallback: 10 })!;
      const shows = await visible(request);
      const list = (await apps.list(status ? { status } : {})).filter((a) => shows(a.appId));
      return {
        AppInfoList: list.slice((pageNo - 1) * pageSize, pageNo * pageSize).map(appToWire),
        Total: list.length,
      };
    },

    GetAppInfos: async (request) => {
      const ids = [
        ...new Set(
          request.params
            .required('AppIds')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ),
      ];
      if (ids.length > 10) throw apiErrors.invalidParameter('AppIds', 'At most 10 app IDs.');
      const shows = await visible(request);
      const found: VodAppRecord[] = [];
      const missing: string[] = [];
      for (const id of ids) {
        const app = shows(id) ? await apps.find(id) : undefined;
        if (app) found.push(app);
        else missing.push(id);
      }
      return { AppInfoList: found.map(appToWire), NonExistAppIds: missing };
    },

    UpdateAppInfo: async ({ params }) => {
      const app = await mustFindApp(params.required('AppId'));
      const appName = optionalText(params, 'AppName', 128);
      const description = optionalText(params, 'Description', 512);
      const status = params.oneOf('Status', ['Normal', 'Disable'] as const);
      if (status === 'Disable' && app.appId === DEFAULT_APP_ID) throw accessErrors.defaultAppFixed();
      try {
        await apps.update(app.appId, {
          ...(appName !== undefined ? { appName } : {}),
          ...(description !== undefined ? { description } : {}),
          ...(status !== undefined ? { status } : {}),
        });
      } catch (error) {
        if (error instanceof StoreError && error.code === 'AlreadyExists') throw accessErrors.appNameExists();
        throw error;
      }
      return {};
    },

    DeleteAppInfo: async ({ params }) => {
      const app = await mustFindApp(params.required('AppId'));
      if (app.appId === DEFAULT_APP_ID) throw accessErrors.defaultAppFixed();
      if (await deps.appHasResources(app.appId)) throw accessErrors.appNotEmpty();
      await apps.delete(app.appId);
      return {};
    },

    AttachAppPolicyToIdentity: async ({ params }) => {
      const identity = await identityOf(params);
      const { known, unknown } = policyNames(params);
      const held = new Set((await apps.grantsOf(identity)).map((g) => g.appId));
      for (const policy of known) {
        const appId = await grantApp(params, policy);
        if (!held.has(appId) && appId !== ALL_APPS && held.size >= MAX_APPS_PER_IDENTITY) {
          throw accessErrors.appIdentityLimit();
        }
        await apps.grant(identity, appId, policy);
        held.add(appId);
      }
      return { FailedPolicyNames: [], NonExistPolicyNames: unknown };
    },

    DetachAppPolicyFromIdentity: async ({ params }) => {
      const identity = await identityOf(params);
      const { known, unknown } = policyNames(params);
      const failed: string[] = [];
      for (const policy of known) {
        if (!(await apps.revoke(identity, await grantApp(params, policy), policy))) failed.push(policy);
      }
      return { FailedPolicyNames: failed, NonExistPolicyNames: unknown };
    },

    ListAppPoliciesForIdentity: async (request) => {
      const { params } = request;
      const identity = await identityOf(params);
      const principal = await deps.access.principal(request);
      const self =
        (principal.kind === 'user' &&
          identity.identityType === 'RamUser' &&
          identity.identityId === principal.userId) ||
        (principal.kind === 'role-session' &&
          identity.identityType === 'RamRole' &&
          identity.identityId === principal.session.roleId);
      if (!self && !(await deps.access.isAppAdministrator(request))) throw accessErrors.forbiddenOperateApp();
      const appId = params.optional('AppId');
      const grants = (await apps.grantsOf(identity)).filter(
        (g) => appId === undefined || g.appId === appId || g.appId === ALL_APPS,
      );
      return {
        AppPolicyList: grants.map((g) => ({
          AppId: g.appId,
          PolicyName: g.policyName,
          PolicyType: 'System',
          Description: isAppPolicyName(g.policyName) ? APP_POLICY_DESCRIPTIONS[g.policyName] : '',
          CreationTime: wireTime(g.creationTime),
          ModificationTime: wireTime(g.creationTime),
        })),
      };
    },
  };
}
