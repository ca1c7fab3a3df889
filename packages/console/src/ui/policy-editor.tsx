/**
 * A JSON editor for RAM policy documents with live validation: the same parser the server uses
 * (`@securevod/server/policy-document`), so every message here is the one the API would send,
 * with the path of the element (`Statement[0].Effect must be "Allow" or "Deny"`).
 */
import { useId, useMemo } from 'react';
import { parsePolicyDocument, PolicyGrammarError, type PolicyKind } from '@securevod/server/policy-document';

export const MAX_POLICY_CHARS = 6144;

/** The problems of a document (empty when valid). */
export function policyProblems(
  text: string,
  kind: PolicyKind = 'identity',
  max = MAX_POLICY_CHARS,
): string[] {
  if (text.trim() === '') return ['Enter a policy document.'];
  if (text.length > max) return [`The document has ${text.length} characters; at most ${max} are allowed.`];
  try {
    parsePolicyDocument(text, kind);
    return [];
  } catch (error) {
    return error instanceof PolicyGrammarError ? [...error.problems] : [String(error)];
  }
}

export function PolicyEditor(props: {
  readonly label: string;
  readonly value: string;
  readonly onValue: (value: string) => void;
  readonly kind?: PolicyKind;
  /** Show problems only after a first submit attempt or an edit. */
  readonly showProblems: boolean;
}) {
  const id = useId();
  const problems = useMemo(() => policyProblems(props.value, props.kind), [props.value, props.kind]);
  const invalid = props.showProblems && problems.length > 0;
  return (
    <div className={`field${invalid ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      <textarea
        id={id}
        className="code-editor"
        rows={14}
        spellCheck={false}
        value={props.value}
        onChange={(event) => props.onValue(event.target.value)}
        aria-invalid={invalid ? true : undefined}
        aria-describedby={`${id}-status`}
      />
      <div id={`${id}-status`}>
        {!props.showProblems ? null : problems.length === 0 ? (
          <p className="field-hint" data-testid="policy-valid">
            Valid policy ({props.value.length} of {MAX_POLICY_CHARS} characters).
          </p>
        ) : (
          <ul className="field-error" role="alert" data-testid="policy-problems">
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
