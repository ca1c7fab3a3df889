/**
 * RAM policies: the system policies and custom ones; create a custom policy in a JSON editor that
 * checks the document as you type (the server's own rules), view a document, delete an unused one.
 */
import { useState, type FormEvent } from 'react';
import type { WirePolicy } from '../api/ram-types.js';
import { RAM_VERSION } from '../api/vod-client.js';
import { useConfirm } from '../ui/confirm-dialog.js';
import { TextField } from '../ui/fields.js';
import { LoadedList } from '../ui/loaded-list.js';
import { NotAvailable } from '../ui/notices.js';
import { PolicyEditor, policyProblems } from '../ui/policy-editor.js';
import { useSession } from '../ui/session-context.js';
import { useOutcome } from '../ui/use-outcome.js';
import { useRamList } from '../ui/use-ram-list.js';

export const POLICY_TEMPLATE = JSON.stringify(
  {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: ['vod:GetVideoPlayAuth'], Resource: '*' }],
  },
  null,
  2,
);

export function checkPolicyName(name: string): string | undefined {
  if (name.trim() === '') return 'Enter a name.';
  if (!/^[A-Za-z0-9-]{1,128}$/.test(name)) return 'Use 1 to 128 letters, digits and "-".';
  return undefined;
}

export function PoliciesPage() {
  const { client } = useSession();
  const policies = useRamList<WirePolicy>('ListPolicies', {}, ['Policies', 'Policy']);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [document, setDocument] = useState(POLICY_TEMPLATE);
  const [attempted, setAttempted] = useState(false);
  const [edited, setEdited] = useState(false);
  const [busy, setBusy] = useState(false);
  const outcome = useOutcome();
  const [shown, setShown] = useState<{ name: string; text: string } | undefined>();
  const [confirm, confirmElement] = useConfirm();

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setAttempted(true);
    if (checkPolicyName(name) || policyProblems(document).length > 0) return;
    setBusy(true);
    const created = await outcome.run(async () => {
      await client.request(
        'CreatePolicy',
        { PolicyName: name, PolicyDocument: document, Description: description.trim() || undefined },
        { version: RAM_VERSION },
      );
      return `Policy ${name} created. Attach it to users or roles.`;
    });
    if (created) {
      setName('');
      setDescription('');
      setDocument(POLICY_TEMPLATE);
      setAttempted(false);
      setEdited(false);
      policies.reload();
    }
    setBusy(false);
  };

  const view = (policy: WirePolicy) =>
    outcome.run(async () => {
      const answer = await client.request<{ DefaultPolicyVersion: { PolicyDocument: string } }>(
        'GetPolicy',
        { PolicyType: policy.PolicyType, PolicyName: policy.PolicyName },
        { version: RAM_VERSION },
      );
      setShown({ name: policy.PolicyName, text: answer.DefaultPolicyVersion.PolicyDocument });
      return undefined;
    });

  const remove = async (policy: WirePolicy) => {
    const confirmed = await confirm({
      title: `Delete policy ${policy.PolicyName}?`,
      body: <p>It must not be attached to any user or role.</p>,
      confirmLabel: 'Delete policy',
      danger: true,
    });
    if (!confirmed) return;
    await outcome.run(async () => {
      await client.request('DeletePolicy', { PolicyName: policy.PolicyName }, { version: RAM_VERSION });
      policies.reload();
      return `Policy ${policy.PolicyName} deleted.`;
    });
  };

  return (
    <>
      <div className="page-header">
        <h1>Policies</h1>
      </div>
      <p className="muted page-intro">
        A policy says which actions a user or role may call: explicit Deny wins, and nothing is allowed unless
        a policy allows it. Narrow a statement to single videos with{' '}
        <code>acs:vod:*:&lt;account&gt;:video/&lt;VideoId&gt;</code>.
      </p>
      {confirmElement}
      {policies.unavailable ? (
        <NotAvailable feature="Policies" action="ListPolicies" />
      ) : (
        <>
          <section className="card" aria-labelledby="create-policy-title">
            <h2 id="create-policy-title">Create a policy</h2>
            <form onSubmit={(e) => void create(e)} noValidate>
              <TextField
                id="policy-name"
                label="Policy name"
                value={name}
                onValue={setName}
                error={attempted ? checkPolicyName(name) : undefined}
                placeholder="e.g. play-only"
                maxLength={128}
              />
              <TextField
                id="policy-description"
                label="Description (optional)"
                value={description}
                onValue={setDescription}
                maxLength={1024}
              />
              <PolicyEditor
                label="Policy document (JSON)"
                value={document}
                onValue={(text) => {
                  setDocument(text);
                  setEdited(true);
                }}
                showProblems={attempted || edited}
              />
              <button type="submit" disabled={busy}>
                {busy ? 'Creating…' : 'Create policy'}
              </button>
            </form>
          </section>
          {outcome.element}
          {shown ? (
            <section className="card" aria-labelledby="policy-document-title">
              <h2 id="policy-document-title">{shown.name}</h2>
              <pre className="wrap" data-testid="policy-document">
                {shown.text}
              </pre>
              <button type="button" className="button-secondary" onClick={() => setShown(undefined)}>
                Close
              </button>
            </section>
          ) : null}
          <section className="card" aria-labelledby="policies-title">
            <h2 id="policies-title">Policies</h2>
            <LoadedList list={policies} empty="No policies.">
              {(rows) => (
                <table className="data-table">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Type</th>
                      <th scope="col">Description</th>
                      <th scope="col">Attached</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((policy) => (
                      <tr key={`${policy.PolicyType}:${policy.PolicyName}`} data-policy={policy.PolicyName}>
                        <td data-label="Name">
                          <code>{policy.PolicyName}</code>
                        </td>
                        <td data-label="Type">{policy.PolicyType}</td>
                        <td data-label="Description">
                          {policy.Description || <span className="muted">—</span>}
                        </td>
                        <td data-label="Attached">{policy.AttachmentCount ?? 0}</td>
                        <td className="actions">
                          <button
                            type="button"
                            className="button-secondary button-small"
                            onClick={() => void view(policy)}
                            aria-label={`View ${policy.PolicyName}`}
                          >
                            View
                          </button>{' '}
                          {policy.PolicyType === 'Custom' ? (
                            <button
                              type="button"
                              className="button-secondary button-small"
                              onClick={() => void remove(policy)}
                              aria-label={`Delete ${policy.PolicyName}`}
                            >
                              Delete
                            </button>
                          ) : null}
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
