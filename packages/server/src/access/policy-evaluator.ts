/**
 * Policy evaluation (ram-sts.md §1.2, §3.4): a request is allowed only if some statement allows
 * it and no statement denies it. Pure: the caller collects the policies and the context.
 *
 * Matching: Action case-insensitively (the reference: "in most cases not case-sensitive"),
 * Resource case-sensitively (our choice: VideoIds and object keys are case-sensitive), both
 * with `*` and `?`. `NotAction` / `NotResource` match everything their list does not.
 */
import { conditionHolds, type ConditionContext } from './policy-conditions.js';
import type { PatternList, PolicyDocument, PolicyStatement } from './policy-document.js';
import { wildcardMatch } from './wildcard.js';

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

export interface AccessRequest {
  /** `<service>:<Action>`, e.g. `vod:GetVideoPlayAuth`. */
  readonly action: string;
  /** The ARN of the resource, e.g. `acs:vod:*:1234567890123456:video/<VideoId>`. */
  readonly resource: string;
  readonly context: ConditionContext;
}

function listMatches(list: PatternList, value: string, ignoreCase: boolean): boolean {
  const hit = list.patterns.some((p) => wildcardMatch(p, value, { ignoreCase }));
  return list.negated ? !hit : hit;
}

export function statementMatches(statement: PolicyStatement, request: AccessRequest): boolean {
  return (
    listMatches(statement.action, request.action, true) &&
    (statement.resource === undefined || listMatches(statement.resource, request.resource, false)) &&
    statement.conditions.every((c) => conditionHolds(c, request.context))
  );
}

/** Deny in any policy → ExplicitDeny; else Allow in any → Allow; else ImplicitDeny. */
export function evaluatePolicies(policies: readonly PolicyDocument[], request: AccessRequest): Decision {
  let allowed = false;
  for (const policy of policies) {
    for (const statement of policy.statements) {
      if (!statementMatches(statement, request)) continue;
      if (statement.effect === 'Deny') return 'ExplicitDeny';
      allowed = true;
    }
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}

/**
 * An STS session: the session policy (AssumeRole's `Policy`) is evaluated first and a deny
 * there, explicit or implicit, is final; then the role's own policies. The result is the
 * intersection of both. Without a session policy only the role's policies count.
 */
export function evaluateSession(
  identity: readonly PolicyDocument[],
  session: PolicyDocument | undefined,
  request: AccessRequest,
): Decision {
  if (session !== undefined) {
    const bySession = evaluatePolicies([session], request);
    if (bySession !== 'Allow') {
      // An explicit deny in the role's policies is still reported as explicit.
      return evaluatePolicies(identity, request) === 'ExplicitDeny' ? 'ExplicitDeny' : bySession;
    }
  }
  return evaluatePolicies(identity, request);
}

/**
 * A role's trust policy (AssumeRolePolicyDocument): may `principalArns` (the caller's ARN, and
 * its account's `acs:ram::<account>:root`, which trusts every identity of that account) assume
 * the role? Statements match on Action (`sts:AssumeRole`), the RAM principal and conditions.
 */
export function trustAllows(
  trust: PolicyDocument,
  principalArns: readonly string[],
  context: ConditionContext,
): boolean {
  let allowed = false;
  for (const statement of trust.statements) {
    const principals = statement.principal?.RAM ?? [];
    const principalHit = principals.some((p) =>
      principalArns.some((arn) => wildcardMatch(p, arn, { ignoreCase: true })),
    );
    if (!principalHit) continue;
    if (!listMatches(statement.action, 'sts:AssumeRole', true)) continue;
    if (!statement.conditions.every((c) => conditionHolds(c, context))) continue;
    if (statement.effect === 'Deny') return false;
    allowed = true;
  }
  return allowed;
}
