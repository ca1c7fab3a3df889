/**
 * A logged-in connection to one PKCS#11 token, shared per process: a Cryptoki library may be
 * initialised once per process and a token logged in once per application, so every KMS opened
 * on the same module and token shares one of these (reference-counted; the last close logs out
 * and finalises). Sessions are handed out one operation at a time: an operation's Init and its
 * single-part call must not interleave with another operation on the same session.
 *
 * Only `pkcs11-kms.ts` uses this; both are the only modules that import pkcs11js.
 */
import pkcs11js from 'pkcs11js';

export type Handle = Buffer;

export interface TokenAddress {
  /** Path of the vendor's PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so. */
  readonly modulePath: string;
  /** The slot ID (as `softhsm2-util --show-slots` or `pkcs11-tool -L` print it)… */
  readonly slot?: number;
  /** …or the token label; exactly one of the two. */
  readonly tokenLabel?: string;
  readonly pin: string;
}

export interface Token {
  readonly module: pkcs11js.PKCS11;
  readonly description: string;
  /** Runs `body` with a session of its own (RW, logged in); sessions are pooled. */
  withSession<T>(body: (session: Handle) => T | Promise<T>): Promise<T>;
  release(): void;
}

interface SharedModule {
  module: pkcs11js.PKCS11;
  users: number;
}

const modules = new Map<string, SharedModule>();
const tokens = new Map<string, SharedToken>();
const SESSIONS_PER_TOKEN = 4;

/** Opens (or shares) the token; throws a `Pkcs11SetupError` naming what is wrong. */
export function openToken(address: TokenAddress): Token {
  const shared = loadModule(address.modulePath);
  let slot: Handle;
  try {
    slot = findSlot(shared.module, address);
  } catch (error) {
    unloadModule(address.modulePath);
    throw error;
  }
  const key = `${address.modulePath}\0${slot.toString('hex')}`;
  let token = tokens.get(key);
  if (!token) {
    try {
      token = new SharedToken(shared.module, slot, address, () => {
        tokens.delete(key);
        unloadModule(address.modulePath);
      });
    } catch (error) {
      unloadModule(address.modulePath);
      throw error;
    }
    tokens.set(key, token);
  } else {
    unloadModule(address.modulePath); // the token already holds the module
  }
  token.users += 1;
  return token.handle();
}

export class Pkcs11SetupError extends Error {
  override readonly name = 'Pkcs11SetupError';
}

function loadModule(path: string): SharedModule {
  const existing = modules.get(path);
  if (existing) {
    existing.users += 1;
    return existing;
  }
  const module = new pkcs11js.PKCS11();
  try {
    module.load(path);
  } catch (error) {
    throw new Pkcs11SetupError(`Cannot load the PKCS#11 module ${path}: ${(error as Error).message}`);
  }
  try {
    // OS locking: pkcs11js runs the *Async calls on worker threads.
    module.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (error) {
    if (!isCode(error, pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
      module.close();
      throw new Pkcs11SetupError(`Cannot initialise the PKCS#11 module ${path}: ${(error as Error).message}`);
    }
  }
  const shared = { module, users: 1 };
  modules.set(path, shared);
  return shared;
}

function unloadModule(path: string): void {
  const shared = modules.get(path);
  if (!shared) return;
  shared.users -= 1;
  if (shared.users > 0) return;
  modules.delete(path);
  try {
    shared.module.C_Finalize();
  } catch {
    // Finalising a library that is already gone is not worth failing a close for.
  }
  shared.module.close();
}

function findSlot(module: pkcs11js.PKCS11, address: TokenAddress): Handle {
  const slots = module.C_GetSlotList(true);
  const labels: string[] = [];
  for (const slot of slots) {
    const info = module.C_GetTokenInfo(slot);
    const label = info.label.trim();
    labels.push(`${slotId(slot)} "${label}"`);
    if (address.slot !== undefined ? slotId(slot) === address.slot : label === address.tokenLabel)
      return slot;
  }
  const wanted = address.slot !== undefined ? `slot ${address.slot}` : `token "${address.tokenLabel}"`;
  throw new Pkcs11SetupError(
    `No ${wanted} with a token in ${address.modulePath} (present: ${labels.join(', ') || 'none'})`,
  );
}

/** Slot IDs are CK_ULONGs, little-endian in pkcs11js handles on the platforms Node runs on. */
function slotId(slot: Handle): number {
  return slot.length >= 8 ? Number(slot.readBigUInt64LE(0)) : slot.readUInt32LE(0);
}

class SharedToken {
  users = 0;
  readonly description: string;
  private readonly idle: Handle[] = [];
  private readonly waiting: ((session: Handle) => void)[] = [];
  private sessions = 0;

  constructor(
    readonly module: pkcs11js.PKCS11,
    private readonly slot: Handle,
    address: TokenAddress,
    private readonly onLastRelease: () => void,
  ) {
    this.description = `${address.tokenLabel ? `token "${address.tokenLabel}"` : `slot ${address.slot}`} of ${address.modulePath}`;
    const first = this.openSession();
    try {
      module.C_Login(first, pkcs11js.CKU_USER, address.pin);
    } catch (error) {
      module.C_CloseSession(first);
      if (!isCode(error, pkcs11js.CKR_USER_ALREADY_LOGGED_IN)) {
        // The PIN is never part of the message.
        throw new Pkcs11SetupError(`Cannot log in to ${this.description}: ${codeName(error)}`);
      }
      this.idle.push(this.openSession());
      return;
    }
    this.idle.push(first);
  }

  handle(): Token {
    let released = false;
    return {
      module: this.module,
      description: this.description,
      withSession: (body) => this.withSession(body),
      release: () => {
        if (released) return;
        released = true;
        this.users -= 1;
        if (this.users === 0) this.close();
      },
    };
  }

  private openSession(): Handle {
    this.sessions += 1;
    return this.module.C_OpenSession(this.slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  }

  private async withSession<T>(body: (session: Handle) => T | Promise<T>): Promise<T> {
    const session = await this.acquire();
    try {
      return await body(session);
    } finally {
      const next = this.waiting.shift();
      if (next) next(session);
      else this.idle.push(session);
    }
  }

  private acquire(): Promise<Handle> {
    const session = this.idle.pop();
    if (session) return Promise.resolve(session);
    if (this.sessions < SESSIONS_PER_TOKEN) return Promise.resolve(this.openSession());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private close(): void {
    try {
      this.module.C_CloseAllSessions(this.slot); // also logs the application out of the token
    } catch {
      // A removed token has no sessions left to close.
    }
    this.idle.length = 0;
    this.sessions = 0;
    this.onLastRelease();
  }
}

export function isCode(error: unknown, code: number): boolean {
  return error instanceof pkcs11js.Pkcs11Error && error.code === code;
}

/** `CKR_…` name of a Cryptoki error (pkcs11js puts it first in the message), else the message. */
export function codeName(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /\bCKR_[A-Z_]+/.exec(message)?.[0] ?? message;
}
