/**
 * Loading state for one API read: `data` once it arrives, `error` when it failed (kept apart
 * from `unavailable`, the server not offering the action), and `reload()`. A reload keeps the
 * previous data visible until the new answer replaces it; answers to superseded loads are dropped.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { isActionUnavailable } from '../api/vod-client.js';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly unavailable: boolean;
  readonly loading: boolean;
  reload(): void;
}

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
    return () => controller.abort();
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return {
    data: state.data,
    error: state.error,
    unavailable: isActionUnavailable(state.error),
    loading: state.loading,
    reload,
  };
}
