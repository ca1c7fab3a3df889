/**
 * One video: its details, renditions (GetPlayInfo ResultType=Multiple: definition, size,
 * bitrate, encryption), playback through the web player SDK, the per-video download switch and
 * delete. Status refreshes by itself while the video uploads or transcodes.
 */
import { useEffect, useRef, useState } from 'react';
import { isActionUnavailable } from '../api/vod-client.js';
import type { GetPlayInfoAnswer, WirePlayInfo, WireVideo } from '../api/wire-types.js';
import { startPlayer, type ConsolePlayer } from '../player/sdk-player.js';
import { navigate } from '../router.js';
import { useConfirm } from '../ui/confirm-dialog.js';
import { Link } from '../ui/link.js';
import { EmptyState, ErrorNotice, Loading, Notice } from '../ui/notices.js';
import { useSession } from '../ui/session-context.js';
import { EncryptionBadges } from '../ui/encryption-badges.js';
import { StatusBadge } from '../ui/status-badge.js';
import { useLoad } from '../ui/use-load.js';
import {
  encryptionLabel,
  formatBytes,
  formatDuration,
  formatTime,
  MOVING_STATUSES,
  videoEncryptions,
} from '../util/format.js';

const POLL_MS = 3000;

export function VideoPage(props: { readonly videoId: string }) {
  const { client } = useSession();
  const { videoId } = props;
  const video = useLoad(
    async (signal) =>
      (await client.request<{ Video: WireVideo }>('GetVideoInfo', { VideoId: videoId }, { signal })).Video,
    [client, videoId],
  );
  const status = video.data?.Status;
  const renditions = useLoad(
    async (signal) => {
      if (status !== 'Normal') return undefined;
      const answer = await client.request<GetPlayInfoAnswer>(
        'GetPlayInfo',
        { VideoId: videoId, ResultType: 'Multiple' },
        { signal },
      );
      return answer.PlayInfoList?.PlayInfo ?? [];
    },
    [client, videoId, status],
  );
  const [confirm, confirmElement] = useConfirm();
  const [actionError, setActionError] = useState<unknown>();
  const [notice, setNotice] = useState<string | undefined>();

  const reloadVideo = video.reload;
  useEffect(() => {
    if (!status || !MOVING_STATUSES.has(status)) return;
    const timer = window.setInterval(reloadVideo, POLL_MS);
    return () => window.clearInterval(timer);
  }, [status, reloadVideo]);

  if (video.error && !video.data) {
    return (
      <>
        <Breadcrumb title="Video" />
        <ErrorNotice error={video.error} onRetry={video.reload} />
      </>
    );
  }
  if (!video.data) return <Loading label="Loading video…" />;
  const v = video.data;

  const setDownload = async (on: boolean) => {
    try {
      await client.request('UpdateVideoInfo', { VideoId: videoId, DownloadSwitch: on ? 'on' : 'off' });
      setNotice(
        on ? 'Offline download is allowed for this video.' : 'Offline download is off for this video.',
      );
      setActionError(undefined);
      video.reload();
    } catch (error) {
      setActionError(error);
    }
  };

  const remove = async () => {
    const confirmed = await confirm({
      title: `Delete “${v.Title}”?`,
      body: <p>The source, every rendition and the video's keys are deleted. This cannot be undone.</p>,
      confirmLabel: 'Delete video',
      danger: true,
    });
    if (!confirmed) return;
    try {
      await client.request('DeleteVideo', { VideoIds: videoId });
      navigate({ page: 'library' });
    } catch (error) {
      setActionError(error);
    }
  };

  return (
    <>
      <Breadcrumb title={v.Title} />
      {confirmElement}
      <div className="page-header title-with-badge">
        <h1>{v.Title}</h1>
        <StatusBadge video={v} />
        <EncryptionBadges encryptTypes={v.EncryptTypes} long />
      </div>
      {v.StatusReason && /Fail/.test(v.Status) ? (
        <Notice tone="error" title="Why it failed">
          {v.StatusReason}
        </Notice>
      ) : null}
      {notice ? <Notice tone="ok">{notice}</Notice> : null}
      {actionError ? <ErrorNotice error={actionError} /> : null}
      <div className="columns">
        <section className="card" aria-labelledby="play-title">
          <h2 id="play-title">Play</h2>
          {v.Status === 'Normal' ? (
            <PlayerPanel videoId={videoId} />
          ) : (
            <EmptyState title="Not playable yet.">
              <p>
                {MOVING_STATUSES.has(v.Status)
                  ? 'It can be played once transcoding finishes; this page updates by itself.'
                  : 'Only videos with status Ready can be played.'}
              </p>
            </EmptyState>
          )}
        </section>
        <section className="card" aria-labelledby="details-title">
          <h2 id="details-title">Details</h2>
          <dl className="details">
            <dt>VideoId</dt>
            <dd>
              <code>{v.VideoId}</code>
            </dd>
            <dt>Duration</dt>
            <dd>{formatDuration(v.Duration)}</dd>
            <dt>Source size</dt>
            <dd>{formatBytes(v.Size)}</dd>
            <dt>Created</dt>
            <dd>{formatTime(v.CreationTime)}</dd>
            <dt>Template group</dt>
            <dd>
              <code>{v.TemplateGroupId ?? '—'}</code>
            </dd>
            <dt>Encryption</dt>
            <dd data-testid="video-encryption">
              {v.EncryptTypes
                ? videoEncryptions(v.EncryptTypes)
                    .map((e) => encryptionLabel(e.type))
                    .join(', ')
                : renditions.data
                  ? encryptionSummary(renditions.data)
                  : '—'}
            </dd>
            <dt>Offline download</dt>
            <dd>
              <label className="inline-check">
                <input
                  type="checkbox"
                  checked={v.DownloadSwitch !== 'off'}
                  onChange={(e) => void setDownload(e.target.checked)}
                />{' '}
                Allowed for this video
              </label>
            </dd>
          </dl>
          <button type="button" className="button-danger" onClick={() => void remove()}>
            Delete video
          </button>
        </section>
      </div>
      <section className="card" aria-labelledby="renditions-title">
        <h2 id="renditions-title">Renditions</h2>
        {v.Status !== 'Normal' ? (
          <p className="muted">Renditions are listed once the video is ready.</p>
        ) : null}
        {renditions.error ? <ErrorNotice error={renditions.error} onRetry={renditions.reload} /> : null}
        {renditions.data && renditions.data.length === 0 ? <EmptyState title="No renditions." /> : null}
        {renditions.data && renditions.data.length > 0 ? (
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Definition</th>
                <th scope="col">Resolution</th>
                <th scope="col">Bitrate</th>
                <th scope="col">Size</th>
                <th scope="col">Duration</th>
                <th scope="col">Encryption</th>
              </tr>
            </thead>
            <tbody>
              {renditions.data.map((r) => (
                <tr key={r.StreamId ?? r.Definition}>
                  <td data-label="Definition">{r.Definition}</td>
                  <td data-label="Resolution">{r.Width && r.Height ? `${r.Width}×${r.Height}` : '—'}</td>
                  <td data-label="Bitrate">{r.Bitrate ? `${Math.round(Number(r.Bitrate))} kbps` : '—'}</td>
                  <td data-label="Size">{formatBytes(r.Size)}</td>
                  <td data-label="Duration">{formatDuration(r.Duration)}</td>
                  <td data-label="Encryption">{r.Encrypt ? encryptionLabel(r.EncryptType) : 'None'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </>
  );
}

function encryptionSummary(renditions: readonly WirePlayInfo[]): string {
  const labels = new Set(renditions.map((r) => (r.Encrypt ? encryptionLabel(r.EncryptType) : 'None')));
  return labels.size === 0 ? '—' : [...labels].join(', ');
}

function Breadcrumb(props: { readonly title: string }) {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumb">
      <Link route={{ page: 'library' }}>Library</Link> <span aria-hidden="true">›</span>{' '}
      <span>{props.title}</span>
    </nav>
  );
}

function PlayerPanel(props: { readonly videoId: string }) {
  const { client } = useSession();
  const videoRef = useRef<HTMLVideoElement>(null);
  const playerRef = useRef<ConsolePlayer | undefined>(undefined);
  const [state, setState] = useState<'idle' | 'loading' | 'playing' | 'failed'>('idle');
  const [error, setError] = useState<unknown>();
  const [definitions, setDefinitions] = useState<readonly string[]>([]);
  const [definition, setDefinition] = useState<string | undefined>();

  useEffect(
    () => () => {
      playerRef.current?.destroy();
      playerRef.current = undefined;
    },
    [props.videoId],
  );

  const play = async () => {
    const element = videoRef.current;
    if (!element) return;
    playerRef.current?.destroy();
    setState('loading');
    setError(undefined);
    try {
      const player = await startPlayer(client, element, props.videoId);
      playerRef.current = player;
      player.on('error', (failure) => {
        if (failure.fatal) {
          setError(new Error(`${failure.message} Try playing again.`));
          setState('failed');
        }
      });
      await player.ready;
      setDefinitions(player.definitions);
      setDefinition(player.definition);
      setState('playing');
      void element.play().catch(() => undefined);
    } catch (failure) {
      setError(
        isActionUnavailable(failure) ? new Error('This server cannot issue play credentials yet.') : failure,
      );
      setState('failed');
    }
  };

  return (
    <div className="player">
      <video ref={videoRef} controls playsInline muted data-testid="player-video" />
      <div className="button-row">
        <button type="button" onClick={() => void play()} disabled={state === 'loading'}>
          {state === 'loading' ? 'Loading…' : state === 'playing' ? 'Restart' : 'Play'}
        </button>
        {definitions.length > 1 ? (
          <label className="inline-select">
            Definition{' '}
            <select
              value={definition}
              onChange={(event) => {
                const next = event.target.value;
                setDefinition(next);
                void playerRef.current?.setDefinition(next).catch((failure: unknown) => setError(failure));
              }}
            >
              {definitions.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {state === 'playing' ? (
          <span className="muted" aria-live="polite">
            Playing with the securevod player SDK.
          </span>
        ) : null}
      </div>
      {error ? <ErrorNotice error={error} /> : null}
    </div>
  );
}
