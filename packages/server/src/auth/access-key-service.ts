/**
 * AccessKeys for the RPC API. Secrets are stored only wrapped by the KMS (bound to the key's
 * id), and unwrapped lazily into an in-memory map; they are needed in plaintext to verify
 * HMAC signatures, as in the cloud API.
 */
import { randomBytes } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import type { Kms } from '../kms/kms.js';
import type { AccessKeyStore } from '../store/access-key-store.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(length: number, alphabet = ALPHABET): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  // Rejection sampling keeps the distribution uniform.
  const limit = 256 - (256 % alphabet.length);
  for (const byte of bytes) {
    if (out.length === length) break;
    if (byte < limit) out += alphabet[byte % alphabet.length];
  }
  return out.length === length ? out : out + randomString(length - out.length, alphabet);
}

export interface AccessKeyPair {
  accessKeyId: string;
  accessKeySecret: string;
}

export function generateAccessKeyPair(): AccessKeyPair {
  return {
    accessKeyId: `SVAK${randomString(20, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`,
    accessKeySecret: randomString(30),
  };
}

const context = (accessKeyId: string) => ({ purpose: 'access-key', accessKeyId });

export class AccessKeyService {
  private readonly secrets = new Map<string, string>();

  constructor(
    private readonly store: AccessKeyStore,
    private readonly kms: Kms,
  ) {}

  /**
   * Stores a new key. `userId` names the RAM user it belongs to (absent: the account's own key);
   * `maxPerOwner` refuses with `StoreError('LimitExceeded')` past that many keys for the owner.
   */
  async create(
    pair: AccessKeyPair,
    options: { isRoot: boolean; description?: string; userId?: string | null; maxPerOwner?: number },
  ): Promise<void> {
    const wrapped = await this.kms.encrypt(
      new TextEncoder().encode(pair.accessKeySecret),
      context(pair.accessKeyId),
    );
    await this.store.insert(
      {
        accessKeyId: pair.accessKeyId,
        secretCiphertext: wrapped.ciphertextBlob,
        kmsKeyId: wrapped.keyId,
        status: 'Active',
        isRoot: options.isRoot,
        description: options.description ?? null,
        createdAt: new Date().toISOString(),
        userId: options.userId ?? null,
      },
      options.maxPerOwner !== undefined ? { maxPerOwner: options.maxPerOwner } : {},
    );
  }

  /** Forgets a deleted key's secret (the caller deletes the row). */
  forget(accessKeyId: string): void {
    this.secrets.delete(accessKeyId);
  }

  /**
   * For the RPC layer: the plaintext secret, whether the key may be used, and whose it is
   * (`userId` null: the account's own key).
   */
  async find(
    accessKeyId: string,
  ): Promise<{ secret: string; active: boolean; userId: string | null; isRoot: boolean } | undefined> {
    const row = await this.store.find(accessKeyId);
    if (!row) return undefined;
    let secret = this.secrets.get(accessKeyId);
    if (secret === undefined) {
      const { plaintext } = await this.kms.decrypt(row.secretCiphertext, context(accessKeyId));
      secret = new TextDecoder().decode(plaintext);
      this.secrets.set(accessKeyId, secret);
    }
    return { secret, active: row.status === 'Active', userId: row.userId, isRoot: row.isRoot };
  }

  /**
   * Makes sure a root AccessKey exists (DESIGN §7). With `configured` (from the environment)
   * that pair is used; otherwise one is generated and written to `credentialsFile` (mode 0600).
   * Returns what happened, so the entry point can say where the key is.
   */
  async ensureRoot(
    configured: AccessKeyPair | undefined,
    credentialsFile: string,
  ): Promise<{ accessKeyId: string; source: 'environment' | 'generated' | 'existing' }> {
    if (configured) {
      const existing = await this.find(configured.accessKeyId);
      if (!existing) await this.create(configured, { isRoot: true, description: 'root (environment)' });
      else if (existing.secret !== configured.accessKeySecret) {
        throw new Error(
          `SECUREVOD_ROOT_ACCESS_KEY_SECRET does not match the stored secret of AccessKey ${configured.accessKeyId}; ` +
            'use the original secret or another SECUREVOD_ROOT_ACCESS_KEY_ID',
        );
      }
      return { accessKeyId: configured.accessKeyId, source: 'environment' };
    }
    const root = (await this.store.list()).find((row) => row.isRoot);
    if (root) return { accessKeyId: root.accessKeyId, source: 'existing' };
    const pair = generateAccessKeyPair();
    await writeFile(credentialsFile, `${JSON.stringify(pair, null, 2)}\n`, { mode: 0o600 });
    await chmod(credentialsFile, 0o600);
    await this.create(pair, { isRoot: true, description: 'root (generated)' });
    return { accessKeyId: pair.accessKeyId, source: 'generated' };
  }
}
