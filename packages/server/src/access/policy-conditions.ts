/**
 * Condition operators of RAM policies (ram-sts.md §1.4) and the request context they test.
 *
 * Semantics, per the reference where it speaks and our documented choice where it is silent
 * (docs/api.md "Access control"):
 * - several values for one key: the positive operator holds if any value matches; a `Not`
 *   operator holds if none does (it is the negation of its positive twin);
 * - several keys under one operator, and several operators: all must hold;
 * - a key the request context does not carry: the clause does not hold, for every operator;
 * - condition keys are matched case-insensitively, operators and values as written.
 * IP ranges are parsed by ipaddr.js; only plain addresses and CIDR blocks are accepted.
 */
import ipaddr from 'ipaddr.js';
import { wildcardMatch } from './wildcard.js';

type Family = 'string' | 'numeric' | 'date' | 'bool' | 'ip';

interface OperatorSpec {
  family: Family;
  negated: boolean;
  /** Does the request's value `actual` match one policy value `expected`? */
  test(actual: string, expected: string): boolean;
}

const stringEquals = (a: string, e: string) => a === e;
const stringEqualsIgnoreCase = (a: string, e: string) => a.toLowerCase() === e.toLowerCase();
const stringLike = (a: string, e: string) => wildcardMatch(e, a);
const numeric = (cmp: (a: number, e: number) => boolean) => (a: string, e: string) => {
  const [x, y] = [Number(a), Number(e)];
  return Number.isFinite(x) && Number.isFinite(y) && cmp(x, y);
};
const date = (cmp: (a: number, e: number) => boolean) => (a: string, e: string) => {
  const [x, y] = [parseDate(a), parseDate(e)];
  return x !== undefined && y !== undefined && cmp(x, y);
};
const eq = (a: number, e: number) => a === e;
const lt = (a: number, e: number) => a < e;
const le = (a: number, e: number) => a <= e;
const gt = (a: number, e: number) => a > e;
const ge = (a: number, e: number) => a >= e;

const OPERATORS = {
  StringEquals: { family: 'string', negated: false, test: stringEquals },
  StringNotEquals: { family: 'string', negated: true, test: stringEquals },
  StringEqualsIgnoreCase: { family: 'string', negated: false, test: stringEqualsIgnoreCase },
  StringNotEqualsIgnoreCase: { family: 'string', negated: true, test: stringEqualsIgnoreCase },
  StringLike: { family: 'string', negated: false, test: stringLike },
  StringNotLike: { family: 'string', negated: true, test: stringLike },
  NumericEquals: { family: 'numeric', negated: false, test: numeric(eq) },
  NumericNotEquals: { family: 'numeric', negated: true, test: numeric(eq) },
  NumericLessThan: { family: 'numeric', negated: false, test: numeric(lt) },
  NumericLessThanEquals: { family: 'numeric', negated: false, test: numeric(le) },
  NumericGreaterThan: { family: 'numeric', negated: false, test: numeric(gt) },
  NumericGreaterThanEquals: { family: 'numeric', negated: false, test: numeric(ge) },
  DateEquals: { family: 'date', negated: false, test: date(eq) },
  DateNotEquals: { family: 'date', negated: true, test: date(eq) },
  DateLessThan: { family: 'date', negated: false, test: date(lt) },
  DateLessThanEquals: { family: 'date', negated: false, test: date(le) },
  DateGreaterThan: { family: 'date', negated: false, test: date(gt) },
  DateGreaterThanEquals: { family: 'date', negated: false, test: date(ge) },
  Bool: { family: 'bool', negated: false, test: stringEqualsIgnoreCase },
  IpAddress: { family: 'ip', negated: false, test: ipInRange },
  NotIpAddress: { family: 'ip', negated: true, test: ipInRange },
} as const satisfies Record<string, OperatorSpec>;

export type ConditionOperator = keyof typeof OPERATORS;
export const CONDITION_OPERATORS = Object.keys(OPERATORS) as ConditionOperator[];

export function isConditionOperator(name: string): name is ConditionOperator {
  return Object.hasOwn(OPERATORS, name);
}

/** One `Operator: { key: [values] }` entry, parsed. */
export interface ConditionClause {
  readonly operator: ConditionOperator;
  readonly key: string;
  readonly values: readonly string[];
}

/**
 * What the server knows about a request, by condition key. Keys are stored lower-cased.
 * securevod supplies `acs:SourceIp`, `acs:CurrentTime`, `acs:SecureTransport` and
 * `acs:MFAPresent` (always `false`: AccessKey calls carry no MFA).
 */
export type ConditionContext = ReadonlyMap<string, string>;

export function requestContext(input: {
  sourceIp: string;
  currentTime: Date;
  secureTransport: boolean;
}): ConditionContext {
  return new Map([
    ['acs:sourceip', input.sourceIp],
    ['acs:currenttime', input.currentTime.toISOString()],
    ['acs:securetransport', String(input.secureTransport)],
    ['acs:mfapresent', 'false'],
  ]);
}

export function conditionHolds(clause: ConditionClause, context: ConditionContext): boolean {
  const actual = context.get(clause.key.toLowerCase());
  if (actual === undefined) return false;
  const spec: OperatorSpec = OPERATORS[clause.operator];
  const any = clause.values.some((expected) => spec.test(actual, expected));
  return spec.negated ? !any : any;
}

/** Why `value` cannot be a value of `operator`, or undefined when it can. */
export function conditionValueProblem(operator: ConditionOperator, value: string): string | undefined {
  switch (OPERATORS[operator].family) {
    case 'string':
      return undefined;
    case 'numeric':
      return /^-?\d+(\.\d+)?$/.test(value) ? undefined : `"${value}" is not a number`;
    case 'date':
      return parseDate(value) !== undefined
        ? undefined
        : `"${value}" is not an ISO 8601 time such as 2026-01-01T00:00:00Z`;
    case 'bool':
      return value === 'true' || value === 'false' ? undefined : `"${value}" must be "true" or "false"`;
    case 'ip':
      return parseIpRange(value) !== undefined
        ? undefined
        : `"${value}" is not an IP address or CIDR block such as 192.168.0.0/16`;
  }
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function parseDate(text: string): number | undefined {
  if (!ISO_8601.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or IPv6 CIDR; nothing looser (no `10.1`, no hex). */
export function parseIpRange(text: string): Range | undefined {
  const [address = '', prefix, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  if (ipaddr.IPv4.isValidFourPartDecimal(address)) parsed = ipaddr.IPv4.parse(address);
  else if (address.includes(':') && ipaddr.IPv6.isValid(address)) parsed = ipaddr.IPv6.parse(address);
  else return undefined;
  const max = parsed.kind() === 'ipv4' ? 32 : 128;
  if (prefix === undefined) return [parsed, max];
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return undefined;
  return [parsed, Number(prefix)];
}

function ipInRange(actual: string, expected: string): boolean {
  const range = parseIpRange(expected);
  if (range === undefined || !ipaddr.isValid(actual)) return false;
  // A v4 client on a dual-stack socket shows up as ::ffff:a.b.c.d; compare it as IPv4.
  const address = ipaddr.process(actual);
  return address.kind() === range[0].kind() && address.match(range);
}
