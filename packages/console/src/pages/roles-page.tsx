/**
 * RAM roles: create one with a trust policy (who may assume it), attach policies, delete. STS
 * AssumeRole then hands out temporary credentials with the role's rights (the console can sign in
 * with them).
 */
import { useState, type FormEvent } from 'react';
import type { CallerIdentity, WirePolicy, WireRole } from '../api/ram-types.js';
import { RAM_VERSION, STS_VERSION } from '../api/vod-client.js';
import { useConfirm } from '../ui/confirm-dialog.js';
import { SelectField, TextField } from '../ui/fields.js';
import { EmptyState, ErrorNotice, Loading, NotAvailable, Notice } from '../ui/notices.js';
import { PolicyEditor, policyProblems } from '../ui/policy-editor.js';
import { useSession } from '../ui/session-context.js';
import { useLoad } from '../ui/use-load.js';

function trustTemplate(accountId: string): string {
  return JSON.stringify(
    {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${accountId}:root`] } },
      ],
    },
    null,
    2,
  );
}

export function RolesPage() {
  const { client } = useSession();
  const ram = { version: RAM_VERSION };
  const roles = useLoad(
    async (signal) =>
      (await client.request<{ Roles: { Role: WireRole[] } }>('ListRoles', {}, { signal, ...ram })).Roles.Role,
    [client],
  );
  const policies = useLoad(
    async (signal) =>
      (await client.request<{ Policies: { Policy: WirePolicy[] } }>('ListPolicies', {}, { signal, ...ram }))
        .Policies.Policy,
    [client],
  );
  const account = useLoad(
    async (signal) =>
      (await client.request<CallerIdentity>('GetCallerIdentity', {}, { signal, version: STS_VERSION }))
        .AccountId,
    [client],
  );
  const [name, setName] = useState('');
  const [trust, setTrust] = useState<string | undefined>();
  const [attempted, setAttempted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string | undefined>();
  const [selected, setSelected] = useState<string | undefined>();
  const [confirm, confirmElement] = useConfirm();
  const trustText = trust ?? trustTemplate(account.data ?? '<account>');
  const nameProblem =
    name.trim() === ''
      ? 'Enter a role name.'
      : /^[A-Za-z0-9.-]{1,64}$/.test(name)
        ? undefined
        : 'Use 1 to 64 letters, digits, "." and "-".';

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setAttempted(true);
    if (nameProblem || policyProblems(trustText, 'trust').length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      await client.request('CreateRole', { RoleName: name, AssumeRolePolicyDocument: trustText }, ram);
      setNotice(`Role ${name} created. Attach the policies its sessions may use.`);
      setName('');
      setTrust(undefined);
      setAttempted(false);
      roles.reload();
    } catch (failure) {
      setNotice(undefined);
      setError(failure);
    }
    setBusy(false);
  };

  const remove = async (role: WireRole) => {
    const confirmed = await confirm({
      title: `Delete role ${role.RoleName}?`,
      body: <p>Detach its policies first. Live sessions of the role lose every right at once.</p>,
      confirmLabel: 'Delete role',
      danger: true,
    });
    if (!confirmed) return;
    setError(undefined);
    try {
      await client.request('DeleteRole', { RoleName: role.RoleName }, ram);
      setNotice(`Role ${role.RoleName} deleted.`);
      if (selected === role.RoleName) setSelected(undefined);
      roles.reload();
    } catch (failure) {
      setNotice(undefined);
      setError(failure);
    }
  };

  return (
    <>
      <div className="page-header">
        <h1>Roles</h1>
      </div>
      <p className="muted page-intro">
        A role is assumed through STS <code>AssumeRole</code> by the users its trust policy names; the
        temporary credentials carry the role's policies, narrowed by the session policy given when assuming
        it.
      </p>
      {confirmElement}
      {roles.unavailable ? (
        <NotAvailable feature="Roles" action="ListRoles" />
      ) : (
        <>
          <section className="card" aria-labelledby="create-role-title">
            <h2 id="create-role-title">Create a role</h2>
            <form onSubmit={(e) => void create(e)} noValidate>
              <TextField
                id="role-name"
                label="Role name"
                value={name}
                onValue={setName}
                error={attempted ? nameProblem : undefined}
                placeholder="e.g. uploader"
                maxLength={64}
              />
              <PolicyEditor
                label="Trust policy (who may assume the role)"
                kind="trust"
                value={trustText}
                onValue={setTrust}
                showProblems={attempted || trust !== undefined}
              />
              <button type="submit" disabled={busy}>
                {busy ? 'Creating…' : 'Create role'}
              </button>
            </form>
          </section>
          {notice ? <Notice tone="ok">{notice}</Notice> : null}
          {error ? <ErrorNotice error={error} /> : null}
          <section className="card" aria-labelledby="roles-title">
            <h2 id="roles-title">Roles</h2>
            {roles.error && !roles.data ? (
              <ErrorNotice error={roles.error} onRetry={roles.reload} />
            ) : !roles.data ? (
              <Loading />
            ) : roles.data.length === 0 ? (
              <EmptyState title="No roles yet." />
            ) : (
              <table className="data-table">
                <thead>
                  <tr>
                    <th scope="col">Role</th>
                    <th scope="col">ARN</th>
                    <th scope="col">Max session</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {roles.data.map((role) => (
                    <tr key={role.RoleId} data-role={role.RoleName}>
                      <td data-label="Role">{role.RoleName}</td>
                      <td data-label="ARN">
                        <code>{role.Arn}</code>
                      </td>
                      <td data-label="Max session">{role.MaxSessionDuration / 3600} h</td>
                      <td className="actions">
                        <button
                          type="button"
                          className="button-secondary button-small"
                          onClick={() => setSelected(selected === role.RoleName ? undefined : role.RoleName)}
                          aria-label={`Policies of ${role.RoleName}`}
                        >
                          Policies
                        </button>{' '}
                        <button
                          type="button"
                          className="button-secondary button-small"
                          onClick={() => void remove(role)}
                          aria-label={`Delete ${role.RoleName}`}
                        >
                          Delete
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          {selected ? <RolePolicies roleName={selected} all={policies.data ?? []} /> : null}
        </>
      )}
    </>
  );
}

function RolePolicies(props: { readonly roleName: string; readonly all: readonly WirePolicy[] }) {
  const { client } = useSession();
  const ram = { version: RAM_VERSION };
  const attached = useLoad(
    async (signal) =>
      (
        await client.request<{ Policies: { Policy: WirePolicy[] } }>(
          'ListPoliciesForRole',
          { RoleName: props.roleName },
          { signal, ...ram },
        )
      ).Policies.Policy,
    [client, props.roleName],
  );
  const [choice, setChoice] = useState('');
  const [error, setError] = useState<unknown>();
  const change = async (
    action: 'AttachPolicyToRole' | 'DetachPolicyFromRole',
    type: string,
    name: string,
  ) => {
    setError(undefined);
    try {
      await client.request(action, { RoleName: props.roleName, PolicyType: type, PolicyName: name }, ram);
      attached.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  const held = new Set((attached.data ?? []).map((p) => `${p.PolicyType}:${p.PolicyName}`));
  return (
    <section className="card" aria-labelledby="role-policies-title">
      <h2 id="role-policies-title">Policies of {props.roleName}</h2>
      {error ? <ErrorNotice error={error} /> : null}
      {!attached.data ? (
        <Loading />
      ) : attached.data.length === 0 ? (
        <EmptyState title="No policies: sessions of this role can call nothing." />
      ) : (
        <ul className="plain-list">
          {attached.data.map((p) => (
            <li key={`${p.PolicyType}:${p.PolicyName}`}>
              <code>{p.PolicyName}</code> <span className="muted">({p.PolicyType})</span>{' '}
              <button
                type="button"
                className="button-secondary button-small"
                onClick={() => void change('DetachPolicyFromRole', p.PolicyType, p.PolicyName)}
              >
                Detach
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          const [type, name] = choice.split(':');
          if (type && name) void change('AttachPolicyToRole', type, name).then(() => setChoice(''));
        }}
      >
        <SelectField
          id="attach-role-policy"
          label="Attach a policy"
          value={choice}
          onValue={setChoice}
          options={[
            ['', 'Choose a policy…'],
            ...props.all
              .filter((p) => !held.has(`${p.PolicyType}:${p.PolicyName}`))
              .map((p) => [`${p.PolicyType}:${p.PolicyName}`, `${p.PolicyName} (${p.PolicyType})`] as const),
          ]}
        />
        <button type="submit" disabled={choice === ''}>
          Attach
        </button>
      </form>
    </section>
  );
}
