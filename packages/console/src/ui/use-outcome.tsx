/**
 * What the last action on a page came to: the notice it returned when it worked, the error when
 * it failed. `run` clears the previous outcome first and says whether the action worked.
 */
import { useCallback, useState, type ReactNode } from 'react';
import { ErrorNotice, Notice } from './notices.js';

export interface Outcome {
  run(work: () => Promise<string | undefined>): Promise<boolean>;
  /** The notice or error of the last action, for the page to place. */
  readonly element: ReactNode;
}

export function useOutcome(): Outcome {
  const [notice, setNotice] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const run = useCallback(async (work: () => Promise<string | undefined>) => {
    setError(undefined);
    try {
      setNotice(await work());
      return true;
    } catch (failure) {
      setNotice(undefined);
      setError(failure);
      return false;
    }
  }, []);
  const element = (
    <>
      {notice ? <Notice tone="ok">{notice}</Notice> : null}
      {error ? <ErrorNotice error={error} /> : null}
    </>
  );
  return { run, element };
}
