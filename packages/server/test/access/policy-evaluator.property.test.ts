/**
 * Fuzz target "the policy evaluator" (issue 11): random policy sets and requests, compared with a
 * deliberately simple reference evaluator written here from the reference's rules (regexes for
 * wildcards, integer arithmetic for IPv4 ranges), plus "no crash, only typed errors" on random
 * documents. `FUZZ_RUNS` raises the run count (npm run fuzz).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { requestContext } from '../../src/access/policy-conditions.js';
import {
  parsePolicyDocument,
  parsePolicyValue,
  PolicyGrammarError,
} from '../../src/access/policy-document.js';
import { evaluatePolicies, evaluateSession } from '../../src/access/policy-evaluator.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);

// --- the reference evaluator ------------------------------------------------------------------

type RefStatement = {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
};
type RefPolicy = { Version: '1'; Statement: RefStatement[] };
type RefRequest = { action: string; resource: string; ip: string; time: string; https: boolean };

const asList = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

function refGlob(pattern: string, value: string, ignoreCase: boolean): boolean {
  const body = [...pattern]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, ignoreCase ? 'isu' : 'su').test(value);
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function refInRange(ip: string, range: string): boolean {
  const [base, bits = '32'] = range.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4ToInt(ip) / size) === Math.floor(ipv4ToInt(base!) / size);
}

function refCondition(op: string, key: string, values: string[], r: RefRequest): boolean {
  const actual: Record<string, string> = {
    'acs:sourceip': r.ip,
    'acs:currenttime': r.time,
    'acs:securetransport': String(r.https),
    'acs:mfapresent': 'false',
  };
  const a = actual[key.toLowerCase()];
  if (a === undefined) return false;
  switch (op) {
    case 'IpAddress':
      return values.some((v) => refInRange(a, v));
    case 'NotIpAddress':
      return !values.some((v) => refInRange(a, v));
    case 'StringEquals':
      return values.includes(a);
    case 'StringNotEquals':
      return !values.includes(a);
    case 'StringLike':
      return values.some((v) => refGlob(v, a, false));
    case 'Bool':
      return values.some((v) => v.toLowerCase() === a.toLowerCase());
    case 'DateLessThan':
      return values.some((v) => Date.parse(a) < Date.parse(v));
    case 'DateGreaterThanEquals':
      return values.some((v) => Date.parse(a) >= Date.parse(v));
    default:
      throw new Error(`reference evaluator lacks ${op}`);
  }
}

function refMatches(s: RefStatement, r: RefRequest): boolean {
  const action =
    s.Action !== undefined
      ? asList(s.Action).some((p) => refGlob(p, r.action, true))
      : !asList(s.NotAction!).some((p) => refGlob(p, r.action, true));
  const resource =
    s.Resource !== undefined
      ? asList(s.Resource).some((p) => refGlob(p, r.resource, false))
      : !asList(s.NotResource!).some((p) => refGlob(p, r.resource, false));
  const conditions = Object.entries(s.Condition ?? {}).every(([op, block]) =>
    Object.entries(block).every(([key, v]) => refCondition(op, key, asList(v), r)),
  );
  return action && resource && conditions;
}

function refEvaluate(policies: RefPolicy[], r: RefRequest): string {
  const hits = policies.flatMap((p) => p.Statement).filter((s) => refMatches(s, r));
  if (hits.some((s) => s.Effect === 'Deny')) return 'ExplicitDeny';
  return hits.some((s) => s.Effect === 'Allow') ? 'Allow' : 'ImplicitDeny';
}

// --- generators -------------------------------------------------------------------------------

const ACTIONS = [
  'vod:GetVideoPlayAuth',
  'vod:GetPlayInfo',
  'vod:DeleteVideo',
  'vod:CreateUploadVideo',
  'ram:CreateUser',
  'sts:AssumeRole',
];
const actionPattern = fc.oneof(
  fc.constantFrom(
    ...ACTIONS,
    '*',
    'vod:*',
    'vod:Get*',
    'VOD:getplayinfo',
    'vod:Get?ideo*',
    'ram:*',
    'vod:Delete*',
    'vod:?',
  ),
  fc.stringMatching(/^(vod|ram):[GDCgd*?][a-zA-Z*?]{0,6}$/),
);
const IDS = ['v1', 'v2', 'V1', 'v10'];
const resourceValue = fc.constantFrom('acs:vod:*:42:*', ...IDS.map((id) => `acs:vod:*:42:video/${id}`));
const resourcePattern = fc.oneof(
  fc.constantFrom('*', 'acs:vod:*:*', 'acs:vod:*:42:video/*', 'acs:vod:*:42:video/v?', 'acs:vod:*:7:*'),
  fc.constantFrom(...IDS).map((id) => `acs:vod:*:42:video/${id}`),
);
const octet = fc.integer({ min: 0, max: 255 });
const ip = fc
  .tuple(fc.constantFrom('10.0', '10.1', '192.168'), octet, octet)
  .map(([a, b, c]) => `${a}.${b}.${c}`);
const cidr = fc.oneof(
  ip,
  fc.tuple(ip, fc.integer({ min: 0, max: 32 })).map(([a, n]) => `${a}/${n}`),
);
const TIMES = [
  '2026-01-01T00:00:00Z',
  '2026-06-01T12:00:00Z',
  '2026-06-01T20:00:00+08:00',
  '2027-01-01T00:00:00Z',
];
const list = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, fc.array(arb, { minLength: 1, maxLength: 3 }));
const condition = fc
  .dictionary(
    fc.constantFrom(
      'IpAddress',
      'NotIpAddress',
      'StringEquals',
      'StringNotEquals',
      'StringLike',
      'Bool',
      'DateLessThan',
      'DateGreaterThanEquals',
    ),
    fc.constant(null),
    { minKeys: 1, maxKeys: 2 },
  )
  .chain((ops) =>
    fc.record(
      Object.fromEntries(
        Object.keys(ops).map((op) => {
          const values = op.includes('Ip')
            ? list(cidr)
            : op === 'Bool'
              ? fc.constantFrom('true', 'false')
              : op.startsWith('Date')
                ? list(fc.constantFrom(...TIMES))
                : list(fc.oneof(ip, fc.constantFrom('10.0.*', '*')));
          const key =
            op.includes('Ip') || op.startsWith('String')
              ? fc.constantFrom('acs:SourceIp', 'acs:sourceip', 'acs:Missing')
              : op === 'Bool'
                ? fc.constantFrom('acs:SecureTransport', 'acs:MFAPresent')
                : fc.constant('acs:CurrentTime');
          return [op, fc.tuple(key, values).map(([k, v]) => ({ [k]: v }))];
        }),
      ),
    ),
  );
const statement: fc.Arbitrary<RefStatement> = fc
  .record(
    {
      Effect: fc.constantFrom('Allow' as const, 'Deny' as const),
      negAction: fc.boolean(),
      actions: list(actionPattern),
      negResource: fc.boolean(),
      resources: list(resourcePattern),
      Condition: condition,
    },
    { requiredKeys: ['Effect', 'negAction', 'actions', 'negResource', 'resources'] },
  )
  .map(({ Effect, negAction, actions, negResource, resources, Condition }) => ({
    Effect,
    [negAction ? 'NotAction' : 'Action']: actions,
    [negResource ? 'NotResource' : 'Resource']: resources,
    ...(Condition ? { Condition } : {}),
  }));
const policySet = fc.array(
  fc
    .array(statement, { minLength: 1, maxLength: 4 })
    .map((Statement): RefPolicy => ({ Version: '1', Statement })),
  { maxLength: 3 },
);
const request: fc.Arbitrary<RefRequest> = fc.record({
  action: fc.oneof(fc.constantFrom(...ACTIONS), fc.stringMatching(/^vod:[A-Za-z]{1,8}$/)),
  resource: resourceValue,
  ip,
  time: fc.constantFrom('2026-03-01T00:00:00.000Z', '2026-06-01T12:00:00.000Z', '2028-01-01T00:00:00.000Z'),
  https: fc.boolean(),
});

const toAccessRequest = (r: RefRequest) => ({
  action: r.action,
  resource: r.resource,
  context: requestContext({ sourceIp: r.ip, currentTime: new Date(r.time), secureTransport: r.https }),
});

describe('policy evaluator, property-based', () => {
  it(`agrees with the reference evaluator on ${RUNS} random policy sets`, () => {
    fc.assert(
      fc.property(policySet, request, (policies, r) => {
        const parsed = policies.map((p) => parsePolicyValue(p));
        assert.equal(evaluatePolicies(parsed, toAccessRequest(r)), refEvaluate(policies, r));
      }),
      { numRuns: RUNS },
    );
  });

  it(`gives sessions exactly the intersection on ${RUNS} random cases`, () => {
    fc.assert(
      fc.property(policySet, policySet, request, (role, sessions, r) => {
        const session = sessions[0];
        const decision = evaluateSession(
          role.map((p) => parsePolicyValue(p)),
          session && parsePolicyValue(session),
          toAccessRequest(r),
        );
        const byRole = refEvaluate(role, r);
        const bySession = session ? refEvaluate([session], r) : 'Allow';
        const expected =
          byRole === 'ExplicitDeny' || bySession === 'ExplicitDeny'
            ? 'ExplicitDeny'
            : byRole === 'Allow' && bySession === 'Allow'
              ? 'Allow'
              : 'ImplicitDeny';
        assert.equal(decision, expected);
      }),
      { numRuns: RUNS },
    );
  });

  it(`refuses random documents only with PolicyGrammarError, never a crash (${RUNS} runs)`, () => {
    const anyJson = fc.oneof(
      fc.json(),
      fc.jsonValue().map((v) => JSON.stringify({ Version: '1', Statement: [v] })),
      statement.chain((s) =>
        fc
          .record({ k: fc.constantFrom(...Object.keys(s)), v: fc.jsonValue() })
          .map(({ k, v }) => JSON.stringify({ Version: '1', Statement: [{ ...s, [k]: v }] })),
      ),
      fc.string(),
    );
    fc.assert(
      fc.property(anyJson, fc.constantFrom('identity' as const, 'trust' as const), (text, kind) => {
        try {
          const doc = parsePolicyDocument(text, kind);
          // Whatever parses must evaluate without throwing.
          evaluatePolicies(
            [doc],
            toAccessRequest({
              action: 'vod:GetPlayInfo',
              resource: '*',
              ip: '10.0.0.1',
              time: TIMES[0]!,
              https: false,
            }),
          );
        } catch (error) {
          if (!(error instanceof PolicyGrammarError)) throw error;
          assert.ok(error.problems.length > 0);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
