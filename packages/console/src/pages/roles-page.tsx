/**
 * RAM roles: create one with a trust policy (who may assume it), attach policies, delete. STS
 * AssumeRole then hands out temporary credentials with the role's rights (the console can sign in
 * with them).
 */
import { useState, type FormEvent } from 'react';
import type { CallerIdentity, WirePolicy, WireRole } from '../api/ram-types.js';
import { RAM_VERSION, STS_VERSION } from '../api/vod-client.js';
import { useConfirm } from '../ui/confirm-dialog.js';
import { AttachedPolicies } from '../ui/attached-policies.js';
import { TextField } from '../ui/fields.js';
import { LoadedList } from '../ui/loaded-list.js';
import { NotAvailable } from '../ui/notices.js';
import { PolicyEditor, policyProblems } from '../ui/policy-editor.js';
import { useSession } from '../ui/session-context.js';
import { useLoad } from '../ui/use-load.js';
import { useOutcome } from '../ui/use-outcome.js';
import { useRamList } from '../ui/use-ram-list.js';

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
  const roles = useRamList<WireRole>('ListRoles', {}, ['Roles', 'Role']);
  const policies = useRamList<WirePolicy>('ListPolicies', {}, ['Policies', 'Policy']);
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
  const outcome = useOutcome();
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
    const created = await outcome.run(async () => {
      await client.request('CreateRole', { RoleName: name, AssumeRolePolicyDocument: trustText }, ram);
      return `Role ${name} created. Attach the policies its sessions may use.`;
    });
    if (created) {
      setName('');
      setTrust(undefined);
      setAttempted(false);
      roles.reload();
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
    await outcome.run(async () => {
      await client.request('DeleteRole', { RoleName: role.RoleName }, ram);
      if (selected === role.RoleName) setSelected(undefined);
      roles.reload();
      return `Role ${role.RoleName} deleted.`;
    });
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
          {outcome.element}
          <section className="card" aria-labelledby="roles-title">
            <h2 id="roles-title">Roles</h2>
            <LoadedList list={roles} empty="No roles yet.">
              {(rows) => (
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
                    {rows.map((role) => (
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
                            onClick={() =>
                              setSelected(selected === role.RoleName ? undefined : role.RoleName)
                            }
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
            </LoadedList>
          </section>
          {selected ? <RolePolicies roleName={selected} all={policies.data ?? []} /> : null}
        </>
      )}
    </>
  );
}

function RolePolicies(props: { readonly roleName: string; readonly all: readonly WirePolicy[] }) {
  const { client } = useSession();
  const { roleName } = props;
  const attached = useRamList<WirePolicy>('ListPoliciesForRole', { RoleName: roleName }, [
    'Policies',
    'Policy',
  ]);
  const outcome = useOutcome();
  const change = (action: 'AttachPolicyToRole' | 'DetachPolicyFromRole', type: string, name: string) =>
    outcome.run(async () => {
      await client.request(
        action,
        { RoleName: roleName, PolicyType: type, PolicyName: name },
        { version: RAM_VERSION },
      );
      attached.reload();
      return undefined;
    });
  return (
    <AttachedPolicies
      title={`Policies of ${roleName}`}
      titleId="role-policies-title"
      selectId="attach-role-policy"
      attached={attached}
      all={props.all}
      empty="No policies: sessions of this role can call nothing."
      onAttach={(type, name) => change('AttachPolicyToRole', type, name)}
      onDetach={(policy) => change('DetachPolicyFromRole', policy.PolicyType, policy.PolicyName)}
    >
      {outcome.element}
    </AttachedPolicies>
  );
}
