/**
 * AccessKeys (our API extension): list, create (the secret is shown once), enable and disable.
 * The key this console is signed in with cannot be disabled from here (the server refuses too).
 */
import { useState, type FormEvent } from 'react';
import type { AccessKeysAnswer, CreateAccessKeyAnswer, WireAccessKey } from '../api/wire-types.js';
import { checkAccessKeyDescription } from '../forms/field-checks.js';
import { useConfirm } from '../ui/confirm-dialog.js';
import { TextField } from '../ui/fields.js';
import { EmptyState, ErrorNotice, Loading, NotAvailable, Notice } from '../ui/notices.js';
import { useSession } from '../ui/session-context.js';
import { useLoad } from '../ui/use-load.js';
import { formatTime } from '../util/format.js';

export function AccessKeysPage() {
  const { client, accessKeyId: signedInAs } = useSession();
  const keys = useLoad(
    async (signal) =>
      (await client.request<AccessKeysAnswer>('ListAccessKeys', {}, { signal })).AccessKeys?.AccessKey ?? [],
    [client],
  );
  const [description, setDescription] = useState('');
  const [created, setCreated] = useState<{ id: string; secret: string } | undefined>();
  const [copied, setCopied] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [confirm, confirmElement] = useConfirm();

  const create = async (event: FormEvent) => {
    event.preventDefault();
    if (checkAccessKeyDescription(description)) return;
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const answer = await client.request<CreateAccessKeyAnswer>('CreateAccessKey', {
        Description: description.trim() || undefined,
      });
      setCreated({ id: answer.AccessKey.AccessKeyId, secret: answer.AccessKey.AccessKeySecret });
      setCopied(false);
      setDescription('');
      keys.reload();
    } catch (failure) {
      setError(failure);
    }
    setBusy(false);
  };

  const setStatus = async (key: WireAccessKey, status: 'Active' | 'Inactive') => {
    if (status === 'Inactive') {
      const confirmed = await confirm({
        title: `Disable ${key.AccessKeyId}?`,
        body: <p>Every request signed with this key is refused until you enable it again.</p>,
        confirmLabel: 'Disable key',
        danger: true,
      });
      if (!confirmed) return;
    }
    setError(undefined);
    try {
      await client.request('UpdateAccessKey', { UserAccessKeyId: key.AccessKeyId, Status: status });
      setNotice(`${key.AccessKeyId} is now ${status === 'Active' ? 'enabled' : 'disabled'}.`);
      keys.reload();
    } catch (failure) {
      setNotice(undefined);
      setError(failure);
    }
  };

  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.secret);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };

  return (
    <>
      <div className="page-header">
        <h1>Access keys</h1>
      </div>
      <p className="muted page-intro">
        Backends sign API calls with an AccessKey pair. Give each backend its own key, so you can disable one
        without touching the others.
      </p>
      {confirmElement}
      {keys.unavailable ? (
        <NotAvailable feature="Access key management" action="ListAccessKeys" />
      ) : (
        <>
          <section className="card" aria-labelledby="create-key-title">
            <h2 id="create-key-title">Create an access key</h2>
            <form className="inline-form" onSubmit={(e) => void create(e)} noValidate>
              <TextField
                id="access-key-description"
                label="Description (optional)"
                value={description}
                onValue={setDescription}
                error={checkAccessKeyDescription(description)}
                placeholder="e.g. course-site backend"
                maxLength={128}
              />
              <button type="submit" disabled={busy}>
                {busy ? 'Creating…' : 'Create key'}
              </button>
            </form>
            {created ? (
              <Notice tone="warn" title="Copy the secret now: it is shown only once.">
                <dl className="details">
                  <dt>AccessKey ID</dt>
                  <dd>
                    <code data-testid="created-key-id">{created.id}</code>
                  </dd>
                  <dt>AccessKey secret</dt>
                  <dd>
                    <code className="wrap" data-testid="created-key-secret">
                      {created.secret}
                    </code>
                  </dd>
                </dl>
                <div className="button-row">
                  <button type="button" onClick={() => void copy()}>
                    {copied ? 'Copied' : 'Copy secret'}
                  </button>
                  <button type="button" className="button-secondary" onClick={() => setCreated(undefined)}>
                    I have stored it
                  </button>
                </div>
              </Notice>
            ) : null}
          </section>
          {notice ? <Notice tone="ok">{notice}</Notice> : null}
          {error ? <ErrorNotice error={error} /> : null}
          <section className="card" aria-labelledby="keys-title">
            <h2 id="keys-title">Keys</h2>
            {keys.error && !keys.data ? (
              <ErrorNotice error={keys.error} onRetry={keys.reload} />
            ) : !keys.data ? (
              <Loading />
            ) : keys.data.length === 0 ? (
              <EmptyState title="No access keys." />
            ) : (
              <table className="data-table">
                <thead>
                  <tr>
                    <th scope="col">AccessKey ID</th>
                    <th scope="col">Description</th>
                    <th scope="col">Status</th>
                    <th scope="col">Created</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {keys.data.map((key) => (
                    <tr key={key.AccessKeyId} data-access-key={key.AccessKeyId}>
                      <td data-label="AccessKey ID">
                        <code>{key.AccessKeyId}</code>{' '}
                        {key.IsRoot ? <span className="badge badge-idle">Root</span> : null}
                        {key.AccessKeyId === signedInAs ? (
                          <span className="badge badge-busy">This session</span>
                        ) : null}
                      </td>
                      <td data-label="Description">{key.Description || <span className="muted">—</span>}</td>
                      <td data-label="Status">
                        <span className={`badge ${key.Status === 'Active' ? 'badge-ok' : 'badge-bad'}`}>
                          {key.Status === 'Active' ? 'Enabled' : 'Disabled'}
                        </span>
                      </td>
                      <td data-label="Created">{formatTime(key.CreateDate ?? key.CreateTime)}</td>
                      <td className="actions">
                        {key.AccessKeyId === signedInAs ? null : key.Status === 'Active' ? (
                          <button
                            type="button"
                            className="button-secondary button-small"
                            onClick={() => void setStatus(key, 'Inactive')}
                            aria-label={`Disable ${key.AccessKeyId}`}
                          >
                            Disable
                          </button>
                        ) : (
                          <button
                            type="button"
                            className="button-secondary button-small"
                            onClick={() => void setStatus(key, 'Active')}
                            aria-label={`Enable ${key.AccessKeyId}`}
                          >
                            Enable
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
    </>
  );
}
