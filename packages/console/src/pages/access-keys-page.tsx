/**
 * AccessKeys (our API extension): list, create (the secret is shown once), enable and disable.
 * The key this console is signed in with cannot be disabled from here (the server refuses too).
 */
import { useState, type FormEvent } from 'react';
import type { AccessKeysAnswer, CreateAccessKeyAnswer, WireAccessKey } from '../api/wire-types.js';
import { checkAccessKeyDescription } from '../forms/field-checks.js';
import { useConfirm } from '../ui/confirm-dialog.js';
import { CreatedKey } from '../ui/created-key.js';
import { TextField } from '../ui/fields.js';
import { KeyStatusBadge, ThisSessionBadge } from '../ui/key-status.js';
import { LoadedList } from '../ui/loaded-list.js';
import { NotAvailable } from '../ui/notices.js';
import { useSession } from '../ui/session-context.js';
import { useLoad } from '../ui/use-load.js';
import { useOutcome } from '../ui/use-outcome.js';
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
  const outcome = useOutcome();
  const [busy, setBusy] = useState(false);
  const [confirm, confirmElement] = useConfirm();

  const create = async (event: FormEvent) => {
    event.preventDefault();
    if (checkAccessKeyDescription(description)) return;
    setBusy(true);
    await outcome.run(async () => {
      const answer = await client.request<CreateAccessKeyAnswer>('CreateAccessKey', {
        Description: description.trim() || undefined,
      });
      setCreated({ id: answer.AccessKey.AccessKeyId, secret: answer.AccessKey.AccessKeySecret });
      setDescription('');
      keys.reload();
      return undefined;
    });
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
    await outcome.run(async () => {
      await client.request('UpdateAccessKey', { UserAccessKeyId: key.AccessKeyId, Status: status });
      keys.reload();
      return `${key.AccessKeyId} is now ${status === 'Active' ? 'enabled' : 'disabled'}.`;
    });
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
              <CreatedKey
                key={created.id}
                id={created.id}
                secret={created.secret}
                onDone={() => setCreated(undefined)}
              />
            ) : null}
          </section>
          {outcome.element}
          <section className="card" aria-labelledby="keys-title">
            <h2 id="keys-title">Keys</h2>
            <LoadedList list={keys} empty="No access keys.">
              {(rows) => (
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
                    {rows.map((key) => (
                      <tr key={key.AccessKeyId} data-access-key={key.AccessKeyId}>
                        <td data-label="AccessKey ID">
                          <code>{key.AccessKeyId}</code>{' '}
                          {key.IsRoot ? <span className="badge badge-idle">Root</span> : null}
                          <ThisSessionBadge accessKeyId={key.AccessKeyId} signedInAs={signedInAs} />
                        </td>
                        <td data-label="Description">
                          {key.Description || <span className="muted">—</span>}
                        </td>
                        <td data-label="Status">
                          <KeyStatusBadge status={key.Status} />
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
            </LoadedList>
          </section>
        </>
      )}
    </>
  );
}
