/** A list read's states in one place: failed (with a retry), loading, empty, and the rows. */
import type { ReactNode } from 'react';
import { EmptyState, ErrorNotice, Loading } from './notices.js';
import type { Loaded } from './use-load.js';

export function LoadedList<T>(props: {
  readonly list: Loaded<readonly T[]>;
  readonly empty: string;
  readonly children: (rows: readonly T[]) => ReactNode;
}) {
  const { list } = props;
  if (list.error && !list.data) return <ErrorNotice error={list.error} onRetry={list.reload} />;
  if (!list.data) return <Loading />;
  if (list.data.length === 0) return <EmptyState title={props.empty} />;
  return <>{props.children(list.data)}</>;
}
