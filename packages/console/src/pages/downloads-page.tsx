/**
 * Downloads & app keys (DESIGN §6): the account's download switch, mode and rental duration (the
 * licence of Secure downloads, `LicenseDuration`: our extension, docs/api.md "Offline rentals");
 * registering an app
 * (AppIdentification + AppDecryptKey → key file); the registered apps' secret versions, with
 * revocation. The AppDecryptKey is checked live against the same rules the server applies, sent
 * once, and cleared from the form as soon as the request is made; the console never stores it.
 */
import { useState, type FormEvent } from 'react';
import { describeError, fieldProblemOf } from '../api/error-messages.js';
import { isActionUnavailable } from '../api/vod-client.js';
import type {
  CustomerConfigAnswer,
  DownloadSecretKeysAnswer,
  GenerateDownloadSecretKeyAnswer,
} from '../api/wire-types.js';
import {
  appDecryptKeyProblems,
  appIdentificationInput,
  checkAppIdentification,
  keyFileName,
} from '../forms/field-checks.js';
import { useConfirm } from '../ui/confirm-dialog.js';
import { SecretField, SelectField, TextField } from '../ui/fields.js';
import { EmptyState, ErrorNotice, Loading, NotAvailable, Notice } from '../ui/notices.js';
import { useSession } from '../ui/session-context.js';
import { useLoad } from '../ui/use-load.js';
import { formatTime } from '../util/format.js';
import { base64ToBytes, saveBytes } from '../util/download-file.js';

export function DownloadsPage() {
  const [registered, setRegistered] = useState(0);
  return (
    <>
      <div className="page-header">
        <h1>Downloads &amp; app keys</h1>
      </div>
      <p className="muted page-intro">
        Secure offline downloads open only in the app they were made for. Register each app once: it gets a
        key file to ship, which opens only with the app's identification and the AppDecryptKey you choose
        here.
      </p>
      <DownloadSettings />
      <RegisterApp onRegistered={() => setRegistered((n) => n + 1)} />
      <RegisteredApps generation={registered} />
    </>
  );
}

function DownloadSettings() {
  const { client } = useSession();
  const config = useLoad(
    (signal) => client.request<CustomerConfigAnswer>('GetCustomerConfig', {}, { signal }),
    [client],
  );
  const [downloadSwitch, setDownloadSwitch] = useState<string | undefined>();
  const [mode, setMode] = useState<string | undefined>();
  const [rental, setRental] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();

  const currentSwitch = downloadSwitch ?? config.data?.DownloadSwitch ?? 'off';
  const currentMode = mode ?? config.data?.DownloadMode ?? 'Secure';
  const currentRental = rental ?? String(config.data?.LicenseDuration ?? 0);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setNotice(undefined);
    setError(undefined);
    try {
      await client.request('SetCustomerConfig', {
        DownloadSwitch: currentSwitch,
        DownloadMode: currentMode,
        LicenseDuration: currentRental,
      });
      const rentalNote =
        currentMode === 'Secure' && currentRental !== '0'
          ? ` Downloads are rentals: they stop playing ${rentalLabel(Number(currentRental)).toLowerCase()} after download unless renewed.`
          : '';
      setNotice(
        currentSwitch === 'on'
          ? `Offline download is on (${currentMode === 'Secure' ? 'secure: only registered apps can open downloads' : 'normal: plain files'}).${rentalNote}`
          : 'Offline download is off.',
      );
      config.reload();
    } catch (failure) {
      setError(failure);
    }
    setBusy(false);
  };

  return (
    <section className="card" aria-labelledby="download-settings-title">
      <h2 id="download-settings-title">Download settings</h2>
      {config.unavailable ? (
        <NotAvailable feature="Download settings" action="GetCustomerConfig" />
      ) : config.error && !config.data ? (
        <ErrorNotice error={config.error} onRetry={config.reload} />
      ) : !config.data ? (
        <Loading />
      ) : (
        <form onSubmit={(e) => void save(e)} className="inline-form">
          <SelectField
            id="download-switch"
            label="Offline download"
            value={currentSwitch}
            onValue={setDownloadSwitch}
            options={[
              ['off', 'Off'],
              ['on', 'On'],
            ]}
          />
          <SelectField
            id="download-mode"
            label="Download mode"
            value={currentMode}
            onValue={setMode}
            options={[
              ['Secure', 'Secure — encrypted, opens only in a registered app'],
              ['Normal', 'Normal — plain files anyone can play'],
            ]}
            disabled={currentSwitch === 'off'}
          />
          <SelectField
            id="download-rental"
            label="Rental duration"
            value={currentRental}
            onValue={setRental}
            options={rentalOptions(currentRental)}
            hint="Secure downloads only. An app may ask for another duration per download, and renew online."
            disabled={currentSwitch === 'off' || currentMode !== 'Secure'}
          />
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save download settings'}
          </button>
          {notice ? <Notice tone="ok">{notice}</Notice> : null}
          {error ? <ErrorNotice error={error} /> : null}
        </form>
      )}
    </section>
  );
}

/** Preset rental durations, in seconds; 0 = downloads never expire. */
const RENTAL_PRESETS = [0, 3600, 86_400, 172_800, 604_800, 2_592_000];

function rentalLabel(seconds: number): string {
  if (seconds === 0) return 'None — downloads never expire';
  if (seconds % 86_400 === 0) return seconds === 86_400 ? '1 day' : `${seconds / 86_400} days`;
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  return `${seconds} seconds`;
}

/** The presets, plus the account's current value when it is none of them (set through the API). */
function rentalOptions(current: string): [string, string][] {
  const values = RENTAL_PRESETS.includes(Number(current))
    ? RENTAL_PRESETS
    : [...RENTAL_PRESETS, Number(current)];
  return values.map((seconds) => [String(seconds), rentalLabel(seconds)]);
}

interface IssuedKey {
  readonly app: string;
  readonly version: number | string;
  readonly fileName: string;
  readonly bytes: Uint8Array<ArrayBuffer>;
}

function RegisterApp(props: { readonly onRegistered: () => void }) {
  const { client } = useSession();
  const [appId, setAppId] = useState('');
  const [decryptKey, setDecryptKey] = useState('');
  const [revealed, setRevealed] = useState(false);
  const [touched, setTouched] = useState({ app: false, key: false });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [apiFieldError, setApiFieldError] = useState<{ field: string; reason: string } | undefined>();
  const [issued, setIssued] = useState<IssuedKey | undefined>();

  const appCheck = appId.trim() === '' ? undefined : checkAppIdentification(appId);
  const keyProblems = appDecryptKeyProblems(decryptKey);
  const appError =
    apiFieldError?.field === 'AppIdentification'
      ? apiFieldError.reason
      : touched.app && appId.trim() === ''
        ? 'Enter the app identification.'
        : appCheck && !appCheck.ok
          ? appCheck.problem
          : undefined;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched({ app: true, key: true });
    setError(undefined);
    if (!appCheck || !appCheck.ok) {
      document.getElementById('register-app-id')?.focus();
      return;
    }
    if (keyProblems.length > 0) {
      document.getElementById('register-app-key')?.focus();
      return;
    }
    setBusy(true);
    const key = decryptKey;
    // Sent once, never kept: the field is cleared as soon as the request leaves.
    setDecryptKey('');
    setRevealed(false);
    try {
      const answer = await client.request<GenerateDownloadSecretKeyAnswer>('GenerateDownloadSecretKey', {
        AppIdentification: appId.trim(),
        AppDecryptKey: key,
      });
      const app = answer.AppIdentification ?? appCheck.app.canonical;
      const version = answer.SecretVersion ?? '?';
      setIssued({
        app,
        version,
        fileName: keyFileName(app, version),
        bytes: base64ToBytes(answer.AppEncryptKey),
      });
      setTouched({ app: false, key: false });
      setApiFieldError(undefined);
      props.onRegistered();
    } catch (failure) {
      const problem = fieldProblemOf(failure);
      if (problem && (problem.parameter === 'AppIdentification' || problem.parameter === 'AppDecryptKey')) {
        setApiFieldError({ field: problem.parameter, reason: problem.reason });
      }
      setError(failure);
    }
    setBusy(false);
  };

  return (
    <section className="card" aria-labelledby="register-title">
      <h2 id="register-title">Register an app</h2>
      <form onSubmit={(e) => void submit(e)} noValidate className="register-form">
        <TextField
          id="register-app-id"
          label="App identification"
          value={appId}
          onValue={(value) => {
            setAppId(value);
            setApiFieldError(undefined);
          }}
          onBlur={() => setTouched((t) => ({ ...t, app: true }))}
          error={appError}
          hint={
            appCheck?.ok
              ? `Recognised: ${appCheck.description}`
              : 'Android signing-certificate SHA-1 (AA:BB:…), iOS bundle ID, Windows certificate serial, or a web origin (https://…).'
          }
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
        />
        <SecretField
          id="register-app-key"
          label="AppDecryptKey"
          value={decryptKey}
          onValue={(value) => {
            setDecryptKey(value);
            setApiFieldError(undefined);
          }}
          onBlur={() => setTouched((t) => ({ ...t, key: true }))}
          revealed={revealed}
          onRevealed={setRevealed}
          autoComplete="new-password"
          error={apiFieldError?.field === 'AppDecryptKey' ? apiFieldError.reason : undefined}
          hint="16–32 letters and digits, with an uppercase letter, a lowercase letter and a digit. Your app ships it; securevod never stores it."
        />
        <ul className="rule-list" aria-label="AppDecryptKey rules" aria-live="polite">
          {decryptKey === '' && !touched.key ? null : keyProblems.length === 0 ? (
            <li className="rule-ok">The key meets every rule.</li>
          ) : (
            keyProblems.map((problem) => (
              <li key={problem} className="rule-bad">
                {problem}
              </li>
            ))
          )}
        </ul>
        <button type="submit" disabled={busy}>
          {busy ? 'Generating…' : 'Generate key file'}
        </button>
      </form>
      {error ? <ErrorNotice error={error} title="The app was not registered." /> : null}
      {issued ? (
        <Notice tone="ok" title={`Key file for ${issued.app}, secret version ${issued.version}`}>
          <p>
            Ship this file with the app, together with the AppDecryptKey you typed. Registering the same app
            again makes a new version; older versions keep working until you revoke them.
          </p>
          <div className="button-row">
            <button
              type="button"
              onClick={() => saveBytes(issued.bytes, issued.fileName)}
              data-testid="download-key-file"
            >
              Download {issued.fileName}
            </button>
            <button type="button" className="button-secondary" onClick={() => setIssued(undefined)}>
              Done
            </button>
          </div>
        </Notice>
      ) : null}
    </section>
  );
}

function RegisteredApps(props: { readonly generation: number }) {
  const { client } = useSession();
  const apps = useLoad(
    async (signal) =>
      (await client.request<DownloadSecretKeysAnswer>('ListDownloadSecretKeys', {}, { signal })).AppList ??
      [],
    [client, props.generation],
  );
  const [confirm, confirmElement] = useConfirm();
  const [notice, setNotice] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();

  const revoke = async (app: string, version: number) => {
    const confirmed = await confirm({
      title: `Revoke version ${version} of ${app}?`,
      body: (
        <p>
          Downloads made for this version stop opening once the app learns of the revocation, and no new
          download uses it. Key files of other versions keep working.
        </p>
      ),
      confirmLabel: 'Revoke version',
      danger: true,
    });
    if (!confirmed) return;
    setError(undefined);
    try {
      await client.request('RevokeDownloadSecretKey', {
        AppIdentification: appIdentificationInput(app),
        SecretVersion: version,
      });
      setNotice(`Revoked version ${version} of ${app}.`);
      apps.reload();
    } catch (failure) {
      setNotice(undefined);
      setError(failure);
    }
  };

  return (
    <section className="card" aria-labelledby="apps-title">
      <h2 id="apps-title">Registered apps</h2>
      {confirmElement}
      {notice ? <Notice tone="ok">{notice}</Notice> : null}
      {error ? <ErrorNotice error={error} /> : null}
      {apps.unavailable ? (
        <NotAvailable feature="The list of registered apps" action="ListDownloadSecretKeys" />
      ) : apps.error && !apps.data ? (
        <ErrorNotice error={apps.error} onRetry={apps.reload} />
      ) : !apps.data ? (
        <Loading />
      ) : apps.data.length === 0 ? (
        <EmptyState title="No apps registered yet.">
          <p>Register an app above to get its key file.</p>
        </EmptyState>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">App</th>
              <th scope="col">Version</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {apps.data.flatMap((app) =>
              (app.Versions ?? []).map((v) => (
                <tr
                  key={`${app.AppIdentification}#${v.SecretVersion}`}
                  data-app={app.AppIdentification}
                  data-version={v.SecretVersion}
                >
                  <td data-label="App">
                    <code className="wrap">{app.AppIdentification}</code>
                  </td>
                  <td data-label="Version">{v.SecretVersion}</td>
                  <td data-label="Status">
                    <span className={`badge ${v.Status === 'Revoked' ? 'badge-bad' : 'badge-ok'}`}>
                      {v.Status}
                    </span>
                    {v.RevokedTime ? <span className="muted small"> {formatTime(v.RevokedTime)}</span> : null}
                  </td>
                  <td data-label="Created">{formatTime(v.CreationTime)}</td>
                  <td className="actions">
                    {v.Status !== 'Revoked' ? (
                      <button
                        type="button"
                        className="button-secondary button-small"
                        onClick={() => void revoke(app.AppIdentification, v.SecretVersion)}
                        aria-label={`Revoke version ${v.SecretVersion} of ${app.AppIdentification}`}
                      >
                        Revoke
                      </button>
                    ) : null}
                  </td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      )}
      {apps.error && apps.data && !isActionUnavailable(apps.error) ? (
        <p className="field-error">{describeError(apps.error)}</p>
      ) : null}
    </section>
  );
}
