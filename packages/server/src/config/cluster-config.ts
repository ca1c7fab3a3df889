/**
 * The settings that move storage and master keys off the machine (cluster mode): an S3 bucket
 * instead of the data dir, a shared key ring or an HSM instead of `<data dir>/kms`. Read by
 * `loadServerConfig` (server-config.ts), which collects the problems and fails the start with
 * messages naming each setting; documented in docs/configuration.md.
 */
import { isAbsolute, join, resolve } from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

export type StorageConfig =
  | { readonly kind: 'local'; readonly root: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      /** Absent = AWS's own endpoint for the region. */
      readonly endpoint: string | undefined;
      readonly region: string;
      /** Absent = the AWS SDK's default chain (AWS_* variables, shared files, instance role). */
      readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
      readonly forcePathStyle: boolean;
    };

export type KmsConfig =
  | { readonly kind: 'local'; readonly dir: string }
  | {
      readonly kind: 'pkcs11';
      readonly modulePath: string;
      readonly slot: number | undefined;
      readonly tokenLabel: string | undefined;
      readonly pin: string;
      readonly keyLabel: string;
    };

const S3_SETTINGS = [
  'SECUREVOD_S3_ENDPOINT',
  'SECUREVOD_S3_REGION',
  'SECUREVOD_S3_ACCESS_KEY_ID',
  'SECUREVOD_S3_SECRET_ACCESS_KEY',
  'SECUREVOD_S3_FORCE_PATH_STYLE',
] as const;
const PKCS11_SETTINGS = [
  'SECUREVOD_PKCS11_MODULE',
  'SECUREVOD_PKCS11_SLOT',
  'SECUREVOD_PKCS11_TOKEN_LABEL',
  'SECUREVOD_PKCS11_PIN',
  'SECUREVOD_PKCS11_KEY_LABEL',
] as const;
export const DEFAULT_PKCS11_KEY_LABEL = 'securevod-master';
/** S3's bucket naming rules (which Alibaba OSS, MinIO and Ceph also follow). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function value(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

export function loadStorageConfig(env: Env, dataDir: string, problems: string[]): StorageConfig {
  const bucket = value(env, 'SECUREVOD_S3_BUCKET');
  if (bucket === undefined) {
    for (const name of S3_SETTINGS) {
      if (value(env, name) !== undefined) {
        problems.push(`${name}: is set but SECUREVOD_S3_BUCKET is not (a bucket switches storage to S3)`);
      }
    }
    return { kind: 'local', root: join(dataDir, 'storage') };
  }
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    problems.push(
      `SECUREVOD_S3_BUCKET: "${bucket}" is not a bucket name (3-63 lowercase letters, digits, dots and hyphens)`,
    );
  }
  let endpoint = value(env, 'SECUREVOD_S3_ENDPOINT');
  if (endpoint !== undefined) {
    try {
      const url = new URL(endpoint);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
      if (url.search || url.hash || url.username || url.password) throw new Error('extra');
      endpoint = url.href.replace(/\/+$/, '');
    } catch {
      problems.push(
        `SECUREVOD_S3_ENDPOINT: "${endpoint}" must be an http:// or https:// URL without credentials or query`,
      );
    }
  }
  const region = value(env, 'SECUREVOD_S3_REGION') ?? 'us-east-1';
  if (!/^[a-z0-9-]{1,64}$/.test(region)) {
    problems.push(`SECUREVOD_S3_REGION: "${region}" is not a region name (e.g. us-east-1, oss-cn-hangzhou)`);
  }
  const accessKeyId = value(env, 'SECUREVOD_S3_ACCESS_KEY_ID');
  const secretAccessKey = value(env, 'SECUREVOD_S3_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    problems.push(
      'SECUREVOD_S3_ACCESS_KEY_ID and SECUREVOD_S3_SECRET_ACCESS_KEY must be set together ' +
        "(or neither, for the AWS SDK's own credential chain)",
    );
  }
  const pathStyleRaw = value(env, 'SECUREVOD_S3_FORCE_PATH_STYLE');
  let forcePathStyle = endpoint !== undefined; // MinIO, Ceph and s3rver want it; AWS does not
  if (pathStyleRaw !== undefined) {
    if (/^(true|1|yes)$/i.test(pathStyleRaw)) forcePathStyle = true;
    else if (/^(false|0|no)$/i.test(pathStyleRaw)) forcePathStyle = false;
    else problems.push(`SECUREVOD_S3_FORCE_PATH_STYLE: "${pathStyleRaw}" must be true or false`);
  }
  return {
    kind: 's3',
    bucket,
    endpoint,
    region,
    credentials:
      accessKeyId !== undefined && secretAccessKey !== undefined
        ? { accessKeyId, secretAccessKey }
        : undefined,
    forcePathStyle,
  };
}

export function loadKmsConfig(
  env: Env,
  paths: { dataDir: string; cwd: string },
  problems: string[],
): KmsConfig {
  const kind = value(env, 'SECUREVOD_KMS') ?? 'local';
  const dirRaw = value(env, 'SECUREVOD_KMS_DIR');
  if (kind === 'local') {
    for (const name of PKCS11_SETTINGS) {
      if (value(env, name) !== undefined) {
        problems.push(`${name}: is set but SECUREVOD_KMS is local (set SECUREVOD_KMS=pkcs11 to use an HSM)`);
      }
    }
    const dir =
      dirRaw === undefined
        ? join(paths.dataDir, 'kms')
        : isAbsolute(dirRaw)
          ? dirRaw
          : resolve(paths.cwd, dirRaw);
    return { kind: 'local', dir };
  }
  if (kind !== 'pkcs11') {
    problems.push(`SECUREVOD_KMS: "${kind}" must be local or pkcs11`);
    return { kind: 'local', dir: join(paths.dataDir, 'kms') };
  }
  if (dirRaw !== undefined) {
    problems.push(
      'SECUREVOD_KMS_DIR: only applies to SECUREVOD_KMS=local; with pkcs11 the keys live in the HSM',
    );
  }
  const modulePath = value(env, 'SECUREVOD_PKCS11_MODULE');
  if (modulePath === undefined || !isAbsolute(modulePath)) {
    problems.push(
      "SECUREVOD_PKCS11_MODULE: the absolute path of the HSM vendor's PKCS#11 library is required with SECUREVOD_KMS=pkcs11 (e.g. /usr/lib/softhsm/libsofthsm2.so)",
    );
  }
  const slotRaw = value(env, 'SECUREVOD_PKCS11_SLOT');
  const tokenLabel = value(env, 'SECUREVOD_PKCS11_TOKEN_LABEL');
  let slot: number | undefined;
  if ((slotRaw === undefined) === (tokenLabel === undefined)) {
    problems.push(
      'SECUREVOD_PKCS11_SLOT or SECUREVOD_PKCS11_TOKEN_LABEL: set exactly one, to pick the token',
    );
  } else if (slotRaw !== undefined) {
    slot = Number(slotRaw);
    if (!/^\d{1,20}$/.test(slotRaw) || !Number.isSafeInteger(slot)) {
      problems.push(`SECUREVOD_PKCS11_SLOT: "${slotRaw}" must be a slot ID (a non-negative integer)`);
    }
  }
  // The PIN is taken as given (spaces may be part of it) and never echoed.
  const pin = env.SECUREVOD_PKCS11_PIN;
  if (pin === undefined || pin === '') {
    problems.push("SECUREVOD_PKCS11_PIN: the token's user PIN is required with SECUREVOD_KMS=pkcs11");
  }
  const keyLabel = value(env, 'SECUREVOD_PKCS11_KEY_LABEL') ?? DEFAULT_PKCS11_KEY_LABEL;
  if (!/^[\x20-\x7e]{1,100}$/.test(keyLabel)) {
    problems.push('SECUREVOD_PKCS11_KEY_LABEL: must be 1-100 printable ASCII characters');
  }
  return { kind: 'pkcs11', modulePath: modulePath ?? '', slot, tokenLabel, pin: pin ?? '', keyLabel };
}
