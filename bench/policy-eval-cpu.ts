/**
 * CPU cost of one policy evaluation (issue 11): `node --import tsx bench/policy-eval-cpu.ts`.
 * A standalone measurement, not part of `npm run bench` (the key service takes tokens and is
 * never policy-evaluated; this is the per-request cost RAM users add to RPC calls).
 */
import { requestContext } from '../packages/server/src/access/policy-conditions.js';
import { parsePolicyValue } from '../packages/server/src/access/policy-document.js';
import { evaluateSession } from '../packages/server/src/access/policy-evaluator.js';
import { SYSTEM_POLICIES } from '../packages/server/src/access/system-policies.js';
const identity = [
  SYSTEM_POLICIES.get('AliyunVODReadOnlyAccess')!.document,
  parsePolicyValue({
    Version: '1',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['vod:GetVideoPlayAuth', 'vod:GetPlayInfo'],
        Resource: '*',
        Condition: { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8', '127.0.0.0/8'] } },
      },
      { Effect: 'Deny', Action: 'vod:Delete*', Resource: '*' },
    ],
  }),
];
const n = 200_000;
const t0 = process.cpuUsage();
for (let i = 0; i < n; i++) {
  const context = requestContext({ sourceIp: '127.0.0.1', currentTime: new Date(), secureTransport: false });
  evaluateSession(identity, undefined, {
    action: 'vod:GetVideoPlayAuth',
    resource: `acs:vod:*:1234567890123456:video/v${i % 50}`,
    context,
  });
}
const t = process.cpuUsage(t0);
console.log(`${((t.user + t.system) / n).toFixed(2)} µs CPU per evaluation (${n} evaluations)`);
