/** The embedded defaults of the shared-state contracts: one process, so "nodes" share a hub. */
import { InMemoryReplayCache } from '../../src/rpc/replay-cache.js';
import { InProcessInvalidationBus } from '../../src/shared/invalidation-bus.js';
import { InProcessCounters } from '../../src/shared/shared-counters.js';
import {
  invalidationBusContract,
  replayCacheContract,
  sharedCountersContract,
} from '../contracts/shared-state-contract.js';

replayCacheContract('in process', async () => {
  const cache = new InMemoryReplayCache();
  // One process: every "node" is the same cache; closing it is left to destroy.
  return {
    node: async () => Object.assign(Object.create(cache) as InMemoryReplayCache, { close: async () => {} }),
    destroy: () => cache.close(),
  };
});

invalidationBusContract('in process', async () => {
  const hub = new Set<InProcessInvalidationBus>();
  return { node: async () => new InProcessInvalidationBus(hub), destroy: async () => {} };
});

sharedCountersContract('in process', async () => {
  const counters = new InProcessCounters();
  return {
    node: async () => Object.assign(Object.create(counters) as InProcessCounters, { close: async () => {} }),
    destroy: () => counters.close(),
  };
});
