/** Ready-made videos for playback tests: upload a lavfi clip and wait until it is Normal. */
import type RPCClient from '@alicloud/pop-core';
import { createUpload, ossClientFor, waitForStatus } from './vod-upload.js';

export function encryptedTemplate(definition: string, height: number, encryptType?: string, rotation = 0) {
  return {
    Definition: definition,
    TemplateName: `${definition} ${encryptType ?? 'clear'}`,
    Video: { Codec: 'H.264', Bitrate: '500', Height: String(height) },
    Audio: { Codec: 'AAC', Bitrate: '64' },
    Container: { Format: 'm3u8' },
    MuxConfig: { Segment: { Duration: '2' } },
    ...(encryptType
      ? { EncryptSetting: { EncryptType: encryptType, KeyRotationSegments: String(rotation) } }
      : {}),
  };
}

/** A template with leak tracing on (our extension `TraceWatermark`; docs/tracing.md). */
export function tracedTemplate(definition: string, height: number, encryptType: string, trace: object = {}) {
  return {
    ...encryptedTemplate(definition, height, encryptType, 4),
    TraceWatermark: { Enabled: 'true', ...trace },
  };
}

export async function addGroup(vod: RPCClient, name: string, templates: object[]): Promise<string> {
  const res = await vod.request<{ TranscodeTemplateGroupId: string }>('AddTranscodeTemplateGroup', {
    Name: name,
    TranscodeTemplateList: JSON.stringify(templates),
  });
  return res.TranscodeTemplateGroupId;
}

/** Uploads `clip` with ali-oss into group `groupId` and waits for Normal; returns the VideoId. */
export async function uploadVideo(
  vod: RPCClient,
  clip: string,
  groupId: string,
  title = 'clip',
): Promise<string> {
  const ticket = await createUpload(vod, { Title: title, FileName: 'clip.mp4', TemplateGroupId: groupId });
  await ossClientFor(ticket).put(ticket.address.FileName, clip);
  const video = await waitForStatus(vod, ticket.videoId, ['Normal', 'TranscodeFail']);
  if (video.Status !== 'Normal') throw new Error(`transcoding failed: ${video.StatusReason}`);
  return ticket.videoId;
}
