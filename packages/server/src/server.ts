/**
 * Composition root of `securevod server`: opens the data dir, KMS, metadata store and object
 * storage, wires the services, and mounts the roles on one Fastify instance (`--roles` picks a
 * subset). With open-adapters.ts (which picks the KMS and object store the configuration names),
 * the only module that knows every concrete implementation.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { createServer, type ServerOptions } from 'node:http';
import { sql } from 'kysely';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { categoryActions } from './actions/category-actions.js';
import { downloadConfigStore, downloadSettingsActions } from './actions/download-settings-actions.js';
import { imageActions } from './actions/image-actions.js';
import { snapshotActions } from './actions/snapshot-actions.js';
import { transcodeTaskActions } from './actions/transcode-task-actions.js';
import { generateDownloadSecretKeyHandler } from './actions/generate-download-secret-key-handler.js';
import { decryptKmsDataKeyHandler, generateKmsDataKeyHandler } from './actions/kms-data-key-handlers.js';
import { messageCallbackActions } from './actions/message-callback-actions.js';
import { playbackActions } from './actions/playback-actions.js';
import { searchMediaHandler } from './actions/search-media-handler.js';
import { submitTranscodeJobsHandler } from './actions/submit-transcode-jobs-handler.js';
import { templateGroupActions } from './actions/template-group-actions.js';
import { urlUploadActions } from './actions/url-upload-actions.js';
import { videoActions } from './actions/video-actions.js';
import { videoBatchActions } from './actions/video-batch-actions.js';
import { RAM_VERSION, STS_VERSION } from './access/access-control.js';
import { wireAccessControl } from './access-wiring.js';
import { AccessKeyService } from './auth/access-key-service.js';
import { callbackConfigStore } from './callbacks/callback-config.js';
import { CallbackDispatcher } from './callbacks/callback-dispatcher.js';
import { createImageUploads, imageIdOfObjectKey } from './catalogue/image-uploads.js';
import type { SnapshotOutputs } from './catalogue/snapshot-plan.js';
import { SnapshotScheduler } from './catalogue/snapshot-scheduler.js';
import { TemplateGroupService } from './catalogue/template-group-service.js';
import { TranscodeScheduler } from './catalogue/transcode-scheduler.js';
import { UPLOAD_BUCKET, UploadService } from './catalogue/upload-service.js';
import type { ServerConfig } from './config/server-config.js';
import { downloadRoutes } from './download/download-routes.js';
import { DownloadSecretService } from './download/download-secret-service.js';
import { playerCorsHeaders, registerCorsPolicy } from './http/cors-policy.js';
import { lazySchemaCompilers } from './http/lazy-schema-compilers.js';
import { installPlayerRouteGuards } from './http/player-route-guards.js';
import { parseParams } from './http/query-params.js';
import { registerRateLimiting, rpcThrottle } from './http/rate-limits.js';
import { extendBodyDeadline, fastifyLimitOptions, installRequestLimits } from './http/request-limits.js';
import type { JobQueue } from './jobs/job-queue.js';
import { wireWorkerRole } from './worker-wiring.js';
import { JOB_RETRY_POLICIES } from './jobs/retry-policies.js';
import { Worker } from './jobs/worker.js';
import { DataKeyCache } from './keys/data-key-cache.js';
import { createKeyDeliveryLog } from './keys/key-delivery-log.js';
import { KeyFastPath } from './keys/key-fast-path.js';
import { attachBodyReplay, PrivateKeyFastPath } from './keys/private-key-fast-path.js';
import { HLS_KEY_TOKEN_PARAM } from './playback/hls-key-token.js';
import { MEDIA_TOKEN_PARAM } from './playback/media-access.js';
import { keyRoutes } from './keys/key-routes.js';
import { KeyService } from './keys/key-service.js';
import type { Kms } from './kms/kms.js';
import { instrumentObjectStore } from './ops/instrumented-object-store.js';
import { loggerOptions } from './ops/log-redaction.js';
import type { ServerMetrics } from './ops/metrics.js';
import { opsRoutes } from './ops/ops-routes.js';
import { ReadinessProbe } from './ops/readiness.js';
import { observeWorker } from './ops/worker-metrics.js';
import { createOutboundClient } from './outbound/outbound-client.js';
import { openKms, openObjectStore } from './open-adapters.js';
import { loadPlaybackSecrets } from './playback/playback-secrets.js';
import { imageRoutes } from './playback/image-routes.js';
import { PlaybackService } from './playback/playback-service.js';
import { playerRoutes } from './playback/player-routes.js';
import { StreamLimiter, streamLimitSettingsStore } from './playback/stream-limits.js';
import { withStreamLimitSettings } from './actions/stream-limit-settings-actions.js';
import { API_VERSION, rpcPlugin, type ActionHandler, type RpcRequest } from './rpc/rpc-plugin.js';
import {
  publishingAccessKeyStore,
  publishingDownloadSecretStore,
  publishingVideoStore,
  subscribeCaches,
} from './shared/invalidation-wiring.js';
import type { SharedCounters } from './shared/shared-counters.js';
import { openInProcessSharedServices, type SharedServices } from './shared/shared-services.js';
import { builtBundles, staticRoutes } from './static-routes.js';
import type { ObjectStore } from './storage/object-store.js';
import { createAccessKeyStore } from './store/access-key-store.js';
import { createCategoryStore } from './store/category-store.js';
import { openDatabase, type Db } from './store/database.js';
import { createDownloadSecretStore } from './store/download-secret-store.js';
import { createImageStore } from './store/image-store.js';
import { migrateToLatest } from './store/migrator.js';
import { createSettingsStore } from './store/settings-store.js';
import { createSnapshotStore } from './store/snapshot-store.js';
import { createStreamStore } from './store/stream-store.js';
import { createTraceSessionStore } from './store/trace-session-store.js';
import { TraceCode } from './trace/trace-code.js';
import { loadTraceSecret } from './trace/trace-secret.js';
import { TraceSessions } from './trace/trace-sessions.js';
import { createTemplateGroupStore } from './store/template-group-store.js';
import { createUploadCredentialStore } from './store/upload-credential-store.js';
import { createUrlUploadStore } from './store/url-upload-store.js';
import { createVideoStore } from './store/video-store.js';
import { traceExtractActions } from './actions/trace-extract-actions.js';
import { createTraceExtractJobStore } from './store/trace-extract-job-store.js';
import { startAbandonedUploadSweeper } from './upload/abandoned-upload-sweeper.js';
import { MultipartUploadStore } from './upload/multipart-upload-store.js';
import { ossUploadPlugin } from './upload/oss-upload-plugin.js';
import { mezzanineRoutes, mezzanineUrlSigner } from './source/mezzanine-routes.js';
import { SourceVault } from './source/source-vault.js';

export interface RunningServer {
  readonly url: string;
  readonly rootAccessKey: { accessKeyId: string; source: 'environment' | 'generated' | 'existing' };
  readonly rootCredentialsFile: string;
  readonly app: FastifyInstance;
  readonly kms: Kms;
  readonly db: Db;
  readonly objects: ObjectStore;
  readonly queue: JobQueue;
  /** Whether the console and the player SDK (with its demo pages) are built, hence served. */
  readonly bundles: { readonly console: boolean; readonly sdk: boolean };
  /** The shared services in use (`database` = embedded default, `redis` = cluster mode). */
  readonly shared: SharedServices;
  /** Rate-limit and stream counters, shared by every node in cluster mode. */
  readonly counters: SharedCounters;
  readonly metrics: ServerMetrics;
  /**
   * Graceful drain (SIGTERM): `/readyz` says `draining`, workers stop taking jobs and get
   * `shutdownGraceMs` to finish (then hand their jobs back), listeners close (in-flight requests
   * get the same grace), then everything else. Calling again returns the same promise.
   */
  close(): Promise<void>;
}

export const ROOT_CREDENTIALS_FILE = 'root-credentials.json';

export async function startServer(config: ServerConfig): Promise<RunningServer> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const kms = await openKms(config.kms);
  const db = await openDatabase(
    config.databaseUrl
      ? { url: config.databaseUrl }
      : { sqlitePath: join(config.dataDir, 'securevod.sqlite') },
  );
  await migrateToLatest(db);

  let publicUrl = config.publicUrl ?? `http://${displayHost(config.host)}:${config.port}`;
  const getPublicUrl = () => publicUrl;

  // The key role's `GET /keys/hls/…` is offered to a lean node:http path before fastify
  // (keys/key-fast-path.ts); set once the key service exists. The server is made as fastify
  // makes its own HTTP/1 server, with fastify's timeouts.
  let keyFastPath: KeyFastPath | undefined;
  let privateKeyFastPath: PrivateKeyFastPath | undefined;
  const app = Fastify({
    serverFactory: (handler, options) => {
      const server = createServer((options as { http?: ServerOptions }).http ?? {}, (req, res) => {
        if (req.method === 'POST' && privateKeyFastPath)
          privateKeyFastPath.tryServe(req, res, () => handler(req, res));
        else if (keyFastPath) keyFastPath.tryServe(req, res, () => handler(req, res));
        else handler(req, res);
      });
      const settings = options as { [k: string]: number | undefined };
      server.keepAliveTimeout = settings.keepAliveTimeout ?? 72_000;
      server.requestTimeout = settings.requestTimeout ?? 0;
      server.setTimeout(settings.connectionTimeout ?? 0);
      const perSocket = settings.maxRequestsPerSocket ?? 0;
      if (perSocket > 0) server.maxRequestsPerSocket = perSocket;
      return server;
    },
    // One redaction rule for every line: no query strings, secret fields masked.
    logger: loggerOptions(config.logLevel),
    routerOptions: { querystringParser: parseParams },
    // ajv and fast-json-stringify load only if a route ever declares a schema (idle RSS).
    schemaController: { compilersFactory: lazySchemaCompilers() },
    // Header, idle and body timeouts and the body limit; a long body time only for
    // authenticated uploads (http/request-limits.ts).
    ...fastifyLimitOptions(config.limits.http),
    trustProxy: false,
  });
  installRequestLimits(app, config.limits.http);

  // What the nodes share: Redis in cluster mode, else the database and this process.
  // Redis, BullMQ and prom-client are loaded only by a server that uses them (they take a while
  // to load, and every CLI command loads this module).
  const shared = config.redis
    ? await (
        await import('./redis/redis-shared-services.js')
      ).openRedisSharedServices({
        url: config.redis.url,
        keyPrefix: config.redis.keyPrefix,
        retryPolicies: JOB_RETRY_POLICIES,
        stalledCheckMs: Math.max(1000, Math.min(15_000, Math.floor(config.jobLeaseMs / 4))),
        connectionName: `securevod:${hostname()}:${process.pid}`,
        onConnectionError: (err) => app.log.warn({ err: err.message }, 'Redis connection error'),
        onListenerError: (err) => app.log.error({ err }, 'cache invalidation listener failed'),
      })
    : openInProcessSharedServices({
        db,
        retryPolicies: JOB_RETRY_POLICIES,
        onListenerError: (err) => app.log.error({ err }, 'cache invalidation listener failed'),
      });
  const { queue, invalidation } = shared;
  const { ServerMetrics } = await import('./ops/metrics.js');
  const metrics = new ServerMetrics({
    queue,
    statements: db.statements,
    onCollectError: (err) => app.log.warn({ err }, 'queue depth for /metrics unavailable'),
  });
  const objects = instrumentObjectStore(await openObjectStore(config.storage), (operation) =>
    metrics.storageError(operation),
  );
  const readiness = new ReadinessProbe(
    {
      database: async () => void (await sql`select 1`.execute(db.kysely)),
      storage: () => objects.ping(),
      ...(shared.pingRedis ? { redis: () => shared.pingRedis!(1000) } : {}),
      kms: () => kms.ping(),
    },
    { timeoutMs: 2000, cacheMs: 1000 },
  );
  await opsRoutes(app, { metrics, readiness, metricsToken: config.metricsToken });

  // Stores and services.
  const settings = createSettingsStore(db);
  // Changes other nodes may have cached are announced on the invalidation bus.
  const videos = publishingVideoStore(createVideoStore(db), invalidation, app.log);
  const streams = createStreamStore(db);
  const credentials = createUploadCredentialStore(db);
  const categories = createCategoryStore(db);
  const urlUploads = createUrlUploadStore(db);
  const images = createImageStore(db);
  const snapshots = createSnapshotStore(db);
  // Leak tracing: extraction jobs and the issued trace IDs they score against (issue 13).
  const traceExtractJobs = createTraceExtractJobStore(db);
  const issuedTraceIds = createTraceSessionStore(db);
  const accessKeyStore = publishingAccessKeyStore(createAccessKeyStore(db), invalidation, app.log);
  const accessKeys = new AccessKeyService(accessKeyStore, kms);
  const rootCredentialsFile = join(config.dataDir, ROOT_CREDENTIALS_FILE);
  const rootAccessKey = await accessKeys.ensureRoot(config.rootAccessKey, rootCredentialsFile);
  const downloadSecretStore = publishingDownloadSecretStore(
    createDownloadSecretStore(db),
    invalidation,
    app.log,
  );
  const downloadSecrets = new DownloadSecretService(downloadSecretStore, kms);
  const downloadConfig = downloadConfigStore(settings);
  const groups = new TemplateGroupService(createTemplateGroupStore(db));
  await groups.ensureBuiltins();
  const accessControl = await wireAccessControl({
    db,
    kms,
    settings,
    accessKeys,
    accessKeyStore,
    videos,
    groups: groups.store,
    images,
    stsMinDurationSeconds: config.stsMinDurationSeconds,
  });
  const appScope = (request: RpcRequest) => accessControl.access.appScope(request);
  const callbackConfig = callbackConfigStore(settings);
  const workers: Worker[] = [];
  const wake = () => workers.forEach((w) => w.wake());
  // Callbacks and URL pulls go out through one client under one policy (outbound-policy.ts).
  const outbound = createOutboundClient(config.outbound);
  app.addHook('onClose', async () => outbound.close());
  const callbacks = new CallbackDispatcher({ config: callbackConfig, queue, onEnqueued: wake, outbound });
  const uploads = new UploadService({ videos, credentials, kms, publicUrl: getPublicUrl });
  const scheduler = new TranscodeScheduler({
    videos,
    groups,
    queue,
    callbacks,
    wake,
    publicUrl: getPublicUrl,
  });
  const snapshotScheduler = new SnapshotScheduler({ snapshots, queue, wake });
  const imageUploads = createImageUploads({ images, callbacks, publicUrl: getPublicUrl });

  const playbackSecrets = await loadPlaybackSecrets(kms, settings);
  const streamLimitSettings = streamLimitSettingsStore(settings);
  // Leak tracing (docs/tracing.md): the keyed A/B code word and the record of issued sessions.
  const traceSecret = await loadTraceSecret(kms, settings);
  const traceCode = new TraceCode(traceSecret);
  const traceSessions = new TraceSessions({ store: createTraceSessionStore(db), code: traceCode });
  traceSecret.fill(0);
  const playback = new PlaybackService({
    streamLimits: new StreamLimiter({ leases: shared.leases, settings: streamLimitSettings }),
    traceSessions,
    videos,
    streams,
    secrets: playbackSecrets,
    publicUrl: getPublicUrl,
    urlSigning: config.urlSigning,
    thumbnailTrack: async (videoId) => {
      for (const job of await snapshots.listSucceeded(videoId)) {
        const set = (JSON.parse(job.outputs ?? '{}') as SnapshotOutputs).WebVttSnapshot;
        if (set) return `/media/${videoId}/${set.pattern}`;
      }
      return undefined;
    },
  });
  const keyLog = createKeyDeliveryLog(db, {
    onError: (err) => app.log.error({ err }, 'key-delivery audit write failed'),
  });
  app.addHook('onClose', () => keyLog.close());
  const dataKeys = new DataKeyCache(kms, { maxEntries: 1000, ttlMs: 60_000 });
  app.addHook('onClose', async () => dataKeys.clear());
  // Sources are stored encrypted under their video's data key; every reader decrypts (source/).
  const sources = new SourceVault({ objects, videos, kms, dataKeys, log: app.log });
  const mezzanineUrls = mezzanineUrlSigner(playbackSecrets);
  const unsubscribeCaches = subscribeCaches(invalidation, {
    accessKeys,
    dataKeys,
    // The local key ring reloads on a rotation; an HSM looks its keys up by label itself.
    reloadKms: 'reload' in kms ? () => kms.reload() : undefined,
    log: app.log,
  });
  app.addHook('onClose', async () => unsubscribeCaches());

  await registerCorsPolicy(app, { apiOrigins: config.corsOrigins, uploadPrefix: `/${UPLOAD_BUCKET}/` });
  await registerRateLimiting(app, shared.counters);
  const keyLimits = installPlayerRouteGuards(app, config.limits.rateLimits, shared.counters);
  await app.register(playerRoutes, {
    playback,
    videos,
    streams,
    objects,
    roles: { media: config.roles.includes('media') },
  });
  if (config.roles.includes('media')) await app.register(imageRoutes, { playback, objects });
  if (config.roles.includes('keys')) {
    const keys = new KeyService({
      playback,
      videos,
      streams,
      dataKeys,
      keyLog,
      invalidation,
      exchangeThreads: config.keyExchangeThreads,
      onExchangeError: (err) => app.log.error({ err }, 'key exchange worker'),
    });
    const privateFastPath = new PrivateKeyFastPath({
      keys,
      metrics,
      corsHeaders: playerCorsHeaders(),
      bodyTimeoutMs: config.limits.http.bodyTimeoutMs,
    });
    attachBodyReplay(app, privateFastPath);
    await app.register(keyRoutes, { keys });
    const fastPath = new KeyFastPath({ keys, metrics, corsHeaders: playerCorsHeaders() });
    // The /keys/ rate limits hold on the fast path too (fastify's hook answers the refusals).
    if (keyLimits) {
      fastPath.setGuard({
        allow: (req, query) =>
          keyLimits.allow(
            req.socket.remoteAddress ?? '',
            query[MEDIA_TOKEN_PARAM] || query[HLS_KEY_TOKEN_PARAM] || undefined,
          ),
        handedOff: (req) => keyLimits.countedAlready(req),
      });
      privateFastPath.setGuard({
        allow: (req, token) => keyLimits.allow(req.socket.remoteAddress ?? '', token),
        handedOff: (req) => keyLimits.countedAlready(req),
      });
    }
    app.addHook('preClose', () => {
      fastPath.close();
      privateFastPath.close();
    });
    keyFastPath = fastPath;
    privateKeyFastPath = privateFastPath;
  }
  if (config.roles.includes('media')) {
    await app.register(downloadRoutes, {
      playback,
      streams,
      objects,
      dataKeys,
      kms,
      secrets: downloadSecretStore,
      config: downloadConfig,
    });
  }
  const playerDir = fileURLToPath(new URL('../../player/', import.meta.url));
  const staticDirs = {
    sdkDir: join(playerDir, 'dist'),
    demoDir: join(playerDir, 'demo'),
    consoleDir: fileURLToPath(new URL('../../console/dist/', import.meta.url)),
  };
  // Browsers are served by the API and media roles; a worker-only process serves /healthz alone.
  const servesBrowsers = config.roles.some((role) => role !== 'worker');
  const bundles = servesBrowsers ? builtBundles(staticDirs) : { console: false, sdk: false };
  if (servesBrowsers) await app.register(staticRoutes, staticDirs);

  if (config.roles.includes('api')) {
    const actions: Record<string, ActionHandler> = {
      GenerateDownloadSecretKey: generateDownloadSecretKeyHandler({ downloadSecrets }),
      GenerateKMSDataKey: generateKmsDataKeyHandler({ kms }),
      DecryptKMSDataKey: decryptKmsDataKeyHandler({ kms }),
      SubmitTranscodeJobs: submitTranscodeJobsHandler({ videos, groups, scheduler, kms, settings }),
      ...videoActions({
        videos,
        streams,
        credentials,
        uploads,
        groups,
        objects,
        categories,
        callbacks,
        publicUrl: getPublicUrl,
        mezzanineUrls,
        appScope,
        covers: playback,
        snapshots,
      }),
      ...videoBatchActions({ videos, streams, categories, objects, callbacks, appScope }),
      ...categoryActions({ categories }),
      SearchMedia: searchMediaHandler({ db, appScope, coverUrl: (stored) => playback.coverUrl(stored) }),
      ...imageActions({
        images,
        videos,
        snapshots,
        uploads,
        credentials,
        categories,
        objects,
        playback,
        publicUrl: getPublicUrl,
      }),
      ...snapshotActions({
        videos,
        snapshots,
        scheduler: snapshotScheduler,
        playback,
        publicUrl: getPublicUrl,
      }),
      ...transcodeTaskActions({ queue, videos, streams, groups, publicUrl: getPublicUrl }),
      ...urlUploadActions({ uploads: urlUploads, categories, groups, queue, wake }),
      ...templateGroupActions({ groups, appScope }),
      ...messageCallbackActions({ config: callbackConfig, callbacks, queue, outbound: config.outbound }),
      ...accessControl.vod,
      ...withStreamLimitSettings(
        downloadSettingsActions({ config: downloadConfig, secrets: downloadSecretStore }),
        streamLimitSettings,
      ),
      ...playbackActions({ playback, keyLog }),
      ...traceExtractActions({
        videos,
        streams,
        jobs: traceExtractJobs,
        traceSessions: issuedTraceIds,
        queue,
        wake,
      }),
    };
    await app.register(rpcPlugin, {
      apis: { [API_VERSION]: actions, [RAM_VERSION]: accessControl.ram, [STS_VERSION]: accessControl.sts },
      findAccessKey: accessControl.resolver.findAccessKey,
      authorize: accessControl.access.authorize,
      throttle: rpcThrottle(app, config.limits.rateLimits),
      replayCache: shared.replayCache,
      get hostId() {
        return new URL(publicUrl).host;
      },
      get recommendBase() {
        return `${publicUrl}/docs/api.md#error-codes`;
      },
    });
    await app.register(ossUploadPlugin, {
      store: objects,
      findCredential: (id) => uploads.findCredential(id),
      onAuthenticated: (request) => extendBodyDeadline(request, config.limits.http.uploadBodyTimeoutMs),
      onObjectComplete: async (info) => {
        if (imageIdOfObjectKey(info.objectKey) !== undefined) return imageUploads.completeImageUpload(info);
        await scheduler.completeUpload(info);
        await uploads.retireCredentials(info.objectKey);
      },
      sealer: sources.uploadSealer,
    });
    await app.register(mezzanineRoutes, { signer: mezzanineUrls, videos, sources });
    if (config.abandonedUploadMaxIdleMs > 0) {
      const sweeper = startAbandonedUploadSweeper({
        uploads: new MultipartUploadStore(objects),
        maxIdleMs: config.abandonedUploadMaxIdleMs,
        log: app.log,
      });
      app.addHook('onClose', () => sweeper.stop());
    }
  }

  if (config.roles.includes('worker')) {
    workers.push(
      ...(await wireWorkerRole({
        config,
        queue,
        videos,
        streams,
        groups,
        objects,
        kms,
        dataKeys,
        sources,
        callbacks,
        outbound,
        scheduler,
        snapshotScheduler,
        snapshots,
        urlUploads,
        traceExtractJobs,
        issuedTraceIds,
        traceCode,
        playback,
        publicUrl: getPublicUrl,
        log: app.log,
        onClose: (cleanup) => app.addHook('onClose', async () => cleanup()),
      })),
    );
  }

  const address = await app.listen({ host: config.host, port: config.port });
  if (!config.publicUrl) publicUrl = `http://${displayHost(config.host)}:${new URL(address).port}`;
  for (const w of workers) {
    observeWorker(w, metrics);
    w.start();
  }

  let closing: Promise<void> | undefined;
  const drain = async () => {
    readiness.startDraining();
    const grace = config.shutdownGraceMs;
    // Jobs first: while they finish, this node still answers requests (a combined node keeps
    // serving keys and media; load balancers already see /readyz say "draining").
    await Promise.all(workers.map((w) => w.stop({ graceMs: grace })));
    // Then the listeners: no new connections; in-flight requests get the same grace, after which
    // their connections are cut (a long download must not hold the shutdown forever).
    const cut = setTimeout(() => app.server.closeAllConnections(), grace);
    try {
      await app.close();
    } finally {
      clearTimeout(cut);
    }
    await shared.close();
    await db.close();
    await kms.close();
  };

  return {
    get url() {
      return publicUrl;
    },
    rootAccessKey,
    rootCredentialsFile,
    app,
    kms,
    db,
    objects,
    queue,
    shared,
    counters: shared.counters,
    metrics,
    bundles,
    close() {
      closing ??= drain();
      return closing;
    },
  };
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
