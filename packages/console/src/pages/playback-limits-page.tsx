/**
 * Playback limits (DESIGN §9; docs/api.md "Concurrent-stream limits"): how many screens one
 * viewer may watch on at once, what happens to one screen too many, and how long a silent player
 * keeps its screen. One form over SetCustomerConfig / GetCustomerConfig (our extension
 * parameters). Values are checked here with the server's ranges; a value the server still refuses
 * is shown on its field.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { fieldProblemOf } from '../api/error-messages.js';
import type { CustomerConfigAnswer } from '../api/wire-types.js';
import { checkWholeNumber } from '../forms/field-checks.js';
import { SelectField, TextField } from '../ui/fields.js';
import { ErrorNotice, Loading, NotAvailable, Notice } from '../ui/notices.js';
import { useSession } from '../ui/session-context.js';
import { useLoad } from '../ui/use-load.js';

interface Draft {
  readonly max: string;
  readonly policy: string;
  readonly interval: string;
  readonly grace: string;
}

/** Form field → the API parameter it sets, and its range. */
const FIELDS = {
  max: { parameter: 'MaxConcurrentStreams', min: 0, max: 100 },
  interval: { parameter: 'StreamLeaseInterval', min: 1, max: 3600 },
  grace: { parameter: 'StreamLeaseGrace', min: 0, max: 3600 },
} as const;

export function PlaybackLimitsPage() {
  return (
    <>
      <div className="page-header">
        <h1>Playback limits</h1>
      </div>
      <p className="muted page-intro">
        Limit how many screens one viewer can watch on at the same time. Your backend names the viewer with
        ViewerId (or Trace) when it asks for a PlayAuth or play info; requests without one are not limited.
      </p>
      <ConcurrencySettings />
    </>
  );
}

function ConcurrencySettings() {
  const { client } = useSession();
  const config = useLoad(
    (signal) => client.request<CustomerConfigAnswer>('GetCustomerConfig', {}, { signal }),
    [client],
  );
  const [draft, setDraft] = useState<Draft | undefined>();
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [apiErrors, setApiErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    const c = config.data;
    if (!c || draft) return;
    setDraft({
      max: String(c.MaxConcurrentStreams ?? 0),
      policy: c.ConcurrentStreamsPolicy ?? 'RefuseNew',
      interval: String(c.StreamLeaseInterval ?? 60),
      grace: String(c.StreamLeaseGrace ?? 60),
    });
  }, [config.data, draft]);

  if (config.unavailable) return <NotAvailable feature="Playback limits" action="GetCustomerConfig" />;
  if (config.error && !config.data) return <ErrorNotice error={config.error} onRetry={config.reload} />;
  if (!draft) return <Loading />;

  const problems = {
    max: checkWholeNumber(draft.max, FIELDS.max.min, FIELDS.max.max),
    interval: checkWholeNumber(draft.interval, FIELDS.interval.min, FIELDS.interval.max),
    grace: checkWholeNumber(draft.grace, FIELDS.grace.min, FIELDS.grace.max),
  };
  const off = draft.max.trim() === '0';
  const errorOf = (field: keyof typeof FIELDS) =>
    (touched[field] ? problems[field] : null) ?? apiErrors[FIELDS[field].parameter] ?? null;
  const edit = (field: keyof Draft) => (value: string) => {
    setDraft({ ...draft, [field]: value });
    setNotice(undefined);
    setApiErrors({});
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setTouched({ max: true, interval: true, grace: true });
    if (problems.max || problems.interval || problems.grace) return;
    setBusy(true);
    setNotice(undefined);
    setError(undefined);
    try {
      await client.request('SetCustomerConfig', {
        MaxConcurrentStreams: draft.max.trim(),
        ConcurrentStreamsPolicy: draft.policy,
        StreamLeaseInterval: draft.interval.trim(),
        StreamLeaseGrace: draft.grace.trim(),
      });
      setNotice(
        off
          ? 'Concurrent-stream limits are off.'
          : `Saved: at most ${draft.max.trim()} screen${draft.max.trim() === '1' ? '' : 's'} per viewer; ${
              draft.policy === 'EndOldest'
                ? 'a new screen ends the viewer’s oldest one.'
                : 'a screen too many is refused.'
            }`,
      );
      config.reload();
    } catch (failure) {
      const problem = fieldProblemOf(failure);
      if (problem) setApiErrors({ [problem.parameter]: problem.reason });
      else setError(failure);
    }
    setBusy(false);
  };

  return (
    <section className="card" aria-labelledby="concurrency-title">
      <h2 id="concurrency-title">Concurrent streams</h2>
      <form onSubmit={(e) => void save(e)} className="inline-form" noValidate>
        <TextField
          id="max-concurrent-streams"
          label="Screens per viewer"
          inputMode="numeric"
          value={draft.max}
          onValue={edit('max')}
          onBlur={() => setTouched({ ...touched, max: true })}
          hint="0 turns the limit off. A per-request MaxConcurrentStreams can only lower it."
          error={errorOf('max')}
        />
        <SelectField
          id="concurrent-streams-policy"
          label="One screen too many"
          value={draft.policy}
          onValue={edit('policy')}
          options={[
            ['RefuseNew', 'Refuse the new screen'],
            ['EndOldest', 'End the viewer’s oldest screen'],
          ]}
          disabled={off}
        />
        <TextField
          id="stream-lease-interval"
          label="Heartbeat interval (s)"
          inputMode="numeric"
          value={draft.interval}
          onValue={edit('interval')}
          onBlur={() => setTouched({ ...touched, interval: true })}
          hint="How often a live player checks in (the SDK refreshes within this, even when paused)."
          error={errorOf('interval')}
          disabled={off}
        />
        <TextField
          id="stream-lease-grace"
          label="Grace (s)"
          inputMode="numeric"
          value={draft.grace}
          onValue={edit('grace')}
          onBlur={() => setTouched({ ...touched, grace: true })}
          hint="How long past the interval a silent player keeps its screen."
          error={errorOf('grace')}
          disabled={off}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save playback limits'}
        </button>
        {notice ? <Notice tone="ok">{notice}</Notice> : null}
        {error ? <ErrorNotice error={error} /> : null}
      </form>
    </section>
  );
}
