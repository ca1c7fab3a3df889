/**
 * One RAM user: its AccessKeys (at most 2; the secret is shown once; enable, disable, delete)
 * and its policies (attach a system or custom policy, detach). Deleting the user needs both
 * lists empty, as the API requires.
 */
import { useState } from 'react';
import type { WirePolicy, WireRamUser, WireUserKey } from '../api/ram-types.js';
import { RAM_VERSION } from '../api/vod-client.js';
import { navigate } from '../router.js';
import { useConfirm } from '../ui/confirm-dialog.js';
import { CreatedKey } from '../ui/created-key.js';
import { AttachedPolicies } from '../ui/attached-policies.js';
import { KeyStatusBadge, ThisSessionBadge } from '../ui/key-status.js';
import { LoadedList } from '../ui/loaded-list.js';
import { ErrorNotice } from '../ui/notices.js';
import { useSession } from '../ui/session-context.js';
import { useLoad } from '../ui/use-load.js';
import { useOutcome } from '../ui/use-outcome.js';
import { useRamList } from '../ui/use-ram-list.js';
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
  const keys = useRamList<WireUserKey>('ListAccessKeys', { UserName: userName }, ['AccessKeys', 'AccessKey']);
  const attached = useRamList<WirePolicy>('ListPoliciesForUser', { UserName: userName }, [
    'Policies',
    'Policy',
  ]);
  const all = useRamList<WirePolicy>('ListPolicies', {}, ['Policies', 'Policy']);
  const [created, setCreated] = useState<{ id: string; secret: string } | undefined>();
  const outcome = useOutcome();
  const [confirm, confirmElement] = useConfirm();

  const run = (work: () => Promise<unknown>, done: string, reload: () => void) =>
    outcome.run(async () => {
      await work();
      reload();
      return done;
    });

  const createKey = () =>
    outcome.run(async () => {
      const answer = await client.request<{ AccessKey: { AccessKeyId: string; AccessKeySecret: string } }>(
        'CreateAccessKey',
        { UserName: userName },
        ram,
      );
      setCreated({ id: answer.AccessKey.AccessKeyId, secret: answer.AccessKey.AccessKeySecret });
      keys.reload();
      return undefined;
    });

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

  const attach = (type: string, name: string) =>
    run(
      () =>
        client.request('AttachPolicyToUser', { UserName: userName, PolicyType: type, PolicyName: name }, ram),
      `${name} attached.`,
      attached.reload,
    );

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
    const deleted = await outcome.run(async () => {
      await client.request('DeleteUser', { UserName: userName }, ram);
      return undefined;
    });
    if (deleted) navigate({ page: 'users' });
  };

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
      {outcome.element}

      <section className="card" aria-labelledby="user-keys-title">
        <h2 id="user-keys-title">AccessKeys</h2>
        {created ? (
          <CreatedKey id={created.id} secret={created.secret} onDone={() => setCreated(undefined)} />
        ) : null}
        <LoadedList list={keys} empty="No AccessKeys.">
          {(rows) => (
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
                {rows.map((key) => (
                  <tr key={key.AccessKeyId} data-access-key={key.AccessKeyId}>
                    <td data-label="AccessKey ID">
                      <code>{key.AccessKeyId}</code>
                      <ThisSessionBadge accessKeyId={key.AccessKeyId} signedInAs={signedInAs} />
                    </td>
                    <td data-label="Status">
                      <KeyStatusBadge status={key.Status} />
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
          )}
        </LoadedList>
        {keys.data ? (
          <>
            <p className="muted small">
              {keys.data.length >= MAX_KEYS
                ? `A user has at most ${MAX_KEYS} AccessKeys: delete one to create another (that is how keys are rotated).`
                : null}
            </p>
            <button type="button" onClick={() => void createKey()} disabled={keys.data.length >= MAX_KEYS}>
              Create AccessKey
            </button>
          </>
        ) : null}
      </section>

      <AttachedPolicies
        title="Policies"
        titleId="user-policies-title"
        selectId="attach-policy"
        attached={attached}
        all={all.data ?? []}
        empty="No policies: this user can call nothing."
        onAttach={attach}
        onDetach={detach}
      />
    </>
  );
}
