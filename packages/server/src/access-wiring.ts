/**
 * Composition of access control (issue 11), called by server.ts: the RAM / STS / app stores,
 * the credential resolver the RPC endpoint verifies signatures with, the `authorize` hook, and
 * the actions of the RAM (2015-05-01) and STS (2015-04-01) APIs plus the VOD app and AccessKey
 * actions. Part of the composition root: it knows the concrete stores.
 */
import { AccessControl } from './access/access-control.js';
import { loadAccountId } from './access/account-id.js';
import { CredentialResolver } from './access/credential-resolver.js';
import { PolicySource } from './access/policy-source.js';
import { loadStsKeys, StsTokenCodec } from './access/sts-token.js';
import { accessKeyActions } from './actions/access-key-actions.js';
import { ramPolicyActions } from './actions/ram-policy-actions.js';
import { ramRoleActions } from './actions/ram-role-actions.js';
import { ramUserActions } from './actions/ram-user-actions.js';
import { stsActions } from './actions/sts-actions.js';
import { vodAppActions } from './actions/vod-app-actions.js';
import type { AccessKeyService } from './auth/access-key-service.js';
import { DEFAULT_APP_ID } from './catalogue/template-group-service.js';
import type { Kms } from './kms/kms.js';
import type { ApiActions } from './rpc/rpc-types.js';
import type { AccessKeyStore } from './store/access-key-store.js';
import type { Db } from './store/database.js';
import { createRamPolicyStore } from './store/ram-policy-store.js';
import { createRamRoleStore } from './store/ram-role-store.js';
import { createRamUserStore } from './store/ram-user-store.js';
import type { SettingsStore } from './store/settings-store.js';
import type { TemplateGroupStore } from './store/template-group-store.js';
import type { ImageStore } from './store/image-store.js';
import type { VideoStore } from './store/video-store.js';
import { createVodAppStore } from './store/vod-app-store.js';

export interface AccessWiring {
  readonly accountId: string;
  readonly access: AccessControl;
  readonly resolver: CredentialResolver;
  /** RAM (2015-05-01) actions. */
  readonly ram: ApiActions;
  /** STS (2015-04-01) actions. */
  readonly sts: ApiActions;
  /** VOD-namespace actions: the apps and the AccessKey aliases. */
  readonly vod: ApiActions;
}

export async function wireAccessControl(deps: {
  db: Db;
  kms: Kms;
  settings: SettingsStore;
  accessKeys: AccessKeyService;
  accessKeyStore: AccessKeyStore;
  videos: VideoStore;
  groups: TemplateGroupStore;
  images?: Pick<ImageStore, 'findMany'>;
  stsMinDurationSeconds: number;
}): Promise<AccessWiring> {
  const { db } = deps;
  const users = createRamUserStore(db);
  const policies = createRamPolicyStore(db);
  const roles = createRamRoleStore(db);
  const apps = createVodAppStore(db);
  await apps.ensure({
    appId: DEFAULT_APP_ID,
    appName: 'Default',
    description: 'The default app: resources created without an AppId belong to it.',
    type: 'System',
    status: 'Normal',
  });
  const accountId = await loadAccountId(deps.settings);
  const sts = new StsTokenCodec(await loadStsKeys(deps.kms, deps.settings));
  const resolver = new CredentialResolver({ accessKeys: deps.accessKeys, users, sts, accountId });
  const access = new AccessControl({
    resolver,
    policies: new PolicySource({ policies, apps }),
    apps,
    vodLookup: {
      async videoApps(ids) {
        return new Map((await deps.videos.findMany(ids)).map((v) => [v.videoId, v.appId]));
      },
      async groupApp(id) {
        return (await deps.groups.find(id))?.appId;
      },
      async imageApps(ids) {
        return new Map((await deps.images?.findMany(ids))?.map((i) => [i.imageId, i.appId]) ?? []);
      },
    },
  });
  const keyActions = accessKeyActions({
    accessKeys: deps.accessKeys,
    store: deps.accessKeyStore,
    users,
    access,
  });
  return {
    accountId,
    access,
    resolver,
    ram: {
      ...ramUserActions({ users, keys: deps.accessKeyStore, policies, apps }),
      ...keyActions,
      ...ramPolicyActions({ policies, users, roles }),
      ...ramRoleActions({ roles, policies, apps, accountId }),
    },
    sts: stsActions({ access, roles, sts, accountId, minDurationSeconds: deps.stsMinDurationSeconds }),
    vod: {
      ...keyActions,
      ...vodAppActions({
        apps,
        users,
        roles,
        access,
        async appHasResources(appId) {
          const { total } = await deps.videos.list({ appIds: [appId], ascending: true, offset: 0, limit: 1 });
          return total > 0 || (await deps.groups.list(appId)).length > 0;
        },
      }),
    },
  };
}
