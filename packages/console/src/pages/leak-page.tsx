/**
 * "Investigate a leak" (issue 13, docs/tracing.md "Detection"): upload a leaked copy (ali-oss,
 * template group VOD_NO_TRANSCODE: the detector reads the stored source), run
 * SubmitDigitalWatermarkExtractJob against the traced original, follow
 * GetDigitalWatermarkExtractResult, and show the verdict with its score, the threshold, the top
 * candidates and the session record of the named trace ID (`TraceReport`, our extension).
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import ossScriptUrl from 'ali-oss/dist/aliyun-oss-sdk.min.js?url';
import { describeError } from '../api/error-messages.js';
import { uploadFile } from '../upload/browser-uploader.js';
import { TextField } from '../ui/fields.js';
import { Notice } from '../ui/notices.js';
import { useSession } from '../ui/session-context.js';

const POLL_MS = 1000;

/** GetDigitalWatermarkExtractResult's entry with our `TraceReport`. */
interface ExtractResult {
  readonly JobId: string;
  readonly Status: 'Processing' | 'Success' | 'Failed';
  readonly WaterMarkText: string;
  readonly ErrorMessage: string;
  readonly Progress?: number;
  readonly TraceReport?: {
    readonly Verdict: 'Match' | 'NoMatch';
    readonly Score: {
      readonly TraceId: string;
      readonly Agreements: number;
      readonly Bits: number;
      readonly PValue: number;
    } | null;
    readonly Threshold: { readonly MaxPValue: number; readonly AgreementsNeeded: number | null };
    readonly SegmentsUsed: number;
    readonly BitsRead: number;
    readonly OffsetSeconds: number;
    readonly CandidatesScored: number;
    readonly TopCandidates: readonly {
      readonly TraceId: string;
      readonly Agreements: number;
      readonly Bits: number;
      readonly Log10PValue: number;
    }[];
    readonly Sessions: readonly {
      readonly SessionId: string;
      readonly ViewerId: string | null;
      readonly Kind: string;
      readonly ClientIp: string | null;
      readonly IssuedAt: string;
    }[];
  };
}

type Phase =
  | { readonly step: 'idle' }
  | { readonly step: 'uploading'; readonly fraction: number }
  | { readonly step: 'detecting'; readonly progress: number }
  | { readonly step: 'done'; readonly result: ExtractResult }
  | { readonly step: 'failed'; readonly message: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function LeakPage() {
  const { client } = useSession();
  const [sourceVideoId, setSourceVideoId] = useState('');
  const [file, setFile] = useState<File | undefined>();
  const [phase, setPhase] = useState<Phase>({ step: 'idle' });
  const [fieldError, setFieldError] = useState<string | undefined>();
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);
  const busy = phase.step === 'uploading' || phase.step === 'detecting';

  const run = async () => {
    const source = sourceVideoId.trim();
    setPhase({ step: 'uploading', fraction: 0 });
    const mediaId = await uploadFile({
      client,
      file: file!,
      title: `leak: ${file!.name}`.slice(0, 128),
      templateGroupId: 'VOD_NO_TRANSCODE',
      ossScriptUrl,
      onProgress: (fraction) => alive.current && setPhase({ step: 'uploading', fraction }),
    });
    // The upload completes asynchronously on the server (UploadSucc); the job needs its source.
    for (;;) {
      const { Video } = await client.request<{ Video: { Status: string } }>('GetVideoInfo', {
        VideoId: mediaId,
      });
      if (Video.Status !== 'Uploading') break;
      await sleep(300);
    }
    const { JobId } = await client.request<{ JobId: string }>('SubmitDigitalWatermarkExtractJob', {
      MediaId: mediaId,
      ExtractType: 'TraceMark',
      SourceVideoId: source,
    });
    for (;;) {
      if (!alive.current) return;
      const { AiExtractResultList } = await client.request<{ AiExtractResultList: ExtractResult[] }>(
        'GetDigitalWatermarkExtractResult',
        { MediaId: mediaId, ExtractType: 'TraceMark', JobId },
      );
      const result = AiExtractResultList.find((r) => r.JobId === JobId);
      if (result && result.Status !== 'Processing') {
        setPhase(
          result.Status === 'Failed'
            ? { step: 'failed', message: result.ErrorMessage || 'The detection failed.' }
            : { step: 'done', result },
        );
        return;
      }
      setPhase({ step: 'detecting', progress: result?.Progress ?? 0 });
      await sleep(POLL_MS);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!sourceVideoId.trim()) return setFieldError('Enter the VideoId of the traced original.');
    if (!file) return setFieldError('Choose the leaked file.');
    setFieldError(undefined);
    run().catch(
      (error: unknown) => alive.current && setPhase({ step: 'failed', message: describeError(error) }),
    );
  };

  return (
    <>
      <div className="page-header">
        <h1>Investigate a leak</h1>
      </div>
      <p className="muted page-intro">
        Upload a copy found online and name the traced video it shows. The detector compares it with the
        video's A/B variants and names the viewer's trace ID only when the evidence is strong enough that an
        innocent viewer would be named less than once in a million investigations; otherwise it says “no
        match”.
      </p>
      <section className="card" aria-labelledby="leak-form-title">
        <h2 id="leak-form-title">Leaked copy</h2>
        <form onSubmit={submit} noValidate>
          <TextField
            label="Traced video (VideoId)"
            value={sourceVideoId}
            onValue={setSourceVideoId}
            spellCheck={false}
            disabled={busy}
          />
          <div className="field">
            <label htmlFor="leak-file">Leaked file</label>
            <input
              id="leak-file"
              type="file"
              accept="video/*,.mp4,.mov,.mkv,.webm,.ts,.avi,.flv"
              disabled={busy}
              onChange={(event) => setFile(event.target.files?.[0])}
            />
          </div>
          {fieldError ? <Notice tone="error">{fieldError}</Notice> : null}
          <div className="button-row">
            <button type="submit" disabled={busy}>
              Run detection
            </button>
          </div>
        </form>
        {phase.step === 'uploading' ? (
          <p aria-live="polite">Uploading… {Math.round(phase.fraction * 100)}%</p>
        ) : null}
        {phase.step === 'detecting' ? <p aria-live="polite">Detecting… {phase.progress}%</p> : null}
        {phase.step === 'failed' ? (
          <Notice tone="error" title="Detection failed">
            {phase.message}
          </Notice>
        ) : null}
      </section>
      {phase.step === 'done' ? <Verdict result={phase.result} /> : null}
    </>
  );
}

function Verdict(props: { readonly result: ExtractResult }) {
  const { result } = props;
  const report = result.TraceReport;
  const match = result.WaterMarkText !== '';
  return (
    <section className="card" aria-labelledby="verdict-title" data-testid="leak-verdict">
      <h2 id="verdict-title">{match ? `Match: ${result.WaterMarkText}` : 'No match'}</h2>
      {match ? null : <p>{result.ErrorMessage}</p>}
      {report ? (
        <dl className="details">
          <dt>Score</dt>
          <dd>
            {report.Score
              ? `${report.Score.Agreements} of ${report.Score.Bits} bits agree with ${report.Score.TraceId} (p = ${report.Score.PValue.toExponential(2)})`
              : 'no bits could be read'}
          </dd>
          <dt>Threshold</dt>
          <dd>
            p ≤ {report.Threshold.MaxPValue.toExponential(2)}
            {report.Threshold.AgreementsNeeded !== null
              ? ` (${report.Threshold.AgreementsNeeded} of ${report.BitsRead} bits)`
              : ' (too few bits to name anyone)'}{' '}
            over {report.CandidatesScored} issued trace IDs
          </dd>
          <dt>Segments used</dt>
          <dd>
            {report.SegmentsUsed} ({report.BitsRead} bits read); the copy starts at{' '}
            {report.OffsetSeconds.toFixed(1)} s
          </dd>
        </dl>
      ) : null}
      {report && report.Sessions.length > 0 ? (
        <>
          <h3>Session record</h3>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Issued</th>
                <th scope="col">Kind</th>
                <th scope="col">Viewer</th>
                <th scope="col">Client IP</th>
                <th scope="col">Session</th>
              </tr>
            </thead>
            <tbody>
              {report.Sessions.map((s) => (
                <tr key={s.SessionId}>
                  <td data-label="Issued">{s.IssuedAt}</td>
                  <td data-label="Kind">{s.Kind}</td>
                  <td data-label="Viewer">{s.ViewerId ?? '—'}</td>
                  <td data-label="Client IP">{s.ClientIp ?? '—'}</td>
                  <td data-label="Session">
                    <code className="wrap">{s.SessionId}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {report && report.TopCandidates.length > 0 ? (
        <>
          <h3>Best candidates</h3>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Trace ID</th>
                <th scope="col">Agreements</th>
                <th scope="col">log10 p</th>
              </tr>
            </thead>
            <tbody>
              {report.TopCandidates.map((c) => (
                <tr key={c.TraceId}>
                  <td data-label="Trace ID">{c.TraceId}</td>
                  <td data-label="Agreements">
                    {c.Agreements} / {c.Bits}
                  </td>
                  <td data-label="log10 p">{c.Log10PValue.toFixed(1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
