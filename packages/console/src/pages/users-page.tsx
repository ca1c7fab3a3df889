/**
 * RAM users: list, create and delete. Each user's page (user-page.tsx) holds its AccessKeys and
 * policies. A new user can do nothing until a policy is attached.
 */
import { useState, type FormEvent } from 'react';
import type { WireRamUser } from '../api/ram-types.js';
import { RAM_VERSION } from '../api/vod-client.js';
import { TextField } from '../ui/fields.js';
import { Link } from '../ui/link.js';
import { EmptyState, ErrorNotice, Loading, NotAvailable, Notice } from '../ui/notices.js';
import { useSession } from '../ui/session-context.js';
import { useLoad } from '../ui/use-load.js';
import { formatTime } from '../util/format.js';

export function checkUserName(name: string): string | undefined {
  if (name.trim() === '') return 'Enter a user name.';
  if (name.length > 64) return 'Use at most 64 characters.';
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return 'Use letters, digits, ".", "_" and "-".';
  return undefined;
}

export function UsersPage() {
  const { client } = useSession();
  const users = useLoad(
    async (signal) =>
      (
        await client.request<{ Users: { User: WireRamUser[] } }>(
          'ListUsers',
          {},
          { signal, version: RAM_VERSION },
        )
      ).Users.User,
    [client],
  );
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [attempted, setAttempted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string | undefined>();

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setAttempted(true);
    if (checkUserName(name)) return;
    setBusy(true);
    setError(undefined);
    try {
      await client.request(
        'CreateUser',
        { UserName: name, DisplayName: displayName.trim() || undefined },
        { version: RAM_VERSION },
      );
      setNotice(`User ${name} created. Open it to attach policies and create an AccessKey.`);
      setName('');
      setDisplayName('');
      setAttempted(false);
      users.reload();
    } catch (failure) {
      setNotice(undefined);
      setError(failure);
    }
    setBusy(false);
  };

  return (
    <>
      <div className="page-header">
        <h1>Users</h1>
      </div>
      <p className="muted page-intro">
        Give every backend and person its own user, with only the policies it needs. The account's root key
        can do everything; keep it for emergencies.
      </p>
      {users.unavailable ? (
        <NotAvailable feature="Users" action="ListUsers" />
      ) : (
        <>
          <section className="card" aria-labelledby="create-user-title">
            <h2 id="create-user-title">Create a user</h2>
            <form className="inline-form" onSubmit={(e) => void create(e)} noValidate>
              <TextField
                id="user-name"
                label="User name"
                value={name}
                onValue={setName}
                error={attempted ? checkUserName(name) : undefined}
                placeholder="e.g. player-backend"
                maxLength={64}
              />
              <TextField
                id="user-display-name"
                label="Display name (optional)"
                value={displayName}
                onValue={setDisplayName}
                maxLength={128}
              />
              <button type="submit" disabled={busy}>
                {busy ? 'Creating…' : 'Create user'}
              </button>
            </form>
          </section>
          {notice ? <Notice tone="ok">{notice}</Notice> : null}
          {error ? <ErrorNotice error={error} /> : null}
          <section className="card" aria-labelledby="users-title">
            <h2 id="users-title">Users</h2>
            {users.error && !users.data ? (
              <ErrorNotice error={users.error} onRetry={users.reload} />
            ) : !users.data ? (
              <Loading />
            ) : users.data.length === 0 ? (
              <EmptyState title="No users yet." />
            ) : (
              <table className="data-table">
                <thead>
                  <tr>
                    <th scope="col">User name</th>
                    <th scope="col">Display name</th>
                    <th scope="col">User ID</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {users.data.map((user) => (
                    <tr key={user.UserId} data-user={user.UserName}>
                      <td data-label="User name">
                        <Link route={{ page: 'user', userName: user.UserName }}>{user.UserName}</Link>
                      </td>
                      <td data-label="Display name">
                        {user.DisplayName || <span className="muted">—</span>}
                      </td>
                      <td data-label="User ID">
                        <code>{user.UserId}</code>
                      </td>
                      <td data-label="Created">{formatTime(user.CreateDate)}</td>
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
