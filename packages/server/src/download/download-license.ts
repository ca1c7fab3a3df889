/**
 * Offline rentals (our extension; docs/api.md "Offline rentals", docs/formats.md "Offline package
 * licence"): how long a Secure download's licence runs, and its online renewal
 *
 *   POST /download/<vid>/license   PlayAuth, AppIdentification, PackageHeader (base64), LicenseDuration?
 *
 * A renewal is authorised like the download itself — a PlayAuth for the video, downloads on for the
 * account and the video — and the package must be one the server made for that app: its key unwraps
 * under the app's download secret of the header's version, which must still be Active (a revoked
 * version renews nothing). The answer is the package's header with the package key wrapped again
 * under a new expiry; the video is not sent again. Nothing about the package is stored.
 */
import {
  PackageError,
  base64ToBytes,
  bytesToBase64,
  readPackageHeader,
  renewPackageLicense,
} from '@securevod/crypto';
import type { FastifyInstance } from 'fastify';
import type { DownloadConfig } from '../actions/download-settings-actions.js';
import { MAX_LICENSE_DURATION } from '../actions/download-settings-actions.js';
import { apiErrors, catalogued } from '../errors/api-error.js';
import { verifyPlayAuth } from '../playback/play-auth.js';
import { sendError } from '../playback/player-http.js';
import { newRequestId } from '../rpc/rpc-plugin.js';
import { canonicalAppIdentification } from './app-identification-param.js';
import { downloadSecretContext } from './download-secret-service.js';
import type { DownloadRoutesDeps } from './download-routes.js';

/** The header of a package is at most 4096 bytes: its base64 at most 5464 characters. */
const MAX_HEADER_BASE64 = 5464;

/**
 * The licence expiry (Unix seconds) for a download or renewal made now: the request's
 * `LicenseDuration` (seconds, 1 to 10 years), else the account default, else none (undefined).
 */
export function licenseExpiryFor(
  raw: string | undefined,
  config: DownloadConfig,
  nowSeconds: number,
): number | undefined {
  let duration = config.licenseDuration;
  if (raw !== undefined) {
    if (!/^\d+$/.test(raw))
      throw apiErrors.invalidParameter('LicenseDuration', 'It must be an integer of seconds.');
    duration = Number(raw);
    if (duration < 1 || duration > MAX_LICENSE_DURATION) {
      throw apiErrors.invalidParameter(
        'LicenseDuration',
        `It must be between 1 and ${MAX_LICENSE_DURATION} seconds; got ${raw}.`,
      );
    }
  }
  return duration > 0 ? Math.floor(nowSeconds) + duration : undefined;
}

export const licenseErrors = {
  secretRevoked: (app: string, version: number) =>
    catalogued('Forbidden.DownloadSecretRevoked', { app, version: String(version) }),
};

/** Query string first, then the JSON body, with the vendor's capitalised names (or camelCase). */
function paramOf(
  query: Record<string, unknown>,
  body: Record<string, unknown>,
  name: string,
): string | undefined {
  const alt = name.charAt(0).toLowerCase() + name.slice(1);
  for (const value of [query[name], query[alt], body[name], body[alt]]) {
    if (typeof value === 'number') return String(value);
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

export async function licenseRenewalRoutes(app: FastifyInstance, deps: DownloadRoutesDeps): Promise<void> {
  const { playback } = deps;

  app.post<{ Params: { vid: string } }>('/download/:vid/license', async (req, reply) => {
    try {
      const query = (req.query ?? {}) as Record<string, unknown>;
      const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<
        string,
        unknown
      >;
      const param = (name: string) => paramOf(query, body, name);
      const config = await deps.config.get();
      if (config.downloadSwitch !== 'on') {
        throw catalogued('Forbidden.DownloadDisabled', {
          scope: 'account (SetCustomerConfig DownloadSwitch=on)',
        });
      }
      const claims = verifyPlayAuth(playback.secrets as Uint8Array[], param('PlayAuth'), {
        now: playback.nowSeconds(),
        videoId: req.params.vid,
        clientIp: req.ip,
      });
      const video = await playback.playableVideo(claims.vid);
      if (video.downloadSwitch !== 'on') {
        throw catalogued('Forbidden.DownloadDisabled', {
          scope: 'video (UpdateVideoInfo DownloadSwitch=on)',
        });
      }
      const rawApp = param('AppIdentification');
      if (!rawApp) throw apiErrors.missingParameter('AppIdentification');
      const appId = canonicalAppIdentification(rawApp);
      const encoded = param('PackageHeader');
      if (!encoded) throw apiErrors.missingParameter('PackageHeader');
      const now = playback.nowSeconds();
      const expiresAt = licenseExpiryFor(param('LicenseDuration'), config, now);
      if (expiresAt === undefined) throw apiErrors.missingParameter('LicenseDuration');

      const header = decodeHeader(encoded);
      let fields;
      try {
        fields = readPackageHeader(header);
      } catch (error) {
        throw apiErrors.invalidParameter('PackageHeader', headerProblem(error));
      }
      if (fields.videoId !== video.videoId) {
        throw apiErrors.invalidParameter('PackageHeader', 'It is the header of a package of another video.');
      }
      if (fields.appIdentification !== appId) {
        throw apiErrors.invalidParameter(
          'PackageHeader',
          `It is the header of a package for another app, not ${appId}.`,
        );
      }
      const row = await deps.secrets.find(appId, fields.secretVersion);
      if (!row)
        throw apiErrors.invalidParameter('PackageHeader', 'No download secret of its version exists.');
      if (row.status !== 'Active') throw licenseErrors.secretRevoked(appId, fields.secretVersion);

      const { plaintext: secret } = await deps.kms.decrypt(
        row.secretCiphertext,
        downloadSecretContext(appId),
      );
      let license: Uint8Array;
      try {
        license = await renewPackageLicense({ secret, header, licenseExpiresAt: expiresAt });
      } catch (error) {
        throw apiErrors.invalidParameter('PackageHeader', headerProblem(error));
      } finally {
        secret.fill(0);
      }
      return reply.header('cache-control', 'no-store').send({
        RequestId: newRequestId(),
        VideoId: video.videoId,
        AppIdentification: appId,
        SecretVersion: fields.secretVersion,
        License: bytesToBase64(license),
        LicenseExpiresAt: new Date(expiresAt * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        ServerTime: new Date(now * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      });
    } catch (error) {
      return sendError(reply, req, error);
    }
  });
}

function decodeHeader(encoded: string): Uint8Array {
  if (encoded.length > MAX_HEADER_BASE64) {
    throw apiErrors.invalidParameter(
      'PackageHeader',
      'It is longer than a package header can be (4096 bytes).',
    );
  }
  try {
    return base64ToBytes(encoded);
  } catch {
    throw apiErrors.invalidParameter('PackageHeader', 'It must be the base64 of the package header bytes.');
  }
}

/** Why a header cannot be renewed, in words that name no key material. */
function headerProblem(error: unknown): string {
  if (error instanceof PackageError) {
    if (error.code === 'NotLicensed') return 'It is not the header of a package this app was given.';
    if (error.code === 'Truncated')
      return 'It is cut short: send the first H bytes of the package (its whole header).';
    return error.message;
  }
  throw error;
}
