/** Status messages: errors that say what to do, empty states, and "not on this server". */
import type { ReactNode } from 'react';
import { describeError } from '../api/error-messages.js';
import { ApiRequestError } from '../api/vod-client.js';

export function Notice(props: {
  readonly tone: 'info' | 'ok' | 'warn' | 'error';
  readonly children: ReactNode;
  readonly title?: string;
}) {
  return (
    <div className={`notice notice-${props.tone}`} role={props.tone === 'error' ? 'alert' : 'status'}>
      {props.title ? <strong className="notice-title">{props.title}</strong> : null}
      <div>{props.children}</div>
    </div>
  );
}

export function ErrorNotice(props: {
  readonly error: unknown;
  readonly onRetry?: () => void;
  readonly title?: string;
}) {
  const requestId = props.error instanceof ApiRequestError ? props.error.details.requestId : undefined;
  return (
    <Notice tone="error" title={props.title}>
      <p>{describeError(props.error)}</p>
      {requestId ? <p className="muted small">Request ID: {requestId}</p> : null}
      {props.onRetry ? (
        <button type="button" className="button-secondary" onClick={props.onRetry}>
          Try again
        </button>
      ) : null}
    </Notice>
  );
}

/** Shown in place of a feature whose action the server answers with InvalidApi.NotFound. */
export function NotAvailable(props: { readonly feature: string; readonly action: string }) {
  return (
    <div className="not-available" role="status" data-testid="not-available">
      <strong>{props.feature} is not available on this server.</strong>
      <p>
        The server does not implement <code>{props.action}</code> yet. Update securevod to use this page;
        everything else in the console keeps working.
      </p>
    </div>
  );
}

export function EmptyState(props: { readonly title: string; readonly children?: ReactNode }) {
  return (
    <div className="empty-state">
      <strong>{props.title}</strong>
      {props.children ? <div>{props.children}</div> : null}
    </div>
  );
}

export function Loading(props: { readonly label?: string }) {
  return (
    <p className="loading" role="status">
      {props.label ?? 'Loading…'}
    </p>
  );
}
