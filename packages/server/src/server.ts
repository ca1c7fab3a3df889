/**
 * Composition root of `securevod server`: opens the data dir, KMS and metadata store, wires the
 * services and the HTTP roles onto one Fastify instance, and listens. The only module that
 * knows every concrete implementation.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { generateDownloadSecretKeyHandler } from './actions/generate-download-secret-key-handler.js';
import { decryptKmsDataKeyHandler, generateKmsDataKeyHandler } from './actions/kms-data-key-handlers.js';
import { AccessKeyService } from './auth/access-key-service.js';
import type { ServerConfig } from './config/server-config.js';
import { DownloadSecretService } from './download/download-secret-service.js';
import type { Kms } from './kms/kms.js';
import { openLocalKms } from './kms/local-kms.js';
import { InMemoryReplayCache } from './rpc/replay-cache.js';
import { rpcPlugin, type ActionHandler } from './rpc/rpc-plugin.js';
import { createAccessKeyStore } from './store/access-key-store.js';
import { openDatabase, type Db } from './store/database.js';
import { createDownloadSecretStore } from './store/download-secret-store.js';
import { migrateToLatest } from './store/migrator.js';

export interface RunningServer {
  readonly url: string;
  readonly rootAccessKey: { accessKeyId: string; source: 'environment' | 'generated' | 'existing' };
  readonly rootCredentialsFile: string;
  readonly app: FastifyInstance;
  readonly kms: Kms;
  readonly db: Db;
  close(): Promise<void>;
}

export const ROOT_CREDENTIALS_FILE = 'root-credentials.json';

export async function startServer(config: ServerConfig): Promise<RunningServer> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const kms = await openLocalKms({ dir: join(config.dataDir, 'kms') });
  const db = await openDatabase(
    config.databaseUrl
      ? { url: config.databaseUrl }
      : { sqlitePath: join(config.dataDir, 'securevod.sqlite') },
  );
  await migrateToLatest(db);

  const accessKeys = new AccessKeyService(createAccessKeyStore(db), kms);
  const rootCredentialsFile = join(config.dataDir, ROOT_CREDENTIALS_FILE);
  const rootAccessKey = await accessKeys.ensureRoot(config.rootAccessKey, rootCredentialsFile);
  const downloadSecrets = new DownloadSecretService(createDownloadSecretStore(db), kms);
  const replayCache = new InMemoryReplayCache();

  let publicUrl = config.publicUrl ?? `http://${displayHost(config.host)}:${config.port}`;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Query strings may carry secrets (AppDecryptKey, tokens): log paths only.
      serializers: {
        req: (req) => ({ method: req.method, url: String(req.url).split('?')[0], remoteAddress: req.ip }),
      },
    },
    querystringParser: (query) => Object.fromEntries(new URLSearchParams(query)),
    trustProxy: false,
  });

  const actions: Record<string, ActionHandler> = {
    GenerateDownloadSecretKey: generateDownloadSecretKeyHandler({ downloadSecrets }),
    GenerateKMSDataKey: generateKmsDataKeyHandler({ kms }),
    DecryptKMSDataKey: decryptKmsDataKeyHandler({ kms }),
  };

  app.get('/healthz', async () => ({ status: 'ok' }));
  await app.register(rpcPlugin, {
    actions,
    findAccessKey: (id) => accessKeys.find(id),
    replayCache,
    get hostId() {
      return new URL(publicUrl).host;
    },
    get recommendBase() {
      return `${publicUrl}/docs/api.md#error-codes`;
    },
  });

  const address = await app.listen({ host: config.host, port: config.port });
  if (!config.publicUrl) publicUrl = `http://${displayHost(config.host)}:${new URL(address).port}`;

  let closed = false;
  return {
    get url() {
      return publicUrl;
    },
    rootAccessKey,
    rootCredentialsFile,
    app,
    kms,
    db,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await replayCache.close();
      await db.close();
      await kms.close();
    },
  };
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
