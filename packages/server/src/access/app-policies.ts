/**
 * VOD application policies (ram-sts.md §2.3): the second gate after RAM. A RAM identity may act
 * on a resource of an app (a video, a template group) only if one of its app policies covers
 * that app and the action. The account owner (root) has VODAppAdministratorAccess always.
 */
export const APP_POLICY_NAMES = [
  'VODAppAdministratorAccess',
  'VODAppFullAccess',
  'VODAppReadOnlyAccess',
] as const;
export type AppPolicyName = (typeof APP_POLICY_NAMES)[number];

/** The app id under which VODAppAdministratorAccess is stored: it covers every app. */
export const ALL_APPS = '*';

export const APP_POLICY_DESCRIPTIONS: Readonly<Record<AppPolicyName, string>> = {
  VODAppAdministratorAccess: 'Every app: all resources, creating and managing apps, and app grants.',
  VODAppFullAccess: 'One app: every action on its resources.',
  VODAppReadOnlyAccess: 'One app: read actions (Get*, Describe*, Search*, List*) on its resources.',
};

export function isAppPolicyName(name: string): name is AppPolicyName {
  return (APP_POLICY_NAMES as readonly string[]).includes(name);
}

/** Read actions in the vendor's sense: their names start with Get, Describe, Search or List. */
export function isReadAction(action: string): boolean {
  return /^(Get|Describe|Search|List)/.test(action);
}

/** An app grant: this policy on this app (`*` for the administrator policy). */
export interface AppGrant {
  readonly appId: string;
  readonly policyName: AppPolicyName;
}

export function isAppAdministrator(grants: readonly AppGrant[]): boolean {
  return grants.some((g) => g.policyName === 'VODAppAdministratorAccess');
}

/** Do these grants let `action` (a VOD action name) touch a resource of `appId`? */
export function appGrantsAllow(grants: readonly AppGrant[], action: string, appId: string): boolean {
  return grants.some(
    (g) =>
      g.policyName === 'VODAppAdministratorAccess' ||
      (g.appId === appId && (g.policyName === 'VODAppFullAccess' || isReadAction(action))),
  );
}

/** Apps whose resources `action` may touch, or 'all'. */
export function appsAllowed(grants: readonly AppGrant[], action: string): 'all' | string[] {
  if (isAppAdministrator(grants)) return 'all';
  return [
    ...new Set(
      grants.filter((g) => g.policyName === 'VODAppFullAccess' || isReadAction(action)).map((g) => g.appId),
    ),
  ];
}
