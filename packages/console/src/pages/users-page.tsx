/**
 * RAM users: list, create and delete. Each user's page (user-page.tsx) holds its AccessKeys and
 * policies. A new user can do nothing until a policy is attached.
 */
import { useState, type FormEvent } from 'react';
import type { WireRamUser } from '../api/ram-types.js';
import { RAM_VERSION } from '../api/vod-client.js';
import { TextField } from '../ui/fields.js';
import { Link } from '../ui/link.js';
import { LoadedList } from '../ui/loaded-list.js';
import { NotAvailable } from '../ui/notices.js';
import { useSession } from '../ui/session-context.js';
import { useOutcome } from '../ui/use-outcome.js';
import { useRamList } from '../ui/use-ram-list.js';
import { formatTime } from '../util/format.js';

export function checkUserName(name: string): string | undefined {
  if (name.trim() === '') return 'Enter a user name.';
  if (name.length > 64) return 'Use at most 64 characters.';
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return 'Use letters, digits, ".", "_" and "-".';
  return undefined;
}

export function UsersPage() {
  const { client } = useSession();
  const users = useRamList<WireRamUser>('ListUsers', {}, ['Users', 'User']);
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [attempted, setAttempted] = useState(false);
  const [busy, setBusy] = useState(false);
  const outcome = useOutcome();

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setAttempted(true);
    if (checkUserName(name)) return;
    setBusy(true);
    const created = await outcome.run(async () => {
      await client.request(
        'CreateUser',
        { UserName: name, DisplayName: displayName.trim() || undefined },
        { version: RAM_VERSION },
      );
      return `User ${name} created. Open it to attach policies and create an AccessKey.`;
    });
    if (created) {
      setName('');
      setDisplayName('');
      setAttempted(false);
      users.reload();
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
          {outcome.element}
          <section className="card" aria-labelledby="users-title">
            <h2 id="users-title">Users</h2>
            <LoadedList list={users} empty="No users yet.">
              {(rows) => (
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
                    {rows.map((user) => (
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
            </LoadedList>
          </section>
        </>
      )}
    </>
  );
}
