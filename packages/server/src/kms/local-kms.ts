/**
 * The embedded KMS (DESIGN §2, §4): versioned 256-bit master keys kept as files in the data
 * dir, used with AES-256-GCM. Its keyId is `local/master` — versionless, like a cloud KMS alias;
 * each blob records the master-key version that made it, so rotation never strands old blobs.
 *
 * On disk, `<dir>/master-v<N>.key` holds the raw 32 bytes of version N (dir 0700, files 0600);
 * the highest N is current. Like ssh with private keys, it refuses to start if a key file is
 * readable or writable by group or others, or is not exactly 32 bytes. Key files are written to
 * a temporary file first and published with link(2), which is atomic and never replaces an
 * existing file (rename would), so two processes creating or rotating at once cannot destroy a
 * key that blobs were already made with. Back the directory up: losing a key file loses every
 * blob made under that version.
 *
 * Shared key ring (cluster mode): every node points SECUREVOD_KMS_DIR at the same key files,
 * typically a secret mounted read-only. A node that cannot write the directory opens it
 * read-only: it encrypts under the highest version present and decrypts every version, loads
 * versions that appear later (a rotated secret rolled out) when a blob names one, and refuses to
 * rotate — rotation is the operator's `securevod kms rotate`, run where the key ring is written.
 * On a read-only mount the orchestrator owns the files, so key files there may be group-readable
 * (Kubernetes grants a non-root pod access through its fsGroup), never writable by anyone, nor
 * readable by others.
 *
 * Blob (base64 of):  "SVKB" | format 0x01 | master version u32 BE | IV (12) | ciphertext | tag (16)
 * AAD:               the 9 header bytes | canonical JSON of the encryption context (keys sorted)
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { access, constants, link, mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BASE64, canonicalContext } from './encryption-context.js';
import { KmsError, type DataKey, type EncryptionContext, type Kms } from './kms.js';

export const LOCAL_KMS_KEY_ID = 'local/master';

const MAGIC = Buffer.from('SVKB', 'ascii');
const FORMAT_VERSION = 1;
const HEADER_BYTES = 9;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_FILE = /^master-v([1-9][0-9]{0,9})\.key$/;
const MAX_VERSION = 0xffffffff;

export interface LocalKms extends Kms {
  /** Whether this process can write the key ring; a read-only one refuses to rotate. */
  readonly writable: boolean;
  readonly dir: string;
  /** Master-key versions present, ascending. */
  versions(): number[];
}

export async function openLocalKms(options: { dir: string }): Promise<LocalKms> {
  const kms = new LocalKeyRing(options.dir);
  await kms.open();
  return kms;
}

class LocalKeyRing implements LocalKms {
  readonly keyId = LOCAL_KMS_KEY_ID;
  private readonly keys = new Map<number, Buffer>();
  private current = 0;
  private closed = false;
  /** Set by open(): undefined = writable, else why not (`EROFS`: a read-only file system). */
  private readOnlyReason: string | undefined;
  /** Serialises rotations within this process; link(2) arbitrates between processes. */
  private rotation: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {}

  get writable(): boolean {
    return this.readOnlyReason === undefined;
  }

  versions(): number[] {
    return [...this.keys.keys()].sort((a, b) => a - b);
  }

  async open(): Promise<void> {
    const existed = await stat(this.dir).then(
      () => true,
      () => false,
    );
    if (!existed) await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const info = await stat(this.dir);
    if (!info.isDirectory()) unavailable(`Local KMS directory ${this.dir} is not a directory`);
    this.readOnlyReason = await access(this.dir, constants.W_OK).then(
      () => undefined,
      (error: NodeJS.ErrnoException) => error.code ?? 'EACCES',
    );
    // On a read-only file system nobody can write through the directory, whatever its mode
    // (Kubernetes shows secret volumes as 1777).
    if (checksPermissions() && this.readOnlyReason !== 'EROFS' && (info.mode & 0o022) !== 0) {
      unavailable(
        `Local KMS directory ${this.dir} is writable by group or others (mode ${octal(info.mode)}); ` +
          `run: chmod 700 ${this.dir}`,
      );
    }
    await this.loadKeyFiles();
    if (this.keys.size > 0) return;
    if (!this.writable) {
      unavailable(
        `Local KMS directory ${this.dir} holds no master key and this node cannot write it ` +
          `(${this.readOnlyReason}): create the key ring where it is written ` +
          `(securevod kms rotate --kms-dir DIR) and mount it here`,
      );
    }
    await this.createVersion(1);
  }

  async ping(): Promise<void> {
    this.assertOpen();
    // The key ring must still be readable (a lost mount shows here first).
    await access(this.dir, constants.R_OK | constants.X_OK).catch((error: NodeJS.ErrnoException) =>
      unavailable(`Local KMS directory ${this.dir} is not readable (${error.code ?? error.message})`),
    );
  }

  async generateDataKey(request: { bytes: 16 | 32; context: EncryptionContext }): Promise<DataKey> {
    if (request.bytes !== 16 && request.bytes !== 32) {
      throw new RangeError(`A data key is 16 or 32 bytes, not ${String(request.bytes)}`);
    }
    const key = randomBytes(request.bytes);
    try {
      const { ciphertextBlob } = await this.encrypt(key, request.context);
      return { keyId: this.keyId, plaintext: new Uint8Array(key), ciphertextBlob };
    } finally {
      key.fill(0);
    }
  }

  async encrypt(
    plaintext: Uint8Array,
    context: EncryptionContext,
  ): Promise<{ keyId: string; ciphertextBlob: string }> {
    const key = this.masterKey(this.current);
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header, 0);
    header.writeUInt8(FORMAT_VERSION, 4);
    header.writeUInt32BE(this.current, 5);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.concat([header, canonicalContext(context)]));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const blob = Buffer.concat([header, iv, body, cipher.getAuthTag()]);
    return { keyId: this.keyId, ciphertextBlob: blob.toString('base64') };
  }

  async decrypt(
    ciphertextBlob: string,
    context: EncryptionContext,
  ): Promise<{ keyId: string; plaintext: Uint8Array }> {
    this.assertOpen();
    if (typeof ciphertextBlob !== 'string' || !BASE64.test(ciphertextBlob)) {
      throw invalid('The ciphertext blob is not base64');
    }
    const blob = Buffer.from(ciphertextBlob, 'base64');
    if (blob.length < HEADER_BYTES + IV_BYTES + TAG_BYTES) throw invalid('The ciphertext blob is too short');
    if (!blob.subarray(0, 4).equals(MAGIC)) throw invalid('The ciphertext blob was not made by a local KMS');
    if (blob[4] !== FORMAT_VERSION)
      throw invalid(`The ciphertext blob has unknown format version ${blob[4]}`);
    const version = blob.readUInt32BE(5);
    if (version === 0) throw invalid('The ciphertext blob names master key version 0, which never exists');
    // A newer version may have been created by another process sharing the directory.
    if (!this.keys.has(version) && version > this.current) await this.loadKeyFiles();
    const key = this.keys.get(version);
    if (key === undefined) {
      // Tampering with the version field lands here too: the header is only authenticated by
      // the key it names.
      throw new KmsError(
        'KeyVersionNotFound',
        `The ciphertext blob names master key version ${version}, which is not in ${this.dir}`,
      );
    }
    const iv = blob.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
    const body = blob.subarray(HEADER_BYTES + IV_BYTES, blob.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([blob.subarray(0, HEADER_BYTES), canonicalContext(context)]));
    decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
    const head = decipher.update(body);
    try {
      const plaintext = Buffer.concat([head, decipher.final()]);
      const out = new Uint8Array(plaintext);
      plaintext.fill(0);
      return { keyId: this.keyId, plaintext: out };
    } catch {
      // Deliberately no cause: the message is all a caller needs, and nothing of the key leaks.
      throw invalid('The ciphertext blob does not match this encryption context, or it was altered');
    } finally {
      head.fill(0);
    }
  }

  rotate(): Promise<{ version: number }> {
    const next = this.rotation.then(async () => {
      this.assertOpen();
      if (!this.writable) {
        throw new KmsError(
          'RotationNotAllowed',
          `This node cannot write the local KMS key ring ${this.dir} (${this.readOnlyReason}), so it ` +
            `does not rotate master keys. Rotate where the key ring is written (securevod kms rotate ` +
            `--kms-dir DIR), roll the new key file out to every node, then restart them.`,
        );
      }
      await this.loadKeyFiles();
      for (;;) {
        const version = Math.max(this.current, ...this.keys.keys()) + 1;
        if (version > MAX_VERSION) unavailable('The local KMS has run out of master key versions');
        if (await this.createVersion(version)) return { version };
        await this.loadKeyFiles(); // another process took that version; go past it
      }
    });
    this.rotation = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const key of this.keys.values()) key.fill(0);
    this.keys.clear();
  }

  private assertOpen(): void {
    if (this.closed) unavailable('The local KMS is closed');
  }

  private masterKey(version: number): Buffer {
    this.assertOpen();
    const key = this.keys.get(version);
    if (key === undefined)
      throw new KmsError('KeyVersionNotFound', `Master key version ${version} is not loaded`);
    return key;
  }

  /** Loads key files not yet in memory and makes the highest version current. */
  private async loadKeyFiles(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      const match = KEY_FILE.exec(name);
      if (match === null) continue;
      const version = Number(match[1]);
      if (version > MAX_VERSION || this.keys.has(version)) continue;
      this.keys.set(version, await readKeyFile(join(this.dir, name), !this.writable));
      if (version > this.current) this.current = version;
    }
  }

  /** Writes a new key file; false if that version already exists (created concurrently). */
  private async createVersion(version: number): Promise<boolean> {
    const path = join(this.dir, `master-v${version}.key`);
    const temp = join(this.dir, `.master-v${version}.key.${randomBytes(6).toString('hex')}.tmp`);
    const key = randomBytes(KEY_BYTES);
    const file = await open(temp, 'wx', 0o600);
    try {
      await file.chmod(0o600); // whatever the umask
      await file.writeFile(key);
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await link(temp, path);
    } catch (error) {
      key.fill(0);
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        await this.loadKeyFiles();
        return false;
      }
      throw error;
    } finally {
      await unlink(temp);
    }
    await syncDirectory(this.dir);
    this.keys.set(version, key);
    if (version > this.current) this.current = version;
    return true;
  }
}

/** `mounted`: a read-only key ring, whose files may also be group-readable (see the header). */
async function readKeyFile(path: string, mounted: boolean): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const info = await file.stat();
    if (!info.isFile()) unavailable(`Local KMS key file ${path} is not a regular file`);
    const forbidden = mounted ? 0o037 : 0o077;
    if (checksPermissions() && (info.mode & forbidden) !== 0) {
      unavailable(
        mounted
          ? `Local KMS key file ${path} is writable, or readable by others (mode ${octal(info.mode)}); ` +
              `a mounted key ring may be readable by owner and group only (e.g. defaultMode 0440)`
          : `Local KMS key file ${path} is accessible by group or others (mode ${octal(info.mode)}); ` +
              `it must be private to its owner: run chmod 600 ${path}`,
      );
    }
    if (info.size !== KEY_BYTES) {
      unavailable(
        `Local KMS key file ${path} is ${info.size} bytes; a master key file holds exactly ${KEY_BYTES}`,
      );
    }
    const key = Buffer.alloc(KEY_BYTES);
    const { bytesRead } = await file.read(key, 0, KEY_BYTES, 0);
    if (bytesRead !== KEY_BYTES) unavailable(`Local KMS key file ${path} changed while being read`);
    return key;
  } finally {
    await file.close();
  }
}

/** Makes the new directory entry durable, so a crash cannot lose a key that blobs already use. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (handle === undefined) return; // not possible on every platform; best effort there
  try {
    await handle.sync();
  } catch {
    // Same: some file systems refuse fsync on directories.
  } finally {
    await handle.close();
  }
}

function checksPermissions(): boolean {
  return process.platform !== 'win32'; // no POSIX mode bits there
}

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}

function invalid(message: string): KmsError {
  return new KmsError('InvalidCiphertext', message);
}

function unavailable(message: string): never {
  throw new KmsError('KmsUnavailable', message);
}
