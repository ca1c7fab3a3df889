/**
 * Playback in the console through the web player SDK exactly as a customer's page uses it: the
 * server's `/sdk/securevod-player.js` (global `SecureVod`), a PlayAuth from GetVideoPlayAuth, and
 * `SecureVod.createPlayer({ video, vid, playAuth, endpoint })`.
 */
import type { VodClient } from '../api/vod-client.js';
import { loadScript } from '../util/script-loader.js';

export const SDK_PATH = '/sdk/securevod-player.js';

/** The members of `@securevod/player`'s Player the console uses. */
export interface ConsolePlayer {
  readonly ready: Promise<void>;
  readonly definition: string | undefined;
  readonly definitions: readonly string[];
  on(
    type: 'error',
    listener: (error: { type?: string; details?: string; message: string; fatal?: boolean }) => void,
  ): () => void;
  setDefinition(definition: string): Promise<void>;
  destroy(): void;
}

interface SecureVodGlobal {
  createPlayer(options: {
    video: HTMLVideoElement;
    vid: string;
    playAuth: string;
    endpoint?: string;
    refreshPlayAuth?: () => Promise<string>;
  }): ConsolePlayer;
}

/** The SDK script's URL on the API server (`endpoint` '' = this page's origin). */
export function sdkScriptUrl(endpoint: string): string {
  return `${endpoint}${SDK_PATH}`;
}

async function sdk(endpoint: string): Promise<SecureVodGlobal> {
  const existing = (globalThis as { SecureVod?: SecureVodGlobal }).SecureVod;
  if (existing) return existing;
  await loadScript(sdkScriptUrl(endpoint));
  const loaded = (globalThis as { SecureVod?: SecureVodGlobal }).SecureVod;
  if (!loaded) throw new Error(`The player SDK at ${sdkScriptUrl(endpoint)} did not define SecureVod.`);
  return loaded;
}

async function playAuthFor(client: VodClient, videoId: string): Promise<string> {
  const answer = await client.request<{ PlayAuth: string }>('GetVideoPlayAuth', { VideoId: videoId });
  return answer.PlayAuth;
}

/** Starts playing `videoId` in `video`; the caller destroys the player when done. */
export async function startPlayer(
  client: VodClient,
  video: HTMLVideoElement,
  videoId: string,
): Promise<ConsolePlayer> {
  const [SecureVod, playAuth] = await Promise.all([sdk(client.endpoint), playAuthFor(client, videoId)]);
  const endpoint = client.endpoint === '' ? location.origin : client.endpoint;
  return SecureVod.createPlayer({
    video,
    vid: videoId,
    playAuth,
    endpoint,
    refreshPlayAuth: () => playAuthFor(client, videoId),
  });
}
