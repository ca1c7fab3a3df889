/** The rows of a RAM list action, which wraps every list twice (`Users.User`, `Policies.Policy`). */
import { RAM_VERSION } from '../api/vod-client.js';
import { useSession } from './session-context.js';
import { useLoad, type Loaded } from './use-load.js';

export function useRamList<T>(
  action: string,
  params: Readonly<Record<string, string>>,
  [outer, inner]: readonly [string, string],
): Loaded<T[]> {
  const { client } = useSession();
  return useLoad(
    async (signal) => {
      const answer = await client.request<Record<string, Record<string, T[]>>>(action, params, {
        signal,
        version: RAM_VERSION,
      });
      return answer[outer]?.[inner] ?? [];
    },
    [client, action, ...Object.values(params)],
  );
}
