import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestContext } from '../../src/access/policy-conditions.js';
import { parsePolicyValue } from '../../src/access/policy-document.js';
import {
  evaluatePolicies,
  evaluateSession,
  trustAllows,
  type AccessRequest,
} from '../../src/access/policy-evaluator.js';
import { SYSTEM_POLICIES } from '../../src/access/system-policies.js';

const ACCOUNT = '1234567890123456';
const context = requestContext({
  sourceIp: '203.0.113.9',
  currentTime: new Date('2026-06-01T12:00:00Z'),
  secureTransport: false,
});
const request = (action: string, resource = `acs:vod:*:${ACCOUNT}:*`, ctx = context): AccessRequest => ({
  action,
  resource,
  context: ctx,
});
const policy = (...statements: Record<string, unknown>[]) =>
  parsePolicyValue({ Version: '1', Statement: statements });
const allow = (action: unknown, extra: Record<string, unknown> = {}) =>
  policy({ Effect: 'Allow', Action: action, Resource: '*', ...extra });

describe('policy evaluation', () => {
  it('denies by default and allows what a statement allows', () => {
    assert.equal(evaluatePolicies([], request('vod:GetPlayInfo')), 'ImplicitDeny');
    const play = allow('vod:GetVideoPlayAuth');
    assert.equal(evaluatePolicies([play], request('vod:GetVideoPlayAuth')), 'Allow');
    assert.equal(evaluatePolicies([play], request('vod:CreateUploadVideo')), 'ImplicitDeny');
    assert.equal(evaluatePolicies([play], request('ram:CreateUser')), 'ImplicitDeny');
    // Action names are matched case-insensitively.
    assert.equal(evaluatePolicies([play], request('VOD:getvideoplayauth')), 'Allow');
  });

  it('lets an explicit Deny beat any Allow, in any policy', () => {
    const full = SYSTEM_POLICIES.get('AliyunVODFullAccess')!.document;
    const noDelete = policy({ Effect: 'Deny', Action: 'vod:DeleteVideo', Resource: '*' });
    assert.equal(evaluatePolicies([full, noDelete], request('vod:DeleteVideo')), 'ExplicitDeny');
    assert.equal(evaluatePolicies([noDelete, full], request('vod:DeleteVideo')), 'ExplicitDeny');
    assert.equal(evaluatePolicies([full, noDelete], request('vod:GetVideoInfo')), 'Allow');
  });

  it('narrows by video ARN, case-sensitively', () => {
    const one = policy({
      Effect: 'Allow',
      Action: 'vod:GetVideoPlayAuth',
      Resource: `acs:vod:*:${ACCOUNT}:video/abc123`,
    });
    assert.equal(
      evaluatePolicies([one], request('vod:GetVideoPlayAuth', `acs:vod:*:${ACCOUNT}:video/abc123`)),
      'Allow',
    );
    assert.equal(
      evaluatePolicies([one], request('vod:GetVideoPlayAuth', `acs:vod:*:${ACCOUNT}:video/ABC123`)),
      'ImplicitDeny',
    );
    assert.equal(
      evaluatePolicies([one], request('vod:GetVideoPlayAuth', `acs:vod:*:${ACCOUNT}:video/abc1234`)),
      'ImplicitDeny',
    );
    // A request for no particular video is not covered by a video ARN.
    assert.equal(evaluatePolicies([one], request('vod:GetVideoPlayAuth')), 'ImplicitDeny');
  });

  it('treats NotAction with Allow as everything except the list, not as a Deny', () => {
    const allButDelete = policy({ Effect: 'Allow', NotAction: 'vod:Delete*', Resource: '*' });
    assert.equal(evaluatePolicies([allButDelete], request('vod:GetPlayInfo')), 'Allow');
    assert.equal(evaluatePolicies([allButDelete], request('vod:DeleteVideo')), 'ImplicitDeny');
    const deleteOk = allow('vod:DeleteVideo');
    assert.equal(evaluatePolicies([allButDelete, deleteOk], request('vod:DeleteVideo')), 'Allow');
  });

  it('honours acs:SourceIp, acs:CurrentTime and acs:SecureTransport', () => {
    const fromOffice = allow('vod:*', { Condition: { IpAddress: { 'acs:SourceIp': ['203.0.113.0/24'] } } });
    assert.equal(evaluatePolicies([fromOffice], request('vod:GetPlayInfo')), 'Allow');
    const elsewhere = requestContext({
      sourceIp: '198.51.100.1',
      currentTime: new Date(),
      secureTransport: false,
    });
    assert.equal(
      evaluatePolicies([fromOffice], request('vod:GetPlayInfo', undefined, elsewhere)),
      'ImplicitDeny',
    );
    // A v4 client seen on a dual-stack socket.
    const mapped = requestContext({
      sourceIp: '::ffff:203.0.113.200',
      currentTime: new Date(),
      secureTransport: false,
    });
    assert.equal(evaluatePolicies([fromOffice], request('vod:GetPlayInfo', undefined, mapped)), 'Allow');

    const notOffice = policy(
      { Effect: 'Allow', Action: 'vod:*', Resource: '*' },
      {
        Effect: 'Deny',
        Action: 'vod:*',
        Resource: '*',
        Condition: { NotIpAddress: { 'acs:SourceIp': '203.0.113.0/24' } },
      },
    );
    assert.equal(evaluatePolicies([notOffice], request('vod:GetPlayInfo')), 'Allow');
    assert.equal(
      evaluatePolicies([notOffice], request('vod:GetPlayInfo', undefined, elsewhere)),
      'ExplicitDeny',
    );

    const beforeJuly = allow('vod:*', {
      Condition: { DateLessThan: { 'acs:CurrentTime': '2026-07-01T00:00:00+08:00' } },
    });
    assert.equal(evaluatePolicies([beforeJuly], request('vod:GetPlayInfo')), 'Allow');
    const afterJuly = requestContext({
      sourceIp: '203.0.113.9',
      currentTime: new Date('2026-07-02T00:00:00Z'),
      secureTransport: false,
    });
    assert.equal(
      evaluatePolicies([beforeJuly], request('vod:GetPlayInfo', undefined, afterJuly)),
      'ImplicitDeny',
    );

    const httpsOnly = allow('vod:*', { Condition: { Bool: { 'acs:SecureTransport': 'true' } } });
    assert.equal(evaluatePolicies([httpsOnly], request('vod:GetPlayInfo')), 'ImplicitDeny');
  });

  it('ANDs keys and operators, ORs values, and never matches a key the request lacks', () => {
    const both = allow('vod:*', {
      Condition: {
        IpAddress: { 'acs:SourceIp': ['10.0.0.0/8', '203.0.113.9'] },
        Bool: { 'acs:SecureTransport': 'false' },
      },
    });
    assert.equal(evaluatePolicies([both], request('vod:GetPlayInfo')), 'Allow');
    const unknownKey = allow('vod:*', { Condition: { StringEquals: { 'acs:ResourceTag/env': 'prod' } } });
    assert.equal(evaluatePolicies([unknownKey], request('vod:GetPlayInfo')), 'ImplicitDeny');
    const unknownNegated = allow('vod:*', {
      Condition: { StringNotEquals: { 'acs:ResourceTag/env': 'prod' } },
    });
    assert.equal(evaluatePolicies([unknownNegated], request('vod:GetPlayInfo')), 'ImplicitDeny');
    // Condition keys are case-insensitive.
    const upper = allow('vod:*', { Condition: { IpAddress: { 'ACS:SOURCEIP': '203.0.113.9' } } });
    assert.equal(evaluatePolicies([upper], request('vod:GetPlayInfo')), 'Allow');
  });

  it('gives a session the intersection of the role and the session policy', () => {
    const role = [SYSTEM_POLICIES.get('AliyunVODFullAccess')!.document];
    const session = allow(['vod:GetVideoPlayAuth', 'ram:ListUsers']);
    assert.equal(evaluateSession(role, session, request('vod:GetVideoPlayAuth')), 'Allow');
    assert.equal(evaluateSession(role, session, request('vod:DeleteVideo')), 'ImplicitDeny');
    assert.equal(evaluateSession(role, session, request('ram:ListUsers')), 'ImplicitDeny');
    assert.equal(evaluateSession(role, undefined, request('vod:DeleteVideo')), 'Allow');
    const roleDeny = [...role, policy({ Effect: 'Deny', Action: 'vod:DeleteVideo', Resource: '*' })];
    assert.equal(evaluateSession(roleDeny, session, request('vod:DeleteVideo')), 'ExplicitDeny');
  });

  it('checks trust policies against the caller and its account', () => {
    const trust = parsePolicyValue(
      {
        Version: '1',
        Statement: [
          { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACCOUNT}:root`] } },
        ],
      },
      'trust',
    );
    assert.ok(trustAllows(trust, [`acs:ram::${ACCOUNT}:user/alice`, `acs:ram::${ACCOUNT}:root`], context));
    assert.ok(!trustAllows(trust, ['acs:ram::999:user/alice', 'acs:ram::999:root'], context));
    const onlyBob = parsePolicyValue(
      {
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: 'sts:*', Principal: { RAM: `acs:ram::${ACCOUNT}:user/bob` } }],
      },
      'trust',
    );
    assert.ok(!trustAllows(onlyBob, [`acs:ram::${ACCOUNT}:user/alice`, `acs:ram::${ACCOUNT}:root`], context));
    assert.ok(trustAllows(onlyBob, [`acs:ram::${ACCOUNT}:user/bob`, `acs:ram::${ACCOUNT}:root`], context));
  });
});
