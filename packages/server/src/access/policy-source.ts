/**
 * Collects what the evaluator needs for a principal: its RAM policies (attached system and
 * custom ones; for a role session, the role's plus the session policy) and its VOD app grants.
 * Custom documents are parsed once per text and cached.
 */
import type { RamPolicyStore } from '../store/ram-policy-store.js';
import type { VodAppStore } from '../store/vod-app-store.js';
import { ALL_APPS, isAppPolicyName, type AppGrant } from './app-policies.js';
import { parsePolicyDocument, type PolicyDocument } from './policy-document.js';
import type { Principal } from './principal.js';
import { SYSTEM_POLICIES } from './system-policies.js';

export interface PrincipalPolicies {
  readonly identity: readonly PolicyDocument[];
  /** An STS session's policy: the effective rights are the intersection with `identity`. */
  readonly session?: PolicyDocument;
}

export class PolicySource {
  private readonly parsed = new Map<string, { text: string; document: PolicyDocument }>();
  private readonly sessionPolicies = new Map<string, PolicyDocument>();

  constructor(private readonly deps: { policies: RamPolicyStore; apps: VodAppStore }) {}

  async policiesOf(principal: Principal): Promise<PrincipalPolicies> {
    if (principal.kind === 'root')
      return { identity: [SYSTEM_POLICIES.get('AdministratorAccess')!.document] };
    const owner =
      principal.kind === 'user'
        ? { principalType: 'User' as const, principalId: principal.userId }
        : { principalType: 'Role' as const, principalId: principal.session.roleId };
    const identity: PolicyDocument[] = [];
    for (const attachment of await this.deps.policies.attachmentsOf(owner)) {
      const document =
        attachment.policyType === 'System'
          ? SYSTEM_POLICIES.get(attachment.policyName)?.document
          : await this.customDocument(attachment.policyName);
      if (document) identity.push(document);
    }
    if (principal.kind === 'role-session' && principal.session.policy !== undefined) {
      return { identity, session: this.sessionPolicy(principal.session.policy) };
    }
    return { identity };
  }

  /** App grants; the account owner is always VODAppAdministratorAccess. */
  async appGrantsOf(principal: Principal): Promise<AppGrant[]> {
    if (principal.kind === 'root') return [{ appId: ALL_APPS, policyName: 'VODAppAdministratorAccess' }];
    const identity =
      principal.kind === 'user'
        ? { identityType: 'RamUser' as const, identityId: principal.userId }
        : { identityType: 'RamRole' as const, identityId: principal.session.roleId };
    const grants: AppGrant[] = [];
    for (const g of await this.deps.apps.grantsOf(identity)) {
      if (isAppPolicyName(g.policyName)) grants.push({ appId: g.appId, policyName: g.policyName });
    }
    return grants;
  }

  private async customDocument(name: string): Promise<PolicyDocument | undefined> {
    const record = await this.deps.policies.find(name);
    if (!record) return undefined;
    const cached = this.parsed.get(name);
    if (cached?.text === record.policyDocument) return cached.document;
    // Stored documents passed validation when written; a failure here is a bug, and failing the
    // request (500) is safer than evaluating a policy we cannot read.
    const document = parsePolicyDocument(record.policyDocument);
    this.parsed.set(name, { text: record.policyDocument, document });
    return document;
  }

  private sessionPolicy(text: string): PolicyDocument {
    let document = this.sessionPolicies.get(text);
    if (!document) {
      document = parsePolicyDocument(text);
      if (this.sessionPolicies.size > 1000) this.sessionPolicies.clear();
      this.sessionPolicies.set(text, document);
    }
    return document;
  }
}
