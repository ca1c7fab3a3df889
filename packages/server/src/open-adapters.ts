/**
 * Opens the configured KMS and object store for the entry points (`securevod server`, `worker`,
 * `kms`): the embedded defaults, or the cluster adapters. Those are imported only when configured,
 * so a one-machine install never loads the AWS SDK or a PKCS#11 library. Failures to reach them
 * name the settings to check.
 */
import type { KmsConfig, StorageConfig } from './config/server-config.js';
import type { Kms } from './kms/kms.js';
import { KmsError } from './kms/kms.js';
import { openLocalKms, type LocalKms } from './kms/local-kms.js';
import { createLocalDirectoryStore } from './storage/local-directory-store.js';
import { ObjectStoreError, type ObjectStore } from './storage/object-store.js';

/** A KMS as the operator commands see it: the versions it holds besides the contract. */
export type ManagedKms = Kms & { versions(): number[] };

export async function openKms(config: KmsConfig): Promise<ManagedKms | LocalKms> {
  if (config.kind === 'local') return openLocalKms({ dir: config.dir });
  const { openPkcs11Kms } = await import('./kms/pkcs11-kms.js');
  try {
    return await openPkcs11Kms({
      modulePath: config.modulePath,
      ...(config.slot !== undefined ? { slot: config.slot } : { tokenLabel: config.tokenLabel! }),
      pin: config.pin,
      keyLabel: config.keyLabel,
    });
  } catch (error) {
    if (error instanceof KmsError) {
      throw new KmsError(
        error.code,
        `${error.message} (check SECUREVOD_PKCS11_MODULE, SECUREVOD_PKCS11_SLOT / SECUREVOD_PKCS11_TOKEN_LABEL, SECUREVOD_PKCS11_PIN)`,
        { cause: error },
      );
    }
    throw error;
  }
}

export async function openObjectStore(config: StorageConfig): Promise<ObjectStore> {
  if (config.kind === 'local') return createLocalDirectoryStore({ root: config.root });
  const { createS3ObjectStore } = await import('./storage/s3-object-store.js');
  try {
    return await createS3ObjectStore({
      bucket: config.bucket,
      ...(config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
      region: config.region,
      ...(config.credentials !== undefined ? { credentials: config.credentials } : {}),
      forcePathStyle: config.forcePathStyle,
    });
  } catch (error) {
    if (error instanceof ObjectStoreError) {
      throw new ObjectStoreError(
        error.code,
        `${error.message} (check SECUREVOD_S3_BUCKET, SECUREVOD_S3_ENDPOINT, SECUREVOD_S3_REGION and the credentials)`,
        { cause: error },
      );
    }
    throw error;
  }
}
