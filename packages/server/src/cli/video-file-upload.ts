/**
 * Uploading a local file as a new video, as `securevod upload` and `securevod trace` both do:
 * CreateUploadVideo, then the file through ali-oss to the returned UploadAddress (refreshing the
 * credentials when they expire), with a byte progress bar on stderr.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { CliError } from './cli-error.js';
import { loadClientConfig, type ClientFlags } from './client-config.js';
import { decodeUploadTicket, type UploadTicket } from './oss-upload-client.js';
import { createProgressReporter, progressMode, type ProgressMode } from './progress-reporter.js';
import { SourceUploadError, uploadSource } from './source-uploader.js';
import { VodApiClient } from './vod-api-client.js';

/** Checks FILE before any API call, so a typo costs no video record. Returns its size. */
export async function readableFileSize(file: string): Promise<number> {
  let info;
  try {
    info = await stat(file);
    await access(file, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? String(error));
    throw new CliError(`cannot read ${file}: ${reason}`);
  }
  if (!info.isFile()) throw new CliError(`${file} is not a regular file`);
  if (info.size === 0) throw new CliError(`${file} is empty`);
  return info.size;
}

/** What a command that uploads FILE starts from: the file checked, the API client, the progress mode. */
export async function prepareFileUpload(
  file: string,
  flags: ClientFlags & { json?: boolean },
): Promise<{ size: number; api: VodApiClient; mode: ProgressMode; fileName: string }> {
  const size = await readableFileSize(file);
  const config = await loadClientConfig({ flags, env: process.env, cwd: process.cwd() });
  return {
    size,
    api: new VodApiClient(config),
    mode: progressMode({ json: flags.json === true, stream: process.stderr }),
    fileName: basename(file),
  };
}

export interface VideoFileUpload {
  readonly file: string;
  /** From `readableFileSize`. */
  readonly size: number;
  readonly title: string;
  readonly templateGroupId?: string | undefined;
  readonly mode: ProgressMode;
}

/** Creates the video and uploads FILE into it; returns the ticket (its `videoId`). */
export async function uploadVideoFile(api: VodApiClient, upload: VideoFileUpload): Promise<UploadTicket> {
  const ticket = decodeUploadTicket(
    await api.request('CreateUploadVideo', {
      Title: upload.title,
      FileName: basename(upload.file),
      FileSize: String(upload.size),
      TemplateGroupId: upload.templateGroupId,
    }),
  );
  const bar = createProgressReporter(upload.mode, 'upload', 'bytes', process.stderr);
  bar.start(upload.size);
  try {
    await uploadSource({
      file: upload.file,
      size: upload.size,
      ticket,
      refresh: async () =>
        decodeUploadTicket(await api.request('RefreshUploadVideo', { VideoId: ticket.videoId })),
      onProgress: (bytes) => bar.update(bytes),
    });
  } catch (error) {
    throw uploadFailure(error, ticket);
  } finally {
    bar.stop();
  }
  return ticket;
}

function uploadFailure(error: unknown, ticket: UploadTicket): unknown {
  if (!(error instanceof SourceUploadError)) return error;
  const network = error.httpStatus === undefined;
  const where = network ? `cannot reach the upload endpoint ${ticket.address.Endpoint}: ` : '';
  return new CliError(`upload of video ${ticket.videoId} failed: ${where}${error.message}`, 1, {
    cause: error,
  });
}
