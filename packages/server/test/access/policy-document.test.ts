import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePolicyDocument, PolicyGrammarError } from '../../src/access/policy-document.js';
import { SYSTEM_POLICIES } from '../../src/access/system-policies.js';
import { wildcardMatch } from '../../src/access/wildcard.js';

function problemsOf(text: string, kind: 'identity' | 'trust' = 'identity'): readonly string[] {
  try {
    parsePolicyDocument(text, kind);
  } catch (error) {
    assert.ok(error instanceof PolicyGrammarError);
    return error.problems;
  }
  assert.fail('expected the document to be refused');
}

const doc = (statement: Record<string, unknown>) => JSON.stringify({ Version: '1', Statement: [statement] });

describe('wildcard', () => {
  it('matches * as any run, ? as one character, the rest literally', () => {
    assert.ok(wildcardMatch('vod:Get*', 'vod:GetPlayInfo'));
    assert.ok(wildcardMatch('vod:Get*', 'vod:Get'));
    assert.ok(wildcardMatch('*', ''));
    assert.ok(wildcardMatch('a?c', 'abc'));
    assert.ok(!wildcardMatch('a?c', 'ac'));
    assert.ok(wildcardMatch('a*b*c', 'aXXbYYbc'));
    assert.ok(!wildcardMatch('a*b*c', 'aXXbYYb'));
    assert.ok(!wildcardMatch('vod:Get*', 'VOD:getplayinfo'));
    assert.ok(wildcardMatch('vod:Get*', 'VOD:getplayinfo', { ignoreCase: true }));
    // Regex syntax is literal.
    assert.ok(!wildcardMatch('a.c', 'abc'));
    assert.ok(wildcardMatch('(a)+[b]', '(a)+[b]'));
    // ? is one code point.
    assert.ok(wildcardMatch('x?y', 'x😀y'));
  });

  it('stays fast on patterns built to backtrack', () => {
    const pattern = `${'*a'.repeat(200)}b`;
    const value = 'a'.repeat(3000);
    assert.equal(wildcardMatch(pattern, value), false);
  });
});

describe('policy document', () => {
  it('parses the shapes of the reference: strings or arrays, NotAction, conditions', () => {
    const parsed = parsePolicyDocument(
      JSON.stringify({
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['vod:GetVideoPlayAuth', 'vod:CreateUploadVideo'],
            Resource: '*',
            Condition: { IpAddress: { 'acs:SourceIp': ['203.0.113.0/24', '198.51.100.7'] } },
          },
          { Effect: 'Deny', NotAction: 'vod:Get*', NotResource: ['acs:vod:*:*:video/x'] },
        ],
      }),
    );
    assert.equal(parsed.statements.length, 2);
    assert.deepEqual(parsed.statements[0]?.action, {
      negated: false,
      patterns: ['vod:GetVideoPlayAuth', 'vod:CreateUploadVideo'],
    });
    assert.deepEqual(parsed.statements[0]?.conditions, [
      { operator: 'IpAddress', key: 'acs:SourceIp', values: ['203.0.113.0/24', '198.51.100.7'] },
    ]);
    assert.deepEqual(parsed.statements[1]?.action, { negated: true, patterns: ['vod:Get*'] });
    assert.deepEqual(parsed.statements[1]?.resource, { negated: true, patterns: ['acs:vod:*:*:video/x'] });
  });

  it('names every problem with its path', () => {
    assert.match(problemsOf('{"Version": "1", "Statement": [}')[0]!, /^the document is not valid JSON/);
    assert.match(problemsOf('not json')[0]!, /not valid JSON/);
    assert.deepEqual(problemsOf('[]'), ['the document must be a JSON object']);
    assert.deepEqual(problemsOf(JSON.stringify({ Version: '2', Statement: [] })), [
      'Version must be "1"',
      'Statement must be a non-empty array of statements',
    ]);
    assert.deepEqual(problemsOf(doc({ Efect: 'Allow', Action: '*', Resource: '*' })), [
      'Statement[0] has an unknown element "Efect" (names are case-sensitive)',
      'Statement[0].Effect must be "Allow" or "Deny"',
    ]);
    assert.deepEqual(problemsOf(doc({ Effect: 'allow', Action: '*', Resource: '*' })), [
      'Statement[0].Effect must be "Allow" or "Deny"',
    ]);
    assert.deepEqual(problemsOf(doc({ Effect: 'Allow', Action: '*', NotAction: 'x:y', Resource: '*' })), [
      'Statement[0] needs exactly one of Action and NotAction',
    ]);
    assert.deepEqual(
      problemsOf(doc({ Effect: 'Allow', Action: ['vod:Get*', 'GetPlayInfo'], Resource: '*' })),
      ['Statement[0].Action[1] must be "*" or "<service>:<action>" such as "vod:GetPlayInfo"'],
    );
    assert.deepEqual(problemsOf(doc({ Effect: 'Allow', Action: '*' })), [
      'Statement[0] needs exactly one of Resource and NotResource',
    ]);
    assert.deepEqual(problemsOf(doc({ Effect: 'Allow', Action: '*', Resource: 'video/1' })), [
      'Statement[0].Resource must be "*" or an ARN starting with "acs:"',
    ]);
    assert.deepEqual(problemsOf(doc({ Effect: 'Allow', Action: [], Resource: '*' })), [
      'Statement[0].Action must have 1 to 1000 entries',
    ]);
    assert.deepEqual(
      problemsOf(
        doc({
          Effect: 'Allow',
          Action: '*',
          Resource: '*',
          Condition: {
            IpAddres: { 'acs:SourceIp': '1.2.3.4' },
            IpAddress: { 'acs:SourceIp': ['1.2.3.4', '10.0.0.0/33', '10.1'] },
            DateLessThan: { 'acs:CurrentTime': 'tomorrow' },
            Bool: { 'acs:SecureTransport': 'yes' },
            NumericLessThan: { 'x:n': 'five' },
          },
        }),
      ),
      [
        'Statement[0].Condition has an unknown operator "IpAddres" (operators are case-sensitive)',
        'Statement[0].Condition.IpAddress.acs:SourceIp[1]: "10.0.0.0/33" is not an IP address or CIDR block such as 192.168.0.0/16',
        'Statement[0].Condition.IpAddress.acs:SourceIp[2]: "10.1" is not an IP address or CIDR block such as 192.168.0.0/16',
        'Statement[0].Condition.DateLessThan.acs:CurrentTime: "tomorrow" is not an ISO 8601 time such as 2026-01-01T00:00:00Z',
        'Statement[0].Condition.Bool.acs:SecureTransport: "yes" must be "true" or "false"',
        'Statement[0].Condition.NumericLessThan.x:n: "five" is not a number',
      ],
    );
    assert.deepEqual(
      problemsOf(doc({ Effect: 'Allow', Action: '*', Resource: '*', Principal: { RAM: '*' } })),
      ["Statement[0].Principal is only allowed in a role's trust policy"],
    );
  });

  it('parses trust policies, which name a Principal and need no Resource', () => {
    const trust = parsePolicyDocument(
      JSON.stringify({
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: ['acs:ram::1:root'] } }],
      }),
      'trust',
    );
    assert.deepEqual(trust.statements[0]?.principal?.RAM, ['acs:ram::1:root']);
    assert.deepEqual(problemsOf(doc({ Effect: 'Allow', Action: 'sts:AssumeRole' }), 'trust'), [
      'Statement[0].Principal must be an object such as {"RAM": ["acs:ram::<account>:root"]}',
    ]);
    assert.deepEqual(
      problemsOf(doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { User: 'x' } }), 'trust'),
      ['Statement[0].Principal has an unknown kind "User" (RAM, Service or Federated)'],
    );
  });

  it('ships the system policies as valid documents', () => {
    for (const name of ['AliyunVODFullAccess', 'AliyunVODReadOnlyAccess', 'AliyunSTSAssumeRoleAccess']) {
      const policy = SYSTEM_POLICIES.get(name);
      assert.ok(policy, name);
      assert.deepEqual(parsePolicyDocument(policy.text), policy.document);
    }
  });
});
