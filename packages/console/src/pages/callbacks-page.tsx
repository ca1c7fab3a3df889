/**
 * HTTP callbacks (reference §2.15, §3): where events go, which events, and whether they are
 * signed (AuthKey); a test event; and recent deliveries with their failures.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { fieldProblemOf } from '../api/error-messages.js';
import { isActionUnavailable } from '../api/vod-client.js';
import type { CallbackDeliveriesAnswer, MessageCallbackAnswer } from '../api/wire-types.js';
import { CALLBACK_EVENT_TYPES, checkCallbackAuthKey, checkCallbackUrl } from '../forms/field-checks.js';
import { CheckboxField, SecretField, TextField } from '../ui/fields.js';
import { EmptyState, ErrorNotice, Loading, NotAvailable, Notice } from '../ui/notices.js';
import { useSession } from '../ui/session-context.js';
import { useLoad } from '../ui/use-load.js';
import { formatTime } from '../util/format.js';

const EVENT_DESCRIPTIONS: Readonly<Record<string, string>> = {
  FileUploadComplete: 'A source file finished uploading',
  StreamTranscodeComplete: 'One rendition finished transcoding',
  TranscodeComplete: 'All renditions of a video finished (or failed)',
};

export function CallbacksPage() {
  const [sent, setSent] = useState(0);
  return (
    <>
      <div className="page-header">
        <h1>Callbacks</h1>
      </div>
      <p className="muted page-intro">
        securevod POSTs a JSON event to your backend when uploads and transcodes finish. Deliveries that fail
        are retried three times.
      </p>
      <CallbackSettings onTestSent={() => setSent((n) => n + 1)} />
      <Deliveries generation={sent} />
    </>
  );
}

function CallbackSettings(props: { readonly onTestSent: () => void }) {
  const { client } = useSession();
  const current = useLoad(
    (signal) => client.request<MessageCallbackAnswer>('GetMessageCallback', {}, { signal }),
    [client],
  );
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<ReadonlySet<string>>(new Set(CALLBACK_EVENT_TYPES));
  const [signing, setSigning] = useState(false);
  const [authKey, setAuthKey] = useState('');
  const [revealed, setRevealed] = useState(false);
  const [submitted, setSubmitted] = useState(false);
  const [touched, setTouched] = useState({ url: false, key: false });
  const [apiErrors, setApiErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [configured, setConfigured] = useState(false);

  useEffect(() => {
    const config = current.data?.MessageCallback;
    if (!config) return;
    setUrl(config.CallbackURL ?? '');
    if (config.CallbackURL) {
      setConfigured(true);
      setEvents(new Set((config.EventTypeList ?? '').split(',').filter(Boolean)));
    }
    setSigning(config.AuthSwitch === 'on');
    setAuthKey(config.AuthKey ?? '');
  }, [current.data]);

  const urlError = apiErrors.CallbackURL || (submitted || touched.url ? checkCallbackUrl(url) : null);
  const keyError =
    apiErrors.AuthKey || (submitted || touched.key ? checkCallbackAuthKey(authKey, signing) : null);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    setNotice(undefined);
    setError(undefined);
    if (checkCallbackUrl(url)) return document.getElementById('callback-url')?.focus();
    if (checkCallbackAuthKey(authKey, signing)) return document.getElementById('callback-auth-key')?.focus();
    setBusy(true);
    try {
      await client.request('SetMessageCallback', {
        CallbackType: 'HTTP',
        CallbackURL: url.trim(),
        EventTypeList: [...events].join(','),
        AuthSwitch: signing ? 'on' : 'off',
        ...(authKey ? { AuthKey: authKey } : {}),
      });
      setConfigured(true);
      setApiErrors({});
      setNotice(
        events.size === 0
          ? 'Saved. No events are selected, so only test events are sent.'
          : `Saved. ${events.size} event type${events.size === 1 ? '' : 's'} go to ${url.trim()}.`,
      );
    } catch (failure) {
      const problem = fieldProblemOf(failure);
      if (problem) setApiErrors({ [problem.parameter]: problem.reason });
      setError(failure);
    }
    setBusy(false);
  };

  const sendTest = async () => {
    setNotice(undefined);
    setError(undefined);
    try {
      const answer = await client.request<{ CallbackURL?: string }>('SendTestCallback');
      setNotice(`A test event is on its way to ${answer.CallbackURL ?? url}. Its delivery appears below.`);
      props.onTestSent();
    } catch (failure) {
      setError(failure);
    }
  };

  if (current.error && !current.data) return <ErrorNotice error={current.error} onRetry={current.reload} />;
  if (!current.data) return <Loading />;
  return (
    <section className="card" aria-labelledby="callback-title">
      <h2 id="callback-title">Callback settings</h2>
      <form onSubmit={(e) => void save(e)} noValidate>
        <TextField
          id="callback-url"
          label="Callback URL"
          type="url"
          inputMode="url"
          value={url}
          onValue={(value) => {
            setUrl(value);
            setApiErrors((e) => ({ ...e, CallbackURL: '' }));
          }}
          onBlur={() => setTouched((t) => ({ ...t, url: true }))}
          error={urlError || undefined}
          placeholder="https://backend.example.com/vod-events"
          spellCheck={false}
          autoCapitalize="off"
        />
        <fieldset className="checkbox-group">
          <legend>Events</legend>
          {CALLBACK_EVENT_TYPES.map((type) => (
            <CheckboxField
              key={type}
              name="events"
              label={
                <>
                  <code>{type}</code> — {EVENT_DESCRIPTIONS[type]}
                </>
              }
              checked={events.has(type)}
              onChecked={(checked) =>
                setEvents((current) => {
                  const next = new Set(current);
                  if (checked) next.add(type);
                  else next.delete(type);
                  return next;
                })
              }
            />
          ))}
        </fieldset>
        <CheckboxField
          label="Sign events (X-VOD-SIGNATURE with an auth key)"
          checked={signing}
          onChecked={setSigning}
          hint="Your backend can then check that an event really came from this server."
        />
        {signing || authKey ? (
          <SecretField
            id="callback-auth-key"
            label="Auth key"
            value={authKey}
            onValue={(value) => {
              setAuthKey(value);
              setApiErrors((e) => ({ ...e, AuthKey: '' }));
            }}
            onBlur={() => setTouched((t) => ({ ...t, key: true }))}
            error={keyError || undefined}
            revealed={revealed}
            onRevealed={setRevealed}
            autoComplete="off"
            hint="Up to 32 letters and digits, with an uppercase letter, a lowercase letter and a digit."
          />
        ) : null}
        <div className="button-row">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save callback settings'}
          </button>
          <button
            type="button"
            className="button-secondary"
            onClick={() => void sendTest()}
            disabled={!configured}
          >
            Send test event
          </button>
        </div>
      </form>
      {notice ? <Notice tone="ok">{notice}</Notice> : null}
      {error ? (
        isActionUnavailable(error) ? (
          <NotAvailable feature="Test events" action="SendTestCallback" />
        ) : (
          <ErrorNotice error={error} title="Nothing was changed." />
        )
      ) : null}
    </section>
  );
}

function Deliveries(props: { readonly generation: number }) {
  const { client } = useSession();
  const deliveries = useLoad(
    async (signal) =>
      (await client.request<CallbackDeliveriesAnswer>('ListCallbackDeliveries', { PageSize: 20 }, { signal }))
        .CallbackDeliveries?.CallbackDelivery ?? [],
    [client, props.generation],
  );
  const reload = deliveries.reload;
  const pending = deliveries.data?.some((d) => d.Status === 'pending') ?? false;
  useEffect(() => {
    if (!pending) return;
    const timer = window.setInterval(reload, 2000);
    return () => window.clearInterval(timer);
  }, [pending, reload]);

  return (
    <section className="card" aria-labelledby="deliveries-title">
      <div className="section-header">
        <h2 id="deliveries-title">Recent deliveries</h2>
        <button type="button" className="button-secondary button-small" onClick={reload}>
          Refresh
        </button>
      </div>
      {deliveries.unavailable ? (
        <NotAvailable feature="The delivery log" action="ListCallbackDeliveries" />
      ) : deliveries.error && !deliveries.data ? (
        <ErrorNotice error={deliveries.error} onRetry={reload} />
      ) : !deliveries.data ? (
        <Loading />
      ) : deliveries.data.length === 0 ? (
        <EmptyState title="No events sent yet.">
          <p>Save a callback URL and send a test event to check that your backend receives it.</p>
        </EmptyState>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Queued</th>
              <th scope="col">Video / URL</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data.map((d, index) => (
              <tr key={`${d.CreationTime ?? ''}-${index}`} data-delivery-status={d.Status}>
                <td data-label="Event">
                  <code>{d.EventType}</code>
                </td>
                <td data-label="Status">
                  <span
                    className={`badge ${d.Status === 'success' ? 'badge-ok' : d.Status === 'fail' ? 'badge-bad' : 'badge-busy'}`}
                  >
                    {d.Status === 'success' ? 'Delivered' : d.Status === 'fail' ? 'Failed' : 'Pending'}
                  </span>
                  {d.LastError ? <p className="field-error small">{d.LastError}</p> : null}
                </td>
                <td data-label="Attempts">{d.Attempts ?? '—'}</td>
                <td data-label="Queued">{formatTime(d.CreationTime, { seconds: true })}</td>
                <td data-label="Video / URL">
                  {d.VideoId ? <code>{d.VideoId}</code> : null}
                  <div className="muted small wrap">{d.CallbackURL}</div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
