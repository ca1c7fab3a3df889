/**
 * The policies attached to a user or a role: each with a Detach button, and a form that attaches
 * one of the policies not yet attached.
 */
import { useState, type ReactNode } from 'react';
import type { WirePolicy } from '../api/ram-types.js';
import { SelectField } from './fields.js';
import { LoadedList } from './loaded-list.js';
import type { Loaded } from './use-load.js';

const policyKey = (p: WirePolicy) => `${p.PolicyType}:${p.PolicyName}`;

export function AttachedPolicies(props: {
  readonly title: ReactNode;
  readonly titleId: string;
  readonly selectId: string;
  readonly attached: Loaded<WirePolicy[]>;
  readonly all: readonly WirePolicy[];
  /** Said when nothing is attached: what the holder can do then. */
  readonly empty: string;
  readonly onAttach: (type: string, name: string) => Promise<unknown>;
  readonly onDetach: (policy: WirePolicy) => Promise<unknown>;
  readonly children?: ReactNode;
}) {
  const [choice, setChoice] = useState('');
  const held = new Set((props.attached.data ?? []).map(policyKey));
  const options = props.all
    .filter((p) => !held.has(policyKey(p)))
    .map((p) => [policyKey(p), `${p.PolicyName} (${p.PolicyType})`] as const);
  return (
    <section className="card" aria-labelledby={props.titleId}>
      <h2 id={props.titleId}>{props.title}</h2>
      {props.children}
      <LoadedList list={props.attached} empty={props.empty}>
        {(rows) => (
          <ul className="plain-list">
            {rows.map((policy) => (
              <li key={policyKey(policy)} data-attached-policy={policy.PolicyName}>
                <code>{policy.PolicyName}</code> <span className="muted">({policy.PolicyType})</span>{' '}
                <button
                  type="button"
                  className="button-secondary button-small"
                  onClick={() => void props.onDetach(policy)}
                  aria-label={`Detach ${policy.PolicyName}`}
                >
                  Detach
                </button>
              </li>
            ))}
          </ul>
        )}
      </LoadedList>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          const [type, name] = choice.split(':');
          if (type && name) void props.onAttach(type, name).then(() => setChoice(''));
        }}
      >
        <SelectField
          id={props.selectId}
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
  );
}
