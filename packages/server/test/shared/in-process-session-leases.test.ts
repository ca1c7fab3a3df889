/** The embedded default of the session-lease contract: one process, so "nodes" share one store. */
import { InProcessSessionLeases } from '../../src/shared/session-leases.js';
import { sessionLeasesContract } from '../contracts/session-leases-contract.js';

sessionLeasesContract('in process', async () => {
  const leases = new InProcessSessionLeases();
  return {
    node: async () =>
      Object.assign(Object.create(leases) as InProcessSessionLeases, { close: async () => {} }),
    destroy: () => leases.close(),
  };
});
