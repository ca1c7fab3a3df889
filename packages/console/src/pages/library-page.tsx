/**
 * The video library: uploads, the list (newest first; filtered on the server by status, by
 * category, by encryption and by a search over titles — GetVideoList, or SearchMedia when a
 * search or category is set; see api/library-query.ts), each video's encryption, live status of
 * videos on the move (GetVideoInfos every few seconds), and delete with confirmation.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { loadCategoryOptions, loadEncryptTypes, loadLibraryPage } from '../api/library-query.js';
import type { WireVideo } from '../api/wire-types.js';
import { Link } from '../ui/link.js';
import { useConfirm } from '../ui/confirm-dialog.js';
import { EncryptionBadges } from '../ui/encryption-badges.js';
import { SelectField, TextField } from '../ui/fields.js';
import { EmptyState, ErrorNotice, Loading, Notice } from '../ui/notices.js';
import { useSession } from '../ui/session-context.js';
import { useLoad } from '../ui/use-load.js';
import { StatusBadge } from '../ui/status-badge.js';
import {
  formatBytes,
  formatDuration,
  formatTime,
  MOVING_STATUSES,
  STATUS_LABELS,
  VIDEO_ENCRYPTIONS,
  VIDEO_STATUSES,
} from '../util/format.js';
import { UploadPanel } from './upload-panel.js';

const PAGE_SIZE = 50;
const POLL_MS = 3000;
/** Typing pauses this long before the search runs. */
const SEARCH_DELAY_MS = 300;

export function LibraryPage() {
  const { client } = useSession();
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  /** The search text in effect (the box's text after a pause in typing). */
  const [query, setQuery] = useState('');
  const [cateId, setCateId] = useState('');
  /** An `EncryptType` (`GetVideoList` filter, our extension), or '' for any. */
  const [encryption, setEncryption] = useState('');
  /** The search text is applied to the loaded videos here (with an encryption filter). */
  const [searchHere, setSearchHere] = useState(false);
  const categories = useLoad((signal) => loadCategoryOptions(client, signal), [client]);
  const [videos, setVideos] = useState<readonly WireVideo[]>([]);
  const [total, setTotal] = useState(0);
  const [pageNo, setPageNo] = useState(1);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string | undefined>();
  const [generation, setGeneration] = useState(0);
  const [confirm, confirmElement] = useConfirm();
  /** Videos created by uploads here, followed even when the list filter hides them. */
  const [tracked, setTracked] = useState<ReadonlyMap<string, WireVideo>>(new Map());
  const videosRef = useRef(videos);
  videosRef.current = videos;
  const trackedRef = useRef(tracked);
  trackedRef.current = tracked;

  useEffect(() => {
    const timer = window.setTimeout(() => {
      setQuery(search.trim());
      setPageNo(1);
    }, SEARCH_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [search]);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    loadLibraryPage(
      client,
      { status, search: query, cateId, encryption },
      { pageNo, pageSize: PAGE_SIZE },
      controller.signal,
    ).then(
      (answer) => {
        // A load the filters have moved past must not overwrite the newer one's list.
        if (controller.signal.aborted) return;
        const page = answer.videos;
        setVideos((current) =>
          pageNo === 1
            ? page
            : [...current, ...page.filter((v) => !current.some((c) => c.VideoId === v.VideoId))],
        );
        setTotal(answer.total);
        setSearchHere(answer.searchHere);
        setError(undefined);
        setLoading(false);
        // SearchMedia's videos carry no encryption: fill the column in afterwards.
        if (answer.needsEncryptTypes && page.length > 0) {
          loadEncryptTypes(
            client,
            page.map((v) => v.VideoId),
            controller.signal,
          ).then(
            (types) =>
              setVideos((current) =>
                current.map((v) => (types.has(v.VideoId) ? { ...v, EncryptTypes: types.get(v.VideoId) } : v)),
              ),
            () => undefined, // the column keeps its dash; the next load asks again
          );
        }
      },
      (failure: unknown) => {
        if (controller.signal.aborted) return;
        setError(failure);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [client, status, query, cateId, encryption, pageNo, generation]);

  const reload = useCallback(() => {
    setPageNo(1);
    setGeneration((g) => g + 1);
  }, []);

  // Live status: every few seconds, refresh the videos that change by themselves.
  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const tick = async () => {
      const ids = new Set<string>();
      for (const v of [...videosRef.current, ...trackedRef.current.values()])
        if (MOVING_STATUSES.has(v.Status)) ids.add(v.VideoId);
      const list = [...ids];
      try {
        for (let i = 0; i < list.length && !stopped; i += 20) {
          const answer = await client.request<{ VideoList?: WireVideo[] }>('GetVideoInfos', {
            VideoIds: list.slice(i, i + 20).join(','),
          });
          const fresh = new Map((answer.VideoList ?? []).map((v) => [v.VideoId, v]));
          if (stopped) return;
          setVideos((current) => current.map((v) => fresh.get(v.VideoId) ?? v));
          setTracked((current) => new Map([...current].map(([id, v]) => [id, fresh.get(id) ?? v])));
        }
      } catch {
        // A failed poll is retried on the next tick; the list keeps its last known state.
      }
      if (!stopped) timer = window.setTimeout(() => void tick(), POLL_MS);
    };
    timer = window.setTimeout(() => void tick(), POLL_MS);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [client]);

  const watchVideo = useCallback(
    async (videoId: string) => {
      try {
        const { Video } = await client.request<{ Video: WireVideo }>('GetVideoInfo', { VideoId: videoId });
        setTracked((current) => new Map(current).set(videoId, Video));
        if ((!status || status === Video.Status) && !query && !cateId && !encryption) {
          setVideos((current) => [Video, ...current.filter((v) => v.VideoId !== videoId)]);
          setTotal((t) => t + (videosRef.current.some((v) => v.VideoId === videoId) ? 0 : 1));
        }
      } catch {
        // The poll picks it up once the list reloads.
      }
    },
    [client, status, query, cateId, encryption],
  );

  const remove = async (video: WireVideo) => {
    const confirmed = await confirm({
      title: `Delete “${video.Title}”?`,
      body: (
        <p>
          The source file, every rendition and the video's keys are deleted. Players and downloads stop
          working immediately. This cannot be undone.
        </p>
      ),
      confirmLabel: 'Delete video',
      danger: true,
    });
    if (!confirmed) return;
    try {
      await client.request('DeleteVideo', { VideoIds: video.VideoId });
      setVideos((current) => current.filter((v) => v.VideoId !== video.VideoId));
      setTotal((t) => Math.max(0, t - 1));
      setNotice(`Deleted “${video.Title}”.`);
    } catch (failure) {
      setNotice(undefined);
      setError(failure);
    }
  };

  const needle = query.toLowerCase();
  const shown = useMemo(
    () =>
      searchHere && needle
        ? videos.filter((v) => v.Title.toLowerCase().includes(needle) || v.VideoId === needle)
        : videos,
    [videos, searchHere, needle],
  );
  const filtered = Boolean(status || query || cateId || encryption);
  const categoryName = useMemo(
    () => new Map((categories.data ?? []).map((c) => [c.cateId, c.path])),
    [categories.data],
  );
  const statusOf = useCallback(
    (videoId: string) => videos.find((v) => v.VideoId === videoId) ?? tracked.get(videoId),
    [videos, tracked],
  );

  return (
    <>
      <div className="page-header">
        <h1>Library</h1>
        <button type="button" className="button-secondary" onClick={reload}>
          Refresh
        </button>
      </div>
      <UploadPanel
        onCreated={(id) => void watchVideo(id)}
        onUploaded={(id) => void watchVideo(id)}
        statusOf={statusOf}
      />
      {confirmElement}
      <section className="card" aria-labelledby="videos-title">
        <h2 id="videos-title">Videos</h2>
        <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
          <TextField
            label="Search by title"
            type="search"
            value={search}
            onValue={setSearch}
            placeholder="Title or VideoId"
            hint={
              encryption
                ? `With an encryption filter, searches the ${videos.length} videos loaded so far.`
                : 'Searches every video on the server (SearchMedia).'
            }
          />
          <SelectField
            label="Status"
            value={status}
            onValue={(value) => {
              setStatus(value);
              setPageNo(1);
            }}
            options={[
              ['', 'All statuses'],
              ...VIDEO_STATUSES.map((s): [string, string] => [s, STATUS_LABELS[s] ?? s]),
            ]}
          />
          <SelectField
            label="Category"
            value={cateId}
            onValue={(value) => {
              setCateId(value);
              setPageNo(1);
            }}
            options={[
              ['', categories.error ? 'All categories (list unavailable)' : 'All categories'],
              ...(categories.data ?? []).map((c): [string, string] => [String(c.cateId), c.path]),
            ]}
          />
          <SelectField
            label="Encryption"
            value={encryption}
            onValue={(value) => {
              setEncryption(value);
              setPageNo(1);
            }}
            options={[
              ['', 'Any encryption'],
              ...VIDEO_ENCRYPTIONS.map((e): [string, string] => [e.type, e.label]),
            ]}
          />
        </form>
        {notice ? <Notice tone="ok">{notice}</Notice> : null}
        {error ? <ErrorNotice error={error} onRetry={reload} /> : null}
        {loading && videos.length === 0 ? <Loading label="Loading videos…" /> : null}
        {!loading && !error && shown.length === 0 ? (
          <EmptyState
            title={emptyTitle({ status, query, cateId: categoryName.get(Number(cateId)), encryption })}
          >
            {filtered ? (
              <p>
                Check the spelling, or choose “All statuses”, “All categories” and “Any encryption” to see
                every video.
              </p>
            ) : (
              <p>Upload a file above; it appears here while it uploads and transcodes.</p>
            )}
          </EmptyState>
        ) : null}
        {shown.length > 0 ? (
          <table className="data-table video-table">
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Status</th>
                <th scope="col">Encryption</th>
                <th scope="col">Category</th>
                <th scope="col">Duration</th>
                <th scope="col">Size</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((video) => (
                <tr key={video.VideoId} data-video-id={video.VideoId}>
                  <td data-label="Title" className="title-cell">
                    {video.CoverURL ? (
                      <img
                        className="cover-thumb"
                        src={video.CoverURL}
                        alt=""
                        loading="lazy"
                        width={64}
                        height={36}
                      />
                    ) : null}
                    <Link route={{ page: 'video', videoId: video.VideoId }}>{video.Title}</Link>
                    {video.StatusReason && /Fail/.test(video.Status) ? (
                      <p className="field-error small">{video.StatusReason}</p>
                    ) : null}
                  </td>
                  <td data-label="Status">
                    <StatusBadge video={video} />
                  </td>
                  <td data-label="Encryption">
                    <EncryptionBadges encryptTypes={video.EncryptTypes} />
                  </td>
                  <td data-label="Category" className="category-cell">
                    {video.CateId !== undefined
                      ? (categoryName.get(video.CateId) ?? video.CateName ?? '')
                      : ''}
                  </td>
                  <td data-label="Duration">{formatDuration(video.Duration)}</td>
                  <td data-label="Size">{formatBytes(video.Size)}</td>
                  <td data-label="Created">{formatTime(video.CreationTime)}</td>
                  <td className="actions">
                    <button
                      type="button"
                      className="button-secondary button-small"
                      onClick={() => void remove(video)}
                      aria-label={`Delete ${video.Title}`}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {videos.length < total ? (
          <button
            type="button"
            className="button-secondary"
            disabled={loading}
            onClick={() => setPageNo((p) => p + 1)}
          >
            {loading ? 'Loading…' : `Load more (${total - videos.length} older)`}
          </button>
        ) : null}
      </section>
    </>
  );
}

function emptyTitle(filter: {
  status: string;
  query: string;
  cateId: string | undefined;
  encryption: string;
}): string {
  const parts: string[] = [];
  if (filter.query) parts.push(`matching “${filter.query}”`);
  if (filter.status) parts.push(`with status “${STATUS_LABELS[filter.status] ?? filter.status}”`);
  if (filter.cateId) parts.push(`in “${filter.cateId}”`);
  if (filter.encryption) {
    const label = VIDEO_ENCRYPTIONS.find((e) => e.type === filter.encryption)?.label ?? filter.encryption;
    parts.push(`with encryption “${label}”`);
  }
  return parts.length ? `No videos ${parts.join(', ')}.` : 'No videos yet.';
}
