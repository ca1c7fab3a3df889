/**
 * One RAM user: its AccessKeys (at most 2; the secret is shown once; enable, disable, delete)
 * and its policies (attach a system or custom policy, detach). Deleting the user needs both
 * lists empty, as the API requires.
 */
import { useState, type FormEvent } from 'react';
import type { WirePolicy, WireRamUser, WireUserKey } from '../api/ram-types.js';
import { RAM_VERSION } from '../api/vod-client.js';
import { navigate } from '../router.js';
import { useConfirm } from '../ui/confirm-dialog.js';
import { CreatedKey } from '../ui/created-key.js';
import { SelectField } from '../ui/fields.js';
import { EmptyState, ErrorNotice, Loading, Notice } from '../ui/notices.js';
import { useSession } from '../ui/session-context.js';
import { useLoad } from '../ui/use-load.js';
import { formatTime } from '../util/format.js';

const MAX_KEYS = 2;

export function UserPage(props: { readonly userName: string }) {
  const { client, accessKeyId: signedInAs } = useSession();
  const { userName } = props;
  const ram = { version: RAM_VERSION };
  const user = useLoad(
    async (signal) =>
      (await client.request<{ User: WireRamUser }>('GetUser', { UserName: userName }, { signal, ...ram }))
        .User,
    [client, userName],
  );
  const keys = useLoad(
    async (signal) =>
      (
        await client.request<{ AccessKeys: { AccessKey: WireUserKey[] } }>(
          'ListAccessKeys',
          { UserName: userName },
          { signal, ...ram },
        )
      ).AccessKeys.AccessKey,
    [client, userName],
  );
  const attached = useLoad(
    async (signal) =>
      (
        await client.request<{ Policies: { Policy: WirePolicy[] } }>(
          'ListPoliciesForUser',
          { UserName: userName },
          { signal, ...ram },
        )
      ).Policies.Policy,
    [client, userName],
  );
  const all = useLoad(
    async (signal) =>
      (await client.request<{ Policies: { Policy: WirePolicy[] } }>('ListPolicies', {}, { signal, ...ram }))
        .Policies.Policy,
    [client],
  );
  const [created, setCreated] = useState<{ id: string; secret: string } | undefined>();
  const [choice, setChoice] = useState('');
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string | undefined>();
  const [confirm, confirmElement] = useConfirm();

  const run = async (work: () => Promise<unknown>, done: string, reload: () => void) => {
    setError(undefined);
    try {
      await work();
      setNotice(done);
      reload();
    } catch (failure) {
      setNotice(undefined);
      setError(failure);
    }
  };

  const createKey = async () => {
    setError(undefined);
    try {
      const answer = await client.request<{ AccessKey: { AccessKeyId: string; AccessKeySecret: string } }>(
        'CreateAccessKey',
        { UserName: userName },
        ram,
      );
      setCreated({ id: answer.AccessKey.AccessKeyId, secret: answer.AccessKey.AccessKeySecret });
      keys.reload();
    } catch (failure) {
      setError(failure);
    }
  };

  const setStatus = async (key: WireUserKey, status: 'Active' | 'Inactive') =>
    run(
      () =>
        client.request(
          'UpdateAccessKey',
          { UserName: userName, UserAccessKeyId: key.AccessKeyId, Status: status },
          ram,
        ),
      `${key.AccessKeyId} is now ${status === 'Active' ? 'enabled' : 'disabled'}.`,
      keys.reload,
    );

  const deleteKey = async (key: WireUserKey) => {
    const confirmed = await confirm({
      title: `Delete ${key.AccessKeyId}?`,
      body: <p>Every backend using this key stops working at once. This cannot be undone.</p>,
      confirmLabel: 'Delete key',
      danger: true,
    });
    if (confirmed) {
      await run(
        () =>
          client.request('DeleteAccessKey', { UserName: userName, UserAccessKeyId: key.AccessKeyId }, ram),
        `${key.AccessKeyId} deleted.`,
        keys.reload,
      );
    }
  };

  const attach = async (event: FormEvent) => {
    event.preventDefault();
    const [type, name] = choice.split(':');
    if (!type || !name) return;
    await run(
      () =>
        client.request('AttachPolicyToUser', { UserName: userName, PolicyType: type, PolicyName: name }, ram),
      `${name} attached.`,
      attached.reload,
    );
    setChoice('');
  };

  const detach = async (policy: WirePolicy) =>
    run(
      () =>
        client.request(
          'DetachPolicyFromUser',
          { UserName: userName, PolicyType: policy.PolicyType, PolicyName: policy.PolicyName },
          ram,
        ),
      `${policy.PolicyName} detached.`,
      attached.reload,
    );

  const deleteUser = async () => {
    const confirmed = await confirm({
      title: `Delete user ${userName}?`,
      body: <p>Delete its AccessKeys and detach its policies first.</p>,
      confirmLabel: 'Delete user',
      danger: true,
    });
    if (!confirmed) return;
    setError(undefined);
    try {
      await client.request('DeleteUser', { UserName: userName }, ram);
      navigate({ page: 'users' });
    } catch (failure) {
      setError(failure);
    }
  };

  const attachedNames = new Set((attached.data ?? []).map((p) => `${p.PolicyType}:${p.PolicyName}`));
  const options = (all.data ?? [])
    .filter((p) => !attachedNames.has(`${p.PolicyType}:${p.PolicyName}`))
    .map((p) => [`${p.PolicyType}:${p.PolicyName}`, `${p.PolicyName} (${p.PolicyType})`] as const);

  return (
    <>
      <div className="page-header">
        <h1>User {userName}</h1>
        <button type="button" className="button-secondary" onClick={() => void deleteUser()}>
          Delete user
        </button>
      </div>
      {confirmElement}
      {user.error && !user.data ? <ErrorNotice error={user.error} onRetry={user.reload} /> : null}
      {user.data ? (
        <p className="muted page-intro">
          User ID <code>{user.data.UserId}</code>
          {user.data.DisplayName ? ` · ${user.data.DisplayName}` : ''} · created{' '}
          {formatTime(user.data.CreateDate)}
        </p>
      ) : null}
      {notice ? <Notice tone="ok">{notice}</Notice> : null}
      {error ? <ErrorNotice error={error} /> : null}

      <section className="card" aria-labelledby="user-keys-title">
        <h2 id="user-keys-title">AccessKeys</h2>
        {created ? (
          <CreatedKey id={created.id} secret={created.secret} onDone={() => setCreated(undefined)} />
        ) : null}
        {keys.error && !keys.data ? (
          <ErrorNotice error={keys.error} onRetry={keys.reload} />
        ) : !keys.data ? (
          <Loading />
        ) : (
          <>
            {keys.data.length === 0 ? <EmptyState title="No AccessKeys." /> : null}
            {keys.data.length > 0 ? (
              <table className="data-table">
                <thead>
                  <tr>
                    <th scope="col">AccessKey ID</th>
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
                        <code>{key.AccessKeyId}</code>
                        {key.AccessKeyId === signedInAs ? (
                          <span className="badge badge-busy">This session</span>
                        ) : null}
                      </td>
                      <td data-label="Status">
                        <span className={`badge ${key.Status === 'Active' ? 'badge-ok' : 'badge-bad'}`}>
                          {key.Status === 'Active' ? 'Enabled' : 'Disabled'}
                        </span>
                      </td>
                      <td data-label="Created">{formatTime(key.CreateDate)}</td>
                      <td className="actions">
                        {key.AccessKeyId === signedInAs ? null : (
                          <>
                            <button
                              type="button"
                              className="button-secondary button-small"
                              onClick={() =>
                                void setStatus(key, key.Status === 'Active' ? 'Inactive' : 'Active')
                              }
                              aria-label={`${key.Status === 'Active' ? 'Disable' : 'Enable'} ${key.AccessKeyId}`}
                            >
                              {key.Status === 'Active' ? 'Disable' : 'Enable'}
                            </button>{' '}
                            <button
                              type="button"
                              className="button-secondary button-small"
                              onClick={() => void deleteKey(key)}
                              aria-label={`Delete ${key.AccessKeyId}`}
                            >
                              Delete
                            </button>
                          </>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
            <p className="muted small">
              {keys.data.length >= MAX_KEYS
                ? `A user has at most ${MAX_KEYS} AccessKeys: delete one to create another (that is how keys are rotated).`
                : null}
            </p>
            <button type="button" onClick={() => void createKey()} disabled={keys.data.length >= MAX_KEYS}>
              Create AccessKey
            </button>
          </>
        )}
      </section>

      <section className="card" aria-labelledby="user-policies-title">
        <h2 id="user-policies-title">Policies</h2>
        {attached.error && !attached.data ? (
          <ErrorNotice error={attached.error} onRetry={attached.reload} />
        ) : !attached.data ? (
          <Loading />
        ) : attached.data.length === 0 ? (
          <EmptyState title="No policies: this user can call nothing." />
        ) : (
          <ul className="plain-list">
            {attached.data.map((policy) => (
              <li key={`${policy.PolicyType}:${policy.PolicyName}`} data-attached-policy={policy.PolicyName}>
                <code>{policy.PolicyName}</code> <span className="muted">({policy.PolicyType})</span>{' '}
                <button
                  type="button"
                  className="button-secondary button-small"
                  onClick={() => void detach(policy)}
                  aria-label={`Detach ${policy.PolicyName}`}
                >
                  Detach
                </button>
              </li>
            ))}
          </ul>
        )}
        <form className="inline-form" onSubmit={(e) => void attach(e)}>
          <SelectField
            id="attach-policy"
            label="Attach a policy"
            value={choice}
            onValue={setChoice}
            options={[['', 'Choose a policy…'], ...options]}
          />
          <button type="submit" disabled={choice === ''}>
            Attach
          </button>
        </form>
      </section>
    </>
  );
}
