/**
 * Uploads one or many files, each with its own progress, through `uploadFile` (CreateUploadVideo +
 * ali-oss multipartUpload). After the bytes are in, the row follows the video's status (the
 * library polls it) until it is ready or failed.
 */
import { useRef, useState, type DragEvent } from 'react';
import ossScriptUrl from 'ali-oss/dist/aliyun-oss-sdk.min.js?url';
import { describeError } from '../api/error-messages.js';
import type { WireGroupSummary, WireVideo } from '../api/wire-types.js';
import { uploadFile, UploadError } from '../upload/browser-uploader.js';
import { SelectField } from '../ui/fields.js';
import { useSession } from '../ui/session-context.js';
import { StatusBadge } from '../ui/status-badge.js';
import { useLoad } from '../ui/use-load.js';
import { formatBytes } from '../util/format.js';

/** The extensions CreateUploadVideo accepts (server: `VIDEO_EXTENSIONS`). */
const ACCEPT =
  'video/*,audio/*,.mp4,.mov,.m4v,.mkv,.webm,.avi,.flv,.ts,.mts,.m2ts,.mpg,.mpeg,.wmv,.3gp,.ogv,.mxf,.f4v,.rm,.rmvb,.vob,.dv,.asf,.mp3,.wav,.aac,.m4a,.flac,.ogg';

interface UploadRow {
  readonly key: number;
  readonly file: File;
  readonly videoId?: string;
  readonly state: 'starting' | 'uploading' | 'uploaded' | 'failed' | 'cancelled';
  readonly fraction: number;
  readonly error?: string;
  readonly controller: AbortController;
}

export function titleOf(fileName: string): string {
  const base = fileName.replace(/\.[^.]+$/, '').trim();
  return (base || fileName).slice(0, 128);
}

export function UploadPanel(props: {
  readonly onCreated: (videoId: string) => void;
  readonly onUploaded: (videoId: string) => void;
  readonly statusOf: (videoId: string) => WireVideo | undefined;
}) {
  const { client } = useSession();
  const [rows, setRows] = useState<readonly UploadRow[]>([]);
  const [groupId, setGroupId] = useState('');
  const [dragging, setDragging] = useState(false);
  const nextKey = useRef(1);
  const inputRef = useRef<HTMLInputElement>(null);
  const groups = useLoad(
    async (signal) =>
      (
        await client.request<{ TranscodeTemplateGroupList?: WireGroupSummary[] }>(
          'ListTranscodeTemplateGroup',
          {},
          { signal },
        )
      ).TranscodeTemplateGroupList ?? [],
    [client],
  );

  const update = (key: number, patch: Partial<UploadRow>) =>
    setRows((current) => current.map((row) => (row.key === key ? { ...row, ...patch } : row)));

  const start = (files: readonly File[]) => {
    const added = files.map((file) => ({
      key: nextKey.current++,
      file,
      state: 'starting' as const,
      fraction: 0,
      controller: new AbortController(),
    }));
    setRows((current) => [...added, ...current]);
    for (const row of added) {
      uploadFile({
        client,
        file: row.file,
        title: titleOf(row.file.name),
        templateGroupId: groupId || undefined,
        ossScriptUrl,
        signal: row.controller.signal,
        onCreated: (videoId) => {
          update(row.key, { videoId, state: 'uploading' });
          props.onCreated(videoId);
        },
        onProgress: (fraction) => update(row.key, { fraction }),
      }).then(
        (videoId) => {
          update(row.key, { state: 'uploaded', fraction: 1 });
          props.onUploaded(videoId);
        },
        (error: unknown) => {
          const cancelled = error instanceof UploadError && error.code === 'Cancelled';
          update(row.key, { state: cancelled ? 'cancelled' : 'failed', error: describeError(error) });
        },
      );
    }
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (event.dataTransfer.files.length > 0) start([...event.dataTransfer.files]);
  };

  const defaultGroup = groups.data?.find((g) => g.IsDefault === 'Default');
  const groupOptions: [string, string][] = [
    ['', `Default group${defaultGroup ? ` (${defaultGroup.Name})` : ''}`],
    ...(groups.data ?? [])
      .filter((g) => g.IsDefault !== 'Default')
      .map((g): [string, string] => [g.TranscodeTemplateGroupId, g.Name]),
  ];

  return (
    <section className="card upload-panel" aria-labelledby="upload-title">
      <h2 id="upload-title">Upload videos</h2>
      <div className="upload-controls">
        <SelectField
          label="Template group"
          value={groupId}
          onValue={setGroupId}
          options={groupOptions}
          hint="Transcoding ladder and encryption for these uploads."
        />
        <div
          className={`drop-zone${dragging ? ' dragging' : ''}`}
          onDragOver={(event) => {
            event.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <input
            ref={inputRef}
            id="upload-files"
            type="file"
            multiple
            accept={ACCEPT}
            className="visually-hidden"
            onChange={(event) => {
              const files = [...(event.target.files ?? [])];
              event.target.value = '';
              if (files.length > 0) start(files);
            }}
          />
          <label htmlFor="upload-files" className="button">
            Choose files…
          </label>
          <span className="muted">or drop video files here</span>
        </div>
      </div>
      {rows.length > 0 ? (
        <ul className="upload-list" aria-label="Uploads">
          {rows.map((row) => {
            const video = row.videoId ? props.statusOf(row.videoId) : undefined;
            const percent = Math.round(row.fraction * 100);
            return (
              <li key={row.key} className={`upload-row upload-${row.state}`} data-file={row.file.name}>
                <div className="upload-name">
                  <strong>{row.file.name}</strong> <span className="muted">{formatBytes(row.file.size)}</span>
                </div>
                {row.state === 'starting' || row.state === 'uploading' ? (
                  <div className="upload-progress">
                    <progress max={100} value={percent} aria-label={`Uploading ${row.file.name}`} />
                    <span aria-live="polite">{row.state === 'starting' ? 'Starting…' : `${percent}%`}</span>
                    <button
                      type="button"
                      className="button-secondary button-small"
                      onClick={() => row.controller.abort()}
                    >
                      Cancel
                    </button>
                  </div>
                ) : null}
                {row.state === 'uploaded' ? (
                  <div className="upload-progress" aria-live="polite">
                    <span>Uploaded.</span>{' '}
                    {video ? (
                      <StatusBadge video={video} />
                    ) : (
                      <span className="muted">Waiting for status…</span>
                    )}
                  </div>
                ) : null}
                {row.state === 'failed' || row.state === 'cancelled' ? (
                  <p
                    className={row.state === 'failed' ? 'field-error' : 'muted'}
                    role={row.state === 'failed' ? 'alert' : undefined}
                  >
                    {row.error}
                  </p>
                ) : null}
              </li>
            );
          })}
        </ul>
      ) : null}
    </section>
  );
}
