/**
 * `securevod play-url VIDEO_ID` prints a signed play URL (GetPlayInfo) that any HLS player opens;
 * `securevod play-auth VIDEO_ID` prints a PlayAuth for the web player SDK (GetVideoPlayAuth).
 */
import { Command } from 'commander';
import { CliError, exitWithError, exitOnCommanderExit } from './cli-error.js';
import { loadClientConfig, type ClientFlags } from './client-config.js';
import { VodApiClient, VodApiError } from './vod-api-client.js';

interface PlayInfo {
  PlayURL: string;
  Definition: string;
  EncryptType?: string;
  Width: number;
  Height: number;
}

function clientOptions(command: Command): Command {
  return command
    .option('--json', 'print one JSON object on stdout')
    .option('--endpoint <url>', 'server URL (env SECUREVOD_ENDPOINT, default http://127.0.0.1:8080)')
    .option('--credentials <file>', 'JSON file with {"accessKeyId", "accessKeySecret"}')
    .exitOverride(exitOnCommanderExit);
}

export function playUrlCommand(): Command {
  return clientOptions(
    new Command('play-url')
      .description('print a signed play URL (standard or clear streams; private ones need the SDK)')
      .argument('<videoId>', 'the video')
      .option('--definition <def>', 'LD, SD, HD, FHD, … (default: the highest)')
      .option('--timeout <seconds>', 'URL validity in seconds (AuthTimeout, default 1800)'),
  ).action(
    async (
      videoId: string,
      flags: ClientFlags & { definition?: string; timeout?: string; json?: boolean },
    ) => {
      try {
        const api = new VodApiClient(await loadClientConfig({ flags, env: process.env, cwd: process.cwd() }));
        const res = await api
          .request<{ PlayInfoList: { PlayInfo: PlayInfo[] } }>('GetPlayInfo', {
            VideoId: videoId,
            Definition: flags.definition,
            AuthTimeout: flags.timeout,
          })
          .catch((error: unknown) => {
            throw privateOnlyAdvice(videoId, error) ?? error;
          });
        const [best] = res.PlayInfoList.PlayInfo;
        if (!best) throw new Error(`video ${videoId} has no playable stream`);
        if (flags.json) console.log(JSON.stringify({ videoId, ...best }));
        else console.log(best.PlayURL);
      } catch (error) {
        await exitWithError('play-url', error);
      }
    },
  );
}

/**
 * GetPlayInfo refuses a video whose only renditions use private encryption with the vendor's
 * `Forbidden.AliyunVoDEncryption`, whose message sends the user to "the Aliyun player". Here the
 * user needs to hear what works with securevod instead.
 */
export function privateOnlyAdvice(videoId: string, error: unknown): CliError | undefined {
  if (!(error instanceof VodApiError) || error.code !== 'Forbidden.AliyunVoDEncryption') return undefined;
  return new CliError(
    `video ${videoId} has only privately encrypted renditions (AliyunVoDEncryption), which no ` +
      `standard HLS player can play, so there is no play URL to print. Either play it with the ` +
      `securevod player SDK: run \`securevod play-auth ${videoId}\` and give the PlayAuth to ` +
      `@securevod/player (play-auth also prints a demo-player link); or add a rendition with ` +
      `standard encryption: transcode the video again with a template group that has an ` +
      `HLSEncryption template (SubmitTranscodeJobs), then run play-url again.`,
    1,
    { cause: error },
  );
}

export function playAuthCommand(): Command {
  return clientOptions(
    new Command('play-auth')
      .description('print a PlayAuth for the web player SDK')
      .argument('<videoId>', 'the video')
      .option('--timeout <seconds>', 'validity in seconds (AuthInfoTimeout, 100-3000, default 100)'),
  ).action(async (videoId: string, flags: ClientFlags & { timeout?: string; json?: boolean }) => {
    try {
      const config = await loadClientConfig({ flags, env: process.env, cwd: process.cwd() });
      const api = new VodApiClient(config);
      const res = await api.request<{ PlayAuth: string; VideoMeta: Record<string, unknown> }>(
        'GetVideoPlayAuth',
        {
          VideoId: videoId,
          AuthInfoTimeout: flags.timeout,
        },
      );
      const demoPage = `${config.endpoint}/demo/player.html`;
      // Offer the demo page only when the server serves it (it does not when the SDK is not built).
      const demo = (await servesPage(demoPage))
        ? `${demoPage}?vid=${videoId}&playAuth=${encodeURIComponent(res.PlayAuth)}`
        : null;
      if (flags.json)
        console.log(
          JSON.stringify({ videoId, playAuth: res.PlayAuth, videoMeta: res.VideoMeta, demoUrl: demo }),
        );
      else {
        console.log(res.PlayAuth);
        console.error(
          demo
            ? `demo player: ${demo}`
            : 'demo player: not offered by this server (its player SDK bundle is not built: `npm run setup` there)',
        );
      }
    } catch (error) {
      await exitWithError('play-auth', error);
    }
  });
}

async function servesPage(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(5000) });
    return res.ok;
  } catch {
    return false;
  }
}
