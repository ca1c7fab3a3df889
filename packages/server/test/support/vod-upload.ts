/**
 * The upload flow a customer's backend runs: CreateUploadVideo through pop-core, then the file
 * through unmodified ali-oss with the returned UploadAddress / UploadAuth.
 */
import type RPCClient from '@alicloud/pop-core';
import { createOssClient, type OssClient } from '../upload/ali-oss-client.js';

export interface UploadTicket {
  VideoId: string;
  UploadAddress: string;
  UploadAuth: string;
}

export interface DecodedTicket {
  videoId: string;
  address: { Endpoint: string; Bucket: string; FileName: string };
  auth: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Expiration: string };
}

export function decodeTicket(ticket: UploadTicket): DecodedTicket {
  const decode = (s: string) => JSON.parse(Buffer.from(s, 'base64').toString('utf8')) as never;
  return { videoId: ticket.VideoId, address: decode(ticket.UploadAddress), auth: decode(ticket.UploadAuth) };
}

export function ossClientFor(ticket: DecodedTicket): OssClient {
  return createOssClient({
    endpoint: ticket.address.Endpoint,
    bucket: ticket.address.Bucket,
    accessKeyId: ticket.auth.AccessKeyId,
    accessKeySecret: ticket.auth.AccessKeySecret,
    stsToken: ticket.auth.SecurityToken,
    timeout: 120_000,
  });
}

export async function createUpload(vod: RPCClient, params: Record<string, string>): Promise<DecodedTicket> {
  const ticket = await vod.request<UploadTicket>('CreateUploadVideo', params, { method: 'POST' });
  return decodeTicket(ticket);
}

export interface VideoInfo {
  VideoId: string;
  Status: string;
  StatusReason?: string;
  Duration: number;
  Size: number;
  TemplateGroupId: string;
}

/** Polls GetVideoInfo until the status is one of `statuses` (or times out with the last seen). */
export async function waitForStatus(
  vod: RPCClient,
  videoId: string,
  statuses: string[],
  timeoutMs = 120_000,
): Promise<VideoInfo> {
  const deadline = Date.now() + timeoutMs;
  let last: VideoInfo | undefined;
  while (Date.now() < deadline) {
    last = (await vod.request<{ Video: VideoInfo }>('GetVideoInfo', { VideoId: videoId })).Video;
    if (statuses.includes(last.Status)) return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(
    `video ${videoId} did not reach ${statuses.join('/')} in ${timeoutMs} ms; last: ${JSON.stringify(last)}`,
  );
}
