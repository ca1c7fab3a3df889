/**
 * The account's concurrent-stream setting on SetCustomerConfig / GetCustomerConfig (our
 * extension of the vendor's account settings; docs/api.md "Concurrent-stream limits"):
 *   - `MaxConcurrentStreams`     0–100 live sessions per viewer ID; 0 = off (the default);
 *   - `ConcurrentStreamsPolicy`  `RefuseNew` (default) or `EndOldest`;
 *   - `StreamLeaseInterval`      seconds, 1–3600 (default 60): a live player renews within this;
 *   - `StreamLeaseGrace`         seconds, 0–3600 (default 60): how long past the interval a silent
 *                                session keeps its slot.
 * It wraps the download settings' handlers of the same actions (download-settings-actions.ts),
 * so each setting keeps its own module: our parameters are checked before either writes, and
 * GetCustomerConfig answers both.
 */
import type { StreamLimitSettings, StreamLimitSettingsStore } from '../playback/stream-limits.js';
import {
  DEFAULT_STREAM_LIMIT_SETTINGS,
  LEASE_SECONDS_RANGE,
  MAX_CONCURRENT_STREAMS,
} from '../playback/stream-limits.js';
import type { ActionHandler, RpcRequest } from '../rpc/rpc-plugin.js';

export function withStreamLimitSettings(
  actions: Record<string, ActionHandler>,
  store: StreamLimitSettingsStore,
): Record<string, ActionHandler> {
  const { SetCustomerConfig: setInner, GetCustomerConfig: getInner } = actions;
  if (!setInner || !getInner) throw new Error('SetCustomerConfig and GetCustomerConfig must exist');
  return {
    ...actions,
    SetCustomerConfig: async (request) => {
      const next = readSettings(request, await store.get());
      const answer = await setInner(request);
      await store.set(next);
      return answer;
    },
    GetCustomerConfig: async (request) => ({
      ...(await getInner(request)),
      ...wireSettings(await store.get()),
    }),
  };
}

function readSettings({ params }: RpcRequest, current: StreamLimitSettings): StreamLimitSettings {
  return {
    maxConcurrentStreams:
      params.integer('MaxConcurrentStreams', { min: 0, max: MAX_CONCURRENT_STREAMS }) ??
      current.maxConcurrentStreams,
    policy: params.oneOf('ConcurrentStreamsPolicy', ['RefuseNew', 'EndOldest'] as const) ?? current.policy,
    leaseIntervalSeconds:
      params.integer('StreamLeaseInterval', LEASE_SECONDS_RANGE) ?? current.leaseIntervalSeconds,
    leaseGraceSeconds:
      params.integer('StreamLeaseGrace', { min: 0, max: LEASE_SECONDS_RANGE.max }) ??
      current.leaseGraceSeconds,
  };
}

function wireSettings(s: StreamLimitSettings = DEFAULT_STREAM_LIMIT_SETTINGS): Record<string, unknown> {
  return {
    MaxConcurrentStreams: s.maxConcurrentStreams,
    ConcurrentStreamsPolicy: s.policy,
    StreamLeaseInterval: s.leaseIntervalSeconds,
    StreamLeaseGrace: s.leaseGraceSeconds,
  };
}
