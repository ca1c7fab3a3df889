/**
 * A securevod cluster on one machine for tests and benchmarks (issue 10): every node is its own
 * `securevod server` process on its own port and data dir, and they share only what cluster mode
 * shares — one PostgreSQL schema, one S3 bucket (s3rver), one Redis, and one local KMS key ring
 * directory (SECUREVOD_KMS_DIR, as a mounted secret would be).
 *
 * - PostgreSQL: a throwaway schema, chosen through the URL (`options=-c search_path=…`), with an
 *   `application_name` that marks the cluster's connections, so a test can terminate exactly
 *   them (`terminateConnections`).
 * - Redis: a test-owned redis-server (append-only) on a free port, so a test may read every key
 *   and kill or restart it without touching the machine's Redis.
 * - The first node starts alone (it creates the key ring, the root AccessKey and the playback
 *   secrets); the others then start together.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type Db } from '../../src/store/database.js';
import { POSTGRES_URL } from './postgres.js';
import { startRedisServer, type OwnRedisServer } from './redis.js';
import { startS3Server, type S3TestServer } from './s3-server.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from './server-process.js';

export interface ClusterNodeSpec {
  /** A name for messages and the data dir, e.g. "a", "worker-1". */
  readonly name: string;
  /** `--roles`, e.g. `api,keys,media` or `worker`. */
  readonly roles: string;
  readonly env?: Record<string, string>;
}

export interface ClusterNode extends ServerProcess {
  readonly name: string;
  readonly roles: string;
}

export interface Cluster {
  readonly s3: S3TestServer;
  readonly bucket: string;
  readonly redis: OwnRedisServer;
  /** The PostgreSQL schema every node works in. */
  readonly schema: string;
  /** The database URL every node is given (schema and application_name in its query). */
  readonly databaseUrl: string;
  readonly kmsDir: string;
  /** Parent of every node's data dir and of the key ring. */
  readonly dir: string;
  /** The settings every node gets. */
  readonly env: Record<string, string>;
  readonly nodes: ClusterNode[];
  node(name: string): ClusterNode;
  /** Starts one more node on the shared parts (e.g. to replace a killed one). */
  startNode(spec: ClusterNodeSpec): Promise<ClusterNode>;
  /** The cluster's own database (the test's view of the shared schema). */
  openDb(): Promise<Db>;
  /** Terminates every PostgreSQL connection the nodes hold; returns how many were killed. */
  terminateConnections(): Promise<number>;
  /** Stops every node, the S3 and Redis servers, and drops the schema. */
  close(): Promise<void>;
}

export async function startCluster(options: {
  nodes: ClusterNodeSpec[];
  /** Settings for every node (on top of the cluster's own). */
  env?: Record<string, string>;
}): Promise<Cluster> {
  const dir = await makeDataDir('securevod-cluster-');
  const tag = randomBytes(5).toString('hex');
  const schema = `securevod_cluster_${tag}`;
  const appName = `securevod-cluster-${tag}`;
  const databaseUrl = new URL(POSTGRES_URL);
  databaseUrl.searchParams.set('options', `-c search_path=${schema}`);
  databaseUrl.searchParams.set('application_name', appName);
  const admin = await openDatabase({ url: POSTGRES_URL, schema }); // creates the schema
  await admin.close();

  let s3: S3TestServer | undefined;
  let redis: OwnRedisServer | undefined;
  const nodes: ClusterNode[] = [];
  const close = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await s3?.close();
    await redis?.destroy();
    const db = await openDatabase({ url: POSTGRES_URL });
    try {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db.kysely);
    } finally {
      await db.close();
    }
    await removeDir(dir);
  };

  try {
    s3 = await startS3Server();
    const bucket = await s3.createBucket(`securevod-cluster-${tag}`);
    redis = await startRedisServer();
    const kmsDir = join(dir, 'kms');
    const env: Record<string, string> = {
      SECUREVOD_DATABASE_URL: databaseUrl.href,
      SECUREVOD_S3_BUCKET: bucket,
      SECUREVOD_S3_ENDPOINT: s3.endpoint,
      SECUREVOD_S3_REGION: s3.region,
      SECUREVOD_S3_ACCESS_KEY_ID: s3.accessKeyId,
      SECUREVOD_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      SECUREVOD_REDIS_URL: redis.url,
      SECUREVOD_KMS_DIR: kmsDir,
      SECUREVOD_X264_PRESET: 'ultrafast',
      ...options.env,
    };
    const startNode = async (spec: ClusterNodeSpec): Promise<ClusterNode> => {
      const dataDir = join(dir, `node-${spec.name}`);
      const server = await startServerProcess({
        dataDir,
        env: { ...env, ...spec.env },
        args: ['--roles', spec.roles],
        startTimeoutMs: 90_000,
      });
      const node: ClusterNode = Object.assign(server, { name: spec.name, roles: spec.roles });
      nodes.push(node);
      return node;
    };
    const [first, ...rest] = options.nodes;
    if (first) await startNode(first);
    await Promise.all(rest.map(startNode));

    return {
      s3,
      bucket,
      redis,
      schema,
      databaseUrl: databaseUrl.href,
      kmsDir,
      dir,
      env,
      nodes,
      node(name) {
        const found = nodes.find((n) => n.name === name);
        if (!found) throw new Error(`no cluster node named ${name}`);
        return found;
      },
      startNode,
      openDb: () => openDatabase({ url: POSTGRES_URL, schema }),
      async terminateConnections() {
        const db = await openDatabase({ url: POSTGRES_URL });
        try {
          // In the select list, so it runs only on the rows the filter kept.
          const { rows } = await sql<{ killed: boolean }>`
            select pg_terminate_backend(pid) as killed from pg_stat_activity
            where application_name = ${appName}`.execute(db.kysely);
          return rows.filter((r) => r.killed).length;
        } finally {
          await db.close();
        }
      },
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
