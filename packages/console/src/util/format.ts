/** How the console shows sizes, durations, times and statuses. */

export function formatBytes(bytes: number | undefined | null): string {
  if (bytes === undefined || bytes === null || !Number.isFinite(bytes) || bytes <= 0) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(seconds: number | string | undefined | null): string {
  const total = Math.round(Number(seconds ?? 0));
  if (!Number.isFinite(total) || total <= 0) return '—';
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** Local date and time; `seconds` for logs, where order within a minute matters. */
export function formatTime(iso: string | undefined | null, options: { seconds?: boolean } = {}): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: options.seconds ? 'medium' : 'short',
  });
}

export const VIDEO_STATUSES = [
  'Uploading',
  'UploadFail',
  'UploadSucc',
  'Transcoding',
  'TranscodeFail',
  'Checking',
  'Blocked',
  'Normal',
  'ProduceFail',
] as const;

export const STATUS_LABELS: Readonly<Record<string, string>> = {
  Uploading: 'Uploading',
  UploadFail: 'Upload failed',
  UploadSucc: 'Uploaded, waiting to transcode',
  Transcoding: 'Transcoding',
  TranscodeFail: 'Transcoding failed',
  Checking: 'In review',
  Blocked: 'Blocked',
  Normal: 'Ready',
  ProduceFail: 'Production failed',
};

/** Statuses that change by themselves (the library keeps polling videos in them). */
export const MOVING_STATUSES: ReadonlySet<string> = new Set([
  'Uploading',
  'UploadSucc',
  'Transcoding',
  'Checking',
]);

export function statusTone(status: string): 'ok' | 'busy' | 'bad' | 'idle' {
  if (status === 'Normal') return 'ok';
  if (MOVING_STATUSES.has(status)) return 'busy';
  if (/Fail|Blocked/.test(status)) return 'bad';
  return 'idle';
}

export function encryptionLabel(type: string | undefined): string {
  switch (type) {
    case 'AliyunVoDEncryption':
    case 'Private':
      return 'Private (AES-256-GCM)';
    case 'HLSEncryption':
      return 'Standard HLS (AES-128)';
    case undefined:
    case '':
    case 'Unencrypted':
      return 'None';
    default:
      return type;
  }
}

/**
 * The three kinds of encryption a video's renditions can have, as the library filters them
 * (`GetVideoList` `EncryptType`) and labels them (`Video.EncryptTypes`), strongest first.
 */
export const VIDEO_ENCRYPTIONS = [
  { type: 'AliyunVoDEncryption', label: 'Private', tone: 'private' },
  { type: 'HLSEncryption', label: 'Standard', tone: 'standard' },
  { type: 'Unencrypted', label: 'None', tone: 'none' },
] as const;

/** The entries of `VIDEO_ENCRYPTIONS` named in an `EncryptTypes` value, in that order. */
export function videoEncryptions(encryptTypes: string | undefined) {
  const types = new Set((encryptTypes ?? '').split(',').map((t) => t.trim()));
  return VIDEO_ENCRYPTIONS.filter((e) => types.has(e.type));
}
