/**
 * The download endpoint (DESIGN §6):
 *   GET /download/<vid>?PlayAuth=…&Definition=…&AppIdentification=…
 * Normal mode streams the rendition as one plain fragmented MP4; Secure mode streams an offline
 * package (docs/formats.md) whose key is wrapped under the app's newest active download secret.
 * Segments are decrypted and re-encrypted as they stream, a storage chunk at a time: nothing clear
 * touches disk, memory is bounded by a few chunks whatever the segment or file size, and the
 * socket's pace sets the reading pace.
 *   GET /download/revocations?AppIdentification=…  revoked secret versions of an app (for SDKs)
 * A download of a traced rendition is a leak-tracing session of its own (docs/tracing.md): its
 * trace ID is the request's `Trace` (our extension), else the PlayAuth's, else a generated one;
 * it is recorded (kind `download`) and the file is assembled from A and B segments by its code word.
 */
import { createPackageWriter } from '@securevod/crypto';
import { writePackageStream } from '@securevod/crypto/node';
import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import type { DownloadConfigStore } from '../actions/download-settings-actions.js';
import { apiErrors, catalogued } from '../errors/api-error.js';
import { catalogueErrors } from '../catalogue/catalogue-errors.js';
import type { DataKeyCache } from '../keys/data-key-cache.js';
import type { Kms } from '../kms/kms.js';
import { verifyPlayAuth } from '../playback/play-auth.js';
import type { PlaybackService } from '../playback/playback-service.js';
import { sendError } from '../playback/player-http.js';
import { newRequestId } from '../rpc/rpc-plugin.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { DownloadSecretStore } from '../store/download-secret-store.js';
import type { StreamStore } from '../store/stream-store.js';
import { ClearRenditionReader } from './clear-rendition-reader.js';
import { downloadSecretContext } from './download-secret-service.js';
import { canonicalAppIdentification } from './app-identification-param.js';
import { isValidTraceId } from '../trace/trace-code.js';

export interface DownloadRoutesDeps {
  playback: PlaybackService;
  streams: StreamStore;
  objects: ObjectStore;
  dataKeys: DataKeyCache;
  kms: Kms;
  secrets: DownloadSecretStore;
  config: DownloadConfigStore;
}

export const downloadErrors = {
  disabled: () =>
    catalogued('Forbidden.DownloadDisabled', { scope: 'account (SetCustomerConfig DownloadSwitch=on)' }),
  videoDisabled: () =>
    catalogued('Forbidden.DownloadDisabled', { scope: 'video (UpdateVideoInfo DownloadSwitch=on)' }),
  appNotRegistered: (app: string) => catalogued('Forbidden.AppNotRegistered', { app }),
  notDownloadable: () => catalogued('Forbidden.NotDownloadable'),
};

function param(query: Record<string, string | undefined>, name: string): string | undefined {
  const value = query[name] ?? query[name.charAt(0).toLowerCase() + name.slice(1)];
  return value === undefined || value === '' ? undefined : value;
}

export async function downloadRoutes(app: FastifyInstance, deps: DownloadRoutesDeps): Promise<void> {
  const { playback } = deps;

  app.get('/download/revocations', async (req, reply) => {
    try {
      const raw = param(req.query as Record<string, string | undefined>, 'AppIdentification');
      if (!raw) throw apiErrors.missingParameter('AppIdentification');
      const appId = canonicalAppIdentification(raw);
      const versions = await deps.secrets.list(appId);
      return reply.header('cache-control', 'no-cache').send({
        RequestId: newRequestId(),
        AppIdentification: appId,
        RevokedVersions: versions.filter((v) => v.status === 'Revoked').map((v) => v.version),
        ActiveVersions: versions.filter((v) => v.status === 'Active').map((v) => v.version),
      });
    } catch (error) {
      return sendError(reply, req, error);
    }
  });

  app.get<{ Params: { vid: string } }>('/download/:vid', async (req, reply) => {
    try {
      const query = req.query as Record<string, string | undefined>;
      const config = await deps.config.get();
      if (config.downloadSwitch !== 'on') throw downloadErrors.disabled();
      const claims = verifyPlayAuth(playback.secrets as Uint8Array[], param(query, 'PlayAuth'), {
        now: playback.nowSeconds(),
        videoId: req.params.vid,
        clientIp: req.ip,
      });
      const video = await playback.playableVideo(claims.vid);
      if (video.downloadSwitch !== 'on') throw downloadErrors.videoDisabled();
      const trace = param(query, 'Trace');
      if (trace !== undefined && !isValidTraceId(trace)) {
        throw apiErrors.invalidParameter('Trace', 'It must be 1 to 1024 letters and digits.');
      }
      const definition = param(query, 'Definition');
      const streams = (await deps.streams.listForVideo(video.videoId)).filter((s) => s.status === 'Normal');
      const stream = definition ? streams.find((s) => s.definition === definition) : streams[0];
      if (!stream) {
        throw catalogueErrors.noneStream(`Definition: ${definition ?? 'any'}`);
      }
      if (stream.customerKeyCiphertext !== null) throw downloadErrors.notDownloadable();

      let appId: string | undefined;
      let secretRow;
      if (config.downloadMode === 'Secure') {
        const raw = param(query, 'AppIdentification');
        if (!raw) throw apiErrors.missingParameter('AppIdentification');
        appId = canonicalAppIdentification(raw);
        secretRow = await deps.secrets.latestActive(appId);
        if (!secretRow) throw downloadErrors.appNotRegistered(appId);
      }

      const dataKey =
        stream.encryptScheme === 'none' || !video.dataKeyCiphertext
          ? undefined
          : await deps.dataKeys.get(video.videoId, video.dataKeyCiphertext);
      let variantOf: ((index: number) => 'a' | 'b') | undefined;
      if (stream.traced && playback.traceSessions) {
        const traceId = trace ?? claims.tr;
        const session = await playback.traceSessions.issue({
          videoId: video.videoId,
          kind: 'download',
          ...(traceId !== undefined ? { traceId, viewerId: claims.uid ?? traceId } : {}),
          clientIp: req.ip,
        });
        variantOf = playback.traceSessions.variantOf(video.videoId, session.traceId);
      }
      const reader = await ClearRenditionReader.open(deps.objects, stream, dataKey, { variantOf });
      const baseName = `${video.videoId}-${stream.definition}`;

      if (!secretRow || !appId) {
        return reply
          .header('content-type', 'video/mp4')
          .header('content-length', String(reader.plaintextSize))
          .header('content-disposition', `attachment; filename="${baseName}.mp4"`)
          .header('cache-control', 'no-store')
          .send(Readable.from(reader.chunks(), { objectMode: false }));
      }

      const { plaintext: secret } = await deps.kms.decrypt(
        secretRow.secretCiphertext,
        downloadSecretContext(appId),
      );
      let writer;
      try {
        writer = await createPackageWriter({
          secret,
          secretVersion: secretRow.version,
          videoId: video.videoId,
          definition: stream.definition,
          appIdentification: appId,
          plaintextLength: reader.plaintextSize,
        });
      } finally {
        secret.fill(0);
      }
      return reply
        .header('content-type', 'application/vnd.securevod.package')
        .header('content-length', String(writer.packageLength))
        .header('content-disposition', `attachment; filename="${baseName}.svpk"`)
        .header('x-securevod-secret-version', String(secretRow.version))
        .header('cache-control', 'no-store')
        .send(Readable.from(writePackageStream(writer, reader.chunks()), { objectMode: false }));
    } catch (error) {
      return sendError(reply, req, error);
    }
  });
}
