/**
 * SubmitTranscodeJobs (reference §2.9): transcode an uploaded video with a template group,
 * optionally with a customer-managed key (`EncryptConfig`, from GenerateKMSDataKey) whose
 * DecryptKeyUri is written into the playlists. Asynchronous: results arrive as callbacks.
 */
import { randomUUID } from 'node:crypto';
import { parseUserData } from '../callbacks/callback-config.js';
import { catalogueErrors } from '../catalogue/catalogue-errors.js';
import type { TemplateGroupService } from '../catalogue/template-group-service.js';
import type { TranscodeScheduler } from '../catalogue/transcode-scheduler.js';
import { apiErrors, mediaLibraryErrors } from '../errors/api-error.js';
import { KmsError, type Kms } from '../kms/kms.js';
import type { ActionHandler } from '../rpc/rpc-plugin.js';
import type { SettingsStore } from '../store/settings-store.js';
import type { VideoStore } from '../store/video-store.js';
import { CUSTOMER_DATA_KEY_CONTEXT } from './kms-data-key-handlers.js';

const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

export function submitTranscodeJobsHandler(deps: {
  videos: VideoStore;
  groups: TemplateGroupService;
  scheduler: TranscodeScheduler;
  kms: Kms;
  settings: SettingsStore;
}): ActionHandler {
  return async ({ params }) => {
    const templateGroupId = params.required('TemplateGroupId');
    const videoId = params.required('VideoId');
    const priority = params.integer('Priority', { min: 1, max: 10, fallback: 6 });
    const userData = params.optional('UserData');
    parseUserData(userData);
    const encryptConfig = await parseEncryptConfig(params.optional('EncryptConfig'), deps.kms);

    const video = await deps.videos.find(videoId);
    if (!video) throw catalogueErrors.videoNotFound();
    if (!['UploadSucc', 'Normal', 'Checking'].includes(video.status)) {
      throw catalogueErrors.illegalStatus(video.status, 400);
    }
    if (video.mezzanineDeletedAt) throw mediaLibraryErrors.mezzanineDeleted();
    const group = await deps.groups.store.find(templateGroupId);
    if (!group) {
      throw catalogueErrors.noSuchResource(`TemplateGroupId ${templateGroupId}`);
    }

    const sessionId = params.optional('SessionId');
    if (sessionId !== undefined) {
      if (!/^[A-Za-z0-9_-]{1,50}$/.test(sessionId)) {
        throw apiErrors.invalidParameter('SessionId', 'It must be 1-50 letters, digits, "-" or "_".');
      }
      const key = `transcodeSession:${sessionId}`;
      const seen = await deps.settings.get<number>(key);
      if (seen !== undefined && Date.now() - seen < SESSION_TTL_MS) throw catalogueErrors.duplicateSession();
      await deps.settings.set(key, Date.now());
    }

    const jobId = await deps.scheduler.submit(video, templateGroupId, {
      encryptConfig,
      userData,
      priority,
      trigger: 'Manual',
    });
    return {
      TranscodeTaskId: randomUUID().replaceAll('-', ''),
      TranscodeJobs: { TranscodeJob: jobId ? [{ JobId: jobId }] : [] },
    };
  };
}

async function parseEncryptConfig(raw: string | undefined, kms: Kms) {
  if (raw === undefined) return undefined;
  let value: { CipherText?: unknown; DecryptKeyUri?: unknown; KeyServiceType?: unknown };
  try {
    value = JSON.parse(raw) as typeof value;
  } catch {
    throw apiErrors.invalidParameter('EncryptConfig', 'It must be a JSON object.');
  }
  if (typeof value !== 'object' || value === null)
    throw apiErrors.invalidParameter('EncryptConfig', 'It must be a JSON object.');
  for (const field of ['CipherText', 'DecryptKeyUri', 'KeyServiceType'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '') {
      throw apiErrors.invalidParameter('EncryptConfig', `EncryptConfig.${field} is required.`);
    }
  }
  if (value.KeyServiceType !== 'KMS')
    throw apiErrors.invalidParameter('EncryptConfig', 'EncryptConfig.KeyServiceType must be "KMS".');
  const decryptKeyUri = value.DecryptKeyUri as string;
  try {
    const url = new URL(decryptKeyUri);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    // Written as is into EXT-X-KEY's quoted URI, where quotes and line breaks cannot appear;
    // `new URL` accepts them (and strips some), so refuse them here rather than in the job.
    const unquotable = (c: string) => c === '"' || c <= ' ' || c === '\x7f' || /\s/.test(c);
    if ([...decryptKeyUri].some(unquotable)) throw new Error('characters');
  } catch {
    throw apiErrors.invalidParameter(
      'EncryptConfig',
      'EncryptConfig.DecryptKeyUri must be an http(s) URL without quotes, spaces or control characters.',
    );
  }
  try {
    const { plaintext } = await kms.decrypt(value.CipherText as string, CUSTOMER_DATA_KEY_CONTEXT);
    const ok = plaintext.length === 16;
    plaintext.fill(0);
    if (!ok) throw new KmsError('InvalidCiphertext', 'not an AES_128 data key');
  } catch (error) {
    if (error instanceof KmsError && error.code !== 'KmsUnavailable') {
      throw apiErrors.invalidParameter(
        'EncryptConfig',
        'EncryptConfig.CipherText must be a CiphertextBlob returned by GenerateKMSDataKey of this service.',
      );
    }
    throw error;
  }
  return { cipherText: value.CipherText as string, decryptKeyUri };
}
