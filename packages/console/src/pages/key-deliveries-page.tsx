/**
 * The key-delivery audit log (ListKeyDeliveries, our extension): every content key the key
 * service handed out — when, for which video and rendition, to which client — filterable by
 * video, client IP and time.
 */
import { useState, type FormEvent } from 'react';
import type { KeyDeliveriesAnswer } from '../api/wire-types.js';
import { checkTimeRange, localInputToUtc } from '../forms/field-checks.js';
import { TextField } from '../ui/fields.js';
import { EmptyState, ErrorNotice, Loading, NotAvailable } from '../ui/notices.js';
import { useSession } from '../ui/session-context.js';
import { useLoad } from '../ui/use-load.js';
import { encryptionLabel, formatTime } from '../util/format.js';

const PAGE_SIZE = 50;

interface Filters {
  readonly videoId: string;
  readonly clientIp: string;
  readonly start: string;
  readonly end: string;
}

const EMPTY: Filters = { videoId: '', clientIp: '', start: '', end: '' };

export function KeyDeliveriesPage() {
  const { client } = useSession();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const [pageNo, setPageNo] = useState(1);
  const rangeError = checkTimeRange(draft.start, draft.end);

  const log = useLoad(
    (signal) =>
      client.request<KeyDeliveriesAnswer>(
        'ListKeyDeliveries',
        {
          VideoId: applied.videoId.trim() || undefined,
          ClientIp: applied.clientIp.trim() || undefined,
          StartTime: localInputToUtc(applied.start),
          EndTime: localInputToUtc(applied.end),
          PageNo: pageNo,
          PageSize: PAGE_SIZE,
        },
        { signal },
      ),
    [client, applied, pageNo],
  );

  const apply = (event: FormEvent) => {
    event.preventDefault();
    if (rangeError) return;
    setApplied(draft);
    setPageNo(1);
  };

  const rows = log.data?.KeyDeliveryList?.KeyDelivery ?? [];
  const total = log.data?.Total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const filtered = Object.values(applied).some((v) => v.trim() !== '');
  return (
    <>
      <div className="page-header">
        <h1>Key-delivery log</h1>
        <button type="button" className="button-secondary" onClick={log.reload}>
          Refresh
        </button>
      </div>
      <p className="muted page-intro">
        Every content key the key service handed to a player. A video whose keys go to many addresses at once
        may be shared.
      </p>
      {log.unavailable ? (
        <NotAvailable feature="The key-delivery log" action="ListKeyDeliveries" />
      ) : (
        <section className="card" aria-labelledby="log-title">
          <h2 id="log-title" className="visually-hidden">
            Deliveries
          </h2>
          <form className="filters" onSubmit={apply} noValidate>
            <TextField
              label="VideoId"
              value={draft.videoId}
              onValue={(videoId) => setDraft({ ...draft, videoId })}
              spellCheck={false}
            />
            <TextField
              label="Client IP"
              value={draft.clientIp}
              onValue={(clientIp) => setDraft({ ...draft, clientIp })}
              spellCheck={false}
            />
            <TextField
              label="From"
              type="datetime-local"
              value={draft.start}
              onValue={(start) => setDraft({ ...draft, start })}
            />
            <TextField
              label="To"
              type="datetime-local"
              value={draft.end}
              onValue={(end) => setDraft({ ...draft, end })}
              error={rangeError}
            />
            <div className="button-row filter-actions">
              <button type="submit">Apply filters</button>
              <button
                type="button"
                className="button-secondary"
                onClick={() => {
                  setDraft(EMPTY);
                  setApplied(EMPTY);
                  setPageNo(1);
                }}
              >
                Clear
              </button>
            </div>
          </form>
          {log.error ? <ErrorNotice error={log.error} onRetry={log.reload} /> : null}
          {log.loading && !log.data ? <Loading label="Loading the log…" /> : null}
          {log.data && rows.length === 0 ? (
            <EmptyState
              title={filtered ? 'No deliveries match these filters.' : 'No keys have been delivered yet.'}
            >
              <p>
                {filtered
                  ? 'Widen the time range or clear the filters.'
                  : 'Keys are logged when a player plays an encrypted video.'}
              </p>
            </EmptyState>
          ) : null}
          {rows.length > 0 ? (
            <>
              <p className="muted small" aria-live="polite">
                {total} deliver{total === 1 ? 'y' : 'ies'}
                {filtered ? ' match' : ''}.
              </p>
              <table className="data-table">
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Video</th>
                    <th scope="col">Rendition / period</th>
                    <th scope="col">Encryption</th>
                    <th scope="col">Client</th>
                    <th scope="col">Credential</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((d, index) => (
                    <tr key={`${d.DeliveredAt}-${index}`}>
                      <td data-label="Time">{formatTime(d.DeliveredAt, { seconds: true })}</td>
                      <td data-label="Video">
                        <code className="wrap">{d.VideoId}</code>
                      </td>
                      <td data-label="Rendition / period">
                        <code className="wrap">{d.StreamId ?? '—'}</code>
                        {d.Period !== undefined ? <span className="muted"> · period {d.Period}</span> : null}
                      </td>
                      <td data-label="Encryption">{encryptionLabel(d.EncryptType)}</td>
                      <td data-label="Client">
                        {d.ClientIp ?? '—'}
                        {d.ViewerId ? <div className="muted small">viewer {d.ViewerId}</div> : null}
                        {d.UserAgent ? <div className="muted small wrap">{d.UserAgent}</div> : null}
                      </td>
                      <td data-label="Credential">{d.Credential ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {pages > 1 ? (
                <nav className="pager" aria-label="Pages">
                  <button
                    type="button"
                    className="button-secondary"
                    disabled={pageNo <= 1}
                    onClick={() => setPageNo(pageNo - 1)}
                  >
                    Previous
                  </button>
                  <span>
                    Page {pageNo} of {pages}
                  </span>
                  <button
                    type="button"
                    className="button-secondary"
                    disabled={pageNo >= pages}
                    onClick={() => setPageNo(pageNo + 1)}
                  >
                    Next
                  </button>
                </nav>
              ) : null}
            </>
          ) : null}
        </section>
      )}
    </>
  );
}
