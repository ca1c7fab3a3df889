/**
 * The RAM policy language, Version "1" (ram-sts.md §1.1): parsing and validation of a policy
 * document into a typed form the evaluator works on. Every problem is reported with the path
 * of the element (`Statement[1].Condition.IpAddress.acs:SourceIp[0]`), so the API error and the
 * console's editor can say exactly what to fix.
 *
 * Two kinds: identity policies (custom policies, AssumeRole's session policy) need Resource and
 * refuse Principal; trust policies (a role's AssumeRolePolicyDocument) need Principal.
 * Length limits differ per caller (6,144 for CreatePolicy, 2,048 for AssumeRole) and are
 * checked there, with their own error codes.
 */
import { conditionValueProblem, isConditionOperator, type ConditionClause } from './policy-conditions.js';

export type Effect = 'Allow' | 'Deny';

/** `Action` (negated: false) or `NotAction` (negated: true); the same for Resource. */
export interface PatternList {
  readonly negated: boolean;
  readonly patterns: readonly string[];
}

export interface PolicyStatement {
  readonly effect: Effect;
  readonly action: PatternList;
  /** Absent only in trust policies. */
  readonly resource?: PatternList;
  /** Trust policies only: `{ RAM: [...], Service: [...], Federated: [...] }`. */
  readonly principal?: Readonly<Record<PrincipalKind, readonly string[]>>;
  readonly conditions: readonly ConditionClause[];
}

export interface PolicyDocument {
  readonly version: '1';
  readonly statements: readonly PolicyStatement[];
}

export type PolicyKind = 'identity' | 'trust';
export type PrincipalKind = 'RAM' | 'Service' | 'Federated';

export class PolicyGrammarError extends Error {
  override readonly name = 'PolicyGrammarError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

const STATEMENT_KEYS = ['Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition', 'Sid'];
const TRUST_KEYS = ['Effect', 'Action', 'NotAction', 'Principal', 'Condition', 'Sid'];
const ACTION_PATTERN = /^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$/;
const CONDITION_KEY = /^[A-Za-z0-9-]+:[A-Za-z0-9/_.-]+$/;
const PRINCIPAL_KINDS: readonly PrincipalKind[] = ['RAM', 'Service', 'Federated'];
/** Bounds the work of one document even where no length limit applies (stored documents). */
const MAX_ITEMS = 1000;

/** Parses JSON text; throws PolicyGrammarError listing every problem found. */
export function parsePolicyDocument(text: string, kind: PolicyKind = 'identity'): PolicyDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PolicyGrammarError([`the document is not valid JSON (${(error as Error).message})`]);
  }
  return parsePolicyValue(value, kind);
}

export function parsePolicyValue(value: unknown, kind: PolicyKind = 'identity'): PolicyDocument {
  const problems: string[] = [];
  const statements: PolicyStatement[] = [];
  if (!isObject(value)) throw new PolicyGrammarError(['the document must be a JSON object']);
  for (const key of Object.keys(value)) {
    if (key !== 'Version' && key !== 'Statement') problems.push(`unknown element "${key}"`);
  }
  if (value.Version !== '1') problems.push('Version must be "1"');
  const list = value.Statement;
  if (!Array.isArray(list) || list.length === 0) {
    problems.push('Statement must be a non-empty array of statements');
  } else if (list.length > MAX_ITEMS) {
    problems.push(`Statement has more than ${MAX_ITEMS} entries`);
  } else {
    list.forEach((raw: unknown, i) => {
      const statement = parseStatement(raw, `Statement[${i}]`, kind, problems);
      if (statement) statements.push(statement);
    });
  }
  if (problems.length > 0) throw new PolicyGrammarError(problems);
  return { version: '1', statements };
}

function parseStatement(
  raw: unknown,
  path: string,
  kind: PolicyKind,
  problems: string[],
): PolicyStatement | undefined {
  if (!isObject(raw)) {
    problems.push(`${path} must be an object`);
    return undefined;
  }
  const before = problems.length;
  const allowed = kind === 'trust' ? TRUST_KEYS : STATEMENT_KEYS;
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      problems.push(
        key === 'Principal'
          ? `${path}.Principal is only allowed in a role's trust policy`
          : `${path} has an unknown element "${key}" (names are case-sensitive)`,
      );
    }
  }
  if (raw.Sid !== undefined && typeof raw.Sid !== 'string') problems.push(`${path}.Sid must be a string`);
  const effect = raw.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') problems.push(`${path}.Effect must be "Allow" or "Deny"`);

  const action = pair(raw, path, 'Action', 'NotAction', problems, (p, at) =>
    ACTION_PATTERN.test(p)
      ? undefined
      : `${at} must be "*" or "<service>:<action>" such as "vod:GetPlayInfo"`,
  );
  let resource: PatternList | undefined;
  let principal: Record<PrincipalKind, string[]> | undefined;
  if (kind === 'identity') {
    resource = pair(raw, path, 'Resource', 'NotResource', problems, (p, at) =>
      p === '*' || p.startsWith('acs:') ? undefined : `${at} must be "*" or an ARN starting with "acs:"`,
    );
  } else {
    principal = parsePrincipal(raw.Principal, `${path}.Principal`, problems);
  }
  const conditions = parseConditions(raw.Condition, `${path}.Condition`, problems);
  if (problems.length > before || !action) return undefined;
  return {
    effect: effect as Effect,
    action,
    ...(resource ? { resource } : {}),
    ...(principal ? { principal } : {}),
    conditions,
  };
}

/** Exactly one of `name` / `notName`, each a string or a non-empty array of strings. */
function pair(
  raw: Record<string, unknown>,
  path: string,
  name: string,
  notName: string,
  problems: string[],
  check: (pattern: string, at: string) => string | undefined,
): PatternList | undefined {
  const has = raw[name] !== undefined;
  const hasNot = raw[notName] !== undefined;
  if (has === hasNot) {
    problems.push(`${path} needs exactly one of ${name} and ${notName}`);
    return undefined;
  }
  const key = has ? name : notName;
  const patterns = stringList(raw[key], `${path}.${key}`, problems);
  if (!patterns) return undefined;
  let ok = true;
  patterns.forEach((p, i) => {
    const problem = check(p, `${path}.${key}${Array.isArray(raw[key]) ? `[${i}]` : ''}`);
    if (problem) {
      problems.push(problem);
      ok = false;
    }
  });
  return ok ? { negated: hasNot, patterns } : undefined;
}

function parsePrincipal(
  raw: unknown,
  path: string,
  problems: string[],
): Record<PrincipalKind, string[]> | undefined {
  if (!isObject(raw) || Object.keys(raw).length === 0) {
    problems.push(`${path} must be an object such as {"RAM": ["acs:ram::<account>:root"]}`);
    return undefined;
  }
  const principal: Record<PrincipalKind, string[]> = { RAM: [], Service: [], Federated: [] };
  for (const [kind, value] of Object.entries(raw)) {
    if (!(PRINCIPAL_KINDS as readonly string[]).includes(kind)) {
      problems.push(`${path} has an unknown kind "${kind}" (RAM, Service or Federated)`);
      continue;
    }
    const list = stringList(value, `${path}.${kind}`, problems);
    if (list) principal[kind as PrincipalKind] = list;
  }
  return principal;
}

function parseConditions(raw: unknown, path: string, problems: string[]): ConditionClause[] {
  if (raw === undefined) return [];
  if (!isObject(raw)) {
    problems.push(`${path} must be an object of operators`);
    return [];
  }
  const clauses: ConditionClause[] = [];
  for (const [operator, block] of Object.entries(raw)) {
    if (!isConditionOperator(operator)) {
      problems.push(`${path} has an unknown operator "${operator}" (operators are case-sensitive)`);
      continue;
    }
    if (!isObject(block) || Object.keys(block).length === 0) {
      problems.push(`${path}.${operator} must be an object of condition keys`);
      continue;
    }
    for (const [key, rawValues] of Object.entries(block)) {
      const at = `${path}.${operator}.${key}`;
      if (!CONDITION_KEY.test(key)) {
        problems.push(`${at}: "${key}" is not a condition key such as acs:SourceIp`);
        continue;
      }
      const values = stringList(rawValues, at, problems, { scalars: true });
      if (!values) continue;
      let ok = true;
      values.forEach((v, i) => {
        const problem = conditionValueProblem(operator, v);
        if (problem) {
          problems.push(`${at}${Array.isArray(rawValues) ? `[${i}]` : ''}: ${problem}`);
          ok = false;
        }
      });
      if (ok) clauses.push({ operator, key, values });
    }
  }
  return clauses;
}

/**
 * A string or a non-empty array of strings. With `scalars`, numbers and booleans are taken as
 * their text (condition values are meant to be quoted, but `"NumericLessThan": {"k": 5}` is
 * unambiguous).
 */
function stringList(
  raw: unknown,
  path: string,
  problems: string[],
  options: { scalars?: boolean } = {},
): string[] | undefined {
  const one = (v: unknown): string | undefined =>
    typeof v === 'string'
      ? v
      : options.scalars && (typeof v === 'number' || typeof v === 'boolean')
        ? String(v)
        : undefined;
  if (!Array.isArray(raw)) {
    const value = one(raw);
    if (value === undefined || value === '') {
      problems.push(`${path} must be a non-empty string or an array of them`);
      return undefined;
    }
    return [value];
  }
  if (raw.length === 0 || raw.length > MAX_ITEMS) {
    problems.push(`${path} must have 1 to ${MAX_ITEMS} entries`);
    return undefined;
  }
  const values = raw.map(one);
  const bad = values.findIndex((v) => v === undefined || v === '');
  if (bad !== -1) {
    problems.push(`${path}[${bad}] must be a non-empty string`);
    return undefined;
  }
  return values as string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
