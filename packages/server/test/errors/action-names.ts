/**
 * The names of every action the server registers (VOD, RAM and STS), read from the action
 * modules themselves (built with inert dependencies: building a handler map touches none of
 * them), so the docs test cannot drift from server.ts and access-wiring.ts.
 */
import { accessKeyActions } from '../../src/actions/access-key-actions.js';
import { imageActions } from '../../src/actions/image-actions.js';
import { snapshotActions } from '../../src/actions/snapshot-actions.js';
import { transcodeTaskActions } from '../../src/actions/transcode-task-actions.js';
import { downloadSettingsActions } from '../../src/actions/download-settings-actions.js';
import { messageCallbackActions } from '../../src/actions/message-callback-actions.js';
import { playbackActions } from '../../src/actions/playback-actions.js';
import { ramPolicyActions } from '../../src/actions/ram-policy-actions.js';
import { ramRoleActions } from '../../src/actions/ram-role-actions.js';
import { ramUserActions } from '../../src/actions/ram-user-actions.js';
import { stsActions } from '../../src/actions/sts-actions.js';
import { templateGroupActions } from '../../src/actions/template-group-actions.js';
import { traceExtractActions } from '../../src/actions/trace-extract-actions.js';
import { videoActions } from '../../src/actions/video-actions.js';
import { vodAppActions } from '../../src/actions/vod-app-actions.js';

/** Handlers that the server registers one by one in server.ts. */
const SINGLE_ACTIONS = [
  'GenerateDownloadSecretKey',
  'GenerateKMSDataKey',
  'DecryptKMSDataKey',
  'SubmitTranscodeJobs',
];

export function actionNames(): string[] {
  const inert = new Proxy({}, { get: () => () => undefined }) as never;
  const names = new Set([
    ...SINGLE_ACTIONS,
    ...Object.keys(videoActions(inert)),
    ...Object.keys(imageActions(inert)),
    ...Object.keys(snapshotActions(inert)),
    ...Object.keys(traceExtractActions(inert)),
    ...Object.keys(transcodeTaskActions(inert)),
    ...Object.keys(templateGroupActions(inert)),
    ...Object.keys(messageCallbackActions(inert)),
    ...Object.keys(accessKeyActions(inert)),
    ...Object.keys(vodAppActions(inert)),
    ...Object.keys(downloadSettingsActions(inert)),
    ...Object.keys(playbackActions(inert)),
    ...Object.keys(ramUserActions(inert)),
    ...Object.keys(ramPolicyActions(inert)),
    ...Object.keys(ramRoleActions(inert)),
    ...Object.keys(stsActions(inert)),
  ]);
  return [...names].sort();
}
