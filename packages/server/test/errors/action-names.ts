/**
 * The names of every VOD action the server registers, read from the action modules themselves
 * (built with inert dependencies: building a handler map touches none of them), so the docs test
 * cannot drift from server.ts.
 */
import { accessKeyActions } from '../../src/actions/access-key-actions.js';
import { downloadSettingsActions } from '../../src/actions/download-settings-actions.js';
import { messageCallbackActions } from '../../src/actions/message-callback-actions.js';
import { playbackActions } from '../../src/actions/playback-actions.js';
import { templateGroupActions } from '../../src/actions/template-group-actions.js';
import { videoActions } from '../../src/actions/video-actions.js';

/** Handlers that the server registers one by one in server.ts. */
const SINGLE_ACTIONS = [
  'GenerateDownloadSecretKey',
  'GenerateKMSDataKey',
  'DecryptKMSDataKey',
  'SubmitTranscodeJobs',
];

export function vodActionNames(): string[] {
  const inert = new Proxy({}, { get: () => () => undefined }) as never;
  return [
    ...SINGLE_ACTIONS,
    ...Object.keys(videoActions(inert)),
    ...Object.keys(templateGroupActions(inert)),
    ...Object.keys(messageCallbackActions(inert)),
    ...Object.keys(accessKeyActions(inert)),
    ...Object.keys(downloadSettingsActions(inert)),
    ...Object.keys(playbackActions(inert)),
  ].sort();
}
