/**
 * Sign-in with an AccessKey pair. The pair is checked with one signed call before the console
 * opens. The API endpoint defaults to this page's own server; `?api=https://vod.example.com` (or
 * the field under "Server") points the console at another one.
 */
import { useState, type FormEvent } from 'react';
import { describeError } from '../api/error-messages.js';
import { normalizeEndpoint } from '../api/vod-client.js';
import type { SessionManager, SignOutReason } from '../session/session-manager.js';
import { CheckboxField, SecretField, TextField } from '../ui/fields.js';
import { Notice } from '../ui/notices.js';

const ENDPOINT_KEY = 'securevod-console.endpoint';

export function initialEndpoint(): string {
  const fromQuery = new URLSearchParams(location.search).get('api');
  if (fromQuery !== null) return fromQuery;
  try {
    return localStorage.getItem(ENDPOINT_KEY) ?? '';
  } catch {
    return '';
  }
}

const SIGN_OUT_MESSAGES: Readonly<Record<SignOutReason, string | undefined>> = {
  'signed-out': 'You are signed out. The AccessKey secret was removed from this browser.',
  expired: 'Your session ended after a long time without activity. Sign in again to continue.',
  rejected:
    'The server no longer accepts this AccessKey (it was disabled or removed). Sign in with another key.',
};

export function SignInPage(props: { readonly sessions: SessionManager; readonly reason?: SignOutReason }) {
  const [endpoint, setEndpoint] = useState(initialEndpoint);
  const [accessKeyId, setAccessKeyId] = useState('');
  const [secret, setSecret] = useState('');
  const [securityToken, setSecurityToken] = useState('');
  const [revealed, setRevealed] = useState(false);
  const [remember, setRemember] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    let normalized = '';
    try {
      normalized = normalizeEndpoint(endpoint);
    } catch {
      problems.endpoint =
        'Enter the server URL, such as https://vod.example.com, or leave it empty for this server.';
    }
    if (accessKeyId.trim() === '') problems.accessKeyId = 'Enter your AccessKey ID.';
    if (secret === '') problems.secret = 'Enter your AccessKey secret.';
    if (accessKeyId.trim().startsWith('STS.') && securityToken.trim() === '') {
      problems.securityToken = 'STS credentials need their security token (from AssumeRole).';
    }
    setFieldErrors(problems);
    setError(undefined);
    if (Object.keys(problems).length > 0) {
      document.getElementById(`sign-in-${Object.keys(problems)[0]}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      await props.sessions.signIn({
        endpoint: normalized,
        accessKeyId,
        accessKeySecret: secret,
        ...(securityToken.trim() ? { securityToken: securityToken.trim() } : {}),
        remember,
      });
      try {
        if (normalized) localStorage.setItem(ENDPOINT_KEY, normalized);
        else localStorage.removeItem(ENDPOINT_KEY);
      } catch {
        // Storage may be disabled; the endpoint is only a convenience.
      }
      setSecret('');
      setSecurityToken('');
    } catch (failure) {
      setError(describeError(failure));
      setBusy(false);
    }
  };

  const reasonMessage = props.reason ? SIGN_OUT_MESSAGES[props.reason] : undefined;
  return (
    <main className="sign-in" id="main">
      <form
        className="card sign-in-card"
        onSubmit={(event) => void submit(event)}
        noValidate
        aria-labelledby="sign-in-title"
      >
        <h1 id="sign-in-title">
          <span className="brand-mark" aria-hidden="true">
            ▶
          </span>{' '}
          securevod console
        </h1>
        <p className="muted">
          Sign in with an AccessKey pair. The console signs every API call in this browser.
        </p>
        {reasonMessage ? <Notice tone="info">{reasonMessage}</Notice> : null}
        {error ? <Notice tone="error">{error}</Notice> : null}
        <TextField
          id="sign-in-accessKeyId"
          label="AccessKey ID"
          value={accessKeyId}
          onValue={setAccessKeyId}
          error={fieldErrors.accessKeyId}
          autoComplete="username"
          spellCheck={false}
          autoCapitalize="off"
          autoFocus
          required
        />
        <SecretField
          id="sign-in-secret"
          label="AccessKey secret"
          value={secret}
          onValue={setSecret}
          error={fieldErrors.secret}
          autoComplete="current-password"
          revealed={revealed}
          onRevealed={setRevealed}
          required
        />
        <details
          className="server-details"
          open={accessKeyId.trim().startsWith('STS.') || fieldErrors.securityToken !== undefined}
        >
          <summary>Temporary credentials (STS)</summary>
          <TextField
            id="sign-in-securityToken"
            label="Security token"
            value={securityToken}
            onValue={setSecurityToken}
            error={fieldErrors.securityToken}
            hint="For an STS. AccessKey ID from AssumeRole: paste its SecurityToken. The console stops working when the credentials expire."
            spellCheck={false}
            autoCapitalize="off"
            autoComplete="off"
          />
        </details>
        <CheckboxField
          label="Remember me on this device"
          checked={remember}
          onChecked={setRemember}
          hint="Keeps you signed in until 8 hours without activity (7 days at most). The secret is stored only encrypted, under a key this browser will not export. Don't use on shared computers."
        />
        <details className="server-details" open={endpoint !== '' || fieldErrors.endpoint !== undefined}>
          <summary>Server</summary>
          <TextField
            id="sign-in-endpoint"
            label="API endpoint"
            value={endpoint}
            onValue={setEndpoint}
            error={fieldErrors.endpoint}
            placeholder={location.origin}
            hint="Leave empty to use the server this console came from."
            inputMode="url"
            spellCheck={false}
            autoCapitalize="off"
          />
        </details>
        <button type="submit" className="button-wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">
          The root AccessKey is in <code>data/root-credentials.json</code> on the server.
        </p>
      </form>
    </main>
  );
}
