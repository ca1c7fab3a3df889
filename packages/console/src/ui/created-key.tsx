/** A freshly created AccessKey: the secret is shown once, with a copy button. */
import { useState } from 'react';
import { Notice } from './notices.js';

export function CreatedKey(props: {
  readonly id: string;
  readonly secret: string;
  readonly onDone: () => void;
}) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <Notice tone="warn" title="Copy the secret now: it is shown only once.">
      <dl className="details">
        <dt>AccessKey ID</dt>
        <dd>
          <code data-testid="created-key-id">{props.id}</code>
        </dd>
        <dt>AccessKey secret</dt>
        <dd>
          <code className="wrap" data-testid="created-key-secret">
            {props.secret}
          </code>
        </dd>
      </dl>
      <div className="button-row">
        <button type="button" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy secret'}
        </button>
        <button type="button" className="button-secondary" onClick={props.onDone}>
          I have stored it
        </button>
      </div>
    </Notice>
  );
}
